package bench

import (
	"math"
	"testing"

	"github.com/nabla-go/nabla"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

func hessianInput() *nabla.Tensor { return nabla.Uniform(nabla.NewRand(4), -2, 2, HessianN) }

// rosenbrockPairsHess returns the analytic Hessian of the disjoint-pairs
// extended Rosenbrock, row-major n×n. It is block diagonal: for the pair
// (u, v) = (x₂ᵢ₋₁, x₂ᵢ) of the term 100(v − u²)² + (1 − u)²,
//
//	∂²/∂u² = 1200u² − 400v + 2,  ∂²/∂u∂v = −400u,  ∂²/∂v² = 200.
func rosenbrockPairsHess(x []float64) []float64 {
	n := len(x)
	h := make([]float64, n*n)
	for i := 0; i < n; i += 2 {
		u, v := x[i], x[i+1]
		h[i*n+i] = 1200*u*u - 400*v + 2
		h[i*n+i+1] = -400 * u
		h[(i+1)*n+i] = -400 * u
		h[(i+1)*n+i+1] = 200
	}
	return h
}

// fdHessian is gonum's central-difference Hessian of the hand-written
// function, into h.
func fdHessian(h *mat.SymDense, x []float64) {
	fd.Hessian(h, RosenbrockPairsFunc, x, &fd.Settings{Formula: fd.Central})
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// TestHessian checks both Hessians against the analytic one and logs the
// largest absolute error of each (the entries are of order 10³). nabla's is
// exact up to rounding; central differences are not.
func TestHessian(t *testing.T) {
	x := hessianInput()
	want := rosenbrockPairsHess(x.Float64s())
	got := NablaRosenbrockHessian()(x).Float64s()
	for _, hess := range []nabla.Func{nabla.Compile(NablaRosenbrockHessian()), nabla.Compile(NablaRosenbrockHessianRev())} {
		for range 2 { // traced, then replayed
			if d := maxAbsDiff(hess(x).Float64s(), want); d > 1e-10 {
				t.Errorf("compiled Hessian off by %g", d)
			}
		}
	}
	h := mat.NewSymDense(HessianN, nil)
	fdHessian(h, x.Float64s())
	fdh := mat.DenseCopyOf(h).RawMatrix().Data
	ad, num := maxAbsDiff(got, want), maxAbsDiff(fdh, want)
	t.Logf("max abs error against the analytic Hessian: nabla %.2g, central differences %.2g", ad, num)
	if ad > 1e-10 {
		t.Errorf("nabla's Hessian is off by %g", ad)
	}
	if num > 1 {
		t.Errorf("central differences are off by %g", num)
	}
}

// BenchmarkRosenbrockHessian times the full Hessian of the disjoint-pairs
// extended Rosenbrock at n = 100: nabla.Hessian (forward over reverse)
// against gonum's diff/fd.Hessian (central differences of the hand-written
// function). TestHessian logs the accuracy of each.
func BenchmarkRosenbrockHessian(b *testing.B) {
	x := hessianInput()
	b.Run("n=100/nabla", func(b *testing.B) {
		hess := NablaRosenbrockHessian()
		for b.Loop() {
			hess(x)
		}
	})
	b.Run("n=100/gonum", func(b *testing.B) {
		h, xs := mat.NewSymDense(HessianN, nil), x.Float64s()
		for b.Loop() {
			fdHessian(h, xs)
		}
	})
	// The same Hessians compiled: traced once, the 100 forward-over-reverse
	// passes (or reverse-over-reverse rows) replayed as one program.
	for _, v := range []struct {
		name string
		hess nabla.Func
	}{{"compiled", nabla.Compile(NablaRosenbrockHessian())}, {"rev-over-rev-compiled", nabla.Compile(NablaRosenbrockHessianRev())}} {
		b.Run("n=100-"+v.name+"/nabla", func(b *testing.B) {
			for b.Loop() {
				v.hess(x)
			}
		})
		b.Run("n=100-"+v.name+"/gonum", func(b *testing.B) {
			h, xs := mat.NewSymDense(HessianN, nil), x.Float64s()
			for b.Loop() {
				fdHessian(h, xs)
			}
		})
	}
}
