package nabla_test

import (
	"math"
	"runtime"
	"testing"

	"github.com/nabla-go/nabla"
	"gonum.org/v1/gonum/num/hyperdual"
)

// Forward over reverse without CreateGraph: the backward pass of sin must not
// reuse the cos saved by the forward pass, which carries no tangent, or the
// tangent of the gradient (the Hessian-vector product) comes out wrong.
func TestForwardOverReverseThroughSavedValues(t *testing.T) {
	x := variable(0.4, -1.1)
	y := nabla.Sum(nabla.Sin(nabla.Dual(x, vec(1, 1))))
	g := nabla.Gradients([]*nabla.Tensor{y}, []*nabla.Tensor{x})[0]
	assertClose(t, "gradient", g, []float64{math.Cos(0.4), math.Cos(-1.1)}, 1e-15)
	assertClose(t, "its tangent", g.Tangent(), []float64{-math.Sin(0.4), -math.Sin(-1.1)}, 1e-15)
}

// scalarFn lifts a function of one tensor to a Func.
func scalarFn(f func(*nabla.Tensor) *nabla.Tensor) nabla.Func {
	return func(xs ...*nabla.Tensor) *nabla.Tensor { return f(xs[0]) }
}

func TestThirdDerivativeOfSin(t *testing.T) {
	d3 := nabla.Grad(nabla.Grad(nabla.Grad(scalarFn(nabla.Sin))))
	for _, x := range []float64{-2, 0, 0.7, 3} {
		assertClose(t, "d³/dx³ sin", d3(nabla.Scalar(x)), []float64{-math.Cos(x)}, 1e-15)
	}
}

func TestNthDerivativeOfExp(t *testing.T) {
	d := scalarFn(nabla.Exp)
	for n := 1; n <= 5; n++ {
		d = nabla.Grad(d)
		for _, x := range []float64{-1, 0.5, 2} {
			assertClose(t, "dⁿ/dxⁿ exp", d(nabla.Scalar(x)), []float64{math.Exp(x)}, 1e-15)
		}
	}
}

func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Double-backward graphs built in a loop must not pile up (PyTorch issue
// #7343): a gradient penalty through Backward(CreateGraph()) into a parameter
// whose gradient is zeroed each step, alternating with Grad of Grad. The live
// heap after 1,000 iterations and after 10,000 must be the same, to a few
// kilobytes.
func TestDoubleBackwardMemoryIsFlat(t *testing.T) {
	r := nabla.NewRand(5)
	w := nabla.Randn(r, 4).SetRequiresGrad(true)
	x := nabla.Randn(r, 4)
	d2 := nabla.Grad(nabla.Grad(scalarFn(func(v *nabla.Tensor) *nabla.Tensor {
		return nabla.Sum(nabla.Mul(nabla.Sin(v), v))
	})))
	step := func(i int) {
		if i%2 == 0 {
			d2(nabla.Scalar(0.3))
			return
		}
		loss := nabla.Sum(nabla.Tanh(nabla.Mul(w, x)))
		g := nabla.Gradients([]*nabla.Tensor{loss}, []*nabla.Tensor{w}, nabla.CreateGraph())[0]
		w.ZeroGrad()
		nabla.Add(loss, nabla.Sum(nabla.Square(g))).Backward(nabla.CreateGraph())
	}
	var at1k uint64
	for i := 1; i <= 10_000; i++ {
		step(i)
		if i == 1_000 {
			at1k = heapAfterGC()
		}
	}
	at10k := heapAfterGC()
	growth := int64(at10k) - int64(at1k)
	t.Logf("heap after GC: %d B at 1,000 iterations, %d B at 10,000 (growth %d B)", at1k, at10k, growth)
	if growth > 64<<10 {
		t.Errorf("heap grew by %d B over 9,000 double-backward iterations", growth)
	}
	runtime.KeepAlive(w)
}

// Hyperdual numbers (gonum/num/hyperdual) carry exact first and second
// derivatives: an independent reference for Grad of Grad and for Hessian.
func TestSecondDerivativesAgainstHyperdual(t *testing.T) {
	type hd = hyperdual.Number
	one := hd{Real: 1}
	cases := []struct {
		name string
		f    func(*nabla.Tensor) *nabla.Tensor
		ref  func(hd) hd
	}{
		{"exp(sin x)·x²",
			func(x *nabla.Tensor) *nabla.Tensor { return nabla.Mul(nabla.Exp(nabla.Sin(x)), nabla.Square(x)) },
			func(x hd) hd { return hyperdual.Mul(hyperdual.Exp(hyperdual.Sin(x)), hyperdual.Mul(x, x)) }},
		{"log1p(x²)/(1+tanh x)",
			func(x *nabla.Tensor) *nabla.Tensor {
				return nabla.Div(nabla.Log1p(nabla.Square(x)), nabla.AddScalar(nabla.Tanh(x), 1))
			},
			func(x hd) hd {
				num := hyperdual.Log(hyperdual.Add(one, hyperdual.Mul(x, x)))
				return hyperdual.Mul(num, hyperdual.Inv(hyperdual.Add(one, hyperdual.Tanh(x))))
			}},
		{"sqrt(1+x²)·cos(3x)",
			func(x *nabla.Tensor) *nabla.Tensor {
				return nabla.Mul(nabla.Sqrt(nabla.AddScalar(nabla.Square(x), 1)), nabla.Cos(nabla.MulScalar(x, 3)))
			},
			func(x hd) hd {
				return hyperdual.Mul(hyperdual.Sqrt(hyperdual.Add(one, hyperdual.Mul(x, x))), hyperdual.Cos(hyperdual.Scale(3, x)))
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := scalarFn(c.f)
			d1, d2, h := nabla.Grad(f), nabla.Grad(nabla.Grad(f)), nabla.Hessian(f)
			for _, x := range []float64{-1.3, -0.2, 0.5, 2.1} {
				ref := c.ref(hd{Real: x, E1mag: 1, E2mag: 1})
				xt := nabla.Scalar(x)
				assertClose(t, "f'", d1(xt), []float64{ref.E1mag}, 1e-14)
				assertClose(t, "f'' (Grad of Grad)", d2(xt), []float64{ref.E1E2mag}, 1e-14)
				assertClose(t, "f'' (Hessian)", h(xt), []float64{ref.E1E2mag}, 1e-14)
			}
		})
	}
}

// A function of two variables, f(x, y) = exp(x·y)·sin(x + y²): each Hessian
// entry ∂²f/∂xᵢ∂xⱼ is the ε₁ε₂ part of f with ε₁ on xᵢ and ε₂ on xⱼ.
func TestHessianAgainstHyperdual(t *testing.T) {
	type hd = hyperdual.Number
	ref := func(x, y hd) hd {
		return hyperdual.Mul(hyperdual.Exp(hyperdual.Mul(x, y)), hyperdual.Sin(hyperdual.Add(x, hyperdual.Mul(y, y))))
	}
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		x, y := nabla.Index(xs[0], 0), nabla.Index(xs[0], 1)
		return nabla.Mul(nabla.Exp(nabla.Mul(x, y)), nabla.Sin(nabla.Add(x, nabla.Square(y))))
	}
	p := []float64{0.4, -0.9}
	var want []float64
	for i := range 2 {
		for j := range 2 {
			v := [2]hd{{Real: p[0]}, {Real: p[1]}}
			v[i].E1mag = 1
			v[j].E2mag = 1
			want = append(want, ref(v[0], v[1]).E1E2mag)
		}
	}
	assertClose(t, "Hessian", nabla.Hessian(f)(vec(p...)), want, 1e-14)
}
