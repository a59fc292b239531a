package bench

import "github.com/nabla-go/nabla"

// HessianN is the dimension of the Hessian workload.
const HessianN = 100

// NablaRosenbrockHessian returns the function computing the n×n Hessian of
// the disjoint-pairs extended Rosenbrock (RosenbrockPairs) with
// nabla.Hessian: forward mode over the reverse-mode gradient, one
// Jacobian-vector product of the gradient per column.
func NablaRosenbrockHessian() nabla.Func {
	return nabla.Hessian(func(xs ...*nabla.Tensor) *nabla.Tensor { return RosenbrockPairs(xs[0]) })
}

// NablaRosenbrockHessianRev is the same Hessian reverse over reverse: the
// reverse-mode Jacobian of the gradient, one backward pass per row through
// the recorded gradient.
func NablaRosenbrockHessianRev() nabla.Func {
	return nabla.JacobianRev(nabla.Grad(func(xs ...*nabla.Tensor) *nabla.Tensor { return RosenbrockPairs(xs[0]) }))
}

// RosenbrockPairsFunc is the disjoint-pairs extended Rosenbrock written by
// hand, Σᵢ 100(x₂ᵢ − x₂ᵢ₋₁²)² + (1 − x₂ᵢ₋₁)², the function that gonum's
// diff/fd.Hessian differentiates.
func RosenbrockPairsFunc(x []float64) float64 {
	f := 0.0
	for i := 0; i < len(x); i += 2 {
		a := x[i+1] - x[i]*x[i]
		c := 1 - x[i]
		f += 100*a*a + c*c
	}
	return f
}
