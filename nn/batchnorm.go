package nn

import (
	"slices"

	"github.com/nabla-go/nabla"
)

// BatchNorm normalises each channel of its input over the batch, as
// PyTorch's nn.BatchNorm1d and nn.BatchNorm2d do: y = (x − mean)/√(var + Eps)
// · Weight + Bias per channel, where channel c is axis 1 of the input.
//
// In training mode mean and var are the batch's own, over every axis but the
// channel one, with the biased (population) variance; each training Forward
// also adds one to NumBatchesTracked and moves the running statistics towards
// the batch's: running = (1 − f)·running + f·batch, with f = Momentum, or
// f = 1/NumBatchesTracked under CumulativeAverage, and the unbiased variance
// (divided by n − 1) for RunningVar. In evaluation mode the running
// statistics are used instead. Without running statistics (NoRunningStats)
// the batch's statistics are used in both modes.
//
// In training mode the normalisation is nabla.BatchNorm, one op whose rules
// are written with nabla's operations, so gradients and higher derivatives
// flow through it; in evaluation mode it is a per-channel scale and shift
// made of ops. The running statistics are updated on values, outside any
// graph.
//
// Concurrency: a BatchNorm in training mode with running statistics changes
// its buffers on every Forward, so it must not run Forward in several
// goroutines at once (nor while its state is read or saved). In evaluation
// mode, or without running statistics, Forward only reads the layer and may
// run in any number of goroutines.
type BatchNorm struct {
	NumFeatures int     // channels C
	Eps         float64 // added to the variance; 1e-5 by default
	// Momentum is the weight of the batch statistics in the running ones
	// (0.1 by default). It is ignored when CumulativeAverage is set.
	Momentum float64
	// CumulativeAverage makes the running statistics the plain average of
	// every batch's statistics, as PyTorch's momentum=None.
	CumulativeAverage bool

	Weight *nabla.Tensor // (C), ones initially; nil with NoAffine
	Bias   *nabla.Tensor // (C), zeros initially; nil with NoAffine

	RunningMean       *nabla.Tensor // (C), zeros initially; nil with NoRunningStats
	RunningVar        *nabla.Tensor // (C), ones initially; nil with NoRunningStats
	NumBatchesTracked *nabla.Tensor // scalar float64 count; nil with NoRunningStats

	name     string // "BatchNorm1d" or "BatchNorm2d"
	ranks    []int  // the input ranks the layer takes
	training bool
}

// NewBatchNorm1d returns a batch normalisation over the C channels of inputs
// of shape (N, C) or (N, C, L), in training mode, as PyTorch's
// nn.BatchNorm1d(C). It takes the options Eps, Momentum, CumulativeAverage,
// NoAffine, NoRunningStats and WithDType.
func NewBatchNorm1d(numFeatures int, opts ...Option) *BatchNorm {
	return newBatchNorm("BatchNorm1d", []int{2, 3}, numFeatures, opts)
}

// NewBatchNorm2d returns a batch normalisation over the C channels of inputs
// of shape (N, C, H, W), in training mode, as PyTorch's nn.BatchNorm2d(C).
// It takes the same options as NewBatchNorm1d.
func NewBatchNorm2d(numFeatures int, opts ...Option) *BatchNorm {
	return newBatchNorm("BatchNorm2d", []int{4}, numFeatures, opts)
}

func newBatchNorm(name string, ranks []int, c int, opts []Option) *BatchNorm {
	if c <= 0 {
		panicf(name, "needs a positive number of features, got %d", c)
	}
	cfg := configure(name, opts, "Eps", "Momentum", "CumulativeAverage", "NoAffine", "NoRunningStats", "WithDType")
	bn := &BatchNorm{NumFeatures: c, Eps: 1e-5, Momentum: 0.1, CumulativeAverage: cfg.cumulative,
		name: name, ranks: ranks, training: true}
	if cfg.hasEps {
		bn.Eps = cfg.eps
	}
	if cfg.hasMomentum {
		bn.Momentum = cfg.momentum
	}
	if !cfg.noAffine {
		bn.Weight = param(cfg.dtype, c)
		Constant(bn.Weight, 1)
		bn.Bias = param(cfg.dtype, c)
	}
	if !cfg.noRunningStats {
		bn.RunningMean = nabla.New(cfg.dtype, c)
		bn.RunningVar = nabla.New(cfg.dtype, c)
		Constant(bn.RunningVar, 1)
		bn.NumBatchesTracked = nabla.Scalar(0)
	}
	return bn
}

// Forward normalises x, of shape (N, C) or (N, C, L) for BatchNorm1d and
// (N, C, H, W) for BatchNorm2d. In training mode with running statistics it
// updates them and NumBatchesTracked; inside a compiled function (nabla.Compile)
// that is an error, since the update would happen once, when the function is
// traced.
func (bn *BatchNorm) Forward(x *nabla.Tensor) *nabla.Tensor {
	s := x.Shape()
	if !slices.Contains(bn.ranks, len(s)) || s[1] != bn.NumFeatures {
		want := "(N, C, H, W)"
		if bn.name == "BatchNorm1d" {
			want = "(N, C) or (N, C, L)"
		}
		panicf(bn.name, "input of shape %v is not %s with C = %d", s, want, bn.NumFeatures)
	}
	c := channelShape(x)
	if bn.training || bn.RunningMean == nil {
		n := x.Size() / bn.NumFeatures
		if n < 2 {
			panicf(bn.name, "needs more than one value per channel to take batch statistics, got input of shape %v", s)
		}
		if bn.training && bn.RunningMean != nil {
			bn.track(x, n)
		}
		// One op with fused passes (nabla.BatchNorm), not the formula's five.
		return nabla.BatchNorm(x, bn.Weight, bn.Bias, bn.Eps)
	}
	// y = x·scale + shift with per-channel scale = w/√(var+eps) and
	// shift = b − mean·scale: two passes over x.
	scale := nabla.Reciprocal(nabla.Sqrt(nabla.AddScalar(bn.RunningVar, bn.Eps)))
	if bn.Weight != nil {
		scale = nabla.Mul(scale, bn.Weight)
	}
	shift := nabla.Neg(nabla.Mul(bn.RunningMean, scale))
	if bn.Bias != nil {
		shift = nabla.Add(shift, bn.Bias)
	}
	return nabla.Add(nabla.Mul(x, nabla.Reshape(scale, c...)), nabla.Reshape(shift, c...))
}

// track moves the running statistics towards the mean and biased variance
// of x's n values per channel. It works on values, so nothing is recorded on
// any tape.
func (bn *BatchNorm) track(x *nabla.Tensor, n int) {
	if x.Traced() {
		panicf(bn.name, "in training mode inside a compiled function (nabla.Compile): the running statistics would be updated once, when the function is traced; run the step uncompiled, or switch the layer to evaluation mode")
	}
	count := bn.NumBatchesTracked.RawFloat64()
	count[0]++
	f := bn.Momentum
	if bn.CumulativeAverage {
		f = 1 / count[0]
	}
	m, v := nabla.ChannelMeanVar(x)
	unbias := float64(n) / float64(n-1)
	blend(bn.RunningMean, f, func(i int) float64 { return m[i] })
	blend(bn.RunningVar, f, func(i int) float64 { return v[i] * unbias })
}

// blend sets each value r[i] of t to (1−f)·r[i] + f·batch(i).
func blend(t *nabla.Tensor, f float64, batch func(i int) float64) {
	if r := t.RawFloat64(); r != nil {
		for i := range r {
			r[i] = (1-f)*r[i] + f*batch(i)
		}
		return
	}
	r := t.RawFloat32()
	for i := range r {
		r[i] = float32((1-f)*float64(r[i]) + f*batch(i))
	}
}

// channelShape returns the shape (C, 1, ..., 1) that broadcasts a
// per-channel vector against x of shape (N, C, ...).
func channelShape(x *nabla.Tensor) []int {
	c := make([]int, x.Dims()-1)
	for i := range c {
		c[i] = 1
	}
	c[0] = x.Dim(1)
	return c
}

// Parameters returns "weight" and "bias", or nil with NoAffine.
func (bn *BatchNorm) Parameters() []Param {
	if bn.Weight == nil {
		return nil
	}
	return []Param{{"weight", bn.Weight}, {"bias", bn.Bias}}
}

// Buffers returns "running_mean", "running_var" and "num_batches_tracked"
// (an Int64 buffer), as in PyTorch's state_dict, or nil with NoRunningStats.
func (bn *BatchNorm) Buffers() []Buffer {
	if bn.RunningMean == nil {
		return nil
	}
	return []Buffer{
		{Name: "running_mean", T: bn.RunningMean},
		{Name: "running_var", T: bn.RunningVar},
		{Name: "num_batches_tracked", T: bn.NumBatchesTracked, Int64: true},
	}
}

// SetTraining switches between training (batch statistics, running ones
// updated) and evaluation (running statistics).
func (bn *BatchNorm) SetTraining(on bool) { bn.training = on }

// Training reports whether bn is in training mode.
func (bn *BatchNorm) Training() bool { return bn.training }
