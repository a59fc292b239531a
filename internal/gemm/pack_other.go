//go:build !amd64

package gemm

// transpose64 is the assembly part of transpose, of which there is none
// here: it does nothing and leaves everything to transposeGo.
func transpose64(dst []float64, ldd int, src []float64, lds, rows, steps int, alpha float64, mul bool) (r0, t0 int) {
	return 0, 0
}
