package nabla_test

import (
	"fmt"

	"github.com/nabla-go/nabla"
)

func ExampleGrad() {
	// f(x) = x³: Grad of Grad of Grad is the constant 6.
	cube := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.PowScalar(xs[0], 3) }
	d1 := nabla.Grad(cube)
	d2 := nabla.Grad(d1)
	d3 := nabla.Grad(d2)
	x := nabla.Scalar(2)
	fmt.Println(d1(x).Item(), d2(x).Item(), d3(x).Item())
	// Output: 12 12 6
}

func ExampleValueAndGrad() {
	// loss(w, b) = Σ (w·x + b − y)², gradients with respect to both.
	x, y := nabla.FromSlice([]float64{1, 2, 3}), nabla.FromSlice([]float64{2, 4, 6})
	loss := func(p ...*nabla.Tensor) *nabla.Tensor {
		return nabla.Sum(nabla.Square(nabla.Sub(nabla.Add(nabla.Mul(p[0], x), p[1]), y)))
	}
	val, g := nabla.ValueAndGrad(loss, 0, 1)(nabla.Scalar(1), nabla.Scalar(0))
	fmt.Println(val.Item(), g[0].Item(), g[1].Item())
	// Output: 14 -28 -12
}

func ExampleJVP() {
	// The directional derivative of Σ xᵢ² along v is 2⟨x, v⟩.
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Square(xs[0])) }
	x, v := nabla.FromSlice([]float64{1, 2}), nabla.FromSlice([]float64{3, -1})
	y, jv := nabla.JVP(f, []*nabla.Tensor{x}, []*nabla.Tensor{v})
	fmt.Println(y.Item(), jv.Item())
	// Output: 5 2
}

func ExampleVJP() {
	// For y = A·x the pullback of u is Aᵀu.
	a := nabla.FromSlice([]float64{1, 2, 3, 4}, 2, 2)
	y, pullback := nabla.VJP(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.MatMul(a, xs[0]) },
		nabla.FromSlice([]float64{1, 1}))
	fmt.Println(y, pullback(nabla.FromSlice([]float64{1, 0}))[0])
	// Output: tensor([3., 7.]) tensor([1., 2.])
}

func ExampleJacobian() {
	// The Jacobian of x ↦ x² (elementwise) is diag(2x); its shape is the
	// output's shape followed by the input's.
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Square(xs[0]) }
	fmt.Println(nabla.Jacobian(f)(nabla.FromSlice([]float64{1, 2})))
	// Output:
	// tensor([[2., 0.],
	//         [0., 4.]])
}

func ExampleHessian() {
	// f(x, y) = x²y + y³ has Hessian [[2y, 2x], [2x, 6y]].
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		x, y := nabla.Index(xs[0], 0), nabla.Index(xs[0], 1)
		return nabla.Add(nabla.Mul(nabla.Square(x), y), nabla.PowScalar(y, 3))
	}
	fmt.Println(nabla.Hessian(f)(nabla.FromSlice([]float64{1, 2})))
	// Output:
	// tensor([[ 4.,  2.],
	//         [ 2., 12.]])
}

func ExampleHVP() {
	// H·v for f(x) = Σ xᵢ⁴ / 12, whose Hessian is diag(xᵢ²), without forming H.
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.DivScalar(nabla.Sum(nabla.PowScalar(xs[0], 4)), 12)
	}
	x, v := nabla.FromSlice([]float64{1, 2, 3}), nabla.FromSlice([]float64{1, 1, -1})
	fmt.Println(nabla.HVP(f, []*nabla.Tensor{x}, []*nabla.Tensor{v})[0])
	// Output: tensor([ 1.,  4., -9.])
}

func ExampleCompileValueAndGrad() {
	// f(x) = Σ (1 − xᵢ)²: traced at the first call, replayed after.
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Square(nabla.RSub(1, xs[0]))) }
	vg := nabla.CompileValueAndGrad(f)
	for _, x := range [][]float64{{0, 2}, {3, -1}} {
		y, g := vg(nabla.FromSlice(x))
		fmt.Println(y.Item(), g[0].Float64s())
	}
	// Gradients written into tensors of the caller's, as gonum's Grad does.
	into := nabla.CompileValueAndGradInto(f)
	grad := nabla.Zeros(2)
	y := into([]*nabla.Tensor{grad}, nabla.FromSlice([]float64{-1, 3}))
	fmt.Println(y.Item(), grad.Float64s())

	// Go code that reads traced values cannot be replayed: an error says so.
	bad := nabla.CompileValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.MulScalar(xs[0], xs[0].Item())
	})
	err := nabla.Catch(func() { bad(nabla.Scalar(2)) })
	fmt.Println(err != nil)
	// Output:
	// 2 [-2 2]
	// 8 [4 -4]
	// 8 [-4 4]
	// true
}

func ExampleCompile() {
	// A compiled forward pass: softmax of a matrix product.
	f := nabla.Compile(func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.Softmax(nabla.MatMul(xs[0], xs[1]), -1)
	})
	a := nabla.FromSlice([]float64{1, 0, 0, 1}, 2, 2)
	b := nabla.FromSlice([]float64{0, 0, 0, 1}, 2, 2)
	fmt.Printf("%.4f\n", f(a, b).Float64s())
	// Output: [0.5000 0.5000 0.2689 0.7311]
}

func ExampleMakeValueAndGradProgram() {
	// What reverse mode computes for f(x) = Σ x²·sin x, op by op: the forward
	// pass, then the backward pass that the chain rule writes (sin saved its
	// cos for the rule). This is the program CompileValueAndGrad replays.
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.Sum(nabla.Mul(nabla.Square(xs[0]), nabla.Sin(xs[0])))
	}
	fmt.Print(nabla.MakeValueAndGradProgram(f, nil, nabla.Zeros(3)))
	// Output:
	// program(x0: float64(3,))
	//   c6 = const float64() 1
	//   v1    = pow_scalar[2](x0)  float64(3,)
	//   v2    = sin(x0)  float64(3,), saves v3
	//   v4    = mul(v1, v2)  float64(3,)
	//   v5    = sum[axes [0]](v4)  float64()
	//   -- backward --
	//   v7    = mul(c6, v2)  float64(3,)
	//   v8    = mul(c6, v1)  float64(3,)
	//   v9    = mul(v8, v3)  float64(3,)
	//   v10   = square_grad(v7, x0)  float64(3,)
	//   v11   = add(v9, v10)  float64(3,)
	//   return v5 (value), v11 (grad x0)
}
