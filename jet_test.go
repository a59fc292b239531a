package nabla_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/nabla-go/nabla"
)

// jetExprs are testdata/sympy_jet.py's expressions, one op per call.
var jetExprs = map[string]func(xs ...*nabla.Tensor) *nabla.Tensor{
	"A": func(xs ...*nabla.Tensor) *nabla.Tensor {
		x, y := xs[0], xs[1]
		b := nabla.Div(nabla.Exp(nabla.Mul(nabla.Sin(x), y)), nabla.AddScalar(nabla.Square(x), 1))
		c := nabla.Mul(nabla.Log1p(nabla.Square(y)), nabla.Tanh(nabla.Sub(x, y)))
		d := nabla.Sqrt(nabla.AddScalar(nabla.Cos(nabla.Mul(x, y)), 2))
		e := nabla.Mul(nabla.Sigmoid(x), nabla.PowScalar(y, 3))
		return nabla.Sub(nabla.Add(nabla.Add(b, c), d), e)
	},
	"B": func(xs ...*nabla.Tensor) *nabla.Tensor {
		x, y := xs[0], xs[1]
		a := nabla.Mul(nabla.Pow(nabla.AddScalar(nabla.Square(x), 1.5), y), nabla.Erf(nabla.Div(x, nabla.Scalar(3))))
		b := nabla.Atan2(y, nabla.AddScalar(x, 2))
		c := nabla.Softplus(nabla.Mul(x, y))
		d := nabla.Div(nabla.Expm1(nabla.Div(x, nabla.Scalar(4))), nabla.AddScalar(nabla.Tan(nabla.Div(y, nabla.Scalar(3))), 2))
		return nabla.Add(nabla.Add(nabla.Sub(nabla.Add(a, b), c), d), nabla.Log(nabla.AddScalar(x, 3)))
	},
}

// curve returns the primal and the series of order k of the curve whose
// coefficients are cs (zero past them).
func curve(cs []float64, k int) (*nabla.Tensor, []*nabla.Tensor) {
	s := make([]*nabla.Tensor, k)
	for j := 1; j < len(cs) && j <= k; j++ {
		s[j-1] = nabla.Scalar(cs[j])
	}
	return nabla.Scalar(cs[0]), s
}

// TestJetSympy compares Jet's coefficients to order 6 of two expressions of
// 21 operations, along curves of degree 3 in two variables, with sympy's
// exact ones (testdata/sympy_jet.py): within 1e-12 relative to the largest
// coefficient of the case.
func TestJetSympy(t *testing.T) {
	data, err := os.ReadFile("testdata/sympy_jet.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Order int
		Cases []struct {
			Expr string
			X, Y []float64
			Coef []float64
		}
	}
	if err := json.Unmarshal(data, &fx); err != nil {
		t.Fatal(err)
	}
	const rtol = 1e-12
	worst := 0.0
	for i, c := range fx.Cases {
		t.Run(fmt.Sprintf("%s/%d", c.Expr, i), func(t *testing.T) {
			x, sx := curve(c.X, fx.Order)
			y, sy := curve(c.Y, fx.Order)
			v, s := nabla.Jet(jetExprs[c.Expr], []*nabla.Tensor{x, y}, [][]*nabla.Tensor{sx, sy})
			got := []float64{v.Item()}
			for _, cj := range s {
				got = append(got, cj.Item())
			}
			scale := 0.0
			for _, w := range c.Coef {
				scale = math.Max(scale, math.Abs(w))
			}
			for j, w := range c.Coef {
				e := math.Abs(got[j]-w) / scale
				worst = math.Max(worst, e)
				if !(e <= rtol) {
					t.Errorf("c%d = %.17g, sympy %.17g (relative error %.2g)", j, got[j], w, e)
				}
			}
		})
	}
	t.Logf("worst relative error %.2g", worst)
}

// Jet of a function of a vector and a matrix: each coefficient against
// TaylorCoefficients' closed forms and Grad/Hessian.
func TestJetAgainstDerivatives(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		x := xs[0]
		return nabla.Sum(nabla.Mul(nabla.Exp(x), nabla.Sin(nabla.Mul(x, nabla.Sum(x)))))
	}
	x, v := nabla.FromSlice([]float64{0.2, -0.5, 1.1}, 3), nabla.FromSlice([]float64{1, 2, -0.5}, 3)
	_, s := nabla.Jet(f, []*nabla.Tensor{x}, [][]*nabla.Tensor{{v, nil}})
	g := nabla.Grad(f)(x)
	h := nabla.Hessian(f)(x)
	if d := nabla.Dot(g, v).Item(); math.Abs(s[0].Item()-d) > 1e-13 {
		t.Errorf("y1 = %v, ∇f·v = %v", s[0].Item(), d)
	}
	hv := nabla.MatMul(h, v.Reshape(3, 1)).Reshape(3)
	if d := nabla.Dot(v, hv).Item() / 2; math.Abs(s[1].Item()-d) > 1e-13 {
		t.Errorf("y2 = %v, vᵀHv/2 = %v", s[1].Item(), d)
	}
}

// Jet composes with the transforms: differentiated by Grad, Hessian and JVP,
// batched by Vmap (with no op run once per example; against a loop),
// compiled (against the uncompiled call), and of a gradient.
func TestJetComposes(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.Sum(nabla.Tanh(nabla.Mul(xs[0], nabla.Exp(xs[0]))))
	}
	x := nabla.FromSlice([]float64{0.3, -0.4, 0.9}, 3)
	v := nabla.FromSlice([]float64{1, -1, 0.5}, 3)
	coef := func(j int) nabla.Func {
		return func(xs ...*nabla.Tensor) *nabla.Tensor {
			_, s := nabla.Jet(f, []*nabla.Tensor{xs[0]}, [][]*nabla.Tensor{{v, nil, nil}})
			return s[j]
		}
	}
	t.Run("Grad(Jet)", func(t *testing.T) {
		// y₂ = ½vᵀ∇²f v, so ∇ₓy₂ = ½∇(vᵀ∇²f(x)v), by nested gradients.
		got := nabla.Grad(coef(1))(x)
		want := nabla.Grad(func(xs ...*nabla.Tensor) *nabla.Tensor {
			_, hv := nabla.JVP(nabla.Grad(f), []*nabla.Tensor{xs[0]}, []*nabla.Tensor{v})
			return nabla.MulScalar(nabla.Dot(hv, v), 0.5)
		})(x)
		jetClose(t, "Grad(Jet)", got, want, 1e-12)
	})
	t.Run("Hessian(Jet)", func(t *testing.T) {
		// y₁ = ∇f·v, whose Hessian is that of x ↦ ∇f(x)·v.
		got := nabla.Hessian(coef(0))(x)
		want := nabla.Hessian(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Dot(nabla.Grad(f)(xs[0]), v) })(x)
		jetClose(t, "Hessian(Jet)", got, want, 1e-12)
	})
	t.Run("Jet(Grad)", func(t *testing.T) {
		// The first coefficient of ∇f along v is H·v.
		_, s := nabla.Jet(nabla.Grad(f), []*nabla.Tensor{x}, [][]*nabla.Tensor{{v, nil}})
		jetClose(t, "Jet(Grad)", s[0], hvp(f, x, v), 1e-13)
		// Third derivative along v, against nested reverse mode.
		g := func(x *nabla.Tensor) *nabla.Tensor { return nabla.Dot(nabla.Grad(f)(x), v) }
		want := nabla.TaylorCoefficients(g, x, v, 2)
		_, s = nabla.Jet(func(xs ...*nabla.Tensor) *nabla.Tensor { return g(xs[0]) }, []*nabla.Tensor{x}, [][]*nabla.Tensor{{v, nil}})
		jetClose(t, "Jet(Grad) order 2", s[1], want[2], 1e-13)
	})
	t.Run("Vmap(Jet)", func(t *testing.T) {
		X := nabla.FromSlice([]float64{0.3, -0.4, 0.9, 0.1, 0.2, -0.8}, 2, 3)
		got, fell := nabla.VmapFallbacks(coef(2))(X)
		if len(fell) > 0 {
			t.Errorf("Vmap(Jet) ran ops once per example: %v", fell)
		}
		want := nabla.Stack(0, coef(2)(nabla.Index(X, 0)), coef(2)(nabla.Index(X, 1)))
		jetClose(t, "Vmap(Jet)", got, want, 1e-14)
	})
	t.Run("Compile(Jet)", func(t *testing.T) {
		c := nabla.Compile(coef(2))
		for _, p := range []*nabla.Tensor{x, nabla.FromSlice([]float64{-0.1, 0.6, 0.2}, 3)} {
			jetClose(t, "Compile(Jet)", c(p), coef(2)(p), 1e-15)
		}
	})
	t.Run("Jet(Compile) and Jet(Vmap)", func(t *testing.T) {
		_, want := nabla.Jet(f, []*nabla.Tensor{x}, [][]*nabla.Tensor{{v, nil, nil}})
		_, got := nabla.Jet(nabla.Compile(f), []*nabla.Tensor{x}, [][]*nabla.Tensor{{v, nil, nil}})
		for j := range want {
			jetClose(t, "Jet(Compile)", got[j], want[j], 1e-15)
		}
		rows := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Vmap(f)(nabla.Reshape(xs[0], 3, 1))) }
		each := func(xs ...*nabla.Tensor) *nabla.Tensor {
			return nabla.Sum(nabla.Tanh(nabla.Mul(xs[0], nabla.Exp(xs[0]))))
		}
		_, got = nabla.Jet(rows, []*nabla.Tensor{x}, [][]*nabla.Tensor{{v, nil, nil}})
		_, want = nabla.Jet(each, []*nabla.Tensor{x}, [][]*nabla.Tensor{{v, nil, nil}})
		for j := range want {
			jetClose(t, "Jet(Vmap)", got[j], want[j], 1e-14)
		}
	})
	t.Run("JVP(Jet)", func(t *testing.T) {
		_, got := nabla.JVP(coef(0), []*nabla.Tensor{x}, []*nabla.Tensor{v})
		_, want := nabla.Jet(f, []*nabla.Tensor{x}, [][]*nabla.Tensor{{v, nil}})
		// d/dε of y₁(x + εv) is 2·y₂ along v.
		jetClose(t, "JVP(Jet)", got, nabla.MulScalar(want[1], 2), 1e-13)
	})
}

// A function that reads values in Go cannot be traced: Jet expands it by
// nested reverse mode, with the same coefficients, and refuses when the
// arguments are differentiated from outside.
func TestJetUntraceable(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		if xs[0].Item() > 0 { // a branch on a value
			return nabla.Exp(nabla.Sin(xs[0]))
		}
		return xs[0]
	}
	x := nabla.Scalar(0.4)
	_, got := nabla.Jet(f, []*nabla.Tensor{x}, [][]*nabla.Tensor{{nabla.Scalar(1), nil, nil, nil}})
	_, want := nabla.Jet(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Exp(nabla.Sin(xs[0])) },
		[]*nabla.Tensor{x}, [][]*nabla.Tensor{{nabla.Scalar(1), nil, nil, nil}})
	for j := range want {
		jetClose(t, fmt.Sprintf("coefficient %d", j+1), got[j], want[j], 1e-13)
	}
	err := nabla.Catch(func() {
		nabla.Grad(func(xs ...*nabla.Tensor) *nabla.Tensor {
			_, s := nabla.Jet(f, xs, [][]*nabla.Tensor{{nabla.Scalar(1), nil}})
			return s[1]
		})(x)
	})
	if err == nil {
		t.Error("Grad of Jet of an untraceable function: no error")
	} else {
		t.Logf("error, as expected: %v", err)
	}
}

// TestOpsWithoutJetRule lists the ops Jet expands through their JVP rule.
func TestOpsWithoutJetRule(t *testing.T) {
	t.Logf("ops without a Jet rule: %v", nabla.OpsWithoutJetRule())
	for _, name := range nabla.OpsWithoutJetRule() {
		if name == "exp" || name == "mul" || name == "matmul" {
			t.Errorf("%s has no Jet rule", name)
		}
	}
}

func TestJetErrors(t *testing.T) {
	one := nabla.Scalar(1)
	exp := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Exp(xs[0]) }
	mul := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Mul(xs[0], xs[1]) }
	for name, f := range map[string]func(){
		"series count": func() { nabla.Jet(exp, []*nabla.Tensor{one}, nil) },
		"orders":       func() { nabla.Jet(mul, []*nabla.Tensor{one, one}, [][]*nabla.Tensor{{one}, {one, one}}) },
		"shape":        func() { nabla.Jet(exp, []*nabla.Tensor{one}, [][]*nabla.Tensor{{nabla.Zeros(2)}}) },
		"dtype": func() {
			nabla.Jet(exp, []*nabla.Tensor{one}, [][]*nabla.Tensor{{one.As(nabla.Float32)}})
		},
	} {
		if err := nabla.Catch(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A nil series is a constant argument, whatever the order.
	_, s := nabla.Jet(mul, []*nabla.Tensor{nabla.Scalar(2), nabla.Scalar(3)}, [][]*nabla.Tensor{{one, nil}, nil})
	if s[0].Item() != 3 || s[1].Item() != 0 {
		t.Errorf("x·3 along x = 2 + t: coefficients %v, %v, want 3, 0", s[0].Item(), s[1].Item())
	}
}

// Jet on many goroutines at once, each with its own function and point,
// all reading shared tensors: run with -race.
func TestJetConcurrent(t *testing.T) {
	// The second argument and the direction are shared by every goroutine.
	y0, dir := nabla.Scalar(0.3), nabla.Scalar(1)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x0 := 0.05 * float64(g)
			x := nabla.Scalar(x0)
			f := jetExprs["A"]
			if g%2 == 1 {
				f = func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Exp(xs[0]) }
			}
			_, s := nabla.Jet(f, []*nabla.Tensor{x, y0}, [][]*nabla.Tensor{{dir, nil, nil, nil}, nil})
			if g%2 == 1 {
				if w := math.Exp(x0) / 24; math.Abs(s[3].Item()-w) > 1e-15 {
					errs <- fmt.Errorf("goroutine %d: y4 = %v, want %v", g, s[3].Item(), w)
				}
				return
			}
			want := nabla.TaylorCoefficients(func(x *nabla.Tensor) *nabla.Tensor { return f(x, nabla.Scalar(0.3)) }, x, nabla.Scalar(1), 4)
			for j := 1; j <= 4; j++ {
				if d := math.Abs(s[j-1].Item() - want[j].Item()); d > 1e-13 {
					errs <- fmt.Errorf("goroutine %d: y%d = %v, want %v", g, j, s[j-1].Item(), want[j].Item())
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func hvp(f nabla.Func, x, v *nabla.Tensor) *nabla.Tensor {
	return nabla.HVP(f, []*nabla.Tensor{x}, []*nabla.Tensor{v})[0]
}

func jetClose(t *testing.T, what string, got, want *nabla.Tensor, tol float64) {
	t.Helper()
	g, w := got.Float64s(), want.Float64s()
	if len(g) != len(w) {
		t.Fatalf("%s: %d elements, want %d", what, len(g), len(w))
	}
	for i := range g {
		if d := math.Abs(g[i] - w[i]); !(d <= tol*math.Max(1, math.Abs(w[i]))) {
			t.Errorf("%s: element %d is %.17g, want %.17g", what, i, g[i], w[i])
		}
	}
}

// Example_jet expands sin along the curve x(t) = t (its series is 0, 1, 0,
// …): the coefficients of sin(t) are 1, 0, −1/3!, 0, 1/5!. Then exp along
// x(t) = 1 + t², whose series is 1, 0, 1: e·(1 + t² + t⁴/2 + …).
func Example_jet() {
	one := nabla.Scalar(1)
	sin := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sin(xs[0]) }
	exp := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Exp(xs[0]) }
	y, s := nabla.Jet(sin, []*nabla.Tensor{nabla.Scalar(0)}, [][]*nabla.Tensor{{one, nil, nil, nil, nil}})
	fmt.Printf("sin: %.6f", y.Item())
	for _, c := range s {
		fmt.Printf(" %.6f", c.Item()+0) // +0: no "-0"
	}
	fmt.Println()
	y, s = nabla.Jet(exp, []*nabla.Tensor{one}, [][]*nabla.Tensor{{nil, one, nil, nil}})
	fmt.Printf("exp: %.6f", y.Item())
	for _, c := range s {
		fmt.Printf(" %.6f", c.Item()+0) // +0: no "-0"
	}
	fmt.Println()
	// Output:
	// sin: 0.000000 1.000000 0.000000 -0.166667 0.000000 0.008333
	// exp: 2.718282 0.000000 2.718282 0.000000 1.359141
}

// squareOp is a custom op with a Taylor rule of its own: the Cauchy
// product (x²)_j = Σ_{i=0}^{j} x_i·x_{j−i}, written with nabla's ops. (An op
// without one still works in Jet, through its JVP rule.)
var squareOp = nabla.Register(&nabla.Op{
	Name: "example_square",
	Forward: func(c *nabla.Ctx) *nabla.Tensor {
		x := c.Inputs[0]
		v := x.Float64s()
		for i, xi := range v {
			v[i] = xi * xi
		}
		return nabla.FromSlice(v, x.Shape()...).As(x.DType())
	},
	VJP: func(c *nabla.Ctx, g *nabla.Tensor) []*nabla.Tensor {
		return []*nabla.Tensor{nabla.Mul(g, nabla.MulScalar(c.Inputs[0], 2))}
	},
	JVP: func(c *nabla.Ctx, d []*nabla.Tensor) *nabla.Tensor {
		return nabla.Mul(d[0], nabla.MulScalar(c.Inputs[0], 2))
	},
	// series[0][j-1] is x's coefficient j (nil: zero); c.Inputs[0] is x₀.
	Jet: func(c *nabla.Ctx, series [][]*nabla.Tensor) []*nabla.Tensor {
		x := append([]*nabla.Tensor{c.Inputs[0]}, series[0]...)
		out := make([]*nabla.Tensor, len(series[0]))
		for j := 1; j <= len(out); j++ {
			for i := 0; i <= j; i++ {
				if x[i] == nil || x[j-i] == nil {
					continue
				}
				if t := nabla.Mul(x[i], x[j-i]); out[j-1] == nil {
					out[j-1] = t
				} else {
					out[j-1] = nabla.Add(out[j-1], t)
				}
			}
		}
		return out
	},
	Cases: []nabla.Case{{Name: "vector", Shapes: [][]int{{4}}}},
})

// A custom op's Taylor rule: (3 + t)² = 9 + 6t + t².
func Example_customOpJet() {
	square := func(xs ...*nabla.Tensor) *nabla.Tensor { return squareOp.Apply(nil, xs[0]) }
	y, s := nabla.Jet(square, []*nabla.Tensor{nabla.Scalar(3)}, [][]*nabla.Tensor{{nabla.Scalar(1), nil, nil}})
	fmt.Println(y.Item(), s[0].Item(), s[1].Item(), s[2].Item())
	// Output: 9 6 1 0
}
