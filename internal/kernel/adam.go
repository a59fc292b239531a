package kernel

import "math"

// AdamStep holds one Adam or AdamW step's constants, already rounded to the
// parameter's type: W1 = 1-β₁, B2 = β₂, W2 = 1-β₂, Eps = ε, BC2Sqrt = √(1-β₂ᵗ),
// NegStep = -γ/(1-β₁ᵗ), and Decay (λ for L2 decay, 1-γλ for decoupled decay).
// L2 adds Decay·p to the gradient; Decoupled multiplies p by Decay first; at
// most one of them is set (neither when the weight decay is zero).
type AdamStep[T Float] struct {
	W1, B2, W2, Eps, BC2Sqrt, NegStep, Decay T
	L2, Decoupled                            bool
}

// consts returns the seven constants in the order adam_amd64.s reads them.
func (c *AdamStep[T]) consts() [7]T {
	return [7]T{c.W1, c.B2, c.W2, c.Eps, c.BC2Sqrt, c.NegStep, c.Decay}
}

// flags returns the option bits adam_amd64.s tests: 1 L2 decay, 2 decoupled
// decay, 4 AMSGrad.
func (c *AdamStep[T]) flags(amsgrad bool) uint64 {
	var f uint64
	if c.L2 {
		f |= 1
	}
	if c.Decoupled {
		f |= 2
	}
	if amsgrad {
		f |= 4
	}
	return f
}

// Adam applies one Adam step to the parameters p with gradient g, first and
// second moments m and v, and, when vmax is not nil (AMSGrad), the running
// maximum of v. All slices have len(p) elements. The results are the bits of
// adamGo's, NaN payloads included: on amd64 the assembly of adam_amd64.s runs
// whole vectors and adamGo the tail.
func Adam[T Float](p, g, m, v, vmax []T, c *AdamStep[T]) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	if vmax != nil {
		vmax = vmax[:n]
	}
	done := adamAsm(adamInUse, p, g, m, v, vmax, c)
	var vm []T
	if vmax != nil {
		vm = vmax[done:]
	}
	adamGo(p[done:], g[done:], m[done:], v[done:], vm, c)
}

// adamGo is the reference and portable Adam loop (moved from optim.adamUpdate).
// Its per-element arithmetic is in T, every multiply and add rounded on its
// own: the Go compiler fuses nothing into an FMA on amd64 with GOAMD64=v1,
// so the assembly must not either.
func adamGo[T Float](p, g, m, v, vmax []T, c *AdamStep[T]) {
	w1, b2, w2, e, bc2sqrt, negStep, decay := c.W1, c.B2, c.W2, c.Eps, c.BC2Sqrt, c.NegStep, c.Decay
	for i := range p {
		d := g[i]
		if c.Decoupled {
			p[i] *= decay
		} else if c.L2 {
			d += decay * p[i]
		}
		m[i] += w1 * (d - m[i])
		v[i] = v[i]*b2 + w2*d*d
		vi := v[i]
		if vmax != nil {
			if vi > vmax[i] {
				vmax[i] = vi
			}
			vi = vmax[i]
		}
		p[i] += negStep * (m[i] / (T(math.Sqrt(float64(vi)))/bc2sqrt + e))
	}
}

// AdamKernel names the loops behind Adam: "AVX-512", "AVX2" or "portable".
func AdamKernel() string {
	return [...]string{"portable", "AVX2", "AVX-512"}[adamInUse]
}
