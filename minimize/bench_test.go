package minimize_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/optimize/functions"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/minimize"
)

// L-BFGS on gonum's extended (chained) Rosenbrock, n = 1000: nabla's
// gradient through minimize vs gonum's own Minimize with the hand-written
// gradient, with the same method, memory, line search and tolerance.
func BenchmarkLBFGSExtendedRosenbrock(b *testing.B) {
	const n = 1000
	x0 := rep([]float64{-1.2, 1}, n)
	b.Run("n=1000/nabla", func(b *testing.B) {
		var res minimize.Result
		for b.Loop() {
			res, _ = minimize.Minimize(chainedRosenbrock, nabla.FromSlice(x0), minimize.LBFGS, nil)
		}
		if !res.Success {
			b.Fatal(res.Message)
		}
		b.ReportMetric(float64(res.Njev), "gradients")
		b.ReportMetric(float64(res.Nit), "iterations")
	})
	b.Run("n=1000/gonum-hand-written", func(b *testing.B) {
		var res *optimize.Result
		f := functions.ExtendedRosenbrock{}
		for b.Loop() {
			var err error
			res, err = optimize.Minimize(optimize.Problem{Func: f.Func, Grad: f.Grad}, x0,
				&optimize.Settings{GradientThreshold: 1e-5, Converger: optimize.NeverTerminate{}},
				&optimize.LBFGS{Store: 10, GradStopThreshold: 1e-5,
					Linesearcher: &optimize.MoreThuente{DecreaseFactor: 1e-4, CurvatureFactor: 0.9}})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(res.GradEvaluations), "gradients")
		b.ReportMetric(float64(res.MajorIterations), "iterations")
	})
}

// Newton-CG with Hessian-vector products on MGH's extended Rosenbrock,
// n = 10,000: no n×n matrix is ever formed.
func BenchmarkNewtonCGExtendedRosenbrock(b *testing.B) {
	const n = 10000
	x0 := rep([]float64{-1.2, 1}, n)
	var res minimize.Result
	for b.Loop() {
		res, _ = minimize.Minimize(extendedRosenbrock, nabla.FromSlice(x0), minimize.NewtonCG, nil)
	}
	if !res.Success {
		b.Fatal(res.Message)
	}
	b.ReportMetric(float64(res.Nit), "iterations")
	b.ReportMetric(float64(res.Nhev), "HVPs")
	b.ReportMetric(float64(res.Njev), "gradients")
}

func autodiffGrad(x []float64) []float64 {
	t := nabla.FromSlice(x).SetRequiresGrad(true)
	return nabla.Gradients([]*nabla.Tensor{chainedRosenbrock(t)}, []*nabla.Tensor{t})[0].Float64s()
}

func randomPoint(n int) []float64 { return nabla.Uniform(nabla.NewRand(7), -2, 2, n).Float64s() }

// One gradient at n = 1000: reverse mode vs gonum's central differences
// (2n evaluations of the hand-written f).
func BenchmarkGradientVsFiniteDifferences(b *testing.B) {
	const n = 1000
	x := randomPoint(n)
	f := functions.ExtendedRosenbrock{}
	b.Run("n=1000/autodiff", func(b *testing.B) {
		for b.Loop() {
			autodiffGrad(x)
		}
	})
	b.Run("n=1000/fd-central", func(b *testing.B) {
		dst := make([]float64, n)
		for b.Loop() {
			fd.Gradient(dst, f.Func, x, &fd.Settings{Formula: fd.Central})
		}
	})
}

// The accuracy half of the comparison above: the largest relative error of
// each gradient against gonum's analytic one.
func TestGradientVsFiniteDifferencesAccuracy(t *testing.T) {
	const n = 1000
	x := randomPoint(n)
	f := functions.ExtendedRosenbrock{}
	want := make([]float64, n)
	f.Grad(want, x)
	fdg := make([]float64, n)
	fd.Gradient(fdg, f.Func, x, &fd.Settings{Formula: fd.Central})
	relErr := func(g []float64) float64 {
		m := 0.0
		for i := range g {
			m = math.Max(m, math.Abs(g[i]-want[i])/math.Max(1, math.Abs(want[i])))
		}
		return m
	}
	ad, num := relErr(autodiffGrad(x)), relErr(fdg)
	t.Logf("max relative error: autodiff %.2g, central differences %.2g", ad, num)
	if ad > 1e-12 || num < 1e-9 {
		t.Errorf("autodiff %.2g, central differences %.2g", ad, num)
	}
}

// L-BFGS-B on bounded problems at n = 1000: the driver1 problem of the
// L-BFGS-B distribution (half the variables in [1, 100], the others in
// [−100, 100]; SciPy takes 24 iterations, 29 evaluations), and the coupled
// quadratic of TestBoundedCoupledQuadratic, whose solution has 400 of its
// 1000 variables at a bound.
func BenchmarkLBFGSBBounded(b *testing.B) {
	const n = 1000
	report := func(b *testing.B, res minimize.Result) {
		if !res.Success {
			b.Fatal(res.Message)
		}
		b.ReportMetric(float64(res.Njev), "gradients")
		b.ReportMetric(float64(res.Nit), "iterations")
	}
	b.Run("n=1000/driver1", func(b *testing.B) {
		lo, hi, x0 := driver1Bounds(n)
		var res minimize.Result
		for b.Loop() {
			res, _ = minimize.Minimize(driver1F, nabla.FromSlice(x0), minimize.LBFGSB, &minimize.Options{Lower: lo, Upper: hi})
		}
		report(b, res)
	})
	b.Run("n=1000/quadratic-400-active", func(b *testing.B) {
		f, lo, hi, _ := coupledQuadratic(n)
		var res minimize.Result
		for b.Loop() {
			res, _ = minimize.Minimize(f, nabla.FromSlice(make([]float64, n)), minimize.LBFGSB, &minimize.Options{Lower: lo, Upper: hi})
		}
		report(b, res)
	})
}
