package nabla

import "math"

// Composite elementwise operations: built from primitives, so they need no
// derivative rules of their own.

// AddScalar returns x + c.
func AddScalar(x *Tensor, c float64) *Tensor { return affine(x, 1, c) }

// MulScalar returns c·x.
func MulScalar(x *Tensor, c float64) *Tensor { return affine(x, c, 0) }

// DivScalar returns x / c.
func DivScalar(x *Tensor, c float64) *Tensor { return affine(x, 1/c, 0) }

// RSub returns c - x.
func RSub(c float64, x *Tensor) *Tensor { return affine(x, -1, c) }

// Square returns x² elementwise.
func Square(x *Tensor) *Tensor { return PowScalar(x, 2) }

// Reciprocal returns 1/x elementwise.
func Reciprocal(x *Tensor) *Tensor { return Div(scalarOf(x.dtype, 1), x) }

// Gelu returns x·Φ(x), with Φ the standard normal CDF (the exact form, as
// PyTorch's default).
func Gelu(x *Tensor) *Tensor {
	phi := MulScalar(AddScalar(Erf(MulScalar(x, 1/math.Sqrt2)), 1), 0.5)
	return Mul(x, phi)
}

// LogSigmoid returns log σ(x) = -softplus(-x), finite for any finite x.
func LogSigmoid(x *Tensor) *Tensor { return Neg(Softplus(Neg(x))) }

// Method forms of the common operations, for chaining: x.Mul(y).Sum().

// Add returns t + u.
func (t *Tensor) Add(u *Tensor) *Tensor { return Add(t, u) }

// Sub returns t - u.
func (t *Tensor) Sub(u *Tensor) *Tensor { return Sub(t, u) }

// Mul returns t * u elementwise.
func (t *Tensor) Mul(u *Tensor) *Tensor { return Mul(t, u) }

// Div returns t / u elementwise.
func (t *Tensor) Div(u *Tensor) *Tensor { return Div(t, u) }

// Neg returns -t.
func (t *Tensor) Neg() *Tensor { return Neg(t) }

// Pow returns t^p elementwise.
func (t *Tensor) Pow(p float64) *Tensor { return PowScalar(t, p) }
