package bench

import (
	"math"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/nn"
)

// small is a convolution small enough for the direct loops, with the
// workload's kernel and padding and channel counts that differ.
var small = ConvGeom{N: 3, C: 4, H: 7, W: 6, F: 5, K: 3, Pad: 1}

// TestConvAgainstDirect checks the convolution workload's forward output and
// both gradients against the definition, in float64 and float32, after two
// steps (the gradients are zeroed between steps, not accumulated).
func TestConvAgainstDirect(t *testing.T) {
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		c := NewNablaConv(small, dt)
		y, dx, dw := DirectConv(small, c.X.Float64s(), c.W.Float64s(), c.DY.Float64s())
		tol := 1e-12
		if dt == nabla.Float32 {
			tol = 1e-5
		}
		for range 2 {
			c.Step()
		}
		checkSlice(t, dt.String()+" y", c.Forward().Float64s(), y, tol)
		checkSlice(t, dt.String()+" ∂x", c.X.Grad().Float64s(), dx, tol)
		checkSlice(t, dt.String()+" ∂w", c.W.Grad().Float64s(), dw, tol)
	}
}

// TestConvBenchShape checks the workload at its benchmarked size: the
// output's shape, and the weight gradient against the definition for one
// output channel and one input channel (the whole direct loop would take
// tens of seconds).
func TestConvBenchShape(t *testing.T) {
	if testing.Short() {
		t.Skip("a forward+backward pass at the benchmarked size")
	}
	g := ConvBench
	c := NewNablaConv(g, nabla.Float32)
	c.Step()
	if s := c.Forward().Shape(); len(s) != 4 || s[0] != 128 || s[1] != 32 || s[2] != 28 || s[3] != 28 {
		t.Fatalf("output shape %v, want [128 32 28 28]", s)
	}
	if f := g.Flops(); f != 3*2*128*32*28*28*32*9 {
		t.Fatalf("flops %v", f)
	}
	x, dy, dw := c.X.Float64s(), c.DY.Float64s(), c.W.Grad().Float64s()
	const f, ch = 7, 19
	for ki := range g.K {
		for kj := range g.K {
			s := 0.0
			for n := range g.N {
				for i := range g.H {
					for j := range g.W {
						ih, iw := i+ki-g.Pad, j+kj-g.Pad
						if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
							s += dy[((n*g.F+f)*g.H+i)*g.W+j] * x[((n*g.C+ch)*g.H+ih)*g.W+iw]
						}
					}
				}
			}
			got := dw[((f*g.C+ch)*g.K+ki)*g.K+kj]
			if math.Abs(got-s) > 1e-4*math.Sqrt(float64(g.N*g.H*g.W)) {
				t.Errorf("∂w[%d,%d,%d,%d] = %v, direct sum %v", f, ch, ki, kj, got, s)
			}
		}
	}
}

// TestCNNShapes checks the network's parameter count (421,834, as PyTorch
// counts the same model) and the logits' shape.
func TestCNNShapes(t *testing.T) {
	net := NewCNN(nabla.Float32, 1)
	if n := nn.NumParams(net); n != 421834 {
		t.Errorf("%d parameters, want 421834", n)
	}
	x, _ := CNNBatch(2)
	var y *nabla.Tensor
	nabla.NoGrad(func() { y = net.Forward(x.As(nabla.Float32)) })
	if s := y.Shape(); len(s) != 2 || s[0] != 2 || s[1] != 10 {
		t.Errorf("logits of shape %v, want [2 10]", s)
	}
}

// TestCNNLearns checks that repeated Adam steps on one batch drive its loss
// down: from about ln 10 to below 0.85 of its first value.
func TestCNNLearns(t *testing.T) {
	n, steps := cnnBatch, 15
	if testing.Short() {
		n, steps = 16, 10
	}
	m := NewNablaCNN(nabla.Float32, n)
	first := m.Step()
	last := first
	for range steps - 1 {
		last = m.Step()
		if math.IsNaN(last) || math.IsInf(last, 0) {
			t.Fatalf("loss %v", last)
		}
	}
	t.Logf("loss %.4f after 1 step, %.4f after %d", first, last, steps)
	if math.Abs(first-math.Log(10)) > 0.5 {
		t.Errorf("first loss %v, want about ln 10 = 2.30", first)
	}
	if last > 0.85*first {
		t.Errorf("loss went from %v to %v in %d steps on the same batch", first, last, steps)
	}
}

// BenchmarkConv2d times one forward+backward pass of nabla.Conv2d at
// 128×32×28×28, 32 kernels of 3×3, padding 1, float32 and float64.
func BenchmarkConv2d(b *testing.B) {
	for _, dt := range []nabla.DType{nabla.Float32, nabla.Float64} {
		b.Run(dt.String()+"/nabla", func(b *testing.B) {
			c := NewNablaConv(ConvBench, dt)
			c.Step()
			b.ReportAllocs()
			for b.Loop() {
				c.Step()
			}
		})
	}
}

// BenchmarkConvGEMM times nabla.MatMul on the shape of the convolution's
// forward product for the whole batch, unfolded: 32×288 times 288×100352,
// the same flops as one of the convolution's three products.
func BenchmarkConvGEMM(b *testing.B) {
	m, k, n := ConvBench.ConvGEMMShape()
	r := nabla.NewRand(5)
	a64, b64 := nabla.Uniform(r, -1, 1, m, k), nabla.Uniform(r, -1, 1, k, n)
	for _, dt := range []nabla.DType{nabla.Float32, nabla.Float64} {
		x, y := a64.As(dt).Clone(), b64.As(dt).Clone()
		b.Run(dt.String()+"/nabla", func(b *testing.B) {
			for b.Loop() {
				nabla.MatMul(x, y)
			}
		})
	}
}

// BenchmarkCNNStep times one Adam training step of the CNN on a batch of
// 128, float32.
func BenchmarkCNNStep(b *testing.B) {
	b.Run("float32/nabla", func(b *testing.B) {
		m := NewNablaCNN(nabla.Float32, cnnBatch)
		m.Step() // the first step allocates the gradients and Adam's moments
		b.ReportAllocs()
		for b.Loop() {
			m.Step()
		}
	})
}
