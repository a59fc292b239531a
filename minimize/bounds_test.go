package minimize_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/minimize"
)

// kkt checks the first-order conditions of min f over l ≤ x ≤ u at x with
// gradient g: x in the box; ∂f/∂xᵢ = 0 where xᵢ is strictly inside,
// ≥ 0 at a lower bound, ≤ 0 at an upper one (each within tol); fixed
// variables at their value. It returns the number of variables at a bound.
func kkt(t *testing.T, x, g, lo, hi []float64, tol float64) (active int) {
	t.Helper()
	l := func(i int) float64 {
		if lo == nil {
			return math.Inf(-1)
		}
		return lo[i]
	}
	u := func(i int) float64 {
		if hi == nil {
			return math.Inf(1)
		}
		return hi[i]
	}
	bad := 0
	for i := range x {
		li, ui := l(i), u(i)
		var ok bool
		switch {
		case x[i] < li || x[i] > ui:
			ok = false
		case li == ui:
			ok, active = x[i] == li, active+1
		case x[i] == li:
			ok, active = g[i] >= -tol, active+1
		case x[i] == ui:
			ok, active = g[i] <= tol, active+1
		default:
			ok = math.Abs(g[i]) <= tol
		}
		if !ok {
			if bad++; bad <= 5 {
				t.Errorf("KKT fails at %d: x = %v in [%v, %v], ∂f/∂x = %v", i, x[i], li, ui, g[i])
			}
		}
	}
	return active
}

// watched wraps f to fail the test if l-bfgs-b ever evaluates it outside the
// box, and counts the forward passes.
func watched(t *testing.T, f minimize.Func, lo, hi []float64, calls *int) minimize.Func {
	return func(x *nabla.Tensor) *nabla.Tensor {
		*calls++
		for i, v := range x.Float64s() {
			if (lo != nil && v < lo[i]) || (hi != nil && v > hi[i]) {
				t.Errorf("f evaluated outside the box: x[%d] = %v", i, v)
				break
			}
		}
		return f(x)
	}
}

// solve runs l-bfgs-b with the bounds, checks the run's bookkeeping (every
// evaluation inside the box, one forward pass per value-and-gradient,
// success) and the KKT conditions at the result with tolerance GTol.
func solve(t *testing.T, f minimize.Func, x0, lo, hi []float64, o *minimize.Options) (minimize.Result, int) {
	t.Helper()
	if o == nil {
		o = &minimize.Options{}
	}
	o.Lower, o.Upper = lo, hi
	calls := 0
	res, err := minimize.Minimize(watched(t, f, lo, hi, &calls), nabla.FromSlice(x0), minimize.LBFGSB, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Success {
		t.Errorf("status %d: %s", res.Status, res.Message)
	}
	if calls != res.Nfev || res.Nfev != res.Njev {
		t.Errorf("f called %d times, Nfev %d, Njev %d", calls, res.Nfev, res.Njev)
	}
	gtol := o.GTol
	if gtol == 0 {
		gtol = 1e-5
	}
	return res, kkt(t, res.X.Float64s(), res.Grad.Float64s(), lo, hi, gtol)
}

// Rosenbrock's function on [−2, 0.5] × [−2, 2]. For any x in the box,
// f ≥ (1 − x₁)² ≥ 0.25, with equality only at x₁ = 0.5, x₂ = x₁² = 0.25: the
// minimum is on the face x₁ = 0.5, where ∂f/∂x₁ = −2(1 − x₁) = −1 < 0 (f
// would go on decreasing past the bound) and ∂f/∂x₂ = 200(x₂ − x₁²) = 0.
// SciPy 1.10.1 takes 20 iterations and 30 evaluations; here 23 and 35,
// because of the safeguard on the projected subspace step (see subspace in
// bounds.go): without it the run is SciPy's, count for count.
func TestBoxBounds(t *testing.T) {
	lo, hi := []float64{-2, -2}, []float64{0.5, 2}
	res, active := solve(t, rosenbrock, []float64{-1.2, 1}, lo, hi, nil)
	x, g := res.X.Float64s(), res.Grad.Float64s()
	if x[0] != 0.5 || math.Abs(x[1]-0.25) > 1e-6 || math.Abs(res.Fun-0.25) > 1e-10 || active != 1 {
		t.Errorf("x = %v, f = %v, %d active", x, res.Fun, active)
	}
	if math.Abs(g[0]+1) > 1e-5 {
		t.Errorf("∂f/∂x₁ = %v at the bound, want −1", g[0])
	}
	if res.Nit > 23 || res.Nfev > 35 {
		t.Errorf("nit %d, nfev %d; recorded 23, 35", res.Nit, res.Nfev)
	}
	if res.Message != "Optimization terminated successfully." {
		t.Errorf("message %q", res.Message)
	}
}

// A start outside the box is projected into it before f is first evaluated
// (SciPy does the same), here with one-sided and infinite bounds. The
// minimum of Rosenbrock's function for x₁ ≥ 1.5 is at x₁ = 1.5, x₂ = 2.25
// (f ≥ (1 − x₁)² ≥ 0.25 again). From (3, 3) SciPy takes 19 iterations and
// 32 evaluations, as here. From (3, −7), inside the box, SciPy stops at
// (1.5829, 2.5029), f = 0.3405, on its ftol test: the run that the
// safeguard of the subspace step fixes (solve checks the KKT conditions).
func TestStartOutsideBox(t *testing.T) {
	lo := []float64{1.5, math.Inf(-1)}
	var first []float64
	res, _ := solve(t, rosenbrock, []float64{3, -7}, lo, nil, &minimize.Options{Callback: func(it minimize.Iteration) {
		if it.Nit == 0 {
			first = slices.Clone(it.X)
		}
	}})
	if !slices.Equal(first, []float64{3, -7}) {
		t.Errorf("start %v; (3, −7) is in the box", first)
	}
	res, _ = solve(t, rosenbrock, []float64{-3, 3}, lo, nil, &minimize.Options{Callback: func(it minimize.Iteration) {
		if it.Nit == 0 {
			first = slices.Clone(it.X)
		}
	}})
	if x := res.X.Float64s(); x[0] != 1.5 || math.Abs(x[1]-2.25) > 1e-6 || !slices.Equal(first, []float64{1.5, 3}) {
		t.Errorf("x = %v from the projected start %v", x, first)
	}
	res, _ = solve(t, rosenbrock, []float64{3, 3}, lo, []float64{math.Inf(1), math.Inf(1)}, nil)
	if x := res.X.Float64s(); x[0] != 1.5 || math.Abs(x[1]-2.25) > 1e-6 || res.Nit > 19 || res.Nfev > 32 {
		t.Errorf("x = %v after %d iterations, %d evaluations", x, res.Nit, res.Nfev)
	}
}

// Σ wᵢ(xᵢ − cᵢ)² at n = 1000 with mixed bounds (both, one side, none,
// lo == hi): it is separable, so the minimiser is c clipped to the box.
func TestBoundedSeparableQuadratic(t *testing.T) {
	const n = 1000
	w, c, lo, hi := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	want := make([]float64, n)
	for i := range n {
		w[i] = 1 + float64(i%7)
		c[i] = 3 * math.Sin(float64(i))
		lo[i], hi[i] = -1-0.5*float64(i%3), 1+0.5*float64(i%4)
		switch {
		case i%13 == 0:
			lo[i], hi[i] = 0.3, 0.3
		case i%11 == 0:
			lo[i], hi[i] = math.Inf(-1), math.Inf(1)
		case i%5 == 0:
			lo[i] = math.Inf(-1)
		case i%7 == 0:
			hi[i] = math.Inf(1)
		}
		want[i] = min(max(c[i], lo[i]), hi[i])
	}
	wt, ct := nabla.FromSlice(w), nabla.FromSlice(c)
	f := func(x *nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Mul(wt, nabla.Square(nabla.Sub(x, ct)))) }
	// f* ≈ 10³ here, so the default relative ftol would stop the run when
	// it gains less than ~10⁻⁶ per iteration, with x within ~10⁻³ of x*.
	res, active := solve(t, f, make([]float64, n), lo, hi, &minimize.Options{FTol: 1e-300})
	x := res.X.Float64s()
	worst := 0.0
	for i := range n {
		worst = max(worst, math.Abs(x[i]-want[i]))
	}
	t.Logf("%d active of %d, max |x − clip(c)| = %.2g, nit %d, nfev %d", active, n, worst, res.Nit, res.Nfev)
	if worst > 1e-5 || active < 300 {
		t.Errorf("max |x − clip(c)| = %v with %d active bounds (%s)", worst, active, res.Message)
	}
}

// coupledQuadratic returns the problem of TestBoundedCoupledQuadratic and
// its solution.
func coupledQuadratic(n int) (f minimize.Func, lo, hi, xs []float64) {
	const diag = 2.1
	xs, mu, lo, hi := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		lo[i], hi[i] = -1, 1
		switch i % 5 {
		case 0:
			xs[i], mu[i] = -1, 1
		case 1:
			xs[i], mu[i] = 1, -1
		default:
			xs[i] = 0.9 * math.Sin(float64(i))
		}
	}
	b := make([]float64, n)
	for i := range n {
		b[i] = diag*xs[i] - mu[i]
		if i > 0 {
			b[i] -= xs[i-1]
		}
		if i < n-1 {
			b[i] -= xs[i+1]
		}
	}
	bt := nabla.FromSlice(b)
	f = func(x *nabla.Tensor) *nabla.Tensor {
		head, tail := nabla.Slice(x, 0, 0, n-1, 1), nabla.Slice(x, 0, 1, n, 1)
		quad := nabla.Sub(nabla.MulScalar(nabla.Sum(nabla.Square(x)), diag/2), nabla.Sum(nabla.Mul(head, tail)))
		return nabla.Sub(quad, nabla.Sum(nabla.Mul(bt, x)))
	}
	return f, lo, hi, xs
}

// A coupled quadratic ½xᵀAx − bᵀx, A = tridiag(−1, 2.1, −1) (positive
// definite, condition number ≈ 41), n = 1000, in [−1, 1]ⁿ, built around a
// chosen solution x*: every fifth variable at −1, the next at +1, the rest
// inside, with b = Ax* − μ where μᵢ = +1, −1, 0 respectively. Then ∇f(x*) =
// μ satisfies the KKT conditions with strict complementarity, and x* is the
// unique minimiser since f is strictly convex.
func TestBoundedCoupledQuadratic(t *testing.T) {
	const n = 1000
	f, lo, hi, xs := coupledQuadratic(n)
	// With the default ftol the run stops at |g| ≈ 1.2e-5, just above GTol
	// (SciPy's does too); gtol-only, it ends with the KKT conditions at 1e-5.
	res, active := solve(t, f, make([]float64, n), lo, hi, &minimize.Options{FTol: 1e-300})
	x := res.X.Float64s()
	worst := 0.0
	for i := range n {
		worst = max(worst, math.Abs(x[i]-xs[i]))
	}
	t.Logf("%d active, max |x − x*| = %.2g, nit %d, nfev %d", active, worst, res.Nit, res.Nfev)
	if worst > 1e-4 || active != 400 {
		t.Errorf("max |x − x*| = %v, %d active bounds, want 400 (%s)", worst, active, res.Message)
	}
}

// lo == hi fixes a variable. MGH's extended Rosenbrock pairs (x₂ᵢ₋₁, x₂ᵢ)
// in terms 100(x₂ᵢ − x₂ᵢ₋₁²)² + (1 − x₂ᵢ₋₁)²; with x₁ fixed at 0.5 its
// pair's minimum is x₂ = 0.25, f = 0.25, and the other pairs go to (1, 1).
// A second fixed variable, x₅ = 1, is already at its pair's optimum.
func TestFixedVariables(t *testing.T) {
	const n = 10
	lo, hi := make([]float64, n), make([]float64, n)
	for i := range n {
		lo[i], hi[i] = math.Inf(-1), math.Inf(1)
	}
	lo[0], hi[0], lo[4], hi[4] = 0.5, 0.5, 1, 1
	res, active := solve(t, extendedRosenbrock, rep([]float64{-1.2, 1}, n), lo, hi, &minimize.Options{GTol: 1e-8, FTol: 1e-300})
	x := res.X.Float64s()
	want := rep([]float64{1}, n)
	want[0], want[1] = 0.5, 0.25
	for i := range n {
		if math.Abs(x[i]-want[i]) > 1e-6 {
			t.Errorf("x = %v, want %v", x, want)
			break
		}
	}
	if x[0] != 0.5 || x[4] != 1 || active != 2 || math.Abs(res.Fun-0.25) > 1e-10 {
		t.Errorf("x = %v, f = %v, %d active", x, res.Fun, active)
	}
}

// driver1F is the problem of the L-BFGS-B distribution's driver1:
// f = 4·(¼(x₁ − 1)² + Σᵢ₌₂ⁿ (xᵢ − xᵢ₋₁²)²), odd variables (1-based) in
// [1, 100], even ones in [−100, 100], from xᵢ = 3.
func driver1F(x *nabla.Tensor) *nabla.Tensor {
	n := x.Size()
	head, tail := nabla.Slice(x, 0, 0, n-1, 1), nabla.Slice(x, 0, 1, n, 1)
	f := nabla.Add(nabla.MulScalar(nabla.Square(nabla.AddScalar(at(x, 0), -1)), 0.25),
		nabla.Sum(nabla.Square(nabla.Sub(tail, nabla.Square(head)))))
	return nabla.MulScalar(f, 4)
}

func driver1Bounds(n int) (lo, hi, x0 []float64) {
	for i := range n {
		if i%2 == 0 {
			lo, hi = append(lo, 1), append(hi, 100)
		} else {
			lo, hi = append(lo, -100), append(hi, 100)
		}
		x0 = append(x0, 3)
	}
	return lo, hi, x0
}

// driver1 with n = 25 and m = 5, as in the Fortran driver. Independently of
// any run: f ≥ 0, and f = 0 at x = (1, …, 1), which is feasible, so that is
// the minimum (x₁ = 1 sits on its lower bound with a zero multiplier). The
// run ends on the ftol test at f = 1.0834901e-9 after 23 iterations and 28
// evaluations, the figures SciPy 1.10.1 (L-BFGS-B 3.0) reports for the same
// problem and options, with the same x to 8 digits. Along the valley
// xᵢ = xᵢ₋₁² a tiny x₁ − 1 grows doubly exponentially, so at f ≈ 1e-9 the
// last components are far from 1 (x₂₅ ≈ 3.78 in both): only the first ones
// are checked.
func TestDriver1(t *testing.T) {
	lo, hi, x0 := driver1Bounds(25)
	calls := 0
	res, err := minimize.Minimize(watched(t, driver1F, lo, hi, &calls), nabla.FromSlice(x0), minimize.LBFGSB,
		&minimize.Options{Lower: lo, Upper: hi, Memory: 5})
	if err != nil {
		t.Fatal(err)
	}
	x := res.X.Float64s()
	for i := range 8 {
		if math.Abs(x[i]-1) > 1e-4 {
			t.Errorf("x[%d] = %v, want 1", i, x[i])
		}
	}
	if !res.Success || !strings.Contains(res.Message, "ftol") || math.Abs(res.Fun-1.0834901e-9) > 1e-15 {
		t.Errorf("f = %.10g, %s", res.Fun, res.Message)
	}
	if res.Nit > 23 || res.Nfev > 28 {
		t.Errorf("nit %d, nfev %d; SciPy 23, 28", res.Nit, res.Nfev)
	}
}

// Without bounds (nil, or every bound infinite) l-bfgs-b is L-BFGS: the
// Cauchy point has no breakpoints, every variable is free, and the subspace
// step is the quasi-Newton step −B⁻¹g. All forms give the same run.
func TestLBFGSBWithoutBounds(t *testing.T) {
	inf := []float64{math.Inf(1), math.Inf(1)}
	ninf := []float64{math.Inf(-1), math.Inf(-1)}
	var runs []minimize.Result
	for _, b := range [][2][]float64{{nil, nil}, {ninf, inf}, {nil, inf}, {ninf, nil}} {
		res, _ := solve(t, rosenbrock, []float64{-1.2, 1}, b[0], b[1], &minimize.Options{GTol: 1e-8, FTol: 1e-300})
		runs = append(runs, res)
	}
	for _, r := range runs[1:] {
		if r.Nit != runs[0].Nit || r.Nfev != runs[0].Nfev || !slices.Equal(r.X.Float64s(), runs[0].X.Float64s()) {
			t.Errorf("infinite bounds changed the run: %d/%d %v vs %d/%d %v",
				r.Nit, r.Nfev, r.X, runs[0].Nit, runs[0].Nfev, runs[0].X)
		}
	}
	if runs[0].Fun > 1e-15 {
		t.Errorf("f = %v", runs[0].Fun)
	}
	lb, _ := minimize.Minimize(rosenbrock, nabla.FromSlice([]float64{-1.2, 1}), minimize.LBFGS, &minimize.Options{GTol: 1e-8})
	t.Logf("l-bfgs-b %d iterations %d evaluations; l-bfgs %d, %d", runs[0].Nit, runs[0].Nfev, lb.Nit, lb.Nfev)
}

// The ftol test: by default Rosenbrock's run ends when an iteration gains
// less than 2.2e-9 relatively (SciPy's 36 iterations); a tiny FTol leaves
// the projected-gradient test alone.
func TestLBFGSBFTol(t *testing.T) {
	x0 := nabla.FromSlice([]float64{-1.2, 1})
	res, _ := minimize.Minimize(rosenbrock, x0, minimize.LBFGSB, &minimize.Options{GTol: 1e-8})
	if !res.Success || res.Nit != 36 || !strings.Contains(res.Message, "ftol") {
		t.Errorf("default ftol: %d iterations, %s", res.Nit, res.Message)
	}
	res, _ = minimize.Minimize(rosenbrock, x0, minimize.LBFGSB, &minimize.Options{GTol: 1e-8, FTol: 1e-300})
	if !res.Success || maxAbs(res.Grad.Float64s()) > 1e-8 || res.Message != "Optimization terminated successfully." {
		t.Errorf("ftol off: %s, |g| = %v", res.Message, maxAbs(res.Grad.Float64s()))
	}
	if _, err := minimize.Minimize(rosenbrock, x0, minimize.LBFGSB, &minimize.Options{FTol: -1}); err == nil {
		t.Error("negative FTol: no error")
	}
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

func TestLBFGSBStops(t *testing.T) {
	// Already optimal: x0 = clip(c) for Σ(xᵢ − cᵢ)²; no iteration.
	c := nabla.FromSlice([]float64{2, -2, 0.5})
	f := func(x *nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Square(nabla.Sub(x, c))) }
	lo, hi := []float64{-1, -1, -1}, []float64{1, 1, 1}
	res, err := minimize.Minimize(f, nabla.FromSlice([]float64{1, -1, 0.5}), minimize.LBFGSB, &minimize.Options{Lower: lo, Upper: hi})
	if err != nil || !res.Success || res.Nit != 0 || res.Nfev != 1 {
		t.Errorf("at the minimum: %+v, %v", res, err)
	}
	// The iteration limit.
	res, _ = minimize.Minimize(rosenbrock, nabla.FromSlice([]float64{-1.2, 1}), minimize.LBFGSB, &minimize.Options{MaxIter: 5})
	if res.Status != minimize.MaxIterations || res.Nit != 5 || res.Success {
		t.Errorf("maxiter 5: status %d after %d iterations", res.Status, res.Nit)
	}
	// The evaluation limit, and the defaults (15000 for both).
	res, _ = minimize.Minimize(rosenbrock, nabla.FromSlice([]float64{-1.2, 1}), minimize.LBFGSB, &minimize.Options{MaxFev: 7})
	if res.Status != minimize.MaxIterations || res.Nfev != 7 || !strings.Contains(res.Message, "evaluations") {
		t.Errorf("maxfev 7: status %d after %d evaluations: %s", res.Status, res.Nfev, res.Message)
	}
	// Malformed bounds.
	for _, b := range [][2][]float64{{{1, 0}, {0, 1}}, {{math.NaN(), 0}, nil}, {nil, {math.Inf(-1), 0}}} {
		if _, err := minimize.Minimize(rosenbrock, nabla.FromSlice([]float64{0, 0}), minimize.LBFGSB,
			&minimize.Options{Lower: b[0], Upper: b[1]}); err == nil || !strings.Contains(err.Error(), "bound") {
			t.Errorf("bounds %v: error %v", b, err)
		}
	}
}
