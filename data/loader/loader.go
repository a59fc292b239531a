// Package loader turns a [data.Dataset] into batches of nabla tensors with
// their integer labels, like PyTorch's DataLoader: each epoch visits every
// sample once, in the dataset's order or shuffled by a caller-supplied
// *rand.Rand, and hands out a (batch, features...) tensor in float64 or
// float32 with the labels of its rows.
//
//	rng := rand.New(rand.NewPCG(1, 2))
//	l := loader.New(train, loader.Options{BatchSize: 64, Rand: rng, DType: nabla.Float32})
//	for epoch := range epochs {
//		for x, y := range l.Epoch() {
//			loss := nn.CrossEntropyLoss(model.Forward(x), y, nil)
//			...
//		}
//	}
//
// Package data itself stays free of tensors; this package is the adapter.
package loader

import (
	"fmt"
	"iter"
	"math/rand/v2"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/data"
)

// Options configures a Loader. The zero value of each field is usable:
// batches of one sample, in the dataset's order, in float64.
type Options struct {
	// BatchSize is the number of samples per batch; the last batch of an
	// epoch may be smaller unless DropLast is set. Zero means 1.
	BatchSize int
	// Rand, when set, shuffles the samples at the start of every epoch, so
	// a seeded source gives the same epochs on every run and machine; nil
	// keeps the dataset's order.
	Rand *rand.Rand
	// DType is the element type of the tensors: nabla.Float64 (the zero
	// value) or nabla.Float32, whatever the dataset's storage.
	DType nabla.DType
	// DropLast leaves out the last batch of an epoch when it is smaller
	// than BatchSize.
	DropLast bool
}

// Loader yields batches of a dataset as tensors. It reads the dataset and
// draws from Options.Rand, so it is not safe for concurrent use, and the
// dataset must not change while an epoch runs; the tensors and label
// slices it yields are new for every batch and belong to the caller.
type Loader struct {
	ds    *data.Dataset
	o     Options
	shape []int // per-sample shape of the tensors
}

// New returns a loader of ds. Samples are shaped (C, H, W) for an image
// dataset (ds.Image set), as a convolution takes them, and flat (D)
// otherwise. It panics on a negative batch size, a dtype other than
// Float64 or Float32, or a dataset without class labels (a regression
// set), with a message starting "loader:".
func New(ds *data.Dataset, o Options) *Loader {
	switch {
	case o.BatchSize < 0:
		panic(fmt.Sprintf("loader: batch size %d < 0", o.BatchSize))
	case o.DType != nabla.Float64 && o.DType != nabla.Float32:
		panic(fmt.Sprintf("loader: dtype %s is not float64 or float32", o.DType))
	case ds.Y == nil:
		panic(fmt.Sprintf("loader: dataset %q has no class labels", ds.Name))
	}
	if o.BatchSize == 0 {
		o.BatchSize = 1
	}
	shape := []int{ds.D}
	if ds.IsImage() {
		shape = ds.Image[:]
	}
	return &Loader{ds: ds, o: o, shape: shape}
}

// Len returns the number of batches in an epoch.
func (l *Loader) Len() int {
	n, b := l.ds.N, l.o.BatchSize
	if l.o.DropLast {
		return n / b
	}
	return (n + b - 1) / b
}

// Epoch returns one pass over the dataset: each batch as a tensor of shape
// (n, features...) and the labels of its n rows. Every call starts a new
// epoch, shuffled anew when Options.Rand is set.
func (l *Loader) Epoch() iter.Seq2[*nabla.Tensor, []int] {
	return func(yield func(*nabla.Tensor, []int) bool) {
		ds, size := l.ds, l.o.BatchSize
		var order []int
		if l.o.Rand != nil {
			order = l.o.Rand.Perm(ds.N)
		}
		for k := range l.Len() {
			lo, hi := k*size, min((k+1)*size, ds.N)
			idx := make([]int, hi-lo)
			for r := range idx {
				idx[r] = lo + r
				if order != nil {
					idx[r] = order[lo+r]
				}
			}
			x := nabla.New(l.o.DType, append([]int{len(idx)}, l.shape...)...)
			if x.DType() == nabla.Float32 {
				data.Gather(x.RawFloat32(), ds, idx)
			} else {
				data.Gather(x.RawFloat64(), ds, idx)
			}
			y := make([]int, len(idx))
			for r, i := range idx {
				y[r] = ds.Y[i]
			}
			if !yield(x, y) {
				return
			}
		}
	}
}
