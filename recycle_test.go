package nabla_test

import (
	"math"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/gradcheck"
)

// The backward pass recycles the buffers of gradients it made and dropped.
// These graphs reuse values, branch and merge on tensors large enough to be
// recycled (≥ 256 elements); their gradients must be the same on every pass
// and agree with finite differences.
func TestRecycledGradientsStayCorrect(t *testing.T) {
	r := nabla.NewRand(11)
	x0 := nabla.Uniform(r, -1, 1, 300)
	w0 := nabla.Uniform(r, -1, 1, 300)
	f := func(v ...*nabla.Tensor) *nabla.Tensor {
		x, w := v[0], v[1]
		a := nabla.Tanh(nabla.Mul(x, w))
		b := nabla.Add(a, nabla.Sin(x))
		c := nabla.Mul(b, a) // a is used twice
		d := nabla.Sub(nabla.Exp(nabla.MulScalar(c, 0.5)), nabla.Square(w))
		m := nabla.MatMul(nabla.Reshape(d, 15, 20), nabla.Reshape(b, 20, 15))
		return nabla.Add(nabla.Sum(d), nabla.Mean(nabla.Square(m)))
	}
	if err := gradcheck.Check(f, []*nabla.Tensor{x0, w0}, &gradcheck.Options{Fast: true, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	x := x0.Clone().SetRequiresGrad(true)
	w := w0.Clone().SetRequiresGrad(true)
	f(x, w).Backward()
	wantX, wantW := x.Grad().Float64s(), w.Grad().Float64s()
	for i := 0; i < 50; i++ {
		x.ZeroGrad()
		w.ZeroGrad()
		// Other graphs in between draw from the same recycled buffers.
		junk := nabla.Uniform(r, -1, 1, 300).SetRequiresGrad(true)
		nabla.Sum(nabla.Mul(nabla.Exp(junk), junk)).Backward()
		f(x, w).Backward()
		gotX, gotW := x.Grad().Float64s(), w.Grad().Float64s()
		for k := range wantX {
			if gotX[k] != wantX[k] || gotW[k] != wantW[k] {
				t.Fatalf("pass %d, element %d: grads (%v, %v), first pass (%v, %v)", i, k, gotX[k], gotW[k], wantX[k], wantW[k])
			}
		}
		// Gradients and RetainGrad see whole, unrecycled tensors.
		h := nabla.Tanh(nabla.Mul(x, w)).RetainGrad()
		gs := nabla.Gradients([]*nabla.Tensor{nabla.Sum(nabla.Square(h))}, []*nabla.Tensor{h}, nabla.RetainGraph())
		if gs[0].Size() != 300 || gs[0].Float64s()[0] != 2*h.Float64s()[0] {
			t.Fatalf("pass %d: Gradients result %v", i, gs[0].Float64s()[:3])
		}
	}
}

// A Grad tensor the caller kept stays valid (with its old values) after the
// next ZeroGrad and backward pass; it is never recycled.
func TestKeptGradStaysValid(t *testing.T) {
	w := nabla.Uniform(nabla.NewRand(3), -1, 1, 64, 64).SetRequiresGrad(true)
	x := nabla.Uniform(nabla.NewRand(4), -1, 1, 8, 64)
	loss := func() *nabla.Tensor { return nabla.Sum(nabla.Square(nabla.MatMulT(x, w, false, true))) }
	loss().Backward()
	kept := w.Grad()
	want := kept.Float64s()
	for i := 0; i < 5; i++ {
		w.ZeroGrad()
		loss().Backward()
		_ = nabla.Sum(nabla.Exp(nabla.Uniform(nabla.NewRand(uint64(i)), -1, 1, 64, 64))) // draws from the pools
	}
	got := kept.Float64s()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d of a kept Grad changed from %v to %v", i, want[i], got[i])
		}
	}
	_ = kept.String()
}

// The gradient of a summed power takes a shortcut (the scalar seed folded
// into one pass over x); it must agree with p·x^(p−1), in both dtypes and
// under a scaled sum.
func TestPowScalarSummedGradient(t *testing.T) {
	for _, p := range []float64{2, 3, 0.5, -1, 1, 0} {
		for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
			x := nabla.Uniform(nabla.NewRand(9), 0.5, 2, 300).As(dt).SetRequiresGrad(true)
			nabla.MulScalar(nabla.Sum(nabla.PowScalar(x, p)), 1.5).Backward()
			g, xs := x.Grad().Float64s(), x.Float64s()
			tol := 1e-14
			if dt == nabla.Float32 {
				tol = 1e-6
			}
			for i := range g {
				want := 1.5 * p * math.Pow(xs[i], p-1)
				if math.Abs(g[i]-want) > tol*math.Max(1, math.Abs(want)) {
					t.Fatalf("p=%v %v: grad[%d] = %v, want %v", p, dt, i, g[i], want)
				}
			}
		}
	}
}

// Several slices of one tensor: the backward pass adds each slice's gradient
// straight into the input's running sum. Overlapping, strided, row and
// column slices, checked against finite differences and, in float32,
// against the float64 gradient.
func TestSliceGradientsAddInPlace(t *testing.T) {
	f := func(v ...*nabla.Tensor) *nabla.Tensor {
		x := v[0] // 6×50
		flat := nabla.Reshape(x, 300)
		a := nabla.Slice(flat, 0, 0, 300, 2)
		b := nabla.Slice(flat, 0, 1, 300, 2)
		c := nabla.Slice(flat, 0, 10, 160, 1) // overlaps a and b
		rows := nabla.Slice(x, 0, 1, 5, 3)    // rows 1 and 4
		cols := nabla.Slice(x, 1, 5, 45, 4)   // every 4th column
		s := nabla.Sum(nabla.Mul(nabla.Square(a), b))
		s = nabla.Add(s, nabla.Sum(nabla.Sin(c)))
		s = nabla.Add(s, nabla.Sum(nabla.Exp(nabla.MulScalar(rows, 0.1))))
		return nabla.Add(s, nabla.Sum(nabla.Square(cols)))
	}
	x0 := nabla.Uniform(nabla.NewRand(12), -1, 1, 6, 50)
	if err := gradcheck.Check(f, []*nabla.Tensor{x0}, nil); err != nil {
		t.Fatal(err)
	}
	x := x0.Clone().SetRequiresGrad(true)
	f(x).Backward()
	x32 := x0.As(nabla.Float32).SetRequiresGrad(true)
	f(x32).Backward()
	g64, g32 := x.Grad().Float64s(), x32.Grad().Float64s()
	for i := range g64 {
		if math.Abs(g64[i]-g32[i]) > 1e-5*math.Max(1, math.Abs(g64[i])) {
			t.Fatalf("element %d: float32 gradient %v, float64 %v", i, g32[i], g64[i])
		}
	}
}
