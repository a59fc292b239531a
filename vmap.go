package nabla

// Vectorising map, in the manner of jax.vmap: Vmap(f) runs f once on
// batched values instead of once per example.
//
// It is an interpreter of the same ops as the other modes. The first step
// traces f on one example, as Compile does, into a straight-line program of
// ops; the second runs that program on the whole batch, each op by its Batch
// rule, which computes the op for every example at once on tensors whose
// axis 0 is the batch (an elementwise op only aligns its inputs, a reduction
// shifts its axes, a matrix product becomes a batched product). An op
// without a Batch rule runs once per example and the results are stacked,
// slower but never wrong; VmapFallbacks names such ops.
//
// The program and the values it runs on belong to the call: nothing is
// process-wide, so goroutines may call one mapped function at once. The
// batched run applies ops as usual, so Grad(Vmap(f)) differentiates the
// batched computation, and Vmap(Grad(f)) batches a traced backward pass:
// per-example gradients.
//
// Per-example gradients are large (the batch times the parameters), so
// their memory decides their cost: VmapInto writes them into a tensor the
// caller reuses, a result that joins flattened gradients is written once
// (the weights' per-example outer products run in place in it, see
// inPlace), and the trace's values and the batched intermediates are
// recycled through arenas rather than left to the garbage collector.

import (
	"math"
	"slices"

	"github.com/nabla-go/nabla/internal/kernel"
)

// NotMapped, as an in-axis of Vmap, passes that argument whole to every
// example (JAX's in_axes=None).
const NotMapped = math.MinInt32

// Vmap returns f mapped over a batch axis: its argument i is split along
// inAxes[i] (negative axes count from the end; NotMapped passes it whole),
// and the result stacks f's result for each example along a new axis 0.
// With no inAxes every argument is split along axis 0. Vmap(f)(X) equals
// Stack(0, f(X[0]), f(X[1]), …), computed in one batched pass.
//
// f is traced on the first example, as Compile traces: it may only compute
// with nabla's ops, not read values in Go to decide what to do (a function
// that does is run example by example instead). Vmap nests (Vmap(Vmap(f))
// maps over two axes) and composes with the other transforms:
// Vmap(Grad(loss)) gives per-example gradients.
func Vmap(f Func, inAxes ...int) Func { return VmapOut(f, 0, inAxes...) }

// VmapOut is Vmap with the batch axis of the result at outAxis (negative
// counts from the end of the result's dimensions).
func VmapOut(f Func, outAxis int, inAxes ...int) Func {
	return func(xs ...*Tensor) *Tensor {
		y, _ := vmapCall("Vmap", f, xs, inAxes, outAxis, false, nil)
		return y
	}
}

// VmapInto returns f mapped as Vmap maps it, writing the result (batch on
// axis 0) into out, which must have its dtype and shape, and returning
// out. Calling it again with the same out reuses out's memory: per-example
// gradients are as large as the batch times the parameters (208 MB for a
// 784-256-10 MLP on 128 examples in float64), and writing them into fresh
// memory costs more than computing them, the operating system zeroing each
// new page on first touch.
//
// The result is a plain tensor, never recorded: VmapInto panics when an
// argument, or a tensor f closes over, takes part in differentiation or in
// a trace (use Vmap there), and out must not share memory with an
// argument. Goroutines may call the mapped function at once, each with its
// own out; out must not be read or written by another goroutine during a
// call.
func VmapInto(f Func, inAxes ...int) func(out *Tensor, xs ...*Tensor) *Tensor {
	return func(out *Tensor, xs ...*Tensor) *Tensor {
		if out == nil {
			panicf("VmapInto", "out is nil")
		}
		checkLive("VmapInto", out)
		if out.requiresGrad || out.tangent != nil || out.traced() {
			panicf("VmapInto", "out takes part in differentiation or in a trace: VmapInto writes its values in place")
		}
		vmapCall("VmapInto", f, xs, inAxes, 0, false, out)
		return out
	}
}

// VmapFallbacks returns f mapped as Vmap maps it, and reports, with each
// result, the ops that ran once per example: those without a Batch rule,
// and those whose rule cannot batch the case at hand exactly (a
// convolution with a batched weight); "whole function" when f could not be
// traced at all. It is a debugging aid: the results are Vmap's.
func VmapFallbacks(f Func, inAxes ...int) func(xs ...*Tensor) (*Tensor, []string) {
	return func(xs ...*Tensor) (*Tensor, []string) {
		return vmapCall("Vmap", f, xs, inAxes, 0, false, nil)
	}
}

// OpsWithoutBatchRule returns the names of the registered ops that declare
// no Batch rule: Vmap runs them once per example.
func OpsWithoutBatchRule() []string {
	var names []string
	for _, op := range Ops() {
		if op.Batch == nil {
			names = append(names, op.Name)
		}
	}
	return names
}

// vmapCall maps f over xs. With strict, it returns nil when an op of the
// program has no Batch rule, without running anything (the Jacobians then
// keep their loop). With into, it writes the result there (VmapInto: the
// batch on axis 0).
func vmapCall(who string, f Func, xs []*Tensor, inAxes []int, outAxis int, strict bool, into *Tensor) (*Tensor, []string) {
	axes := make([]int, len(xs))
	switch {
	case len(inAxes) == 0:
	case len(inAxes) != len(xs):
		panicf(who, "%d in-axes for %d arguments", len(inAxes), len(xs))
	default:
		copy(axes, inAxes)
	}
	n := -1
	for i, x := range xs {
		checkLive(who, x)
		if axes[i] == NotMapped {
			axes[i] = -1
			continue
		}
		a := axes[i]
		if a < 0 {
			a += len(x.shape)
		}
		if a < 0 || a >= len(x.shape) {
			panicf(who, "in-axis %d is out of range for argument %d of shape %s", axes[i], i, fmtShape(x.shape))
		}
		axes[i] = a
		switch {
		case n < 0:
			n = x.shape[a]
		case x.shape[a] != n:
			panicf(who, "argument %d of shape %s has %d examples along axis %d; an earlier argument has %d", i, fmtShape(x.shape), x.shape[a], a, n)
		}
	}
	if n < 0 {
		panicf(who, "no argument is mapped (every in-axis is NotMapped)")
	}
	if n == 0 {
		panicf(who, "the batch axis has size 0")
	}
	// The batched arguments, batch axis first; example 0 of each, to trace.
	in := make([]bval, len(xs))
	ex := make([]*Tensor, len(xs))
	for i, x := range xs {
		if axes[i] < 0 {
			in[i], ex[i] = bval{x, false}, x
			continue
		}
		in[i] = bval{moveAxis(x, axes[i], 0), true}
		ex[i] = firstExample(x, axes[i])
	}
	vars := false
	for i, x := range xs {
		vars = vars || x.requiresGrad || x.tangent != nil
		if into != nil && (x.requiresGrad || x.tangent != nil || x.traced()) {
			panicf(who, "argument %d takes part in differentiation or in a trace: the result, written in place, would not be; use Vmap", i)
		}
	}
	p, ok := vmapTrace(f, ex, vars)
	var y *Tensor
	var fell []string
	switch {
	case !ok && strict:
		return nil, []string{"whole function"}
	case !ok:
		y, fell = vmapLoop(f, in, n), []string{"whole function"}
		if into != nil {
			checkInto(into, y)
			copyInto(into, y)
			y = into
		}
	default:
		fell = p.fallbacks()
		if strict && len(fell) > 0 {
			return nil, fell
		}
		var looped []string
		var scratch bool
		y, scratch = p.runScratch(in, n, xs, &looped, into)
		if !scratch {
			panicf(who, "f closes over a tensor that takes part in differentiation or in a trace: the result, written in place, would not; use Vmap")
		}
		for _, name := range looped {
			if !slices.Contains(fell, name) {
				fell = append(fell, name)
			}
		}
	}
	return moveAxis(y, 0, normAxis(who, outAxis, len(y.shape))), fell
}

// bval is a value of the batched program: t with the batch on axis 0, or
// t as every example sees it.
type bval struct {
	t       *Tensor
	batched bool
}

// vmapTrace traces f on one example. With vars, when the batch is
// differentiated from outside, the arguments are variables (they require
// grad), so that transforms inside f record what they compute, as they
// would on the batch itself, and the batched run can be differentiated in
// turn. It reports false when f cannot be traced: Go code in it read the
// values of a traced tensor, or a transform inside it computed outside the
// trace (see checkEscape).
func vmapTrace(f Func, ex []*Tensor, vars bool) (p *program, ok bool) {
	// What the trace computes serves only to find the program: an arena
	// collects it and recycles it once the program is known (all but the
	// program's constants), so that the values of the next call's trace,
	// an example of the batch each, do not come from fresh memory.
	var a *Arena
	if !vars {
		a = arenas.Get().(*Arena)
		defer arenas.Put(a)
	}
	defer func() {
		if r := recover(); r != nil {
			if a != nil {
				a.drop()
			}
			if e, isErr := r.(*Error); isErr && e.traceRead {
				p, ok = nil, false
				return
			}
			panic(r)
		}
	}()
	c := &compiled{who: "Vmap", f: f, vars: vars, vmap: true, arena: a}
	p, _ = c.traceWith(ex, nil)
	if a != nil {
		keep := make([]*Tensor, len(p.consts))
		for i, k := range p.consts {
			keep[i] = k.t
		}
		a.releaseAll(keep...)
	}
	return p, true
}

// fallbacks returns the names of the ops of p without a Batch rule, once
// each, in program order.
func (p *program) fallbacks() []string {
	var names []string
	for i := range p.steps {
		s := &p.steps[i]
		if s.op.Batch == nil && !slices.Contains(names, s.op.Name) {
			names = append(names, s.op.Name)
		}
	}
	return names
}

// runBatched runs p on the batched arguments in, of n examples each, and
// returns the result with the batch on axis 0. It adds to looped the ops
// whose Batch rule ran them once per example.
func (p *program) runBatched(in []bval, n int, looped *[]string) *Tensor {
	return p.runBatchedInto(in, n, looped, nil, false)
}

// runBatchedInto is runBatched writing the result into into when it is
// not nil. With fuse (nothing is recorded: see runScratch), a result that
// concatenates vectors is written in place: the products among its
// pieces write their values straight into the result (see concatInPlace),
// not into a batched intermediate that the concatenation then copies.
func (p *program) runBatchedInto(in []bval, n int, looped *[]string, into *Tensor, fuse bool) *Tensor {
	vals := make([]bval, p.nvals)
	copy(vals, in)
	for _, c := range p.consts {
		vals[c.id] = bval{c.t, false}
	}
	var cat *inPlace
	if fuse {
		cat = p.findInPlace()
	}
	var xs []*Tensor
	var batched []bool
	for i := range p.steps {
		s := &p.steps[i]
		if cat != nil && cat.deferred(i) {
			continue // computed by the result's concatenation, in place
		}
		xs, batched = xs[:0], batched[:0]
		any := false
		for _, id := range s.in {
			v := vals[id]
			if v.t == nil && (cat == nil || !cat.pending(id)) {
				panicf("Vmap", "internal error: op %s reads a value no step defined; please report this", s.op.Name)
			}
			xs = append(xs, v.t)
			batched = append(batched, v.batched)
			any = any || v.batched
		}
		if cat != nil && i == cat.step {
			if cat.run(p, vals, n, into, looped) {
				into = nil // written
			}
			continue
		}
		p.runStep(s, vals, xs, batched, any, n, looped)
	}
	y := vals[p.outs[0]]
	if !y.batched {
		y.t = Expand(Unsqueeze(y.t, 0), append([]int{n}, y.t.shape...)...)
	}
	if into != nil {
		checkInto(into, y.t)
		copyInto(into, y.t)
		return into
	}
	return y.t
}

// runStep runs step s of p on its inputs xs, batched where batched[i] (any
// of them when any), and stores its output and by-product in vals.
func (p *program) runStep(s *step, vals []bval, xs []*Tensor, batched []bool, any bool, n int, looped *[]string) {
	if !s.recording {
		// What the trace computed without recording (a backward pass's
		// rules, a NoGrad scope) is not recorded now either.
		xs = constants(xs)
	}
	params := s.params
	if s.hasAff {
		aff := s.aff
		params = &aff
	}
	var out, saved *Tensor
	switch {
	case !any && s.saved < 0:
		out = s.op.Apply(params, xs...)
	case !any:
		out, saved = saveForward(s.op, params, xs)
	case s.op.Batch != nil && s.saved < 0:
		out = s.op.Batch(&Ctx{Inputs: xs, Params: params, op: s.op, looped: looped}, batched)
	case s.op.BatchSave != nil:
		out, saved = s.op.BatchSave(&Ctx{Inputs: xs, Params: params, op: s.op, looped: looped}, batched)
	case s.op.Batch != nil && s.op.elementwise && len(xs) == 1:
		// An elementwise op's by-product is elementwise too.
		out = s.op.Batch(&Ctx{Inputs: xs, Params: params, op: s.op, looped: looped}, batched)
		_, saved = saveForward(s.op, params, xs)
	default:
		out, saved = batchLoop(s.op, params, xs, batched, n, s.saved >= 0)
	}
	vals[s.out] = bval{out, any}
	if s.saved >= 0 {
		vals[s.saved] = bval{saved, any}
	}
}

// checkInto panics unless into can hold a result of y's dtype and shape:
// VmapInto's out.
func checkInto(into, y *Tensor) { checkIntoShape(into, y.dtype, y.shape) }

func checkIntoShape(into *Tensor, dt DType, shape []int) {
	if into.dtype != dt || !sameShape(into.shape, shape) {
		panicf("VmapInto", "out is a %s tensor of shape %s; the mapped result is a %s tensor of shape %s", into.dtype, fmtShape(into.shape), dt, fmtShape(shape))
	}
}

// stepInputs returns the inputs of step s from vals, whether each is
// batched, and whether any is.
func stepInputs(s *step, vals []bval) (xs []*Tensor, batched []bool, any bool) {
	for _, id := range s.in {
		xs = append(xs, vals[id].t)
		batched = append(batched, vals[id].batched)
		any = any || vals[id].batched
	}
	return xs, batched, any
}

// inPlace plans a result that concatenates vectors, as the flattened
// per-example gradients of Vmap(ValueAndGrad(…)) do: the matrix products
// among its pieces, each reshaped only to be concatenated, are deferred to
// the concatenation, which runs them on the result's memory. The product
// of a per-example outer product (a weight's gradient) is the largest
// value of such a program, as large as the result; computed in place it is
// written once, not written and then copied.
type inPlace struct {
	step     int              // the concatenation's step
	products map[int32][2]int // a piece deferred → its product's step and its reshape's
}

// findInPlace returns the plan of p's result, or nil when it has no piece
// to compute in place.
func (p *program) findInPlace() *inPlace {
	if len(p.outs) != 1 {
		return nil
	}
	last := -1
	for i := len(p.steps) - 1; i >= 0 && last < 0; i-- {
		if p.steps[i].out == p.outs[0] {
			last = i
		}
	}
	if last < 0 || p.steps[last].op != concatOp {
		return nil // the common case, found without building the maps below
	}
	def := map[int32]int{} // value → the step defining it
	uses := map[int32]int{}
	for i := range p.steps {
		s := &p.steps[i]
		def[s.out] = i
		if s.saved >= 0 {
			def[s.saved] = i
		}
		for _, id := range s.in {
			uses[id]++
		}
	}
	for _, id := range p.outs {
		uses[id]++
	}
	ci, ok := def[p.outs[0]]
	if !ok || p.steps[ci].op != concatOp || p.steps[ci].params.(int) != 0 {
		return nil
	}
	c := &inPlace{step: ci, products: map[int32][2]int{}}
	for _, id := range p.steps[ci].in {
		r, ok := def[id]
		if !ok || uses[id] != 1 || p.steps[r].op != reshapeOp || len(p.steps[r].params.([]int)) != 1 {
			continue
		}
		m := p.steps[r].in[0]
		mi, ok := def[m]
		if !ok || uses[m] != 1 || p.steps[mi].op != matmulOp || p.steps[mi].saved >= 0 || p.steps[mi].out != m {
			continue
		}
		c.products[id] = [2]int{mi, r}
	}
	if len(c.products) == 0 {
		return nil
	}
	return c
}

// deferred reports whether step i runs in the concatenation.
func (c *inPlace) deferred(i int) bool {
	for _, d := range c.products {
		if d[0] == i || d[1] == i {
			return true
		}
	}
	return false
}

// pending reports whether value id is a piece the concatenation computes.
func (c *inPlace) pending(id int32) bool {
	_, ok := c.products[id]
	return ok
}

// run computes the concatenation into into (a new tensor when nil), the
// deferred products in place, and stores it in vals. When a piece does not
// have the shape that allows it (a product of a batch with a matrix, a
// piece that is not a batch of vectors), it computes the deferred steps
// and the concatenation as they are and reports false: the caller then
// copies the result into into.
func (c *inPlace) run(p *program, vals []bval, n int, into *Tensor, looped *[]string) bool {
	s := &p.steps[c.step]
	type piece struct {
		x    *Tensor // a piece computed already
		a, b *Tensor // a product's batched operands
		mm   mmParams
		size int // per example
	}
	pieces := make([]piece, len(s.in))
	var tensors []*Tensor
	total, ok := 0, true
	var dt DType
	setDType := func(t *Tensor) {
		switch {
		case len(tensors) == 0:
			dt = t.dtype
		case dt != t.dtype:
			ok = false
		}
	}
	for i, id := range s.in {
		if d, isProduct := c.products[id]; isProduct {
			ms := &p.steps[d[0]]
			a, b, mm := vals[ms.in[0]], vals[ms.in[1]], ms.params.(mmParams)
			size := p.steps[d[1]].params.([]int)[0]
			if !a.batched || !b.batched || len(a.t.shape) != 3 || len(b.t.shape) != 3 || a.t.shape[0] != n || b.t.shape[0] != n {
				ok = false
				break
			}
			m, k := matDims(a.t, mm.ta)
			k2, cols := matDims(b.t, mm.tb)
			if k != k2 || m*cols != size {
				ok = false
				break
			}
			pieces[i] = piece{a: a.t, b: b.t, mm: mm, size: size}
			setDType(a.t)
			tensors = append(tensors, a.t)
			setDType(b.t)
			tensors = append(tensors, b.t)
			total += size
			continue
		}
		x := vals[id]
		switch {
		case x.batched && len(x.t.shape) == 2 && x.t.shape[0] == n:
			pieces[i] = piece{x: x.t, size: x.t.shape[1]}
		case !x.batched && len(x.t.shape) == 1:
			pieces[i] = piece{x: x.t, size: x.t.shape[0]}
		default:
			ok = false
		}
		if !ok {
			break
		}
		setDType(x.t)
		tensors = append(tensors, x.t)
		total += pieces[i].size
	}
	if !ok || len(tensors) == 0 || !dt.IsFloat() {
		for _, d := range c.products {
			for _, si := range d {
				xs, batched, any := stepInputs(&p.steps[si], vals)
				p.runStep(&p.steps[si], vals, xs, batched, any, n, looped)
			}
		}
		xs, batched, any := stepInputs(s, vals)
		p.runStep(s, vals, xs, batched, any, n, looped)
		return false
	}
	out := into
	if out == nil {
		out = newTensorRaw(tapeOf(tensors), dt, []int{n, total})
	} else {
		checkIntoShape(out, dt, []int{n, total})
	}
	off := 0
	for _, pc := range pieces {
		if pc.x == nil {
			// The examples' products are independent: spread over the cores.
			kernel.Parallel(n, pc.size, func(lo, hi int) {
				for e := lo; e < hi; e++ {
					productInto(pc.a, pc.b, pc.mm, e, out, e*total+off)
				}
			})
			off += pc.size
			continue
		}
		for e := 0; e < n; e++ {
			src := 0
			if len(pc.x.shape) == 2 {
				src = e * pc.size
			}
			copyRange(out, e*total+off, pc.x, src, pc.size)
		}
		off += pc.size
	}
	vals[s.out] = bval{out, true}
	return true
}

// copyRange copies count values of src from soff to dst from doff.
func copyRange(dst *Tensor, doff int, src *Tensor, soff, count int) {
	if dst.dtype == Float32 {
		copy(dst.f32[doff:doff+count], src.f32[soff:soff+count])
		return
	}
	copy(dst.f64[doff:doff+count], src.f64[soff:soff+count])
}

// productInto writes example e of the batched product op(a)·op(b) into
// out from off, with the call matmulForward makes for that example (the
// same values, bit for bit).
func productInto(a, b *Tensor, mm mmParams, e int, out *Tensor, off int) {
	m, k := matDims(a, mm.ta)
	_, cols := matDims(b, mm.tb)
	ar, ac := a.shape[1], a.shape[2]
	br, bc := b.shape[1], b.shape[2]
	oa, ob := e*ar*ac, e*br*bc
	if out.dtype == Float32 {
		sgemm(false, mm.ta, mm.tb, m, cols, k, a.f32[oa:oa+ar*ac], ac, b.f32[ob:ob+br*bc], bc, out.f32[off:off+m*cols])
		return
	}
	dgemm(false, mm.ta, mm.tb, m, cols, k, a.f64[oa:oa+ar*ac], ac, b.f64[ob:ob+br*bc], bc, out.f64[off:off+m*cols])
}

// runScratch is runBatched in an arena, when nothing it computes but the
// result can outlive it (nothing is differentiated, nothing traced): the
// buffers of the batched intermediates, as large as the batch, then serve
// the next call instead of being allocated afresh. The result is written
// into into when it is not nil; ok is false, and nothing is run, when
// into is given but the run would be differentiated or traced.
func (p *program) runScratch(in []bval, n int, xs []*Tensor, looped *[]string, into *Tensor) (y *Tensor, ok bool) {
	tp := tapeOf(xs).child()
	defer tp.close()
	ok = useArena(xs, tp)
	for _, c := range p.consts {
		ok = ok && !c.t.requiresGrad && c.t.tangent == nil && !c.t.traced()
	}
	switch {
	case !ok && into != nil:
		return nil, false
	case !ok:
		return p.runBatched(in, n, looped), true
	}
	a := arenas.Get().(*Arena)
	defer arenas.Put(a)
	tp.arena, tp.collect, tp.allSizes = a, engineScratch, true
	bound := make([]bval, len(in))
	for i, v := range in {
		bound[i] = v
		if v.batched {
			bound[i].t = viewOf(v.t, v.t.shape)
			bound[i].t.tape = tp
		}
	}
	y = p.runBatchedInto(bound, n, looped, into, true)
	tp.arena = nil
	a.Release(y)
	return y, true
}

// saveForward computes op's output and the by-product its fast rules read.
// The by-product is computed from the inputs' values by an op of its own,
// which enclosing traces record: it is a constant of the graph, as it is
// for the fast rules.
func saveForward(op *Op, params any, xs []*Tensor) (out, saved *Tensor) {
	out = op.Apply(params, xs...)
	if op.SaveForward == nil {
		return out, nil
	}
	saved = opaque("saved-"+op.Name, func(in []*Tensor) *Tensor {
		_, s := op.SaveForward(&Ctx{Inputs: in, Params: params, recording: true, tape: tapeOf(in)})
		if s == nil {
			s = Scalar(0)
		}
		return s
	}, xs...)
	return out, saved
}

// batchLoop runs op once per example and stacks the results: the rule of
// an op that declares none.
func batchLoop(op *Op, params any, xs []*Tensor, batched []bool, n int, save bool) (*Tensor, *Tensor) {
	outs := make([]*Tensor, n)
	var saves []*Tensor
	if save {
		saves = make([]*Tensor, n)
	}
	ex := make([]*Tensor, len(xs))
	for k := 0; k < n; k++ {
		for i, x := range xs {
			ex[i] = x
			if batched[i] {
				ex[i] = Index(x, k)
			}
		}
		if save {
			outs[k], saves[k] = saveForward(op, params, ex)
			continue
		}
		outs[k] = op.Apply(params, ex...)
	}
	if save && saves[0] != nil {
		return Stack(0, outs...), Stack(0, saves...)
	}
	return Stack(0, outs...), nil
}

// vmapLoop maps f example by example: for functions that cannot be traced.
func vmapLoop(f Func, in []bval, n int) *Tensor {
	outs := make([]*Tensor, n)
	ex := make([]*Tensor, len(in))
	for k := range outs {
		for i, v := range in {
			ex[i] = v.t
			if v.batched {
				ex[i] = Index(v.t, k)
			}
		}
		outs[k] = f(ex...)
	}
	return Stack(0, outs...)
}

// firstExample returns a copy of x's first example along axis, bound to no
// tape and outside any graph: the value f is traced on.
func firstExample(x *Tensor, axis int) *Tensor {
	shape := slices.Delete(slices.Clone(x.shape), axis, axis+1)
	e := allocTensor(x.dtype, shape, false)
	outer := numel(x.shape[:axis])
	inner := numel(x.shape[axis+1:])
	stride := x.shape[axis] * inner
	for o := 0; o < outer; o++ {
		if x.dtype == Float32 {
			copy(e.f32[o*inner:(o+1)*inner], x.f32[o*stride:o*stride+inner])
		} else {
			copy(e.f64[o*inner:(o+1)*inner], x.f64[o*stride:o*stride+inner])
		}
	}
	return e
}

// moveAxis returns x with axis from moved to position to.
func moveAxis(x *Tensor, from, to int) *Tensor {
	if from == to {
		return x
	}
	perm := make([]int, 0, len(x.shape))
	for i := range x.shape {
		if i != from {
			perm = append(perm, i)
		}
	}
	perm = slices.Insert(perm, to, from)
	return Permute(x, perm...)
}

// Batch rules. Each takes the op's context, whose inputs have the batch on
// axis 0 where batched[i], and returns the op's output for every example,
// batch on axis 0.

// exampleRank returns the rank of one example of input i.
func exampleRank(x *Tensor, batched bool) int {
	if batched {
		return len(x.shape) - 1
	}
	return len(x.shape)
}

// alignBatched returns the inputs with each batched one given unit axes
// after its batch axis, up to the largest example rank among the inputs: so
// that broadcasting, which aligns trailing axes, matches example axes with
// example axes and the batch axis with the batch axis.
func alignBatched(xs []*Tensor, batched []bool) []*Tensor {
	r := 0
	for i, x := range xs {
		r = max(r, exampleRank(x, batched[i]))
	}
	out := make([]*Tensor, len(xs))
	for i, x := range xs {
		out[i] = x
		if batched[i] && len(x.shape)-1 < r {
			shape := make([]int, 0, r+1)
			shape = append(shape, x.shape[0])
			for k := len(x.shape) - 1; k < r; k++ {
				shape = append(shape, 1)
			}
			out[i] = Reshape(x, append(shape, x.shape[1:]...)...)
		}
	}
	return out
}

// batchElementwise is the Batch rule of an op whose inputs broadcast
// against each other as NumPy's do (elementwise ops, where): align the
// batch axes, apply the op.
func batchElementwise(c *Ctx, batched []bool) *Tensor {
	return c.op.Apply(c.Params, alignBatched(c.Inputs, batched)...)
}

// batchUnary is the Batch rule of an op of one input that treats every
// element alike whatever the shape: apply it to the batch.
func batchUnary(c *Ctx, batched []bool) *Tensor { return c.op.Apply(c.Params, c.Inputs[0]) }

// shiftAxes returns axes, each one further: the batch axis comes first.
func shiftAxes(axes []int) []int {
	out := make([]int, len(axes))
	for i, a := range axes {
		out[i] = a + 1
	}
	return out
}

// batchReduce is the Batch rule of a reduction: the same reduction over
// the shifted axes, arranged so that every example's elements combine in
// the order the kernel combines them for one example (see kernel.Reduce),
// which depends on where the reduced axes lie.
func batchReduce(c *Ctx, batched []bool) *Tensor {
	x, p := c.Inputs[0], c.Params.(reduceParams)
	n, ex := x.shape[0], x.shape[1:]
	out := p.outShape(ex)
	if numel(out) == 1 {
		// One result per example: the kernel reduces the example whole, as
		// one row; a large sum is split among threads, which a row is not.
		if c.op == sumOp && numel(ex) >= 2*kernel.Grain {
			return loopRule(c, batched)
		}
		y := c.op.Apply(reduceParams{axes: []int{1}}, Reshape(x, n, numel(ex)))
		return Reshape(y, withBatch(n, out)...)
	}
	if i, ok := outerMiddleInner(ex, p.axes); ok {
		// Leading and trailing axes reduced: the kernel reduces the trailing
		// block of each row, then combines the blocks in order.
		if c.op == normOp {
			return loopRule(c, batched)
		}
		inner := reduceParams{axes: shiftAxes(p.axes[i:]), keep: p.keep}
		outer := reduceParams{axes: shiftAxes(p.axes[:i]), keep: p.keep}
		return c.op.Apply(outer, c.op.Apply(inner, x))
	}
	return c.op.Apply(reduceParams{axes: shiftAxes(p.axes), keep: p.keep}, x)
}

// outerMiddleInner reports whether the reduced axes of shape form a
// leading run of more than one element, then kept axes, then a trailing run
// of more than one element, as kernel.Reduce's per-channel case does, and
// returns how many of the axes are leading.
func outerMiddleInner(shape, axes []int) (lead int, ok bool) {
	a, c := 1, 1
	k := 0
	for k < len(axes) && axes[k] == k {
		a *= shape[k]
		k++
	}
	lead = k
	if k == len(axes) {
		return 0, false
	}
	trail := axes[k]
	for i, ax := range axes[k:] {
		if ax != trail+i {
			return 0, false
		}
		c *= shape[ax]
	}
	if axes[len(axes)-1] != len(shape)-1 || trail == lead {
		return 0, false
	}
	return lead, a > 1 && c > 1
}

// loopRule runs the op of c once per example: for the cases a Batch rule
// cannot batch exactly.
func loopRule(c *Ctx, batched []bool) *Tensor {
	if c.looped != nil && !slices.Contains(*c.looped, c.op.Name) {
		*c.looped = append(*c.looped, c.op.Name)
	}
	y, _ := batchLoop(c.op, c.Params, c.Inputs, batched, batchSize(c.Inputs, batched), false)
	return y
}

// batchMatmul batches a matrix product. A product of a batch with a
// matrix read as it is stored is one product with the batch among the
// rows (or columns); any other is a batched product.
func batchMatmul(c *Ctx, batched []bool) *Tensor {
	a, b, p := c.Inputs[0], c.Inputs[1], c.Params.(mmParams)
	switch {
	case batched[0] && !batched[1] && len(b.shape) == 2 && !p.ta:
		// (B·…·m)×k by k×n: the batch among the rows.
		rows := numel(a.shape[:len(a.shape)-1])
		k := a.shape[len(a.shape)-1]
		y := matmulOp.Apply(p, Reshape(a, rows, k), b)
		shape := slices.Clone(a.shape)
		shape[len(shape)-1] = y.shape[1]
		return Reshape(y, shape...)
	case batched[1] && !batched[0] && len(a.shape) == 2 && len(b.shape) == 3 && b.shape[2] == 1 && !p.tb:
		// Matrix times a batch of vectors: the vectors as the rows of X,
		// X·op(a)ᵀ holds the products as rows.
		nb, k := b.shape[0], b.shape[1]
		y := matmulOp.Apply(mmParams{tb: !p.ta}, Reshape(b, nb, k), a)
		return Reshape(y, nb, y.shape[1], 1)
	case batched[1] && !batched[0] && len(a.shape) == 2 && len(b.shape) == 3 && !p.tb:
		// m×k by k×(B·n): the batch among the columns.
		nb, k, n := b.shape[0], b.shape[1], b.shape[2]
		cols := Reshape(Permute(b, 1, 0, 2), k, nb*n)
		y := matmulOp.Apply(p, a, cols)
		m := y.shape[0]
		return Permute(Reshape(y, m, nb, n), 1, 0, 2)
	}
	xs := alignBatched(c.Inputs, batched)
	return matmulOp.Apply(p, xs...)
}

// checkEscape panics when an op reads a value of Vmap's trace but runs in
// a tape that trace does not record (a transform inside f made its tape
// from untraced tensors, or from those of an enclosing trace): the program
// would hold the first example's result as a constant. Vmap then maps f
// example by example.
func checkEscape(op *Op, tp *Tape, inputs []*Tensor) {
	for _, x := range inputs {
		if x.mem&memTraced == 0 {
			continue
		}
		tr := traceOf(x)
		if tr == nil || !tr.vmap || tr.depth > 0 {
			continue
		}
		if tp == nil || tp.trace == nil || tp.trace != tr && newer(tr, tp.trace) {
			panicTraceRead(op.Name, "an op on a value of a mapped function ran outside Vmap's trace")
		}
	}
}

// batchSize returns the batch size of the batched inputs.
func batchSize(xs []*Tensor, batched []bool) int {
	for i, x := range xs {
		if batched[i] {
			return x.shape[0]
		}
	}
	return 1
}

// withBatch returns shape with the batch size n in front.
func withBatch(n int, shape []int) []int { return append([]int{n}, shape...) }

func batchReshape(c *Ctx, batched []bool) *Tensor {
	x := c.Inputs[0]
	return reshapeOp.Apply(withBatch(x.shape[0], c.Params.([]int)), x)
}

func batchExpand(c *Ctx, batched []bool) *Tensor {
	x, shape := c.Inputs[0], c.Params.([]int)
	if len(x.shape)-1 < len(shape) {
		x = alignBatched([]*Tensor{x, New(x.dtype, shape...)}, []bool{true, false})[0]
	}
	return expandOp.Apply(withBatch(x.shape[0], shape), x)
}

func batchPermute(c *Ctx, batched []bool) *Tensor {
	return permuteOp.Apply(append([]int{0}, shiftAxes(c.Params.([]int))...), c.Inputs[0])
}

// batchSlice is the rule of slice and unslice: the same slice of each
// example.
func batchSlice(c *Ctx, batched []bool) *Tensor {
	x, p := c.Inputs[0], c.Params.(sliceParams)
	n := x.shape[0]
	q := sliceParams{axis: p.axis + 1, start: p.start, step: p.step, count: p.count, in: withBatch(n, p.in)}
	if p.out != nil {
		q.out = withBatch(n, p.out)
	}
	return c.op.Apply(q, x)
}

// batchAll returns the inputs each with the batch on axis 0, the unbatched
// ones expanded along it.
func batchAll(xs []*Tensor, batched []bool) []*Tensor {
	n := batchSize(xs, batched)
	out := make([]*Tensor, len(xs))
	for i, x := range xs {
		out[i] = x
		if !batched[i] {
			out[i] = Expand(Unsqueeze(x, 0), withBatch(n, x.shape)...)
		}
	}
	return out
}

func batchConcat(c *Ctx, batched []bool) *Tensor {
	return concatOp.Apply(c.Params.(int)+1, batchAll(c.Inputs, batched)...)
}

// batchGather is the rule of gather and scatter_add, which map flat
// indexes: example b's indexes are offset by b times its size.
func batchGather(c *Ctx, batched []bool) *Tensor {
	x, p := c.Inputs[0], c.Params.(gatherParams)
	n := x.shape[0]
	size := numel(x.shape[1:]) // gather: indexes into the input
	if c.op == scatterAddOp {
		size = numel(p.shape) // scatter_add: indexes into the output
	}
	idx := make([]int, 0, n*len(p.index))
	for b := 0; b < n; b++ {
		for _, i := range p.index {
			idx = append(idx, b*size+i)
		}
	}
	return c.op.Apply(gatherParams{idx, withBatch(n, p.shape)}, x)
}

func batchScan(c *Ctx, batched []bool) *Tensor {
	x, p := c.Inputs[0], c.Params.(scanParams)
	if len(x.shape) == 1 { // scalar examples
		y := c.op.Apply(scanParams{axis: 1, reverse: p.reverse}, Reshape(x, x.shape[0], 1))
		return Reshape(y, x.shape[0])
	}
	return c.op.Apply(scanParams{axis: p.axis + 1, reverse: p.reverse}, x)
}

// batchAxisParam is the rule of an op of one input whose parameter is an
// axis (argmax, argmin).
func batchAxisParam(c *Ctx, batched []bool) *Tensor {
	return c.op.Apply(c.Params.(int)+1, c.Inputs[0])
}

// batchSquareGrad batches square_grad, whose g has x's shape or one
// element: it applies to the batch when g and x are batched alike, or g is
// one element for every example; when g (or x) has the example's shape
// but is the same for every example, it is expanded along the batch first.
func batchSquareGrad(c *Ctx, batched []bool) *Tensor {
	g, x := c.Inputs[0], c.Inputs[1]
	switch {
	case batched[0] && batched[1] && sameShape(g.shape, x.shape) || !batched[0] && g.Size() == 1:
		return c.op.Apply(c.Params, g, x)
	case batched[0] != batched[1] && exampleRank(g, batched[0]) == exampleRank(x, batched[1]) && g.Size() != 1:
		xs := batchAll(c.Inputs, batched)
		if sameShape(xs[0].shape, xs[1].shape) {
			return c.op.Apply(c.Params, xs...)
		}
	}
	return loopRule(c, batched)
}

// batchLeading batches an op that takes any number of leading batch
// dimensions, broadcast between its inputs (the linear algebra): the batch
// is one more of them, the unbatched inputs expanded along it.
func batchLeading(c *Ctx, batched []bool) *Tensor {
	return c.op.Apply(c.Params, batchAll(c.Inputs, batched)...)
}

// batchLeadingSave is batchLeading with the by-product SaveForward makes,
// which has the same leading batch dimensions.
func batchLeadingSave(c *Ctx, batched []bool) (out, saved *Tensor) {
	return saveForward(c.op, c.Params, batchAll(c.Inputs, batched))
}

// batchSameShape batches an op whose inputs have one shape: the unbatched
// ones are expanded along the batch.
func batchSameShape(c *Ctx, batched []bool) *Tensor {
	return c.op.Apply(c.Params, batchAll(c.Inputs, batched)...)
}

// batchOpaque batches the values rules compute outside the ops' algebra:
// elementwise ones apply to the batch, others run once per example.
func batchOpaque(c *Ctx, batched []bool) *Tensor {
	fn := c.Params.(opaqueFn)
	switch {
	case fn.elementwise:
		return batchElementwise(c, batched)
	case fn.batch != nil:
		return opaque(fn.name, fn.batch, batchAll(c.Inputs, batched)...)
	}
	return loopRule(c, batched)
}

// batchSamples returns the Batch rule of an op whose inputs listed in
// samples hold independent samples along their axis 0 (convolutions,
// pooling), and whose other inputs (weights) apply to every sample: the
// batch joins the samples, B·N of them, when no weight is batched.
func batchSamples(samples ...int) func(c *Ctx, batched []bool) *Tensor {
	return func(c *Ctx, batched []bool) *Tensor {
		n := batchSize(c.Inputs, batched)
		xs := make([]*Tensor, len(c.Inputs))
		var per []int // one example's output is per[0] samples
		for i, x := range c.Inputs {
			xs[i] = x
			if !slices.Contains(samples, i) {
				if batched[i] {
					return loopRule(c, batched)
				}
				continue
			}
			if !batched[i] {
				x = Expand(Unsqueeze(x, 0), withBatch(n, x.shape)...)
			}
			if len(x.shape) < 2 {
				return loopRule(c, batched)
			}
			per = x.shape[1:2]
			xs[i] = Reshape(x, append([]int{n * x.shape[1]}, x.shape[2:]...)...)
		}
		y := c.op.Apply(c.Params, xs...)
		return Reshape(y, append([]int{n, per[0]}, y.shape[1:]...)...)
	}
}
