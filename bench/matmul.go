package bench

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

// MatMulSizes are the square sizes n of the matrix-multiply curve: C = A·B
// with A, B and C n×n, 2n³ flops.
var MatMulSizes = []int{64, 256, 1024}

// GonumGemm64 computes c = a·b for n×n row-major matrices with blas64.Gemm,
// whose default implementation is gonum's pure-Go
// gonum.org/v1/gonum/blas/gonum.Implementation.
func GonumGemm64(n int, a, b, c []float64) {
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas64.General{Rows: n, Cols: n, Stride: n, Data: a},
		blas64.General{Rows: n, Cols: n, Stride: n, Data: b},
		0, blas64.General{Rows: n, Cols: n, Stride: n, Data: c})
}

// GonumGemm32 is GonumGemm64 in float32, with blas32.Gemm.
func GonumGemm32(n int, a, b, c []float32) {
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas32.General{Rows: n, Cols: n, Stride: n, Data: a},
		blas32.General{Rows: n, Cols: n, Stride: n, Data: b},
		0, blas32.General{Rows: n, Cols: n, Stride: n, Data: c})
}
