//go:build openblas

package nabla

// exactBLAS is false with OpenBLAS, whose kernels and blocking depend on the
// matrix shapes: a batched product may differ from the products it batches
// in the last bit.
const exactBLAS = false
