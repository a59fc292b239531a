package bench

import (
	"math"
	"testing"

	"github.com/nabla-go/nabla"
)

// TestChain20 checks Chain20's value and gradient against the same chain
// computed by hand with its derivative.
func TestChain20(t *testing.T) {
	xs := []float64{0.3, 0.7}
	x := nabla.FromSlice(xs).SetRequiresGrad(true)
	y := Chain20(x)
	y.Backward()
	want := 0.0
	for i, v := range xs {
		// y_{k+1} = tanh(y_k·v), dy_{k+1}/dv = (1 − y_{k+1}²)(v·dy_k/dv + y_k)
		yk, dk := v, 1.0
		for range 10 {
			next := math.Tanh(yk * v)
			dk = (1 - next*next) * (v*dk + yk)
			yk = next
		}
		want += yk
		if g := x.Grad().Float64s()[i]; !close(g, dk, 1e-12) {
			t.Errorf("gradient %d = %v, want %v", i, g, dk)
		}
	}
	if !close(y.Item(), want, 1e-12) {
		t.Errorf("value %v, want %v", y.Item(), want)
	}
}

// BenchmarkChain20 times one forward and backward pass of Chain20 on two
// float64 elements: 21 operations.
func BenchmarkChain20(b *testing.B) {
	x := nabla.FromSlice([]float64{0.3, 0.7}).SetRequiresGrad(true)
	b.Run("nabla", func(b *testing.B) {
		for b.Loop() {
			x.ZeroGrad()
			Chain20(x).Backward()
		}
	})
}

// vecFuncInput returns the 10⁶ inputs, uniform in [0.1, 3], of dtype dt.
func vecFuncInput(dt nabla.DType) *nabla.Tensor {
	return nabla.Uniform(nabla.NewRand(2), 0.1, 3, VecFuncN).As(dt)
}

// TestVecFuncs checks every function against the math package.
func TestVecFuncs(t *testing.T) {
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		x := vecFuncInput(dt)
		xs := x.Float64s()
		tol := 1e-14
		if dt == nabla.Float32 {
			tol = 1e-6
		}
		for _, f := range VecFuncs {
			got := f.Op(x).Float64s()
			for i, v := range xs {
				if w := f.Math(v); math.Abs(got[i]-w) > tol*math.Max(1, math.Abs(w)) {
					t.Fatalf("%s %s(%v) = %v, want %v", dt, f.Name, v, got[i], w)
				}
			}
		}
	}
}

// BenchmarkVecFunc times each vectorised function over 10⁶ elements, in
// nabla (no gradient recorded) and as a plain Go loop over the math
// package, computing in float64 for float32 too.
func BenchmarkVecFunc(b *testing.B) {
	for _, f := range VecFuncs {
		for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
			x := vecFuncInput(dt)
			b.Run(f.Name+"/"+dt.String()+"/nabla", func(b *testing.B) {
				for b.Loop() {
					f.Op(x)
				}
			})
			b.Run(f.Name+"/"+dt.String()+"/hand-written", func(b *testing.B) {
				if dt == nabla.Float32 {
					xs, out := x.Float32s(), make([]float32, VecFuncN)
					for b.Loop() {
						for i, v := range xs {
							out[i] = float32(f.Math(float64(v)))
						}
					}
					return
				}
				xs, out := x.Float64s(), make([]float64, VecFuncN)
				for b.Loop() {
					for i, v := range xs {
						out[i] = f.Math(v)
					}
				}
			})
		}
	}
}
