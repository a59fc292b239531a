//go:build amd64

package kernel

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"
)

// elemCompareSizes are the lengths TestElemLoopsCompare times the
// elementwise loops at: in L1, in L2, in L3 and beyond.
var elemCompareSizes = []int{1000, 16384, 1 << 16, 1 << 18, 1 << 20, 1 << 22}

var elemCompare = flag.Bool("elem-compare", false, "TestElemLoopsCompare: time every AVX-512 loop (and Exp's) against its AVX2 one")

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
		for _, n := range elemCompareSizes {
			a2, z2 := compareLoops(ks64[i].run, &avx2Elem.f64, &avx512Elem.f64, n)
			a4, z4 := compareLoops(ks32[i].run, &avx2Elem.f32, &avx512Elem.f32, n)
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %.2f× | %s | %s | %.2f× |\n", ks64[i].name, n,
				time.Duration(a2), time.Duration(z2), a2/z2, time.Duration(a4), time.Duration(z4), a4/z4)
		}
	}
	// Exp: bound by arithmetic, so both sizes in and out of cache.
	for _, n := range []int{1000, 16384, 1 << 18, 1 << 19, 1 << 20, 1 << 21} {
		x64, d64 := make([]float64, n), make([]float64, n)
		x32, d32 := make([]float32, n), make([]float32, n)
		for i := range x64 {
			x64[i] = -20 + 40*float64(i)/float64(n)
			x32[i] = float32(x64[i])
		}
		t2 := alternate(n, func() { expVec64(&d64[0], &x64[0], n) }, func() { expVec64Z(&d64[0], &x64[0], n) })
		// The float32 loops of trans_amd64.s take multiples of their lanes.
		n32 := n &^ (transBlock - 1)
		t4 := alternate(n, func() { expVec32(&d32[0], &x32[0], n32) }, func() { expVec32Z(&d32[0], &x32[0], n32) })
		fmt.Fprintf(&b, "| exp | %d | %s | %s | %.2f× | %s | %s | %.2f× |\n", n,
			time.Duration(t2[0]), time.Duration(t2[1]), t2[0]/t2[1], time.Duration(t4[0]), time.Duration(t4[1]), t4[0]/t4[1])
	}
	t.Log("\n" + b.String())
}

// alternate returns the least time per call, in ns, of each of fs, called
// in turn many times on slices of n elements.
func alternate(n int, fs ...func()) []float64 {
	reps := max(1, 200_000/n)
	samples := 200
	if n > 100_000 {
		samples = 40
	}
	best := make([]float64, len(fs))
	for i := range best {
		best[i] = 1e300
	}
	for range samples {
		for j, f := range fs {
			start := time.Now()
			for range reps {
				f()
			}
			best[j] = min(best[j], float64(time.Since(start).Nanoseconds())/float64(reps))
		}
	}
	return best
}

// compareLoops returns the least time per call, in ns, of run with the
// loops x and with y, alternating.
func compareLoops[T float32 | float64](run func(l *elemLoops[T], d, a, b []T), x, y *elemLoops[T], n int) (float64, float64) {
	a, b, d := make([]T, n), make([]T, n), make([]T, n)
	for i := range a {
		a[i], b[i] = T(i%7-3), T(i%5+2)
	}
	t := alternate(n, func() { run(x, d, a, b) }, func() { run(y, d, a, b) })
	return t[0], t[1]
}
