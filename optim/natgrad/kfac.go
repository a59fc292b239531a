package natgrad

import (
	"math"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/nn"
	"gonum.org/v1/gonum/mat"
)

// KFACSettings are K-FAC's hyperparameters, used as given (KFACDefaults
// gives working values).
type KFACSettings struct {
	// LR scales the preconditioned step.
	LR float64
	// Damping is λ: each factor gets √λ on its diagonal, split between the
	// two by Martens & Grosse's π (section 6.3), so that their Kronecker
	// product is damped by about λ.
	Damping float64
	// Decay is the weight of the previous factors in their running average
	// (0: each step uses its own batch's factors only).
	Decay float64
}

// KFACDefaults returns LR 1, Damping 1e-3 and Decay 0.95.
func KFACDefaults() KFACSettings { return KFACSettings{LR: 1, Damping: 1e-3, Decay: 0.95} }

// KFAC is Kronecker-factored approximate curvature (Martens & Grosse 2015)
// for networks of Linear layers: the Fisher block of each layer, for the
// weights and bias together, is approximated by A ⊗ G, A the second moment
// of the layer's inputs (with a 1 appended for the bias) and G that of the
// gradients of its outputs under the model's own predictive distribution,
// so that the block's inverse is the Kronecker product of two small
// inverses: the step for a layer's gradient ∇ (out × in+1) is
// (G + γ_G I)⁻¹ ∇ (A + γ_A I)⁻¹. Blocks of different layers are taken as
// independent (the block-diagonal variant).
//
// G is the exact expectation over the classes, not a sample: one backward
// pass per class, weighted by the predicted probabilities, which suits
// problems with few classes and keeps steps deterministic. A KFAC is not
// safe for concurrent use.
type KFAC struct {
	model  nn.Module
	layers []*nn.Linear
	s      KFACSettings
	a, g   []*mat.SymDense
	steps  int
}

// NewKFAC returns K-FAC for model, an *nn.Linear or an *nn.Sequential whose
// layers with parameters are all Linear layers (activations between them
// are fine), on inputs of shape (N, features). It panics otherwise, or on
// a negative LR, Damping or a Decay outside [0, 1).
func NewKFAC(model nn.Module, s KFACSettings) *KFAC {
	switch {
	case !(s.LR >= 0):
		panicf("NewKFAC", "LR %v is negative or NaN", s.LR)
	case !(s.Damping >= 0):
		panicf("NewKFAC", "Damping %v is negative or NaN", s.Damping)
	case !(s.Decay >= 0 && s.Decay < 1):
		panicf("NewKFAC", "Decay %v is not in [0, 1)", s.Decay)
	}
	k := &KFAC{model: model, s: s}
	switch m := model.(type) {
	case *nn.Linear:
		k.layers = []*nn.Linear{m}
	case *nn.Sequential:
		for i, l := range m.Layers {
			if lin, ok := l.(*nn.Linear); ok {
				k.layers = append(k.layers, lin)
			} else if len(l.Parameters()) > 0 {
				panicf("NewKFAC", "layer %d (%T) has parameters: K-FAC here preconditions Linear layers only", i, l)
			}
		}
	default:
		panicf("NewKFAC", "a %T: K-FAC takes an *nn.Linear or an *nn.Sequential of Linear layers and activations", model)
	}
	if len(k.layers) == 0 {
		panicf("NewKFAC", "the model has no Linear layer")
	}
	return k
}

// Steps returns the number of steps taken.
func (k *KFAC) Steps() int { return k.steps }

// Factors returns the running factors A and G of Linear layer i (in the
// model's order), nil before the first step.
func (k *KFAC) Factors(i int) (a, g *mat.SymDense) {
	if k.a == nil {
		return nil, nil
	}
	return k.a[i], k.g[i]
}

// forward runs the model on x and returns the logits with each Linear
// layer's input and output.
func (k *KFAC) forward(x *nabla.Tensor) (logits *nabla.Tensor, ins, outs []*nabla.Tensor) {
	layers := []nn.Module{k.model}
	if s, ok := k.model.(*nn.Sequential); ok {
		layers = s.Layers
	}
	h := x
	for _, l := range layers {
		if lin, ok := l.(*nn.Linear); ok {
			if h.Dims() != 2 {
				panicf("KFAC.Step", "a Linear layer's input has shape %v: K-FAC takes inputs of shape (N, features)", h.Shape())
			}
			ins = append(ins, h)
			h = lin.Forward(h)
			outs = append(outs, h)
			continue
		}
		h = l.Forward(h)
	}
	return h, ins, outs
}

// Step computes the mean cross-entropy of the model on the batch x with
// labels, its gradient and the batch's Kronecker factors (folded into the
// running ones), and moves each Linear layer's weight and bias by
// −LR·(G + γ_G I)⁻¹ ∇ (A + γ_A I)⁻¹. It returns the loss before the step.
func (k *KFAC) Step(x *nabla.Tensor, labels []int) float64 {
	logits, ins, outs := k.forward(x)
	if logits.Dims() != 2 {
		panicf("KFAC.Step", "logits of shape %v: want (N, C)", logits.Shape())
	}
	n, c := logits.Dim(0), logits.Dim(1)
	loss := nn.CrossEntropyLoss(logits, labels, nil)
	params := nn.Tensors(k.model)
	grads := nabla.Gradients([]*nabla.Tensor{loss}, params, nabla.RetainGraph(), nabla.AllowUnused())
	var p []float64
	nabla.NoGrad(func() { p = nabla.Softmax(logits.Detach(), 1).Float64s() })

	// The batch's factors. A: inputs with a 1 appended, (1/N) ā ᵀā.
	// G: Σ_c (1/N) Σₙ p_nc g_nc g_ncᵀ, g_nc the gradient of −log p(c|xₙ) with
	// respect to the layer's outputs for example n: one backward pass per
	// class, seeded with √p_nc (pₙ − e_c) on each example's logits.
	as, gs := make([]*mat.SymDense, len(k.layers)), make([]*mat.SymDense, len(k.layers))
	for l, in := range ins {
		d := in.Dim(1)
		abar := mat.NewDense(n, d+1, nil)
		v := in.Float64s()
		for i := range n {
			for j := range d {
				abar.Set(i, j, v[i*d+j])
			}
			abar.Set(i, d, 1)
		}
		as[l] = mat.NewSymDense(d+1, nil)
		as[l].SymOuterK(1/float64(n), abar.T())
		gs[l] = mat.NewSymDense(outs[l].Dim(1), nil)
	}
	seed := make([]float64, n*c)
	for cl := range c {
		for i := range n {
			w := math.Sqrt(p[i*c+cl])
			for j := range c {
				seed[i*c+j] = w * p[i*c+j]
			}
			seed[i*c+cl] -= w
		}
		sd := nabla.FromSlice(seed, n, c).As(logits.DType())
		gOut := nabla.Gradients([]*nabla.Tensor{logits}, outs, nabla.Seed(sd), nabla.RetainGraph(), nabla.AllowUnused())
		for l, g := range gOut {
			if g == nil {
				continue
			}
			// Row n is example n's own gradient (the seed is not divided
			// by N as the mean loss is), times √p_nc.
			gm := mat.NewDense(n, g.Dim(1), g.Float64s())
			var t mat.SymDense
			t.SymOuterK(1, gm.T())
			gs[l].AddSym(gs[l], &t)
		}
	}
	for l := range gs {
		gs[l].ScaleSym(1/float64(n), gs[l])
	}
	if k.a == nil || k.s.Decay == 0 {
		k.a, k.g = as, gs
	} else {
		for l := range as {
			k.a[l].ScaleSym(k.s.Decay, k.a[l])
			k.a[l].AddSym(k.a[l], scaled(1-k.s.Decay, as[l]))
			k.g[l].ScaleSym(k.s.Decay, k.g[l])
			k.g[l].AddSym(k.g[l], scaled(1-k.s.Decay, gs[l]))
		}
	}

	// The step, layer by layer.
	off := 0
	for l, lin := range k.layers {
		out, in := lin.Weight.Dim(0), lin.Weight.Dim(1)
		gw := grads[off]
		var gb *nabla.Tensor
		off++
		if lin.Bias != nil {
			gb = grads[off]
			off++
		}
		grad := mat.NewDense(out, in+1, nil)
		if gw != nil {
			wv := gw.Float64s()
			for o := range out {
				for i := range in {
					grad.Set(o, i, wv[o*in+i])
				}
			}
		}
		if gb != nil {
			for o, v := range gb.Float64s() {
				grad.Set(o, in, v)
			}
		}
		a, g := k.a[l], k.g[l]
		if lin.Bias == nil { // no 1 appended: A's last row and column are unused
			grad = grad.Slice(0, out, 0, in).(*mat.Dense)
			a = a.SliceSym(0, in).(*mat.SymDense)
		}
		// π balances the damping between the factors (Martens & Grosse, 6.3).
		pi := math.Sqrt((mat.Trace(a) / float64(a.SymmetricDim())) / math.Max(mat.Trace(g)/float64(out), 1e-300))
		if !(pi > 0) || math.IsInf(pi, 0) {
			pi = 1
		}
		gamma := math.Sqrt(k.s.Damping)
		var left, step mat.Dense
		solveDamped(&left, g, gamma/pi, grad)     // (G + γ/π I)⁻¹ ∇
		solveDamped(&step, a, gamma*pi, left.T()) // (A + πγ I)⁻¹ (…)ᵀ, transposed back below
		move(lin.Weight, lin.Bias, &step, k.s.LR)
	}
	k.steps++
	return loss.Item()
}

// scaled returns s·m.
func scaled(s float64, m *mat.SymDense) *mat.SymDense {
	var t mat.SymDense
	t.ScaleSym(s, m)
	return &t
}

// solveDamped sets dst to (m + d·I)⁻¹ b.
func solveDamped(dst *mat.Dense, m *mat.SymDense, d float64, b mat.Matrix) {
	n := m.SymmetricDim()
	damped := mat.NewSymDense(n, nil)
	damped.CopySym(m)
	for i := range n {
		damped.SetSym(i, i, damped.At(i, i)+d)
	}
	var ch mat.Cholesky
	if !ch.Factorize(damped) {
		panicf("KFAC.Step", "a damped Kronecker factor of size %d is not positive definite (Damping %v is too small for it)", n, d*d)
	}
	if err := ch.SolveTo(dst, b); err != nil {
		panicf("KFAC.Step", "solving with a damped Kronecker factor: %v", err)
	}
}

// move subtracts lr times step (in+1 × out, or in × out without a bias: the
// transposed update) from the layer's weight (out × in) and bias.
func move(w, b *nabla.Tensor, step *mat.Dense, lr float64) {
	out, in := w.Dim(0), w.Dim(1)
	set := func(t *nabla.Tensor, i int, d float64) {
		if v := t.RawFloat64(); v != nil {
			v[i] -= lr * d
		} else {
			t.RawFloat32()[i] -= float32(lr * d)
		}
	}
	for o := range out {
		for i := range in {
			set(w, o*in+i, step.At(i, o))
		}
		if b != nil {
			set(b, o, step.At(in, o))
		}
	}
}
