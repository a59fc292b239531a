package nabla_test

import (
	"math"
	"testing"

	"github.com/nabla-go/nabla"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/functions"
)

// Hessian of gonum's (chained) extended Rosenbrock at n = 100: nabla's
// forward-over-reverse against central differences (gonum diff/fd). Each
// reports the largest absolute error against the analytic Hessian as
// max-abs-err (the Hessian's entries are of order 10³).
func BenchmarkHessianExtendedRosenbrock(b *testing.B) {
	const n = 100
	x := nabla.Uniform(nabla.NewRand(4), -2, 2, n)
	exact := mat.DenseCopyOf(chainedRosenbrockHess(x.Float64s())).RawMatrix().Data
	maxErr := func(h []float64) float64 {
		e := 0.0
		for i := range h {
			e = max(e, math.Abs(h[i]-exact[i]))
		}
		return e
	}
	f := scalarFn(chainedRosenbrock)
	for _, v := range []struct {
		name string
		hess nabla.Func
	}{
		{"nabla", nabla.Hessian(f)},                              // forward over reverse
		{"nabla-rev-over-rev", nabla.JacobianRev(nabla.Grad(f))}, // one backward pass per row
		{"nabla-compiled", nabla.Compile(nabla.Hessian(f))},      // traced once, replayed
		{"nabla-rev-over-rev-compiled", nabla.Compile(nabla.JacobianRev(nabla.Grad(f)))},
	} {
		b.Run("n=100/"+v.name, func(b *testing.B) {
			var h *nabla.Tensor
			for b.Loop() {
				h = v.hess(x)
			}
			b.ReportMetric(maxErr(h.Float64s()), "max-abs-err")
		})
	}
	b.Run("n=100/gonum-fd-central", func(b *testing.B) {
		h := mat.NewSymDense(n, nil)
		xs := x.Float64s()
		for b.Loop() {
			fd.Hessian(h, functions.ExtendedRosenbrock{}.Func, xs, &fd.Settings{Formula: fd.Central})
		}
		b.ReportMetric(maxErr(mat.DenseCopyOf(h).RawMatrix().Data), "max-abs-err")
	})
}

// One Hessian-vector product against one gradient of Σ x²·sin x at n = 10⁶.
func BenchmarkHVP(b *testing.B) {
	const n = 1_000_000
	r := nabla.NewRand(1)
	x, v := nabla.Uniform(r, -3, 3, n), nabla.Uniform(r, -1, 1, n)
	f := scalarFn(sumX2SinX)
	b.Run("n=1e6/gradient", func(b *testing.B) {
		g := nabla.Grad(f)
		for b.Loop() {
			g(x)
		}
	})
	b.Run("n=1e6/hvp", func(b *testing.B) {
		for b.Loop() {
			nabla.HVP(f, []*nabla.Tensor{x}, []*nabla.Tensor{v})
		}
	})
}

// The Jacobian of x ↦ tanh(W·x), 100 → 100, in both modes and by automatic
// choice (which takes reverse mode at equal sizes), and of a 10 → 100
// function, where the automatic choice is forward mode.
func BenchmarkJacobian(b *testing.B) {
	r := nabla.NewRand(2)
	w := nabla.MulScalar(nabla.Randn(r, 100, 100), 0.1)
	x := nabla.Randn(r, 100)
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Tanh(nabla.MatMul(w, xs[0])) }
	for _, m := range []struct {
		name string
		jac  nabla.Func
	}{{"rev", nabla.JacobianRev(f)}, {"fwd", nabla.JacobianFwd(f)}, {"auto", nabla.Jacobian(f)}} {
		b.Run("100x100/"+m.name, func(b *testing.B) {
			for b.Loop() {
				m.jac(x)
			}
		})
	}
	tall := func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.Tanh(nabla.MatMul(nabla.Slice(w, 1, 0, 10, 1), xs[0]))
	}
	x10 := nabla.Slice(x, 0, 0, 10, 1)
	for _, m := range []struct {
		name string
		jac  nabla.Func
	}{{"rev", nabla.JacobianRev(tall)}, {"fwd", nabla.JacobianFwd(tall)}, {"auto", nabla.Jacobian(tall)}} {
		b.Run("10to100/"+m.name, func(b *testing.B) {
			for b.Loop() {
				m.jac(x10)
			}
		})
	}
}

// Anomaly mode off costs one atomic load per op; on, every op's output and
// every gradient is scanned for NaN and Inf and each node records its caller.
// Forward and backward through 20 ops on small tensors, where per-op overhead
// shows most, and through Σ x²·sin x at n = 10⁵.
func benchmarkAnomaly(b *testing.B, on bool) {
	prev := nabla.SetAnomalyDetection(on)
	defer nabla.SetAnomalyDetection(prev)
	b.Run("chain20", func(b *testing.B) {
		x := nabla.FromSlice([]float64{0.3, 0.7}).SetRequiresGrad(true)
		for b.Loop() {
			x.ZeroGrad()
			y := x
			for range 10 {
				y = nabla.Tanh(nabla.Mul(y, x))
			}
			nabla.Sum(y).Backward()
		}
	})
	b.Run("n=1e5", func(b *testing.B) {
		x := nabla.Uniform(nabla.NewRand(1), -3, 3, 100_000).SetRequiresGrad(true)
		for b.Loop() {
			x.ZeroGrad()
			sumX2SinX(x).Backward()
		}
	})
}

func BenchmarkAnomalyOff(b *testing.B) { benchmarkAnomaly(b, false) }

func BenchmarkAnomalyOn(b *testing.B) { benchmarkAnomaly(b, true) }
