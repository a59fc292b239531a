package bench

import (
	"fmt"
	"math"
	"testing"

	"github.com/nabla-go/nabla"
)

// matMulInputs returns two n×n matrices with entries uniform in [-1, 1].
func matMulInputs(n int) (a, b *nabla.Tensor) {
	r := nabla.NewRand(uint64(n))
	return nabla.Uniform(r, -1, 1, n, n), nabla.Uniform(r, -1, 1, n, n)
}

func toFloat32(t *nabla.Tensor) *nabla.Tensor {
	return nabla.FromFloat32s(t.Float32s(), t.Shape()...)
}

// TestMatMul checks nabla.MatMul against gonum's Gemm at every size, in
// float64 and float32. Both sum n products per entry, in different orders:
// the tolerance is relative to √n, the size of an entry.
func TestMatMul(t *testing.T) {
	for _, n := range MatMulSizes {
		a, b := matMulInputs(n)
		got := nabla.MatMul(a, b).Float64s()
		want := make([]float64, n*n)
		GonumGemm64(n, a.Float64s(), b.Float64s(), want)
		for i := range got {
			if d := math.Abs(got[i] - want[i]); d > 1e-13*math.Sqrt(float64(n)) {
				t.Fatalf("float64 n=%d: entry %d = %v, gonum %v", n, i, got[i], want[i])
			}
		}

		a32, b32 := toFloat32(a), toFloat32(b)
		got32 := nabla.MatMul(a32, b32).Float32s()
		want32 := make([]float32, n*n)
		GonumGemm32(n, a32.Float32s(), b32.Float32s(), want32)
		for i := range got32 {
			if d := math.Abs(float64(got32[i] - want32[i])); d > 1e-5*math.Sqrt(float64(n)) {
				t.Fatalf("float32 n=%d: entry %d = %v, gonum %v", n, i, got32[i], want32[i])
			}
		}
	}
}

// BenchmarkMatMul times C = A·B for square n×n matrices: nabla.MatMul (its
// own packed kernels, internal/gemm) against gonum's pure-Go Gemm, float64
// and float32. Neither input requires a gradient, so nabla records no graph.
func BenchmarkMatMul(b *testing.B) {
	for _, n := range MatMulSizes {
		x, y := matMulInputs(n)
		x32, y32 := toFloat32(x), toFloat32(y)
		name := fmt.Sprintf("n=%d/", n)
		b.Run(name+"float64/nabla", func(b *testing.B) {
			for b.Loop() {
				nabla.MatMul(x, y)
			}
		})
		b.Run(name+"float64/gonum", func(b *testing.B) {
			xs, ys, c := x.Float64s(), y.Float64s(), make([]float64, n*n)
			for b.Loop() {
				GonumGemm64(n, xs, ys, c)
			}
		})
		b.Run(name+"float32/nabla", func(b *testing.B) {
			for b.Loop() {
				nabla.MatMul(x32, y32)
			}
		})
		b.Run(name+"float32/gonum", func(b *testing.B) {
			xs, ys, c := x32.Float32s(), y32.Float32s(), make([]float32, n*n)
			for b.Loop() {
				GonumGemm32(n, xs, ys, c)
			}
		})
	}
}
