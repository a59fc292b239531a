package nn

import (
	"math/rand/v2"
	"strconv"

	"github.com/nabla-go/nabla"
)

// Sequential applies its layers in order, each to the previous one's output.
type Sequential struct {
	Layers []Module
}

// NewSequential returns the composition of layers, applied first to last.
func NewSequential(layers ...Module) *Sequential { return &Sequential{Layers: layers} }

// Forward passes x through every layer in turn.
func (s *Sequential) Forward(x *nabla.Tensor) *nabla.Tensor {
	for _, l := range s.Layers {
		x = l.Forward(x)
	}
	return x
}

// Parameters returns the layers' parameters named by layer index, "0.weight",
// "0.bias", "2.weight"..., as PyTorch's nn.Sequential does.
func (s *Sequential) Parameters() []Param {
	var ps []Param
	for i, l := range s.Layers {
		ps = append(ps, prefixed(strconv.Itoa(i), l)...)
	}
	return ps
}

// Buffers returns the layers' buffers named by layer index, as Parameters
// names their parameters ("1.running_mean").
func (s *Sequential) Buffers() []Buffer {
	var bs []Buffer
	for i, l := range s.Layers {
		bs = append(bs, prefixedBuffers(strconv.Itoa(i), l)...)
	}
	return bs
}

// Children returns the layers.
func (s *Sequential) Children() []Module { return s.Layers }

// MLP returns a multilayer perceptron: Linear layers from sizes[0] inputs
// through each hidden size to sizes[len-1] outputs, with a fresh activation
// from act after every layer but the last. With sizes {2, 16, 1} and ReLU the
// layers are Linear(2,16), ReLU, Linear(16,1), and the parameters are named
// "0.weight", "0.bias", "2.weight", "2.bias". A nil act puts nothing between
// the layers.
func MLP(sizes []int, act func() Module, rng *rand.Rand, opts ...Option) *Sequential {
	if len(sizes) < 2 {
		panicf("MLP", "needs at least an input and an output size, got %v", sizes)
	}
	s := &Sequential{}
	for i := 0; i+1 < len(sizes); i++ {
		s.Layers = append(s.Layers, NewLinear(sizes[i], sizes[i+1], rng, opts...))
		if act != nil && i+2 < len(sizes) {
			s.Layers = append(s.Layers, act())
		}
	}
	return s
}
