//go:build amd64

package conv

import "golang.org/x/sys/cpu"

// maxPool2x2AVX512 sets y and pos (oh×ow) to the max pooling of the plane x
// (row stride w) over 2×2 windows with stride 2, and the flat index in x of
// each window's first maximum as a float32, sixteen windows at a time. It
// returns false, with y and pos partly written, if x holds a NaN (the caller
// then pools the plane in Go, which propagates it).
//
//go:noescape
func maxPool2x2AVX512(x []float32, w, oh, ow int, y, pos []float32) bool

// hasMaxPool2x2 reports whether maxPool2x2AVX512 may run: decided once at
// start-up from the CPU and checked against the Go loop then, so it is
// read-only afterwards.
var hasMaxPool2x2 = cpu.X86.HasAVX512F && maxPool2x2SelfTest(maxPool2x2AVX512)
