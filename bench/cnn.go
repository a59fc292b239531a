package bench

import (
	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/nn"
	"github.com/nabla-go/nabla/optim"
)

// The CNN workload: one Adam training step of a small Fashion-MNIST network
// on a batch of 128 images of 1×28×28 (random values from a fixed seed,
// random labels), float32.
const (
	cnnBatch   = 128
	cnnClasses = 10
	cnnLR      = 1e-3
)

// NewCNN returns the network, with PyTorch's default initialisation drawn
// from seed:
//
//	Conv2d(1, 32, 3, padding 1) → BatchNorm2d(32) → ReLU → MaxPool2d(2) →
//	Conv2d(32, 64, 3, padding 1) → BatchNorm2d(64) → ReLU → MaxPool2d(2) →
//	Flatten → Linear(3136, 128) → ReLU → Linear(128, 10)
//
// bench/pytorch/bench.py builds the same network in PyTorch.
func NewCNN(dt nabla.DType, seed uint64) *nn.Sequential {
	rng := nabla.NewRand(seed)
	d := nn.WithDType(dt)
	return nn.NewSequential(
		nn.NewConv2d(1, 32, 3, rng, nn.Padding(1), d),
		nn.NewBatchNorm2d(32, d),
		nn.ReLU(),
		nn.NewMaxPool2d(2),
		nn.NewConv2d(32, 64, 3, rng, nn.Padding(1), d),
		nn.NewBatchNorm2d(64, d),
		nn.ReLU(),
		nn.NewMaxPool2d(2),
		nn.Flatten{},
		nn.NewLinear(64*7*7, 128, rng, d),
		nn.ReLU(),
		nn.NewLinear(128, cnnClasses, rng, d),
	)
}

// CNNBatch returns n images of 1×28×28 uniform in [0, 1) and n labels in
// [0, 10), from a fixed seed.
func CNNBatch(n int) (x *nabla.Tensor, labels []int) {
	rng := nabla.NewRand(4)
	x = nabla.Rand(rng, n, 1, 28, 28)
	labels = make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(cnnClasses)
	}
	return x, labels
}

// NablaCNN is the training step as train.Run takes it: optim.Adam's
// ZeroGrad, the forward pass and nn.CrossEntropyLoss's backward pass inside
// an arena on the job's tape (the batch bound to it), the loss read and the
// arena released, then Adam's step.
type NablaCNN struct {
	Net    *nn.Sequential
	Params []*nabla.Tensor
	Opt    *optim.Optimizer
	X      *nabla.Tensor
	Labels []int
	tape   *nabla.Tape
	arena  nabla.Arena
}

// NewNablaCNN returns the network and a batch of n in dtype dt, with Adam
// at PyTorch's defaults (lr 1e-3).
func NewNablaCNN(dt nabla.DType, n int) *NablaCNN {
	net := NewCNN(dt, 1)
	x, labels := CNNBatch(n)
	params := nn.Tensors(net)
	m := &NablaCNN{Net: net, Params: params, Opt: optim.New(params, optim.NewAdam(cnnLR)),
		X: x.As(dt).Clone(), Labels: labels, tape: nabla.NewTape()}
	m.tape.Bind(m.X)
	return m
}

// Step is one training step: zero the gradients, forward, backward, Adam's
// update. It returns the loss before the update.
func (m *NablaCNN) Step() float64 {
	m.Opt.ZeroGrad()
	var loss *nabla.Tensor
	m.arena.Do(m.tape, func() {
		loss = nn.CrossEntropyLoss(m.Net.Forward(m.X), m.Labels, nil)
		loss.Backward()
	})
	l := loss.Item()
	m.arena.Release()
	m.Opt.Step()
	return l
}
