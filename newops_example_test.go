package nabla_test

import (
	"fmt"

	"github.com/nabla-go/nabla"
)

// Einsum writes contractions as equations; its gradients come from the ops
// it lowers to.
func ExampleEinsum() {
	a := nabla.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3).SetRequiresGrad(true)
	b := nabla.FromSlice([]float64{1, 0, 0, 1, 1, 1}, 3, 2)
	fmt.Println(nabla.Einsum("ij,jk->ik", a, b)) // a matrix product
	fmt.Println(nabla.Einsum("ij->ji", a))       // a transpose
	m := nabla.FromSlice([]float64{1, 2, 3, 4}, 2, 2)
	fmt.Println(nabla.Einsum("ii", m), nabla.Einsum("ii->i", m)) // trace, diagonal

	nabla.Einsum("ij,ij->", a, a).Backward() // the squared Frobenius norm
	fmt.Println(a.Grad())
	// Output:
	// tensor([[ 4.,  5.],
	//         [10., 11.]], grad_fn=matmul)
	// tensor([[1., 4.],
	//         [2., 5.],
	//         [3., 6.]], grad_fn=permute)
	// tensor(5.) tensor([1., 4.])
	// tensor([[ 2.,  4.,  6.],
	//         [ 8., 10., 12.]])
}

// Sort returns the values and, as an Int64 tensor, where they came from; the
// gradient goes back to those positions.
func ExampleSort() {
	x := nabla.FromSlice([]float64{3, 1, 2, 1}).SetRequiresGrad(true)
	v, i := nabla.Sort(x, 0, false)
	fmt.Println(v.Detach(), i)
	nabla.Sum(nabla.Mul(v, nabla.FromSlice([]float64{1, 2, 3, 4}))).Backward()
	fmt.Println(x.Grad())
	top, at := nabla.TopK(x, 2, 0, true)
	fmt.Println(top.Detach(), at)
	// Output:
	// tensor([1., 1., 2., 3.]) tensor([1, 3, 2, 0])
	// tensor([4., 1., 3., 2.])
	// tensor([3., 2.]) tensor([0, 2])
}

// A comparison gives a Bool mask, outside the graph; Where routes the
// gradient by it.
func ExampleWhere() {
	x := nabla.FromSlice([]float64{-2, -0.5, 0.5, 2}).SetRequiresGrad(true)
	inside := nabla.LogicalAnd(x.Greater(nabla.Scalar(-1)), x.Less(nabla.Scalar(1)))
	// The Huber loss with δ = 1: ½x² inside [-1, 1], |x| - ½ outside.
	huber := nabla.Where(inside, nabla.MulScalar(nabla.Square(x), 0.5), nabla.AddScalar(nabla.Abs(x), -0.5))
	nabla.Sum(huber).Backward()
	fmt.Println(inside)
	fmt.Println(huber.Detach())
	fmt.Println(x.Grad())
	// Output:
	// tensor([False,  True,  True, False])
	// tensor([1.5000, 0.1250, 0.1250, 1.5000])
	// tensor([-1.0000, -0.5000,  0.5000,  1.0000])
}
