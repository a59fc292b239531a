package nn

import (
	"slices"

	"github.com/nabla-go/nabla"
)

// LayerNorm normalises each sample over its last axes to zero mean and unit
// variance, then scales and shifts by learnable Weight and Bias of the
// normalised shape: y = (x − mean)/√(var + Eps)·Weight + Bias, with the
// population variance, as PyTorch's nn.LayerNorm. It is written with nabla's
// operations, so its gradient needs no code of its own.
type LayerNorm struct {
	Shape  []int
	Eps    float64
	Weight *nabla.Tensor // ones initially
	Bias   *nabla.Tensor // zeros initially, or nil with NoBias
}

// NewLayerNorm returns a LayerNorm over the trailing axes of the given shape
// (for a feature vector of size d, shape {d}); eps is typically 1e-5.
func NewLayerNorm(shape []int, eps float64, opts ...Option) *LayerNorm {
	if len(shape) == 0 {
		panicf("LayerNorm", "needs at least one normalised axis")
	}
	c := configure("LayerNorm", opts, "WithDType", "NoBias")
	ln := &LayerNorm{Shape: slices.Clone(shape), Eps: eps, Weight: param(c.dtype, shape...)}
	Constant(ln.Weight, 1)
	if !c.noBias {
		ln.Bias = param(c.dtype, shape...)
	}
	return ln
}

// Forward normalises x, whose shape must end with the layer's Shape.
func (ln *LayerNorm) Forward(x *nabla.Tensor) *nabla.Tensor {
	s, k := x.Shape(), len(ln.Shape)
	if len(s) < k || !slices.Equal(s[len(s)-k:], ln.Shape) {
		panicf("LayerNorm", "input of shape %v does not end with the normalised shape %v", s, ln.Shape)
	}
	axes := make([]int, k)
	for i := range axes {
		axes[i] = len(s) - k + i
	}
	centred := nabla.Sub(x, nabla.MeanKeep(x, axes...))
	variance := nabla.MeanKeep(nabla.Square(centred), axes...)
	y := nabla.Div(centred, nabla.Sqrt(nabla.AddScalar(variance, ln.Eps)))
	y = nabla.Mul(y, ln.Weight)
	if ln.Bias != nil {
		y = nabla.Add(y, ln.Bias)
	}
	return y
}

// Parameters returns "weight" and, unless NoBias was given, "bias".
func (ln *LayerNorm) Parameters() []Param {
	ps := []Param{{"weight", ln.Weight}}
	if ln.Bias != nil {
		ps = append(ps, Param{"bias", ln.Bias})
	}
	return ps
}
