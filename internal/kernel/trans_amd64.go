//go:build amd64

package kernel

import (
	"math"
	"os"

	"golang.org/x/sys/cpu"
)

//go:generate go run transgen.go

var (
	avx2Loops = &transLoops{name: "AVX2+FMA",
		sin64: sinVec64, cos64: cosVec64, log64: logVec64, log1p64: log1pVec64, expm1_64: expm1Vec64,
		tanh64: tanhVec64, sigmoid64: sigmoidVec64, sincos64: sincosVec64,
		sin32: sinVec32, cos32: cosVec32, log32: logVec32, log1p32: log1pVec32, expm1_32: expm1Vec32,
		tanh32: tanhVec32, sigmoid32: sigmoidVec32, sincos32: sincosVec32, exp32: expVec32,
		tan64: tanVec64, atan64: atanVec64, erf64: erfVec64, tan32: tanVec32, atan32: atanVec32, erf32: erfVec32,
		pow64: powVec64, pow32: powVec32}
	avx512Loops = &transLoops{name: "AVX-512",
		sin64: sinVec64Z, cos64: cosVec64Z, log64: logVec64Z, log1p64: log1pVec64Z, expm1_64: expm1Vec64Z,
		tanh64: tanhVec64Z, sigmoid64: sigmoidVec64Z, sincos64: sincosVec64Z,
		sin32: sinVec32Z, cos32: cosVec32Z, log32: logVec32Z, log1p32: log1pVec32Z, expm1_32: expm1Vec32Z,
		tanh32: tanhVec32Z, sigmoid32: sigmoidVec32Z, sincos32: sincosVec32Z, exp32: expVec32Z,
		tan64: tanVec64Z, atan64: atanVec64Z, erf64: erfVec64Z, tan32: tanVec32Z, atan32: atanVec32Z, erf32: erfVec32Z,
		pow64: powVec64Z, pow32: powVec32Z}
)

// haveAVX512 reports whether this CPU runs the AVX-512 loops (AVX512F and
// AVX512DQ; x/sys/cpu also checks that the OS saves the ZMM registers).
var haveAVX512 = haveExpAsm && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ

// transLoopsInUse is decided once, at start-up: the AVX-512 loops where the
// CPU has them and they pass transSelfTest, else the AVX2+FMA ones on the
// same condition, else none. NABLA_KERNEL=avx2 skips the AVX-512 loops.
var transLoopsInUse = func() *transLoops {
	if haveAVX512 && os.Getenv("NABLA_KERNEL") != "avx2" && transSelfTest(avx512Loops) {
		return avx512Loops
	}
	if haveExpAsm && transSelfTest(avx2Loops) {
		return avx2Loops
	}
	return noLoops
}()

// TransKernel names the loops Sin, Cos, Log, Tanh... run: "AVX-512",
// "AVX2+FMA" or "portable".
func TransKernel() string { return loops().name }

// transSelfTest runs every loop of ls (Sin, Cos, Sincos, Tan, Atan, Erf,
// Log, Log1p, Expm1, Tanh, Sigmoid) on a few arguments, among them some each
// loop stops at, and checks the float64 results bit for bit against the Go
// models and the float32 ones against the float64 math functions (1 ulp).
func transSelfTest(ls *transLoops) bool {
	xs := []float64{0, math.Copysign(0, -1), 1e-300, 5e-324, 1e-9, 0.5, 1, -1, 1.5707963267948966, 2, -3,
		3.141592653589793, 10, -100.25, 1000, 12345.678, 3e7, math.NaN(), 1e300, math.Inf(1), math.Inf(-1),
		0.75, 1.25, -0.3, 7, 64, 0.001, 1.4142135, 0.7071, 2.5e-8, 33, 99, -20, -90, -750, 800, 0.2, -0.2, -0.999, -1.5, 1e-17, -1e-17, 88, 89}
	// Block i holds xs[i], xs[i+1], ...: every argument in every lane, next
	// to arguments some loops stop at.
	base := xs
	xs = nil
	for i := range base {
		for j := range transBlock {
			xs = append(xs, base[(i+j)%len(base)])
		}
	}
	n := len(xs)
	s, c, l := make([]float64, n), make([]float64, n), make([]float64, n)
	s2, c2 := make([]float64, n), make([]float64, n)
	sincos64(s, c, xs, ls.sincos64)
	run64(s2, xs, ls.sin64, sin64)
	run64(c2, xs, ls.cos64, cos64)
	run64(l, xs, ls.log64, log64)
	th, sg := make([]float64, n), make([]float64, n)
	run64(th, xs, ls.tanh64, tanh64)
	run64(sg, xs, ls.sigmoid64, sigmoid64)
	l1, em := make([]float64, n), make([]float64, n)
	run64(l1, xs, ls.log1p64, log1p64)
	run64(em, xs, ls.expm1_64, expm1_64)
	tn, at, ef := make([]float64, n), make([]float64, n), make([]float64, n)
	run64(tn, xs, ls.tan64, tan64)
	run64(at, xs, ls.atan64, atan64)
	run64(ef, xs, ls.erf64, erf64)
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b }
	// Pow: x against y = the arguments in reverse order.
	ys := make([]float64, n)
	for i := range xs {
		ys[i] = xs[n-1-i]
	}
	pw := make([]float64, n)
	runBin(pw, xs, ys, ls.pow64, pow64)
	for i, x := range xs {
		if !same(tn[i], tan64(x)) || !same(at[i], atan64(x)) || !same(ef[i], erf64(x)) || !same(pw[i], pow64(x, ys[i])) {
			return false
		}
		if !same(s[i], sin64(x)) || !same(c[i], cos64(x)) || !same(s2[i], s[i]) || !same(c2[i], c[i]) || !same(l[i], log64(x)) ||
			!same(th[i], tanh64(x)) || !same(sg[i], sigmoid64(x)) ||
			!same(l1[i], log1p64(x)) || !same(em[i], expm1_64(x)) {
			return false
		}
	}
	x32 := make([]float32, n)
	for i, x := range xs {
		x32[i] = float32(x)
	}
	s32, c32, l32 := make([]float32, n), make([]float32, n), make([]float32, n)
	sincos32(s32, c32, x32, ls.sincos32)
	run32(l32, x32, ls.log32, log32)
	th32, sg32 := make([]float32, n), make([]float32, n)
	run32(th32, x32, ls.tanh32, tanh32)
	ex32 := make([]float32, n)
	run32(ex32, x32, ls.exp32, exp32)
	run32(sg32, x32, ls.sigmoid32, sigmoid32)
	l132, em32 := make([]float32, n), make([]float32, n)
	run32(l132, x32, ls.log1p32, log1p32)
	run32(em32, x32, ls.expm1_32, expm1_32)
	tn32, at32, ef32 := make([]float32, n), make([]float32, n), make([]float32, n)
	run32(tn32, x32, ls.tan32, tan32)
	run32(at32, x32, ls.atan32, atan32)
	run32(ef32, x32, ls.erf32, erf32)
	y32, pw32 := make([]float32, n), make([]float32, n)
	for i := range x32 {
		y32[i] = x32[n-1-i]
	}
	runBin(pw32, x32, y32, ls.pow32, pow32)
	near := func(a float32, b float64) bool {
		if a != a || b != b || math.IsInf(b, 0) {
			return a != a && b != b || float64(a) == b
		}
		return math.Abs(float64(a)-b) <= float64(ulp32(float32(b)))
	}
	for i, x := range x32 {
		v := float64(x)
		if !near(s32[i], math.Sin(v)) || !near(c32[i], math.Cos(v)) || !near(l32[i], math.Log(v)) ||
			!near(th32[i], math.Tanh(v)) || !near(ex32[i], math.Exp(v)) || !near(sg32[i], 1/(1+math.Exp(-v))) ||
			!near(l132[i], math.Log1p(v)) || !near(em32[i], math.Expm1(v)) ||
			!near(tn32[i], math.Tan(v)) || !near(at32[i], math.Atan(v)) || !near(ef32[i], math.Erf(v)) ||
			!near(pw32[i], math.Pow(v, float64(y32[i]))) {
			return false
		}
	}
	return true
}

// ulp32 is the spacing of the float32 numbers at |v|.
func ulp32(v float32) float32 {
	v = float32(math.Abs(float64(v)))
	if math.IsInf(float64(v), 0) {
		return v
	}
	return math.Nextafter32(v, float32(math.Inf(1))) - v
}
