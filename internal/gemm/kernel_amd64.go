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

func asmKernels64() []kernel[float64] {
	var ks []kernel[float64]
	if cpu.X86.HasAVX512F {
		ks = append(ks, kernel[float64]{"avx512", 12, 16, 144, 256, 4080, dkernAVX512,
			[]fringe[float64]{{4, dkernAVX512r4}, {8, dkernAVX512r8}}})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, kernel[float64]{"avx2", 6, 8, 144, 256, 4080, dkernAVX2,
			[]fringe[float64]{{2, dkernAVX2r2}, {4, dkernAVX2r4}}})
	}
	return ks
}

func asmKernels32() []kernel[float32] {
	var ks []kernel[float32]
	if cpu.X86.HasAVX512F {
		ks = append(ks, kernel[float32]{"avx512", 12, 32, 144, 512, 4096, skernAVX512,
			[]fringe[float32]{{4, skernAVX512r4}, {8, skernAVX512r8}}})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, kernel[float32]{"avx2", 6, 16, 144, 256, 4080, skernAVX2,
			[]fringe[float32]{{2, skernAVX2r2}, {4, skernAVX2r4}}})
	}
	return ks
}
