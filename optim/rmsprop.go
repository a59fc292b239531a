package optim

// RMSprop divides the gradient by a running root mean square, with optional
// momentum, centering and L2 weight decay, like torch.optim.RMSprop. Every
// field is used as given, zero included (Alpha 0 keeps only the last squared
// gradient, Eps 0 is no epsilon); NewRMSprop returns PyTorch's defaults.
type RMSprop struct {
	LR          float64
	Alpha       float64
	Eps         float64
	WeightDecay float64
	Momentum    float64
	Centered    bool
}

// NewRMSprop returns RMSprop with learning rate lr and PyTorch's other
// defaults: Alpha 0.99, Eps 1e-8, no momentum, no weight decay, not centered.
func NewRMSprop(lr float64) RMSprop { return RMSprop{LR: lr, Alpha: 0.99, Eps: 1e-8} }

func (RMSprop) name() string                       { return "RMSprop" }
func (a RMSprop) hyper() (lr, weightDecay float64) { return a.LR, a.WeightDecay }

func (a RMSprop) validate() {
	checkNonNeg("RMSprop", "LR", a.LR)
	checkRange("RMSprop", "Alpha", a.Alpha, 0, 1, false)
	checkNonNeg("RMSprop", "Eps", a.Eps)
	checkNonNeg("RMSprop", "WeightDecay", a.WeightDecay)
	checkNonNeg("RMSprop", "Momentum", a.Momentum)
}

func (a RMSprop) buffers() []buffer {
	b := []buffer{{name: "square_avg"}}
	if a.Momentum > 0 {
		b = append(b, buffer{name: "momentum_buffer"})
	}
	if a.Centered {
		b = append(b, buffer{name: "grad_avg"})
	}
	return b
}

func (a RMSprop) update64(p, g []float64, s [][]float64, step int, lr, wd float64) {
	rmspropUpdate(a, p, g, s, lr, wd)
}

func (a RMSprop) update32(p, g []float32, s [][]float32, step int, lr, wd float64) {
	rmspropUpdate(a, p, g, s, lr, wd)
}

// rmspropUpdate is, per element: d = g + λθ; v = αv + (1-α)d²; with
// centering, ḡ = ḡ + (1-α)(d-ḡ) and r = √(v-ḡ²) + ε, else r = √v + ε; with
// momentum, b = μb + d/r and θ = θ - γb, else θ = θ - γd/r.
func rmspropUpdate[T float](a RMSprop, p, g []T, s [][]T, lr, wd float64) {
	alpha, w, e, mu := T(a.Alpha), T(1-a.Alpha), T(a.Eps), T(a.Momentum)
	decay, neglr := T(wd), T(-lr)
	sq, k := s[0], 1
	var buf, gavg []T
	if a.Momentum > 0 {
		buf, k = s[k], k+1
	}
	if a.Centered {
		gavg = s[k]
	}
	for i := range p {
		d := g[i]
		if wd != 0 {
			d += decay * p[i]
		}
		sq[i] = sq[i]*alpha + w*d*d
		var r T
		if gavg != nil {
			gavg[i] += w * (d - gavg[i])
			r = sqrt(sq[i] - gavg[i]*gavg[i])
		} else {
			r = sqrt(sq[i])
		}
		r += e
		if buf != nil {
			buf[i] = buf[i]*mu + d/r
			p[i] += neglr * buf[i]
		} else {
			p[i] += neglr * (d / r)
		}
	}
}
