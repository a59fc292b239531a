//go:build !openblas

package nabla

// exactBLAS reports whether matrix products round the same whatever their
// shape: nabla's own kernels do (each output element is one dot product in a
// fixed order), so a batched product equals the products it batches bit for
// bit.
const exactBLAS = true
