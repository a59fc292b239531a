package bench

import (
	"math"

	"github.com/nabla-go/nabla"
)

// ConvGeom is the geometry of the convolution workload: an input of N×C×H×W,
// F kernels of K×K with Pad zeros on every side and stride 1.
type ConvGeom struct{ N, C, H, W, F, K, Pad int }

// ConvBench is the convolution the report times: 128×32×28×28 in, 32 out,
// 3×3, padding 1 (the second layer of a small image network, batch 128).
var ConvBench = ConvGeom{N: 128, C: 32, H: 28, W: 28, F: 32, K: 3, Pad: 1}

// Out returns the output's height and width.
func (g ConvGeom) Out() (oh, ow int) {
	return g.H + 2*g.Pad - g.K + 1, g.W + 2*g.Pad - g.K + 1
}

// Flops returns the floating-point operations of one forward+backward pass:
// three products of 2·N·F·OH·OW·C·K² flops each (the output, the input's
// gradient and the weight's gradient), as counted for im2col convolutions.
func (g ConvGeom) Flops() float64 {
	oh, ow := g.Out()
	return 3 * 2 * float64(g.N*g.F*oh*ow*g.C*g.K*g.K)
}

// NablaConv is one forward+backward pass of nabla.Conv2d: y = conv2d(x, w),
// then the backward pass from a fixed output gradient dy (as PyTorch's
// y.backward(dy)), leaving ∂⟨dy, y⟩/∂x and ∂⟨dy, y⟩/∂w in X.Grad() and
// W.Grad(). It runs inside an arena, as a training step does.
type NablaConv struct {
	G        ConvGeom
	X, W, DY *nabla.Tensor
	tape     *nabla.Tape
	arena    nabla.Arena
}

// NewNablaConv returns the workload in dtype dt with inputs drawn from a
// fixed seed: x and dy uniform in [−1, 1], w uniform in ±1/√(C·K²) as
// PyTorch initialises a convolution.
func NewNablaConv(g ConvGeom, dt nabla.DType) *NablaConv {
	rng := nabla.NewRand(3)
	oh, ow := g.Out()
	b := 1 / math.Sqrt(float64(g.C*g.K*g.K))
	c := &NablaConv{G: g,
		X:    nabla.Uniform(rng, -1, 1, g.N, g.C, g.H, g.W).As(dt).Clone().SetRequiresGrad(true),
		W:    nabla.Uniform(rng, -b, b, g.F, g.C, g.K, g.K).As(dt).Clone().SetRequiresGrad(true),
		DY:   nabla.Uniform(rng, -1, 1, g.N, g.F, oh, ow).As(dt).Clone(),
		tape: nabla.NewTape()}
	c.tape.Bind(c.X, c.W)
	return c
}

// Step zeroes the gradients and runs the forward and backward passes.
func (c *NablaConv) Step() {
	c.X.ZeroGrad()
	c.W.ZeroGrad()
	c.arena.Do(c.tape, func() {
		y := nabla.Conv2d(c.X, c.W, nabla.ConvOptions{Padding: []int{c.G.Pad}})
		y.Backward(nabla.Seed(c.DY))
	})
	c.arena.Release()
}

// Forward returns y = conv2d(x, w) without recording a graph.
func (c *NablaConv) Forward() *nabla.Tensor {
	var y *nabla.Tensor
	nabla.NoGrad(func() { y = nabla.Conv2d(c.X, c.W, nabla.ConvOptions{Padding: []int{c.G.Pad}}) })
	return y
}

// DirectConv computes, by the definition (six nested loops, float64), the
// convolution y of x with w and the gradients dx and dw of ⟨dy, y⟩, for
// row-major NCHW x, FCKK w and NFOHOW dy.
func DirectConv(g ConvGeom, x, w, dy []float64) (y, dx, dw []float64) {
	oh, ow := g.Out()
	y = make([]float64, g.N*g.F*oh*ow)
	dx, dw = make([]float64, len(x)), make([]float64, len(w))
	for n := range g.N {
		for f := range g.F {
			for i := range oh {
				for j := range ow {
					o := ((n*g.F+f)*oh+i)*ow + j
					for c := range g.C {
						for ki := range g.K {
							for kj := range g.K {
								ih, iw := i+ki-g.Pad, j+kj-g.Pad
								if ih < 0 || ih >= g.H || iw < 0 || iw >= g.W {
									continue
								}
								xi := ((n*g.C+c)*g.H+ih)*g.W + iw
								wi := ((f*g.C+c)*g.K+ki)*g.K + kj
								y[o] += x[xi] * w[wi]
								dx[xi] += dy[o] * w[wi]
								dw[wi] += dy[o] * x[xi]
							}
						}
					}
				}
			}
		}
	}
	return y, dx, dw
}

// ConvGEMMShape is the product that the whole batch's forward convolution
// is, unfolded (im2col): the F×C·K² weights times the C·K²×N·OH·OW columns.
func (g ConvGeom) ConvGEMMShape() (m, k, n int) {
	oh, ow := g.Out()
	return g.F, g.C * g.K * g.K, g.N * oh * ow
}
