package nabla

import (
	"fmt"
	"testing"
)

// jetBenchExpr is a scalar expression of 21 ops in two variables
// (testdata/sympy_jet.py's "A").
func jetBenchExpr(xs ...*Tensor) *Tensor {
	x, y := xs[0], xs[1]
	b := Div(Exp(Mul(Sin(x), y)), AddScalar(Square(x), 1))
	c := Mul(Log1p(Square(y)), Tanh(Sub(x, y)))
	d := Sqrt(AddScalar(Cos(Mul(x, y)), 2))
	e := Mul(Sigmoid(x), PowScalar(y, 3))
	return Sub(Add(Add(b, c), d), e)
}

// BenchmarkJet compares Jet with nested reverse mode (what
// TaylorCoefficients computed before Jet: each derivative taken in reverse
// mode through the recorded previous one) on a 21-op expression along a
// line, by order.
//
//	go test -run '^$' -bench BenchmarkJet -benchtime 20x .
func BenchmarkJet(b *testing.B) {
	xs := []*Tensor{Scalar(0.4), Scalar(-0.7)}
	for _, k := range []int{2, 4, 6, 8} {
		series := [][]*Tensor{make([]*Tensor, k), make([]*Tensor, k)}
		series[0][0], series[1][0] = Scalar(0.8), Scalar(0.3)
		b.Run(fmt.Sprintf("order=%d/jet", k), func(b *testing.B) {
			for b.Loop() {
				Jet(jetBenchExpr, xs, series)
			}
		})
		b.Run(fmt.Sprintf("order=%d/nested", k), func(b *testing.B) {
			for b.Loop() {
				jetNested("bench", jetBenchExpr, xs, series, k)
			}
		})
	}
}
