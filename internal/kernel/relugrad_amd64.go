//go:build amd64

package kernel

import (
	"math"

	"golang.org/x/sys/cpu"
)

// reluGrad32 and reluGrad64 set d[i] = g[i] where y[i] > 0 and g[i]·0
// elsewhere (so that a NaN or infinite g stays NaN), for the first
// len(d)/16·16 (float32) or len(d)/8·8 (float64) elements, on AVX-512
// (relugrad_amd64.s).
//
//go:noescape
func reluGrad32(d, g, y []float32)

//go:noescape
func reluGrad64(d, g, y []float64)

// reluGradAsm reports whether they run: decided once at start-up.
var reluGradAsm = useAsm && cpu.X86.HasAVX512F && reluGradSelfTest()

// reluGradSelfTest reports whether the assembly gives the Go loop's bits on
// signed zeros, NaNs and infinities in both arguments.
func reluGradSelfTest() bool {
	vals := []float64{0, math.Copysign(0, -1), 1, -1, math.NaN(), math.Inf(1), math.Inf(-1), 1e-310, -2.5}
	n := 16 * len(vals)
	g64, y64, d64 := make([]float64, n), make([]float64, n), make([]float64, n)
	g32, y32, d32 := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range g64 {
		g64[i], y64[i] = vals[i%len(vals)], vals[(i/len(vals))%len(vals)]
		g32[i], y32[i] = float32(g64[i]), float32(y64[i])
	}
	reluGrad64(d64, g64, y64)
	reluGrad32(d32, g32, y32)
	for i := range d64 {
		w64, w32 := g64[i]*0, g32[i]*0
		if y64[i] > 0 {
			w64 = g64[i]
		}
		if y32[i] > 0 {
			w32 = g32[i]
		}
		if math.Float64bits(d64[i]) != math.Float64bits(w64) || math.Float32bits(d32[i]) != math.Float32bits(w32) {
			return false
		}
	}
	return true
}
