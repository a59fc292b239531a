package nabla

import (
	"math/rand/v2"
	"testing"
)

// stackLoop is what Vmap must equal: f on each example, stacked.
func stackLoop(f Func, xs []*Tensor, axes []int) *Tensor {
	n := 0
	for i, x := range xs {
		if axes[i] != NotMapped {
			n = x.shape[axes[i]]
		}
	}
	outs := make([]*Tensor, n)
	ex := make([]*Tensor, len(xs))
	for k := range outs {
		for i, x := range xs {
			ex[i] = x
			if axes[i] != NotMapped {
				ex[i] = Index(moveAxis(x, axes[i], 0), k)
			}
		}
		outs[k] = f(ex...)
	}
	return Stack(0, outs...)
}

func sameBits(t *testing.T, what string, got, want *Tensor) {
	t.Helper()
	if !sameShape(got.shape, want.shape) {
		t.Fatalf("%s: shape %s, want %s", what, fmtShape(got.shape), fmtShape(want.shape))
	}
	g, w := got.Float64s(), want.Float64s()
	for i := range g {
		if g[i] != w[i] && !(g[i] != g[i] && w[i] != w[i]) {
			t.Fatalf("%s: element %d is %v, want %v (bit for bit)", what, i, g[i], w[i])
		}
	}
}

func randT(r *rand.Rand, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.f64 {
		t.f64[i] = r.Float64()*4 - 2
	}
	return t
}

func TestVmapBasic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	W := randT(r, 3, 4)
	f := func(xs ...*Tensor) *Tensor {
		return Sum(Tanh(MatMul(W, Reshape(xs[0], 4, 1))))
	}
	X := randT(r, 5, 4)
	y, fell := VmapFallbacks(f)(X)
	t.Logf("fallbacks: %v", fell)
	sameBits(t, "vmap", y, stackLoop(f, []*Tensor{X}, []int{0}))
	g := Grad(f)
	y, fell = VmapFallbacks(g)(X)
	t.Logf("grad fallbacks: %v", fell)
	sameBits(t, "vmap grad", y, stackLoop(g, []*Tensor{X}, []int{0}))
	// axis 1
	Xt := randT(r, 4, 5)
	sameBits(t, "axis 1", Vmap(f, 1)(Xt), stackLoop(f, []*Tensor{Xt}, []int{1}))
}
