package nabla_test

import (
	"fmt"
	"math"
	"strings"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/gradcheck"
)

// The gradient of the mean squared error with respect to the predictions is
// 2(ŷ − y)/n.
func Example_mseGradient() {
	pred := nabla.FromSlice([]float64{0.9, 0.2, 0.7}).SetRequiresGrad(true)
	target := nabla.FromSlice([]float64{1, 0, 1})
	mse := nabla.Mean(nabla.Square(nabla.Sub(pred, target)))
	mse.Backward()
	fmt.Printf("MSE: %.4f, Gradient: %.4f\n", mse.Item(), pred.Grad().Float64s())
	// Output: MSE: 0.0467, Gradient: [-0.0667 0.1333 -0.2000]
}

// Backpropagation by hand through loss = MSE(W2 @ relu(W1 @ x), y) gives the
// same gradients as autodiff.
func Example_chainRule() {
	r := nabla.NewRand(42)
	x := nabla.Randn(r, 4)
	y := nabla.FromSlice([]float64{1})
	w1 := nabla.MulScalar(nabla.Randn(r, 3, 4), 0.1).SetRequiresGrad(true)
	w2 := nabla.MulScalar(nabla.Randn(r, 1, 3), 0.1).SetRequiresGrad(true)

	// Forward pass, recorded.
	h1 := nabla.MatMul(w1, x)
	a1 := nabla.Relu(h1)
	yPred := nabla.MatMul(w2, a1)
	loss := nabla.Mean(nabla.Square(nabla.Sub(yPred, y)))
	loss.Backward()

	// Backward pass by hand with the chain rule, on plain values.
	var dW1, dW2 *nabla.Tensor
	nabla.NoGrad(func() {
		dLdy := nabla.MulScalar(nabla.Sub(yPred, y), 2.0/1)   // ∂L/∂ŷ
		dW2 = nabla.Outer(dLdy, a1)                           // ∂L/∂W2 = ∂L/∂ŷ · a1ᵀ
		dLda1 := nabla.MatMul(w2.T(), dLdy)                   // back through W2
		dLdh1 := nabla.Mul(dLda1, nabla.Sign(nabla.Relu(h1))) // relu mask
		dW1 = nabla.Outer(dLdh1, x)                           // ∂L/∂W1 = ∂L/∂h1 · xᵀ
	})
	diff := math.Max(maxAbsDiff(dW1, w1.Grad()), maxAbsDiff(dW2, w2.Grad()))
	fmt.Printf("loss %.4f, dL/dW1 shape %v, hand and autodiff agree to 1e-12: %v\n", loss.Item(), w1.Grad().Shape(), diff < 1e-12)
	// Output: loss 1.0089, dL/dW1 shape [3 4], hand and autodiff agree to 1e-12: true
}

func maxAbsDiff(a, b *nabla.Tensor) float64 {
	d := 0.0
	av, bv := a.Float64s(), b.Float64s()
	for i := range av {
		d = math.Max(d, math.Abs(av[i]-bv[i]))
	}
	return d
}

// A central-difference gradient agrees with the analytical one.
func Example_numericalGradient() {
	f := func(t *nabla.Tensor) *nabla.Tensor {
		return nabla.Sum(nabla.Add(nabla.PowScalar(t, 3), nabla.MulScalar(t, 2)))
	}
	x := nabla.Randn(nabla.NewRand(1), 5).SetRequiresGrad(true)
	f(x).Backward()
	analytic := x.Grad().Float64s()

	const eps = 1e-5
	maxDiff := 0.0
	for i := range analytic {
		plus, minus := x.Clone(), x.Clone()
		plus.RawFloat64()[i] += eps
		minus.RawFloat64()[i] -= eps
		numeric := (f(plus).Item() - f(minus).Item()) / (2 * eps)
		maxDiff = math.Max(maxDiff, math.Abs(numeric-analytic[i]))
	}
	fmt.Println("max difference below 1e-8:", maxDiff < 1e-8)

	// The gradcheck package does the same for every input element at once.
	err := gradcheck.Check(func(xs ...*nabla.Tensor) *nabla.Tensor { return f(xs[0]) }, []*nabla.Tensor{x.Detach()}, nil)
	fmt.Println("gradcheck:", err)
	// Output:
	// max difference below 1e-8: true
	// gradcheck: <nil>
}

// Gradients accumulate across backward passes until ZeroGrad: forgetting to
// zero them between steps doubles the gradient.
func Example_forgettingZeroGrad() {
	w := nabla.FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	loss := func() *nabla.Tensor { return nabla.Sum(nabla.Square(w)) }

	loss().Backward()
	fmt.Println("first:", w.Grad().Float64s())
	loss().Backward() // no ZeroGrad in between
	fmt.Println("second, not zeroed:", w.Grad().Float64s())
	w.ZeroGrad()
	loss().Backward()
	fmt.Println("after ZeroGrad:", w.Grad().Float64s())
	// Output:
	// first: [2 4]
	// second, not zeroed: [4 8]
	// after ZeroGrad: [2 4]
}

func ExampleTensor_Backward() {
	x := nabla.Scalar(1.5).SetRequiresGrad(true)
	y := nabla.Add(nabla.PowScalar(x, 3), nabla.MulScalar(x, 2)) // x³ + 2x
	y.Backward()
	fmt.Println(y.Item(), x.Grad().Item()) // 3x² + 2
	// Output: 6.375 8.75
}

func ExampleGradients() {
	x := nabla.Scalar(0.5).SetRequiresGrad(true)
	y := nabla.Sin(x)
	dy := nabla.Gradients([]*nabla.Tensor{y}, []*nabla.Tensor{x}, nabla.CreateGraph())[0]
	d2y := nabla.Gradients([]*nabla.Tensor{dy}, []*nabla.Tensor{x})[0]
	fmt.Printf("cos: %.6f, -sin: %.6f\n", dy.Item(), d2y.Item())
	// Output: cos: 0.877583, -sin: -0.479426
}

func ExampleDual() {
	// Forward mode: the tangent of x·eˣ in direction 1 is (1+x)eˣ.
	x := nabla.Dual(nabla.Scalar(1), nabla.Scalar(1))
	y := nabla.Mul(x, nabla.Exp(x))
	fmt.Printf("%.6f %.6f\n", y.Item(), y.Tangent().Item())
	// Output: 2.718282 5.436564
}

func ExampleNoGrad() {
	w := nabla.FromSlice([]float64{1}).SetRequiresGrad(true)
	var y *nabla.Tensor
	nabla.NoGrad(func() { y = nabla.MulScalar(w, 3) })
	fmt.Println(y.RequiresGrad())
	// Output: false
}

func ExampleCatch() {
	err := nabla.Catch(func() {
		nabla.Add(nabla.Zeros(2, 3), nabla.Zeros(4))
	})
	fmt.Println(err != nil)
	// Output: true
}

func ExampleMatMul() {
	a := nabla.FromSlice([]float64{1, 2, 3, 4}, 2, 2)
	b := nabla.FromSlice([]float64{5, 6}, 2)
	fmt.Println(nabla.MatMul(a, b))
	// Output: tensor([17., 39.])
}

// Linear is a dense layer's x·wᵀ + b, with w stored out×in as PyTorch
// stores it; its gradients flow to all three.
func ExampleLinear() {
	x := nabla.FromSlice([]float64{1, 2, 3, 4}, 2, 2) // two rows of two features
	w := nabla.FromSlice([]float64{1, 0, 0, 1, 1, 1}, 3, 2)
	b := nabla.FromSlice([]float64{0.5, 0, -1}, 3)
	b.SetRequiresGrad(true)
	y := nabla.Linear(x, w, b)
	fmt.Println(y.Float64s())
	nabla.Sum(y).Backward()
	fmt.Println(b.Grad().Float64s())
	fmt.Println(nabla.Linear(nabla.FromSlice([]float64{1, 2}), w, b).Float64s())
	// Output:
	// [1.5 2 2 3.5 4 6]
	// [2 2 2]
	// [1.5 2 2]
}

func ExampleSoftmax() {
	fmt.Println(nabla.Softmax(nabla.FromSlice([]float64{1, 2, 3}), 0))
	// Output: tensor([0.0900, 0.2447, 0.6652])
}

// MatMulBackend names what multiplies matrices: in the default build,
// nabla's own kernels and the microkernel picked for this CPU.
func ExampleMatMulBackend() {
	b := nabla.MatMulBackend()
	fmt.Println(strings.HasPrefix(b, "nabla gemm: ") || strings.HasPrefix(b, "OpenBLAS"))
	// Output: true
}
