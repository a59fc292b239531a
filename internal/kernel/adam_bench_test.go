package kernel

import (
	"fmt"
	"math/rand"
	"testing"
)

// BenchmarkAdamUpdate times one AdamW step (no AMSGrad) on the parameter
// counts of the digits MLP (19,210) and the Fashion-MNIST MLP (203,530):
// "go" is the scalar loop adamGo, "kernel" is Adam with the loops in use
// (AdamKernel). It reports ns per parameter.
func BenchmarkAdamUpdate(b *testing.B) {
	for _, n := range []int{19210, 203530} {
		benchAdam[float64](b, n)
		benchAdam[float32](b, n)
	}
}

func benchAdam[T Float](b *testing.B, n int) {
	rng := rand.New(rand.NewSource(1))
	var s [4][]T
	for j := range s {
		s[j] = make([]T, n)
		for i := range s[j] {
			s[j][i] = T(rng.Float64())
		}
	}
	c := &AdamStep[T]{W1: 0.1, B2: 0.999, W2: 0.001, Eps: 1e-8, BC2Sqrt: 0.05, NegStep: -1e-3, Decay: 1 - 1e-5, Decoupled: true}
	for _, k := range []struct {
		name string
		f    func(p, g, m, v, vmax []T, c *AdamStep[T])
	}{{"go", adamGo[T]}, {"kernel", Adam[T]}} {
		b.Run(fmt.Sprintf("%T/%d/%s", s[0][0], n, k.name), func(b *testing.B) {
			for range b.N {
				k.f(s[0], s[1], s[2], s[3], nil, c)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/param")
		})
	}
}
