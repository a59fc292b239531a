package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSumAsm32 checks that float32 sums through the assembly leaves
// (sumAsm32) give the bits of the Go loops, on lengths around the leaf size
// and its multiples, on long slices, and with ±Inf and NaN among the values.
func TestSumAsm32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lengths := []int{1025, 1026, 1027, 1028, 1029, 2047, 2048, 2049, 3000, 8191, 8200, 9000, 16 * 1024, 32768, 65536 + 13, 1 << 20, 1_000_003}
	for range 40 {
		lengths = append(lengths, 1025+r.IntN(100_000))
	}
	for j, n := range lengths {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(r.NormFloat64() * math.Exp2(float64(r.IntN(60)-30)))
		}
		switch j % 4 {
		case 1:
			s[r.IntN(n)] = float32(math.Inf(1))
		case 2:
			s[r.IntN(n)] = float32(math.NaN())
		case 3:
			s[r.IntN(n)], s[r.IntN(n)] = float32(math.Inf(1)), float32(math.Inf(-1))
		}
		saved := useAsm
		useAsm = false
		want := sum(s)
		useAsm = haveAsm
		got := sum(s)
		useAsm = saved
		if math.Float64bits(got) != math.Float64bits(want) && !(got != got && want != want) {
			t.Fatalf("n=%d: sum %v (%#x), the Go loop %v (%#x)", n, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
}
