package optim

// Adagrad divides the gradient by the root of the sum of all past squared
// gradients, with optional learning-rate decay and L2 weight decay, like
// torch.optim.Adagrad. Zero fields take PyTorch's defaults: LR 1e-2, LRDecay 0,
// WeightDecay 0, InitialAccumulator 0, Eps 1e-10.
type Adagrad struct {
	LR                 float64
	LRDecay            float64
	WeightDecay        float64
	InitialAccumulator float64
	Eps                float64
}

func (Adagrad) name() string                       { return "Adagrad" }
func (a Adagrad) hyper() (lr, weightDecay float64) { return a.LR, a.WeightDecay }

func (a Adagrad) resolve() Algorithm {
	a.LR = orDefault(a.LR, 1e-2)
	a.Eps = orDefault(a.Eps, 1e-10)
	checkNonNeg("Adagrad", "LR", a.LR)
	checkNonNeg("Adagrad", "LRDecay", a.LRDecay)
	checkNonNeg("Adagrad", "WeightDecay", a.WeightDecay)
	checkNonNeg("Adagrad", "InitialAccumulator", a.InitialAccumulator)
	checkNonNeg("Adagrad", "Eps", a.Eps)
	return a
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
