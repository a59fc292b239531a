//go:build amd64

package kernel

import "golang.org/x/sys/cpu"

// The AVX-512 loops under batch normalisation in float32
// (batchnorm_amd64.s). Each handles the first len(x)/16·16 elements, lane l
// of acc (and acc[16+l]) taking the elements whose index is l mod 16, and
// leaves the rest to the caller, so that their bits are those of the Go
// loops in batchnorm.go.

// bnSums32 adds x[i] − k to acc[i mod 16] and (x[i] − k)² to acc[16 + i mod
// 16], in float64.
//
//go:noescape
func bnSums32(x []float32, k float32, acc *[32]float64)

// bnGradSums32 adds g[i] to acc[i mod 16] and g[i]·(x[i] − mu) to
// acc[16 + i mod 16], in float64.
//
//go:noescape
func bnGradSums32(g, x []float32, mu float64, acc *[32]float64)

// bnGradX32 sets out[i] = (a·g[i] + b·x[i]) + d, each operation rounded.
//
//go:noescape
func bnGradX32(out, g, x []float32, a, b, d float32)

// bnAsm reports whether the loops above run: AVX-512 and their start-up
// check against the Go loops, decided once; NABLA_KERNEL=portable turns
// them off with the other assembly loops.
var bnAsm = useAsm && cpu.X86.HasAVX512F && bnSelfTest()
