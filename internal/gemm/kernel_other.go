//go:build !amd64

package gemm

func asmKernels64() []kernel[float64] { return nil }
func asmKernels32() []kernel[float32] { return nil }
