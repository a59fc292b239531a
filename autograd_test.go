package nabla_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/gradcheck"
)

func vec(v ...float64) *nabla.Tensor { return nabla.FromSlice(v) }

func variable(v ...float64) *nabla.Tensor { return nabla.FromSlice(v).SetRequiresGrad(true) }

func assertClose(t *testing.T, what string, got *nabla.Tensor, want []float64, tol float64) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: got nil, want %v", what, want)
	}
	g := got.Float64s()
	if len(g) != len(want) {
		t.Fatalf("%s: got %d values %v, want %v", what, len(g), g, want)
	}
	for i := range g {
		if g[i] == want[i] {
			continue
		}
		if !(math.Abs(g[i]-want[i]) <= tol*(1+math.Abs(want[i]))) && !(math.IsNaN(want[i]) && math.IsNaN(g[i])) {
			t.Fatalf("%s: got %v, want %v", what, g, want)
		}
	}
}

// mustPanic runs f and returns the *nabla.Error it panicked with.
func mustPanic(t *testing.T, f func()) *nabla.Error {
	t.Helper()
	err := nabla.Catch(f)
	if err == nil {
		t.Fatal("no error")
	}
	var e *nabla.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *nabla.Error", err)
	}
	return e
}

func TestGradientsAccumulateUntilZeroed(t *testing.T) {
	x := variable(1, 2)
	for i := 1; i <= 3; i++ {
		nabla.Sum(nabla.Square(x)).Backward()
		assertClose(t, "accumulated grad", x.Grad(), []float64{2 * float64(i), 4 * float64(i)}, 0)
	}
	x.ZeroGrad()
	nabla.Sum(nabla.Square(x)).Backward()
	assertClose(t, "grad after ZeroGrad", x.Grad(), []float64{2, 4}, 0)
}

func TestSharedSubexpressions(t *testing.T) {
	// y = a·a where a = x+1 is used twice, and z = y + a reuses a again.
	x := variable(2)
	a := nabla.AddScalar(x, 1)
	y := nabla.Mul(a, a)
	z := nabla.Add(y, a)
	nabla.Sum(z).Backward()
	// dz/dx = 2a + 1 = 7
	assertClose(t, "grad", x.Grad(), []float64{7}, 0)
}

func TestAddRuleSharingDoesNotAlias(t *testing.T) {
	// Add's rule hands the same gradient to both inputs; accumulating into one
	// must not change the other.
	x, y := variable(1), variable(1)
	nabla.Sum(nabla.Add(x, y)).Backward()
	nabla.Sum(nabla.MulScalar(x, 3)).Backward()
	assertClose(t, "x", x.Grad(), []float64{4}, 0)
	assertClose(t, "y", y.Grad(), []float64{1}, 0)
}

func TestDeepChainHasNoRecursionLimit(t *testing.T) {
	x := variable(0.5)
	y := x
	for i := 0; i < 100000; i++ {
		y = nabla.MulScalar(y, 1.00001)
	}
	y.Backward()
	assertClose(t, "grad", x.Grad(), []float64{math.Pow(1.00001, 100000)}, 1e-9)
}

func TestSecondBackwardThroughFreedGraph(t *testing.T) {
	x := variable(1, 2)
	y := nabla.Sum(nabla.Exp(x))
	y.Backward()
	e := mustPanic(t, func() { y.Backward() })
	if !strings.Contains(e.Msg, "freed") || !strings.Contains(e.Msg, "RetainGraph") {
		t.Fatalf("unclear error: %v", e)
	}
	if !strings.Contains(e.Where, "autograd_test.go") {
		t.Fatalf("error is located at %q, not at the caller", e.Where)
	}

	// With RetainGraph the second pass works and accumulates.
	x.ZeroGrad()
	y = nabla.Sum(nabla.Exp(x))
	y.Backward(nabla.RetainGraph())
	y.Backward()
	assertClose(t, "twice", x.Grad(), []float64{2 * math.E, 2 * math.Exp(2)}, 1e-15)
}

func TestBackwardOnNonScalarNeedsSeed(t *testing.T) {
	x := variable(1, 2, 3)
	y := nabla.MulScalar(x, 2)
	e := mustPanic(t, func() { y.Backward() })
	if !strings.Contains(e.Msg, "(3,)") || !strings.Contains(e.Msg, "Seed") {
		t.Fatalf("unclear error: %v", e)
	}
	y.Backward(nabla.Seed(vec(1, 0, 1)))
	assertClose(t, "seeded", x.Grad(), []float64{2, 0, 2}, 0)
}

func TestNoGradAndDetach(t *testing.T) {
	x := variable(3)
	var y *nabla.Tensor
	nabla.NoGrad(func() { y = nabla.Square(x) })
	if y.RequiresGrad() {
		t.Fatal("NoGrad recorded an op")
	}
	// Detach cuts the graph: d/dx (x · detach(x)) = detach(x) = 3.
	z := nabla.Mul(x, x.Detach())
	z.Backward()
	assertClose(t, "grad through detach", x.Grad(), []float64{3}, 0)
	e := mustPanic(t, func() { y.Backward() })
	if !strings.Contains(e.Msg, "does not require grad") {
		t.Fatalf("unclear error: %v", e)
	}
}

func TestGradientsLeavesGradUntouched(t *testing.T) {
	x := variable(1, 2)
	w := variable(3)
	y := nabla.Sum(nabla.Mul(x, w))
	gs := nabla.Gradients([]*nabla.Tensor{y}, []*nabla.Tensor{x, w})
	assertClose(t, "dy/dx", gs[0], []float64{3, 3}, 0)
	assertClose(t, "dy/dw", gs[1], []float64{3}, 0)
	if x.Grad() != nil || w.Grad() != nil {
		t.Fatal("Gradients wrote into Grad")
	}
	u := variable(1)
	e := mustPanic(t, func() {
		nabla.Gradients([]*nabla.Tensor{nabla.Sum(nabla.Mul(x, w))}, []*nabla.Tensor{u})
	})
	if !strings.Contains(e.Msg, "AllowUnused") {
		t.Fatalf("unclear error: %v", e)
	}
}

func TestGradientsOfNonLeaf(t *testing.T) {
	x := variable(2)
	h := nabla.Square(x)
	y := nabla.Sum(nabla.Sin(h))
	g := nabla.Gradients([]*nabla.Tensor{y}, []*nabla.Tensor{h})[0]
	assertClose(t, "dy/dh", g, []float64{math.Cos(4)}, 1e-15)
}

func TestRetainGradAndHooks(t *testing.T) {
	x := variable(1, 2)
	h := nabla.MulScalar(x, 3).RetainGrad()
	var seen *nabla.Tensor
	h.RegisterHook(func(g *nabla.Tensor) *nabla.Tensor { seen = g; return nabla.MulScalar(g, 2) })
	nabla.Sum(h).Backward()
	assertClose(t, "hook saw", seen, []float64{1, 1}, 0)
	assertClose(t, "h.Grad", h.Grad(), []float64{2, 2}, 0)
	assertClose(t, "x.Grad after doubling hook", x.Grad(), []float64{6, 6}, 0)
}

func TestHigherOrderDerivatives(t *testing.T) {
	// d³/dx³ sin x = -cos x, by three recorded backward passes.
	x := variable(0.7)
	y := nabla.Sin(x)
	for i := 0; i < 3; i++ {
		y = nabla.Gradients([]*nabla.Tensor{y}, []*nabla.Tensor{x}, nabla.CreateGraph())[0]
	}
	assertClose(t, "third derivative of sin", y, []float64{-math.Cos(0.7)}, 1e-15)
}

func TestForwardModeTangent(t *testing.T) {
	x := nabla.Dual(vec(1, 2), vec(1, 0))
	y := nabla.Mul(nabla.Exp(x), x)
	// d/dx x eˣ = (1+x)eˣ in the first coordinate, 0 in the second.
	assertClose(t, "tangent", y.Tangent(), []float64{2 * math.E, 0}, 1e-15)
}

func TestBroadcastGradientsSumBack(t *testing.T) {
	a := nabla.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3).SetRequiresGrad(true)
	b := variable(10, 20, 30)
	c := nabla.FromSlice([]float64{1, 2}, 2, 1).SetRequiresGrad(true)
	nabla.Sum(nabla.Mul(nabla.Add(a, b), c)).Backward()
	assertClose(t, "a", a.Grad(), []float64{1, 1, 1, 2, 2, 2}, 0)
	assertClose(t, "b", b.Grad(), []float64{3, 3, 3}, 0)
	assertClose(t, "c", c.Grad(), []float64{66, 75}, 0)
}

// A summed output passes its scalar gradient on without expanding it; these
// graphs broadcast inside, where the sums over broadcast axes must not be lost.
func TestScalarGradientThroughBroadcasts(t *testing.T) {
	r := nabla.NewRand(5)
	x := nabla.Randn(r, 1, 3)
	y := nabla.Randn(r, 2, 1)
	cond := nabla.FromSlice([]float64{1, 0, 1})
	fs := map[string]gradcheck.Func{
		"add":      func(v ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Add(v[0], v[1])) },
		"mul":      func(v ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Mul(v[0], v[1])) },
		"sub-exp":  func(v ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Exp(nabla.Sub(v[0], v[1]))) },
		"where":    func(v ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Where(cond, v[0], v[1])) },
		"maximum":  func(v ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Maximum(v[0], v[1])) },
		"mean-sin": func(v ...*nabla.Tensor) *nabla.Tensor { return nabla.Mean(nabla.Sin(nabla.Mul(v[0], v[1]))) },
		"nested":   func(v ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Sum(nabla.Mul(v[0], v[1]), 1)) },
		"shared": func(v ...*nabla.Tensor) *nabla.Tensor {
			s := nabla.Add(v[0], v[1])
			return nabla.Add(nabla.Sum(s), nabla.Sum(nabla.Square(s)))
		},
	}
	for name, f := range fs {
		t.Run(name, func(t *testing.T) {
			if err := gradcheck.Check(f, []*nabla.Tensor{x, y}, nil); err != nil {
				t.Fatal(err)
			}
			if err := gradcheck.CheckSecondOrder(f, []*nabla.Tensor{x, y}, nil); err != nil {
				t.Fatal(err)
			}
			// Through Backward, into Grad, with the leaves' own shapes.
			a, b := x.Clone().SetRequiresGrad(true), y.Clone().SetRequiresGrad(true)
			f(a, b).Backward()
			if !equalInts(a.Grad().Shape(), []int{1, 3}) || !equalInts(b.Grad().Shape(), []int{2, 1}) {
				t.Fatalf("grad shapes %v and %v", a.Grad().Shape(), b.Grad().Shape())
			}
		})
	}
	// The simplest case by hand: Σ(x + y) over the (2, 3) broadcast counts
	// each x twice and each y three times.
	a := nabla.Zeros(1, 3).SetRequiresGrad(true)
	b := nabla.Zeros(2, 1).SetRequiresGrad(true)
	nabla.Sum(nabla.Add(a, b)).Backward()
	assertClose(t, "x", a.Grad(), []float64{2, 2, 2}, 0)
	assertClose(t, "y", b.Grad(), []float64{3, 3}, 0)
}

// A pass finds the sums of few leaves by a scan and of many through an
// index: both give every leaf its own gradient.
func TestManyLeaves(t *testing.T) {
	for _, n := range []int{1, 8, 9, 30} {
		xs := make([]*nabla.Tensor, n)
		var y *nabla.Tensor
		for i := range xs {
			xs[i] = nabla.Scalar(float64(i)).SetRequiresGrad(true)
			term := nabla.MulScalar(nabla.Square(xs[i]), float64(i+1))
			if y == nil {
				y = term
			} else {
				y = nabla.Add(y, term)
			}
		}
		y.Backward()
		for i, x := range xs {
			if got, want := x.Grad().Item(), 2*float64(i)*float64(i+1); got != want {
				t.Fatalf("%d leaves: gradient of leaf %d is %v, want %v", n, i, got, want)
			}
		}
		gs := nabla.Gradients([]*nabla.Tensor{nabla.Sum(nabla.Stack(0, xs...))}, xs)
		for i, g := range gs {
			if g.Item() != 1 {
				t.Fatalf("%d leaves: Gradients %d is %v", n, i, g.Item())
			}
		}
	}
}
