package nabla_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
)

// ValueAndGrad runs its function in an arena: results stay valid across
// calls, intermediates that leak out are dead (a clear error, not recycled
// memory), and constants, leaves and views the function did not make are
// untouched.
func TestArenaTransforms(t *testing.T) {
	r := nabla.NewRand(5)
	x0 := nabla.Uniform(r, -1, 1, 600)
	c := nabla.Uniform(r, -1, 1, 600) // a constant made outside
	var leaked, leakedView, leakedSlice, constInside *nabla.Tensor
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		x := xs[0]
		a := nabla.Mul(nabla.Sin(x), c)
		leaked = a
		leakedView = nabla.Reshape(a, 20, 30).Detach()
		leakedSlice = nabla.Slice(a, 0, 100, 400, 1)
		constInside = nabla.Full(2.5, 600) // no graph: not scratch
		b := nabla.Add(nabla.Square(nabla.Slice(x, 0, 0, 300, 1)), nabla.Slice(a, 0, 300, 600, 1))
		return nabla.Add(nabla.Sum(nabla.Mul(a, constInside)), nabla.Sum(nabla.Exp(b)))
	}
	vg := nabla.ValueAndGrad(f)
	y1, g1 := vg(x0)
	want1 := g1[0].Float64s()
	wantY := y1.Item()

	// The reference, without an arena: plain Backward.
	x := x0.Clone().SetRequiresGrad(true)
	f(x).Backward()
	ref := x.Grad().Float64s()
	for i := range ref {
		if ref[i] != want1[i] {
			t.Fatalf("gradient %d: ValueAndGrad %v, Backward %v", i, want1[i], ref[i])
		}
	}

	for i := 0; i < 20; i++ {
		y, g := vg(nabla.Uniform(r, -1, 1, 600))
		if y.Item() == wantY || g[0].Float64s()[0] == want1[0] {
			t.Fatal("a different point gave the same result")
		}
		for _, dead := range []*nabla.Tensor{leaked, leakedView, leakedSlice} {
			err := nabla.Catch(func() { nabla.Sum(dead) })
			if err == nil || !strings.Contains(err.Error(), "Arena") {
				t.Fatalf("using a leaked intermediate: %v", err)
			}
			if err := nabla.Catch(func() { dead.Float64s() }); err == nil {
				t.Fatal("reading a leaked intermediate: no error")
			}
			if !strings.Contains(dead.String(), "released") {
				t.Fatalf("String of a dead tensor: %s", dead)
			}
		}
		if constInside.Float64s()[599] != 2.5 || c.Size() != 600 || x0.Size() != 600 {
			t.Fatal("a tensor that is not scratch was released")
		}
	}
	// The first call's results are still intact.
	if y1.Item() != wantY {
		t.Fatal("the first value changed")
	}
	got := g1[0].Float64s()
	for i := range got {
		if got[i] != want1[i] {
			t.Fatalf("the first gradient changed at %d: %v, was %v", i, got[i], want1[i])
		}
	}
}

// A user's arena around Backward: leaf gradients, retained gradients and
// gradients a hook kept are the user's and survive Release.
func TestArenaKeepsWhatTheUserSees(t *testing.T) {
	r := nabla.NewRand(6)
	w := nabla.Uniform(r, -1, 1, 500).SetRequiresGrad(true)
	tp := nabla.NewTape()
	tp.Bind(w)
	var a nabla.Arena
	var hooked *nabla.Tensor
	var h *nabla.Tensor
	a.Do(tp, func() {
		h = nabla.Tanh(nabla.MulScalar(w, 3)).RetainGrad()
		h.RegisterHook(func(g *nabla.Tensor) *nabla.Tensor { hooked = g; return nil })
		nabla.Sum(nabla.Square(h)).Backward()
	})
	gw, gh, gk := w.Grad().Float64s(), h.Grad().Float64s(), hooked.Float64s()
	a.Release()
	// Churn the pools.
	for i := 0; i < 5; i++ {
		a.Do(tp, func() {
			v := nabla.Uniform(r, -1, 1, 500).SetRequiresGrad(true)
			tp.Bind(v)
			nabla.Sum(nabla.Exp(nabla.Mul(v, v))).Backward()
		})
		a.Release()
	}
	for i := range gw {
		if w.Grad().Float64s()[i] != gw[i] || h.Grad().Float64s()[i] != gh[i] || hooked.Float64s()[i] != gk[i] {
			t.Fatalf("element %d of a gradient the user holds changed", i)
		}
	}
	// h itself is a recorded intermediate: dead.
	if err := nabla.Catch(func() { h.Float64s() }); err == nil {
		t.Fatal("h survived Release")
	}
}

// A backward pass through a graph whose tensors an arena released is an
// error, not a read of recycled memory.
func TestArenaReleasedGraph(t *testing.T) {
	w := nabla.Uniform(nabla.NewRand(7), -1, 1, 400).SetRequiresGrad(true)
	tp := nabla.NewTape()
	tp.Bind(w)
	var a nabla.Arena
	var loss *nabla.Tensor
	a.Do(tp, func() { loss = nabla.Sum(nabla.Exp(nabla.Sin(w))) })
	a.Release(loss)
	err := nabla.Catch(func() { loss.Backward() })
	if err == nil || !strings.Contains(err.Error(), "Arena") {
		t.Fatalf("backward through a released graph: %v", err)
	}
}

// An optimisation loop that recycles its intermediates: each step's graph
// lives in the arena until Release, which keeps only what is passed to it.
// The arena collects what is computed on its tape: the loop binds w to it.
func ExampleArena() {
	w := nabla.Full(3, 1000).SetRequiresGrad(true)
	tp := nabla.NewTape()
	tp.Bind(w)
	var a nabla.Arena
	for step := 0; step < 100; step++ {
		var loss *nabla.Tensor
		a.Do(tp, func() {
			loss = nabla.Sum(nabla.Square(nabla.AddScalar(w, -1)))
			loss.Backward()
		})
		l := loss.Item()
		a.Release() // loss, too, is recycled: read it before
		wv, g := w.RawFloat64(), w.Grad().RawFloat64()
		for i := range wv {
			wv[i] -= 0.1 * g[i]
		}
		w.ZeroGrad()
		if step%40 == 0 {
			fmt.Printf("step %d: loss %.4g\n", step, l)
		}
	}
	fmt.Printf("w[0] = %.6f\n", w.At(0))
	// Output:
	// step 0: loss 4000
	// step 40: loss 7.067e-05
	// step 80: loss 1.249e-12
	// w[0] = 1.000000
}

// A plain backward pass recycles its own scratch, but never what a hook
// made or kept, nor the leaves' gradients.
func TestBackwardRecyclesOnlyScratch(t *testing.T) {
	r := nabla.NewRand(8)
	w := nabla.Uniform(r, -1, 1, 700).SetRequiresGrad(true)
	var made, seen *nabla.Tensor
	h := nabla.Sin(nabla.MulScalar(w, 2))
	h.RegisterHook(func(g *nabla.Tensor) *nabla.Tensor {
		seen = g
		made = nabla.MulScalar(g, 3)
		return nil
	})
	nabla.Sum(nabla.Mul(h, h)).Backward()
	wantMade, wantSeen, wantW := made.Float64s(), seen.Float64s(), w.Grad().Float64s()
	for i := 0; i < 10; i++ {
		v := nabla.Uniform(r, -1, 1, 700).SetRequiresGrad(true)
		nabla.Sum(nabla.Exp(nabla.Mul(nabla.Sin(v), v))).Backward()
	}
	for i := range wantW {
		if made.Float64s()[i] != wantMade[i] || seen.Float64s()[i] != wantSeen[i] || w.Grad().Float64s()[i] != wantW[i] {
			t.Fatalf("element %d of a tensor the user holds changed", i)
		}
	}
}

// Every transform at sizes the pools recycle (≥ 256 elements), against
// analytic derivatives: the recycling must never touch a result, a tangent
// or a retained graph. f = Σ x²·sin x has f' = 2x sin x + x² cos x and a
// diagonal Hessian f” = 2 sin x + 4x cos x − x² sin x.
func TestTransformsAtRecycledSizes(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.Sum(nabla.Mul(nabla.Sin(xs[0]), nabla.Square(xs[0])))
	}
	d1 := func(a float64) float64 { return 2*a*math.Sin(a) + a*a*math.Cos(a) }
	d2 := func(a float64) float64 { return 2*math.Sin(a) + 4*a*math.Cos(a) - a*a*math.Sin(a) }
	const n = 300
	x := nabla.Uniform(nabla.NewRand(1), -1, 1, n)
	v := nabla.Uniform(nabla.NewRand(2), -1, 1, n)
	xs, vs := x.Float64s(), v.Float64s()
	check := func(name string, got []float64, want func(i int) float64) {
		t.Helper()
		for i := range got {
			if w := want(i); math.Abs(got[i]-w) > 1e-12*math.Max(1, math.Abs(w)) {
				t.Fatalf("%s[%d] = %v, want %v", name, i, got[i], w)
			}
		}
	}
	for round := 0; round < 3; round++ { // later rounds draw recycled buffers
		check("Grad", nabla.Grad(f)(x).Float64s(), func(i int) float64 { return d1(xs[i]) })
		check("HVP", nabla.HVP(f, []*nabla.Tensor{x}, []*nabla.Tensor{v})[0].Float64s(),
			func(i int) float64 { return d2(xs[i]) * vs[i] })
		_, jv := nabla.JVP(f, []*nabla.Tensor{x}, []*nabla.Tensor{v})
		check("JVP", []float64{jv.Item()}, func(int) float64 {
			s := 0.0
			for i := range xs {
				s += d1(xs[i]) * vs[i]
			}
			return s
		})
		gg := nabla.Grad(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Grad(f)(xs[0])) })(x)
		check("Grad(Sum(Grad))", gg.Float64s(), func(i int) float64 { return d2(xs[i]) })
		y, pull := nabla.VJP(func(xs ...*nabla.Tensor) *nabla.Tensor {
			return nabla.Mul(nabla.Sin(xs[0]), nabla.Square(xs[0]))
		}, x)
		for k := 0; k < 2; k++ { // the pullback's graph is retained
			check("VJP", pull(v)[0].Float64s(), func(i int) float64 { return d1(xs[i]) * vs[i] })
		}
		check("VJP value", y.Float64s(), func(i int) float64 { return math.Sin(xs[i]) * xs[i] * xs[i] })
	}
	h := nabla.Hessian(f)(x)
	for i := 0; i < n; i += 37 {
		for j := 0; j < n; j += 41 {
			want := 0.0
			if i == j {
				want = d2(xs[i])
			}
			if got := h.At(i, j); math.Abs(got-want) > 1e-12 {
				t.Fatalf("Hessian[%d,%d] = %v, want %v", i, j, got, want)
			}
		}
	}
}

// Computing values in several goroutines at once, none of them building a
// graph, is safe (the package doc's promise): no arena or backward pass is
// collecting, so nothing is shared. Run with -race.
func TestConcurrentValues(t *testing.T) {
	const workers = 4
	x := nabla.Uniform(nabla.NewRand(13), -1, 1, 600)
	want := nabla.Sum(nabla.Exp(nabla.Mul(nabla.Sin(x), x))).Item()
	errs := make(chan string, workers)
	for w := 0; w < workers; w++ {
		go func() {
			for i := 0; i < 50; i++ {
				y := nabla.Sum(nabla.Exp(nabla.Mul(nabla.Sin(x), x))).Item()
				if y != want {
					errs <- fmt.Sprintf("got %v, want %v", y, want)
					return
				}
			}
			errs <- ""
		}()
	}
	for w := 0; w < workers; w++ {
		if e := <-errs; e != "" {
			t.Fatal(e)
		}
	}
}

// A backward pass that fails half-way (through a freed graph) recycles
// nothing and leaves no half-made sums behind: the next pass over the same
// leaf gives its gradient, whole and exact.
func TestFailedBackwardLeavesNothingBehind(t *testing.T) {
	w := nabla.Uniform(nabla.NewRand(14), -1, 1, 500).SetRequiresGrad(true)
	a := nabla.Sin(w)
	nabla.Sum(nabla.Mul(a, a)).Backward()
	// A new graph over the freed one: its pass fails at a's node, after
	// reaching w through the new Mul.
	err := nabla.Catch(func() { nabla.Sum(nabla.Exp(nabla.Mul(a, w))).Backward() })
	if err == nil || !strings.Contains(err.Error(), "freed") {
		t.Fatalf("backward through a freed graph: %v", err)
	}
	for i := 0; i < 3; i++ {
		v := nabla.Uniform(nabla.NewRand(uint64(i)), -1, 1, 500).SetRequiresGrad(true)
		nabla.Sum(nabla.Exp(nabla.Mul(v, v))).Backward()
	}
	w.ZeroGrad()
	nabla.Sum(nabla.Square(w)).Backward()
	g, ws := w.Grad().Float64s(), w.Float64s()
	for i := range g {
		if g[i] != 2*ws[i] {
			t.Fatalf("after a failed pass, grad[%d] = %v, want %v", i, g[i], 2*ws[i])
		}
	}
}

// An intermediate that leaks out of a transformed function is dead whatever
// its size: code that passes a test on small tensors behaves the same at
// real batch sizes. Results and constants stay valid at every size too.
func TestLeakedIntermediatesAtEverySize(t *testing.T) {
	for _, n := range []int{1, 3, 4, 5, 255, 256, 1000} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			var leaked, view *nabla.Tensor
			c := nabla.Full(2, n)
			f := func(xs ...*nabla.Tensor) *nabla.Tensor {
				leaked = nabla.Sin(nabla.Mul(xs[0], c))
				view = nabla.Reshape(leaked, 1, n).Detach()
				return nabla.Sum(nabla.Square(leaked))
			}
			y, gs := nabla.ValueAndGrad(f)(nabla.Linspace(-1, 1, n))
			for _, dead := range []*nabla.Tensor{leaked, view} {
				err := nabla.Catch(func() { dead.Float64s() })
				if err == nil || !strings.Contains(err.Error(), "Arena") {
					t.Fatalf("reading a leaked intermediate of %d elements: %v", n, err)
				}
			}
			if math.IsNaN(y.Item()) || gs[0].Size() != n || c.At(n-1) != 2 {
				t.Fatal("a result or a constant was released")
			}
		})
	}
}

// The graph a CreateGraph pass builds inside an arena is never released,
// the ops its rules apply to the forward graph's tensors (sin's cos w)
// included: the gradient it returns can be differentiated again after
// Release.
func TestArenaKeepsCreateGraphGraphs(t *testing.T) {
	w := nabla.Uniform(nabla.NewRand(3), -1, 1, 300).SetRequiresGrad(true)
	tp := nabla.NewTape()
	tp.Bind(w)
	y := nabla.Sum(nabla.Mul(nabla.Sin(w), w)) // outside the arena
	var a nabla.Arena
	var g *nabla.Tensor
	a.Do(tp, func() {
		g = nabla.Gradients([]*nabla.Tensor{y}, []*nabla.Tensor{w}, nabla.CreateGraph())[0]
	})
	a.Release(g)
	for i := 0; i < 3; i++ { // churn the pools
		a.Do(tp, func() { nabla.Sum(nabla.Exp(nabla.Mul(w, w))).Backward() })
		a.Release()
	}
	w.ZeroGrad()
	nabla.Sum(g).Backward() // Σ d/dw (sin w + w cos w) = 2cos w − w sin w
	got, x := w.Grad().Float64s(), w.Float64s()
	for i := range got {
		want := 2*math.Cos(x[i]) - x[i]*math.Sin(x[i])
		if math.Abs(got[i]-want) > 1e-12 {
			t.Fatalf("element %d: %v, want %v", i, got[i], want)
		}
	}
}

// A bias's gradient is a view (the batch sum reshaped to the bias's shape):
// a pass that copies it into the leaf's Grad must not hand its buffer back
// to the pool, since the arena recycles the sum it views too. Handed back
// twice, the buffer was later given to two tensors at once, and the first
// evaluation after training read one tensor's values through the other
// (the test loss of every epoch of `nabla train` was off, even negative).
func TestArenaStepsLeaveThePoolConsistent(t *testing.T) {
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		r := nabla.NewRand(1)
		w1 := nabla.Uniform(r, -0.1, 0.1, 256, 784).As(dt).SetRequiresGrad(true)
		b1 := nabla.Uniform(r, -0.1, 0.1, 256).As(dt).SetRequiresGrad(true)
		w2 := nabla.Uniform(r, -0.1, 0.1, 10, 256).As(dt).SetRequiresGrad(true)
		b2 := nabla.Uniform(r, -0.1, 0.1, 10).As(dt).SetRequiresGrad(true)
		f := func(x *nabla.Tensor) *nabla.Tensor {
			h := nabla.Relu(nabla.Add(nabla.MatMulT(x, w1, false, true), b1))
			return nabla.LogSoftmax(nabla.Add(nabla.MatMulT(h, w2, false, true), b2), 1)
		}
		tp := nabla.NewTape()
		var arena nabla.Arena
		for s := 0; s < 3; s++ {
			x := nabla.Uniform(nabla.NewRand(uint64(s)), -1, 1, 128, 784).As(dt)
			tp.Bind(x)
			arena.Do(tp, func() { nabla.Sum(f(x)).Backward() })
			arena.Release()
			for _, p := range []*nabla.Tensor{w1, b1, w2, b2} {
				p.ZeroGrad()
			}
		}
		eval := func() []float64 {
			var out []float64
			et := nabla.NewTape()
			et.NoGrad(func() {
				for i := 0; i < 8; i++ {
					x := nabla.Uniform(nabla.NewRand(uint64(100+i)), -1, 1, 256, 784).As(dt)
					et.Bind(x)
					out = append(out, nabla.Sum(f(x)).Item())
				}
			})
			return out
		}
		first, second := eval(), eval()
		for i := range first {
			if first[i] != second[i] {
				t.Fatalf("%v: evaluation %d after training gives %v, then %v", dt, i, first[i], second[i])
			}
		}
	}
}
