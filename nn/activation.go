package nn

import "github.com/nabla-go/nabla"

// Activation is a module without parameters that applies a function
// elementwise (or, for Softmax, along the last axis).
type Activation struct {
	Name string
	F    func(x *nabla.Tensor) *nabla.Tensor
}

// Forward returns F(x).
func (a *Activation) Forward(x *nabla.Tensor) *nabla.Tensor { return a.F(x) }

// Parameters returns nil: activations learn nothing.
func (a *Activation) Parameters() []Param { return nil }

// String returns the activation's name.
func (a *Activation) String() string { return a.Name }

// The constructors below have the type func() Module so that they can be
// passed to MLP as they are: nn.MLP(sizes, nn.ReLU, rng).

// ReLU returns the module max(x, 0).
func ReLU() Module { return &Activation{"ReLU", nabla.Relu} }

// Tanh returns the module tanh(x).
func Tanh() Module { return &Activation{"Tanh", nabla.Tanh} }

// Sigmoid returns the module 1/(1+e^−x).
func Sigmoid() Module { return &Activation{"Sigmoid", nabla.Sigmoid} }

// GELU returns the module x·Φ(x) (the exact form).
func GELU() Module { return &Activation{"GELU", nabla.Gelu} }

// Softplus returns the module log(1+e^x).
func Softplus() Module { return &Activation{"Softplus", nabla.Softplus} }

// Identity returns the module that passes x through unchanged.
func Identity() Module {
	return &Activation{"Identity", func(x *nabla.Tensor) *nabla.Tensor { return x }}
}

// LeakyReLU returns the module x for x > 0 and slope·x otherwise.
func LeakyReLU(slope float64) Module {
	return &Activation{"LeakyReLU", func(x *nabla.Tensor) *nabla.Tensor { return nabla.LeakyRelu(x, slope) }}
}

// ELU returns the module x for x > 0 and alpha·(e^x − 1) otherwise.
func ELU(alpha float64) Module {
	return &Activation{"ELU", func(x *nabla.Tensor) *nabla.Tensor { return nabla.Elu(x, alpha) }}
}

// Softmax returns the module that takes the softmax along the last axis.
func Softmax() Module {
	return &Activation{"Softmax", func(x *nabla.Tensor) *nabla.Tensor { return nabla.Softmax(x, -1) }}
}

// LogSoftmax returns the module that takes the log-softmax along the last axis.
func LogSoftmax() Module {
	return &Activation{"LogSoftmax", func(x *nabla.Tensor) *nabla.Tensor { return nabla.LogSoftmax(x, -1) }}
}

// Flatten is the module that reshapes (N, d1, d2, ...) to (N, d1·d2·...),
// keeping the batch axis as PyTorch's nn.Flatten does.
type Flatten struct{}

// Forward returns x reshaped to (N, −1).
func (Flatten) Forward(x *nabla.Tensor) *nabla.Tensor {
	if x.Dims() < 2 {
		return x
	}
	s := x.Shape()
	rest := 1
	for _, d := range s[1:] {
		rest *= d
	}
	return nabla.Reshape(x, s[0], rest)
}

// Parameters returns nil.
func (Flatten) Parameters() []Param { return nil }

// Unflatten is the module that reshapes (N, d) to (N, Shape...), as PyTorch's
// nn.Unflatten(1, shape): a convolutional network's first layer when its
// samples arrive as rows of pixels.
type Unflatten struct{ Shape []int }

// NewUnflatten returns the module that reshapes (N, d) to (N, shape...),
// where d is the product of shape.
func NewUnflatten(shape ...int) *Unflatten { return &Unflatten{Shape: append([]int(nil), shape...)} }

// Forward returns x, of shape (N, d), reshaped to (N, Shape...).
func (u *Unflatten) Forward(x *nabla.Tensor) *nabla.Tensor {
	d := 1
	for _, v := range u.Shape {
		d *= v
	}
	if x.Dims() != 2 || x.Dim(1) != d {
		panicf("Unflatten", "input of shape %v is not (N, %d) for the shape %v", x.Shape(), d, u.Shape)
	}
	return nabla.Reshape(x, append([]int{x.Dim(0)}, u.Shape...)...)
}

// Parameters returns nil.
func (*Unflatten) Parameters() []Param { return nil }
