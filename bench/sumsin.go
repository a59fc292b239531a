package bench

import (
	"math"

	"github.com/nabla-go/nabla"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// SumX2SinX returns f(x) = sum(x²·sin x) built from nabla's operations.
func SumX2SinX(x *nabla.Tensor) *nabla.Tensor {
	return nabla.Sum(nabla.Mul(nabla.Square(x), nabla.Sin(x)))
}

// SumX2SinXLoop returns sum(x²·sin x) computed by a plain Go loop, summing in
// float64.
func SumX2SinXLoop[T float32 | float64](x []T) float64 {
	s := 0.0
	for _, v := range x {
		v := float64(v)
		s += v * v * math.Sin(v)
	}
	return s
}

// SumX2SinXGradLoop returns sum(x²·sin x) and writes its gradient
// 2x·sin x + x²·cos x into g, in one plain Go loop.
func SumX2SinXGradLoop[T float32 | float64](x, g []T) float64 {
	s := 0.0
	for i, v := range x {
		v := float64(v)
		sn, cs := math.Sincos(v)
		s += v * v * sn
		g[i] = T(2*v*sn + v*v*cs)
	}
	return s
}

// GorgoniaSumX2SinX is f(x) = sum(x²·sin x) as a Gorgonia graph compiled
// once into a tape machine, which every Run reuses, as Gorgonia's users do.
type GorgoniaSumX2SinX struct {
	X, Y *G.Node // the input and the sum
	Grad *G.Node // ∂Y/∂X, or nil for a forward-only graph
	vm   G.VM
}

// NewGorgoniaSumX2SinX builds the graph for the values of x, with the
// symbolic gradient (gorgonia.Grad) when grad is true.
func NewGorgoniaSumX2SinX(x *tensor.Dense, grad bool) (*GorgoniaSumX2SinX, error) {
	g := G.NewGraph()
	m := &GorgoniaSumX2SinX{X: G.NewVector(g, x.Dtype(), G.WithShape(x.Shape()...), G.WithName("x"), G.WithValue(x))}
	sq, err := G.Square(m.X)
	if err != nil {
		return nil, err
	}
	sn, err := G.Sin(m.X)
	if err != nil {
		return nil, err
	}
	prod, err := G.HadamardProd(sq, sn)
	if err != nil {
		return nil, err
	}
	if m.Y, err = G.Sum(prod); err != nil {
		return nil, err
	}
	if grad {
		gs, err := G.Grad(m.Y, m.X)
		if err != nil {
			return nil, err
		}
		m.Grad = gs[0]
	}
	m.vm = G.NewTapeMachine(g)
	return m, nil
}

// Run evaluates the graph (and the gradient, if built with it) and resets
// the machine for the next run; the values stay readable in the nodes.
func (m *GorgoniaSumX2SinX) Run() error {
	defer m.vm.Reset()
	return m.vm.RunAll()
}

// Close releases the tape machine.
func (m *GorgoniaSumX2SinX) Close() error { return m.vm.Close() }
