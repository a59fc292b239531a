package nabla

// Method forms of the elementwise functions, for chaining as with x.Add(y),
// x.Mul(y) and x.Sum(): x.Exp().Sum() is Sum(Exp(x)). Each calls the
// function of the same name, whose documentation describes it.

// Exp returns e^t elementwise; see the function Exp.
func (t *Tensor) Exp() *Tensor { return Exp(t) }

// Log returns the natural logarithm of t elementwise.
func (t *Tensor) Log() *Tensor { return Log(t) }

// Log1p returns log(1+t) elementwise, accurate for small t.
func (t *Tensor) Log1p() *Tensor { return Log1p(t) }

// Expm1 returns e^t - 1 elementwise, accurate for small t.
func (t *Tensor) Expm1() *Tensor { return Expm1(t) }

// Sqrt returns the square root of t elementwise.
func (t *Tensor) Sqrt() *Tensor { return Sqrt(t) }

// Square returns t² elementwise.
func (t *Tensor) Square() *Tensor { return Square(t) }

// Reciprocal returns 1/t elementwise.
func (t *Tensor) Reciprocal() *Tensor { return Reciprocal(t) }

// Abs returns |t| elementwise; see the function Abs for its derivative at 0.
func (t *Tensor) Abs() *Tensor { return Abs(t) }

// Sign returns -1, 0 or 1 elementwise; its gradient is zero.
func (t *Tensor) Sign() *Tensor { return Sign(t) }

// Sin returns the sine of t elementwise.
func (t *Tensor) Sin() *Tensor { return Sin(t) }

// Cos returns the cosine of t elementwise.
func (t *Tensor) Cos() *Tensor { return Cos(t) }

// Tan returns the tangent of t elementwise.
func (t *Tensor) Tan() *Tensor { return Tan(t) }

// Tanh returns the hyperbolic tangent of t elementwise.
func (t *Tensor) Tanh() *Tensor { return Tanh(t) }

// Sigmoid returns 1/(1+e^-t) elementwise; see the function Sigmoid.
func (t *Tensor) Sigmoid() *Tensor { return Sigmoid(t) }

// LogSigmoid returns log σ(t) elementwise; see the function LogSigmoid.
func (t *Tensor) LogSigmoid() *Tensor { return LogSigmoid(t) }

// Softplus returns log(1 + e^t) elementwise, computed stably.
func (t *Tensor) Softplus() *Tensor { return Softplus(t) }

// Relu returns max(t, 0) elementwise; see the function Relu.
func (t *Tensor) Relu() *Tensor { return Relu(t) }

// LeakyRelu returns t for t > 0 and slope·t otherwise, elementwise.
func (t *Tensor) LeakyRelu(slope float64) *Tensor { return LeakyRelu(t, slope) }

// Elu returns t for t > 0 and alpha·(e^t - 1) otherwise, elementwise.
func (t *Tensor) Elu(alpha float64) *Tensor { return Elu(t, alpha) }

// Gelu returns t·Φ(t) elementwise; see the function Gelu.
func (t *Tensor) Gelu() *Tensor { return Gelu(t) }

// Erf returns the error function of t elementwise.
func (t *Tensor) Erf() *Tensor { return Erf(t) }

// Clamp limits t elementwise to [lo, hi]; see the function Clamp.
func (t *Tensor) Clamp(lo, hi float64) *Tensor { return Clamp(t, lo, hi) }
