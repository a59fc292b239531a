package kernel

import (
	"math"
	"runtime"
	"slices"

	"golang.org/x/sys/cpu"
)

// Exp sets dst[i] = e^src[i].
//
// float64 is computed by one algorithm, the same operations in the same
// order in the assembly loop (expVec64, AVX2 and FMA, four lanes, or
// AVX-512, eight) and in the Go loop (exp64), so the two give bit-identical
// results (but see fmaFast). The error is below 0.7 ulp of the exact e^x
// (measured: 0.63 ulp; 0.76 ulp for subnormal results, rounded twice); see
// exp64 for the method.
//
// float32 is computed in float32 by the loops of trans_amd64.s (expVec32,
// transgen.go's expProg: sixteen lanes with AVX-512, eight with AVX2 and
// FMA), within 1 ulp of the exact value (all 2^32 inputs checked, TestExp32
// -exhaustive); the elements the loops leave (a tail shorter than their
// block, or all of them without the loops) are computed as float64 by exp64
// and rounded once, which is correctly rounded for every float32 input.
func Exp[T Float](dst, src []T) {
	if !Big(len(dst), 4) {
		expRange(dst, src)
		return
	}
	Parallel(len(dst), 4, func(lo, hi int) { expRange(dst[lo:hi], src[lo:hi]) })
}

// expRange is Exp on one core.
func expRange[T Float](d, s []T) {
	s = s[:len(d)]
	if d, ok := any(d).([]float32); ok {
		run32(d, any(s).([]float32), loops().exp32, exp32)
		return
	}
	d64, s64 := any(d).([]float64), any(s).([]float64)
	if useAsm && len(d64) >= asmMin {
		if n := expAsm(d64, s64); n > 0 {
			d64, s64 = d64[n:], s64[n:]
		}
	}
	expGo(d64, s64)
}

// exp32 is e^x for one float32: exp64 (math.Exp without fast FMA) rounded
// once.
func exp32(x float32) float32 {
	if !fmaFast {
		return float32(math.Exp(float64(x)))
	}
	return float32(exp64(float64(x)))
}

// expGo is the portable loop: exp64 where math.FMA is an instruction, else
// math.Exp (see fmaFast).
func expGo[T Float](d, s []T) {
	s = s[:len(d)]
	if !fmaFast {
		for i, v := range s {
			d[i] = T(math.Exp(float64(v)))
		}
		return
	}
	if d, ok := any(d).([]float64); ok {
		for i, v := range any(s).([]float64) {
			d[i] = exp64(v)
		}
		return
	}
	// float32 in blocks, widened into a buffer first: in a loop of
	// d[i] = float32(exp64(float64(s[i]))) the widening's CVTSS2SD, which
	// writes half of the register holding the previous result, would chain
	// each exp64 to the one before and run them one at a time.
	var buf [256]float64
	for len(s) > 0 {
		b := buf[:min(len(s), len(buf))]
		for i := range b {
			b[i] = float64(s[i])
		}
		for i, v := range b {
			b[i] = exp64(v)
		}
		for i, v := range b {
			d[i] = T(v)
		}
		d, s = d[len(b):], s[len(b):]
	}
}

// fmaFast reports whether math.FMA compiles to an instruction here. Where it
// does not (amd64 CPUs without FMA, 386, wasm, ...), math.FMA is emulated in
// software and exp64, with its 15 fused multiply-adds, would be tens of times
// slower than math.Exp; Exp then falls back on math.Exp, as nabla did before
// it had Exp (with math.Exp's accuracy: up to about 2 ulp on amd64).
var fmaFast = cpu.X86.HasFMA || cpu.ARM.HasVFPv4 || slices.Contains([]string{"arm64", "loong64", "ppc64", "ppc64le", "riscv64", "s390x"}, runtime.GOARCH)

// The constants of exp64.
const (
	expLog2e = 1.4426950408889634 // 1/ln 2
	// expShift added to a float64 of magnitude below 2^51 leaves its value
	// rounded to an integer, in round-to-nearest-even, with the integer's
	// two's complement in the low bits of the representation.
	expShift = 0x1.8p52
	// ln 2 = expLn2Hi + expLn2Lo, with expLn2Hi on 32 bits so that k·expLn2Hi
	// is exact for |k| < 2^21 (the split of fdlibm and of Go's exp.go).
	expLn2Hi = 6.93147180369123816490e-01
	expLn2Lo = 1.90821492927058770002e-10
	// The input is clamped to [expMin, expMax]: e^expMin rounds to 0 and
	// e^expMax overflows, so the clamp changes no result and keeps k in
	// [-1076, 1024].
	expMin = -746.0
	expMax = 710.0
)

// expC2..expC13 are 1/n!, the Taylor coefficients of (e^r - 1 - r)/r²:
// expCn is the coefficient of r^(n-2).
const (
	expC2  = 1.0 / 2
	expC3  = 1.0 / 6
	expC4  = 1.0 / 24
	expC5  = 1.0 / 120
	expC6  = 1.0 / 720
	expC7  = 1.0 / 5040
	expC8  = 1.0 / 40320
	expC9  = 1.0 / 362880
	expC10 = 1.0 / 3628800
	expC11 = 1.0 / 39916800
	expC12 = 1.0 / 479001600
	expC13 = 1.0 / 6227020800
)

// exp64 is e^x, the scalar model of the assembly loop, operation for
// operation (math.FMA where the assembly has a fused multiply-add, explicit
// conversions elsewhere so that the compiler fuses nothing):
//
//  1. k = round(x/ln 2), r + rlo = x - k·ln 2 (Cody–Waite with the two-part
//     ln 2, rlo the rounding error of r), so |r| ≤ ln2/2 + ε.
//  2. e^(r+rlo) ≈ 1 + r + (r²·P(r) + rlo·(1+r)), P the Taylor polynomial of
//     degree 11 above (so degree 13 in r; its truncation error is below
//     2^-57 relative), with 1 + r split exactly into a sum hi + lo so that the
//     only rounding of consequence is the last addition.
//  3. Multiply by 2^k in two steps, 2^(k>>1) (exact) then 2^(k-(k>>1)), so
//     that neither factor leaves the normal range, for k = 1024 as for
//     subnormal results, which are then rounded once more, from 53 bits.
//     (The float64 AVX-512 loop multiplies by 2^k with one VSCALEFPD: the
//     same product, rounded once, so the same bits.)
//
// NaN is returned unchanged (as math.Exp returns it), ±Inf and large |x| are
// covered by the clamp.
func exp64(x float64) float64 {
	if x != x {
		return x
	}
	x = max(x, expMin) // no -0/+0 issue: the bounds are not zero
	x = min(x, expMax)
	t := math.FMA(x, expLog2e, expShift)
	kf := t - expShift
	hi := math.FMA(-kf, expLn2Hi, x) // exact
	r := math.FMA(-kf, expLn2Lo, hi)
	rlo := math.FMA(-kf, expLn2Lo, hi-r)
	c := math.FMA(r, rlo, rlo) // rlo·(1+r)
	p := math.FMA(expC13, r, expC12)
	p = math.FMA(p, r, expC11)
	p = math.FMA(p, r, expC10)
	p = math.FMA(p, r, expC9)
	p = math.FMA(p, r, expC8)
	p = math.FMA(p, r, expC7)
	p = math.FMA(p, r, expC6)
	p = math.FMA(p, r, expC5)
	p = math.FMA(p, r, expC4)
	p = math.FMA(p, r, expC3)
	p = math.FMA(p, r, expC2)
	r2 := float64(r * r)
	q := math.FMA(r2, p, c)
	h := 1 + r
	l := r - (h - 1) // exact: 1 + r = h + l
	m := h + (l + q)
	// The low bits of t hold k: e = k + 2046, and e1 and e2 are the biased
	// exponents of 2^(k>>1) and 2^(k-(k>>1)), both in [485, 1535].
	e := math.Float64bits(t) - (math.Float64bits(expShift) - 2046)
	e1 := e >> 1
	e2 := e - e1
	return float64(m*math.Float64frombits(e1<<52)) * math.Float64frombits(e2<<52)
}

// Softplus sets dst[i] = log(1 + e^src[i]) in float64, in the form that
// cannot overflow: max(x, 0) + log1p(e^-|x|), with e^-|x| from Exp's loops.
func Softplus[T Float](dst, src []T) {
	if !Big(len(dst), 8) {
		softplusRange(dst, src)
		return
	}
	Parallel(len(dst), 8, func(lo, hi int) { softplusRange(dst[lo:hi], src[lo:hi]) })
}

func softplusRange[T Float](d, s []T) {
	s = s[:len(d)]
	var buf [256]float64
	for len(s) > 0 {
		e := buf[:min(len(s), len(buf))]
		for i, v := range s[:len(e)] {
			e[i] = -math.Abs(float64(v))
		}
		expRange(e, e)
		for i, v := range s[:len(e)] {
			d[i] = T(max(float64(v), 0) + math.Log1p(e[i]))
		}
		d, s = d[len(e):], s[len(e):]
	}
}
