//go:build amd64

package gemm

import "golang.org/x/sys/cpu"

//go:generate go run gen.go

// The assembly microkernels (kernel_amd64.s). Each adds to the mr×nr tile at c
// the product of kc steps of the packed slivers a and b; the caller
// guarantees that the slivers hold kc steps and that the tile lies inside c.
//
//go:noescape
func dkernAVX2(kc int, a, b, c []float64, ldc int)

//go:noescape
func skernAVX2(kc int, a, b, c []float32, ldc int)

//go:noescape
func dkernAVX512(kc int, a, b, c []float64, ldc int)

// The fringe kernels: the first r rows (the name's rN) of the tile of the
// kernel without the suffix, from slivers packed for it (mr rows a step).
//
//go:noescape
func dkernAVX512r8(kc int, a, b, c []float64, ldc int)

//go:noescape
func dkernAVX512r4(kc int, a, b, c []float64, ldc int)

//go:noescape
func skernAVX512r8(kc int, a, b, c []float32, ldc int)

//go:noescape
func skernAVX512r4(kc int, a, b, c []float32, ldc int)

//go:noescape
func dkernAVX2r4(kc int, a, b, c []float64, ldc int)

//go:noescape
func dkernAVX2r2(kc int, a, b, c []float64, ldc int)

//go:noescape
func skernAVX2r4(kc int, a, b, c []float32, ldc int)

//go:noescape
func skernAVX2r2(kc int, a, b, c []float32, ldc int)

//go:noescape
func skernAVX512(kc int, a, b, c []float32, ldc int)

// The storing variants (suffix s) of every kernel above: they set the tile
// to the product instead of adding the product to it.

//go:noescape
func dkernAVX512s(kc int, a, b, c []float64, ldc int)

//go:noescape
func dkernAVX512r8s(kc int, a, b, c []float64, ldc int)

//go:noescape
func dkernAVX512r4s(kc int, a, b, c []float64, ldc int)

//go:noescape
func skernAVX512s(kc int, a, b, c []float32, ldc int)

//go:noescape
func skernAVX512r8s(kc int, a, b, c []float32, ldc int)

//go:noescape
func skernAVX512r4s(kc int, a, b, c []float32, ldc int)

//go:noescape
func dkernAVX2s(kc int, a, b, c []float64, ldc int)

//go:noescape
func dkernAVX2r4s(kc int, a, b, c []float64, ldc int)

//go:noescape
func dkernAVX2r2s(kc int, a, b, c []float64, ldc int)

//go:noescape
func skernAVX2s(kc int, a, b, c []float32, ldc int)

//go:noescape
func skernAVX2r4s(kc int, a, b, c []float32, ldc int)

//go:noescape
func skernAVX2r2s(kc int, a, b, c []float32, ldc int)

func asmKernels64() []kernel[float64] {
	var ks []kernel[float64]
	if cpu.X86.HasAVX512F {
		ks = append(ks, kernel[float64]{"avx512", 12, 16, 144, 256, 4080, dkernAVX512, dkernAVX512s,
			[]fringe[float64]{{4, dkernAVX512r4, dkernAVX512r4s}, {8, dkernAVX512r8, dkernAVX512r8s}}})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, kernel[float64]{"avx2", 6, 8, 144, 256, 4080, dkernAVX2, dkernAVX2s,
			[]fringe[float64]{{2, dkernAVX2r2, dkernAVX2r2s}, {4, dkernAVX2r4, dkernAVX2r4s}}})
	}
	return ks
}

func asmKernels32() []kernel[float32] {
	var ks []kernel[float32]
	if cpu.X86.HasAVX512F {
		ks = append(ks, kernel[float32]{"avx512", 12, 32, 144, 512, 4096, skernAVX512, skernAVX512s,
			[]fringe[float32]{{4, skernAVX512r4, skernAVX512r4s}, {8, skernAVX512r8, skernAVX512r8s}}})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, kernel[float32]{"avx2", 6, 16, 144, 256, 4080, skernAVX2, skernAVX2s,
			[]fringe[float32]{{2, skernAVX2r2, skernAVX2r2s}, {4, skernAVX2r4, skernAVX2r4s}}})
	}
	return ks
}
