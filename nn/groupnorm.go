package nn

import "github.com/nabla-go/nabla"

// GroupNorm splits the C channels of each sample into NumGroups groups of
// consecutive channels and normalises each group of each sample to zero mean
// and unit variance (the population variance), then scales and shifts each
// channel by learnable Weight and Bias, as PyTorch's nn.GroupNorm. Unlike
// BatchNorm it uses no batch statistics, so it behaves the same in training
// and evaluation and keeps no buffers. It is written with nabla's operations.
type GroupNorm struct {
	NumGroups   int
	NumChannels int
	Eps         float64
	Weight      *nabla.Tensor // (C), ones initially; nil with NoAffine
	Bias        *nabla.Tensor // (C), zeros initially; nil with NoAffine
}

// NewGroupNorm returns a GroupNorm of numChannels channels in numGroups
// groups, which must divide numChannels; eps is typically 1e-5. It takes the
// options NoAffine and WithDType.
func NewGroupNorm(numGroups, numChannels int, eps float64, opts ...Option) *GroupNorm {
	if numGroups <= 0 || numChannels <= 0 || numChannels%numGroups != 0 {
		panicf("GroupNorm", "%d channels do not split into %d groups", numChannels, numGroups)
	}
	c := configure("GroupNorm", opts, "NoAffine", "WithDType")
	g := &GroupNorm{NumGroups: numGroups, NumChannels: numChannels, Eps: eps}
	if !c.noAffine {
		g.Weight = param(c.dtype, numChannels)
		Constant(g.Weight, 1)
		g.Bias = param(c.dtype, numChannels)
	}
	return g
}

// Forward normalises x of shape (N, C, ...).
func (g *GroupNorm) Forward(x *nabla.Tensor) *nabla.Tensor {
	s := x.Shape()
	if len(s) < 2 || s[1] != g.NumChannels {
		panicf("GroupNorm", "input of shape %v is not (N, %d, ...)", s, g.NumChannels)
	}
	if x.Size() == 0 {
		return x
	}
	groups := nabla.Reshape(x, s[0], g.NumGroups, -1)
	centred := nabla.Sub(groups, nabla.MeanKeep(groups, 2))
	variance := nabla.MeanKeep(nabla.Square(centred), 2)
	y := nabla.Reshape(nabla.Div(centred, nabla.Sqrt(nabla.AddScalar(variance, g.Eps))), s...)
	if g.Weight != nil {
		c := channelShape(x)
		y = nabla.Add(nabla.Mul(y, nabla.Reshape(g.Weight, c...)), nabla.Reshape(g.Bias, c...))
	}
	return y
}

// Parameters returns "weight" and "bias", or nil with NoAffine.
func (g *GroupNorm) Parameters() []Param {
	if g.Weight == nil {
		return nil
	}
	return []Param{{"weight", g.Weight}, {"bias", g.Bias}}
}
