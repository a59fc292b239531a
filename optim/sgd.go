package optim

import "fmt"

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and L2 weight decay, like torch.optim.SGD. Every field is
// used as given, zero included: a zero field is "off", as in PyTorch's
// defaults, and a zero LR does not move the parameters.
type SGD struct {
	LR          float64
	Momentum    float64
	Dampening   float64
	Nesterov    bool
	WeightDecay float64
}

// NewSGD returns plain SGD with learning rate lr: PyTorch's defaults, with
// momentum, dampening, Nesterov and weight decay off. It is SGD{LR: lr}.
func NewSGD(lr float64) SGD { return SGD{LR: lr} }

func (SGD) name() string                       { return "SGD" }
func (a SGD) hyper() (lr, weightDecay float64) { return a.LR, a.WeightDecay }

func (a SGD) validate() {
	checkNonNeg("SGD", "LR", a.LR)
	checkNonNeg("SGD", "Momentum", a.Momentum)
	checkNonNeg("SGD", "WeightDecay", a.WeightDecay)
	if a.Nesterov && (a.Momentum <= 0 || a.Dampening != 0) {
		panic(fmt.Sprintf("optim: SGD: Nesterov needs Momentum > 0 and Dampening = 0 (have %v and %v)", a.Momentum, a.Dampening))
	}
}

func (a SGD) buffers() []buffer {
	if a.Momentum == 0 {
		return nil
	}
	return []buffer{{name: "momentum_buffer"}}
}

func (a SGD) update64(p, g []float64, s [][]float64, step int, lr, wd float64) {
	sgdUpdate(a, p, g, s, step, lr, wd)
}

func (a SGD) update32(p, g []float32, s [][]float32, step int, lr, wd float64) {
	sgdUpdate(a, p, g, s, step, lr, wd)
}

// sgdUpdate is, per element: d = g + λθ; b = d on the first step, else
// b = μb + (1-τ)d; d = d + μb (Nesterov) or d = b; θ = θ - γd.
func sgdUpdate[T float](a SGD, p, g []T, s [][]T, step int, lr, wd float64) {
	mu, keep, decay, neglr := T(a.Momentum), T(1-a.Dampening), T(wd), T(-lr)
	if a.Momentum == 0 && wd == 0 {
		// Plain SGD, the common case, without the per-element branches.
		g = g[:len(p)]
		for i := range p {
			p[i] += neglr * g[i]
		}
		return
	}
	var buf []T
	if a.Momentum != 0 {
		buf = s[0]
	}
	for i := range p {
		d := g[i]
		if wd != 0 {
			d += decay * p[i]
		}
		if buf != nil {
			if step == 1 {
				buf[i] = d
			} else {
				buf[i] = buf[i]*mu + keep*d
			}
			if a.Nesterov {
				d += mu * buf[i]
			} else {
				d = buf[i]
			}
		}
		p[i] += neglr * d
	}
}
