package bench

import (
	"gonum.org/v1/gonum/mat"
)

// LinalgN is the size of the linear-algebra workloads: a 512×512 system
// solved with one right-hand side, and the Cholesky factor of a 512×512 SPD
// matrix.
const LinalgN = 512

// GonumSolve solves a·x = b with gonum's mat (LU with partial pivoting, as
// nabla.Solve; mat also estimates the condition number) and returns x.
func GonumSolve(a *mat.Dense, b *mat.VecDense) (*mat.VecDense, error) {
	var x mat.VecDense
	err := x.SolveVec(a, b)
	return &x, err
}

// GonumCholesky factors the SPD matrix a with gonum's mat.Cholesky (LAPACK's
// potrf, and a condition estimate) and reports whether it is positive
// definite.
func GonumCholesky(c *mat.Cholesky, a *mat.SymDense) bool { return c.Factorize(a) }
