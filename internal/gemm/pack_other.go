//go:build !amd64

package gemm

// transpose64 is the assembly part of transpose, of which there is none
// here: it does nothing and leaves everything to transposeGo.
func transpose64(dst []float64, ldd int, src []float64, lds, rows, steps int, alpha float64, mul bool) (r0, t0 int) {
	return 0, 0
}

// transpose32 is transpose64 for float32: nothing here either.
func transpose32(dst []float32, ldd int, src []float32, lds, rows, steps int, alpha float32, mul bool) (r0, t0 int) {
	return 0, 0
}
