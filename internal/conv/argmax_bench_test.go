package conv

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkArgmax2x2 pools many different planes of ReLU-like values (half
// zeros), as a network's do: one plane repeated would let the branch
// predictor learn its outcomes.
func BenchmarkArgmax2x2(b *testing.B) {
	for _, name := range []string{"float32", "float64"} {
		b.Run(name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			const planes = 256
			p := Pool{Planes: planes, H: 28, W: 28, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: 14, OW: 14}
			x32, x64 := make([]float32, 784*planes), make([]float64, 784*planes)
			for i := range x64 {
				x64[i] = max(0, r.NormFloat64())
				x32[i] = float32(x64[i])
			}
			idx := make([]int, 196)
			b.SetBytes(784 * planes)
			for i := 0; i < b.N; i++ {
				for q := 0; q < planes; q++ {
					if name == "float32" {
						argmaxes(&p, x32[q*784:(q+1)*784], idx)
					} else {
						argmaxes(&p, x64[q*784:(q+1)*784], idx)
					}
				}
			}
		})
	}
}
