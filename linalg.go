package nabla

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/nabla-go/nabla/internal/gemm"
	"github.com/nabla-go/nabla/internal/kernel"
)

// Linear algebra with derivatives, as torch.linalg: every function takes
// matrices in the last two dimensions and treats leading dimensions as a
// batch. The factorisations run in gonum's LAPACK (lapack64, pure Go) on
// float64 copies of each matrix: float32 inputs are computed in float64 and
// rounded once at the end, as gonum has no float32 LAPACK. Forward passes keep
// no state between calls: every call allocates its own workspace, so the
// functions are safe to call from any number of goroutines.
//
// The primitives (one registration each, forward, VJP and JVP together) are
// solve, inv, det, logabsdet, triangular_solve, cholesky, qr, eigh, svd,
// matrix_exp and the helper linalg_gap_div; CholeskySolve, Lstsq, MatrixPower and the
// right-hand forms are compositions of them. Their rules are written with
// nabla's ops (Solve's VJP is a Solve with the transpose), so Hessians go
// through them.
//
// Decompositions with several results (QR, Eigh, SVD) are one op each whose
// output packs the results; the public functions return views (slices and
// reshapes, which are ops) of the packed tensor, so a result the caller does
// not use contributes a zero gradient and costs no extra factorisation.
//
// Symmetric inputs (Cholesky, Eigh) are read through their symmetric part
// (A + Aᵀ)/2: for a symmetric matrix this is LAPACK's (and PyTorch's) result;
// the gradient is then the symmetric one, and it is exact for every
// perturbation, symmetric or not.

// mT transposes the last two dimensions.
func mT(x *Tensor) *Tensor { return Transpose(x, -1, -2) }

// symPart returns (x + xᵀ)/2 over the last two dimensions.
func symPart(x *Tensor) *Tensor { return MulScalar(Add(x, mT(x)), 0.5) }

// maskMat returns an r×c constant of dtype dt with keep(i, j) as its entries.
func maskMat(dt DType, r, c int, keep func(i, j int) float64) *Tensor {
	m := newTensor(nil, dt, []int{r, c})
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.set(i*c+j, keep(i, j))
		}
	}
	return m
}

// triPart keeps the lower (upper=false) or upper triangle of the last two
// dimensions, diagonal included, scaling the diagonal by diag.
func triPart(x *Tensor, upper bool, diag float64) *Tensor {
	r, c := x.shape[len(x.shape)-2], x.shape[len(x.shape)-1]
	return Mul(x, maskMat(x.dtype, r, c, func(i, j int) float64 {
		switch {
		case i == j:
			return diag
		case (j > i) == upper:
			return 1
		}
		return 0
	}))
}

// diagOf returns the diagonals (..., n) of square matrices (..., n, n).
func diagOf(x *Tensor) *Tensor {
	n := x.shape[len(x.shape)-1]
	return Sum(Mul(x, maskMat(x.dtype, n, n, func(i, j int) float64 { return float64(boolInt(i == j)) })), -1)
}

// diagEmbed returns the diagonal matrices (..., n, n) with diagonals v (..., n).
func diagEmbed(v *Tensor) *Tensor {
	n := v.shape[len(v.shape)-1]
	return Mul(Unsqueeze(v, -1), maskMat(v.dtype, n, n, func(i, j int) float64 { return float64(boolInt(i == j)) }))
}

// scaleBatch multiplies each matrix of x (..., r, c) by the scalar s (...).
func scaleBatch(x, s *Tensor) *Tensor { return Mul(x, Unsqueeze(Unsqueeze(s, -1), -1)) }

// matrices describes the batch of matrices in a tensor (..., r, c).
type matrices struct {
	batch []int // the leading dimensions
	n     int   // how many matrices
	r, c  int
}

func matricesOf(op string, x *Tensor) matrices {
	if len(x.shape) < 2 {
		panicf(op, "input of shape %s is not a matrix or a batch of matrices (..., rows, columns)", fmtShape(x.shape))
	}
	k := len(x.shape)
	return matrices{batch: x.shape[:k-2], n: numel(x.shape[:k-2]), r: x.shape[k-2], c: x.shape[k-1]}
}

func squareOf(op string, x *Tensor) matrices {
	m := matricesOf(op, x)
	if m.r != m.c {
		panicf(op, "input of shape %s: the matrices are %d×%d, not square", fmtShape(x.shape), m.r, m.c)
	}
	return m
}

// general returns a float64 copy of matrix i of x as a row-major blas64.General.
func (m matrices) general(x *Tensor, i int) blas64.General {
	return m.copyInto(make([]float64, m.r*m.c), x, i)
}

// scratch is general in a buffer from nabla's pool: the caller hands it
// back with kernel.Put64 once done (a 512×512 matrix is 2 MB that would
// otherwise be fresh memory on every call).
func (m matrices) scratch(x *Tensor, i int) blas64.General {
	return m.copyInto(kernel.Get64(m.r*m.c), x, i)
}

func (m matrices) copyInto(d []float64, x *Tensor, i int) blas64.General {
	sz := m.r * m.c
	if x.dtype == Float32 {
		for k, v := range x.f32[i*sz : (i+1)*sz] {
			d[k] = float64(v)
		}
	} else {
		copy(d, x.f64[i*sz:(i+1)*sz])
	}
	return blas64.General{Rows: m.r, Cols: m.c, Stride: max(1, m.c), Data: d}
}

// read returns matrix i of x as float64 values to read only: x's own
// values for float64, a converted copy for float32.
func (m matrices) read(x *Tensor, i int) []float64 {
	sz := m.r * m.c
	if x.dtype == Float64 {
		return x.f64[i*sz : (i+1)*sz : (i+1)*sz]
	}
	return m.general(x, i).Data
}

// into returns where to compute matrix i of out (matrices of m's shape)
// in float64, holding matrix i of src: out's own values for float64 (after
// copying src's there), a converted copy for float32, which done writes back.
func (m matrices) into(out, src *Tensor, i int) (v []float64, done func()) {
	sz := m.r * m.c
	if out.dtype == Float64 {
		v = out.f64[i*sz : (i+1)*sz]
		copy(v, src.f64[i*sz:(i+1)*sz])
		return v, func() {}
	}
	v = m.general(src, i).Data
	return v, func() { store(out, i, m.r, m.c, v, m.c) }
}

// symmetric returns a float64 copy of (A + Aᵀ)/2 for matrix i of x, in a
// pooled buffer (see scratch).
func (m matrices) symmetric(x *Tensor, i int) blas64.General {
	a := m.scratch(x, i)
	n, d := m.r, a.Data
	// In 32×32 tiles, so that the transposed reads stay in cache.
	for p0 := 0; p0 < n; p0 += 32 {
		for q0 := p0; q0 < n; q0 += 32 {
			for p := p0; p < min(p0+32, n); p++ {
				for q := max(q0, p+1); q < min(q0+32, n); q++ {
					v := 0.5 * (d[p*n+q] + d[q*n+p])
					d[p*n+q], d[q*n+p] = v, v
				}
			}
		}
	}
	return a
}

// store writes the r×c row-major values v (with row stride) as matrix i of
// out, whose matrices are r×c.
func store(out *Tensor, i, r, c int, v []float64, stride int) {
	off := i * r * c
	for p := 0; p < r; p++ {
		row := v[p*stride : p*stride+c]
		if out.dtype == Float32 {
			for q, x := range row {
				out.f32[off+p*c+q] = float32(x)
			}
		} else {
			copy(out.f64[off+p*c:off+(p+1)*c], row)
		}
	}
}

// sameBatch expands a and b to their common batch shape (the last two
// dimensions kept), as torch.linalg broadcasts.
func sameBatch(op string, a, b *Tensor) (*Tensor, *Tensor) {
	ma, mb := matricesOf(op, a), matricesOf(op, b)
	if sameShape(ma.batch, mb.batch) {
		return a, b
	}
	batch := broadcastShapes(op, ma.batch, mb.batch)
	return Expand(a, append(append([]int(nil), batch...), ma.r, ma.c)...),
		Expand(b, append(append([]int(nil), batch...), mb.r, mb.c)...)
}

func transFlag(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// epsOf is the machine epsilon of a dtype.
func epsOf(dt DType) float64 {
	if dt == Float32 {
		return 0x1p-23
	}
	return 0x1p-52
}

// batchIndex formats which matrix of a batch a message is about.
func batchIndex(m matrices, i int) string {
	if m.n <= 1 && len(m.batch) == 0 {
		return "the matrix"
	}
	idx := make([]int, len(m.batch))
	for d := len(m.batch) - 1; d >= 0; d-- {
		idx[d] = i % m.batch[d]
		i /= m.batch[d]
	}
	return fmt.Sprintf("matrix %v of the batch", idx)
}

// trsmBlock is the size below which trsm leaves a triangular solve to
// gonum's Trsm.
const trsmBlock = 32

// trsm solves op(T)·X = B in place of B (n×k, row stride ldb) for the n×n
// triangular T (row stride ldt; lower unless upper, op transposing when
// trans). It halves T recursively so that most of the flops are matrix
// products in internal/gemm's kernels, several times faster than gonum's
// Trsm, which solves the blocks on the diagonal.
func trsm(upper, trans bool, n, k int, t []float64, ldt int, b []float64, ldb int) {
	if n <= trsmBlock {
		uplo := blas.Lower
		if upper {
			uplo = blas.Upper
		}
		blas64.Trsm(blas.Left, transFlag(trans), 1,
			blas64.Triangular{Uplo: uplo, Diag: blas.NonUnit, N: n, Stride: ldt, Data: t},
			blas64.General{Rows: n, Cols: k, Stride: ldb, Data: b})
		return
	}
	n1 := n / 2
	n2 := n - n1
	t11, t22 := t, t[n1*ldt+n1:]
	b1, b2 := b, b[n1*ldb:]
	if upper == trans {
		// op(T) is lower triangular, [[E11, 0], [E21, E22]]: X1 first, then
		// B2 − E21·X1. E21 is T21, or T12ᵀ.
		trsm(upper, trans, n1, k, t11, ldt, b1, ldb)
		if trans {
			gemm.Dgemm(true, false, n2, k, n1, -1, t[n1:], ldt, b1, ldb, 1, b2, ldb)
		} else {
			gemm.Dgemm(false, false, n2, k, n1, -1, t[n1*ldt:], ldt, b1, ldb, 1, b2, ldb)
		}
		trsm(upper, trans, n2, k, t22, ldt, b2, ldb)
		return
	}
	// op(T) is upper triangular, [[E11, E12], [0, E22]]: X2 first, then
	// B1 − E12·X2. E12 is T12, or T21ᵀ.
	trsm(upper, trans, n2, k, t22, ldt, b2, ldb)
	if trans {
		gemm.Dgemm(true, false, n1, k, n2, -1, t[n1*ldt:], ldt, b2, ldb, 1, b1, ldb)
	} else {
		gemm.Dgemm(false, false, n1, k, n2, -1, t[n1:], ldt, b2, ldb, 1, b1, ldb)
	}
	trsm(upper, trans, n1, k, t11, ldt, b1, ldb)
}
