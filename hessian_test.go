package nabla_test

import (
	"math"
	"testing"

	"github.com/nabla-go/nabla"
)

// Forward over reverse without CreateGraph: the backward pass of sin must not
// reuse the cos saved by the forward pass, which carries no tangent, or the
// tangent of the gradient (the Hessian-vector product) comes out wrong.
func TestForwardOverReverseThroughSavedValues(t *testing.T) {
	x := variable(0.4, -1.1)
	y := nabla.Sum(nabla.Sin(nabla.Dual(x, vec(1, 1))))
	g := nabla.Gradients([]*nabla.Tensor{y}, []*nabla.Tensor{x})[0]
	assertClose(t, "gradient", g, []float64{math.Cos(0.4), math.Cos(-1.1)}, 1e-15)
	assertClose(t, "its tangent", g.Tangent(), []float64{-math.Sin(0.4), -math.Sin(-1.1)}, 1e-15)
}
