package nabla

import (
	"sync"
	"sync/atomic"
)

// A Tape is the engine state of one line of computation: whether operations
// record the graph (NoGrad, EnableGrad), whether they are checked for NaN and
// Inf (DetectAnomaly), and which Arena collects what they compute. Its modes
// travel with the data: a tensor bound to a tape (Bind), and every tensor
// computed from one, computes in that tape's modes, whichever goroutine runs
// the operation. Tensors bound to no tape (what constructors such as
// FromSlice and Zeros make) compute in the default tape's modes, which the
// package-level NoGrad, EnableGrad and DetectAnomaly set for the whole
// process.
//
// A Tape is not safe for concurrent use: give each goroutine that builds or
// evaluates graphs its own (NewTape), and bind to it the tensors that
// goroutine makes (its inputs, its batches). Tensors that goroutines only
// read — weights, constants, data — may be shared by any number of them.
//
// The transforms (Grad, ValueAndGrad, HVP, …), backward passes and compiled
// functions need no tape from the caller: each makes its own for what it
// computes, bound to the variables it creates, and closes it when it
// returns; what escapes it then computes in the caller's modes.
type Tape struct {
	parent *Tape // the tape it was made for; closed tapes defer to it
	seq    uint64
	closed bool

	noGrad  bool
	anomaly bool
	serial  bool // kernels run on the calling goroutine only (SetSerial)

	arena    *Arena
	collect  uint8 // engineIdle, engineScratch or engineRecording: how arena marks what it collects
	allSizes bool  // arena collects tensors of every size, not only those it can recycle

	trace  *trace // the trace recording this tape's ops
	replay *exec  // the program replaying this tape's ops
	blame  *node  // in anomaly mode, the node whose rule a backward pass runs
}

// tapeSeq numbers tapes in the order they are made: where an op reads
// tensors of two tapes, the newer one (the innermost transform) decides.
var tapeSeq atomic.Uint64

// NewTape returns a new tape: recording on, anomaly mode off, no arena.
func NewTape() *Tape { return &Tape{seq: tapeSeq.Add(1)} }

// child returns a new tape for a transform, a backward pass or a trace run
// on tensors of tp (nil: the default tape): it inherits tp's anomaly mode
// and arena, and records.
func (tp *Tape) child() *Tape {
	c := &Tape{parent: tp, seq: tapeSeq.Add(1)}
	if tp == nil {
		c.anomaly = defaultAnomaly.Load()
		return c
	}
	c.anomaly, c.arena, c.collect, c.allSizes = tp.anomaly, tp.arena, tp.collect, tp.allSizes
	c.serial = tp.serial
	c.trace, c.replay = tp.trace, tp.replay
	return c
}

// close ends a transient tape: tensors bound to it compute in its parent's
// modes from now on.
func (tp *Tape) close() { tp.closed = true }

// live returns the tape whose modes apply to tensors bound to tp.
func live(tp *Tape) *Tape {
	for tp != nil && tp.closed {
		tp = tp.parent
	}
	return tp
}

// tapeOf returns the tape an op on xs runs in: the newest live tape among
// them, nil when none is bound to any.
func tapeOf(xs []*Tensor) *Tape {
	var tp *Tape
	for _, x := range xs {
		if x.tape == nil {
			continue
		}
		t := live(x.tape)
		if tp == nil || t != nil && t.seq > tp.seq {
			tp = t
		}
	}
	return tp
}

// tapeOf2 is tapeOf for two tensors, without a slice.
func tapeOf2(a, b *Tensor) *Tape {
	ta, tb := live(a.tape), live(b.tape)
	if ta == nil || tb != nil && tb.seq > ta.seq {
		return tb
	}
	return ta
}

// Bind makes each of ts belong to tp: the operations that read them run in
// tp's modes, and what they compute belongs to tp too. Bind the tensors a
// goroutine makes for itself, not ones other goroutines use. A tensor that
// belongs to another tape is an error.
func (tp *Tape) Bind(ts ...*Tensor) {
	for i, t := range ts {
		if o := live(t.tape); o != nil && o != tp {
			panicf("Bind", "tensor %d (shape %s) is bound to another tape already", i, fmtShape(t.shape))
		}
		t.tape = tp
	}
}

// NoGrad runs f with graph recording off for the operations on tp's tensors,
// as torch.no_grad does for one thread. Scopes nest.
func (tp *Tape) NoGrad(f func()) {
	prev := tp.noGrad
	tp.noGrad = true
	defer func() { tp.noGrad = prev }()
	f()
}

// EnableGrad runs f with graph recording on for the operations on tp's
// tensors, even inside tp.NoGrad.
func (tp *Tape) EnableGrad(f func()) {
	prev := tp.noGrad
	tp.noGrad = false
	defer func() { tp.noGrad = prev }()
	f()
}

// GradEnabled reports whether operations on tp's tensors record the graph.
func (tp *Tape) GradEnabled() bool { return !tp.noGrad }

// NoGradValue evaluates f with recording off for tp's tensors and returns
// its result, a constant for the graph.
func (tp *Tape) NoGradValue(f func() *Tensor) *Tensor {
	var t *Tensor
	tp.NoGrad(func() { t = f() })
	return t
}

// SetAnomalyDetection switches anomaly mode on or off for the operations on
// tp's tensors and returns the previous setting (see the package-level
// SetAnomalyDetection).
func (tp *Tape) SetAnomalyDetection(on bool) bool {
	prev := tp.anomaly
	tp.anomaly = on
	return prev
}

// DetectAnomaly runs f with anomaly mode on for the operations on tp's
// tensors.
func (tp *Tape) DetectAnomaly(f func()) {
	prev := tp.SetAnomalyDetection(true)
	defer tp.SetAnomalyDetection(prev)
	f()
}

// SetSerial makes the operations on tp's tensors, and the backward passes
// and transforms run on them, compute on the calling goroutine only (on) or
// split large kernels across GOMAXPROCS goroutines (off, the default), and
// returns the previous setting. Data-parallel workers that already keep
// every core busy set it, so that their matrix products do not compete for
// the cores with each other (see train's --workers). It affects this tape
// only; tapes are not safe for concurrent use, so set it from the goroutine
// that uses tp.
//
// Matrix products and convolutions honour it; elementwise kernels on
// tensors of more than 2¹⁶ elements still split, and so does OpenBLAS (the
// openblas build), whose threads are its own.
func (tp *Tape) SetSerial(on bool) bool {
	prev := tp.serial
	tp.serial = on
	return prev
}

// Serial reports whether the operations on tp's tensors run their kernels on
// the calling goroutine only (see SetSerial).
func (tp *Tape) Serial() bool { return tp.serial }

// serialOn reports whether ops in tp keep to one goroutine.
func serialOn(tp *Tape) bool { return tp != nil && tp.serial }

// Tape returns the tape t belongs to, or nil for the default tape.
func (t *Tensor) Tape() *Tape { return live(t.tape) }

// gradOn reports whether ops in tp record.
func gradOn(tp *Tape) bool {
	if tp == nil {
		return !defaultOff.Load()
	}
	return !tp.noGrad
}

// anomalyOn reports whether ops in tp are checked for NaN and Inf.
func anomalyOn(tp *Tape) bool {
	if tp == nil {
		return defaultAnomaly.Load()
	}
	return tp.anomaly
}

// The default tape: its recording switch is a list of open scopes, so that
// scopes opened in several goroutines (each evaluating under NoGrad) end
// with recording as it was before any of them, whatever order they close
// in; the innermost open scope decides.
var (
	defaultMu      sync.Mutex
	defaultScopes  []*gradScope
	defaultOff     atomic.Bool
	defaultAnomaly atomic.Bool
)

type gradScope struct{ off bool }

func defaultScope(off bool, f func()) {
	s := &gradScope{off: off}
	defaultMu.Lock()
	defaultScopes = append(defaultScopes, s)
	defaultOff.Store(off)
	defaultMu.Unlock()
	defer func() {
		defaultMu.Lock()
		for i, o := range defaultScopes {
			if o == s {
				defaultScopes = append(defaultScopes[:i], defaultScopes[i+1:]...)
				break
			}
		}
		on := len(defaultScopes) == 0 || !defaultScopes[len(defaultScopes)-1].off
		defaultOff.Store(!on)
		defaultMu.Unlock()
	}()
	f()
}

// GradEnabled reports whether operations on tensors bound to no tape record
// the graph.
func GradEnabled() bool { return !defaultOff.Load() }

// NoGrad runs f with graph recording off for the operations on tensors bound
// to no tape, as torch.no_grad does: operations inside compute values only.
// Use it for evaluation and for weight updates. It sets the default tape,
// which is the whole process's: in a program whose goroutines build graphs
// concurrently, each uses a Tape of its own and Tape.NoGrad. Scopes nest,
// and scopes that several goroutines open at once all end with recording
// back on.
func NoGrad(f func()) { defaultScope(true, f) }

// EnableGrad runs f with graph recording on for the operations on tensors
// bound to no tape, even inside NoGrad.
func EnableGrad(f func()) { defaultScope(false, f) }

// NoGradValue evaluates f with graph recording off for tensors bound to no
// tape and returns its result, a constant for the graph.
func NoGradValue(f func() *Tensor) *Tensor {
	var t *Tensor
	NoGrad(func() { t = f() })
	return t
}
