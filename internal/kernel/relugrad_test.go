package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestReluGradBits checks ReluGrad (AVX-512 where the CPU has it) against
// its definition, g where y > 0 and g·0 elsewhere, bit for bit, on ragged
// lengths with signed zeros, NaNs and infinities.
func TestReluGradBits(t *testing.T) {
	t.Logf("assembly: %v", reluGradAsm)
	r := rand.New(rand.NewPCG(3, 4))
	vals := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e-310}
	pick := func() float64 {
		if r.IntN(3) == 0 {
			return vals[r.IntN(len(vals))]
		}
		return r.NormFloat64()
	}
	for it := 0; it < 200; it++ {
		n := r.IntN(100)
		g, y, d := make([]float64, n), make([]float64, n), make([]float64, n)
		g32, y32, d32 := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range g {
			g[i], y[i] = pick(), pick()
			g32[i], y32[i] = float32(g[i]), float32(y[i])
		}
		ReluGrad(d, g, y)
		ReluGrad(d32, g32, y32)
		for i := range d {
			w, w32 := g[i]*0, g32[i]*0
			if y[i] > 0 {
				w = g[i]
			}
			if y32[i] > 0 {
				w32 = g32[i]
			}
			if math.Float64bits(d[i]) != math.Float64bits(w) || math.Float32bits(d32[i]) != math.Float32bits(w32) {
				t.Fatalf("n=%d i=%d: g=%v y=%v gives %v / %v", n, i, g[i], y[i], d[i], d32[i])
			}
		}
	}
}
