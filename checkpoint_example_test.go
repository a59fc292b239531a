package nabla_test

import (
	"fmt"

	"github.com/nabla-go/nabla"
)

// A block of two layers checkpointed: the forward pass keeps x, w and the
// block's output, not tanh(x·w); the backward pass recomputes it. The
// gradients are the block's own.
func ExampleCheckpoint() {
	w := nabla.FromSlice([]float64{0.5, -1, 2, 0.25}, 2, 2).SetRequiresGrad(true)
	block := func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.Sin(nabla.MatMul(nabla.Tanh(nabla.MatMul(xs[0], w)), w))
	}
	x := nabla.FromSlice([]float64{1, 2}, 1, 2)
	for _, f := range []nabla.Func{block, nabla.Checkpoint(block)} {
		y := f(x)
		g := nabla.Gradients([]*nabla.Tensor{nabla.Sum(nabla.Square(y))}, []*nabla.Tensor{w})[0]
		fmt.Printf("%-10s %.6f\n", y.OpName(), g.Float64s())
	}
	// Output:
	// sin        [-0.750042 -2.125640 0.347197 -2.306267]
	// checkpoint [-0.750042 -2.125640 0.347197 -2.306267]
}
