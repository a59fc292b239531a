//go:build !amd64

package kernel

func copyNT(dst, src []float64) { copy(dst, src) }

const haveStream = false
