package nabla_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/gradcheck"
)

// Inputs the linear-algebra tests draw: well-conditioned, SPD, and with
// separated eigenvalues and singular values, in float64.

func wellCond(seed uint64, n int, batch ...int) *nabla.Tensor {
	x := nabla.Uniform(nabla.NewRand(seed), -1, 1, append(append([]int(nil), batch...), n, n)...)
	return nabla.Add(x, nabla.MulScalar(nabla.Eye(n), float64(n))).Detach()
}

func spdMat(seed uint64, n int, batch ...int) *nabla.Tensor {
	x := nabla.Uniform(nabla.NewRand(seed), -1, 1, append(append([]int(nil), batch...), n, n)...)
	return nabla.Add(nabla.MulScalar(nabla.MatMulT(x, x, false, true), 1/float64(n)), nabla.Eye(n)).Detach()
}

// spreadMat is an m×n matrix whose singular values are near n, n−1, …, 1.
func spreadMat(seed uint64, m, n int, batch ...int) *nabla.Tensor {
	x := nabla.Uniform(nabla.NewRand(seed), -0.2, 0.2, append(append([]int(nil), batch...), m, n)...)
	d := make([]float64, m*n)
	for i := 0; i < min(m, n); i++ {
		d[i*n+i] = float64(min(m, n) - i)
	}
	return nabla.Add(x, nabla.FromSlice(d, m, n)).Detach()
}

// linalgFns are the public linear-algebra functions as Funcs of their
// differentiated inputs, with the inputs they are checked at (composites and
// wide shapes included: the registry test walks the primitives).
func linalgFns() []struct {
	name   string
	f      nabla.Func
	inputs []*nabla.Tensor
} {
	sum := func(ts ...*nabla.Tensor) *nabla.Tensor {
		flat := make([]*nabla.Tensor, len(ts))
		for i, t := range ts {
			flat[i] = nabla.Flatten(t)
		}
		return nabla.Concat(0, flat...)
	}
	r := nabla.NewRand(3)
	return []struct {
		name   string
		f      nabla.Func
		inputs []*nabla.Tensor
	}{
		{"Solve/broadcast", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Solve(xs[0], xs[1]) },
			[]*nabla.Tensor{wellCond(1, 3, 2), nabla.Uniform(r, -1, 1, 3, 2)}},
		{"Solve/vector", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Solve(xs[0], xs[1]) },
			[]*nabla.Tensor{wellCond(2, 3), nabla.Uniform(r, -1, 1, 3)}},
		{"SolveT", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.SolveT(xs[0], xs[1]) },
			[]*nabla.Tensor{wellCond(2, 3), nabla.Uniform(r, -1, 1, 3, 2)}},
		{"Inv/batch", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Inv(xs[0]) },
			[]*nabla.Tensor{wellCond(3, 3, 2)}},
		{"Det/batch", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Det(xs[0]) },
			[]*nabla.Tensor{wellCond(4, 3, 2)}},
		{"Slogdet", func(xs ...*nabla.Tensor) *nabla.Tensor {
			s, l := nabla.Slogdet(xs[0])
			return nabla.Mul(s, l)
		}, []*nabla.Tensor{nabla.Neg(wellCond(5, 3))}},
		{"Cholesky/batch", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Cholesky(xs[0]) },
			[]*nabla.Tensor{spdMat(6, 3, 2)}},
		{"CholeskySolve", func(xs ...*nabla.Tensor) *nabla.Tensor {
			return nabla.CholeskySolve(nabla.Cholesky(xs[0]), xs[1])
		}, []*nabla.Tensor{spdMat(7, 3), nabla.Uniform(r, -1, 1, 3, 2)}},
		{"TriangularSolve/broadcast", func(xs ...*nabla.Tensor) *nabla.Tensor {
			return nabla.TriangularSolve(xs[0], xs[1], true, false)
		}, []*nabla.Tensor{wellCond(8, 3), nabla.Uniform(r, -1, 1, 2, 3, 2)}},
		{"QR/tall", func(xs ...*nabla.Tensor) *nabla.Tensor { return sum(nabla.QR(xs[0])) },
			[]*nabla.Tensor{spreadMat(9, 4, 3)}},
		{"QR/wide", func(xs ...*nabla.Tensor) *nabla.Tensor { return sum(nabla.QR(xs[0])) },
			[]*nabla.Tensor{spreadMat(10, 2, 3)}},
		{"Eigh/batch", func(xs ...*nabla.Tensor) *nabla.Tensor { return sum(nabla.Eigh(xs[0])) },
			[]*nabla.Tensor{nabla.Add(spreadMat(11, 3, 3, 2), nabla.Transpose(spreadMat(11, 3, 3, 2), -1, -2))}},
		{"SVD/tall", func(xs ...*nabla.Tensor) *nabla.Tensor { return sum(nabla.SVD(xs[0])) },
			[]*nabla.Tensor{spreadMat(12, 4, 3)}},
		{"SVD/wide-batch", func(xs ...*nabla.Tensor) *nabla.Tensor { return sum(nabla.SVD(xs[0])) },
			[]*nabla.Tensor{spreadMat(13, 2, 3, 2)}},
		{"Lstsq/tall", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Lstsq(xs[0], xs[1]) },
			[]*nabla.Tensor{spreadMat(14, 4, 2), nabla.Uniform(r, -1, 1, 4, 2)}},
		{"Lstsq/wide", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Lstsq(xs[0], xs[1]) },
			[]*nabla.Tensor{spreadMat(15, 2, 3), nabla.Uniform(r, -1, 1, 2)}},
		{"MatrixPower/3", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.MatrixPower(xs[0], 3) },
			[]*nabla.Tensor{nabla.Uniform(r, -1, 1, 3, 3)}},
		{"MatrixExp/batch", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.MatrixExp(xs[0]) },
			[]*nabla.Tensor{nabla.Uniform(r, -1, 1, 2, 3, 3)}},
		{"MatrixPower/-2", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.MatrixPower(xs[0], -2) },
			[]*nabla.Tensor{wellCond(16, 3)}},
	}
}

// TestLinalgGradients checks every public linear-algebra function, the
// composed ones and the wide and broadcast shapes included, to first and
// second order against finite differences in float64.
func TestLinalgGradients(t *testing.T) {
	for _, c := range linalgFns() {
		t.Run(c.name, func(t *testing.T) {
			if err := gradcheck.Check(c.f, c.inputs, nil); err != nil {
				t.Errorf("first order: %v", err)
			}
			if err := gradcheck.CheckSecondOrder(c.f, c.inputs, &gradcheck.Options{Seed: 5}); err != nil {
				t.Errorf("second order: %v", err)
			}
		})
	}
}

// TestLinalgFloat32Derivatives computes each function's gradient, its
// forward-mode tangent and a Hessian-vector product in float32 (the
// factorisations run in float64 and are rounded) and compares them with
// float64's, to float32's accuracy.
func TestLinalgFloat32Derivatives(t *testing.T) {
	for _, c := range linalgFns() {
		t.Run(c.name, func(t *testing.T) {
			r := nabla.NewRand(9)
			w := nabla.Uniform(r, -1, 1, c.f(c.inputs...).Shape()...)
			dirs := make([]*nabla.Tensor, len(c.inputs))
			for i, x := range c.inputs {
				dirs[i] = nabla.Uniform(r, -1, 1, x.Shape()...)
			}
			run := func(dt nabla.DType) (out []*nabla.Tensor) {
				xs, vs := make([]*nabla.Tensor, len(c.inputs)), make([]*nabla.Tensor, len(c.inputs))
				for i := range xs {
					xs[i], vs[i] = c.inputs[i].As(dt), dirs[i].As(dt)
				}
				wd := w.As(dt)
				loss := func(ys ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Mul(c.f(ys...), wd)) }
				all := make([]int, len(xs))
				for i := range all {
					all[i] = i
				}
				_, gs := nabla.ValueAndGrad(loss, all...)(xs...)
				_, tangent := nabla.JVP(c.f, xs, vs)
				out = append(append(gs, tangent), nabla.HVP(loss, xs, vs)...)
				return out
			}
			want, got := run(nabla.Float64), run(nabla.Float32)
			for k := range want {
				if got[k].DType() != nabla.Float32 {
					t.Fatalf("result %d is %s", k, got[k].DType())
				}
				w64, g32 := want[k].Float64s(), got[k].Float64s()
				scale := 0.0
				for _, v := range w64 {
					scale = math.Max(scale, math.Abs(v))
				}
				for i := range w64 {
					if math.Abs(g32[i]-w64[i]) > 1e-4*(1+scale) {
						t.Errorf("result %d element %d: float32 %v, float64 %v", k, i, g32[i], w64[i])
					}
				}
			}
		})
	}
}

// TestLinalgFactorisations checks what each factorisation promises: the
// product of the factors is the input, the factors have their shapes,
// triangles and orthonormal columns.
func TestLinalgFactorisations(t *testing.T) {
	eye := func(n int) *nabla.Tensor { return nabla.Eye(n) }
	near := func(name string, got, want *nabla.Tensor) {
		t.Helper()
		if !slices.Equal(got.Shape(), want.Shape()) {
			t.Fatalf("%s: shape %v, want %v", name, got.Shape(), want.Shape())
		}
		g, w := got.Float64s(), want.Float64s()
		for i := range g {
			if math.Abs(g[i]-w[i]) > 1e-12*(1+math.Abs(w[i])) {
				t.Fatalf("%s: element %d = %v, want %v", name, i, g[i], w[i])
			}
		}
	}
	mT := func(x *nabla.Tensor) *nabla.Tensor { return nabla.Transpose(x, -1, -2) }

	a := wellCond(1, 4, 2)
	b := nabla.Uniform(nabla.NewRand(2), -1, 1, 2, 4, 3)
	near("A·Solve(A, B)", nabla.MatMul(a, nabla.Solve(a, b)), b)
	near("Aᵀ·SolveT(A, B)", nabla.MatMul(mT(a), nabla.SolveT(a, b)), b)
	near("A·Inv(A)", nabla.MatMul(a, nabla.Inv(a)), nabla.Expand(eye(4), 2, 4, 4))
	near("Det(A)·Det(Inv(A))", nabla.Mul(nabla.Det(a), nabla.Det(nabla.Inv(a))), nabla.Ones(2))
	sign, logabs := nabla.Slogdet(a)
	near("sign·exp(logabsdet)", nabla.Mul(sign, nabla.Exp(logabs)), nabla.Det(a))

	s := spdMat(3, 4, 2)
	l := nabla.Cholesky(s)
	near("L·Lᵀ", nabla.MatMulT(l, l, false, true), s)
	near("L lower", nabla.Mul(l, nabla.FromSlice([]float64{0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0}, 4, 4)), nabla.Zeros(2, 4, 4))
	near("CholeskySolve", nabla.MatMul(s, nabla.CholeskySolve(l, b)), b)

	for _, shape := range [][2]int{{5, 3}, {3, 3}, {2, 4}} {
		m, n := shape[0], shape[1]
		k := min(m, n)
		x := nabla.Uniform(nabla.NewRand(4), -1, 1, 2, m, n)
		q, r := nabla.QR(x)
		near("Q·R", nabla.MatMul(q, r), x)
		near("QᵀQ", nabla.MatMulT(q, q, true, false), nabla.Expand(eye(k), 2, k, k))
		u, sv, vh := nabla.SVD(x)
		near("U·diag(s)·Vh", nabla.MatMul(nabla.Mul(u, nabla.Unsqueeze(sv, -2)), vh), x)
		near("UᵀU", nabla.MatMulT(u, u, true, false), nabla.Expand(eye(k), 2, k, k))
		near("Vh·Vhᵀ", nabla.MatMulT(vh, vh, false, true), nabla.Expand(eye(k), 2, k, k))
		if sv.At(0, 0) < sv.At(0, k-1) {
			t.Errorf("singular values %v are not descending", sv)
		}
	}

	sym := nabla.Add(s, nabla.Uniform(nabla.NewRand(5), -0.5, 0.5, 2, 4, 4)) // not symmetric: Eigh reads its symmetric part
	lam, v := nabla.Eigh(sym)
	half := nabla.MulScalar(nabla.Add(sym, mT(sym)), 0.5)
	near("S·V = V·diag(λ)", nabla.MatMul(half, v), nabla.Mul(v, nabla.Unsqueeze(lam, -2)))
	near("VᵀV", nabla.MatMulT(v, v, true, false), nabla.Expand(eye(4), 2, 4, 4))
	if lam.At(1, 0) > lam.At(1, 3) {
		t.Errorf("eigenvalues %v are not ascending", lam)
	}
}

// The normal equations hold at a least-squares solution, and the
// minimum-norm solution of a wide system solves it exactly.
func TestLstsq(t *testing.T) {
	r := nabla.NewRand(6)
	a, b := nabla.Uniform(r, -1, 1, 6, 3), nabla.Uniform(r, -1, 1, 6, 2)
	x := nabla.Lstsq(a, b)
	res := nabla.MatMulT(a, nabla.Sub(nabla.MatMul(a, x), b), true, false)
	for i, v := range res.Float64s() {
		if math.Abs(v) > 1e-12 {
			t.Errorf("Aᵀ(AX − B) element %d = %v", i, v)
		}
	}
	w, c := nabla.Uniform(r, -1, 1, 2, 5), nabla.Uniform(r, -1, 1, 2)
	y := nabla.Lstsq(w, c)
	for i, v := range nabla.Sub(nabla.MatMul(w, y), c).Float64s() {
		if math.Abs(v) > 1e-12 {
			t.Errorf("wide: (AX − B) element %d = %v", i, v)
		}
	}
	// Minimum norm: y is in the row space of w, y = wᵀ·z.
	z := nabla.Solve(nabla.MatMulT(w, w, false, true), c)
	for i, v := range nabla.Sub(y, nabla.MatMul(nabla.Transpose(w, 0, 1), z)).Float64s() {
		if math.Abs(v) > 1e-12 {
			t.Errorf("wide: not the minimum-norm solution, element %d off by %v", i, v)
		}
	}
}

// TestSlogdetHessian compares the Hessian of log det at a 3×3 SPD matrix with
// its closed form: ∂²/∂A_ij∂A_kl log det A = −(A⁻¹)_li·(A⁻¹)_jk.
func TestSlogdetHessian(t *testing.T) {
	a := spdMat(21, 3)
	logdet := func(xs ...*nabla.Tensor) *nabla.Tensor { _, l := nabla.Slogdet(xs[0]); return l }
	h := nabla.Hessian(logdet)(a)
	if !slices.Equal(h.Shape(), []int{3, 3, 3, 3}) {
		t.Fatalf("Hessian of shape %v", h.Shape())
	}
	inv := nabla.Inv(a)
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				for l := 0; l < 3; l++ {
					want := -inv.At(l, i) * inv.At(j, k)
					if got := h.At(i, j, k, l); math.Abs(got-want) > 1e-12 {
						t.Errorf("H[%d,%d,%d,%d] = %v, want %v", i, j, k, l, got, want)
					}
				}
			}
		}
	}
}

// Misuse and singular inputs panic with an *Error naming the op and the
// caller's line; Det and Slogdet of a singular matrix are 0 and (0, −Inf),
// as in PyTorch.
func TestLinalgErrors(t *testing.T) {
	singular := nabla.FromSlice([]float64{1, 2, 2, 4}, 2, 2)
	notSPD := nabla.FromSlice([]float64{1, 2, 2, 1}, 2, 2)
	batch := nabla.Stack(0, nabla.Eye(2), singular)
	cases := []struct {
		name, op, msg string
		f             func()
	}{
		{"solve-singular", "solve", "singular", func() { nabla.Solve(singular, nabla.Ones(2)) }},
		{"solve-batch-names-matrix", "solve", "matrix [1] of the batch", func() { nabla.Solve(batch, nabla.Ones(2, 2, 1)) }},
		{"inv-singular", "inv", "singular", func() { nabla.Inv(singular) }},
		{"cholesky-not-spd", "cholesky", "not positive definite", func() { nabla.Cholesky(notSPD) }},
		{"solve-shapes", "solve", "(3, 3) and B of shape (2, 1)", func() { nabla.Solve(nabla.Eye(3), nabla.Ones(2, 1)) }},
		{"solve-not-square", "solve", "not square", func() { nabla.Solve(nabla.Ones(2, 3), nabla.Ones(2)) }},
		{"det-vector", "det", "not a matrix", func() { nabla.Det(nabla.Ones(3)) }},
		{"triangular-zero-diagonal", "triangular_solve", "diagonal element 1 is 0",
			func() {
				nabla.TriangularSolve(nabla.FromSlice([]float64{1, 0, 1, 0}, 2, 2), nabla.Ones(2, 1), false, false)
			}},
		{"lstsq-shapes", "lstsq", "want A (..., m, n)", func() { nabla.Lstsq(nabla.Ones(3, 2), nabla.Ones(2, 1)) }},
		{"det-gradient-singular", "inv (in the derivative of Det)", "singular", func() {
			x := singular.Clone().SetRequiresGrad(true)
			nabla.Det(x).Backward()
		}},
		{"eigh-repeated-eigenvectors", "eigh", "eigenvalues 0 and 1 of the matrix coincide", func() {
			x := nabla.Eye(3).SetRequiresGrad(true)
			_, v := nabla.Eigh(x)
			nabla.Sum(nabla.Mul(v, nabla.Uniform(nabla.NewRand(1), -1, 1, 3, 3))).Backward()
		}},
		{"svd-repeated", "svd", "coincide", func() {
			x := nabla.Eye(2).SetRequiresGrad(true)
			u, _, _ := nabla.SVD(x)
			nabla.Sum(nabla.Mul(u, nabla.FromSlice([]float64{1, 2, 3, 4}, 2, 2))).Backward()
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := nabla.Catch(c.f)
			var e *nabla.Error
			if !errors.As(err, &e) {
				t.Fatalf("no *nabla.Error: %v", err)
			}
			if e.Op != c.op || !strings.Contains(e.Msg, c.msg) || !strings.Contains(e.Where, "linalg_test.go:") {
				t.Errorf("got %v; want op %q, a message with %q, at linalg_test.go", err, c.op, c.msg)
			}
		})
	}

	if d := nabla.Det(singular).Item(); d != 0 {
		t.Errorf("Det of a singular matrix = %v, want 0", d)
	}
	s, l := nabla.Slogdet(singular)
	if s.Item() != 0 || !math.IsInf(l.Item(), -1) {
		t.Errorf("Slogdet of a singular matrix = (%v, %v), want (0, -Inf)", s.Item(), l.Item())
	}
	// A function of the eigenvalues alone is differentiable at a repeated
	// eigenvalue: the gradient of Σλ is the identity.
	x := nabla.Eye(3).SetRequiresGrad(true)
	lam, _ := nabla.Eigh(x)
	nabla.Sum(lam).Backward()
	for i, g := range x.Grad().Float64s() {
		if want := float64(boolToInt(i%4 == 0)); math.Abs(g-want) > 1e-15 {
			t.Errorf("∂Σλ/∂A element %d = %v, want %v", i, g, want)
		}
	}
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The ops keep no shared workspace: many goroutines factorising and
// differentiating at once get the results one goroutine gets (run with -race).
func TestLinalgConcurrent(t *testing.T) {
	a := spdMat(31, 5)
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		_, l := nabla.Slogdet(xs[0])
		lam, _ := nabla.Eigh(xs[0])
		_, s, _ := nabla.SVD(xs[0])
		q, _ := nabla.QR(xs[0])
		return nabla.Add(nabla.Add(l, nabla.Sum(nabla.Solve(nabla.Cholesky(xs[0]), nabla.Sum(q, 1)))), nabla.Sum(nabla.Mul(lam, s)))
	}
	want := nabla.Grad(f)(a).Float64s()
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 5; k++ {
				got := nabla.Grad(f)(a).Float64s()
				for i := range got {
					if got[i] != want[i] {
						errs <- "a goroutine's gradient differs"
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// Compiled functions replay the linear-algebra ops and their rules: the
// gradient of a compiled function through every primitive matches the
// eager one at inputs other than the traced ones.
func TestLinalgCompiled(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		a := xs[0]
		_, ld := nabla.Slogdet(a)
		lam, _ := nabla.Eigh(a)
		_, s, _ := nabla.SVD(a)
		q, _ := nabla.QR(a)
		x := nabla.Solve(nabla.Cholesky(a), nabla.Sum(q, 1))
		terms := []*nabla.Tensor{ld, nabla.Sum(x), nabla.Sum(nabla.Mul(lam, s)), nabla.Sum(nabla.MatrixExp(nabla.MulScalar(a, 0.1))),
			nabla.Sum(nabla.Inv(a)), nabla.Det(a), nabla.Sum(nabla.Lstsq(a, nabla.Sum(a, 0)))}
		out := terms[0]
		for _, t := range terms[1:] {
			out = nabla.Add(out, t)
		}
		return out
	}
	compiled := nabla.CompileValueAndGrad(f)
	for seed := uint64(40); seed < 43; seed++ {
		a := spdMat(seed, 4)
		v, gs := compiled(a)
		wv, wgs := nabla.ValueAndGrad(f)(a)
		if math.Abs(v.Item()-wv.Item()) > 1e-12*math.Abs(wv.Item()) {
			t.Errorf("seed %d: compiled value %v, eager %v", seed, v.Item(), wv.Item())
		}
		g, w := gs[0].Float64s(), wgs[0].Float64s()
		for i := range g {
			if math.Abs(g[i]-w[i]) > 1e-10*(1+math.Abs(w[i])) {
				t.Fatalf("seed %d: compiled gradient element %d = %v, eager %v", seed, i, g[i], w[i])
			}
		}
	}
}

// Empty matrices and empty batches give empty results of the right shapes,
// and the determinant of a 0×0 matrix is 1, as in PyTorch.
func TestLinalgEmpty(t *testing.T) {
	for _, sh := range [][]int{{0, 0}, {0, 3, 3}, {2, 0, 0}} {
		a := nabla.Zeros(sh...)
		batch := sh[:len(sh)-2]
		check := func(name string, got *nabla.Tensor, want ...int) {
			t.Helper()
			if !slices.Equal(got.Shape(), want) {
				t.Errorf("%v: %s has shape %v, want %v", sh, name, got.Shape(), want)
			}
		}
		check("Solve", nabla.Solve(a, nabla.Zeros(append(sh[:len(sh)-1:len(sh)-1], 1)...)), append(sh[:len(sh)-1:len(sh)-1], 1)...)
		check("Inv", nabla.Inv(a), sh...)
		check("Cholesky", nabla.Cholesky(a), sh...)
		check("MatrixExp", nabla.MatrixExp(a), sh...)
		lam, v := nabla.Eigh(a)
		check("Eigh values", lam, sh[:len(sh)-1]...)
		check("Eigh vectors", v, sh...)
		_, s, _ := nabla.SVD(a)
		check("SVD values", s, sh[:len(sh)-1]...)
		d := nabla.Det(a)
		check("Det", d, batch...)
		for _, x := range d.Float64s() {
			if x != 1 {
				t.Errorf("%v: Det of an empty matrix = %v, want 1", sh, x)
			}
		}
	}
}
