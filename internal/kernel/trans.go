package kernel

import (
	"math"
	"math/bits"
)

// This file holds the vectorised Sin, Cos, Sincos, Tan, Atan, Erf, Log,
// Log1p, Expm1, Tanh and Sigmoid: the dispatch
// between the assembly loops of trans_amd64.s and the scalar code, and that
// scalar code. The loops and their float64 Go models (trans_model.go) are
// written by transgen.go from one description of each function.

// Sin sets dst[i] = sin(src[i]). See the package doc for the accuracy.
func Sin[T Float](dst, src []T) {
	l := loops()
	transMap(dst, src, l.sin64, l.sin32, sin64, sin32)
}

// Cos sets dst[i] = cos(src[i]).
func Cos[T Float](dst, src []T) {
	l := loops()
	transMap(dst, src, l.cos64, l.cos32, cos64, cos32)
}

// Log sets dst[i] = ln(src[i]).
func Log[T Float](dst, src []T) {
	l := loops()
	transMap(dst, src, l.log64, l.log32, log64, log32)
}

// Log1p sets dst[i] = ln(1 + src[i]).
func Log1p[T Float](dst, src []T) {
	l := loops()
	transMap(dst, src, l.log1p64, l.log1p32, log1p64, log1p32)
}

// Expm1 sets dst[i] = e^src[i] - 1.
func Expm1[T Float](dst, src []T) {
	l := loops()
	transMap(dst, src, l.expm1_64, l.expm1_32, expm1_64, expm1_32)
}

// Tanh sets dst[i] = tanh(src[i]).
func Tanh[T Float](dst, src []T) {
	l := loops()
	transMap(dst, src, l.tanh64, l.tanh32, tanh64, tanh32)
}

// Sigmoid sets dst[i] = σ(src[i]) = 1/(1+e^-src[i]), in one pass (no
// separate exponential), without overflow for any argument.
func Sigmoid[T Float](dst, src []T) {
	l := loops()
	transMap(dst, src, l.sigmoid64, l.sigmoid32, sigmoid64, sigmoid32)
}

// Tan sets dst[i] = tan(src[i]), reduced like Sin and Cos.
func Tan[T Float](dst, src []T) {
	l := loops()
	transMap(dst, src, l.tan64, l.tan32, tan64, tan32)
}

// Atan sets dst[i] = atan(src[i]), in [-π/2, π/2].
func Atan[T Float](dst, src []T) {
	l := loops()
	transMap(dst, src, l.atan64, l.atan32, atan64, atan32)
}

// Erf sets dst[i] = erf(src[i]).
func Erf[T Float](dst, src []T) {
	l := loops()
	transMap(dst, src, l.erf64, l.erf32, erf64, erf32)
}

// Power sets dst[i] = x[i]^y[i], with math.Pow's special cases (C99's).
func Power[T Float](dst, x, y []T) {
	if !Big(len(dst), 4) {
		powRange(dst, x, y)
		return
	}
	Parallel(len(dst), 4, func(lo, hi int) { powRange(dst[lo:hi], x[lo:hi], y[lo:hi]) })
}

// PowerScalar sets dst[i] = x[i]^p, as Power.
func PowerScalar[T Float](dst, x []T, p T) {
	run := func(d, x []T) {
		var ys [256]T
		for i := range ys {
			ys[i] = p
		}
		for len(d) > 0 {
			m := min(len(d), len(ys))
			powRange(d[:m], x[:m], ys[:m])
			d, x = d[m:], x[m:]
		}
	}
	if !Big(len(dst), 4) {
		run(dst, x)
		return
	}
	Parallel(len(dst), 4, func(lo, hi int) { run(dst[lo:hi], x[lo:hi]) })
}

// powRange is Power on one core.
func powRange[T Float](dst, x, y []T) {
	l := loops()
	switch d := any(dst).(type) {
	case []float64:
		runBin(d, any(x).([]float64), any(y).([]float64), l.pow64, pow64)
	case []float32:
		runBin(d, any(x).([]float32), any(y).([]float32), l.pow32, pow32)
	}
}

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
//
// Beyond the loops' threshold (|x| > 2^25) sin64 and cos64 reduce x by
// Payne–Hanek (reduceHuge) rather than call math.Sin, which errs by up to
// about 20 ulp there (measured at x = 6.978698828801905e8).
func sin64(x float64) float64 {
	if fmaFast {
		if v, ok := sinModel(x); ok {
			return v
		}
		if !math.IsInf(x, 0) && x == x {
			s, c := sincosHuge(x)
			_ = c
			return s
		}
	}
	return math.Sin(x)
}

func cos64(x float64) float64 {
	if fmaFast {
		if v, ok := cosModel(x); ok {
			return v
		}
		if !math.IsInf(x, 0) && x == x {
			_, c := sincosHuge(x)
			return c
		}
	}
	return math.Cos(x)
}

// sincosHuge is sin x and cos x for finite |x| ≥ 2^25.
func sincosHuge(x float64) (float64, float64) {
	r, rl, k := reduceHuge(x)
	s, c := sincosReduced(r, rl)
	switch k {
	case 0:
		return s, c
	case 1:
		return c, -s
	case 2:
		return -s, -c
	}
	return -c, s
}

// reduceHuge returns r + rl = x - k·π/2 (|r| ≤ π/4, as a double-length
// number) and k mod 4, for finite |x| ≥ 2^25: x·2/π modulo 4 from 192 bits
// of 2/π starting where they stop contributing multiples of 4.
func reduceHuge(x float64) (r, rl float64, k uint64) {
	b := math.Float64bits(x)
	e := int(b>>52&0x7ff) - 1075 // x = ±m·2^e
	m := b&(1<<52-1) | 1<<52
	// word returns the 64 bits of 2/π from bit q on (q = 0: the first
	// after the binary point; zeros before it).
	word := func(q int) uint64 {
		switch {
		case q <= -64:
			return 0
		case q < 0:
			return twoOverPiBits[0] >> uint(-q)
		case q%64 == 0:
			return twoOverPiBits[q/64]
		}
		return twoOverPiBits[q/64]<<uint(q%64) | twoOverPiBits[q/64+1]>>uint(64-q%64)
	}
	// The bit of 2/π of weight 2^-(i+1) times m·2^e has weight
	// 2^(e-i-1): a multiple of 4 for i ≤ e-3. B is bits e-2 .. e+189,
	// and x·2/π ≡ m·B/2^190 (mod 4).
	q := e - 2
	b2, b1, b0 := word(q), word(q+64), word(q+128)
	h0, p0 := bits.Mul64(m, b0)
	h1, l1 := bits.Mul64(m, b1)
	p1, c := bits.Add64(l1, h0, 0)
	p2 := m*b2 + h1 + c
	k = p2 >> 62
	// The fraction, 192 bits after the point, rounded to the nearest
	// integer: a negative fraction when its first bit is set.
	f2, f1, f0 := p2<<2|p1>>62, p1<<2|p0>>62, p0<<2
	neg := f2>>63 != 0
	if neg {
		k++
		var bw uint64
		f0, bw = bits.Sub64(0, f0, 0)
		f1, bw = bits.Sub64(0, f1, bw)
		f2, _ = bits.Sub64(0, f2, bw)
	}
	lz := 0
	for f2 == 0 && lz < 128 {
		f2, f1, f0 = f1, f0, 0
		lz += 64
	}
	if z := bits.LeadingZeros64(f2); z > 0 {
		f2, f1 = f2<<uint(z)|f1>>uint(64-z), f1<<uint(z)|f0>>uint(64-z)
		lz += z
	}
	fh := math.Ldexp(float64(f2>>11), -53-lz)
	fl := math.Ldexp(float64(f2&0x7ff<<53|f1>>11), -117-lz)
	if neg {
		fh, fl = -fh, -fl
	}
	if x < 0 {
		fh, fl, k = -fh, -fl, -k
	}
	rh := fh * halfPiHi
	rl = math.FMA(fh, halfPiHi, -rh) + (fh*halfPiLo + fl*halfPiHi)
	r = rh + rl
	rl -= r - rh
	return r, rl, k & 3
}

// sincosReduced is sin and cos of r + rl, |r| ≤ π/4 + ε, by the Taylor
// polynomials of the loops (transgen.go), in the same operations.
func sincosReduced(r, rl float64) (float64, float64) {
	sr, st, w, v := sincosParts(r, rl)
	return sr + st, w + v
}

// sincosParts is sin(r + rl) as sr + st and cos(r + rl) as w + v, before
// the last additions of the loops.
func sincosParts(r, rl float64) (sr, st, w, v float64) {
	z := float64(r * r)
	hz := float64(z * 0.5)
	ps := -1.0 / 121645100408832000
	for _, c := range [...]float64{1.0 / 355687428096000, -1.0 / 1307674368000, 1.0 / 6227020800, -1.0 / 39916800,
		1.0 / 362880, -1.0 / 5040, 1.0 / 120, -1.0 / 6} {
		ps = math.FMA(ps, z, c)
	}
	st = math.FMA(float64(r*z), ps, math.FMA(-hz, rl, rl))
	pc := 1.0 / 2432902008176640000
	for _, c := range [...]float64{-1.0 / 6402373705728000, 1.0 / 20922789888000, -1.0 / 87178291200, 1.0 / 479001600,
		-1.0 / 3628800, 1.0 / 40320, -1.0 / 720, 1.0 / 24} {
		pc = math.FMA(pc, z, c)
	}
	hr := float64(r * 0.5)
	h := float64(hr * r)
	hl := math.FMA(hr, r, -h)
	w = 1 - h
	wl := float64(1-w) - h
	v = wl + math.FMA(float64(z*z), pc, -math.FMA(r, rl, hl))
	return r, st, w, v
}

// tan64 is tan x: the Go model of the loop, beyond its threshold the
// Payne–Hanek reduction and the loop's quotient.
func tan64(x float64) float64 {
	if fmaFast {
		if v, ok := tanModel(x); ok {
			return v
		}
		if !math.IsInf(x, 0) && x == x {
			r, rl, k := reduceHuge(x)
			sr, st, w, v := sincosParts(r, rl)
			sh := sr + st
			sl := float64(sr-sh) + st
			ch := w + v
			cl := float64(w-ch) + v
			if k&1 == 0 {
				return divDD(sh, sl, ch, cl)
			}
			return -divDD(ch, cl, sh, sl)
		}
	}
	return math.Tan(x)
}

// divDD is (nh + nl)/(dh + dl), in the operations of the loops' divDD.
func divDD(nh, nl, dh, dl float64) float64 {
	inv := 1 / dh
	y := float64(nh * inv)
	rr := math.FMA(-dh, y, nh) + math.FMA(-y, dl, nl)
	return math.FMA(rr, inv, y)
}

func atan64(x float64) float64 {
	if fmaFast {
		if v, ok := atanModel(x); ok {
			return v
		}
	}
	return math.Atan(x)
}

func erf64(x float64) float64 {
	if fmaFast {
		if v, ok := erfModel(x); ok {
			return v
		}
	}
	return math.Erf(x)
}

// pow64 is x^y: the Go model of the loop for finite x > 0 and finite y,
// and for finite x < 0 and integer y with the sign of the result; math.Pow
// for the special cases (zeros, infinities, NaN, x < 0 with y not an
// integer), which it returns exactly.
func pow64(x, y float64) float64 {
	if fmaFast && math.Abs(y) <= math.MaxFloat64 && x >= -math.MaxFloat64 && x <= math.MaxFloat64 && x != 0 {
		if x > 0 {
			v, _ := powModel(x, y)
			return v
		}
		if y == math.Trunc(y) {
			v, _ := powModel(-x, y)
			if math.Abs(y) < 0x1p53 && math.Mod(y, 2) != 0 { // odd
				v = -v
			}
			return v
		}
	}
	return math.Pow(x, y)
}

// PowScalar64 is x^y as Power computes it, for one pair.
func PowScalar64(x, y float64) float64 { return pow64(x, y) }

// pow32 is x^y through pow64, rounded once.
func pow32(x, y float32) float32 { return float32(pow64(float64(x), float64(y))) }

func tan32(x float32) float32  { return float32(tan64(float64(x))) }
func atan32(x float32) float32 { return float32(atan64(float64(x))) }
func erf32(x float32) float32  { return float32(erf64(float64(x))) }

func log64(x float64) float64 {
	if fmaFast {
		if v, ok := logModel(x); ok {
			return v
		}
	}
	return math.Log(x)
}

func log1p64(x float64) float64 {
	if fmaFast {
		if v, ok := log1pModel(x); ok {
			return v
		}
	}
	return math.Log1p(x)
}

func expm1_64(x float64) float64 {
	if fmaFast {
		if v, ok := expm1Model(x); ok {
			return v
		}
	}
	return math.Expm1(x)
}

func log1p32(x float32) float32  { return float32(log1p64(float64(x))) }
func expm1_32(x float32) float32 { return float32(expm1_64(float64(x))) }

func tanh64(x float64) float64 {
	if fmaFast {
		if v, ok := tanhModel(x); ok {
			return v
		}
	}
	return math.Tanh(x)
}

// sigmoid64 is σ(x); below -700, where 1 + e^x rounds to 1, it is e^x.
// Without hardware FMA (and for NaN) it is nabla's earlier overflow-free
// form over math.Exp.
func sigmoid64(x float64) float64 {
	if fmaFast {
		if v, ok := sigmoidModel(x); ok {
			return v
		}
		if x < -700 {
			return exp64(x)
		}
	}
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func tanh32(x float32) float32    { return float32(tanh64(float64(x))) }
func sigmoid32(x float32) float32 { return float32(sigmoid64(float64(x))) }

func sin32(x float32) float32 { return float32(sin64(float64(x))) }
func cos32(x float32) float32 { return float32(cos64(float64(x))) }
func log32(x float32) float32 { return float32(math.Log(float64(x))) }

// transBlock is the unit in which the loops are called: a multiple of
// every loop's lanes (4 or 8 float64, 8 or 16 float32). Where a loop stops,
// the scalar code computes the next transBlock elements.
const transBlock = 16

// transLoops is one set of assembly loops: AVX2 or AVX-512.
type transLoops struct {
	name                                                      string
	sin64, cos64, log64, log1p64, expm1_64, tanh64, sigmoid64 vecFunc64
	sin32, cos32, log32, log1p32, expm1_32, tanh32, sigmoid32 vecFunc32
	exp32                                                     vecFunc32
	tan64, atan64, erf64                                      vecFunc64
	tan32, atan32, erf32                                      vecFunc32
	sincos64                                                  sincosFunc64
	sincos32                                                  sincosFunc32
	pow64                                                     binFunc64
	pow32                                                     binFunc32
}

// noLoops is the empty set: every function runs its scalar code.
var noLoops = &transLoops{name: "portable"}

// loops returns the loops in use: those chosen at start-up, or noLoops
// with NABLA_KERNEL=portable.
func loops() *transLoops {
	if !useAsm {
		return noLoops
	}
	return transLoopsInUse
}

// vecFunc64 and vecFunc32 are assembly loops (nil for none): it sets d[i] = f(x[i]) for i < n (a multiple
// of the lanes), block by block, and returns the length done, less than n
// when it stopped before a block it does not handle (huge arguments, NaN,
// ...).
type (
	vecFunc64    func(d, x *float64, n int) int
	vecFunc32    func(d, x *float32, n int) int
	sincosFunc64 func(d0, d1, x *float64, n int) int
	sincosFunc32 func(d0, d1, x *float32, n int) int
	binFunc64    func(d, x, y *float64, n int) int
	binFunc32    func(d, x, y *float32, n int) int
)

// transMap applies the loop of f (v64 or v32) to dst, split across cores
// when long.
func transMap[T Float](dst, src []T, v64 vecFunc64, v32 vecFunc32, f64 func(float64) float64, f32 func(float32) float32) {
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
		const lanes = transBlock
		for len(d) >= lanes {
			n := len(d) &^ (lanes - 1)
			k := v(&d[0], &s[0], n)
			d, s = d[k:], s[k:]
			if k < n {
				m := min(lanes, len(d))
				for i := range m {
					d[i] = f(s[i])
				}
				d, s = d[m:], s[m:]
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
		const lanes = transBlock
		for len(d) >= lanes {
			n := len(d) &^ (lanes - 1)
			k := v(&d[0], &s[0], n)
			d, s = d[k:], s[k:]
			if k < n {
				m := min(lanes, len(d))
				for i := range m {
					d[i] = f(s[i])
				}
				d, s = d[m:], s[m:]
			}
		}
	}
	for i, x := range s {
		d[i] = f(x)
	}
}

// runBin is run64 and run32 for a function of two arguments: the vector
// loop v where there is one, f on what it leaves.
func runBin[T Float](d, x, y []T, v func(d, x, y *T, n int) int, f func(x, y T) T) {
	x, y = x[:len(d)], y[:len(d)]
	if v != nil {
		const lanes = transBlock
		for len(d) >= lanes {
			n := len(d) &^ (lanes - 1)
			k := v(&d[0], &x[0], &y[0], n)
			d, x, y = d[k:], x[k:], y[k:]
			if k < n {
				m := min(lanes, len(d))
				for i := range m {
					d[i] = f(x[i], y[i])
				}
				d, x, y = d[m:], x[m:], y[m:]
			}
		}
	}
	for i := range d {
		d[i] = f(x[i], y[i])
	}
}

func sincosRange[T Float](s, c, x []T) {
	s, c = s[:len(x)], c[:len(x)]
	switch x := any(x).(type) {
	case []float64:
		sincos64(any(s).([]float64), any(c).([]float64), x, loops().sincos64)
	case []float32:
		sincos32(any(s).([]float32), any(c).([]float32), x, loops().sincos32)
	}
}

// sincos64 and sincos32 run the assembly loop v, if not nil.
func sincos64(s, c, x []float64, v sincosFunc64) {
	if v != nil {
		const lanes = transBlock
		for len(x) >= lanes {
			n := len(x) &^ (lanes - 1)
			k := v(&s[0], &c[0], &x[0], n)
			s, c, x = s[k:], c[k:], x[k:]
			if k < n {
				m := min(lanes, len(x))
				for i := range m {
					s[i], c[i] = sin64(x[i]), cos64(x[i])
				}
				s, c, x = s[m:], c[m:], x[m:]
			}
		}
	}
	for i, v := range x {
		s[i], c[i] = sin64(v), cos64(v)
	}
}

func sincos32(s, c, x []float32, v sincosFunc32) {
	if v != nil {
		const lanes = transBlock
		for len(x) >= lanes {
			n := len(x) &^ (lanes - 1)
			k := v(&s[0], &c[0], &x[0], n)
			s, c, x = s[k:], c[k:], x[k:]
			if k < n {
				m := min(lanes, len(x))
				for i := range m {
					s[i], c[i] = sin32(x[i]), cos32(x[i])
				}
				s, c, x = s[m:], c[m:], x[m:]
			}
		}
	}
	for i, v := range x {
		s[i], c[i] = sin32(v), cos32(v)
	}
}

// vmax is VMAXPD: a if a > b, else b (also when either is NaN).
func vmax(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// vmin is VMINPD: a if a < b, else b (also when either is NaN).
func vmin(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
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
