package nn

import (
	"math/rand/v2"

	"github.com/nabla-go/nabla"
)

// Dropout zeroes each input entry with probability P during training and
// scales the others by 1/(1−P) (inverted dropout), so that evaluation needs no
// rescaling: in evaluation mode it is the identity.
type Dropout struct {
	P        float64
	rng      *rand.Rand
	training bool
}

// NewDropout returns a Dropout layer, in training mode, that draws its masks
// from rng: the same seed drops the same entries.
func NewDropout(p float64, rng *rand.Rand) *Dropout {
	if !(p >= 0 && p <= 1) {
		panicf("Dropout", "probability %v is not in [0, 1]", p)
	}
	needRand("Dropout", rng)
	return &Dropout{P: p, rng: rng, training: true}
}

// Forward returns x·mask/(1−P) with a fresh random mask in training mode, and
// x itself in evaluation mode or when P is 0.
func (d *Dropout) Forward(x *nabla.Tensor) *nabla.Tensor {
	if !d.training || d.P == 0 {
		return x
	}
	if x.Traced() {
		panicf("Dropout", "in training mode inside a compiled function (nabla.Compile): the mask would be drawn once, when the function is traced, and reused by every call; run the step uncompiled, or switch the layer to evaluation mode")
	}
	keep := 1 - d.P
	mask := nabla.New(x.DType(), x.Shape()...)
	fill(mask, func() float64 {
		if d.rng.Float64() < keep {
			return 1 / keep
		}
		return 0
	})
	return nabla.Mul(x, mask)
}

// Parameters returns nil.
func (d *Dropout) Parameters() []Param { return nil }

// SetTraining switches between training (dropping) and evaluation (identity).
func (d *Dropout) SetTraining(on bool) { d.training = on }

// Training reports whether d is in training mode.
func (d *Dropout) Training() bool { return d.training }
