//go:build openblas

package gemm

import "gonum.org/v1/netlib/blas/netlib"

// With the openblas tag the benchmarks also run OpenBLAS. netlib needs
// CGO_LDFLAGS=-lopenblas to link, and OPENBLAS_NUM_THREADS=1 makes the
// figures comparable with the single-threaded -cpu 1 ones.
func init() {
	impls64 = append(impls64, impl64{"openblas", func(tA, tB bool, m, n, k int, a, b, c []float64) {
		netlib.Implementation{}.Dgemm(trans(tA), trans(tB), m, n, k, 1, a, ld(tA, m, k), b, ld(tB, k, n), 0, c, n)
	}})
	impls32 = append(impls32, impl32{"openblas", func(tA, tB bool, m, n, k int, a, b, c []float32) {
		netlib.Implementation{}.Sgemm(trans(tA), trans(tB), m, n, k, 1, a, ld(tA, m, k), b, ld(tB, k, n), 0, c, n)
	}})
}
