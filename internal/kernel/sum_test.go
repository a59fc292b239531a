package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSumAsm checks that sums through the assembly leaves (sumAsm) give the
// bits of the Go loops, float32 and float64, on lengths around the leaf
// size and its multiples, on long slices, and with ±Inf and NaN among the
// values.
func TestSumAsm(t *testing.T) {
	testSumAsm[float32](t)
	testSumAsm[float64](t)
}

func testSumAsm[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lengths := []int{1025, 1026, 1027, 1028, 1029, 2047, 2048, 2049, 3000, 8191, 8200, 9000, 16 * 1024, 32768, 65536 + 13, 1 << 20, 1_000_003}
	for range 40 {
		lengths = append(lengths, 1025+r.IntN(100_000))
	}
	for j, n := range lengths {
		s := make([]T, n)
		for i := range s {
			s[i] = T(r.NormFloat64() * math.Exp2(float64(r.IntN(60)-30)))
		}
		switch j % 4 {
		case 1:
			s[r.IntN(n)] = T(math.Inf(1))
		case 2:
			s[r.IntN(n)] = T(math.NaN())
		case 3:
			s[r.IntN(n)], s[r.IntN(n)] = T(math.Inf(1)), T(math.Inf(-1))
		}
		saved := useAsm
		useAsm = false
		want := sum(s)
		useAsm = haveAsm
		got := sum(s)
		useAsm = saved
		if math.Float64bits(got) != math.Float64bits(want) && !(got != got && want != want) {
			t.Fatalf("%T n=%d: sum %v (%#x), the Go loop %v (%#x)", s, n, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
}
