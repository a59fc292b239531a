//go:build !openblas

package nabla

import (
	"strings"

	"github.com/nabla-go/nabla/internal/gemm"
)

// dgemm sets the m×n matrix c to op(a)·op(b), where a and b are stored
// row-major with row strides lda and ldb and op transposes when its flag is
// set. Without the openblas build tag it runs internal/gemm's kernels, on
// the calling goroutine alone when serial is set (Tape.SetSerial).
func dgemm(serial, ta, tb bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64) {
	if serial {
		gemm.DgemmSerial(ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, n)
		return
	}
	gemm.Dgemm(ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, n)
}

// sgemm is dgemm for float32.
func sgemm(serial, ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32) {
	if serial {
		gemm.SgemmSerial(ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, n)
		return
	}
	gemm.Sgemm(ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, n)
}

// MatMulBackend describes what multiplies matrices in this build: nabla's
// own kernels and the microkernel chosen for this CPU for each dtype (and
// any assembly kernel that failed its start-up self-test), or OpenBLAS with
// the openblas build tag.
func MatMulBackend() string {
	s := "nabla gemm: " + gemm.Kernel() + " (float64), " + gemm.Kernel32() + " (float32)"
	if r := gemm.Rejected(); len(r) > 0 {
		s += "; rejected by the self-test: " + strings.Join(r, ", ")
	}
	return s
}
