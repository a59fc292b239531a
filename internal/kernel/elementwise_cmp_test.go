package kernel

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"
)

var elemCompare = flag.Bool("elem-compare", false, "TestElemLoopsCompare: time every AVX-512 loop against its AVX2 one")

// TestElemLoopsCompare times each AVX-512 loop against its AVX2 loop, the
// two alternating many times on the same slices, and prints the least time
// per call of each and their ratio: on a shared machine the minimum over
// alternations is the figure the load disturbs least. Run on one core:
//
//	taskset -c 0 go test -run ElemLoopsCompare -elem-compare -v
func TestElemLoopsCompare(t *testing.T) {
	if !*elemCompare {
		t.Skip("-elem-compare not set")
	}
	if !haveAVX512Elem {
		t.Skip("no AVX-512 loops on this machine")
	}
	var b strings.Builder
	b.WriteString("| loop | n | float64 AVX2 | AVX-512 | AVX2 ÷ AVX-512 | float32 AVX2 | AVX-512 | AVX2 ÷ AVX-512 |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
	ks64, ks32 := elemKernels[float64](), elemKernels[float32]()
	for i := range ks64 {
		for _, n := range []int{1000, 16384, 1 << 16, 1 << 18, 1 << 20, 1 << 22} {
			a2, z2 := compareLoops(ks64[i].run, &avx2Elem.f64, &avx512Elem.f64, n)
			a4, z4 := compareLoops(ks32[i].run, &avx2Elem.f32, &avx512Elem.f32, n)
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %.2f× | %s | %s | %.2f× |\n", ks64[i].name, n,
				time.Duration(a2), time.Duration(z2), a2/z2, time.Duration(a4), time.Duration(z4), a4/z4)
		}
	}
	t.Log("\n" + b.String())
}

// compareLoops returns the least time per call, in ns, of run with the
// loops x and with y, alternating.
func compareLoops[T float32 | float64](run func(l *elemLoops[T], d, a, b []T), x, y *elemLoops[T], n int) (float64, float64) {
	a, b, d := make([]T, n), make([]T, n), make([]T, n)
	for i := range a {
		a[i], b[i] = T(i%7-3), T(i%5+2)
	}
	reps := max(1, 200_000/n)
	samples := 200
	if n > 100_000 {
		samples = 40
	}
	best := [2]float64{1e300, 1e300}
	for range samples {
		for j, l := range []*elemLoops[T]{x, y} {
			start := time.Now()
			for range reps {
				run(l, d, a, b)
			}
			best[j] = min(best[j], float64(time.Since(start).Nanoseconds())/float64(reps))
		}
	}
	return best[0], best[1]
}
