//go:build openblas

package nabla

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// With the openblas build tag, matrix products go through gonum's blas64 and
// blas32 interfaces to OpenBLAS (Debian's libopenblas-dev) by cgo.
func init() {
	blas64.Use(netlib.Implementation{})
	blas32.Use(netlib.Implementation{})
}

// MatMulBackend describes what multiplies matrices in this build: OpenBLAS
// through cgo (the openblas build tag).
func MatMulBackend() string { return "OpenBLAS (cgo, gonum.org/v1/netlib)" }

func transpose(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// storedRows returns how many rows an r×c operand has in memory, where trans
// says it is stored transposed.
func storedRows(trans bool, r, c int) int {
	if trans {
		return c
	}
	return r
}

// dgemm sets the m×n matrix c to op(a)·op(b) with blas64.Gemm. OpenBLAS
// runs its own threads: the serial flag (Tape.SetSerial) is not honoured.
func dgemm(_, ta, tb bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64) {
	blas64.Gemm(transpose(ta), transpose(tb), 1,
		blas64.General{Rows: storedRows(ta, m, k), Cols: lda, Stride: lda, Data: a},
		blas64.General{Rows: storedRows(tb, k, n), Cols: ldb, Stride: ldb, Data: b},
		0, blas64.General{Rows: m, Cols: n, Stride: n, Data: c})
}

// sgemm sets the m×n matrix c to op(a)·op(b) with blas32.Gemm.
func sgemm(_, ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32) {
	blas32.Gemm(transpose(ta), transpose(tb), 1,
		blas32.General{Rows: storedRows(ta, m, k), Cols: lda, Stride: lda, Data: a},
		blas32.General{Rows: storedRows(tb, k, n), Cols: ldb, Stride: ldb, Data: b},
		0, blas32.General{Rows: m, Cols: n, Stride: n, Data: c})
}
