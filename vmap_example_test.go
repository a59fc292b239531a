package nabla_test

import (
	"fmt"

	"github.com/nabla-go/nabla"
)

func ExampleVmap() {
	// f maps one vector to Σ xᵢ²; Vmap(f) maps each row of a batch, in one
	// batched pass. The weight w is passed whole to every example.
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Mul(xs[1], nabla.Square(xs[0]))) }
	batch := nabla.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 3, 2)
	w := nabla.FromSlice([]float64{1, 10})
	fmt.Println(nabla.Vmap(f, 0, nabla.NotMapped)(batch, w))
	// Mapped over the columns instead (in-axis 1).
	fmt.Println(nabla.Vmap(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(xs[0]) }, 1)(batch))
	// Output:
	// tensor([ 41., 169., 385.])
	// tensor([ 9., 12.])
}

func ExampleVmap_perExampleGradients() {
	// The gradient of the squared error of a linear model, for each example
	// of a batch at once: Vmap of Grad, as in JAX.
	loss := func(xs ...*nabla.Tensor) *nabla.Tensor {
		w, x, y := xs[0], xs[1], xs[2]
		return nabla.Square(nabla.Sub(nabla.Dot(w, x), y))
	}
	w := nabla.FromSlice([]float64{1, -1})
	x := nabla.FromSlice([]float64{1, 2, 3, 1, 0, 2}, 3, 2)
	y := nabla.FromSlice([]float64{0, 1, -1})
	perExample := nabla.Vmap(nabla.Grad(loss), nabla.NotMapped, 0, 0)
	fmt.Println(perExample(w, x, y))
	// Output:
	// tensor([[-2., -4.],
	//         [ 6.,  2.],
	//         [ 0., -4.]])
}

func ExampleVmapFallbacks() {
	// An op without a Batch rule runs once per example; VmapFallbacks says
	// which. (Vmap of a function that reads values in Go runs the whole
	// function once per example.)
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Tanh(xs[0]) }
	y, fell := nabla.VmapFallbacks(f)(nabla.Zeros(4, 3))
	fmt.Println(y.Shape(), fell)
	// Output: [4 3] []
}

func ExampleVmapInto() {
	// Per-example gradients of every parameter, flattened and joined, written
	// into a tensor the caller keeps: calling again reuses its memory, which
	// for a real network is as large as the batch times the parameters.
	loss := func(xs ...*nabla.Tensor) *nabla.Tensor {
		x, y, w, b := xs[0], xs[1], xs[2], xs[3]
		return nabla.Square(nabla.Sub(nabla.Add(nabla.Dot(w, x), b), y))
	}
	grads := func(xs ...*nabla.Tensor) *nabla.Tensor {
		_, gs := nabla.ValueAndGrad(loss, 2, 3)(xs...)
		return nabla.Concat(0, nabla.Flatten(gs[0]), nabla.Flatten(gs[1]))
	}
	x := nabla.FromSlice([]float64{1, 2, 3, 1, 0, 2}, 3, 2)
	y := nabla.FromSlice([]float64{0, 1, -1})
	w, b := nabla.FromSlice([]float64{1, -1}), nabla.Scalar(0.5)
	m := nabla.NotMapped
	perExample := nabla.VmapInto(grads, 0, 0, m, m)
	out := nabla.Zeros(3, 3) // 3 examples, 2 + 1 parameters
	for step := 0; step < 2; step++ {
		perExample(out, x, y, w, b)
	}
	fmt.Println(out)
	// Output:
	// tensor([[-1., -2., -1.],
	//         [ 9.,  3.,  3.],
	//         [ 0., -2., -1.]])
}
