package bench

import "github.com/nabla-go/nabla"

// The Taylor-mode workload: the coefficients of a 21-op scalar expression
// of two variables along a line, by nabla.Jet (one pass carrying every
// coefficient) against nested reverse mode (each derivative taken in
// reverse mode through the recorded previous one: what
// nabla.TaylorCoefficients computed before Jet).

// TaylorExpr is the expression: 21 ops (the root package's
// testdata/sympy_jet.py, expression A).
func TaylorExpr(xs ...*nabla.Tensor) *nabla.Tensor {
	x, y := xs[0], xs[1]
	b := nabla.Div(nabla.Exp(nabla.Mul(nabla.Sin(x), y)), nabla.AddScalar(nabla.Square(x), 1))
	c := nabla.Mul(nabla.Log1p(nabla.Square(y)), nabla.Tanh(nabla.Sub(x, y)))
	d := nabla.Sqrt(nabla.AddScalar(nabla.Cos(nabla.Mul(x, y)), 2))
	e := nabla.Mul(nabla.Sigmoid(x), nabla.PowScalar(y, 3))
	return nabla.Sub(nabla.Add(nabla.Add(b, c), d), e)
}

// TaylorPoint returns the point and direction of the workload.
func TaylorPoint() (x, v []*nabla.Tensor) {
	return []*nabla.Tensor{nabla.Scalar(0.4), nabla.Scalar(-0.7)}, []*nabla.Tensor{nabla.Scalar(0.8), nabla.Scalar(0.3)}
}

// TaylorJet returns the coefficients 0…k of t ↦ f(x + t·v) by nabla.Jet.
func TaylorJet(f nabla.Func, x, v []*nabla.Tensor, k int) []float64 {
	series := make([][]*nabla.Tensor, len(x))
	for i := range series {
		series[i] = make([]*nabla.Tensor, k)
		if k > 0 {
			series[i][0] = v[i]
		}
	}
	y, s := nabla.Jet(f, x, series)
	out := []float64{y.Item()}
	for _, c := range s {
		out = append(out, c.Item())
	}
	return out
}

// TaylorNested returns the same coefficients by nested reverse mode: the
// derivatives of t ↦ f(x + t·v), each a gradient of the previous one with
// its graph recorded.
func TaylorNested(f nabla.Func, x, v []*nabla.Tensor, k int) []float64 {
	t := nabla.Scalar(0).SetRequiresGrad(true)
	args := make([]*nabla.Tensor, len(x))
	for i := range x {
		args[i] = nabla.Add(x[i], nabla.Mul(t, v[i]))
	}
	cur := f(args...)
	out := []float64{cur.Item()}
	fact := 1.0
	for j := 1; j <= k; j++ {
		fact *= float64(j)
		if !cur.RequiresGrad() {
			out = append(out, 0)
			continue
		}
		g := nabla.Gradients([]*nabla.Tensor{cur}, []*nabla.Tensor{t}, nabla.CreateGraph(), nabla.AllowUnused())[0]
		if g == nil {
			g = nabla.Scalar(0)
		}
		out = append(out, g.Item()/fact)
		cur = g
	}
	return out
}
