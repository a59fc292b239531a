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

// tracer is the trace being recorded, if any. Like the arena and the NoGrad
// switch it is process-wide: ops that other goroutines apply while a
// function is traced would be recorded too, so the first call of a compiled
// function for a new signature must not overlap other graph-building work.
var tracer *trace

// traceScratch is set while a backward pass runs under a tracer without
// recording (the compiled function's own gradient, an HVP's inner pass): the
// engine then changes no buffer in place and recycles none, and rules skip
// their in-place shortcuts, so that every value the pass makes is an op's
// output, replayable.
var traceScratch bool

// memTraced marks tensors a trace knows (arguments, op outputs, by-products):
// their values are the program's variables, not constants.
const memTraced uint8 = 1 << 4

type trace struct {
	depth  int               // ops in progress: ops run inside an op's Forward are not recorded
	ids    map[*Tensor]int32 // value index of every tensor the trace knows
	steps  []step
	consts []constVal
	nvals  int32
	marked []*Tensor // tensors flagged memTraced, cleared when the trace ends
	vals   []*Tensor // the tensor each value index was, while tracing
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
	return op.Forward(&n.Ctx)
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

// Tracing reports whether a compiled function is being traced now: code that
// draws random numbers or has other effects a replay would not repeat can
// refuse to run (nn.Dropout does), rather than have its effect baked into the
// compiled program.
func Tracing() bool { return tracer != nil }

// Traced reports whether t is a value of a function being compiled: code
// that draws random numbers or has other effects a replay would not repeat
// can refuse to run on it (nn.Dropout does), rather than have its effect
// baked into the compiled program.
func (t *Tensor) Traced() bool { return tracer != nil && t.mem&memTraced != 0 }

// tracingAtTop reports whether a trace is recorded and no op is running:
// values computed now, outside ops, would not be replayed.
func tracingAtTop() bool { return tracer != nil && tracer.depth == 0 }

// guardRead panics when nabla itself reads the values of a traced tensor
// outside any op: a rule that does so must go through opaque.
func guardRead(who string, t *Tensor) {
	if tracer != nil && tracer.depth == 0 && t.mem&memTraced != 0 {
		panicf(who, "internal error: values of a traced tensor read outside any op while compiling; please report this")
	}
}

// checkTraced panics when Go code reads the values of a tensor being traced:
// the compiled program could not replay what it does with them.
func checkTraced(who string, t *Tensor) {
	if tracer != nil && tracer.depth == 0 && t.mem&memTraced != 0 {
		panicf(who, "a compiled function (Compile, CompileValueAndGrad), or the rule of an op it runs, read the values of a tensor of shape %s that depends on its arguments; a compiled function is traced once and replayed, so it may only compute with nabla's ops: compute the value outside, or pass it as an argument (an op's rule must compute with ops, as CreateGraph requires)", fmtShape(t.shape))
	}
}

// opaqueOp runs, as an op of its own, a computation that rules and helpers
// make from tensor values outside any op (a mask, a copy): while tracing it
// is recorded and replayed like any op. It is not registered: it has no
// derivative, and its output is cut from the graph.
var opaqueOp = &Op{
	Name:    "opaque",
	Forward: func(c *Ctx) *Tensor { return c.Params.(opaqueFn).fn(c.Inputs) },
	VJP:     func(c *Ctx, g *Tensor) []*Tensor { return nil },
	JVP:     func(c *Ctx, d []*Tensor) *Tensor { return nil }, // constant: no tangent
}

type opaqueFn struct {
	name string
	fn   func(xs []*Tensor) *Tensor
}

// opaque returns fn(xs), a value that is not differentiated. Outside a trace
// (or inside an op's Forward) it calls fn under NoGrad, on inputs stripped of
// their tangents; while tracing, fn runs as an opaqueOp step.
func opaque(name string, fn func(xs []*Tensor) *Tensor, xs ...*Tensor) *Tensor {
	if tracer == nil || tracer.depth > 0 {
		for i, x := range xs {
			if x.tangent != nil {
				xs[i] = viewOf(x, x.shape) // a constant: no tangent either
			}
		}
		return NoGradValue(func() *Tensor { return fn(xs) })
	}
	var out *Tensor
	NoGrad(func() { out = opaqueOp.apply(opaqueFn{name, fn}, nil, xs) })
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

	mu    sync.Mutex // held while tracing
	progs atomic.Pointer[[]*program]
}

// call runs the function on xs: its value, then its gradients (written into
// into, when given, and returned as they are).
func (c *compiled) call(xs, into []*Tensor) []*Tensor {
	if c.grad {
		checkArgnums(c.who, len(xs), c.argnums)
	}
	eager := tracer != nil || anomalyOn.Load() || engineMode == engineRecording
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
		replayMu.Lock() // no replay allocates while the trace is recorded
		func() {
			defer replayMu.Unlock()
			p, want = c.trace(xs)
		}()
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
	tr := &trace{ids: map[*Tensor]int32{}, nvals: int32(len(xs))}
	v := vars{in: make([]*Tensor, len(xs))}
	for i, x := range xs {
		in := x.Detach()
		if c.grad && slices.Contains(c.argnums, i) {
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
	prevArena, prevMode := arena, engineMode
	arena, engineMode, tracer = nil, engineIdle, tr
	defer func() {
		arena, engineMode, tracer = prevArena, prevMode, nil
		for _, t := range tr.marked {
			t.mem &^= memTraced
		}
	}()
	var outs []*Tensor
	withGrad(func() {
		y := c.f(v.in...)
		outs = []*Tensor{y}
		if info != nil {
			info.forward = len(tr.steps)
		}
		if c.grad {
			outs = append(outs, v.grads(c.who, y, nil, false)...)
		}
	})
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
	exec   exec // guarded by replayMu
}

// exec is the state of a program's calls: the buffers and headers of every
// tensor the program makes, allocated by the first call and reused by the
// next ones (the plan), and the scratch of one call.
type exec struct {
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

// replaying is the exec whose program is running, if any: while it is set,
// the tensors ops make come from its plan. Calls of compiled functions take
// replayMu, so they never overlap one another; like the arena, the plan is
// process-wide while a call runs (see the package's notes on concurrency).
var (
	replaying *exec
	replayMu  sync.Mutex
)

// tensor is newTensor (zero) or newTensorRaw during a call.
func (e *exec) tensor(dt DType, shape []int, zero bool) *Tensor {
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
			*t = Tensor{shape: shape, dtype: dt, f64: f64, f32: f32}
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
	if zero {
		return allocTensor(dt, shape)
	}
	return allocTensorRaw(dt, shape)
}

// view is viewRange during a call.
func (e *exec) view(x *Tensor, shape []int, lo, hi int) *Tensor {
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
	t.shape, t.dtype = shape, x.dtype
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
	replayMu.Lock()
	defer replayMu.Unlock()
	e := &p.exec
	if e.vals == nil {
		e.vals = make([]*Tensor, p.nvals)
	}
	vals := e.vals
	copy(vals, xs)
	for _, c := range p.consts {
		vals[c.id] = c.t
	}
	prevArena := arena
	arena, replaying, e.k = nil, e, 0
	defer func() {
		arena, replaying = prevArena, nil
		clear(vals)
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
		e.ctx = Ctx{Inputs: in, Params: s.params, recording: s.recording}
		if s.hasAff {
			e.ctx.Params = &s.aff
		}
		vals[s.out] = s.op.Forward(&e.ctx)
		if s.saved >= 0 {
			if e.ctx.saved == nil {
				panicf(s.op.Name, "compiled program: the op saved no by-product on replay, though it did when traced")
			}
			vals[s.saved] = e.ctx.saved
		}
	}
	replaying = nil
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
	}
	return out
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
