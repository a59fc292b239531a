package bench

import (
	"fmt"
	"math"
	"testing"
)

// Jet and nested reverse mode give the same coefficients.
func TestTaylorJetMatchesNested(t *testing.T) {
	x, v := TaylorPoint()
	for _, k := range []int{2, 4, 6, 8} {
		a, b := TaylorJet(TaylorExpr, x, v, k), TaylorNested(TaylorExpr, x, v, k)
		for j := range a {
			if d := math.Abs(a[j] - b[j]); d > 1e-11*math.Max(1, math.Abs(b[j])) {
				t.Errorf("order %d, c%d: Jet %v, nested %v", k, j, a[j], b[j])
			}
		}
	}
}

// BenchmarkJet: Taylor coefficients of a 21-op expression by Jet against
// nested reverse mode, by order.
func BenchmarkJet(b *testing.B) {
	x, v := TaylorPoint()
	for _, k := range []int{2, 4, 6, 8} {
		b.Run(fmt.Sprintf("order=%d/jet", k), func(b *testing.B) {
			for b.Loop() {
				TaylorJet(TaylorExpr, x, v, k)
			}
		})
		b.Run(fmt.Sprintf("order=%d/nested", k), func(b *testing.B) {
			for b.Loop() {
				TaylorNested(TaylorExpr, x, v, k)
			}
		})
	}
}
