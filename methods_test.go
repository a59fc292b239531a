package nabla_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/nabla-go/nabla"
)

// TestUnaryMethods checks that each method form computes what its function
// does, value and gradient.
func TestUnaryMethods(t *testing.T) {
	for _, c := range []struct {
		name   string
		method func(*nabla.Tensor) *nabla.Tensor
		fn     func(*nabla.Tensor) *nabla.Tensor
	}{
		{"Exp", (*nabla.Tensor).Exp, nabla.Exp},
		{"Log", (*nabla.Tensor).Log, nabla.Log},
		{"Log1p", (*nabla.Tensor).Log1p, nabla.Log1p},
		{"Expm1", (*nabla.Tensor).Expm1, nabla.Expm1},
		{"Sqrt", (*nabla.Tensor).Sqrt, nabla.Sqrt},
		{"Square", (*nabla.Tensor).Square, nabla.Square},
		{"Reciprocal", (*nabla.Tensor).Reciprocal, nabla.Reciprocal},
		{"Abs", (*nabla.Tensor).Abs, nabla.Abs},
		{"Sign", (*nabla.Tensor).Sign, nabla.Sign},
		{"Sin", (*nabla.Tensor).Sin, nabla.Sin},
		{"Cos", (*nabla.Tensor).Cos, nabla.Cos},
		{"Tan", (*nabla.Tensor).Tan, nabla.Tan},
		{"Tanh", (*nabla.Tensor).Tanh, nabla.Tanh},
		{"Sigmoid", (*nabla.Tensor).Sigmoid, nabla.Sigmoid},
		{"LogSigmoid", (*nabla.Tensor).LogSigmoid, nabla.LogSigmoid},
		{"Softplus", (*nabla.Tensor).Softplus, nabla.Softplus},
		{"Relu", (*nabla.Tensor).Relu, nabla.Relu},
		{"LeakyRelu", func(x *nabla.Tensor) *nabla.Tensor { return x.LeakyRelu(0.1) }, func(x *nabla.Tensor) *nabla.Tensor { return nabla.LeakyRelu(x, 0.1) }},
		{"Elu", func(x *nabla.Tensor) *nabla.Tensor { return x.Elu(0.5) }, func(x *nabla.Tensor) *nabla.Tensor { return nabla.Elu(x, 0.5) }},
		{"Gelu", (*nabla.Tensor).Gelu, nabla.Gelu},
		{"Erf", (*nabla.Tensor).Erf, nabla.Erf},
		{"Clamp", func(x *nabla.Tensor) *nabla.Tensor { return x.Clamp(0.2, 0.6) }, func(x *nabla.Tensor) *nabla.Tensor { return nabla.Clamp(x, 0.2, 0.6) }},
		{"Neg", (*nabla.Tensor).Neg, nabla.Neg},
	} {
		t.Run(c.name, func(t *testing.T) {
			eval := func(f func(*nabla.Tensor) *nabla.Tensor) ([]float64, []float64) {
				x := nabla.FromSlice([]float64{0.1, 0.5, 0.9}).SetRequiresGrad(true)
				y := f(x)
				y.Sum().Backward()
				if x.Grad() == nil { // Sign: no path back to x
					return y.Float64s(), nil
				}
				return y.Float64s(), x.Grad().Float64s()
			}
			gotY, gotG := eval(c.method)
			wantY, wantG := eval(c.fn)
			if !slices.Equal(gotY, wantY) || !slices.Equal(gotG, wantG) {
				t.Errorf("method gives %v (gradient %v), function %v (%v)", gotY, gotG, wantY, wantG)
			}
		})
	}
}

// Method forms chain from left to right: log(1 + e^x²) summed.
func ExampleTensor_Exp() {
	x := nabla.FromSlice([]float64{0, 1, 2}).SetRequiresGrad(true)
	y := x.Square().Exp().Log1p().Sum() // Sum(Log1p(Exp(Square(x))))
	y.Backward()
	fmt.Printf("%.4f\n%.4f\n", y.Item(), x.Grad().Float64s())
	fmt.Printf("%.4f\n", x.Tanh().Mul(x.Sigmoid()).Float64s())
	// Output:
	// 6.0246
	// [0.0000 1.4621 3.9281]
	// [0.0000 0.5568 0.8491]
}
