package bench

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/nn"
	"github.com/nabla-go/nabla/optim"
)

// The network of the checkpointing workload: a deep MLP of RematLayers
// Linear layers of width RematWidth with ReLU between them, float32, a batch
// of RematBatch, cross-entropy over RematWidth classes, plain SGD.
const (
	RematLayers = 32
	RematWidth  = 1024
	RematBatch  = 64
)

// RematBigBatch is the batch of the workload's second set of rows, where
// the activations outweigh the weight gradients.
const RematBigBatch = 1024

// RematMLP is the deep MLP trained with its layers checkpointed k at a time
// (k = 0: not at all), through nn.CheckpointEvery. It is not safe for
// concurrent use.
type RematMLP struct {
	Net    nn.Module
	Opt    *optim.Optimizer
	X      *nabla.Tensor
	Labels []int
}

// NewRematMLP returns the deep MLP with a fixed initialisation and batch,
// checkpointing every k Linear layers (each with its ReLU).
func NewRematMLP(layers, width, batch, k int) *RematMLP {
	sizes := make([]int, layers+1)
	for i := range sizes {
		sizes[i] = width
	}
	seq := nn.MLP(sizes, nn.ReLU, nabla.NewRand(1), nn.WithDType(nabla.Float32))
	var net nn.Module = seq
	if k > 0 {
		net = nn.CheckpointEvery(seq, 2*k) // a Linear and its ReLU per layer
	}
	rng := nabla.NewRand(2)
	labels := make([]int, batch)
	for i := range labels {
		labels[i] = rng.IntN(width)
	}
	return &RematMLP{Net: net, Opt: optim.New(nn.Tensors(net), optim.SGD{LR: 0.01}),
		X: nabla.Randn(rng, batch, width).As(nabla.Float32), Labels: labels}
}

// Step is one training step: forward, backward, SGD update. It returns the
// loss.
func (m *RematMLP) Step() float64 { return m.step(nil, nil) }

// step is Step, calling before after zeroing the gradients and between
// between the forward and the backward pass, when set.
func (m *RematMLP) step(before, between func()) float64 {
	m.Opt.ZeroGrad()
	if before != nil {
		before()
	}
	loss := nn.CrossEntropyLoss(m.Net.Forward(m.X), m.Labels, nil)
	if between != nil {
		between()
	}
	loss.Backward()
	m.Opt.Step()
	return loss.Item()
}

// PeakStep measures the training step: the median time of steps steps at
// the default GOGC; the peak of the heap during a step above the live heap
// at its start, after ZeroGrad (the parameters and the batch: ZeroGrad lets
// the old gradients go), sampled every 100µs from runtime/metrics over two
// more steps with the GC made eager (GOGC 10) so that the sampled heap
// follows the live one closely; and the live heap the forward pass leaves
// for the backward pass (after a full GC, in one more step, above the same
// base). The first step is a warm-up and not counted.
func (m *RematMLP) PeakStep(steps int) (step time.Duration, peak, held uint64) {
	m.Step()
	var times []time.Duration
	for range steps {
		start := time.Now()
		m.Step()
		times = append(times, time.Since(start))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	old := debug.SetGCPercent(10)
	defer debug.SetGCPercent(old)
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	// Three collections, each given time for the finalizer that ages
	// nabla's buffer pools (they keep a victim cache across one), empty
	// them, so that the base is the live heap.
	gc := func() {
		for range 3 {
			runtime.GC()
			time.Sleep(5 * time.Millisecond)
		}
	}
	for range 2 {
		var base uint64
		var top atomic.Uint64
		var stop atomic.Bool
		var wg sync.WaitGroup
		m.step(func() {
			gc()
			base = read()
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !stop.Load() {
					if h := read(); h > top.Load() {
						top.Store(h)
					}
					time.Sleep(100 * time.Microsecond)
				}
			}()
		}, nil)
		stop.Store(true)
		wg.Wait()
		if t := top.Load(); t > base && t-base > peak {
			peak = t - base
		}
	}
	var base uint64
	m.step(func() {
		gc()
		base = read()
	}, func() {
		gc()
		if h := read(); h > base {
			held = h - base
		}
	})
	return times[len(times)/2], peak, held
}
