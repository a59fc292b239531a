//go:build amd64

package kernel

import "math"

//go:generate go run transgen.go

// The loops of trans_amd64.s (AVX2 and FMA), made by transgen.go. Each
// sets d[i] = f(x[i]) for i < n, n a multiple of the lanes (4 float64 or 8
// float32), and returns the length done: it stops before the first block
// with an argument it does not handle. d may be x.

//go:noescape
func sinVec64(d, x *float64, n int) int

//go:noescape
func cosVec64(d, x *float64, n int) int

//go:noescape
func sincosVec64(d0, d1, x *float64, n int) int

//go:noescape
func logVec64(d, x *float64, n int) int

//go:noescape
func tanhVec64(d, x *float64, n int) int

//go:noescape
func sigmoidVec64(d, x *float64, n int) int

//go:noescape
func tanhVec32(d, x *float32, n int) int

//go:noescape
func sigmoidVec32(d, x *float32, n int) int

//go:noescape
func log1pVec64(d, x *float64, n int) int

//go:noescape
func expm1Vec64(d, x *float64, n int) int

//go:noescape
func log1pVec32(d, x *float32, n int) int

//go:noescape
func expm1Vec32(d, x *float32, n int) int

//go:noescape
func sinVec32(d, x *float32, n int) int

//go:noescape
func cosVec32(d, x *float32, n int) int

//go:noescape
func sincosVec32(d0, d1, x *float32, n int) int

//go:noescape
func logVec32(d, x *float32, n int) int

// transAsmOK is decided once, at start-up: the CPU has AVX2 and FMA, and the
// loops pass transSelfTest.
var transAsmOK = haveExpAsm && transSelfTest()

// useTransAsm reports whether Sin, Cos, Sincos and Log run their assembly
// loops (not with NABLA_KERNEL=portable).
func useTransAsm() bool { return useAsm && transAsmOK }

// transSelfTest runs every loop (Sin, Cos, Sincos, Log, Log1p, Expm1, Tanh, Sigmoid) on a few arguments, among them some each
// loop stops at, and checks the float64 results bit for bit against the Go
// models and the float32 ones against the float64 math functions (1 ulp).
func transSelfTest() bool {
	xs := []float64{0, math.Copysign(0, -1), 1e-300, 5e-324, 1e-9, 0.5, 1, -1, 1.5707963267948966, 2, -3,
		3.141592653589793, 10, -100.25, 1000, 12345.678, 3e7, math.NaN(), 1e300, math.Inf(1), math.Inf(-1),
		0.75, 1.25, -0.3, 7, 64, 0.001, 1.4142135, 0.7071, 2.5e-8, 33, 99, -20, -90, -750, 800, 0.2, -0.2, -0.999, -1.5, 1e-17, -1e-17, 88, 89}
	n := len(xs)
	s, c, l := make([]float64, n), make([]float64, n), make([]float64, n)
	s2, c2 := make([]float64, n), make([]float64, n)
	sincos64(s, c, xs, true)
	run64(s2, xs, sinVec64, sin64)
	run64(c2, xs, cosVec64, cos64)
	run64(l, xs, logVec64, log64)
	th, sg := make([]float64, n), make([]float64, n)
	run64(th, xs, tanhVec64, tanh64)
	run64(sg, xs, sigmoidVec64, sigmoid64)
	l1, em := make([]float64, n), make([]float64, n)
	run64(l1, xs, log1pVec64, log1p64)
	run64(em, xs, expm1Vec64, expm1_64)
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b }
	for i, x := range xs {
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
	sincos32(s32, c32, x32, true)
	run32(l32, x32, logVec32, log32)
	th32, sg32 := make([]float32, n), make([]float32, n)
	run32(th32, x32, tanhVec32, tanh32)
	run32(sg32, x32, sigmoidVec32, sigmoid32)
	l132, em32 := make([]float32, n), make([]float32, n)
	run32(l132, x32, log1pVec32, log1p32)
	run32(em32, x32, expm1Vec32, expm1_32)
	near := func(a float32, b float64) bool {
		if a != a || b != b || math.IsInf(b, 0) {
			return a != a && b != b || float64(a) == b
		}
		return math.Abs(float64(a)-b) <= float64(ulp32(float32(b)))
	}
	for i, x := range x32 {
		v := float64(x)
		if !near(s32[i], math.Sin(v)) || !near(c32[i], math.Cos(v)) || !near(l32[i], math.Log(v)) ||
			!near(th32[i], math.Tanh(v)) || !near(sg32[i], 1/(1+math.Exp(-v))) ||
			!near(l132[i], math.Log1p(v)) || !near(em32[i], math.Expm1(v)) {
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
