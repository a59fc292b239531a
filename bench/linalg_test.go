package bench

import (
	"math"
	"testing"

	"github.com/nabla-go/nabla"
	"gonum.org/v1/gonum/mat"
)

// linalgInputs returns a well-conditioned n×n matrix (n·I + U(−1, 1)), a
// right-hand side, and an SPD matrix (X·Xᵀ/n + I).
func linalgInputs(n int) (a, b, s *nabla.Tensor) {
	r := nabla.NewRand(uint64(n) + 7)
	a = nabla.Add(nabla.Uniform(r, -1, 1, n, n), nabla.MulScalar(nabla.Eye(n), float64(n)))
	b = nabla.Uniform(r, -1, 1, n)
	x := nabla.Uniform(r, -1, 1, n, n)
	s = nabla.Add(nabla.MulScalar(nabla.MatMulT(x, x, false, true), 1/float64(n)), nabla.Eye(n))
	return a, b, s
}

// TestLinalg checks nabla.Solve and nabla.Cholesky against gonum's mat on
// the benchmarks' inputs.
func TestLinalg(t *testing.T) {
	n := LinalgN
	a, b, s := linalgInputs(n)
	want, err := GonumSolve(mat.NewDense(n, n, a.Float64s()), mat.NewVecDense(n, b.Float64s()))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range nabla.Solve(a, b).Float64s() {
		if math.Abs(v-want.AtVec(i)) > 1e-12 {
			t.Fatalf("solve: x[%d] = %v, gonum %v", i, v, want.AtVec(i))
		}
	}
	var c mat.Cholesky
	if !GonumCholesky(&c, mat.NewSymDense(n, s.Float64s())) {
		t.Fatal("gonum: not positive definite")
	}
	var l mat.TriDense
	c.LTo(&l)
	got := nabla.Cholesky(s)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if d := math.Abs(got.At(i, j) - l.At(i, j)); d > 1e-12 {
				t.Fatalf("cholesky: L[%d,%d] = %v, gonum %v", i, j, got.At(i, j), l.At(i, j))
			}
		}
	}
}

// BenchmarkLinalg times, at n = 512, a linear solve with one right-hand side
// and a Cholesky factorisation: nabla's forward pass against gonum's mat,
// and nabla's gradient (forward and backward pass of Σx or ΣL with respect to
// all inputs).
func BenchmarkLinalg(b *testing.B) {
	n := LinalgN
	a, rhs, s := linalgInputs(n)
	b.Run("solve/nabla", func(b *testing.B) {
		for b.Loop() {
			nabla.Solve(a, rhs)
		}
	})
	b.Run("solve/gonum", func(b *testing.B) {
		am, bv := mat.NewDense(n, n, a.Float64s()), mat.NewVecDense(n, rhs.Float64s())
		for b.Loop() {
			if _, err := GonumSolve(am, bv); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("solve-gradient/nabla", func(b *testing.B) {
		av, bv := a.Detach().SetRequiresGrad(true), rhs.Detach().SetRequiresGrad(true)
		for b.Loop() {
			av.ZeroGrad()
			bv.ZeroGrad()
			nabla.Sum(nabla.Solve(av, bv)).Backward()
		}
	})
	b.Run("cholesky/nabla", func(b *testing.B) {
		for b.Loop() {
			nabla.Cholesky(s)
		}
	})
	b.Run("cholesky/gonum", func(b *testing.B) {
		sm := mat.NewSymDense(n, s.Float64s())
		var c mat.Cholesky
		for b.Loop() {
			if !GonumCholesky(&c, sm) {
				b.Fatal("not positive definite")
			}
		}
	})
	b.Run("cholesky-gradient/nabla", func(b *testing.B) {
		sv := s.Detach().SetRequiresGrad(true)
		for b.Loop() {
			sv.ZeroGrad()
			nabla.Sum(nabla.Cholesky(sv)).Backward()
		}
	})
}
