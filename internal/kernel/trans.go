package kernel

import "math"

// This file holds the vectorised Sin, Cos, Sincos and Log: the dispatch
// between the assembly loops of trans_amd64.s and the scalar code, and that
// scalar code. The loops and their float64 Go models (trans_model.go) are
// written by transgen.go from one description of each function.

// Sin sets dst[i] = sin(src[i]). See the package doc for the accuracy.
func Sin[T Float](dst, src []T) { transMap(dst, src, sinVec64, sinVec32, sin64, sin32) }

// Cos sets dst[i] = cos(src[i]).
func Cos[T Float](dst, src []T) { transMap(dst, src, cosVec64, cosVec32, cos64, cos32) }

// Log sets dst[i] = ln(src[i]).
func Log[T Float](dst, src []T) { transMap(dst, src, logVec64, logVec32, log64, log32) }

// Sincos sets s[i], c[i] = sin(x[i]), cos(x[i]) in one pass, with the
// results of Sin and Cos.
func Sincos[T Float](s, c, x []T) {
	if !Big(len(x), 4) {
		sincosRange(s, c, x)
		return
	}
	Parallel(len(x), 4, func(lo, hi int) { sincosRange(s[lo:hi], c[lo:hi], x[lo:hi]) })
}

// The scalar functions: the Go model of the loop where it applies and
// math.FMA is an instruction, the math package elsewhere; float32 through
// the float64 math function, rounded once (within 0.5 ulp + 2^-29 ulp of
// the exact value).
func sin64(x float64) float64 {
	if fmaFast {
		if v, ok := sinModel(x); ok {
			return v
		}
	}
	return math.Sin(x)
}

func cos64(x float64) float64 {
	if fmaFast {
		if v, ok := cosModel(x); ok {
			return v
		}
	}
	return math.Cos(x)
}

func log64(x float64) float64 {
	if fmaFast {
		if v, ok := logModel(x); ok {
			return v
		}
	}
	return math.Log(x)
}

func sin32(x float32) float32 { return float32(math.Sin(float64(x))) }
func cos32(x float32) float32 { return float32(math.Cos(float64(x))) }
func log32(x float32) float32 { return float32(math.Log(float64(x))) }

// vecFunc64 and vecFunc32 are assembly loops (nil for none): it sets d[i] = f(x[i]) for i < n (a multiple
// of the lanes), block by block, and returns the length done, less than n
// when it stopped before a block it does not handle (huge arguments, NaN,
// ...).
type (
	vecFunc64 func(d, x *float64, n int) int
	vecFunc32 func(d, x *float32, n int) int
)

// transMap applies the loop of f (v64 or v32) to dst, split across cores
// when long.
func transMap[T Float](dst, src []T, v64 vecFunc64, v32 vecFunc32, f64 func(float64) float64, f32 func(float32) float32) {
	if !useTransAsm() {
		v64, v32 = nil, nil
	}
	run := func(d, s []T) {
		switch d := any(d).(type) {
		case []float64:
			run64(d, any(s).([]float64), v64, f64)
		case []float32:
			run32(d, any(s).([]float32), v32, f32)
		}
	}
	if !Big(len(dst), 4) {
		run(dst, src)
		return
	}
	Parallel(len(dst), 4, func(lo, hi int) { run(dst[lo:hi], src[lo:hi]) })
}

func run64(d, s []float64, v vecFunc64, f func(float64) float64) {
	s = s[:len(d)]
	if v != nil {
		const lanes = 4
		for len(d) >= lanes {
			n := len(d) &^ (lanes - 1)
			k := v(&d[0], &s[0], n)
			d, s = d[k:], s[k:]
			if k < n {
				for i := range lanes {
					d[i] = f(s[i])
				}
				d, s = d[lanes:], s[lanes:]
			}
		}
	}
	for i, x := range s {
		d[i] = f(x)
	}
}

func run32(d, s []float32, v vecFunc32, f func(float32) float32) {
	s = s[:len(d)]
	if v != nil {
		const lanes = 8
		for len(d) >= lanes {
			n := len(d) &^ (lanes - 1)
			k := v(&d[0], &s[0], n)
			d, s = d[k:], s[k:]
			if k < n {
				for i := range lanes {
					d[i] = f(s[i])
				}
				d, s = d[lanes:], s[lanes:]
			}
		}
	}
	for i, x := range s {
		d[i] = f(x)
	}
}

func sincosRange[T Float](s, c, x []T) {
	s, c = s[:len(x)], c[:len(x)]
	switch x := any(x).(type) {
	case []float64:
		sincos64(any(s).([]float64), any(c).([]float64), x, useTransAsm())
	case []float32:
		sincos32(any(s).([]float32), any(c).([]float32), x, useTransAsm())
	}
}

// sincos64 and sincos32 run the assembly loop when asm is true.
func sincos64(s, c, x []float64, asm bool) {
	if asm {
		const lanes = 4
		for len(x) >= lanes {
			n := len(x) &^ (lanes - 1)
			k := sincosVec64(&s[0], &c[0], &x[0], n)
			s, c, x = s[k:], c[k:], x[k:]
			if k < n {
				for i := range lanes {
					s[i], c[i] = sin64(x[i]), cos64(x[i])
				}
				s, c, x = s[lanes:], c[lanes:], x[lanes:]
			}
		}
	}
	for i, v := range x {
		s[i], c[i] = sin64(v), cos64(v)
	}
}

func sincos32(s, c, x []float32, asm bool) {
	if asm {
		const lanes = 8
		for len(x) >= lanes {
			n := len(x) &^ (lanes - 1)
			k := sincosVec32(&s[0], &c[0], &x[0], n)
			s, c, x = s[k:], c[k:], x[k:]
			if k < n {
				for i := range lanes {
					s[i], c[i] = sin32(x[i]), cos32(x[i])
				}
				s, c, x = s[lanes:], c[lanes:], x[lanes:]
			}
		}
	}
	for i, v := range x {
		s[i], c[i] = sin32(v), cos32(v)
	}
}

// mask is a comparison's result as the loops have it: all ones or zero.
func mask(b bool) float64 {
	if b {
		return math.Float64frombits(^uint64(0))
	}
	return 0
}

// blend is b where m has its sign bit set, else a (VBLENDVPD).
func blend(m, a, b float64) float64 {
	if math.Float64bits(m)>>63 != 0 {
		return b
	}
	return a
}
