package bench

import (
	"fmt"
	"testing"
)

// TestRematLossesMatch checks that the checkpointed deep MLP trains exactly as
// the plain one, on a small copy.
func TestRematLossesMatch(t *testing.T) {
	plain, ck := NewRematMLP(6, 32, 8, 0), NewRematMLP(6, 32, 8, 2)
	for i := range 3 {
		a, b := plain.Step(), ck.Step()
		if a != b {
			t.Fatalf("step %d: loss %v checkpointed, %v plain", i, b, a)
		}
	}
}

// BenchmarkRematStep is the deep MLP's training step checkpointed every k
// layers (k=0: not checkpointed).
func BenchmarkRematStep(b *testing.B) {
	for _, k := range []int{0, 4, 8} {
		b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
			m := NewRematMLP(RematLayers, RematWidth, RematBatch, k)
			for b.Loop() {
				m.Step()
			}
		})
	}
}
