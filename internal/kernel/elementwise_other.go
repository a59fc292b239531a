//go:build !amd64

package kernel

// haveAsm is false: there are assembly loops for amd64 only.
const haveAsm = false

func vvAsm[T Float](op BinOp, d, a, b []T) bool       { return false }
func vsAsm[T Float](op BinOp, d, a []T, s T) bool     { return false }
func svAsm[T Float](op BinOp, d []T, s T, b []T) bool { return false }
func affineAsm[T Float](d, s []T, a, b T) bool        { return false }
func unaryAsm[T Float](op UnaryOp, d, s []T) bool     { return false }
func expAsm(d, s []float64) int                       { return 0 }

// ElemKernel names the loops behind the elementwise kernels: always
// "portable" here.
func ElemKernel() string { return "portable" }

// ExpKernel names the loops behind float64 Exp: always "portable" here.
func ExpKernel() string { return "portable" }
