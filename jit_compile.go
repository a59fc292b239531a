package nabla

// Compilation: trace a function once, replay it as a straight-line program.
//
// An eager op costs its kernel plus about a microsecond of bookkeeping: a
// tensor header, a graph node, the backward pass's topological walk and
// running sums. On small tensors the bookkeeping is most of the time. Compile
// and CompileValueAndGrad remove it the way jax.jit does: the first call for a
// given set of argument shapes runs the function (and, for gradients, its
// backward pass, with nothing changed in place so that every gradient is an
// op's output too) while a tracer writes down every op applied, what it read and
// what it produced. Later calls with the same shapes replay that list: each
// op's Forward on the new values, nothing else. The first replay writes down
// every tensor the ops allocate (the plan); the next ones reuse those headers
// and buffers, intermediates whose lifetimes do not overlap sharing one
// buffer, so that a replay allocates nothing but its results.
//
// The price is jax.jit's: the function is run once per signature, so Go code
// inside it that depends on tensor values cannot be replayed. Reading values
// (Item, At, Float64s, the Raw accessors) of a tensor that depends on the
// arguments panics while tracing, naming the accessor; tensors the function
// closes over are constants of the compiled program; random numbers drawn
// with a Go source inside the function are drawn once.

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
)

// memTraced marks tensors a trace knows (arguments, op outputs, by-products):
// their values are the program's variables, not constants.
const memTraced uint8 = 1 << 4

type trace struct {
	tape   *Tape             // the tape the traced function's arguments are bound to
	depth  int               // ops in progress: ops run inside an op's Forward are not recorded
	ids    map[*Tensor]int32 // value index of every tensor the trace knows
	steps  []step
	consts []constVal
	nvals  int32
	marked []*Tensor // tensors flagged memTraced, cleared when the trace ends
	vals   []*Tensor // the tensor each value index was, while tracing
	vmap   bool      // Vmap's trace: an op escaping it is an error (see checkEscape)
}

// step is one op of a program: its inputs and outputs are value indexes.
type step struct {
	op        *Op
	params    any
	aff       affineParams
	hasAff    bool
	recording bool
	in        []int32
	out       int32
	saved     int32 // -1: no by-product
}

type constVal struct {
	id int32
	t  *Tensor
}

// forward runs op for apply while a trace is recorded, and records it.
func (tr *trace) forward(op *Op, n *node) *Tensor {
	if tr.depth > 0 { // inside another op's Forward: part of that op
		return tr.inside(op, n)
	}
	in := make([]int32, len(n.Inputs))
	for i, x := range n.Inputs {
		in[i] = tr.ref(x)
	}
	out := tr.inside(op, n)
	// A Forward may save its by-product on other conditions than recording
	// (sin does when its input carries a tangent, which replayed inputs never
	// do): a step that saved replays as recording, so that it saves again.
	s := step{op: op, params: n.Params, recording: n.recording || n.saved != nil, in: in, saved: -1}
	if n.Params == &n.aff {
		s.params, s.aff, s.hasAff = nil, n.aff, true
	}
	s.out = tr.define(out)
	if n.saved != nil {
		s.saved = tr.define(n.saved)
	}
	tr.steps = append(tr.steps, s)
	return out
}

// inside runs op's Forward one level down: the ops it applies belong to it.
// The level is restored even when Forward panics, in case f recovers.
func (tr *trace) inside(op *Op, n *node) *Tensor {
	tr.depth++
	defer func() { tr.depth-- }()
	return op.forward(&n.Ctx)
}

// alias makes h, a header over x's values made by the engine (a rule's view
// of its inputs), the same value of the program as x.
func (tr *trace) alias(h, x *Tensor) {
	tr.ids[h] = tr.ref(x)
}

// ref returns x's value index; a tensor the trace has not seen is a constant.
func (tr *trace) ref(x *Tensor) int32 {
	if id, ok := tr.ids[x]; ok {
		return id
	}
	id := tr.nvals
	tr.nvals++
	tr.ids[x] = id
	tr.vals = append(tr.vals, x)
	tr.consts = append(tr.consts, constVal{id, x})
	return id
}

// define gives t a new value index.
func (tr *trace) define(t *Tensor) int32 {
	id := tr.nvals
	tr.nvals++
	tr.ids[t] = id
	tr.vals = append(tr.vals, t)
	if t.mem&memTraced == 0 {
		t.mem |= memTraced
		tr.marked = append(tr.marked, t)
	}
	return id
}

// Traced reports whether t is a value of a function being compiled: code
// that draws random numbers or has other effects a replay would not repeat
// can refuse to run on it (nn.Dropout does), rather than have its effect
// baked into the compiled program.
func (t *Tensor) Traced() bool { return t.traced() }

// traceOf returns the trace recording the ops on t, if any.
func traceOf(t *Tensor) *trace {
	if tp := live(t.tape); tp != nil {
		return tp.trace
	}
	return nil
}

// inheritTrace makes tp, a new tape for a transform or a backward pass,
// record into the trace that knows one of ts, if tp records into none: the
// values a pass starts from (a seed, a tangent) may be traced when the
// graph it walks is not (Vmap of a pullback, of a Jacobian's rows), and
// what is computed from them must be traced too.
func inheritTrace(tp *Tape, ts []*Tensor) {
	for _, t := range ts {
		if t == nil || !t.traced() {
			continue
		}
		if tr := traceOf(t); tp.trace == nil || tr.vmap && newer(tr, tp.trace) {
			tp.trace = tr // the innermost trace records
		}
	}
}

// newer reports whether trace a began after trace b (inside it).
func newer(a, b *trace) bool { return a.tape.seq > b.tape.seq }

// traced reports whether t is a value a trace knows.
func (t *Tensor) traced() bool { return t.mem&memTraced != 0 && traceOf(t) != nil }

// readOutsideOps reports whether t is a traced value and no op is running:
// what is computed from its values now would not be replayed.
func (t *Tensor) readOutsideOps() bool {
	if t.mem&memTraced == 0 {
		return false
	}
	tr := traceOf(t)
	return tr != nil && tr.depth == 0
}

// guardRead panics when nabla itself reads the values of a traced tensor
// outside any op: a rule that does so must go through opaque.
func guardRead(who string, t *Tensor) {
	if t.readOutsideOps() {
		panicf(who, "internal error: values of a traced tensor read outside any op while compiling; please report this")
	}
}

// checkTraced panics when Go code reads the values of a tensor being traced:
// the compiled program could not replay what it does with them.
func checkTraced(who string, t *Tensor) {
	if t.readOutsideOps() {
		panicTraceRead(who, "a compiled function (Compile, CompileValueAndGrad), or the rule of an op it runs, read the values of a tensor of shape %s that depends on its arguments; a compiled function is traced once and replayed, so it may only compute with nabla's ops: compute the value outside, or pass it as an argument (an op's rule must compute with ops, as CreateGraph requires)", fmtShape(t.shape))
	}
}

// opaqueOp computes, as an op of its own, a value that a rule or a helper
// makes from tensor values outside the rules' algebra (a mask, a copy, a
// shift): so that a trace records it and replays it like any op. It has no
// derivative: its output is a constant of the graph.
var opaqueOp = &Op{
	Name:     "opaque",
	Forward:  func(c *Ctx) *Tensor { return c.Params.(opaqueFn).fn(constants(c.Inputs)) },
	constant: true,
}

// Vmap batches opaque values (set at init: the rule applies opaque itself).
func init() { opaqueOp.Batch = batchOpaque }

type opaqueFn struct {
	name        string
	fn          func(xs []*Tensor) *Tensor
	elementwise bool                       // fn maps inputs that broadcast elementwise, whatever their shapes (see batchOpaque)
	batch       func(xs []*Tensor) *Tensor // fn for inputs with a batch on axis 0, for Vmap (nil: none)
}

// opaque returns fn(xs), a value that is not differentiated: fn sees the
// inputs as constants (no graph, no tangent) and its result is cut from the
// graph.
func opaque(name string, fn func(xs []*Tensor) *Tensor, xs ...*Tensor) *Tensor {
	return opaqueOp.apply(opaqueFn{name: name, fn: fn}, nil, xs)
}

// opaqueBatched is opaque with batch, fn for inputs that carry a batch on
// axis 0 (every input: Vmap expands the others), so that Vmap computes it
// for every example at once.
func opaqueBatched(name string, fn, batch func(xs []*Tensor) *Tensor, xs ...*Tensor) *Tensor {
	return opaqueOp.apply(opaqueFn{name: name, fn: fn, batch: batch}, nil, xs)
}

// opaqueElementwise is opaque for an fn computing each element of its
// result from the same elements of its inputs, broadcast: Vmap batches it
// by applying it to the batch.
func opaqueElementwise(name string, fn func(xs []*Tensor) *Tensor, xs ...*Tensor) *Tensor {
	return opaqueOp.apply(opaqueFn{name: name, fn: fn, elementwise: true}, nil, xs)
}

// constants returns headers over xs's values that take no part in
// differentiation.
func constants(xs []*Tensor) []*Tensor {
	plain := true
	for _, x := range xs {
		plain = plain && !x.requiresGrad && x.tangent == nil
	}
	if plain {
		return xs
	}
	out := make([]*Tensor, len(xs))
	for i, x := range xs {
		if !x.requiresGrad && x.tangent == nil {
			out[i] = x
			continue
		}
		out[i] = &Tensor{shape: x.shape, dtype: x.dtype, f64: x.f64, f32: x.f32, tape: x.tape, mem: x.mem & (memDead | memTraced)}
		if tr := traceOf(x); tr != nil {
			tr.alias(out[i], x)
		}
	}
	return out
}

// Compile returns f compiled: the first call for each signature (the
// arguments' shapes and dtypes) traces f, later calls replay the trace (see
// the package's section on compilation). Calls whose arguments take part in
// differentiation (they require grad, or carry tangents) and calls in anomaly
// mode run f as it is. Between calls the compiled function keeps the buffers
// of its intermediates, for each signature it has seen.
func Compile(f Func) Func {
	c := &compiled{who: "Compile", f: f}
	return func(xs ...*Tensor) *Tensor { return c.call(xs, nil)[0] }
}

// CompileValueAndGrad is ValueAndGrad(f, argnums...) compiled: its first
// call for each signature traces f and its backward pass, later calls replay
// them, which on small tensors is several times faster than ValueAndGrad (see
// Compile for what a compiled function may do). The results are the same as
// ValueAndGrad's up to rounding: the traced backward pass sums gradients out
// of place and skips the rules' in-place shortcuts, which may round
// differently.
func CompileValueAndGrad(f Func, argnums ...int) func(xs ...*Tensor) (*Tensor, []*Tensor) {
	if len(argnums) == 0 {
		argnums = []int{0}
	}
	c := &compiled{who: "CompileValueAndGrad", f: f, argnums: slices.Clone(argnums), grad: true}
	return func(xs ...*Tensor) (*Tensor, []*Tensor) {
		r := c.call(xs, nil)
		return r[0], r[1:]
	}
}

// CompileValueAndGradInto is CompileValueAndGrad writing the gradients into
// grads, one tensor per argnum of that argument's shape and dtype, the way
// gonum's optimize.Problem.Grad fills its grad slice: a replayed call then
// allocates nothing but the value. It returns the value.
func CompileValueAndGradInto(f Func, argnums ...int) func(grads []*Tensor, xs ...*Tensor) *Tensor {
	if len(argnums) == 0 {
		argnums = []int{0}
	}
	c := &compiled{who: "CompileValueAndGradInto", f: f, argnums: slices.Clone(argnums), grad: true}
	return func(grads []*Tensor, xs ...*Tensor) *Tensor {
		checkArgnums(c.who, len(xs), c.argnums)
		if len(grads) != len(c.argnums) {
			panicf(c.who, "%d gradient tensors for %d argnums", len(grads), len(c.argnums))
		}
		for k, i := range c.argnums {
			g, x := grads[k], xs[i]
			if g == nil || !sameShape(g.shape, x.shape) || g.dtype != x.dtype {
				what := "nil"
				if g != nil {
					what = fmt.Sprintf("%s %s", fmtShape(g.shape), g.dtype)
				}
				panicf(c.who, "gradient tensor %d is %s, argument %d is %s %s", k, what, i, fmtShape(x.shape), x.dtype)
			}
			checkLive(c.who, g)
		}
		return c.call(xs, grads)[0]
	}
}

// compiled is a compiled function: its programs, one per signature.
type compiled struct {
	who     string
	f       Func
	argnums []int
	grad    bool
	vars    bool   // every argument is a variable (requires grad) while tracing
	vmap    bool   // Vmap's trace (see checkEscape)
	arena   *Arena // when set, collects what the trace computes (see vmapTrace)

	mu    sync.Mutex // held while tracing
	progs atomic.Pointer[[]*program]
}

// call runs the function on xs: its value, then its gradients (written into
// into, when given, and returned as they are).
func (c *compiled) call(xs, into []*Tensor) []*Tensor {
	if c.grad {
		checkArgnums(c.who, len(xs), c.argnums)
	}
	// Inside a trace, in anomaly mode, or recorded for a gradient's graph
	// (a hook's work), the function runs as it is.
	tp := tapeOf(xs)
	eager := anomalyOn(tp) || tp != nil && (tp.trace != nil || tp.collect == engineRecording)
	for _, x := range xs {
		checkLive(c.who, x)
		eager = eager || x.requiresGrad || x.tangent != nil
	}
	if eager {
		r := c.eager(xs)
		for i, g := range into {
			copyInto(g, r[i+1])
			r[i+1] = g
		}
		return r
	}
	if p := c.lookup(xs); p != nil {
		return p.run(xs, into)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.lookup(xs)
	if p == nil {
		var want []*Tensor
		p, want = c.trace(xs)
		got := p.run(xs, into)
		p.verify(c.who, want, got)
		old := c.progs.Load()
		var ps []*program
		if old != nil {
			ps = append(ps, *old...)
		}
		ps = append(ps, p)
		c.progs.Store(&ps)
		return got
	}
	return p.run(xs, into)
}

// eager runs the function uncompiled.
func (c *compiled) eager(xs []*Tensor) []*Tensor {
	if !c.grad {
		return []*Tensor{c.f(xs...)}
	}
	y, gs := valueAndGrads(c.who, c.f, xs, c.argnums)
	return append([]*Tensor{y}, gs...)
}

func (c *compiled) lookup(xs []*Tensor) *program {
	ps := c.progs.Load()
	if ps == nil {
		return nil
	}
	for _, p := range *ps {
		if p.matches(xs) {
			return p
		}
	}
	return nil
}

// trace runs f (and its backward pass) on xs under a tracer and returns the
// program, and the results the trace computed, to check the program against.
func (c *compiled) trace(xs []*Tensor) (*program, []*Tensor) { return c.traceWith(xs, nil) }

// traceWith is trace, filling info when it is not nil.
func (c *compiled) traceWith(xs []*Tensor, info *traceInfo) (*program, []*Tensor) {
	tr := &trace{ids: map[*Tensor]int32{}, nvals: int32(len(xs)), vmap: c.vmap}
	// The trace's own tape: the arguments are bound to it, and every op on
	// them (and on what is computed from them) is recorded; ops on
	// constants alone are computed once, now, and are constants of the
	// program.
	tp := &Tape{parent: live(tapeOf(xs)), seq: tapeSeq.Add(1), trace: tr}
	if c.arena != nil {
		tp.arena, tp.collect, tp.allSizes = c.arena, engineIdle, true
	}
	tr.tape = tp
	v := vars{in: make([]*Tensor, len(xs))}
	for i, x := range xs {
		in := &Tensor{shape: x.shape, dtype: x.dtype, f64: x.f64, f32: x.f32, tape: tp}
		if c.grad && slices.Contains(c.argnums, i) || c.vars && x.dtype.IsFloat() {
			in.SetRequiresGrad(true)
		}
		v.in[i] = in
		tr.ids[in] = int32(i)
		tr.vals = append(tr.vals, in)
		in.mem |= memTraced
		tr.marked = append(tr.marked, in)
	}
	for _, i := range c.argnums {
		v.wrt = append(v.wrt, v.in[i])
	}
	defer func() {
		tp.trace = nil
		tp.close()
		for _, t := range tr.marked {
			t.mem &^= memTraced
		}
	}()
	y := c.f(v.in...)
	outs := []*Tensor{y}
	if info != nil {
		info.forward = len(tr.steps)
	}
	if c.grad {
		outs = append(outs, v.grads(c.who, y, nil, false)...)
	}
	p := &program{nargs: len(xs)}
	for _, o := range outs {
		p.outs = append(p.outs, tr.ref(o)) // a result no op made is a constant
	}
	p.steps, p.consts, p.nvals = tr.steps, tr.consts, int(tr.nvals)
	if info != nil {
		info.vals = tr.vals
	}
	for _, x := range xs {
		p.sig = append(p.sig, argSig{x.dtype, slices.Clone(x.shape)})
	}
	return p, outs
}

type argSig struct {
	dtype DType
	shape []int
}

// program is a traced function: ops over value indexes 0..nvals-1, of which
// the first nargs are the arguments.
type program struct {
	sig    []argSig
	nargs  int
	nvals  int
	steps  []step
	consts []constVal
	outs   []int32

	mu    sync.Mutex
	execs []*exec // idle states: each call takes one, so calls may overlap
}

// exec is the state of a program's calls: the buffers and headers of every
// tensor the program makes, allocated by the first call and reused by the
// next ones (the plan), and the scratch of one call.
type exec struct {
	tape *Tape    // the replay's tape: every value of the program is bound to it
	args []Tensor // headers over the arguments' and constants' values
	vals []*Tensor
	in   []*Tensor
	ctx  Ctx

	plan    []slot
	k       int // next slot
	state   uint8
	step    int32       // the step running
	lastUse map[any]int // while recording: the last step reading each buffer
}

// exec states.
const (
	planRecording uint8 = iota // the call allocates as usual and writes the plan down
	planReplaying              // the call takes its tensors from the plan
	planBroken                 // the call did not allocate as planned: record a new plan next time
)

// slot is one allocation of the plan.
type slot struct {
	t     *Tensor
	dt    DType
	n     int
	view  bool
	fresh bool  // a result: allocated anew at every call, never reused
	step  int32 // the step that allocates it
}

// tensor is newTensor (zero) or newTensorRaw during a call.
func (e *exec) tensor(tp *Tape, dt DType, shape []int, zero bool) *Tensor {
	n := numel(shape)
	if e.state == planReplaying && e.k < len(e.plan) {
		s := &e.plan[e.k]
		if !s.view && s.dt == dt && s.n == n {
			e.k++
			if s.fresh {
				return e.alloc(dt, shape, zero)
			}
			t := s.t
			f64, f32 := t.f64, t.f32
			*t = Tensor{shape: shape, dtype: dt, f64: f64, f32: f32, tape: tp}
			if zero {
				clear(f64)
				clear(f32)
			}
			return t
		}
		e.state = planBroken
	}
	t := e.alloc(dt, shape, zero)
	if e.state == planRecording {
		e.plan = append(e.plan, slot{t: t, dt: dt, n: n, step: e.step})
	}
	return t
}

func (e *exec) alloc(dt DType, shape []int, zero bool) *Tensor {
	t := allocTensor(dt, shape, zero)
	t.tape = e.tape
	return t
}

// view is viewRange during a call.
func (e *exec) view(tp *Tape, x *Tensor, shape []int, lo, hi int) *Tensor {
	var t *Tensor
	if e.state == planReplaying && e.k < len(e.plan) {
		s := &e.plan[e.k]
		if s.view && !s.fresh {
			e.k++
			t = s.t
			*t = Tensor{}
		} else if s.view {
			e.k++
			t = new(Tensor)
		} else {
			e.state = planBroken
		}
	}
	if t == nil {
		t = new(Tensor)
		if e.state == planRecording {
			e.plan = append(e.plan, slot{t: t, view: true, step: e.step})
		}
	}
	t.shape, t.dtype, t.tape = shape, x.dtype, tp
	if x.dtype == Float32 {
		t.f32 = x.f32[lo:hi]
	} else {
		t.f64 = x.f64[lo:hi]
	}
	return t
}

func (p *program) matches(xs []*Tensor) bool {
	if len(xs) != len(p.sig) {
		return false
	}
	for i, x := range xs {
		if x.dtype != p.sig[i].dtype || !sameShape(x.shape, p.sig[i].shape) {
			return false
		}
	}
	return true
}

// run replays the program on xs. The first call allocates as usual and
// writes its allocations down; the next ones reuse those tensors, buffers
// and headers alike, except the results', which are the caller's (an
// argument's or a constant's memory is copied rather than handed out).
func (p *program) run(xs, into []*Tensor) []*Tensor {
	e := p.takeExec()
	defer p.putExec(e)
	vals := e.vals
	// The program's values are bound to the replay's tape: what ops
	// allocate comes from the plan, whichever goroutine runs the call.
	bind := func(k int, x *Tensor) *Tensor {
		h := &e.args[k]
		*h = Tensor{shape: x.shape, dtype: x.dtype, f64: x.f64, f32: x.f32, tape: e.tape}
		return h
	}
	for i, x := range xs {
		vals[i] = bind(i, x)
	}
	for k, c := range p.consts {
		vals[c.id] = bind(len(xs)+k, c.t)
	}
	e.tape.replay, e.k = e, 0
	defer func() {
		e.tape.replay = nil
		clear(vals)
		clear(e.args)
		clear(e.in)
		e.ctx = Ctx{}
		if e.state == planBroken {
			e.plan, e.state = nil, planRecording
		}
	}()
	recording := e.state == planRecording
	if recording {
		e.lastUse = map[any]int{}
	}
	for i := range p.steps {
		s := &p.steps[i]
		in := e.in[:0]
		for _, id := range s.in {
			in = append(in, vals[id])
		}
		e.in = in
		e.step = int32(i)
		if recording {
			for _, x := range in {
				e.lastUse[storage(x)] = i
			}
		}
		e.ctx = Ctx{Inputs: in, Params: s.params, recording: s.recording, tape: e.tape}
		if s.hasAff {
			e.ctx.Params = &s.aff
		}
		vals[s.out] = s.op.forward(&e.ctx)
		if s.saved >= 0 {
			if e.ctx.saved == nil {
				panicf(s.op.Name, "compiled program: the op saved no by-product on replay, though it did when traced")
			}
			vals[s.saved] = e.ctx.saved
		}
	}
	e.tape.replay = nil
	if e.k != len(e.plan) && e.state == planReplaying {
		e.state = planBroken
	}
	out := make([]*Tensor, len(p.outs))
	for i, id := range p.outs {
		out[i] = vals[id]
	}
	if recording {
		for _, r := range out {
			e.lastUse[storage(r)] = len(p.steps) // read after the last step
		}
	}
	mine := out // the results handed out as they are
	if into != nil {
		for i, g := range into {
			copyInto(g, out[i+1])
			out[i+1] = g
		}
		mine = out[:1]
	}
	if e.state == planRecording {
		// The results are the caller's: their slots allocate anew each call.
		for i := range e.plan {
			s := &e.plan[i]
			for _, r := range mine {
				if s.t == r || storage(s.t) != nil && storage(s.t) == storage(r) {
					s.fresh = true
				}
			}
		}
		e.share(len(p.steps))
		e.state = planReplaying
	}
	e.lastUse = nil
	for i, t := range mine {
		if p.aliases(t, xs) || e.reused(t) {
			out[i] = t.Clone() // never hand out memory that is not the caller's alone
		}
		out[i].tape = nil // the caller's now: a new header, bound to no tape
	}
	return out
}

// takeExec returns an idle state for a call of p, a new one when every
// state is in use by calls running in other goroutines.
func (p *program) takeExec() *exec {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.execs); n > 0 {
		e := p.execs[n-1]
		p.execs = p.execs[:n-1]
		return e
	}
	return &exec{tape: &Tape{seq: tapeSeq.Add(1)}, vals: make([]*Tensor, p.nvals), args: make([]Tensor, p.nargs+len(p.consts))}
}

func (p *program) putExec(e *exec) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.execs = append(p.execs, e)
}

// share lets slots whose lifetimes do not overlap use one buffer, so that a
// call runs on a few buffers, hot in the cache, rather than one per
// intermediate. A buffer is live from the slot that allocates it to the end
// of the last step that reads it (through any view); a later slot of the same
// dtype and size allocated after that takes it over.
func (e *exec) share(nsteps int) {
	stepEnd := make([]int, nsteps+1) // slots allocated through each step
	for k, s := range e.plan {
		stepEnd[s.step] = k + 1
	}
	for i := 1; i <= nsteps; i++ {
		stepEnd[i] = max(stepEnd[i], stepEnd[i-1])
	}
	ends := make([]int, len(e.plan))
	for k, s := range e.plan {
		u, ok := e.lastUse[storage(s.t)]
		if !ok {
			u = int(s.step) // read by nothing after the step that made it
		}
		if u >= nsteps {
			ends[k] = math.MaxInt // a result: never given up
		} else {
			ends[k] = stepEnd[u]
		}
	}
	type freeBuf struct {
		t   *Tensor
		end int
	}
	var free []freeBuf
	for k := range e.plan {
		s := &e.plan[k]
		if s.view || s.fresh || s.n <= smallN {
			continue
		}
		for j, f := range free {
			if f.t.dtype == s.dt && f.t.Size() == s.n && f.end <= k {
				s.t.f64, s.t.f32 = f.t.f64, f.t.f32
				free = slices.Delete(free, j, j+1)
				break
			}
		}
		if ends[k] != math.MaxInt {
			free = append(free, freeBuf{s.t, ends[k]})
		}
	}
}

// reused reports whether t shares memory with a tensor of the plan that the
// next call reuses.
func (e *exec) reused(t *Tensor) bool {
	s := storage(t)
	for i := range e.plan {
		sl := &e.plan[i]
		if !sl.fresh && (sl.t == t || s != nil && storage(sl.t) == s) {
			return true
		}
	}
	return false
}

// aliases reports whether t shares memory with an argument or a constant.
func (p *program) aliases(t *Tensor, xs []*Tensor) bool {
	s := storage(t)
	if s == nil {
		return false
	}
	for _, x := range xs {
		if storage(x) == s {
			return true
		}
	}
	for _, c := range p.consts {
		if storage(c.t) == s {
			return true
		}
	}
	return false
}

// verify checks the first replay against the trace it came from: they must
// agree to the last bit, or f is not a function of its arguments alone.
func (p *program) verify(who string, want, got []*Tensor) {
	for i := range want {
		w, g := want[i], got[i]
		for j := 0; j < w.Size(); j++ {
			a, b := w.at(j), g.at(j)
			if a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
				what := "the value"
				if i > 0 {
					what = fmt.Sprintf("gradient %d", i-1)
				}
				panicf(who, "replaying the trace does not reproduce %s (element %d: %v traced, %v replayed): the function depends on something besides its arguments (random numbers, a variable it changes); compile the part that is a pure function of its arguments", what, j, a, b)
			}
		}
	}
}
