package nabla_test

import (
	"math"
	"testing"

	"github.com/nabla-go/nabla"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/functions"
)

// The Moré–Garbow–Hillstrom test functions, written with nabla's vector ops,
// against gonum's hand-written gradients and Hessians
// (gonum.org/v1/gonum/optimize/functions): an independent reference.

// at picks element i of a vector as a scalar tensor.
func at(x *nabla.Tensor, i int) *nabla.Tensor { return nabla.Index(x, i) }

// consts is a constant vector.
func consts(n int, f func(i int) float64) *nabla.Tensor {
	v := make([]float64, n)
	for i := range v {
		v[i] = f(i)
	}
	return nabla.FromSlice(v)
}

func beale(x *nabla.Tensor) *nabla.Tensor {
	y := at(x, 1)
	t := nabla.RSub(1, nabla.Stack(0, y, nabla.Square(y), nabla.PowScalar(y, 3))) // 1 − yⁱ
	r := nabla.Sub(vec(1.5, 2.25, 2.625), nabla.Mul(at(x, 0), t))
	return nabla.Sum(nabla.Square(r))
}

// bealeHess is gonum's Beale.Hess with its typo fixed: gonum v0.17.0 computes
// fᵢ = cᵢ − x₁·tᵢ where the function has cᵢ − x₀·tᵢ, which goes unnoticed at
// the easy start point [1, 1] (see TestGonumBealeHess).
func bealeHess(x []float64) *mat.SymDense {
	t1, t2, t3 := 1-x[1], 1-x[1]*x[1], 1-x[1]*x[1]*x[1]
	f1, f2, f3 := 1.5-x[0]*t1, 2.25-x[0]*t2, 2.625-x[0]*t3
	h := mat.NewSymDense(2, nil)
	h.SetSym(0, 0, 2*(t1*t1+t2*t2+t3*t3))
	h.SetSym(0, 1, 2*(f1+x[1]*(2*f2+3*x[1]*f3)-x[0]*(t1+x[1]*(2*t2+3*x[1]*t3))))
	h.SetSym(1, 1, 2*x[0]*(x[0]+2*f2+x[1]*(6*f3+x[0]*x[1]*(4+9*x[1]*x[1]))))
	return h
}

// The products x₀x₁ are written with Mul, not Prod: Prod's rule treats the
// other factors as constants where an input is zero, so its second derivative
// there is missing.
func brownBadlyScaled(x *nabla.Tensor) *nabla.Tensor {
	r := nabla.Concat(0, nabla.Sub(x, vec(1e6, 2e-6)), nabla.Reshape(nabla.AddScalar(nabla.Mul(at(x, 0), at(x, 1)), -2), 1))
	return nabla.Sum(nabla.Square(r))
}

func powellBadlyScaled(x *nabla.Tensor) *nabla.Tensor {
	f1 := nabla.AddScalar(nabla.MulScalar(nabla.Mul(at(x, 0), at(x, 1)), 1e4), -1)
	f2 := nabla.AddScalar(nabla.Sum(nabla.Exp(nabla.Neg(x))), -1.0001)
	return nabla.Add(nabla.Square(f1), nabla.Square(f2))
}

func wood(x *nabla.Tensor) *nabla.Tensor {
	x0, x1, x2, x3 := at(x, 0), at(x, 1), at(x, 2), at(x, 3)
	r := nabla.Stack(0,
		nabla.Sub(x1, nabla.Square(x0)), nabla.RSub(1, x0),
		nabla.Sub(x3, nabla.Square(x2)), nabla.RSub(1, x2),
		nabla.AddScalar(nabla.Add(x1, x3), -2), nabla.Sub(x1, x3))
	return nabla.Sum(nabla.Mul(vec(100, 1, 90, 1, 10, 0.1), nabla.Square(r)))
}

func brownAndDennis(x *nabla.Tensor) *nabla.Tensor {
	c := consts(20, func(i int) float64 { return float64(i+1) / 5 })
	f1 := nabla.Sub(nabla.Add(at(x, 0), nabla.Mul(c, at(x, 1))), nabla.Exp(c))
	f2 := nabla.Sub(nabla.Add(at(x, 2), nabla.Mul(nabla.Sin(c), at(x, 3))), nabla.Cos(c))
	return nabla.Sum(nabla.Square(nabla.Add(nabla.Square(f1), nabla.Square(f2))))
}

// watson: with dᵢ = i/29, s₁ = Σⱼ j·dᵢ^(j−1)·xⱼ and s₂ = Σⱼ dᵢ^j·xⱼ are two
// matrix-vector products.
func watson(x *nabla.Tensor) *nabla.Tensor {
	n := x.Size()
	a1, a2 := nabla.Zeros(29, n), nabla.Zeros(29, n)
	for i := range 29 {
		d := float64(i+1) / 29
		for j := range n {
			a2.RawFloat64()[i*n+j] = math.Pow(d, float64(j))
			if j > 0 {
				a1.RawFloat64()[i*n+j] = float64(j) * math.Pow(d, float64(j-1))
			}
		}
	}
	t := nabla.AddScalar(nabla.Sub(nabla.MatMul(a1, x), nabla.Square(nabla.MatMul(a2, x))), -1)
	x0 := at(x, 0)
	u := nabla.AddScalar(nabla.Sub(at(x, 1), nabla.Square(x0)), -1)
	return nabla.Add(nabla.Sum(nabla.Square(t)), nabla.Add(nabla.Square(x0), nabla.Square(u)))
}

// chainedRosenbrock is gonum's ExtendedRosenbrock:
// Σᵢ (1 − xᵢ)² + 100(xᵢ₊₁ − xᵢ²)² over consecutive pairs.
func chainedRosenbrock(x *nabla.Tensor) *nabla.Tensor {
	n := x.Size()
	head, tail := nabla.Slice(x, 0, 0, n-1, 1), nabla.Slice(x, 0, 1, n, 1)
	b := nabla.Sub(tail, nabla.Square(head))
	return nabla.Sum(nabla.Add(nabla.Square(nabla.RSub(1, head)), nabla.MulScalar(nabla.Square(b), 100)))
}

// chainedRosenbrockHess is its Hessian, tridiagonal, derived by hand (gonum
// has no Hess for it).
func chainedRosenbrockHess(x []float64) *mat.SymDense {
	n := len(x)
	h := mat.NewSymDense(n, nil)
	for i := 0; i < n-1; i++ {
		h.SetSym(i, i, h.At(i, i)+2-400*(x[i+1]-x[i]*x[i])+800*x[i]*x[i])
		h.SetSym(i, i+1, -400*x[i])
		h.SetSym(i+1, i+1, h.At(i+1, i+1)+200)
	}
	return h
}

func extendedPowellSingular(x *nabla.Tensor) *nabla.Tensor {
	q := nabla.Reshape(x, x.Size()/4, 4)
	c := func(j int) *nabla.Tensor { return nabla.Reshape(nabla.Slice(q, 1, j, j+1, 1), x.Size()/4) }
	x0, x1, x2, x3 := c(0), c(1), c(2), c(3)
	f1 := nabla.Add(x0, nabla.MulScalar(x1, 10))
	f2 := nabla.Sub(x2, x3)
	f3 := nabla.Square(nabla.Sub(x1, nabla.MulScalar(x2, 2)))
	f4 := nabla.Square(nabla.Sub(x0, x3))
	return nabla.Sum(nabla.Add(nabla.Add(nabla.Square(f1), nabla.MulScalar(nabla.Square(f2), 5)),
		nabla.Add(nabla.Square(f3), nabla.MulScalar(nabla.Square(f4), 10))))
}

// atanOp is arctangent as a user-defined op (nabla has none): the helical
// valley needs it. Its rules are written with nabla's ops, so they have
// derivatives of their own.
var atanOp = nabla.Register(&nabla.Op{
	Name: "test_atan",
	Forward: func(c *nabla.Ctx) *nabla.Tensor {
		x := c.Inputs[0].Float64s()
		for i := range x {
			x[i] = math.Atan(x[i])
		}
		return nabla.FromSlice(x, c.Inputs[0].Shape()...)
	},
	// d atan x = dx / (1 + x²)
	VJP: func(c *nabla.Ctx, g *nabla.Tensor) []*nabla.Tensor {
		return []*nabla.Tensor{nabla.Div(g, nabla.AddScalar(nabla.Square(c.Inputs[0]), 1))}
	},
	JVP: func(c *nabla.Ctx, d []*nabla.Tensor) *nabla.Tensor {
		return nabla.Div(d[0], nabla.AddScalar(nabla.Square(c.Inputs[0]), 1))
	},
	Cases: []nabla.Case{{Name: "vector", Shapes: [][]int{{5}}, Lo: -3, Hi: 3}},
})

func helicalValley(x *nabla.Tensor) *nabla.Tensor {
	x0, x1, x2 := at(x, 0), at(x, 1), at(x, 2)
	theta := nabla.MulScalar(atanOp.Apply(nil, nabla.Div(x1, x0)), 0.5/math.Pi)
	if x0.Item() < 0 {
		theta = nabla.AddScalar(theta, 0.5)
	}
	f1 := nabla.MulScalar(nabla.Sub(x2, nabla.MulScalar(theta, 10)), 10)
	f2 := nabla.MulScalar(nabla.AddScalar(nabla.Norm(nabla.Stack(0, x0, x1)), -1), 10)
	return nabla.Add(nabla.Add(nabla.Square(f1), nabla.Square(f2)), nabla.Square(x2))
}

type mghCase struct {
	name  string
	f     func(*nabla.Tensor) *nabla.Tensor
	ref   interface{ Grad(g, x []float64) }
	hess  func(x []float64) *mat.SymDense // nil: no reference Hessian
	start [][]float64
	dim   int
}

func gonumHess(h interface {
	Hess(*mat.SymDense, []float64)
}) func([]float64) *mat.SymDense {
	return func(x []float64) *mat.SymDense {
		dst := mat.NewSymDense(len(x), nil)
		h.Hess(dst, x)
		return dst
	}
}

func mghCases() []mghCase {
	rep := func(block []float64, k int) []float64 {
		var v []float64
		for range k {
			v = append(v, block...)
		}
		return v
	}
	return []mghCase{
		{"Beale", beale, functions.Beale{}, bealeHess, [][]float64{{1, 1}, {1, 4}}, 2},
		{"BrownBadlyScaled", brownBadlyScaled, functions.BrownBadlyScaled{}, gonumHess(functions.BrownBadlyScaled{}), [][]float64{{1, 1}}, 2},
		{"PowellBadlyScaled", powellBadlyScaled, functions.PowellBadlyScaled{}, gonumHess(functions.PowellBadlyScaled{}), [][]float64{{0, 1}}, 2},
		{"Wood", wood, functions.Wood{}, gonumHess(functions.Wood{}), [][]float64{{-3, -1, -3, -1}}, 4},
		{"BrownAndDennis", brownAndDennis, functions.BrownAndDennis{}, gonumHess(functions.BrownAndDennis{}), [][]float64{{25, 5, -5, -1}}, 4},
		{"Watson", watson, functions.Watson{}, gonumHess(functions.Watson{}), [][]float64{make([]float64, 6), make([]float64, 9)}, 6},
		{"ExtendedRosenbrock", chainedRosenbrock, functions.ExtendedRosenbrock{}, chainedRosenbrockHess, [][]float64{rep([]float64{-1.2, 1}, 5)}, 10},
		{"ExtendedPowellSingular", extendedPowellSingular, functions.ExtendedPowellSingular{}, nil, [][]float64{rep([]float64{3, -1, 0, 3}, 3)}, 8},
		{"HelicalValley", helicalValley, functions.HelicalValley{}, nil, [][]float64{{-1, 0, 0}}, 3},
	}
}

// relErr is |got − want| relative to |want|, with a floor at 1e-8 of the
// reference's largest entry for entries that are zero or lost to cancellation.
func relErr(got, want []float64) float64 {
	scale := 0.0
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	e := 0.0
	for i := range got {
		e = max(e, math.Abs(got[i]-want[i])/max(math.Abs(want[i]), 1e-8*scale, math.SmallestNonzeroFloat64))
	}
	return e
}

func TestMGHAgainstGonum(t *testing.T) {
	const tol = 1e-10
	r := nabla.NewRand(11)
	for _, c := range mghCases() {
		t.Run(c.name, func(t *testing.T) {
			points := c.start
			for range 5 {
				points = append(points, nabla.Uniform(r, -2, 2, c.dim).Float64s())
			}
			f := scalarFn(c.f)
			worstG, worstH := 0.0, 0.0
			for _, p := range points {
				x := vec(p...)
				want := make([]float64, len(p))
				c.ref.Grad(want, p)
				g := nabla.Grad(f)(x)
				if e := relErr(g.Float64s(), want); e > tol {
					t.Errorf("gradient at %v: nabla %v, gonum %v (relative error %.2g)", p, g.Float64s(), want, e)
				}
				worstG = max(worstG, relErr(g.Float64s(), want))

				h := nabla.Hessian(f)(x)
				// Reverse over reverse gives the same matrix by another route.
				if e := relErr(nabla.JacobianRev(nabla.Grad(f))(x).Float64s(), h.Float64s()); e > tol {
					t.Errorf("Hessian at %v: forward-over-reverse and reverse-over-reverse differ by %.2g", p, e)
				}
				if c.hess == nil {
					continue
				}
				ref := mat.DenseCopyOf(c.hess(p)).RawMatrix().Data
				if e := relErr(h.Float64s(), ref); e > tol {
					t.Errorf("Hessian at %v:\nnabla %v\ngonum %v\n(relative error %.2g)", p, h.Float64s(), ref, e)
				}
				worstH = max(worstH, relErr(h.Float64s(), ref))
			}
			t.Logf("largest relative error: gradient %.2g, Hessian %.2g", worstG, worstH)
		})
	}
}

// gonum's Beale.Hess disagrees with nabla away from x₀ = x₁; central
// differences (gonum's own diff/fd) side with nabla.
func TestGonumBealeHess(t *testing.T) {
	p := []float64{1, 4}
	h := nabla.Hessian(scalarFn(beale))(vec(p...)).Float64s()
	fd2 := mat.NewSymDense(2, nil)
	fd.Hessian(fd2, functions.Beale{}.Func, p, nil)
	if e := relErr(h, mat.DenseCopyOf(fd2).RawMatrix().Data); e > 1e-3 {
		t.Fatalf("nabla's Beale Hessian %v is off central differences %v by %.2g", h, fd2, e)
	}
	g := mat.NewSymDense(2, nil)
	functions.Beale{}.Hess(g, p)
	if e := relErr(h, mat.DenseCopyOf(g).RawMatrix().Data); e > 1e-10 {
		t.Logf("gonum's Beale.Hess at %v is %v; nabla and central differences give %v", p, mat.DenseCopyOf(g).RawMatrix().Data, h)
	}
}
