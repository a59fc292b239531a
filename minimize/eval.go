package minimize

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/nabla-go/nabla"
)

// evaluator computes f, its gradient, Hessian and Hessian-vector products at
// points given as flat slices, and counts the work. It keeps the graphs of
// the two latest points evaluated, so that a gradient asked for at the point
// of a value costs one reverse pass and no second forward pass, a value asked
// for at the point of a gradient costs nothing, and a trust-region step that
// is rejected does not cost the current point its recorded gradient.
type evaluator struct {
	f     Func
	shape []int
	// secondOrder records the reverse pass (CreateGraph) so that HVPs and
	// Hessians can differentiate the gradient again.
	secondOrder bool

	cur, old *point // the latest point and the one before
	spare    []*nabla.Arena
	tape     *nabla.Tape // every point is bound to it: f records, and its arena collects, this run's work alone

	nfev, njev, nhev int
	err              error // first failure of f (a panic, a non-scalar result)

	// With Options.Compile: f's value and gradient in one compiled program,
	// written into gbuf, and its Hessian-vector product (second order).
	vg   func(grads []*nabla.Tensor, xs ...*nabla.Tensor) *nabla.Tensor
	hv   nabla.Func
	gbuf *nabla.Tensor
}

// compile makes the evaluator run f as compiled programs.
func (e *evaluator) compile() {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return e.f(xs[0]) }
	e.vg = nabla.CompileValueAndGradInto(f)
	e.gbuf = nabla.New(nabla.Float64, e.shape...)
	if e.secondOrder {
		e.hv = nabla.Compile(func(xs ...*nabla.Tensor) *nabla.Tensor {
			return nabla.HVP(f, xs[:1], xs[1:])[0]
		})
	}
}

// point is what the evaluator knows at one x.
type point struct {
	x    []float64
	xt   *nabla.Tensor // leaf at x
	out  *nabla.Tensor // f(xt) with its graph, until the reverse pass uses it
	fval float64
	g    []float64     // gradient at x, nil until computed
	gc   []float64     // gradient computed with the value by a compiled program, until asked for
	gt   *nabla.Tensor // gradient with its graph (secondOrder only)
	// arena holds the buffers of f's graph at x (first-order methods only),
	// recycled once the gradient is out or the point is forgotten.
	arena *nabla.Arena
}

func newEvaluator(f Func, shape []int, secondOrder bool) *evaluator {
	return &evaluator{f: f, shape: shape, secondOrder: secondOrder, tape: nabla.NewTape()}
}

// at returns the point x, running f unless one of the two cached points is x.
func (e *evaluator) at(x []float64) *point {
	if e.cur != nil && slices.Equal(e.cur.x, x) {
		return e.cur
	}
	if e.old != nil && slices.Equal(e.old.x, x) {
		e.cur, e.old = e.old, e.cur
		return e.cur
	}
	pt := &point{x: slices.Clone(x), fval: math.NaN()}
	e.forget(e.old)
	e.cur, e.old = pt, e.cur
	e.nfev++
	if e.vg != nil {
		pt.xt = nabla.FromSlice(slices.Clone(x), e.shape...)
		var y *nabla.Tensor
		if err := nabla.Catch(func() { y = e.vg([]*nabla.Tensor{e.gbuf}, pt.xt) }); err != nil {
			e.fail(fmt.Errorf("minimize: compiled f failed at x of shape %v (Options.Compile): %w", e.shape, err))
			return pt
		}
		pt.fval, pt.gc = y.Item(), e.gbuf.Float64s()
		return pt
	}
	pt.xt = nabla.FromSlice(slices.Clone(x), e.shape...).SetRequiresGrad(true)
	e.tape.Bind(pt.xt)
	var out *nabla.Tensor
	run := func() { out = e.f(pt.xt) }
	if !e.secondOrder {
		pt.arena = e.newArena()
		inner := run
		run = func() { pt.arena.Do(e.tape, inner) }
	}
	err := nabla.Catch(run)
	switch {
	case err != nil:
		e.fail(fmt.Errorf("minimize: f failed at x of shape %v: %w", e.shape, err))
	case out == nil:
		e.fail(fmt.Errorf("minimize: f returned nil"))
	case out.Size() != 1:
		e.fail(fmt.Errorf("minimize: f returned a tensor of shape %v; it must return a scalar", out.Shape()))
	default:
		pt.out, pt.fval = out, out.Item()
	}
	return pt
}

func (e *evaluator) newArena() *nabla.Arena {
	if n := len(e.spare); n > 0 {
		a := e.spare[n-1]
		e.spare = e.spare[:n-1]
		return a
	}
	return new(nabla.Arena)
}

// forget recycles the buffers of pt's graph: nothing will read them again.
func (e *evaluator) forget(pt *point) {
	if pt == nil || pt.arena == nil {
		return
	}
	pt.out = nil
	pt.arena.Release()
	e.spare = append(e.spare, pt.arena)
	pt.arena = nil
}

// done recycles the buffers of the points still known.
func (e *evaluator) done() {
	e.forget(e.cur)
	e.forget(e.old)
}

func (e *evaluator) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// value returns f(x).
func (e *evaluator) value(x []float64) float64 { return e.at(x).fval }

// grad stores ∇f(x) in dst and returns f(x).
func (e *evaluator) grad(x, dst []float64) float64 {
	pt := e.at(x)
	if pt.g == nil {
		e.reverse(pt)
	}
	copy(dst, pt.g)
	return pt.fval
}

// reverse runs the reverse pass over pt's forward graph.
func (e *evaluator) reverse(pt *point) {
	if pt.gc != nil { // computed with the value
		e.njev++
		pt.g, pt.gc = pt.gc, nil
		return
	}
	pt.g = make([]float64, len(pt.x))
	if pt.out == nil { // f failed here
		for i := range pt.g {
			pt.g[i] = math.NaN()
		}
		return
	}
	e.njev++
	out := pt.out
	pt.out = nil
	if !out.RequiresGrad() { // f does not depend on x
		return
	}
	opts := []nabla.BackwardOption{nabla.AllowUnused()}
	if e.secondOrder {
		opts = append(opts, nabla.CreateGraph())
	}
	var gs []*nabla.Tensor
	run := func() { gs = nabla.Gradients([]*nabla.Tensor{out}, []*nabla.Tensor{pt.xt}, opts...) }
	if pt.arena != nil {
		inner := run
		run = func() { pt.arena.Do(e.tape, inner) }
	}
	if err := nabla.Catch(run); err != nil {
		e.fail(fmt.Errorf("minimize: gradient of f failed: %w", err))
		return
	}
	if gs[0] != nil {
		copy(pt.g, gs[0].RawFloat64())
		if e.secondOrder {
			pt.gt = gs[0]
		}
	}
	e.forget(pt)
}

// hvp stores H(x)·v in dst, differentiating ⟨∇f(x), v⟩ once more.
func (e *evaluator) hvp(x, v, dst []float64) {
	e.nhev++
	e.hvpUncounted(x, v, dst)
}

func (e *evaluator) hvpUncounted(x, v, dst []float64) {
	if !e.secondOrder {
		panic("minimize: internal error: HVP without a recorded gradient graph")
	}
	pt := e.at(x)
	if pt.g == nil {
		e.reverse(pt)
	}
	clear(dst)
	if e.hv != nil {
		var h *nabla.Tensor
		v := nabla.FromSlice(slices.Clone(v), e.shape...)
		if err := nabla.Catch(func() { h = e.hv(pt.xt, v) }); err != nil {
			e.fail(fmt.Errorf("minimize: compiled Hessian-vector product failed (Options.Compile): %w", err))
			return
		}
		copy(dst, h.Float64s())
		return
	}
	if pt.gt == nil || !pt.gt.RequiresGrad() {
		return // gradient constant in x (or f failed): H = 0
	}
	seed := nabla.FromSlice(slices.Clone(v), e.shape...)
	var hs []*nabla.Tensor
	if err := nabla.Catch(func() {
		hs = nabla.Gradients([]*nabla.Tensor{pt.gt}, []*nabla.Tensor{pt.xt},
			nabla.Seed(seed), nabla.RetainGraph(), nabla.AllowUnused())
	}); err != nil {
		e.fail(fmt.Errorf("minimize: Hessian-vector product failed: %w", err))
		return
	}
	if hs[0] != nil {
		copy(dst, hs[0].Float64s())
	}
}

// hess stores the Hessian at x in dst, one row per reverse pass through the
// recorded gradient. It counts as one Hessian evaluation.
func (e *evaluator) hess(x []float64, dst *mat.SymDense) {
	e.nhev++
	n := len(x)
	ei, row := make([]float64, n), make([]float64, n)
	for i := range n {
		ei[i] = 1
		e.hvpUncounted(x, ei, row)
		ei[i] = 0
		for j := i; j < n; j++ {
			dst.SetSym(i, j, row[j])
		}
	}
}
