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
//
// Derivatives given by the user (jac, hessFn, hessp) replace nabla's; f is
// then either nabla ops (f) or a plain function (plain), and the same two
// points are cached, so the counts are those of an autodiff run.
type evaluator struct {
	f     Func
	plain func([]float64) float64
	shape []int
	n     int // variables
	// secondOrder records the reverse pass (CreateGraph) so that HVPs and
	// Hessians can differentiate the gradient again.
	secondOrder bool

	jac    func([]float64) []float64
	hessFn func([]float64) [][]float64
	hessp  func(x, p []float64) []float64
	// hx and hm are the last point given to hessFn and its Hessian, so that
	// the products of newton-cg and trust-ncg at one point call it once.
	hx []float64
	hm [][]float64

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

func newEvaluator(obj objective, shape []int, secondOrder bool) *evaluator {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return &evaluator{f: obj.f, plain: obj.plain, shape: shape, n: n, secondOrder: secondOrder, tape: nabla.NewTape()}
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
	if e.plain != nil {
		pt.fval = e.plain(slices.Clone(x))
		return pt
	}
	pt.xt = nabla.FromSlice(slices.Clone(x), e.shape...)
	if e.jac == nil || e.secondOrder { // nabla differentiates f: record it
		pt.xt.SetRequiresGrad(true)
		e.tape.Bind(pt.xt)
	}
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

// reverse computes the gradient at pt: by calling the user's jac, or by the
// reverse pass over pt's forward graph.
func (e *evaluator) reverse(pt *point) {
	if e.jac != nil {
		e.njev++
		pt.g = e.userVector("Jac", e.jac(slices.Clone(pt.x)))
		return
	}
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

// userVector checks that a user's derivative returned n values and copies
// them; otherwise it records the error and returns NaNs, which stop the run.
func (e *evaluator) userVector(name string, v []float64) []float64 {
	out := make([]float64, e.n)
	if len(v) != len(out) {
		e.fail(fmt.Errorf("minimize: Options.%s returned %d values for %d variables", name, len(v), len(out)))
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	copy(out, v)
	return out
}

// hvp stores H(x)·v in dst: with the user's Hessp or Hess when given,
// otherwise by differentiating ⟨∇f(x), v⟩ once more.
func (e *evaluator) hvp(x, v, dst []float64) {
	switch {
	case e.hessp != nil:
		e.nhev++
		copy(dst, e.userVector("Hessp", e.hessp(slices.Clone(x), slices.Clone(v))))
	case e.hessFn != nil:
		h := e.userHess(x)
		for i := range dst {
			dst[i] = dot(h[i], v)
		}
	default:
		e.nhev++
		e.hvpUncounted(x, v, dst)
	}
}

// userHess returns the user's Hessian at x, calling Hess unless x is the
// point of the last call. A malformed result is recorded as an error and
// replaced by NaNs.
func (e *evaluator) userHess(x []float64) [][]float64 {
	if e.hm != nil && slices.Equal(e.hx, x) {
		return e.hm
	}
	e.nhev++
	n := len(x)
	h := e.hessFn(slices.Clone(x))
	ok := len(h) == n
	for i := 0; ok && i < n; i++ {
		ok = len(h[i]) == n
	}
	e.hx, e.hm = slices.Clone(x), make([][]float64, n)
	for i := range n {
		e.hm[i] = make([]float64, n)
		for j := range n {
			// Only the upper triangle is read, as for a mat.SymDense.
			switch {
			case !ok:
				e.hm[i][j] = math.NaN()
			case j >= i:
				e.hm[i][j] = h[i][j]
			default:
				e.hm[i][j] = h[j][i]
			}
		}
	}
	if !ok {
		e.fail(fmt.Errorf("minimize: Options.Hess did not return a %d×%d matrix", n, n))
	}
	return e.hm
}

func (e *evaluator) hvpUncounted(x, v, dst []float64) {
	if !e.secondOrder {
		panic("minimize: internal error: HVP without a recorded gradient graph")
	}
	pt := e.at(x)
	if pt.g == nil {
		e.reverse(pt)
	}
	if e.jac != nil && pt.gt == nil && pt.out != nil {
		// The gradient came from Jac: differentiate f here for the graph.
		e.gradGraph(pt)
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

// gradGraph records nabla's gradient at pt with its graph, for the
// Hessian-vector products of a run whose gradients come from Jac.
func (e *evaluator) gradGraph(pt *point) {
	out := pt.out
	pt.out = nil
	if !out.RequiresGrad() {
		return
	}
	var gs []*nabla.Tensor
	if err := nabla.Catch(func() {
		gs = nabla.Gradients([]*nabla.Tensor{out}, []*nabla.Tensor{pt.xt}, nabla.AllowUnused(), nabla.CreateGraph())
	}); err != nil {
		e.fail(fmt.Errorf("minimize: gradient of f failed: %w", err))
		return
	}
	pt.gt = gs[0]
}

// hess stores the Hessian at x in dst: the user's Hess, or n products by
// the user's Hessp, or one row per reverse pass through the recorded
// gradient. Nabla's Hessian counts as one Hessian evaluation, the user's
// functions as the number of calls.
func (e *evaluator) hess(x []float64, dst *mat.SymDense) {
	n := len(x)
	if e.hessFn != nil {
		h := e.userHess(x)
		for i := range n {
			for j := i; j < n; j++ {
				dst.SetSym(i, j, h[i][j])
			}
		}
		return
	}
	ei, row := make([]float64, n), make([]float64, n)
	if e.hessp != nil {
		for i := range n {
			ei[i] = 1
			e.hvp(x, ei, row)
			ei[i] = 0
			for j := i; j < n; j++ {
				dst.SetSym(i, j, row[j])
			}
		}
		return
	}
	e.nhev++
	for i := range n {
		ei[i] = 1
		e.hvpUncounted(x, ei, row)
		ei[i] = 0
		for j := i; j < n; j++ {
			dst.SetSym(i, j, row[j])
		}
	}
}
