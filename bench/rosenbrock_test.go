package bench

import (
	"testing"

	"github.com/nabla-go/nabla"
	"gonum.org/v1/gonum/optimize/functions"
)

const rosenbrockN = 1000

func rosenbrockInput() *nabla.Tensor { return nabla.Uniform(nabla.NewRand(3), -2, 2, rosenbrockN) }

// TestRosenbrock checks nabla's gradients of both forms against the
// hand-written ones.
func TestRosenbrock(t *testing.T) {
	x := rosenbrockInput()
	want := make([]float64, rosenbrockN)

	v := x.Detach().SetRequiresGrad(true)
	f := RosenbrockPairs(v)
	if wantF := RosenbrockPairsGrad(x.Float64s(), want); !close(f.Item(), wantF, 1e-14) {
		t.Errorf("pairs: f = %v, want %v", f.Item(), wantF)
	}
	f.Backward()
	checkSlice(t, "pairs gradient", v.Grad().Float64s(), want, 1e-13)

	v = x.Detach().SetRequiresGrad(true)
	f = RosenbrockChained(v)
	if wantF := (functions.ExtendedRosenbrock{}).Func(x.Float64s()); !close(f.Item(), wantF, 1e-13) {
		t.Errorf("chained: f = %v, want %v", f.Item(), wantF)
	}
	f.Backward()
	functions.ExtendedRosenbrock{}.Grad(want, x.Float64s())
	checkSlice(t, "chained gradient", v.Grad().Float64s(), want, 1e-13)

	// The compiled gradients, called twice (traced, then replayed).
	for range 2 {
		_, gs := nabla.CompileValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor { return RosenbrockChained(xs[0]) })(x)
		checkSlice(t, "compiled chained gradient", gs[0].Float64s(), want, 1e-13)
	}
	into := nabla.CompileValueAndGradInto(func(xs ...*nabla.Tensor) *nabla.Tensor { return RosenbrockPairs(xs[0]) })
	gt := []*nabla.Tensor{nabla.Zeros(rosenbrockN)}
	RosenbrockPairsGrad(x.Float64s(), want)
	for range 2 {
		into(gt, x)
		checkSlice(t, "compiled pairs gradient", gt[0].Float64s(), want, 1e-13)
	}
}

// BenchmarkRosenbrockGrad times the gradient of the extended Rosenbrock
// function at n = 1000: nabla's reverse mode (Backward, and ValueAndGrad)
// against the analytic gradient, for both forms of the function (see
// rosenbrock.go).
func BenchmarkRosenbrockGrad(b *testing.B) {
	x := rosenbrockInput()
	xs, g := x.Float64s(), make([]float64, rosenbrockN)
	b.Run("pairs/nabla", func(b *testing.B) {
		v := x.Detach().SetRequiresGrad(true)
		for b.Loop() {
			v.ZeroGrad()
			RosenbrockPairs(v).Backward()
		}
	})
	b.Run("pairs/hand-written", func(b *testing.B) {
		for b.Loop() {
			RosenbrockPairsGrad(xs, g)
		}
	})
	b.Run("chained/nabla", func(b *testing.B) {
		v := x.Detach().SetRequiresGrad(true)
		for b.Loop() {
			v.ZeroGrad()
			RosenbrockChained(v).Backward()
		}
	})
	b.Run("chained/gonum", func(b *testing.B) {
		for b.Loop() {
			functions.ExtendedRosenbrock{}.Grad(g, xs)
		}
	})
	// The same gradients through the functional transform, which runs the
	// function in an arena (its intermediates' buffers serve the next call).
	pairs := nabla.ValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor { return RosenbrockPairs(xs[0]) })
	b.Run("pairs-ValueAndGrad/nabla", func(b *testing.B) {
		for b.Loop() {
			pairs(x)
		}
	})
	b.Run("pairs-ValueAndGrad/hand-written", func(b *testing.B) {
		for b.Loop() {
			RosenbrockPairsGrad(xs, g)
		}
	})
	chained := nabla.ValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor { return RosenbrockChained(xs[0]) })
	b.Run("chained-ValueAndGrad/nabla", func(b *testing.B) {
		for b.Loop() {
			chained(x)
		}
	})
	b.Run("chained-ValueAndGrad/gonum", func(b *testing.B) {
		for b.Loop() {
			functions.ExtendedRosenbrock{}.Grad(g, xs)
		}
	})
	// Compiled: traced once, replayed on planned buffers. The Into variant
	// writes the gradient into a tensor of the caller's, as the hand-written
	// code and gonum's Grad write into theirs.
	for _, form := range []struct {
		name, hand string
		f          func(*nabla.Tensor) *nabla.Tensor
		grad       func()
	}{
		{"pairs", "hand-written", RosenbrockPairs, func() { RosenbrockPairsGrad(xs, g) }},
		{"chained", "gonum", RosenbrockChained, func() { functions.ExtendedRosenbrock{}.Grad(g, xs) }},
	} {
		f := func(xs ...*nabla.Tensor) *nabla.Tensor { return form.f(xs[0]) }
		into := nabla.CompileValueAndGradInto(f)
		gt := []*nabla.Tensor{nabla.Zeros(rosenbrockN)}
		b.Run(form.name+"-CompileInto/nabla", func(b *testing.B) {
			for b.Loop() {
				into(gt, x)
			}
		})
		b.Run(form.name+"-CompileInto/"+form.hand, func(b *testing.B) {
			for b.Loop() {
				form.grad()
			}
		})
		vg := nabla.CompileValueAndGrad(f)
		b.Run(form.name+"-Compile/nabla", func(b *testing.B) {
			for b.Loop() {
				vg(x)
			}
		})
		b.Run(form.name+"-Compile/"+form.hand, func(b *testing.B) {
			for b.Loop() {
				form.grad()
			}
		})
	}
}
