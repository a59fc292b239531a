package optim

import (
	"math"

	"github.com/nabla-go/nabla/internal/kernel"
)

// Adam is the Adam algorithm with L2 weight decay added to the gradient and
// optional AMSGrad, like torch.optim.Adam. Every field is used as given, zero
// included (Eps 0 is no epsilon, Betas {0, 0} no averaging); NewAdam returns
// PyTorch's defaults.
type Adam struct {
	LR          float64
	Betas       [2]float64
	Eps         float64
	WeightDecay float64
	AMSGrad     bool
}

// AdamW is Adam with decoupled weight decay, like torch.optim.AdamW: the
// parameter shrinks by the factor 1-γλ before the Adam step instead of the
// decay entering the gradient. Every field is used as given, zero included (a
// zero WeightDecay is no decay); NewAdamW returns PyTorch's defaults.
type AdamW struct {
	LR          float64
	Betas       [2]float64
	Eps         float64
	WeightDecay float64
	AMSGrad     bool
}

// NewAdam returns Adam with learning rate lr and PyTorch's other defaults:
// Betas {0.9, 0.999}, Eps 1e-8, no weight decay, no AMSGrad.
func NewAdam(lr float64) Adam {
	return Adam{LR: lr, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}
}

// NewAdamW returns AdamW with learning rate lr and PyTorch's other defaults:
// Betas {0.9, 0.999}, Eps 1e-8, WeightDecay 1e-2, no AMSGrad.
func NewAdamW(lr float64) AdamW {
	return AdamW{LR: lr, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8, WeightDecay: 1e-2}
}

func (Adam) name() string  { return "Adam" }
func (AdamW) name() string { return "AdamW" }

func (a Adam) hyper() (lr, weightDecay float64)  { return a.LR, a.WeightDecay }
func (a AdamW) hyper() (lr, weightDecay float64) { return a.LR, a.WeightDecay }

func (a Adam) validate()  { adamValidate("Adam", a.LR, a.Betas, a.Eps, a.WeightDecay) }
func (a AdamW) validate() { adamValidate("AdamW", a.LR, a.Betas, a.Eps, a.WeightDecay) }

func adamValidate(alg string, lr float64, betas [2]float64, eps, wd float64) {
	checkNonNeg(alg, "LR", lr)
	checkRange(alg, "Betas[0]", betas[0], 0, 1, true)
	checkRange(alg, "Betas[1]", betas[1], 0, 1, true)
	checkNonNeg(alg, "Eps", eps)
	checkNonNeg(alg, "WeightDecay", wd)
}

func adamBuffers(amsgrad bool) []buffer {
	b := []buffer{{name: "exp_avg"}, {name: "exp_avg_sq"}}
	if amsgrad {
		b = append(b, buffer{name: "max_exp_avg_sq"})
	}
	return b
}

func (a Adam) buffers() []buffer  { return adamBuffers(a.AMSGrad) }
func (a AdamW) buffers() []buffer { return adamBuffers(a.AMSGrad) }

func (a Adam) update64(p, g []float64, s [][]float64, step int, lr, wd float64) {
	adamUpdate(a.Betas, a.Eps, false, p, g, s, step, lr, wd)
}

func (a Adam) update32(p, g []float32, s [][]float32, step int, lr, wd float64) {
	adamUpdate(a.Betas, a.Eps, false, p, g, s, step, lr, wd)
}

func (a AdamW) update64(p, g []float64, s [][]float64, step int, lr, wd float64) {
	adamUpdate(a.Betas, a.Eps, true, p, g, s, step, lr, wd)
}

func (a AdamW) update32(p, g []float32, s [][]float32, step int, lr, wd float64) {
	adamUpdate(a.Betas, a.Eps, true, p, g, s, step, lr, wd)
}

// adamUpdate follows PyTorch's single-tensor Adam. The bias corrections and the
// step size are computed in float64 and rounded to the parameter's type once
// per step; the per-element arithmetic is in the parameter's type. With
// AMSGrad, the running maximum is kept of the uncorrected second moment, and
// the correction divides its square root.
func adamUpdate[T float](betas [2]float64, eps float64, decoupled bool, p, g []T, s [][]T, step int, lr, wd float64) {
	bc1 := 1 - math.Pow(betas[0], float64(step))
	bc2 := 1 - math.Pow(betas[1], float64(step))
	negStep := T(-lr / bc1)
	bc2sqrt := T(math.Sqrt(bc2))
	w1, b2, w2, e := T(1-betas[0]), T(betas[1]), T(1-betas[1]), T(eps)
	decay := T(wd)
	if decoupled {
		decay = T(1 - lr*wd)
	}
	c := kernel.AdamStep[T]{W1: w1, B2: b2, W2: w2, Eps: e, BC2Sqrt: bc2sqrt, NegStep: negStep, Decay: decay,
		L2: wd != 0 && !decoupled, Decoupled: wd != 0 && decoupled}
	var vmax []T
	if len(s) > 2 {
		vmax = s[2]
	}
	// The per-element loop is kernel.Adam: SIMD on amd64, the bits of the
	// scalar Go loop kernel.adamGo (which it was here) everywhere.
	kernel.Adam(p, g, s[0], s[1], vmax, &c)
}
