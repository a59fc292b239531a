package nabla

import (
	"math"
	"strings"
)

// SetAnomalyDetection switches anomaly mode on or off for the operations on
// tensors bound to no tape (the default tape, the whole process's; see Tape
// for one goroutine's) and returns the previous setting. When on, like
// torch.autograd.detect_anomaly, the first op whose forward output or
// backward gradient contains a NaN or an Inf panics with an *Error naming the
// op, its input shapes and the file:line of the user's code that created it.
// When off (the default) it costs one load per op.
func SetAnomalyDetection(on bool) bool { return defaultAnomaly.Swap(on) }

// DetectAnomaly runs f with anomaly mode on for the operations on tensors
// bound to no tape.
func DetectAnomaly(f func()) {
	prev := SetAnomalyDetection(true)
	defer SetAnomalyDetection(prev)
	f()
}

func hasNonFinite(t *Tensor) bool {
	for _, v := range t.f64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return true
		}
	}
	for _, v := range t.f32 {
		if v != v || v > math.MaxFloat32 || v < -math.MaxFloat32 {
			return true
		}
	}
	return false
}

func inputShapes(ins []*Tensor) string {
	parts := make([]string, len(ins))
	for i, x := range ins {
		parts[i] = fmtShape(x.shape)
	}
	return strings.Join(parts, ", ")
}

func checkAnomaly(tp *Tape, op *Op, ins []*Tensor, out *Tensor, pass string) {
	for _, x := range ins {
		if hasNonFinite(x) {
			return // report only the op that first produced the value
		}
	}
	if !hasNonFinite(out) {
		return
	}
	if n := blamed(tp); n != nil {
		panic(&Error{Op: n.op.Name, Msg: "anomaly: backward pass produced NaN or Inf (in the rule's " + op.Name +
			" step; the op's inputs have shapes " + inputShapes(n.Inputs) + "); the op was created here", Where: n.where()})
	}
	panicf(op.Name, "anomaly: %s pass produced NaN or Inf (inputs of shapes %s)", pass, inputShapes(ins))
}

// blamed returns the node whose rule a backward pass on tp is running, in
// anomaly mode, so that a NaN made inside a rule is blamed on the op being
// differentiated.
func blamed(tp *Tape) *node {
	if tp == nil {
		return nil
	}
	return tp.blame
}

func checkAnomalyBackward(n *node, gs []*Tensor) {
	for i, g := range gs {
		if g != nil && hasNonFinite(g) {
			panic(&Error{Op: n.op.Name, Msg: "anomaly: backward pass produced NaN or Inf in the gradient of input " +
				itoa(i) + " (inputs of shapes " + inputShapes(n.Inputs) + "); the op was created here", Where: n.where()})
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// where returns the file:line that created n's output, recorded in anomaly
// mode (kept with the output, out of the node every op allocates).
func (n *node) where() string {
	if n.Output == nil || n.Output.ext == nil {
		return ""
	}
	return n.Output.ext.where
}
