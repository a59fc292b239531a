package nabla

import "testing"

func TestZZScratch(t *testing.T) {
	f := func(xs ...*Tensor) *Tensor { return Sum(Tanh(Mul(xs[0], Exp(xs[0])))) }
	v := FromSlice([]float64{1, -1, 0.5}, 3)
	coef := func(xs ...*Tensor) *Tensor {
		_, s := Jet(f, []*Tensor{xs[0]}, [][]*Tensor{{v, nil, nil}})
		return s[2]
	}
	X := FromSlice([]float64{0.3, -0.4, 0.9, 0.1, 0.2, -0.8}, 2, 3)
	_, fell := VmapFallbacks(coef)(X)
	t.Logf("Vmap(Jet) fallbacks: %v", fell)
	g := func(xs ...*Tensor) *Tensor {
		_, s := Jet(f, []*Tensor{xs[0]}, [][]*Tensor{{xs[0], nil, nil}})
		return s[1]
	}
	_, fell = VmapFallbacks(g)(X)
	t.Logf("Vmap(Jet) with batched series fallbacks: %v", fell)
}
