package kernel

import (
	"flag"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

var transCPUTime = flag.Bool("trans-cputime", false, "print the thread CPU time per call of Tan, Atan, Erf and Power and of math loops")

// TestTransCPUTime times Tan, Atan, Erf and Power on 10⁶ elements (the
// arguments of BenchmarkTrans) by the CPU time of the calling thread, the
// fastest of 15 calls: on a shared machine, where wall time counts the
// time other processes hold the core, this is the figure to compare. Run
// with -trans-cputime (and GOMAXPROCS=1, so that the work stays on the
// thread).
func TestTransCPUTime(t *testing.T) {
	if !*transCPUTime {
		t.Skip("-trans-cputime not set")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const n = 1_000_000
	r := rand.New(rand.NewPCG(7, 8))
	x64, y64, d64 := make([]float64, n), make([]float64, n), make([]float64, n)
	x32, y32, d32 := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x64 {
		x64[i] = 0.01 + 3*r.Float64()
		x32[i] = float32(x64[i])
	}
	for i := range y64 {
		y64[i] = -3 + 6*r.Float64()
		y32[i] = float32(y64[i])
	}
	now := func() float64 {
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
			t.Fatal(err)
		}
		return float64(ts.Sec) + float64(ts.Nsec)*1e-9
	}
	best := func(f func()) float64 {
		f()
		b := math.Inf(1)
		for range 15 {
			t0 := now()
			f()
			b = min(b, now()-t0)
		}
		return b * 1e3
	}
	loop64 := func(g func(float64) float64) func() {
		return func() {
			for i, v := range x64 {
				d64[i] = g(v)
			}
		}
	}
	loop32 := func(g func(float64) float64) func() {
		return func() {
			for i, v := range x32 {
				d32[i] = float32(g(float64(v)))
			}
		}
	}
	for _, f := range []struct {
		name     string
		v64, v32 func()
		s64, s32 func()
	}{
		{"tan", func() { Tan(d64, x64) }, func() { Tan(d32, x32) }, loop64(math.Tan), loop32(math.Tan)},
		{"atan", func() { Atan(d64, x64) }, func() { Atan(d32, x32) }, loop64(math.Atan), loop32(math.Atan)},
		{"erf", func() { Erf(d64, x64) }, func() { Erf(d32, x32) }, loop64(math.Erf), loop32(math.Erf)},
		{"pow", func() { Power(d64, x64, y64) }, func() { Power(d32, x32, y32) },
			func() {
				for i, v := range x64 {
					d64[i] = math.Pow(v, y64[i])
				}
			},
			func() {
				for i, v := range x32 {
					d32[i] = float32(math.Pow(float64(v), float64(y32[i])))
				}
			}},
	} {
		v64, s64, v32, s32 := best(f.v64), best(f.s64), best(f.v32), best(f.s32)
		t.Logf("%-5s %s: float64 %.2f ms (math loop %.1f ms, %.1f×), float32 %.2f ms (math loop %.1f ms, %.1f×)",
			f.name, TransKernel(), v64, s64, s64/v64, v32, s32, s32/v32)
	}
}
