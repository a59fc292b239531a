package nabla

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// TestLinalgBlockedTrsm checks the recursive triangular solve against
// gonum's Trsm for both triangles, both transpositions and sizes on both
// sides of the block size.
func TestLinalgBlockedTrsm(t *testing.T) {
	r := NewRand(1)
	for _, n := range []int{1, 63, 64, 65, 150} {
		for _, k := range []int{1, 7} {
			for _, upper := range []bool{false, true} {
				for _, trans := range []bool{false, true} {
					t.Run(fmt.Sprintf("n=%d/k=%d/upper=%v/trans=%v", n, k, upper, trans), func(t *testing.T) {
						tm := wellConditioned(r, n)
						b := Uniform(r, -1, 1, n, k)
						got := append([]float64(nil), b.f64...)
						trsm(upper, trans, n, k, tm.f64, n, got, k)
						want := append([]float64(nil), b.f64...)
						uplo := blas.Lower
						if upper {
							uplo = blas.Upper
						}
						blas64.Trsm(blas.Left, transFlag(trans), 1,
							blas64.Triangular{Uplo: uplo, Diag: blas.NonUnit, N: n, Stride: n, Data: tm.f64},
							blas64.General{Rows: n, Cols: k, Stride: k, Data: want})
						for i := range got {
							if math.Abs(got[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
								t.Fatalf("element %d = %v, gonum %v", i, got[i], want[i])
							}
						}
					})
				}
			}
		}
	}
}
