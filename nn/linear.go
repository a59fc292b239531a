package nn

import (
	"math"
	"math/rand/v2"

	"github.com/nabla-go/nabla"
)

// param returns a zero tensor of the given dtype and shape that requires grad.
func param(dt nabla.DType, shape ...int) *nabla.Tensor {
	return nabla.New(dt, shape...).SetRequiresGrad(true)
}

func needRand(op string, rng *rand.Rand) {
	if rng == nil {
		panicf(op, "needs a random generator for its initial weights (use nabla.NewRand(seed))")
	}
}

// Linear is the affine map y = x·Wᵀ + b applied to the last axis of x.
type Linear struct {
	Weight *nabla.Tensor // (out, in), as in PyTorch
	Bias   *nabla.Tensor // (out), or nil with NoBias
}

// NewLinear returns a Linear layer from in to out features, initialised as
// PyTorch does: weight and bias uniform in (−1/√in, 1/√in), drawn from rng.
func NewLinear(in, out int, rng *rand.Rand, opts ...Option) *Linear {
	needRand("Linear", rng)
	if in < 0 || out < 0 {
		panicf("Linear", "negative size %d → %d", in, out)
	}
	c := configure("Linear", opts, "WithDType", "NoBias")
	l := &Linear{Weight: param(c.dtype, out, in)}
	KaimingUniform(l.Weight, math.Sqrt(5), rng)
	if !c.noBias {
		l.Bias = param(c.dtype, out)
		b := 0.0
		if in > 0 {
			b = 1 / math.Sqrt(float64(in))
		}
		Uniform(l.Bias, -b, b, rng)
	}
	return l
}

// Forward returns x·Wᵀ + b for x of shape (..., in).
func (l *Linear) Forward(x *nabla.Tensor) *nabla.Tensor {
	in := l.Weight.Dim(1)
	if x.Dims() == 0 || x.Dim(-1) != in {
		panicf("Linear", "input of shape %v does not end in %d features", x.Shape(), in)
	}
	if x.Dims() == 1 {
		return nabla.Reshape(l.Forward(nabla.Reshape(x, 1, in)), -1)
	}
	// x·Wᵀ + b, W read transposed in place (no copy of the weight), as one
	// op for a batch of rows.
	return nabla.Linear(x, l.Weight, l.Bias)
}

// Parameters returns "weight" and, unless NoBias was given, "bias".
func (l *Linear) Parameters() []Param {
	ps := []Param{{"weight", l.Weight}}
	if l.Bias != nil {
		ps = append(ps, Param{"bias", l.Bias})
	}
	return ps
}
