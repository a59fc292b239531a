package bench

import "github.com/nabla-go/nabla"

// Two functions go by the name "extended Rosenbrock". The root package's
// benchmark uses the sum over disjoint pairs (n/2 terms),
//
//	Σᵢ 100(x₂ᵢ − x₂ᵢ₋₁²)² + (1 − x₂ᵢ₋₁)²,
//
// while gonum's optimize/functions.ExtendedRosenbrock chains every
// consecutive pair (n−1 terms),
//
//	Σᵢ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)².
//
// Each is timed against its own hand-written gradient: the pairs form
// against RosenbrockPairsGrad, the chained form against gonum's Grad.

// RosenbrockPairs is the disjoint-pairs form written with nabla's vector ops
// on the odd and even halves, as in the root package's bench_test.go.
func RosenbrockPairs(x *nabla.Tensor) *nabla.Tensor {
	n := x.Size()
	odd := nabla.Slice(x, 0, 0, n, 2)
	even := nabla.Slice(x, 0, 1, n, 2)
	return rosenbrockTerms(odd, even)
}

// RosenbrockChained is gonum's chained form written with nabla's vector ops
// on x[:n−1] and x[1:].
func RosenbrockChained(x *nabla.Tensor) *nabla.Tensor {
	n := x.Size()
	return rosenbrockTerms(nabla.Slice(x, 0, 0, n-1, 1), nabla.Slice(x, 0, 1, n, 1))
}

// rosenbrockTerms returns Σ 100(next − cur²)² + (1 − cur)².
func rosenbrockTerms(cur, next *nabla.Tensor) *nabla.Tensor {
	a := nabla.Sub(next, nabla.Square(cur))
	c := nabla.RSub(1, cur)
	return nabla.Sum(nabla.Add(nabla.MulScalar(nabla.Square(a), 100), nabla.Square(c)))
}

// RosenbrockPairsGrad returns the disjoint-pairs form at x and writes its
// analytic gradient into g.
func RosenbrockPairsGrad(x, g []float64) float64 {
	f := 0.0
	for i := 0; i < len(x); i += 2 {
		a := x[i+1] - x[i]*x[i]
		c := 1 - x[i]
		f += 100*a*a + c*c
		g[i] = -400*a*x[i] - 2*c
		g[i+1] = 200 * a
	}
	return f
}
