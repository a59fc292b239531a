package gemm

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// impl64 and impl32 are the implementations a benchmark compares: this
// package's kernels, gonum's pure-Go BLAS and, with the openblas tag, OpenBLAS.
type impl64 struct {
	name string
	gemm func(tA, tB bool, m, n, k int, a, b, c []float64)
}

type impl32 struct {
	name string
	gemm func(tA, tB bool, m, n, k int, a, b, c []float32)
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// ld returns the leading dimension of an r×c matrix stored transposed or not.
func ld(trans bool, r, c int) int {
	if trans {
		return r
	}
	return c
}

var impls64 = []impl64{
	{"nabla", func(tA, tB bool, m, n, k int, a, b, c []float64) {
		Dgemm(tA, tB, m, n, k, 1, a, ld(tA, m, k), b, ld(tB, k, n), 0, c, n)
	}},
	{"gonum", func(tA, tB bool, m, n, k int, a, b, c []float64) {
		gonum.Implementation{}.Dgemm(trans(tA), trans(tB), m, n, k, 1, a, ld(tA, m, k), b, ld(tB, k, n), 0, c, n)
	}},
}

var impls32 = []impl32{
	{"nabla", func(tA, tB bool, m, n, k int, a, b, c []float32) {
		Sgemm(tA, tB, m, n, k, 1, a, ld(tA, m, k), b, ld(tB, k, n), 0, c, n)
	}},
	{"gonum", func(tA, tB bool, m, n, k int, a, b, c []float32) {
		gonum.Implementation{}.Sgemm(trans(tA), trans(tB), m, n, k, 1, a, ld(tA, m, k), b, ld(tB, k, n), 0, c, n)
	}},
}

type benchShape struct {
	name           string
	m, n, k        int
	transA, transB bool
}

// benchShapes are the square sizes and the products of an MLP layer with a
// batch of 128, 784 inputs and 256 outputs: forward X·W, and backward Gᵀ-style
// products dX = G·Wᵀ and dW = Xᵀ·G.
func benchShapes() []benchShape {
	var out []benchShape
	for _, n := range []int{16, 32, 64, 128, 256, 512, 1024} {
		out = append(out, benchShape{name: fmt.Sprintf("n=%d", n), m: n, n: n, k: n})
	}
	return append(out,
		benchShape{name: "mlp=128x784x256", m: 128, n: 256, k: 784},
		benchShape{name: "mlp-dX=128x256x784T", m: 128, n: 784, k: 256, transB: true},
		benchShape{name: "mlp-dW=784T128x256", m: 784, n: 256, k: 128, transA: true},
	)
}

func BenchmarkGemm(b *testing.B) {
	for _, s := range benchShapes() {
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		for _, im := range impls64 {
			a, bb, c := make([]float64, s.m*s.k), make([]float64, s.k*s.n), make([]float64, s.m*s.n)
			for i := range a {
				a[i] = float64(i%7) - 3
			}
			for i := range bb {
				bb[i] = float64(i%5) - 2
			}
			b.Run("f64/"+s.name+"/"+im.name, func(b *testing.B) {
				for b.Loop() {
					im.gemm(s.transA, s.transB, s.m, s.n, s.k, a, bb, c)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
			})
		}
		for _, im := range impls32 {
			a, bb, c := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
			for i := range a {
				a[i] = float32(i%7) - 3
			}
			for i := range bb {
				bb[i] = float32(i%5) - 2
			}
			b.Run("f32/"+s.name+"/"+im.name, func(b *testing.B) {
				for b.Loop() {
					im.gemm(s.transA, s.transB, s.m, s.n, s.k, a, bb, c)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
			})
		}
	}
}

// BenchmarkPack times the two transposing packs at the sizes of an MLP
// layer, in Go (packs=go) and at the level chosen at start-up (packs=asm):
// the 784×256 transposed weight as B (X·Wᵀ, one kc block of steps at a time
// as serial packs it) and a 128×256 block of A, not transposed, scaled by
// alpha.
func BenchmarkPack(b *testing.B) {
	for _, packs := range []string{"go", "asm"} {
		level := packLevel64
		if packs == "go" {
			level = packGo
		}
		withPackLevel(level, func() {
			benchPack(b, "f64/packs="+packs, k64)
			benchPack(b, "f32/packs="+packs, k32)
		})
	}
}

func benchPack[T float32 | float64](b *testing.B, name string, kr *kernel[T]) {
	const n, k = 256, 784
	src := make([]T, n*k)
	for i := range src {
		src[i] = T(i%7) - 3
	}
	b.Run(name+"/B=784x256T", func(b *testing.B) {
		dst := make([]T, roundUp(n, kr.nr)*kr.kc)
		for b.Loop() {
			for pc := 0; pc < k; pc += kr.kc {
				kc := min(kr.kc, k-pc)
				packB(true, src, k, pc, 0, kc, n, kr.nr, dst)
			}
		}
	})
	b.Run(name+"/A=128x256", func(b *testing.B) {
		const m, k = 128, 256
		dst := make([]T, roundUp(m, kr.mr)*k)
		for b.Loop() {
			packA(false, src, k, 0, 0, m, k, kr.mr, 0.5, dst)
		}
	})
}

// BenchmarkPackLevel times Linear-layer products, X·Wᵀ, with the
// transposing packs in Go (packs=go) and at the level chosen at start-up
// (packs=asm): the 784→256 layer of the Fashion-MNIST MLP at batch 128, and
// the two layers of a 64-256-10 MLP at batches 16 and 128.
func BenchmarkPackLevel(b *testing.B) {
	shapes := []benchShape{
		{name: "XWt=128x784x256", m: 128, n: 256, k: 784, transB: true},
		{name: "XWt=16x64x256", m: 16, n: 256, k: 64, transB: true},
		{name: "XWt=16x256x10", m: 16, n: 10, k: 256, transB: true},
		{name: "XWt=128x64x256", m: 128, n: 256, k: 64, transB: true},
		{name: "XWt=128x256x10", m: 128, n: 10, k: 256, transB: true},
	}
	for _, s := range shapes {
		a, bb, c := make([]float64, s.m*s.k), make([]float64, s.k*s.n), make([]float64, s.m*s.n)
		for i := range a {
			a[i] = float64(i%7) - 3
		}
		for i := range bb {
			bb[i] = float64(i%5) - 2
		}
		for _, packs := range []string{"go", "asm"} {
			b.Run("f64/"+s.name+"/packs="+packs, func(b *testing.B) {
				level := packLevel64
				if packs == "go" {
					level = packGo
				}
				withPackLevel(level, func() {
					for b.Loop() {
						Dgemm(false, true, s.m, s.n, s.k, 1, a, s.k, bb, s.k, 0, c, s.n)
					}
				})
			})
		}
	}
}
