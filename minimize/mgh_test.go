package minimize_test

import (
	"math"

	"github.com/nabla-go/nabla"
)

// The Moré–Garbow–Hillstrom test problems (ACM TOMS 7, 1981), written with
// nabla operations, with their standard start points and known minima.
type problem struct {
	name  string
	f     func(x *nabla.Tensor) *nabla.Tensor
	x0    []float64
	fstar float64 // the minimum the methods are expected to reach
}

func rep(pattern []float64, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = pattern[i%len(pattern)]
	}
	return x
}

// sumSq returns Σ rᵢ².
func sumSq(rs ...*nabla.Tensor) *nabla.Tensor {
	s := nabla.Sum(nabla.Square(rs[0]))
	for _, r := range rs[1:] {
		s = nabla.Add(s, nabla.Sum(nabla.Square(r)))
	}
	return s
}

func at(x *nabla.Tensor, i int) *nabla.Tensor { return nabla.Index(x, i) }

func rosenbrock(x *nabla.Tensor) *nabla.Tensor {
	x1, x2 := at(x, 0), at(x, 1)
	return sumSq(nabla.MulScalar(nabla.Sub(x2, nabla.Square(x1)), 10), nabla.RSub(1, x1))
}

func freudensteinRoth(x *nabla.Tensor) *nabla.Tensor {
	x1, x2 := at(x, 0), at(x, 1)
	// r₁ = −13 + x₁ + ((5 − x₂)x₂ − 2)x₂, r₂ = −29 + x₁ + ((x₂ + 1)x₂ − 14)x₂
	r1 := nabla.AddScalar(nabla.Add(x1, nabla.Mul(nabla.AddScalar(nabla.Mul(nabla.RSub(5, x2), x2), -2), x2)), -13)
	r2 := nabla.AddScalar(nabla.Add(x1, nabla.Mul(nabla.AddScalar(nabla.Mul(nabla.AddScalar(x2, 1), x2), -14), x2)), -29)
	return sumSq(r1, r2)
}

func powellBadlyScaled(x *nabla.Tensor) *nabla.Tensor {
	x1, x2 := at(x, 0), at(x, 1)
	r1 := nabla.AddScalar(nabla.MulScalar(nabla.Mul(x1, x2), 1e4), -1)
	r2 := nabla.AddScalar(nabla.Add(nabla.Exp(nabla.Neg(x1)), nabla.Exp(nabla.Neg(x2))), -1.0001)
	return sumSq(r1, r2)
}

func brownBadlyScaled(x *nabla.Tensor) *nabla.Tensor {
	x1, x2 := at(x, 0), at(x, 1)
	return sumSq(nabla.AddScalar(x1, -1e6), nabla.AddScalar(x2, -2e-6), nabla.AddScalar(nabla.Mul(x1, x2), -2))
}

func beale(x *nabla.Tensor) *nabla.Tensor {
	x1, x2 := at(x, 0), at(x, 1)
	var rs []*nabla.Tensor
	for i, y := range []float64{1.5, 2.25, 2.625} {
		// rᵢ = yᵢ − x₁(1 − x₂ⁱ)
		rs = append(rs, nabla.RSub(y, nabla.Mul(x1, nabla.RSub(1, nabla.PowScalar(x2, float64(i+1))))))
	}
	return sumSq(rs...)
}

// atanOp is arctan, which nabla lacks; the helical valley needs it. It shows
// that a primitive defined outside nabla, with its two rules, takes part in
// second derivatives like any other.
var atanOp = nabla.Register(&nabla.Op{
	Name: "minimize_test.atan",
	Forward: func(c *nabla.Ctx) *nabla.Tensor {
		v := c.Inputs[0].Float64s()
		for i := range v {
			v[i] = math.Atan(v[i])
		}
		return nabla.FromSlice(v, c.Inputs[0].Shape()...)
	},
	// atan' u = 1/(1+u²)
	VJP: func(c *nabla.Ctx, g *nabla.Tensor) []*nabla.Tensor {
		return []*nabla.Tensor{nabla.Div(g, nabla.AddScalar(nabla.Square(c.Inputs[0]), 1))}
	},
	JVP: func(c *nabla.Ctx, d []*nabla.Tensor) *nabla.Tensor {
		return nabla.Div(d[0], nabla.AddScalar(nabla.Square(c.Inputs[0]), 1))
	},
})

func helicalValley(x *nabla.Tensor) *nabla.Tensor {
	x1, x2, x3 := at(x, 0), at(x, 1), at(x, 2)
	// θ = atan(x₂/x₁)/2π, plus ½ when x₁ < 0: a constant on each side.
	theta := nabla.MulScalar(atanOp.Apply(nil, nabla.Div(x2, x1)), 1/(2*math.Pi))
	if x1.Item() < 0 {
		theta = nabla.AddScalar(theta, 0.5)
	}
	r1 := nabla.MulScalar(nabla.Sub(x3, nabla.MulScalar(theta, 10)), 10)
	r2 := nabla.MulScalar(nabla.AddScalar(nabla.Sqrt(nabla.Add(nabla.Square(x1), nabla.Square(x2))), -1), 10)
	return sumSq(r1, r2, x3)
}

// extendedPowell is Σ over blocks of four of the Powell singular function;
// with n = 4 it is the Powell singular function itself.
func extendedPowell(x *nabla.Tensor) *nabla.Tensor {
	n := x.Size()
	x1, x2 := nabla.Slice(x, 0, 0, n, 4), nabla.Slice(x, 0, 1, n, 4)
	x3, x4 := nabla.Slice(x, 0, 2, n, 4), nabla.Slice(x, 0, 3, n, 4)
	r1 := nabla.Add(x1, nabla.MulScalar(x2, 10))
	r2 := nabla.MulScalar(nabla.Sub(x3, x4), math.Sqrt(5))
	r3 := nabla.Square(nabla.Sub(x2, nabla.MulScalar(x3, 2)))
	r4 := nabla.MulScalar(nabla.Square(nabla.Sub(x1, x4)), math.Sqrt(10))
	return sumSq(r1, r2, r3, r4)
}

func wood(x *nabla.Tensor) *nabla.Tensor {
	x1, x2, x3, x4 := at(x, 0), at(x, 1), at(x, 2), at(x, 3)
	return sumSq(
		nabla.MulScalar(nabla.Sub(x2, nabla.Square(x1)), 10),
		nabla.RSub(1, x1),
		nabla.MulScalar(nabla.Sub(x4, nabla.Square(x3)), math.Sqrt(90)),
		nabla.RSub(1, x3),
		nabla.MulScalar(nabla.AddScalar(nabla.Add(x2, x4), -2), math.Sqrt(10)),
		nabla.MulScalar(nabla.Sub(x2, x4), 1/math.Sqrt(10)),
	)
}

// extendedRosenbrock is Σ 100(x₂ᵢ − x₂ᵢ₋₁²)² + (1 − x₂ᵢ₋₁)².
func extendedRosenbrock(x *nabla.Tensor) *nabla.Tensor {
	n := x.Size()
	odd, even := nabla.Slice(x, 0, 0, n, 2), nabla.Slice(x, 0, 1, n, 2)
	return sumSq(nabla.MulScalar(nabla.Sub(even, nabla.Square(odd)), 10), nabla.RSub(1, odd))
}

// chainedRosenbrock is Σ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², which is what gonum's
// functions.ExtendedRosenbrock computes (MGH's extended Rosenbrock above
// pairs the variables instead). The two agree for n = 2.
func chainedRosenbrock(x *nabla.Tensor) *nabla.Tensor {
	n := x.Size()
	head, tail := nabla.Slice(x, 0, 0, n-1, 1), nabla.Slice(x, 0, 1, n, 1)
	return sumSq(nabla.MulScalar(nabla.Sub(tail, nabla.Square(head)), 10), nabla.RSub(1, head))
}

// freudensteinRothLocal is the local minimum that descent methods reach from
// the standard start point (MGH report f = 48.9842...).
const freudensteinRothLocal = 48.98425367924

var problems = []problem{
	{"rosenbrock", rosenbrock, []float64{-1.2, 1}, 0},
	{"freudenstein-roth", freudensteinRoth, []float64{0.5, -2}, freudensteinRothLocal},
	{"powell-badly-scaled", powellBadlyScaled, []float64{0, 1}, 0},
	{"brown-badly-scaled", brownBadlyScaled, []float64{1, 1}, 0},
	{"beale", beale, []float64{1, 1}, 0},
	{"helical-valley", helicalValley, []float64{-1, 0, 0}, 0},
	{"powell-singular", extendedPowell, []float64{3, -1, 0, 1}, 0},
	{"wood", wood, []float64{-3, -1, -3, -1}, 0},
	{"ext-rosenbrock/n=100", extendedRosenbrock, rep([]float64{-1.2, 1}, 100), 0},
	{"ext-powell/n=100", extendedPowell, rep([]float64{3, -1, 0, 1}, 100), 0},
	{"ext-rosenbrock/n=1000", extendedRosenbrock, rep([]float64{-1.2, 1}, 1000), 0},
	{"ext-powell/n=1000", extendedPowell, rep([]float64{3, -1, 0, 1}, 1000), 0},
}
