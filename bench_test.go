package nabla_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/nabla-go/nabla"
)

// f(x) = sum(x² · sin x), the elementwise workload.
func sumX2SinX(x *nabla.Tensor) *nabla.Tensor {
	return nabla.Sum(nabla.Mul(nabla.Square(x), nabla.Sin(x)))
}

func BenchmarkSumX2SinX(b *testing.B) {
	const n = 1_000_000
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		x := nabla.Uniform(nabla.NewRand(1), -3, 3, n).As(dt)
		b.Run(fmt.Sprintf("%s/forward", dt), func(b *testing.B) {
			for b.Loop() {
				nabla.NoGrad(func() { sumX2SinX(x) })
			}
		})
		b.Run(fmt.Sprintf("%s/forward+backward", dt), func(b *testing.B) {
			v := x.Detach().SetRequiresGrad(true)
			for b.Loop() {
				v.ZeroGrad()
				sumX2SinX(v).Backward()
			}
		})
		b.Run(fmt.Sprintf("%s/hand-written", dt), func(b *testing.B) {
			// The same value and gradient in one plain Go loop.
			xs := x.Float64s()
			g := make([]float64, n)
			for b.Loop() {
				s := 0.0
				for i, v := range xs {
					sn, cs := math.Sincos(v)
					s += v * v * sn
					g[i] = 2*v*sn + v*v*cs
				}
				_ = s
			}
		})
	}
}

// BenchmarkChain20 measures the per-op overhead on two-element vectors:
// forward and backward through 20 ops; ns/op is reported per op.
func BenchmarkChain20(b *testing.B) {
	x := nabla.FromSlice([]float64{0.3, 0.7}).SetRequiresGrad(true)
	for b.Loop() {
		x.ZeroGrad()
		y := x
		for i := 0; i < 10; i++ {
			y = nabla.Tanh(nabla.Mul(y, x))
		}
		nabla.Sum(y).Backward()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/21, "ns/op-per-op")
}

// extendedRosenbrock is Σ 100(x₂ᵢ − x₂ᵢ₋₁²)² + (1 − x₂ᵢ₋₁)², written with
// vector ops on the odd and even halves.
func extendedRosenbrock(x *nabla.Tensor) *nabla.Tensor {
	n := x.Size()
	odd := nabla.Slice(x, 0, 0, n, 2)
	even := nabla.Slice(x, 0, 1, n, 2)
	a := nabla.Sub(even, nabla.Square(odd))
	c := nabla.RSub(1, odd)
	return nabla.Sum(nabla.Add(nabla.MulScalar(nabla.Square(a), 100), nabla.Square(c)))
}

func extendedRosenbrockGrad(x, g []float64) float64 {
	f := 0.0
	for i := 0; i < len(x); i += 2 {
		a := x[i+1] - x[i]*x[i]
		c := 1 - x[i]
		f += 100*a*a + c*c
		g[i] = -400*a*x[i] - 2*c
		g[i+1] = 200 * a
	}
	return f
}

func TestExtendedRosenbrockGradient(t *testing.T) {
	x := nabla.Uniform(nabla.NewRand(3), -2, 2, 1000).SetRequiresGrad(true)
	extendedRosenbrock(x).Backward()
	want := make([]float64, 1000)
	extendedRosenbrockGrad(x.Float64s(), want)
	assertClose(t, "gradient", x.Grad(), want, 1e-14)
}

func BenchmarkExtendedRosenbrockGradient(b *testing.B) {
	const n = 1000
	x := nabla.Uniform(nabla.NewRand(3), -2, 2, n)
	b.Run("n=1000/nabla", func(b *testing.B) {
		v := x.Detach().SetRequiresGrad(true)
		for b.Loop() {
			v.ZeroGrad()
			extendedRosenbrock(v).Backward()
		}
	})
	b.Run("n=1000/nabla-ValueAndGrad", func(b *testing.B) {
		vg := nabla.ValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor { return extendedRosenbrock(xs[0]) })
		for b.Loop() {
			vg(x)
		}
	})
	b.Run("n=1000/nabla-CompileValueAndGrad", func(b *testing.B) {
		vg := nabla.CompileValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor { return extendedRosenbrock(xs[0]) })
		for b.Loop() {
			vg(x)
		}
	})
	b.Run("n=1000/nabla-CompileValueAndGradInto", func(b *testing.B) {
		vg := nabla.CompileValueAndGradInto(func(xs ...*nabla.Tensor) *nabla.Tensor { return extendedRosenbrock(xs[0]) })
		g := []*nabla.Tensor{nabla.Zeros(n)}
		for b.Loop() {
			vg(g, x)
		}
	})
	b.Run("n=1000/hand-written", func(b *testing.B) {
		xs, g := x.Float64s(), make([]float64, n)
		for b.Loop() {
			extendedRosenbrockGrad(xs, g)
		}
	})
}

// BenchmarkElementwise reports the throughput of exp, log, tanh and sigmoid
// over 10⁶ elements (elements/s) next to a plain loop over Go's math package.
func BenchmarkElementwise(b *testing.B) {
	const n = 1_000_000
	fns := []struct {
		name string
		op   func(*nabla.Tensor) *nabla.Tensor
		f    func(float64) float64
	}{
		{"exp", nabla.Exp, math.Exp},
		{"log", nabla.Log, math.Log},
		{"tanh", nabla.Tanh, math.Tanh},
		{"sigmoid", nabla.Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
	}
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		x := nabla.Uniform(nabla.NewRand(2), 0.1, 3, n).As(dt)
		for _, fn := range fns {
			b.Run(fmt.Sprintf("%s/%s/nabla", fn.name, dt), func(b *testing.B) {
				for b.Loop() {
					fn.op(x)
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "elements/s")
			})
			b.Run(fmt.Sprintf("%s/%s/loop", fn.name, dt), func(b *testing.B) {
				if dt == nabla.Float32 {
					xs, out := x.Float32s(), make([]float32, n)
					for b.Loop() {
						for i, v := range xs {
							out[i] = float32(fn.f(float64(v)))
						}
					}
				} else {
					xs, out := x.Float64s(), make([]float64, n)
					for b.Loop() {
						for i, v := range xs {
							out[i] = fn.f(v)
						}
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "elements/s")
			})
		}
	}
}
