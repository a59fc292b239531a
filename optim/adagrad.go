package optim

// Adagrad divides the gradient by the root of the sum of all past squared
// gradients, with optional learning-rate decay and L2 weight decay, like
// torch.optim.Adagrad. Every field is used as given, zero included (Eps 0 is
// no epsilon); NewAdagrad returns PyTorch's defaults.
type Adagrad struct {
	LR                 float64
	LRDecay            float64
	WeightDecay        float64
	InitialAccumulator float64
	Eps                float64
}

// NewAdagrad returns Adagrad with learning rate lr and PyTorch's other
// defaults: Eps 1e-10, no learning-rate decay, no weight decay, accumulators
// starting at 0.
func NewAdagrad(lr float64) Adagrad { return Adagrad{LR: lr, Eps: 1e-10} }

func (Adagrad) name() string                       { return "Adagrad" }
func (a Adagrad) hyper() (lr, weightDecay float64) { return a.LR, a.WeightDecay }

func (a Adagrad) validate() {
	checkNonNeg("Adagrad", "LR", a.LR)
	checkNonNeg("Adagrad", "LRDecay", a.LRDecay)
	checkNonNeg("Adagrad", "WeightDecay", a.WeightDecay)
	checkNonNeg("Adagrad", "InitialAccumulator", a.InitialAccumulator)
	checkNonNeg("Adagrad", "Eps", a.Eps)
}

func (a Adagrad) buffers() []buffer { return []buffer{{name: "sum", init: a.InitialAccumulator}} }

func (a Adagrad) update64(p, g []float64, s [][]float64, step int, lr, wd float64) {
	adagradUpdate(a, p, g, s, step, lr, wd)
}

func (a Adagrad) update32(p, g []float32, s [][]float32, step int, lr, wd float64) {
	adagradUpdate(a, p, g, s, step, lr, wd)
}

// adagradUpdate is, per element: d = g + λθ; s = s + d²;
// θ = θ - γ'd/(√s + ε) with γ' = γ/(1 + (t-1)η).
func adagradUpdate[T float](a Adagrad, p, g []T, s [][]T, step int, lr, wd float64) {
	negclr := T(-lr / (1 + float64(step-1)*a.LRDecay))
	decay, e := T(wd), T(a.Eps)
	sum := s[0]
	for i := range p {
		d := g[i]
		if wd != 0 {
			d += decay * p[i]
		}
		sum[i] += d * d
		p[i] += negclr * (d / (sqrt(sum[i]) + e))
	}
}
