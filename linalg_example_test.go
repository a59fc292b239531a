package nabla_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/nabla-go/nabla"
)

func ExampleSolve() {
	a := nabla.FromSlice([]float64{3, 1, 1, 2}, 2, 2)
	b := nabla.FromSlice([]float64{9, 8}, 2)
	x := nabla.Solve(a, b) // 3x + y = 9, x + 2y = 8
	fmt.Println(x)
	// Output: tensor([2., 3.])
}

// The gradient of a solve is another solve, with the transpose: for
// L = Σ Solve(A, b), ∂b = A⁻ᵀ·1 and ∂A = −∂b·xᵀ.
func ExampleSolve_gradient() {
	a := nabla.FromSlice([]float64{3, 1, 1, 2}, 2, 2).SetRequiresGrad(true)
	b := nabla.FromSlice([]float64{9, 8}, 2).SetRequiresGrad(true)
	nabla.Sum(nabla.Solve(a, b)).Backward()
	fmt.Println(b.Grad())
	fmt.Println(a.Grad())
	// Output:
	// tensor([0.2000, 0.4000])
	// tensor([[-0.4000, -0.6000],
	//         [-0.8000, -1.2000]])
}

func ExampleCholesky() {
	a := nabla.FromSlice([]float64{4, 2, 2, 5}, 2, 2)
	l := nabla.Cholesky(a)
	fmt.Println(l)
	fmt.Println(nabla.CholeskySolve(l, nabla.FromSlice([]float64{6, 7}, 2, 1)))
	// Output:
	// tensor([[2., 0.],
	//         [1., 2.]])
	// tensor([[1.],
	//         [1.]])
}

func ExampleSlogdet() {
	a := nabla.FromSlice([]float64{0, 2, 3, 1}, 2, 2) // det = −6
	sign, logabs := nabla.Slogdet(a)
	fmt.Printf("sign %v, log|det| %.4f = log 6\n", sign.Item(), logabs.Item())
	fmt.Println(nabla.Det(a))
	// Output:
	// sign -1, log|det| 1.7918 = log 6
	// tensor(-6.)
}

func ExampleEigh() {
	a := nabla.FromSlice([]float64{2, 1, 1, 2}, 2, 2)
	lam, v := nabla.Eigh(a)
	fmt.Println(lam)
	// Eigenvectors are defined up to sign: print their absolute values.
	fmt.Println(nabla.Abs(v))
	// Output:
	// tensor([1., 3.])
	// tensor([[0.7071, 0.7071],
	//         [0.7071, 0.7071]])
}

func ExampleSVD() {
	a := nabla.FromSlice([]float64{3, 0, 0, 0, -2, 0}, 2, 3)
	u, s, vh := nabla.SVD(a)
	fmt.Println(s)
	fmt.Println(u.Shape(), vh.Shape())
	// Output:
	// tensor([3., 2.])
	// [2 2] [2 3]
}

func ExampleLstsq() {
	// The line y = c₀ + c₁·t through (0, 1), (1, 3), (2, 4), least squares.
	a := nabla.FromSlice([]float64{1, 0, 1, 1, 1, 2}, 3, 2)
	y := nabla.FromSlice([]float64{1, 3, 4}, 3)
	fmt.Println(nabla.Lstsq(a, y))
	// Output: tensor([1.1667, 1.5000])
}

func ExampleInv() {
	a := nabla.FromSlice([]float64{4, 7, 2, 6}, 2, 2)
	fmt.Println(nabla.Inv(a))
	// Output:
	// tensor([[ 0.6000, -0.7000],
	//         [-0.2000,  0.4000]])
}

func ExampleTriangularSolve() {
	l := nabla.FromSlice([]float64{2, 0, 1, 4}, 2, 2) // lower triangular
	b := nabla.FromSlice([]float64{4, 10}, 2, 1)
	fmt.Println(nabla.TriangularSolve(l, b, false, false))
	// Output:
	// tensor([[2.],
	//         [2.]])
}

func ExampleQR() {
	a := nabla.FromSlice([]float64{3, 1, 4, 2}, 2, 2)
	q, r := nabla.QR(a)
	fmt.Println(r) // LAPACK's signs: R's diagonal may be negative, as in PyTorch
	fmt.Printf("max |Q·R − A| < 1e-15: %v\n", nabla.Max(nabla.Abs(nabla.Sub(nabla.MatMul(q, r), a))).Item() < 1e-15)
	// Output:
	// tensor([[-5.0000, -2.2000],
	//         [ 0.0000,  0.4000]])
	// max |Q·R − A| < 1e-15: true
}

func ExampleMatrixPower() {
	fib := nabla.FromSlice([]float64{1, 1, 1, 0}, 2, 2)
	fmt.Println(nabla.MatrixPower(fib, 10)) // Fibonacci numbers F₁₁, F₁₀, F₉
	// Output:
	// tensor([[89., 55.],
	//         [55., 34.]])
}

func ExampleMatrixExp() {
	// exp of the generator of rotations is the rotation by one radian.
	a := nabla.FromSlice([]float64{0, -1, 1, 0}, 2, 2)
	fmt.Println(nabla.MatrixExp(a))
	// Output:
	// tensor([[ 0.5403, -0.8415],
	//         [ 0.8415,  0.5403]])
}

// rosenbrock is (1 − x)² + 100·(y − x²)².
func rosenbrock(xs ...*nabla.Tensor) *nabla.Tensor {
	x, y := nabla.Index(xs[0], 0), nabla.Index(xs[0], 1)
	return nabla.Add(nabla.Square(nabla.RSub(1, x)), nabla.MulScalar(nabla.Square(nabla.Sub(y, nabla.Square(x))), 100))
}

// Newton's method, x ← x − H⁻¹·∇f, with nabla's gradient and Hessian and a
// linear solve (never the inverse): on Rosenbrock's function from
// (−1.2, 1) it reaches the minimum (1, 1) in six steps.
func Example_newton() {
	grad, hess := nabla.Grad(rosenbrock), nabla.Hessian(rosenbrock)
	x := nabla.FromSlice([]float64{-1.2, 1})
	for step := 1; step <= 6; step++ {
		x = nabla.Sub(x, nabla.Solve(hess(x), grad(x)))
		f := fmt.Sprintf("%.3g", rosenbrock(x).Item())
		if rosenbrock(x).Item() < 1e-9 {
			f = "< 1e-9"
		}
		fmt.Printf("step %d: x = (%.6f, %.6f), f %s\n", step, x.At(0), x.At(1), f)
	}
	// Output:
	// step 1: x = (-1.175281, 1.380674), f 4.73
	// step 2: x = (0.763115, -3.175034), f 1.41e+03
	// step 3: x = (0.763430, 0.582825), f 0.056
	// step 4: x = (0.999995, 0.944027), f 0.313
	// step 5: x = (0.999996, 0.999991), f < 1e-9
	// step 6: x = (1.000000, 1.000000), f < 1e-9
}

// TestTaylorSecondOrder is the seed's Taylor check: with the gradient g and
// the Hessian H from nabla, f(x + d) − (f + g·d + ½dᵀHd) shrinks as |d|³:
// halving d divides it by about 8.
func TestTaylorSecondOrder(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		// a smooth function whose third derivative is nonzero, with a log det
		// so that the check goes through the linear algebra too
		x := xs[0]
		m := nabla.Reshape(x, 2, 2)
		spd := nabla.Add(nabla.MatMulT(m, m, false, true), nabla.Eye(2))
		_, ld := nabla.Slogdet(spd)
		return nabla.Add(nabla.Add(rosenbrock(x), nabla.Sum(nabla.Sin(x))), ld)
	}
	x := nabla.FromSlice([]float64{0.3, -0.7, 1.1, 0.4})
	fx := f(x).Item()
	g := nabla.Grad(f)(x)
	h := nabla.Hessian(f)(x)
	dir := nabla.FromSlice([]float64{0.6, -0.2, 0.5, 0.3})
	remainder := func(eps float64) float64 {
		d := nabla.MulScalar(dir, eps)
		quad := fx + nabla.Dot(g, d).Item() + 0.5*nabla.Dot(d, nabla.MatMul(h, d)).Item()
		return math.Abs(f(nabla.Add(x, d)).Item() - quad)
	}
	prev := remainder(0.1)
	for _, eps := range []float64{0.05, 0.025, 0.0125} {
		r := remainder(eps)
		if ratio := prev / r; ratio < 7 || ratio > 9 {
			t.Errorf("d = %g·dir: remainder %.3g, the previous over it %.3g, want ≈ 8 (O(|d|³))", eps, r, ratio)
		}
		prev = r
	}
}
