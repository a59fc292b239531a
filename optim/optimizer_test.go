package optim

import (
	"math"
	"slices"
	"testing"

	"github.com/nabla-go/nabla"
)

// grad is the gradient of the test loss Σ(x-3)², element by element.
func grad[T float](x T) T { return 2 * (x - 3) }

// The reference updates below are written from PyTorch's documented
// pseudo-code, one scalar at a time, and share nothing with the package's
// code: where the package computes √v/√(1-β2^t) they compute √(v/(1-β2^t)),
// for instance, so agreement is up to rounding only.

type hyper struct {
	lr, wd, mom, damp, b1, b2, eps, alpha, lrDecay, init float64
	nesterov, amsgrad, decoupled, centered               bool
}

func refSGD[T float](x T, steps int, h hyper) []T {
	var b T
	var out []T
	for t := 1; t <= steps; t++ {
		d := grad(x) + T(h.wd)*x
		if h.mom != 0 {
			if t == 1 {
				b = d
			} else {
				b = T(h.mom)*b + T(1-h.damp)*d
			}
			if h.nesterov {
				d = d + T(h.mom)*b
			} else {
				d = b
			}
		}
		x = x - T(h.lr)*d
		out = append(out, x)
	}
	return out
}

func refAdam[T float](x T, steps int, h hyper) []T {
	var m, v, vmax T
	var out []T
	for t := 1; t <= steps; t++ {
		d := grad(x)
		if h.decoupled {
			x = x * T(1-h.lr*h.wd)
		} else {
			d = d + T(h.wd)*x
		}
		m = T(h.b1)*m + T(1-h.b1)*d
		v = T(h.b2)*v + T(1-h.b2)*d*d
		mhat := m / T(1-math.Pow(h.b1, float64(t)))
		vv := v
		if h.amsgrad {
			vmax = max(vmax, v)
			vv = vmax
		}
		vhat := vv / T(1-math.Pow(h.b2, float64(t)))
		x = x - T(h.lr)*mhat/(T(math.Sqrt(float64(vhat)))+T(h.eps))
		out = append(out, x)
	}
	return out
}

func refRMSprop[T float](x T, steps int, h hyper) []T {
	var v, gbar, b T
	var out []T
	a := T(h.alpha)
	for t := 1; t <= steps; t++ {
		d := grad(x) + T(h.wd)*x
		v = a*v + (1-a)*d*d
		vt := v
		if h.centered {
			gbar = a*gbar + (1-a)*d
			vt = v - gbar*gbar
		}
		r := T(math.Sqrt(float64(vt))) + T(h.eps)
		if h.mom > 0 {
			b = T(h.mom)*b + d/r
			x = x - T(h.lr)*b
		} else {
			x = x - T(h.lr)*d/r
		}
		out = append(out, x)
	}
	return out
}

func refAdagrad[T float](x T, steps int, h hyper) []T {
	s := T(h.init)
	var out []T
	for t := 1; t <= steps; t++ {
		d := grad(x) + T(h.wd)*x
		s = s + d*d
		clr := h.lr / (1 + float64(t-1)*h.lrDecay)
		x = x - T(clr)*d/(T(math.Sqrt(float64(s)))+T(h.eps))
		out = append(out, x)
	}
	return out
}

type refCase struct {
	name string
	alg  Algorithm
	h    hyper
	ref  func(x float64, steps int, h hyper) []float64
	ref2 func(x float32, steps int, h hyper) []float32
}

func refCases() []refCase {
	sgd := func(name string, h hyper) refCase {
		return refCase{name, SGD{LR: h.lr, Momentum: h.mom, Dampening: h.damp, Nesterov: h.nesterov, WeightDecay: h.wd}, h, refSGD[float64], refSGD[float32]}
	}
	// or is v, or def when v is zero: the cases below name only the
	// hyperparameters that differ from PyTorch's defaults.
	or := func(v, def float64) float64 {
		if v == 0 {
			return def
		}
		return v
	}
	adam := func(name string, h hyper) refCase {
		h.b1, h.b2, h.eps = or(h.b1, 0.9), or(h.b2, 0.999), 1e-8
		var alg Algorithm = Adam{LR: h.lr, Betas: [2]float64{h.b1, h.b2}, Eps: h.eps, WeightDecay: h.wd, AMSGrad: h.amsgrad}
		if h.decoupled {
			alg = AdamW{LR: h.lr, Betas: [2]float64{h.b1, h.b2}, Eps: h.eps, WeightDecay: h.wd, AMSGrad: h.amsgrad}
		}
		return refCase{name, alg, h, refAdam[float64], refAdam[float32]}
	}
	rms := func(name string, h hyper) refCase {
		h.alpha, h.eps = or(h.alpha, 0.99), 1e-8
		return refCase{name, RMSprop{LR: h.lr, Alpha: h.alpha, Eps: h.eps, WeightDecay: h.wd, Momentum: h.mom, Centered: h.centered}, h, refRMSprop[float64], refRMSprop[float32]}
	}
	ada := func(name string, h hyper) refCase {
		h.eps = 1e-10
		return refCase{name, Adagrad{LR: h.lr, Eps: h.eps, LRDecay: h.lrDecay, WeightDecay: h.wd, InitialAccumulator: h.init}, h, refAdagrad[float64], refAdagrad[float32]}
	}
	return []refCase{
		sgd("SGD", hyper{lr: 0.1}),
		sgd("SGD/weight_decay", hyper{lr: 0.1, wd: 0.05}),
		sgd("SGD/momentum", hyper{lr: 0.05, mom: 0.9}),
		sgd("SGD/dampening", hyper{lr: 0.05, mom: 0.9, damp: 0.3, wd: 0.01}),
		sgd("SGD/nesterov", hyper{lr: 0.05, mom: 0.9, nesterov: true, wd: 0.01}),
		adam("Adam", hyper{lr: 0.1}),
		adam("Adam/betas", hyper{lr: 0.05, b1: 0.5, b2: 0.9}),
		adam("Adam/weight_decay", hyper{lr: 0.1, wd: 0.1}),
		adam("Adam/amsgrad", hyper{lr: 0.3, b2: 0.5, amsgrad: true}),
		adam("AdamW", hyper{lr: 0.1, wd: 0.1, decoupled: true}),
		adam("AdamW/amsgrad", hyper{lr: 0.3, wd: 0.2, b2: 0.5, decoupled: true, amsgrad: true}),
		rms("RMSprop", hyper{lr: 0.01}),
		rms("RMSprop/alpha", hyper{lr: 0.05, alpha: 0.9, wd: 0.02}),
		rms("RMSprop/momentum", hyper{lr: 0.01, mom: 0.8}),
		rms("RMSprop/centered", hyper{lr: 0.01, alpha: 0.9, centered: true}),
		rms("RMSprop/centered_momentum", hyper{lr: 0.01, alpha: 0.9, mom: 0.5, centered: true, wd: 0.1}),
		ada("Adagrad", hyper{lr: 0.1}),
		ada("Adagrad/lr_decay", hyper{lr: 0.5, lrDecay: 0.1, wd: 0.05}),
		ada("Adagrad/initial_accumulator", hyper{lr: 0.5, init: 0.3}),
	}
}

// run takes steps with the gradient of Σ(x-3)² and returns the values of x
// after each step.
func run(alg Algorithm, x *nabla.Tensor, steps int) [][]float64 {
	x.SetRequiresGrad(true)
	opt := New([]*nabla.Tensor{x}, alg)
	g := nabla.ZerosLike(x)
	var out [][]float64
	for range steps {
		for i, v := range x.RawFloat32() {
			g.RawFloat32()[i] = grad(v)
		}
		for i, v := range x.RawFloat64() {
			g.RawFloat64()[i] = grad(v)
		}
		x.SetGrad(g)
		opt.Step()
		out = append(out, x.Float64s())
	}
	return out
}

var starts = []float64{1, -2, 3.5, 0}

func TestAgainstReference(t *testing.T) {
	const steps = 6
	for _, c := range refCases() {
		t.Run(c.name+"/float64", func(t *testing.T) {
			got := run(c.alg, nabla.FromSlice(starts), steps)
			for i, x0 := range starts {
				want := c.ref(x0, steps, c.h)
				for s := range steps {
					if !near(got[s][i], want[s], 1e-13) {
						t.Errorf("x0=%v step %d: got %.17g, want %.17g", x0, s+1, got[s][i], want[s])
					}
				}
			}
		})
		t.Run(c.name+"/float32", func(t *testing.T) {
			x := nabla.FromSlice(starts).As(nabla.Float32)
			got := run(c.alg, x, steps)
			for i, x0 := range starts {
				want := c.ref2(float32(x0), steps, c.h)
				want64 := c.ref(x0, steps, c.h)
				for s := range steps {
					if !near(got[s][i], float64(want[s]), 2e-6) {
						t.Errorf("x0=%v step %d: got %.9g, want %.9g (float32 reference)", x0, s+1, got[s][i], want[s])
					}
					if !near(got[s][i], want64[s], 1e-4) {
						t.Errorf("x0=%v step %d: got %.9g, far from the float64 value %.9g", x0, s+1, got[s][i], want64[s])
					}
				}
			}
		})
	}
}

// TestHandValues checks the first two steps from x = 1 against values worked
// out on paper (gradient 2(x-3), so g₁ = -4).
func TestHandValues(t *testing.T) {
	for _, c := range []struct {
		name string
		alg  Algorithm
		want [2]float64
	}{
		// x₁ = 1 + 0.1·4 = 1.4; g₂ = -3.2; x₂ = 1.4 + 0.32.
		{"SGD", SGD{LR: 0.1}, [2]float64{1.4, 1.72}},
		// b₁ = -4, x₁ = 1.4; b₂ = 0.9·(-4) - 3.2 = -6.8, x₂ = 1.4 + 0.68.
		{"SGD/momentum", SGD{LR: 0.1, Momentum: 0.9}, [2]float64{1.4, 2.08}},
		// d₁ = -4 + 0.5 = -3.5, x₁ = 1.35; d₂ = -3.3 + 0.675 = -2.625, x₂ = 1.6125.
		{"SGD/weight_decay", SGD{LR: 0.1, WeightDecay: 0.5}, [2]float64{1.35, 1.6125}},
		// m̂₁ = -4, v̂₁ = 16: x₁ = 1 + 0.1·4/(4+1e-8).
		{"Adam", NewAdam(0.1), [2]float64{1 + 0.4/(4+1e-8), math.NaN()}},
		// v₁ = 0.01·16 = 0.16: x₁ = 1 + 0.01·4/(0.4+1e-8).
		{"RMSprop", NewRMSprop(0.01), [2]float64{1 + 0.04/(0.4+1e-8), math.NaN()}},
		// s₁ = 16: x₁ = 1 + 0.1·4/(4+1e-10).
		{"Adagrad", NewAdagrad(0.1), [2]float64{1 + 0.4/(4+1e-10), math.NaN()}},
		// θ shrinks to 1-0.1·0.5 = 0.95 first, then the Adam step adds ≈0.1.
		{"AdamW", AdamW{LR: 0.1, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8, WeightDecay: 0.5}, [2]float64{0.95 + 0.4/(4+1e-8), math.NaN()}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := run(c.alg, nabla.FromSlice([]float64{1}), 2)
			for s, w := range c.want {
				if !math.IsNaN(w) && !near(got[s][0], w, 1e-15) {
					t.Errorf("step %d: got %.17g, want %.17g", s+1, got[s][0], w)
				}
			}
		})
	}
}

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}

func TestSkipsNilGrad(t *testing.T) {
	for _, c := range refCases() {
		t.Run(c.name, func(t *testing.T) {
			a := nabla.FromSlice([]float64{1, 2}).SetRequiresGrad(true)
			b := nabla.FromSlice([]float64{5}).SetRequiresGrad(true)
			opt := New([]*nabla.Tensor{a, b}, c.alg)
			a.SetGrad(nabla.FromSlice([]float64{1, 1}))
			opt.Step()
			opt.Step()
			if b.Item() != 5 {
				t.Errorf("parameter without gradient moved to %v", b.Item())
			}
			st := opt.State()
			if st["state.0.step"].Item() != 2 {
				t.Errorf("state.0.step = %v, want 2", st["state.0.step"].Item())
			}
			if _, ok := st["state.1.step"]; ok {
				t.Errorf("parameter without gradient has state")
			}
		})
	}
}

func TestGroups(t *testing.T) {
	a := nabla.FromSlice([]float64{1}).SetRequiresGrad(true)
	b := nabla.FromSlice([]float64{1}).SetRequiresGrad(true)
	opt := New([]*nabla.Tensor{a}, SGD{LR: 0.1, WeightDecay: 1})
	opt.AddGroup(Group{Params: []*nabla.Tensor{b}, LR: 0.01})
	step := func() {
		a.SetGrad(nabla.FromSlice([]float64{1}))
		b.SetGrad(nabla.FromSlice([]float64{1}))
		opt.Step()
	}
	step()
	// a: d = 1 + 1·1 = 2, a = 1 - 0.2; b: no decay, b = 1 - 0.01.
	if !near(a.Item(), 0.8, 1e-15) || !near(b.Item(), 0.99, 1e-15) {
		t.Fatalf("after one step a = %v, b = %v; want 0.8, 0.99", a.Item(), b.Item())
	}
	opt.SetLR(1, 0.5)
	step()
	if got := opt.LR(1); got != 0.5 {
		t.Errorf("LR(1) = %v after SetLR", got)
	}
	if !near(b.Item(), 0.49, 1e-15) {
		t.Errorf("after SetLR(1, 0.5) b = %v, want 0.49", b.Item())
	}
	g := opt.Groups()
	if len(g) != 2 || g[0].LR != 0.1 || g[0].WeightDecay != 1 || g[1].LR != 0.5 || g[1].Params[0] != b {
		t.Errorf("Groups() = %+v", g)
	}
	if opt.Steps() != 2 {
		t.Errorf("Steps() = %d, want 2", opt.Steps())
	}
}

func TestZeroGrad(t *testing.T) {
	a := nabla.FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	b := nabla.FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	opt := New([]*nabla.Tensor{a, b}, SGD{LR: 0.1, Momentum: 0.9})
	setGrads := func() {
		a.SetGrad(nabla.FromSlice([]float64{3, 4}))
		b.SetGrad(nabla.FromSlice([]float64{3, 4}))
	}
	setGrads()
	opt.Step()
	t.Run("ZeroGrad", func(t *testing.T) {
		g := b.Grad()
		opt.ZeroGrad()
		if b.Grad() != g || b.Grad().Float64s()[0] != 0 || b.Grad().Float64s()[1] != 0 {
			t.Fatalf("ZeroGrad left %v (want the same buffer, zeroed)", b.Grad())
		}
		before := b.Float64s()[0]
		opt.Step() // a zero gradient still moves b through its momentum
		if b.Float64s()[0] == before {
			t.Error("Step ignored a zeroed gradient")
		}
	})
	t.Run("ClearGrad", func(t *testing.T) {
		setGrads()
		opt.ClearGrad()
		if a.Grad() != nil || b.Grad() != nil {
			t.Fatal("ClearGrad left gradients")
		}
		before := b.Float64s()[0]
		opt.Step()
		if b.Float64s()[0] != before {
			t.Error("Step moved a parameter whose gradient was cleared")
		}
	})
}

// TestConstructors checks that the constructors return PyTorch's defaults and
// that New takes them as given.
func TestConstructors(t *testing.T) {
	for _, c := range []struct {
		name   string
		alg    Algorithm
		wd     float64
		wanted Algorithm
	}{
		{"SGD", NewSGD(0.5), 0, SGD{LR: 0.5}},
		{"Adam", NewAdam(0.5), 0, Adam{LR: 0.5, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}},
		{"AdamW", NewAdamW(0.5), 1e-2, AdamW{LR: 0.5, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8, WeightDecay: 1e-2}},
		{"RMSprop", NewRMSprop(0.5), 0, RMSprop{LR: 0.5, Alpha: 0.99, Eps: 1e-8}},
		{"Adagrad", NewAdagrad(0.5), 0, Adagrad{LR: 0.5, Eps: 1e-10}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.alg != c.wanted {
				t.Errorf("got %+v, want %+v", c.alg, c.wanted)
			}
			p := nabla.Zeros(1).SetRequiresGrad(true)
			opt := New([]*nabla.Tensor{p}, c.alg)
			if g := opt.Groups()[0]; g.LR != 0.5 || g.WeightDecay != c.wd {
				t.Errorf("group 0 has LR %v, WeightDecay %v; want 0.5, %v", g.LR, g.WeightDecay, c.wd)
			}
		})
	}
}

// TestZeroMeansZero checks that a zero hyperparameter is used as zero, not
// replaced by a default: AdamW without decay is Adam, Adam with Eps 0 divides
// by √v̂ alone, and a zero learning rate leaves the parameter where it is.
func TestZeroMeansZero(t *testing.T) {
	betas := [2]float64{0.9, 0.999}
	t.Run("AdamW/WeightDecay", func(t *testing.T) {
		got := run(AdamW{LR: 0.1, Betas: betas, Eps: 1e-8}, nabla.FromSlice(starts), 5)
		want := run(NewAdam(0.1), nabla.FromSlice(starts), 5)
		for s := range got {
			for i := range got[s] {
				if got[s][i] != want[s][i] {
					t.Fatalf("step %d x0=%v: AdamW without decay gave %v, Adam %v", s+1, starts[i], got[s][i], want[s][i])
				}
			}
		}
		if g := New([]*nabla.Tensor{nabla.Zeros(1).SetRequiresGrad(true)}, AdamW{LR: 0.1}).Groups()[0]; g.WeightDecay != 0 {
			t.Errorf("AdamW{WeightDecay: 0} has weight decay %v", g.WeightDecay)
		}
	})
	t.Run("Adam/Eps", func(t *testing.T) {
		// From x = 1, g₁ = -4, m̂₁ = -4 and √v̂₁ = 4: the step is exactly lr.
		// With the default Eps the step would be 0.1·4/(4+1e-8), 2.5e-10 less.
		got := run(Adam{LR: 0.1, Betas: betas}, nabla.FromSlice([]float64{1}), 1)
		if !near(got[0][0], 1.1, 1e-15) {
			t.Errorf("x₁ = %.17g, want 1.1 (Eps 0)", got[0][0])
		}
	})
	t.Run("Adam/Betas", func(t *testing.T) {
		// β1 = β2 = 0: m = g and v = g², so every step is lr·sign(g).
		got := run(Adam{LR: 0.5, Eps: 0}, nabla.FromSlice([]float64{1}), 3)
		for s, want := range []float64{1.5, 2, 2.5} {
			if got[s][0] != want {
				t.Errorf("step %d: x = %v, want %v", s+1, got[s][0], want)
			}
		}
	})
	t.Run("RMSprop/Alpha", func(t *testing.T) {
		// α = 0: v = g², so the step is lr·g/(|g|+ε) = lr·sign(g) with ε = 0.
		got := run(RMSprop{LR: 0.25}, nabla.FromSlice([]float64{1}), 2)
		if got[0][0] != 1.25 || got[1][0] != 1.5 {
			t.Errorf("x = %v, %v; want 1.25, 1.5", got[0][0], got[1][0])
		}
	})
	t.Run("Adagrad/Eps", func(t *testing.T) {
		got := run(Adagrad{LR: 0.1}, nabla.FromSlice([]float64{1}), 1)
		if !near(got[0][0], 1.1, 1e-15) {
			t.Errorf("x₁ = %.17g, want 1.1 (Eps 0)", got[0][0])
		}
	})
	for _, alg := range []Algorithm{SGD{}, Adam{Betas: betas, Eps: 1e-8}, AdamW{Betas: betas, Eps: 1e-8}, RMSprop{Alpha: 0.99, Eps: 1e-8}, Adagrad{Eps: 1e-10}} {
		t.Run(alg.name()+"/LR", func(t *testing.T) {
			got := run(alg, nabla.FromSlice(starts), 3)
			for s := range got {
				for i, x0 := range starts {
					if got[s][i] != x0 {
						t.Fatalf("step %d: LR 0 moved x from %v to %v", s+1, x0, got[s][i])
					}
				}
			}
		})
	}
}

func TestPanics(t *testing.T) {
	p := nabla.Zeros(2).SetRequiresGrad(true)
	nonLeaf := nabla.Exp(p)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"SGD/negative_lr", func() { New(nil, SGD{LR: -1}) }},
		{"SGD/nesterov_without_momentum", func() { New(nil, SGD{LR: 0.1, Nesterov: true}) }},
		{"SGD/nesterov_with_dampening", func() { New(nil, SGD{LR: 0.1, Momentum: 0.9, Dampening: 0.1, Nesterov: true}) }},
		{"Adam/beta_one", func() { New(nil, Adam{Betas: [2]float64{0.9, 1}}) }},
		{"Adam/negative_lr", func() { New(nil, NewAdam(-1e-3)) }},
		{"Adam/negative_beta", func() { New(nil, Adam{Betas: [2]float64{-0.1, 0.9}}) }},
		{"AdamW/negative_eps", func() { New(nil, AdamW{Eps: -1}) }},
		{"RMSprop/alpha", func() { New(nil, RMSprop{Alpha: 1.5}) }},
		{"Adagrad/lr_decay", func() { New(nil, Adagrad{LRDecay: -1}) }},
		{"AddGroup/twice", func() { New([]*nabla.Tensor{p}, SGD{}).AddGroup(Group{Params: []*nabla.Tensor{p}, LR: 1}) }},
		{"AddGroup/repeated", func() { New([]*nabla.Tensor{p, p}, SGD{}) }},
		{"AddGroup/non_leaf", func() { New([]*nabla.Tensor{nonLeaf}, SGD{}) }},
		{"AddGroup/nan_lr", func() { New(nil, SGD{}).AddGroup(Group{LR: math.NaN()}) }},
		{"SetLR/range", func() { New([]*nabla.Tensor{p}, SGD{}).SetLR(1, 0.1) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatal("no panic")
				}
				if s, ok := r.(string); !ok || len(s) < 7 || s[:7] != "optim: " {
					t.Errorf("panic value %v does not start with \"optim: \"", r)
				}
			}()
			c.f()
		})
	}
}

func TestStepAllocatesNothing(t *testing.T) {
	for _, c := range refCases() {
		for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				p := nabla.New(dt, 64).SetRequiresGrad(true)
				p.SetGrad(nabla.FullLike(p, 0.5))
				opt := New([]*nabla.Tensor{p}, c.alg)
				opt.Step()
				if n := testing.AllocsPerRun(20, opt.Step); n != 0 {
					t.Errorf("Step allocates %v times after the first", n)
				}
			})
		}
	}
}

// TestStepRangeIsStep checks that replicas that each run StepRange on one
// of disjoint ranges covering the parameters (cut inside parameters too),
// and copy their ranges to one another, update the parameters and, once
// the ranges of the state are copied too, the state, bit for bit as Step.
func TestStepRangeIsStep(t *testing.T) {
	algs := map[string]Algorithm{
		"sgd":     SGD{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 0.01},
		"adam":    Adam{LR: 0.01, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8, WeightDecay: 0.1, AMSGrad: true},
		"adamw":   NewAdamW(0.01),
		"rmsprop": RMSprop{LR: 0.01, Alpha: 0.99, Eps: 1e-8, Momentum: 0.5, Centered: true},
		"adagrad": NewAdagrad(0.1),
	}
	// 14 values, cut inside parameters 0 and 1.
	ranges := [][2]int{{0, 4}, {4, 7}, {7, 11}, {11, 14}}
	params := func() []*nabla.Tensor {
		ps := []*nabla.Tensor{
			nabla.FromSlice([]float64{1, -2, 3, 0.5, -0.25, 4}, 2, 3),
			nabla.FromSlice([]float64{0.1, 0.2, -0.3}),
			nabla.FromSlice([]float64{-1, 1, 2, -2, 0.75}),
		}
		for _, p := range ps {
			p.SetRequiresGrad(true)
		}
		return ps
	}
	// copyRange copies the values in [lo, hi) of the concatenation of src
	// into dst.
	copyRange := func(dst, src [][]float64, lo, hi int) {
		off := 0
		for i := range src {
			from, to := max(lo-off, 0), min(hi-off, len(src[i]))
			off += len(src[i])
			if from < to {
				copy(dst[i][from:to], src[i][from:to])
			}
		}
	}
	raw := func(ps []*nabla.Tensor) [][]float64 {
		var out [][]float64
		for _, p := range ps {
			out = append(out, p.RawFloat64())
		}
		return out
	}
	for name, alg := range algs {
		t.Run(name, func(t *testing.T) {
			whole := params()
			ow := New(whole, alg)
			reps := make([][]*nabla.Tensor, len(ranges))
			opts := make([]*Optimizer, len(ranges))
			for r := range reps {
				reps[r] = params()
				opts[r] = New(reps[r], alg)
			}
			for step := range 3 {
				for i := range whole {
					g := make([]float64, whole[i].Size())
					for k := range g {
						g[k] = float64((step+1)*(k+1)*(i+2)%7) - 3
					}
					whole[i].SetGrad(nabla.FromSlice(g, whole[i].Shape()...))
					for _, ps := range reps {
						ps[i].SetGrad(nabla.FromSlice(append([]float64(nil), g...), ps[i].Shape()...))
					}
				}
				ow.Step()
				for r, rg := range ranges {
					opts[r].StepRange(rg[0], rg[1])
				}
				for r, rg := range ranges {
					for q := range reps {
						if q != r {
							copyRange(raw(reps[q]), raw(reps[r]), rg[0], rg[1])
						}
					}
				}
			}
			for r := range reps {
				for i := range whole {
					if a, b := whole[i].Float64s(), reps[r][i].Float64s(); !slices.Equal(a, b) {
						t.Fatalf("replica %d, parameter %d: %v by StepRange, %v by Step", r, i, b, a)
					}
				}
			}
			// The state, gathered into replica 0.
			dst := opts[0].StateViews()
			if len(dst) != len(alg.buffers()) || len(dst[0]) != 3 || len(dst[0][2]) != 5 {
				t.Fatalf("StateViews: %d buffers of %d parameters", len(dst), len(dst[0]))
			}
			for r, rg := range ranges[1:] {
				src := opts[r+1].StateViews()
				for k := range dst {
					copyRange(dst[k], src[k], rg[0], rg[1])
				}
			}
			sw, s0 := ow.State(), opts[0].State()
			for k, v := range sw {
				if !slices.Equal(v.Float64s(), s0[k].Float64s()) {
					t.Fatalf("state %s: %v by StepRange, %v by Step", k, s0[k].Float64s(), v.Float64s())
				}
			}
			if n := testing.AllocsPerRun(10, func() { opts[1].StepRange(4, 7) }); n != 0 {
				t.Errorf("StepRange allocates %v times per call", n)
			}
		})
	}
}
