//go:build !amd64

package conv

func maxPool2x2AVX512(x []float32, w, oh, ow int, y, pos []float32) bool { return false }

const hasMaxPool2x2 = false
