package nabla

import (
	"math"
	"strconv"
	"strings"
)

// printThreshold is the number of elements above which String elides the
// middle of each dimension, keeping printEdge entries at each end (NumPy's
// defaults).
const (
	printThreshold = 1000
	printEdge      = 3
)

// String prints the tensor as PyTorch does: its values (elided in the middle
// when there are more than 1000; Int64 values as integers, Bool values as
// True and False), then the dtype when it is float32 and whether it
// requires grad.
func (t *Tensor) String() string {
	if t.mem&memDead != 0 {
		return "tensor(released by an Arena, shape=" + fmtShape(t.shape) + ")"
	}
	f := chooseFormat(t)
	var b strings.Builder
	b.WriteString("tensor(")
	summarise := t.Size() > printThreshold
	t.writeDim(&b, f, 0, 0, len("tensor("), summarise)
	if t.dtype == Float32 {
		b.WriteString(", dtype=" + t.dtype.String())
	}
	if t.node != nil {
		b.WriteString(", grad_fn=" + t.node.op.Name)
	} else if t.requiresGrad {
		b.WriteString(", requires_grad=true")
	}
	b.WriteString(")")
	return b.String()
}

type numFormat struct {
	fn    func(float64) string
	width int
}

func chooseFormat(t *Tensor) numFormat {
	switch t.dtype {
	case Bool:
		return widest(t, func(v float64) string {
			if v != 0 {
				return "True"
			}
			return "False"
		})
	case Int64:
		return widest(t, func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) })
	}
	ints, maxAbs, minAbs := true, 0.0, math.Inf(1)
	for i := 0; i < t.Size(); i++ {
		v := t.at(i)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		a := math.Abs(v)
		ints = ints && v == math.Trunc(v)
		maxAbs = max(maxAbs, a)
		if a > 0 {
			minAbs = min(minAbs, a)
		}
	}
	var fn func(float64) string
	switch {
	case ints && maxAbs < 1e8:
		fn = func(v float64) string {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return special(v)
			}
			return strconv.FormatFloat(v, 'f', 0, 64) + "."
		}
	case maxAbs < 1e8 && (minAbs >= 1e-4 || maxAbs == 0) && maxAbs/minAbs < 1e6:
		fn = func(v float64) string {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return special(v)
			}
			return strconv.FormatFloat(v, 'f', 4, 64)
		}
	default:
		fn = func(v float64) string {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return special(v)
			}
			return strconv.FormatFloat(v, 'e', 4, 64)
		}
	}
	return widest(t, fn)
}

// widest returns the format fn with the width of t's widest entry.
func widest(t *Tensor, fn func(float64) string) numFormat {
	w := 0
	for i := 0; i < t.Size(); i++ {
		w = max(w, len(fn(t.at(i))))
	}
	return numFormat{fn, w}
}

func special(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case v > 0:
		return "inf"
	}
	return "-inf"
}

func (t *Tensor) writeDim(b *strings.Builder, f numFormat, dim, off, indent int, summarise bool) {
	if len(t.shape) == 0 {
		b.WriteString(f.fn(t.at(0)))
		return
	}
	n := t.shape[dim]
	stride := numel(t.shape[dim+1:])
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if summarise && n > 2*printEdge && i == printEdge {
			if dim == len(t.shape)-1 {
				b.WriteString("..., ")
			} else {
				b.WriteString("...,\n" + strings.Repeat(" ", indent+1))
			}
			i = n - printEdge
		}
		if dim == len(t.shape)-1 {
			s := f.fn(t.at(off + i))
			b.WriteString(strings.Repeat(" ", f.width-len(s)) + s)
			if i < n-1 {
				b.WriteString(", ")
			}
			continue
		}
		t.writeDim(b, f, dim+1, off+i*stride, indent+1, summarise)
		if i < n-1 {
			b.WriteString("," + strings.Repeat("\n", len(t.shape)-dim-1) + strings.Repeat(" ", indent+1))
		}
	}
	b.WriteByte(']')
}
