package nabla

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
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

// mlpLoss is the cross-entropy of a small MLP (784-style, shrunk) on one
// example x with one-hot label y; the weights are arguments 2 and onwards.
func mlpLoss(xs ...*Tensor) *Tensor {
	x, y, w1, b1, w2, b2 := xs[0], xs[1], xs[2], xs[3], xs[4], xs[5]
	h := Tanh(Add(MatMul(x, w1), b1))
	logits := Add(MatMul(h, w2), b2)
	return Neg(Sum(Mul(y, LogSoftmax(logits, -1))))
}

func mlpParams(r *rand.Rand, in, hidden, out int) []*Tensor {
	return []*Tensor{randT(r, in, hidden), randT(r, hidden), randT(r, hidden, out), randT(r, out)}
}

func TestVmapPerExampleGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n, in, hidden, out = 6, 8, 5, 3
	X := randT(r, n, in)
	Y := Zeros(n, out)
	for i := 0; i < n; i++ {
		Y.f64[i*out+i%out] = 1
	}
	ps := mlpParams(r, in, hidden, out)
	axes := []int{0, 0, NotMapped, NotMapped, NotMapped, NotMapped}
	args := append([]*Tensor{X, Y}, ps...)
	for argnum := 2; argnum < 6; argnum++ {
		g := Grad(mlpLoss, argnum)
		got, fell := VmapFallbacks(g, axes...)(args...)
		if len(fell) > 0 {
			t.Errorf("per-example gradients ran ops once per example: %v", fell)
		}
		if want := stackLoop(g, args, axes); exactBLAS {
			sameBits(t, "per-example gradient", got, want)
		} else {
			allClose(t, "per-example gradient", got, want, 1e-15)
		}
	}
}

func TestVmapUnderGrad(t *testing.T) {
	// Grad of a function that maps over a batch: the batched run is recorded.
	r := rand.New(rand.NewPCG(5, 6))
	W := randT(r, 4, 3)
	X := randT(r, 5, 4)
	f := func(xs ...*Tensor) *Tensor { return Sin(MatMul(xs[0], xs[1])) }
	mapped := func(xs ...*Tensor) *Tensor { return Sum(Vmap(f, 0, NotMapped)(xs...)) }
	looped := func(xs ...*Tensor) *Tensor { return Sum(stackLoop(f, xs, []int{0, NotMapped})) }
	for argnum := 0; argnum < 2; argnum++ {
		got := Grad(mapped, argnum)(X, W)
		want := Grad(looped, argnum)(X, W)
		allClose(t, "Grad(Vmap)", got, want, 1e-14)
	}
	// Second order through Vmap(Grad): the Hessian of a mapped gradient.
	h := Hessian(func(xs ...*Tensor) *Tensor {
		return Sum(Vmap(Grad(func(ys ...*Tensor) *Tensor { return Sum(Exp(Mul(ys[0], ys[0]))) }))(Reshape(xs[0], 2, 2)))
	})(FromSlice([]float64{0.1, -0.2, 0.3, 0.4}, 4))
	hw := Hessian(func(xs ...*Tensor) *Tensor {
		x := Reshape(xs[0], 2, 2)
		g := Grad(func(ys ...*Tensor) *Tensor { return Sum(Exp(Mul(ys[0], ys[0]))) })
		return Sum(Stack(0, g(Index(x, 0)), g(Index(x, 1))))
	})(FromSlice([]float64{0.1, -0.2, 0.3, 0.4}, 4))
	allClose(t, "Hessian(Vmap(Grad))", h, hw, 1e-13)
	// Forward mode through Vmap.
	_, jv := JVP(func(xs ...*Tensor) *Tensor { return Vmap(f, 0, NotMapped)(xs...) }, []*Tensor{X, W}, []*Tensor{OnesLike(X), nil})
	_, jw := JVP(func(xs ...*Tensor) *Tensor { return stackLoop(f, xs, []int{0, NotMapped}) }, []*Tensor{X, W}, []*Tensor{OnesLike(X), nil})
	allClose(t, "JVP(Vmap)", jv, jw, 1e-14)
}

func allClose(t *testing.T, what string, got, want *Tensor, tol float64) {
	t.Helper()
	if !sameShape(got.shape, want.shape) {
		t.Fatalf("%s: shape %s, want %s", what, fmtShape(got.shape), fmtShape(want.shape))
	}
	g, w := got.Float64s(), want.Float64s()
	for i := range g {
		if d := g[i] - w[i]; d > tol || d < -tol {
			t.Fatalf("%s: element %d is %v, want %v", what, i, g[i], w[i])
		}
	}
}

func TestVmapNested(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	X := randT(r, 3, 4, 5)
	W := randT(r, 5, 2)
	f := func(xs ...*Tensor) *Tensor { return Sum(Relu(MatMul(xs[0], W))) }
	got, fell := VmapFallbacks(Vmap(f))(X)
	if len(fell) > 0 {
		t.Errorf("nested Vmap ran ops once per example: %v", fell)
	}
	want := stackLoop(func(xs ...*Tensor) *Tensor { return stackLoop(f, xs, []int{0}) }, []*Tensor{X}, []int{0})
	sameBits(t, "Vmap(Vmap)", got, want)
	// The inner map closes over the outer one's example.
	Y := randT(r, 4, 5)
	outer := func(xs ...*Tensor) *Tensor {
		x := xs[0]
		return Vmap(func(ys ...*Tensor) *Tensor { return Sum(Mul(x, ys[0])) })(Y)
	}
	got = Vmap(outer)(Index(X, 0))
	want = stackLoop(outer, []*Tensor{Index(X, 0)}, []int{0})
	sameBits(t, "Vmap closing over Vmap", got, want)
	// Out axis.
	got = VmapOut(func(xs ...*Tensor) *Tensor { return Exp(xs[0]) }, 1, 2)(X)
	sameBits(t, "VmapOut", got, moveAxis(Exp(X), 2, 1))
}

func TestVmapFallsBackWhenGoReadsValues(t *testing.T) {
	// f decides in Go from a value: it cannot be traced, so Vmap runs it
	// once per example, and says so.
	f := func(xs ...*Tensor) *Tensor {
		if xs[0].Item() > 0 {
			return Exp(xs[0])
		}
		return Neg(xs[0])
	}
	X := FromSlice([]float64{1, -2, 3}, 3)
	got, fell := VmapFallbacks(f)(X)
	if len(fell) != 1 || fell[0] != "whole function" {
		t.Errorf("fallbacks %v, want the whole function", fell)
	}
	sameBits(t, "data-dependent f", got, stackLoop(f, []*Tensor{X}, []int{0}))
}

func TestVmapErrors(t *testing.T) {
	f := func(xs ...*Tensor) *Tensor { return Add(xs[0], xs[1]) }
	for _, c := range []struct {
		name string
		run  func()
		want string
	}{
		{"sizes", func() { Vmap(f)(Zeros(3, 2), Zeros(4, 2)) }, "has 4 examples"},
		{"axis", func() { Vmap(f, 2, 0)(Zeros(3, 2), Zeros(3, 2)) }, "in-axis 2 is out of range"},
		{"count", func() { Vmap(f, 0)(Zeros(3, 2), Zeros(3, 2)) }, "1 in-axes for 2 arguments"},
		{"none", func() { Vmap(f, NotMapped, NotMapped)(Zeros(3, 2), Zeros(3, 2)) }, "no argument is mapped"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				e, ok := recover().(*Error)
				if !ok || e.Op != "Vmap" || !strings.Contains(e.Msg, c.want) || !strings.Contains(e.Where, "vmap_test.go") {
					t.Errorf("got %v, want a Vmap error containing %q at vmap_test.go", e, c.want)
				}
			}()
			c.run()
		})
	}
}

func TestVmapConcurrent(t *testing.T) {
	// Goroutines mapping at once, each its own batch, one shared weight: the
	// trace and the batched values are each call's own.
	r := rand.New(rand.NewPCG(9, 10))
	ps := mlpParams(r, 6, 4, 3)
	g := Vmap(Grad(mlpLoss, 2), 0, 0, NotMapped, NotMapped, NotMapped, NotMapped)
	const workers = 16
	xs := make([]*Tensor, workers)
	want := make([]*Tensor, workers)
	Y := Zeros(5, 3)
	for i := 0; i < 5; i++ {
		Y.f64[i*3+i%3] = 1
	}
	for w := range xs {
		xs[w] = randT(r, 5, 6)
		want[w] = g(append([]*Tensor{xs[w], Y}, ps...)...)
	}
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for k := 0; k < 5; k++ {
				got := g(append([]*Tensor{xs[w], Y}, ps...)...)
				gv, wv := got.Float64s(), want[w].Float64s()
				for i := range gv {
					if gv[i] != wv[i] {
						errs <- fmt.Sprintf("worker %d: element %d is %v, want %v", w, i, gv[i], wv[i])
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestBatchedJacobiansMatchLoops checks that the Jacobians and Hessians
// computed in one batched pass equal, bit for bit, those computed a row
// (column) at a time as before Vmap.
func TestBatchedJacobiansMatchLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	W := randT(r, 7, 5)
	b := randT(r, 7)
	fs := map[string]Func{
		"tanh-affine": func(xs ...*Tensor) *Tensor { return Tanh(Add(MatMul(W, xs[0]), b)) },
		"softmax":     func(xs ...*Tensor) *Tensor { return Softmax(Mul(MatMul(W, xs[0]), b), 0) },
		"outer":       func(xs ...*Tensor) *Tensor { return Sin(Outer(xs[0], Exp(xs[0]))) },
	}
	x := randT(r, 5)
	for name, f := range fs {
		y, pull := VJP(f, x)
		rows := make([]*Tensor, y.Size())
		for k := range rows {
			rows[k] = pull(oneHot(y, k))[0]
		}
		want := Reshape(Stack(0, rows...), append(y.Shape(), x.shape...)...)
		sameBits(t, name+"/JacobianRev", JacobianRev(f)(x), want)
		cols := make([]*Tensor, x.Size())
		for j := range cols {
			_, cols[j] = JVP(f, []*Tensor{x}, []*Tensor{oneHot(x, j)})
		}
		want = Reshape(Stack(len(y.shape), cols...), append(y.Shape(), x.shape...)...)
		sameBits(t, name+"/JacobianFwd", JacobianFwd(f)(x), want)
		loss := func(xs ...*Tensor) *Tensor { return Sum(Mul(f(xs...), f(xs...))) }
		g := Grad(loss)
		for j := range cols {
			_, cols[j] = JVP(g, []*Tensor{x}, []*Tensor{oneHot(x, j)})
		}
		sameBits(t, name+"/Hessian", Hessian(loss)(x), Stack(1, cols...))
	}
}

func TestVmapInsideCompile(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	W := randT(r, 4, 3)
	f := func(xs ...*Tensor) *Tensor { return Sum(Sin(MatMul(xs[0], W))) }
	for name, g := range map[string]Func{
		"Vmap":       Vmap(f),
		"Vmap(Grad)": Vmap(Grad(f)),
		"JacobianRev": func(xs ...*Tensor) *Tensor {
			return JacobianRev(func(ys ...*Tensor) *Tensor { return Sin(MatMul(ys[0], W)) })(Index(xs[0], 0))
		},
	} {
		c := Compile(g)
		for k := 0; k < 3; k++ {
			X := randT(r, 5, 4)
			sameBits(t, name+" compiled", c(X), g(X))
		}
	}
}

func TestVmapEdgeCases(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	X := randT(r, 4, 3)
	// A result that does not depend on the mapped argument is broadcast.
	c := Vmap(func(xs ...*Tensor) *Tensor { return Scalar(7) })(X)
	sameBits(t, "constant result", c, Full(7, 4))
	// float32 values.
	X32 := X.As(Float32)
	f := func(xs ...*Tensor) *Tensor { return Sum(Exp(xs[0])) }
	got := Vmap(f)(X32)
	if got.DType() != Float32 {
		t.Errorf("float32 Vmap gives %s", got.DType())
	}
	sameBits(t, "float32", got, stackLoop(f, []*Tensor{X32}, []int{0}))
	// A mapped Int64 argument, converted inside f.
	idx := FromInt64s([]int64{0, 2, 1, 1}, 4)
	g := func(xs ...*Tensor) *Tensor { return Mul(xs[0], xs[1].As(Float64)) }
	sameBits(t, "int64 argument", Vmap(g)(X, idx), stackLoop(g, []*Tensor{X, idx}, []int{0, 0}))
}

// allGradsOf returns f's gradients with respect to arguments from on,
// flattened and joined: the function whose per-example values VmapInto
// computes in place.
func allGradsOf(f Func, argnums ...int) Func {
	return func(xs ...*Tensor) *Tensor {
		_, gs := ValueAndGrad(f, argnums...)(xs...)
		for i, g := range gs {
			gs[i] = Flatten(g)
		}
		return Concat(0, gs...)
	}
}

func TestVmapInto(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	const n, in, hidden, out = 5, 7, 4, 3
	X := randT(r, n, in)
	Y := Zeros(n, out)
	for i := 0; i < n; i++ {
		Y.f64[i*out+i%out] = 1
	}
	ps := mlpParams(r, in, hidden, out)
	axes := []int{0, 0, NotMapped, NotMapped, NotMapped, NotMapped}
	g := allGradsOf(mlpLoss, 2, 3, 4, 5)
	for _, dt := range []DType{Float64, Float32} {
		args := []*Tensor{X.As(dt), Y.As(dt)}
		for _, p := range ps {
			args = append(args, p.As(dt))
		}
		want := stackLoop(g, args, axes)
		// Vmap writes the weights' per-example gradients in place too.
		got, fell := VmapFallbacks(g, axes...)(args...)
		if len(fell) > 0 {
			t.Errorf("%s: ran once per example: %v", dt, fell)
		}
		sameBits(t, dt.String()+" Vmap", got, want)
		into := Full(7, want.shape...).As(dt)
		for k := 0; k < 2; k++ {
			if y := VmapInto(g, axes...)(into, args...); y != into {
				t.Fatalf("VmapInto returned another tensor than out")
			}
			sameBits(t, dt.String()+" VmapInto", into, want)
		}
	}
	// Results that are not computed in place: a batched weight (the
	// products are then batched products of matrices, not of a batch with
	// a matrix), and a result that is no concatenation.
	wAxes := []int{0, 0, 0, NotMapped, NotMapped, NotMapped}
	W := Stack(0, ps[0], Exp(ps[0]), ps[0], ps[0], ps[0])
	args := []*Tensor{X, Y, W, ps[1], ps[2], ps[3]}
	want := stackLoop(g, args, wAxes)
	into := Zeros(want.shape...)
	sameBits(t, "batched weight", VmapInto(g, wAxes...)(into, args...), want)
	// A product of a batch with a matrix, which is computed as it is.
	w := ps[0]
	prod := func(xs ...*Tensor) *Tensor {
		return Concat(0, Flatten(MatMul(Reshape(xs[0], 1, in), w)), xs[0], Flatten(Outer(xs[0], xs[0])))
	}
	want = stackLoop(prod, []*Tensor{X}, []int{0})
	into = Zeros(want.shape...)
	sameBits(t, "product with a matrix", VmapInto(prod)(into, X), want)
	h := Grad(mlpLoss, 2)
	want = stackLoop(h, []*Tensor{X, Y, ps[0], ps[1], ps[2], ps[3]}, axes)
	into = Zeros(want.shape...)
	sameBits(t, "one gradient", VmapInto(h, axes...)(into, X, Y, ps[0], ps[1], ps[2], ps[3]), want)
}

func TestVmapIntoErrors(t *testing.T) {
	f := func(xs ...*Tensor) *Tensor { return Exp(xs[0]) }
	v := Zeros(3, 2).SetRequiresGrad(true)
	for _, c := range []struct {
		name string
		run  func()
		want string
	}{
		{"shape", func() { VmapInto(f)(Zeros(2, 3), Zeros(3, 2)) }, "out is a float64 tensor of shape (2, 3)"},
		{"dtype", func() { VmapInto(f)(Zeros(3, 2).As(Float32), Zeros(3, 2)) }, "out is a float32 tensor"},
		{"differentiated", func() { VmapInto(f)(Zeros(3, 2), v) }, "argument 0 takes part in differentiation"},
		{"closure", func() {
			VmapInto(func(xs ...*Tensor) *Tensor { return Mul(xs[0], Index(v, 0)) })(Zeros(3, 2), Zeros(3, 2))
		}, "closes over a tensor"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				e, ok := recover().(*Error)
				if !ok || !strings.Contains(e.Msg, c.want) {
					t.Errorf("got %v, want an error containing %q", e, c.want)
				}
			}()
			c.run()
		})
	}
}
