package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBatchNormFloat32Lanes checks the float32 batch-norm loops (AVX-512
// where the CPU has it) against their definition with 16 lanes, bit for
// bit, on ragged plane sizes, and the float64 results to rounding.
func TestBatchNormFloat32Lanes(t *testing.T) {
	t.Logf("assembly: %v", bnAsm)
	r := rand.New(rand.NewPCG(1, 2))
	for it := 0; it < 60; it++ {
		n, c, s := 1+r.IntN(4), 1+r.IntN(5), 1+r.IntN(100)
		x, g, out := make([]float32, n*c*s), make([]float32, n*c*s), make([]float32, n*c*s)
		for i := range x {
			x[i], g[i] = float32(3+r.NormFloat64()), float32(r.NormFloat64())
		}
		mean, variance := make([]float64, c), make([]float64, c)
		ChannelStats(x, n, c, s, mean, variance)
		invstd, w := make([]float64, c), make([]float64, c)
		for j := range invstd {
			invstd[j], w[j] = 1/math.Sqrt(variance[j]+1e-5), 0.5+float64(j)
		}
		sumG, sumGX := make([]float64, c), make([]float64, c)
		BatchNormGradSums(g, x, n, c, s, mean, invstd, sumG, sumGX)
		BatchNormGradX(out, g, x, n, c, s, mean, invstd, w, sumG, sumGX)
		m := float64(n * s)
		for j := 0; j < c; j++ {
			k := x[j*s]
			var a, b [32]float64
			for i := 0; i < n; i++ {
				for q := 0; q < s; q++ {
					v := x[(i*c+j)*s+q]
					d := float64(v) - float64(k)
					a[q%16] += d
					a[16+q%16] += float64(d * d)
					gv := g[(i*c+j)*s+q]
					b[q%16] += float64(gv)
					b[16+q%16] += float64(float64(gv) * (float64(v) - mean[j]))
				}
			}
			s1, s2 := lanesTotal(a[:16]), lanesTotal(a[16:])
			d := s1 / m
			if mean[j] != float64(k)+d || variance[j] != max(s2/m-d*d, 0) {
				t.Fatalf("n=%d c=%d s=%d channel %d: mean, variance %v, %v; want %v, %v", n, c, s, j, mean[j], variance[j], float64(k)+d, max(s2/m-d*d, 0))
			}
			if sumG[j] != lanesTotal(b[:16]) || sumGX[j] != lanesTotal(b[16:])*invstd[j] {
				t.Fatalf("n=%d c=%d s=%d channel %d: gradient sums differ", n, c, s, j)
			}
			// the float64 statistics of the same values, to rounding
			var mu, vr float64
			for i := 0; i < n; i++ {
				for q := 0; q < s; q++ {
					mu += float64(x[(i*c+j)*s+q])
				}
			}
			mu /= m
			for i := 0; i < n; i++ {
				for q := 0; q < s; q++ {
					e := float64(x[(i*c+j)*s+q]) - mu
					vr += e * e
				}
			}
			vr /= m
			if math.Abs(mean[j]-mu) > 1e-12*math.Abs(mu)+1e-14 || math.Abs(variance[j]-vr) > 1e-10*vr+1e-14 {
				t.Fatalf("channel %d: mean %v variance %v, two-pass float64 %v %v", j, mean[j], variance[j], mu, vr)
			}
			kk := w[j] * invstd[j]
			a32 := float32(kk)
			bb := -kk * invstd[j] * sumGX[j] / m
			d32 := float32(-kk*sumG[j]/m - bb*mean[j])
			for i := 0; i < n; i++ {
				for q := 0; q < s; q++ {
					e := (i*c+j)*s + q
					if want := float32(a32*g[e]) + float32(float32(bb)*x[e]) + d32; out[e] != want {
						t.Fatalf("n=%d c=%d s=%d: gx[%d] = %v, want %v", n, c, s, e, out[e], want)
					}
				}
			}
		}
	}
}
