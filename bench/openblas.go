//go:build openblas

package bench

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// With the openblas build tag, nabla and gonum's blas64/blas32 (hence the
// hand-written step) multiply through OpenBLAS; Gorgonia and its tensor
// package keep their own BLAS setting, so they are pointed at OpenBLAS too,
// and every implementation in the OpenBLAS rows runs on the same library.
func init() {
	G.Use(netlib.Implementation{})
	tensor.Use(netlib.Implementation{})
}
