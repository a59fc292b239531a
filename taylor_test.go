package nabla_test

import (
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/nabla-go/nabla"
)

// Coefficients of exp, sin and a composition against their closed forms.
func TestTaylorCoefficientsClosedForms(t *testing.T) {
	fact := func(j int) float64 { return math.Gamma(float64(j) + 1) }
	x0 := 0.3
	cases := []struct {
		name string
		f    func(*nabla.Tensor) *nabla.Tensor
		want func(j int) float64 // c_j along v = 1 at x0
	}{
		{"exp", nabla.Exp, func(j int) float64 { return math.Exp(x0) / fact(j) }},
		{"sin", nabla.Sin, func(j int) float64 { return math.Sin(x0+float64(j)*math.Pi/2) / fact(j) }},
		{"1/(1-x)", func(x *nabla.Tensor) *nabla.Tensor { return nabla.Reciprocal(nabla.Sub(nabla.Scalar(1), x)) },
			func(j int) float64 { return math.Pow(1-x0, -float64(j)-1) }},
		{"x^3", func(x *nabla.Tensor) *nabla.Tensor { return nabla.Mul(x, nabla.Mul(x, x)) },
			func(j int) float64 { return []float64{x0 * x0 * x0, 3 * x0 * x0, 3 * x0, 1, 0, 0, 0}[j] }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := nabla.TaylorCoefficients(c.f, nabla.Scalar(x0), nabla.Scalar(1), 6)
			for j, g := range got {
				if w := c.want(j); math.Abs(g.Item()-w) > 1e-12*math.Max(1, math.Abs(w)) {
					t.Errorf("c[%d] = %.17g, want %.17g", j, g.Item(), w)
				}
			}
		})
	}
}

// Along a direction in several variables, c1 is the directional derivative
// and c2 half the curvature vᵀHv; for a vector output each element has its
// own coefficients; float32 gives float32 coefficients.
func TestTaylorCoefficientsDirection(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		x := xs[0]
		return nabla.Sum(nabla.Mul(nabla.Exp(x), nabla.Sin(nabla.Mul(x, nabla.Sum(x)))))
	}
	x, v := nabla.FromSlice([]float64{0.2, -0.5, 1.1}, 3), nabla.FromSlice([]float64{1, 2, -0.5}, 3)
	c := nabla.TaylorCoefficients(func(x *nabla.Tensor) *nabla.Tensor { return f(x) }, x, v, 2)
	g := nabla.Grad(f)(x)
	h := nabla.Hessian(f)(x)
	hv := nabla.MatMul(h, v.Reshape(3, 1)).Reshape(3)
	if d := nabla.Dot(g, v).Item(); math.Abs(c[1].Item()-d) > 1e-13 {
		t.Errorf("c1 = %v, ∇f·v = %v", c[1].Item(), d)
	}
	if d := nabla.Dot(v, hv).Item() / 2; math.Abs(c[2].Item()-d) > 1e-13 {
		t.Errorf("c2 = %v, vᵀHv/2 = %v", c[2].Item(), d)
	}
	vec := nabla.TaylorCoefficients(nabla.Exp, x, v, 3)
	for i := range 3 {
		xi, vi := x.At(i), v.At(i)
		if w := math.Exp(xi) * vi * vi * vi / 6; math.Abs(vec[3].At(i)-w) > 1e-13 {
			t.Errorf("element %d: c3 = %v, want %v", i, vec[3].At(i), w)
		}
	}
	c32 := nabla.TaylorCoefficients(nabla.Exp, x.As(nabla.Float32), v.As(nabla.Float32), 2)
	if c32[2].DType() != nabla.Float32 {
		t.Errorf("float32 point: coefficients are %s", c32[2].DType())
	}
}

// The Taylor polynomial's error at distance h shrinks as h^(k+1).
func TestTaylorPolynomialOrder(t *testing.T) {
	f := func(x *nabla.Tensor) *nabla.Tensor { return nabla.Log1p(nabla.Mul(x, x)) }
	c := nabla.TaylorCoefficients(f, nabla.Scalar(0.7), nabla.Scalar(1), 4)
	exact := func(h float64) float64 { return math.Log1p((0.7 + h) * (0.7 + h)) }
	for k := 1; k <= 3; k++ {
		e1 := math.Abs(nabla.TaylorPolynomial(c, k, 1e-2) - exact(1e-2))
		e2 := math.Abs(nabla.TaylorPolynomial(c, k, 5e-3) - exact(5e-3))
		if r := e1 / e2; math.Abs(math.Log2(r)-float64(k+1)) > 0.2 {
			t.Errorf("order %d: halving h divides the error by %.2f, want 2^%d", k, r, k+1)
		}
	}
}

func TestTaylorCoefficientsConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x0 := 0.1 * float64(g)
			c := nabla.TaylorCoefficients(nabla.Exp, nabla.Scalar(x0), nabla.Scalar(1), 4)
			if w := math.Exp(x0) / 24; math.Abs(c[4].Item()-w) > 1e-13 {
				errs <- fmt.Errorf("goroutine %d: c4 = %v, want %v", g, c[4].Item(), w)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestTaylorCoefficientsErrors(t *testing.T) {
	for name, f := range map[string]func(){
		"negative order": func() { nabla.TaylorCoefficients(nabla.Exp, nabla.Scalar(1), nabla.Scalar(1), -1) },
		"shapes":         func() { nabla.TaylorCoefficients(nabla.Exp, nabla.Zeros(2), nabla.Zeros(3), 2) },
	} {
		err := nabla.Catch(f)
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// ExampleTaylorCoefficients expands exp around 0: the coefficients 1/j!.
func ExampleTaylorCoefficients() {
	c := nabla.TaylorCoefficients(nabla.Exp, nabla.Scalar(0), nabla.Scalar(1), 4)
	for j, cj := range c {
		fmt.Printf("c%d = %.6f\n", j, cj.Item())
	}
	fmt.Printf("order 2 at h = 0.1: %.6f (exp(0.1) = %.6f)\n", nabla.TaylorPolynomial(c, 2, 0.1), math.Exp(0.1))
	// Output:
	// c0 = 1.000000
	// c1 = 1.000000
	// c2 = 0.500000
	// c3 = 0.166667
	// c4 = 0.041667
	// order 2 at h = 0.1: 1.105000 (exp(0.1) = 1.105171)
}
