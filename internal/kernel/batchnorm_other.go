//go:build !amd64

package kernel

func bnSums32(x []float32, k float32, acc *[32]float64)         {}
func bnGradSums32(g, x []float32, mu float64, acc *[32]float64) {}
func bnGradX32(out, g, x []float32, a, b, d float32)            {}

const bnAsm = false
