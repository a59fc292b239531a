// Package kernel holds nabla's loops over raw float32 and float64 slices:
// elementwise maps, broadcasting binary operations and reductions, split across
// cores when the slices are large, and the size-classed buffer pools through
// which the backward pass recycles the gradients it drops (pool.go). It knows
// nothing of tensors or gradients; the nabla package calls it from the forward
// functions of its primitives.
package kernel
