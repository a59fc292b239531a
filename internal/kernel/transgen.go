//go:build ignore

// transgen writes trans_amd64.s, the AVX2+FMA and AVX-512 loops of the
// vectorised transcendental functions (Sin, Cos, Sincos, Tan, Atan, Erf,
// Log, Log1p, Expm1, Tanh, Sigmoid, Power), trans_decl_amd64.go, their Go
// declarations, and trans_model.go, the float64 Go model of each loop and
// the constants of the Payne–Hanek reduction. Run with go generate. The
// polynomials of Atan and Erf come from fit/transfit.py (run by hand; its
// output is pasted below).
//
// Each function is written once, below, as a straight-line program over
// vector values (type prog): fused multiply-adds, arithmetic, comparisons,
// blends, bit operations on the representation, and guards. The same
// program is emitted twice: as assembly on four float64 or eight float32
// lanes (eight or sixteen with AVX-512), with a simple register allocator,
// and, for float64, as a Go function with one scalar statement per
// instruction (math.FMA where the assembly fuses), so that the Go model and the assembly give the same bits.
// A guard ends the assembly loop before the block it fails on is written
// (the caller computes that block some other way and calls again); in the Go
// model it returns ok = false.
package main

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"os"
	"strings"
)

// dt is an element type.
type dt struct {
	goType string
	bits   int // 32 or 64
	prec   uint
	lanes  int
	p      string // PD or PS
	shl    string // VPSLLQ or VPSLLD
	shr    string // VPSRLQ or VPSRLD
	isub   string // VPSUBQ or VPSUBD
	iadd   string // VPADDQ or VPADDD
	suffix string
}

var (
	f64 = dt{"float64", 64, 53, 4, "PD", "VPSLLQ", "VPSRLQ", "VPSUBQ", "VPADDQ", "64"}
	f32 = dt{"float32", 32, 24, 8, "PS", "VPSLLD", "VPSRLD", "VPSUBD", "VPADDD", "32"}
)

// val is a value of a program: an instruction's result, the input (0), or
// a constant.
type val int

type ins struct {
	op   string
	args []val
	imm  int
}

type prog struct {
	name    string
	t       dt
	ins     []ins    // ins[i] defines val i; ins[0] is the input
	consts  []uint64 // bits of constant values, by index
	isConst map[val]int
	outs    []val
	nin     int // inputs: 1, or 2 with in2
}

func newProg(name string, t dt) *prog {
	return &prog{name: name, t: t, ins: []ins{{op: "in"}}, isConst: map[val]int{}, nin: 1}
}

func (p *prog) in() val { return 0 }

// in2 is the second input (y of pow), read from its own slice.
func (p *prog) in2() val {
	p.nin = 2
	return p.emit("in2", 0)
}

func (p *prog) emit(op string, imm int, args ...val) val {
	p.ins = append(p.ins, ins{op, args, imm})
	return val(len(p.ins) - 1)
}

// cb is a constant given by its bits.
func (p *prog) cb(bits uint64) val {
	v := p.emit("const", 0)
	p.isConst[v] = len(p.consts)
	p.consts = append(p.consts, bits)
	return v
}

// c is a constant rounded to the element type.
func (p *prog) c(f float64) val {
	if p.t.bits == 32 {
		return p.cb(uint64(math.Float32bits(float32(f))))
	}
	return p.cb(math.Float64bits(f))
}

func (p *prog) max(a, b val) val { return p.emit("max", 0, a, b) } // VMAXPD: b where either is NaN
func (p *prog) min(a, b val) val { return p.emit("min", 0, a, b) } // VMINPD: b where either is NaN

func (p *prog) fma(a, b, c val) val  { return p.emit("fma", 0, a, b, c) }  // a·b + c
func (p *prog) fnma(a, b, c val) val { return p.emit("fnma", 0, a, b, c) } // c - a·b
func (p *prog) fms(a, b, c val) val  { return p.emit("fms", 0, a, b, c) }  // a·b - c
func (p *prog) add(a, b val) val     { return p.emit("add", 0, a, b) }
func (p *prog) sub(a, b val) val     { return p.emit("sub", 0, a, b) }
func (p *prog) mul(a, b val) val     { return p.emit("mul", 0, a, b) }
func (p *prog) div(a, b val) val     { return p.emit("div", 0, a, b) }
func (p *prog) and(a, b val) val     { return p.emit("and", 0, a, b) }
func (p *prog) or(a, b val) val      { return p.emit("or", 0, a, b) }
func (p *prog) xor(a, b val) val     { return p.emit("xor", 0, a, b) }
func (p *prog) isub(a, b val) val    { return p.emit("isub", 0, a, b) }
func (p *prog) iadd(a, b val) val    { return p.emit("iadd", 0, a, b) }
func (p *prog) shl(a val, n int) val { return p.emit("shl", n, a) }
func (p *prog) shr(a val, n int) val { return p.emit("shr", n, a) }

// cmp is all ones where a pred b, else zero. Predicates as in VCMPPD.
func (p *prog) cmp(a, b val, pred int) val { return p.emit("cmp", pred, a, b) }

const (
	cmpLT  = 1 // a < b, ordered
	cmpLE  = 2 // a <= b, ordered
	cmpUNO = 3 // a or b NaN
	cmpNLE = 6 // !(a <= b): true for NaN
	cmpNLT = 5 // !(a < b): true for NaN
	cmpNGE = 9 // !(a >= b): true for NaN
)

// blend is b where the sign bit of m is set, else a.
func (p *prog) blend(m, a, b val) val { return p.emit("blend", 0, m, a, b) }

// guard stops the loop (ok = false in the model) where one of m has a sign
// bit set.
func (p *prog) guard(m ...val) { p.emit("guard", 0, m...) }

// guards stops the loop where one of the masks ms build has a sign bit
// set: in one guard in the float64 programs, in a guard after each mask in
// the float32 ones.
func (p *prog) guards(ms ...func() val) {
	if p.t.bits == 32 {
		for _, m := range ms {
			p.guard(m())
		}
		return
	}
	vs := make([]val, len(ms))
	for i, m := range ms {
		vs[i] = m()
	}
	p.guard(vs...)
}

// horner is ((c0·z + c1)·z + c2)... with cs from the highest degree down.
func (p *prog) horner(z val, cs ...float64) val {
	acc := p.c(cs[0])
	for _, c := range cs[1:] {
		acc = p.fma(acc, z, p.c(c))
	}
	return acc
}

func (p *prog) signBit() uint64 { return 1 << (p.t.bits - 1) }

// twoSum returns s, e with s + e = a + b exactly.
func (p *prog) twoSum(a, b val) (val, val) {
	s := p.add(a, b)
	bb := p.sub(s, a)
	e := p.add(p.sub(a, p.sub(s, bb)), p.sub(b, bb))
	return s, e
}

// round returns v rounded to prec bits.
func round(v *big.Float, prec uint) *big.Float {
	return new(big.Float).SetMode(big.ToNearestEven).SetPrec(prec).Set(v)
}

// halfPi is π/2 to 256 bits.
var halfPi = func() *big.Float {
	pi, _, err := big.ParseFloat("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798214808651328230664709384460955058223172535940812848111745028410270193852110555964462294895493038196", 10, 400, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	return pi.Quo(pi, big.NewFloat(2))
}()

// factorial is n! as a float64 (exact up to 22!).
func factorial(n int) float64 {
	f := 1.0
	for i := 2; i <= n; i++ {
		f *= float64(i)
	}
	return f
}

// sincosParams are, per type: kBits, the bits of the largest k = round(x·2/π)
// the reduction handles exactly; the threshold on |x| that keeps k below
// 2^kBits; the degrees of the Taylor polynomials; and the magnitude below
// which sin x rounds to x.
type sincosParams struct {
	kBits      uint
	thr        float64
	sinDeg     int // highest odd power of r
	cosDeg     int // highest even power of r
	tiny       float64
	roundShift float64
}

func paramsFor(t dt) sincosParams {
	if t.bits == 64 {
		return sincosParams{kBits: 25, thr: 0x1p25, sinDeg: 19, cosDeg: 20, tiny: 0x1p-27, roundShift: 0x1.8p52}
	}
	return sincosParams{kBits: 11, thr: 0x1p11, sinDeg: 11, cosDeg: 12, tiny: 0x1p-12, roundShift: 0x1.8p23}
}

// sincosProg builds sin (which = "sin"), cos, or both ("sincos").
//
// k = round(x·2/π); r + rl = x - k·π/2 in double-length arithmetic with π/2
// in four parts, the first three of prec-kBits bits so that k times each is
// exact; sin and cos of r + rl by Taylor polynomials, with the leading terms
// carried exactly; then the quadrant k mod 4 picks and signs them.
func sincosProg(name, which string, t dt) *prog {
	p := newProg(name, t)
	sp := paramsFor(t)
	x := p.in()
	ax, tk, r, rl := p.reduceHalfPi(x, sp)
	z := p.mul(r, r)
	sr, st := p.sinReduced(r, rl, z)
	sn := p.add(sr, st)
	w, v := p.cosReduced(r, rl, z)
	cs := p.add(w, v)
	sign := p.cb(p.signBit())
	q0 := p.shl(tk, t.bits-1)              // bit 0 of k, as a sign bit
	q1 := p.and(p.shl(tk, t.bits-2), sign) // bit 1 of k
	if which == "sin" || which == "sincos" {
		// sin x = S, C, -S, -C for k mod 4 = 0, 1, 2, 3; x itself where
		// |x| is tiny (this keeps the sign of -0).
		v := p.xor(p.blend(q0, sn, cs), q1)
		p.outs = append(p.outs, p.blend(p.cmp(ax, p.c(sp.tiny), cmpLT), v, x))
	}
	if which == "cos" || which == "sincos" {
		// cos x = C, -S, -C, S.
		v := p.xor(p.blend(q0, cs, sn), p.xor(q1, p.and(q0, sign)))
		p.outs = append(p.outs, v)
	}
	return p
}

// reduceHalfPi guards |x| ≤ thr (NaN and ±Inf stop the loop too) and
// returns |x|, tk (k = round(x·2/π) in its low bits) and r + rl = x - k·π/2
// as a double-length number.
func (p *prog) reduceHalfPi(x val, sp sincosParams) (ax, tk, r, rl val) {
	t := p.t
	ax = p.and(x, p.cb(p.signBit()-1))
	p.guard(p.cmp(ax, p.c(sp.thr), cmpNLE)) // NaN, ±Inf, |x| > thr
	shift := p.c(sp.roundShift)
	tk = p.fma(x, p.c(2/math.Pi), shift)
	k := p.sub(tk, shift)
	rem := new(big.Float).SetPrec(400).Set(halfPi)
	var parts [4]float64
	for i := range parts {
		bits := t.prec - sp.kBits
		if i == 3 {
			bits = t.prec
		}
		q := round(rem, bits)
		parts[i], _ = q.Float64()
		rem.Sub(rem, q)
	}
	a := p.fnma(k, p.c(parts[0]), x) // exact
	p2 := p.mul(k, p.c(parts[1]))    // exact
	s1, e1 := p.twoSum(a, p.xor(p2, p.cb(p.signBit())))
	p3 := p.mul(k, p.c(parts[2])) // exact
	s2, e2 := p.twoSum(s1, p.xor(p3, p.cb(p.signBit())))
	rl0 := p.fnma(k, p.c(parts[3]), p.add(e1, e2))
	r = p.add(s2, rl0)
	rl = p.add(p.sub(s2, r), rl0)
	return ax, tk, r, rl
}

// sinReduced returns sin(r + rl) as r + st, |r| ≤ π/4 + ε, z = r²:
// sin(r + rl) = r + r³·S(z) + rl·(1 - z/2), S of Taylor's series.
func (p *prog) sinReduced(r, rl, z val) (val, val) {
	sp := paramsFor(p.t)
	var sc []float64
	for n := sp.sinDeg; n >= 3; n -= 2 {
		sc = append(sc, math.Copysign(1/factorial(n), float64(1-(n/2%2)*2)))
	}
	hz := p.mul(z, p.c(0.5))
	return r, p.fma(p.mul(r, z), p.horner(z, sc...), p.fnma(hz, rl, rl))
}

// cosReduced returns cos(r + rl) as w + v: 1 - r²/2 + z²·C(z) - r·rl,
// with 1 - r²/2 carried in double length.
func (p *prog) cosReduced(r, rl, z val) (val, val) {
	sp := paramsFor(p.t)
	var cc []float64
	for n := sp.cosDeg; n >= 4; n -= 2 {
		cc = append(cc, math.Copysign(1/factorial(n), float64(1-(n/2%2)*2)))
	}
	hr := p.mul(r, p.c(0.5))
	h := p.mul(hr, r)
	hl := p.fms(hr, r, h)
	one := p.c(1)
	w := p.sub(one, h)
	wl := p.sub(p.sub(one, w), h)
	return w, p.add(wl, p.fms(p.mul(z, z), p.horner(z, cc...), p.fma(r, rl, hl)))
}

// tanProg builds tan x = sin/cos (k even) or -cos/sin (k odd) after the
// reduction of sincosProg, with both in double length and the quotient
// divided with one correction step; x itself where |x| is tiny.
func tanProg(name string, t dt) *prog {
	p := newProg(name, t)
	sp := paramsFor(t)
	x := p.in()
	ax, tk, r, rl := p.reduceHalfPi(x, sp)
	z := p.mul(r, r)
	sr, st := p.sinReduced(r, rl, z)
	sh := p.add(sr, st)
	sl := p.add(p.sub(sr, sh), st)
	w, v := p.cosReduced(r, rl, z)
	ch := p.add(w, v)
	cl := p.add(p.sub(w, ch), v)
	q0 := p.shl(tk, t.bits-1) // bit 0 of k, as a sign bit
	sign := p.cb(p.signBit())
	nh, nl := p.blend(q0, sh, ch), p.blend(q0, sl, cl)
	dh, dl := p.blend(q0, ch, sh), p.blend(q0, cl, sl)
	v = p.xor(p.divDD(nh, nl, dh, dl), p.and(q0, sign))
	p.outs = append(p.outs, p.blend(p.cmp(ax, p.c(sp.tiny), cmpLT), v, x))
	return p
}

// logProg builds log x for positive normal finite x (the guard sends the
// rest elsewhere): x = 2^e·m with m in [√2/2, √2), f = m - 1, s = f/(2+f),
// log x = e·ln2hi + (f - (f²/2 - (s·(f²/2 + R(s²)) + e·ln2lo))), fdlibm's
// method, with R its minimax polynomial (float64: degree 7 in s²; float32:
// degree 4, FreeBSD's logf).
func logProg(name string, t dt, log1p bool) *prog {
	p := newProg(name, t)
	x := p.in()
	x0 := x
	mant := int(t.prec - 1)
	var lg []float64
	var ln2hi, ln2lo, minNormal, maxFloat, expBias float64
	var one, sqrtHalf uint64 // bits of 1 and of √2/2
	if t.bits == 64 {
		lg = []float64{1.479819860511658591e-01, 1.531383769920937332e-01, 1.818357216161805012e-01,
			2.222219843214978396e-01, 2.857142874366239149e-01, 3.999999999940941908e-01, 6.666666666666735130e-01}
		ln2hi, ln2lo = 6.93147180369123816490e-01, 1.90821492927058770002e-10
		minNormal, maxFloat, expBias = 0x1p-1022, math.MaxFloat64, 1023
		one, sqrtHalf = math.Float64bits(1), math.Float64bits(math.Sqrt2/2)
	} else {
		lg = []float64{0xf89e26.0p-26, 0x91e9ee.0p-25, 0xccce13.0p-25, 0xaaaaaa.0p-24}
		ln2hi, ln2lo = 6.9313812256e-01, 9.0580006145e-06
		minNormal, maxFloat, expBias = 0x1p-126, math.MaxFloat32, 127
		one, sqrtHalf = uint64(math.Float32bits(1)), uint64(math.Float32bits(float32(math.Sqrt2/2)))
	}
	var c val // log1p: 1 + x = u + c exactly, and x is u from here on
	if log1p {
		// -1 and below; +Inf, NaN
		p.guards(func() val { return p.cmp(x, p.c(-1), cmpLE) }, func() val { return p.cmp(x, p.c(maxFloat), cmpNLE) })
		x, c = p.twoSum(p.c(1), x)
	} else {
		// ±0, negatives; +Inf, NaN
		p.guards(func() val { return p.cmp(x, p.c(0), cmpLE) }, func() val { return p.cmp(x, p.c(maxFloat), cmpNLE) })
	}
	// Subnormal x is scaled by 2^scale first, exactly.
	scale := 54
	if t.bits == 32 {
		scale = 25
	}
	sub := p.cmp(x, p.c(minNormal), cmpLT)
	x = p.blend(sub, x, p.mul(x, p.c(math.Ldexp(1, scale))))
	// Adding bits(1) - bits(√2/2) to the bits of x carries into the
	// exponent exactly when the significand of x is at least √2; masking
	// the significand and adding bits(√2/2) back then leaves m in
	// [√2/2, √2) with x = 2^e·m, e the exponent field of the sum, unbiased.
	u := p.iadd(x, p.cb(one-sqrtHalf))
	m := p.iadd(p.and(u, p.cb(1<<mant-1)), p.cb(sqrtHalf))
	// e as a float: its bits in the significand of 2^mant, minus 2^mant,
	// the bias, and the scaling.
	e := p.sub(p.or(p.shr(u, mant), p.c(math.Ldexp(1, mant))), p.c(math.Ldexp(1, mant)+expBias))
	e = p.sub(e, p.and(sub, p.c(float64(scale))))
	f := p.sub(m, p.c(1)) // exact
	s := p.div(f, p.add(f, p.c(2)))
	z := p.mul(s, s)
	r := p.mul(z, p.horner(z, lg...))
	hfsq := p.mul(p.mul(f, f), p.c(0.5))
	lo := p.mul(e, p.c(ln2lo))
	if log1p {
		// log(u + c) = log u + c/u, the correction added with e·ln2lo,
		// before the last rounding (fdlibm's log1p).
		lo = p.add(lo, p.div(c, x))
	}
	inner := p.fma(s, p.add(hfsq, r), lo)
	res := p.fma(e, p.c(ln2hi), p.sub(f, p.sub(hfsq, inner)))
	if log1p {
		// x itself where |x| is tiny (this keeps the sign of -0).
		tiny := 0x1p-54
		if t.bits == 32 {
			tiny = 0x1p-25
		}
		ax := p.and(x0, p.cb(p.signBit()-1))
		res = p.blend(p.cmp(ax, p.c(tiny), cmpLT), res, x0)
	}
	p.outs = append(p.outs, res)
	return p
}

// twoOverPi writes twoOverPiBits, the first 1280 bits of the binary
// expansion of 2/π (π by Machin's formula in math/big), and the double-
// double π/2.
func twoOverPi(w *bytes.Buffer) {
	const prec = 1500
	atanInv := func(n int64) *big.Float { // atan(1/n)
		x := new(big.Float).SetPrec(prec).Quo(big.NewFloat(1), new(big.Float).SetPrec(prec).SetInt64(n))
		x2 := new(big.Float).SetPrec(prec).Mul(x, x)
		sum := new(big.Float).SetPrec(prec).Set(x)
		term := new(big.Float).SetPrec(prec).Set(x)
		for k := int64(1); k < 1200; k++ {
			term.Mul(term, x2)
			t := new(big.Float).SetPrec(prec).Quo(term, new(big.Float).SetInt64(2*k+1))
			if k%2 == 1 {
				sum.Sub(sum, t)
			} else {
				sum.Add(sum, t)
			}
		}
		return sum
	}
	pi := new(big.Float).SetPrec(prec).Mul(big.NewFloat(16), atanInv(5))
	pi.Sub(pi, new(big.Float).SetPrec(prec).Mul(big.NewFloat(4), atanInv(239)))
	if d := new(big.Float).Sub(pi, new(big.Float).Mul(halfPi, big.NewFloat(2))); d.Sign() != 0 && d.MantExp(nil) > -390 {
		panic("π: " + pi.Text('g', 60))
	}
	f := new(big.Float).SetPrec(prec).Quo(big.NewFloat(2), pi)
	// 2/π < 1: shift its bits to an integer and cut into words.
	f.SetMantExp(f, 1280)
	z, _ := f.Int(nil)
	fmt.Fprintf(w, "\n// twoOverPiBits holds the first 1280 bits after the binary point of 2/π,\n// most significant first (generated in math/big).\nvar twoOverPiBits = [20]uint64{\n")
	words := make([]uint64, 20)
	mask := new(big.Int).SetUint64(^uint64(0))
	for i := 19; i >= 0; i-- {
		words[i] = new(big.Int).And(z, mask).Uint64()
		z.Rsh(z, 64)
	}
	for i, x := range words {
		if i%4 == 0 {
			fmt.Fprintf(w, "\t")
		}
		fmt.Fprintf(w, "%#016x,", x)
		if i%4 == 3 {
			fmt.Fprintf(w, "\n")
		} else {
			fmt.Fprintf(w, " ")
		}
	}
	fmt.Fprintf(w, "}\n")
	h := new(big.Float).SetPrec(prec).Quo(pi, big.NewFloat(2))
	hi, _ := h.Float64()
	lo, _ := new(big.Float).SetPrec(prec).Sub(h, big.NewFloat(hi)).Float64()
	fmt.Fprintf(w, "\n// π/2 = halfPiHi + halfPiLo to about 107 bits.\nconst (\n\thalfPiHi = %v\n\thalfPiLo = %v\n)\n", hi, lo)
}

// expCore returns e^a as eh + el (relative error about 2^-60) for a in
// [-700, 700] (float32: [-80, 80]), by exp64's method (exp.go) stopped before
// the last rounding: k = round(a/ln 2), r + rlo = a - k·ln 2, e^r = h + t
// with h + l = 1 + r exactly and t = l + r²·P(r) + rlo·(1+r), then
// eh + el = (h + t)·2^k in double length.
func (p *prog) expCore(a val) (val, val) {
	eh, el, tk, k := p.expParts(a, -1)
	scale := p.pow2(tk)
	if p.t.bits == 64 {
		return p.scalef(eh, k, scale), p.scalef(el, k, scale)
	}
	return p.mul(eh, scale), p.mul(el, scale)
}

// scalef is a·2^k for k an integer in the normal exponent range, pw =
// 2^k: VSCALEFPD a, k in the AVX-512 loops (pw is then not computed), a·pw
// in the AVX2 loops and the model, the same product rounded once.
func (p *prog) scalef(a, k, pw val) val { return p.emit("scalef", 0, a, k, pw) }

// pow2 is 2^k from tk = k + the rounding shift of expParts (its low bits
// hold k), for k in the exponent range.
func (p *prog) pow2(tk val) val {
	t := p.t
	var bias, shiftBits uint64
	if t.bits == 64 {
		bias, shiftBits = 1023, math.Float64bits(0x1.8p52)
	} else {
		bias, shiftBits = 127, uint64(math.Float32bits(0x1.8p23))
	}
	return p.shl(p.iadd(tk, p.cb((bias-shiftBits)&(1<<t.bits-1))), int(t.prec-1))
}

// expParts is expCore before the scaling by 2^k: e^(a + al) = (eh + el)·2^k,
// k in the low bits of tk; al (none if negative) is a low part of a, of at
// most an ulp of a.
func (p *prog) expParts(a, al val) (eh, el, tk, k val) {
	t := p.t
	var shift, log2e, ln2hi, ln2lo float64
	var deg int
	if t.bits == 64 {
		shift, log2e, ln2hi, ln2lo, deg = 0x1.8p52, 1/math.Ln2, 6.93147180369123816490e-01, 1.90821492927058770002e-10, 13
	} else {
		shift, log2e, ln2hi, ln2lo, deg = 0x1.8p23, 1/math.Ln2, 0.693145751953125, 1.428606765330187045e-06, 8
	}
	sh := p.c(shift)
	tk = p.fma(a, p.c(log2e), sh)
	k = p.sub(tk, sh)
	hi := p.fnma(k, p.c(ln2hi), a) // exact
	r := p.fnma(k, p.c(ln2lo), hi)
	rlo := p.fnma(k, p.c(ln2lo), p.sub(hi, r))
	if al >= 0 {
		// al may exceed an ulp of r: r + al is summed exactly into r and
		// the low part, since rlo·(1+r) stands for rlo·e^r only when rlo
		// is that small.
		var re val
		r, re = p.twoSum(r, al)
		rlo = p.add(rlo, re)
	}
	c := p.fma(r, rlo, rlo)
	var cs []float64
	for n := deg; n >= 2; n-- {
		cs = append(cs, 1/factorial(n))
	}
	q := p.fma(p.mul(r, r), p.horner(r, cs...), c)
	one := p.c(1)
	h := p.add(one, r)
	l := p.sub(r, p.sub(h, one))
	tt := p.add(l, q)
	eh = p.add(h, tt)
	el = p.add(p.sub(h, eh), tt)
	return eh, el, tk, k
}

// divDD returns (nh + nl)/(dh + dl) rounded once, up to a relative error of
// about 2^-100 before that rounding: y = nh/dh to about an ulp, then one
// correction by the residual n - y·d.
func (p *prog) divDD(nh, nl, dh, dl val) val {
	inv := p.div(p.c(1), dh)
	y := p.mul(nh, inv)
	rr := p.add(p.fnma(dh, y, nh), p.fnma(y, dl, nl))
	return p.fma(rr, inv, y)
}

// expProg builds e^x in the element type's own precision (used for
// float32; float64 Exp has its own loop, exp_amd64.s): x clamped to
// [lo, hi] (NaN kept: the constant is the first operand), where e^lo
// rounds to 0 and e^hi overflows, so that ±Inf, overflow and underflow need
// no branch; then expParts's method (k = round(x/ln 2), r + rlo = x - k·ln 2,
// 1 + r = h + l exactly and e^r = h + (l + r²·P(r) + rlo)) rounded once to
// m, and the scaling of m by 2^k in two multiplications, the first exact,
// so that k = 128 and subnormal results need no special case (the second
// rounds them once).
func expProg(name string, t dt) *prog {
	if t.bits != 32 {
		panic("expProg: float32 only")
	}
	p := newProg(name, t)
	x := p.in()
	a := p.min(p.c(89), p.max(p.c(-104), x))
	sh := p.c(0x1.8p23)
	tk := p.fma(a, p.c(1/math.Ln2), sh)
	k := p.sub(tk, sh)
	ln2lo := p.c(1.428606765330187045e-06)
	hi := p.fnma(k, p.c(0.693145751953125), a) // exact
	r := p.fnma(k, ln2lo, hi)
	rlo := p.fnma(k, ln2lo, p.sub(hi, r))
	var cs []float64
	for n := 8; n >= 2; n-- {
		cs = append(cs, 1/factorial(n))
	}
	q := p.fma(p.mul(r, r), p.horner(r, cs...), rlo)
	one := p.c(1)
	h := p.add(one, r)
	l := p.sub(r, p.sub(h, one))
	m := p.add(h, p.add(l, q))
	// The low bits of tk hold k: e = k + 254, and e1, e2 the biased
	// exponents of 2^(k>>1) and 2^(k-(k>>1)), both normal for k in
	// [-150, 128].
	e := p.isub(tk, p.cb(uint64(math.Float32bits(0x1.8p23))-254))
	e1 := p.shr(e, 1)
	e2 := p.isub(e, e1)
	p.outs = append(p.outs, p.mul(p.mul(m, p.shl(e1, 23)), p.shl(e2, 23)))
	return p
}

// sigmoidProg builds σ(x) = 1/(1+e^-x) = e^x/(1+e^x) in one pass: e =
// e^-|x| (clamped at -700, or -80 in float32, where 1/(1+e) is 1 anyway) in
// double length, then N/(1+e) with N = 1 for x ≥ +0 and
// e for x < 0 (the sign bit set), divided with one correction step. x below
// -700 (-80) and NaN
// stop the loop.
func sigmoidProg(name string, t dt) *prog {
	p := newProg(name, t)
	x := p.in()
	lim := -700.0
	if t.bits == 32 {
		lim = -80
	}
	p.guard(p.cmp(x, p.c(lim), cmpNGE))              // NaN, x < lim
	a := p.max(p.or(x, p.cb(p.signBit())), p.c(lim)) // -|x|, clamped
	eh, el := p.expCore(a)
	one := p.c(1)
	dh := p.add(one, eh)
	dl := p.add(p.add(p.sub(one, dh), eh), el)
	nh := p.blend(x, one, eh)
	nl := p.blend(x, p.c(0), el)
	p.outs = append(p.outs, p.divDD(nh, nl, dh, dl))
	return p
}

// tanhProg builds tanh x = sign(x)·(1 - e)/(1 + e) with e = e^-2|x| in
// double length (clamped at -700, or -80 in float32, where the quotient is
// 1), 1 - e and 1 + e in double length, divided with one correction step; x
// itself where |x| is tiny. NaN stops the loop.
func tanhProg(name string, t dt) *prog {
	p := newProg(name, t)
	x := p.in()
	lim, tiny := -700.0, 0x1p-27
	if t.bits == 32 {
		lim, tiny = -80, 0x1p-12
	}
	p.guard(p.cmp(x, x, cmpUNO))
	sign := p.cb(p.signBit())
	ax := p.and(x, p.cb(p.signBit()-1))
	a := p.max(p.mul(ax, p.c(-2)), p.c(lim))
	eh, el := p.expCore(a)
	one := p.c(1)
	dh := p.add(one, eh)
	dl := p.add(p.add(p.sub(one, dh), eh), el)
	nh := p.sub(one, eh)
	nl := p.sub(p.sub(p.sub(one, nh), eh), el)
	v := p.or(p.divDD(nh, nl, dh, dl), p.and(x, sign))
	p.outs = append(p.outs, p.blend(p.cmp(ax, p.c(tiny), cmpLT), v, x))
	return p
}

// expm1Prog builds e^x - 1: x clamped below at -700 (-80 in float32: the
// result rounds to -1 there anyway), e^x = eh + el in double length by
// expCore, then eh - 1 exactly as a sum s + se, and s + (se + el); x itself
// where |x| is tiny. x above 700 (80) and NaN stop the loop.
func expm1Prog(name string, t dt) *prog {
	p := newProg(name, t)
	x := p.in()
	lim, tiny := 700.0, 0x1p-54
	if t.bits == 32 {
		lim, tiny = 80, 0x1p-25
	}
	if t.bits == 64 {
		p.guard(p.cmp(x, p.c(lim), cmpNLE)) // NaN, x > lim
	} else {
		p.guard(p.cmp(x, x, cmpUNO))
		p.guard(p.cmp(p.c(lim), x, cmpLT))
	}
	eh, el := p.expCore(p.max(x, p.c(-lim)))
	s, se := p.twoSum(eh, p.c(-1))
	res := p.add(s, p.add(se, el))
	ax := p.and(x, p.cb(p.signBit()-1))
	p.outs = append(p.outs, p.blend(p.cmp(ax, p.c(tiny), cmpLT), res, x))
	return p
}

// The polynomials of atanProg and erfProg, highest degree first: weighted
// minimax fits by fit/transfit.py, rounded to the element type.
var (
	// atan r = r + r³·P(r²) on |r| ≤ tan(π/8).
	atanP64 = []float64{0x1.f2607709cfb4fp-7, -0x1.1256166c15c81p-5, 0x1.70fabd0badc64p-5, -0x1.ab80ee6789f3cp-5, 0x1.e1728df907363p-5, -0x1.110c7a625096bp-4, 0x1.3b136eb7e95b7p-4, -0x1.745d14c032a87p-4, 0x1.c71c71b77b71ep-4, -0x1.2492492475daap-3, 0x1.999999999965bp-3, -0x1.5555555555554p-2}
	atanP32 = []float64{0x1.84fa42p-5, -0x1.5b4674p-4, 0x1.c4683p-4, -0x1.247f08p-3, 0x1.99991ap-3, -0x1.555554p-2}
	// erf x = x·(2/√π - 2/√π·z/3 + z²·E(z)), z = x², |x| < 1.
	erfE64 = []float64{-0x1.2c558e3d47cc0p-38, 0x1.801d9e59e3297p-34, -0x1.4e94065d702d5p-30, 0x1.fc4e7cc5fd8e2p-27, -0x1.5f6e5a5fcc33dp-23, 0x1.b9e663a18b328p-20, -0x1.f4d2575af42a9p-17, 0x1.f9a326d0b6e45p-14, -0x1.c02db3ff5d7eep-11, 0x1.565bcd0e674b6p-8, -0x1.b82ce31288a9dp-6, 0x1.ce2f21a042be1p-4}
	erfE32 = []float64{-0x1.4caf1cp-17, 0x1.dc4c94p-14, -0x1.bd7cc2p-11, 0x1.5639fap-8, -0x1.b82b3ep-6, 0x1.ce2f1ap-4}
	// erf x = 1 - e^(-x²)·G(x - 3), 1 ≤ x ≤ 6 (float32: G(x - 2.5),
	// 1 ≤ x ≤ 4).
	erfG64 = []float64{-0x1.e1e2cb5e89267p-43, -0x1.6f77aa91f87fbp-40, -0x1.5fcad7b85cfeep-39, 0x1.3f9ead85c91e5p-37, 0x1.ec67d3ce271d6p-36, 0x1.fe5fbfe9f3e9cp-35, -0x1.16a206ca0fce4p-32, 0x1.11491e07c45abp-31, -0x1.cba97ce2c1c72p-29, 0x1.080cbba9674bdp-26, -0x1.1bab030d79702p-24, 0x1.367c1a9f35b7cp-22, -0x1.4b33a208f17aep-20, 0x1.595b5fbb7c084p-18, -0x1.602491e6ce7abp-16, 0x1.5e73b864110a9p-14, -0x1.53dec8446fec6p-12, 0x1.409cc29ff41c8p-10, -0x1.259061c242190p-8, 0x1.043fe1a9824e4p-6, -0x1.bd6ae4d143c8dp-5, 0x1.6e9827d229f24p-3}
	erfG32 = []float64{0x1.d7328p-18, 0x1.c72f48p-17, 0x1.02aab8p-15, -0x1.33285p-14, 0x1.75b9e8p-13, -0x1.888c2cp-11, 0x1.442518p-9, -0x1.05f944p-7, 0x1.989ae6p-6, -0x1.30870ap-4, 0x1.afbb3ap-3}
)

// atanProg builds atan x = sign(x)·(b + atan(n/d)): with a = |x|, n/d is
// a/1 (b = 0) for a ≤ tan(π/8), (a-1)/(a+1) (b = π/4) up to tan(3π/8), and
// -1/a (b = π/2) beyond, so that |n/d| ≤ tan(π/8). n and d are exact sums
// and the quotient y + yl is carried in double length; atan(y + yl) =
// y + yl·(1 - y²) + y³·P(y²), and b + y is summed exactly. Where a > 2^60
// (and for ±Inf) the result is ±π/2 rounded; NaN stops the loop.
func atanProg(name string, t dt) *prog {
	p := newProg(name, t)
	x := p.in()
	cs := atanP64
	if t.bits == 32 {
		cs = atanP32
	}
	p.guard(p.cmp(x, x, cmpUNO))
	sign := p.cb(p.signBit())
	ax := p.and(x, p.cb(p.signBit()-1))
	huge := p.c(0x1p60)
	a := p.blend(p.cmp(huge, ax, cmpLT), ax, huge)
	m0 := p.cmp(p.c(math.Sqrt2-1), a, cmpLT)
	m1 := p.cmp(p.c(math.Sqrt2+1), a, cmpLT)
	one, zero := p.c(1), p.c(0)
	sh, sl := p.twoSum(a, p.c(-1))
	ah, al := p.twoSum(a, one)
	nh := p.blend(m1, p.blend(m0, a, sh), p.c(-1))
	nl := p.blend(m1, p.blend(m0, zero, sl), zero)
	dh := p.blend(m1, p.blend(m0, one, ah), a)
	dl := p.blend(m1, p.blend(m0, zero, al), zero)
	inv := p.div(one, dh)
	y := p.mul(nh, inv)
	yl := p.mul(p.add(p.fnma(dh, y, nh), p.fnma(y, dl, nl)), inv)
	z := p.mul(y, y)
	tail := p.fma(p.mul(y, z), p.horner(z, cs...), p.fnma(yl, z, yl))
	// b = bh + bl: 0, π/4 or π/2.
	qpi := new(big.Float).SetPrec(400).Quo(halfPi, big.NewFloat(2))
	split := func(v *big.Float) (float64, float64) {
		h := round(v, t.prec)
		l := round(new(big.Float).SetPrec(400).Sub(v, h), t.prec)
		hf, _ := h.Float64()
		lf, _ := l.Float64()
		return hf, lf
	}
	q4h, q4l := split(qpi)
	q2h, q2l := split(halfPi)
	bh := p.blend(m1, p.blend(m0, zero, p.c(q4h)), p.c(q2h))
	bl := p.blend(m1, p.blend(m0, zero, p.c(q4l)), p.c(q2l))
	s, e := p.twoSum(bh, y)
	res := p.add(s, p.add(e, p.add(tail, bl)))
	p.outs = append(p.outs, p.or(res, p.and(x, sign)))
	return p
}

// erfProg builds erf x = sign(x)·erf|x|. For a = |x| < 1, erf a =
// a·(2/√π - 2/√π·z/3 + z²·E(z)), z = a², with everything but z²·E(z) in
// double length; for a ≥ 1 (clamped
// at 6, float32 4, where erf rounds to 1), erf a = 1 - e^(-a²)·G(a - c)
// with a² and e^(-a²) (expCore) in double length and 1 - e·G summed
// exactly before the last rounding. NaN stops the loop.
func erfProg(name string, t dt) *prog {
	p := newProg(name, t)
	x := p.in()
	es, gs, hi, mid := erfE64, erfG64, 6.0, 3.0
	if t.bits == 32 {
		es, gs, hi, mid = erfE32, erfG32, 4, 2.5
	}
	p.guard(p.cmp(x, x, cmpUNO))
	sign := p.cb(p.signBit())
	ax := p.and(x, p.cb(p.signBit()-1))
	// |x| < 1: c0 = 2/√π, e0 = -c0/3 and z = a² in double length; A + Ql
	// = c0 + z·e0 + z²·E(z) with c0 + zh·e0h summed exactly.
	c0 := new(big.Float).SetPrec(400).Quo(big.NewFloat(2), new(big.Float).SetPrec(400).Sqrt(new(big.Float).SetPrec(400).Mul(halfPi, big.NewFloat(2))))
	split := func(v *big.Float) (val, val) {
		h := round(v, t.prec)
		hf, _ := h.Float64()
		lf, _ := round(new(big.Float).SetPrec(400).Sub(v, h), t.prec).Float64()
		return p.c(hf), p.c(lf)
	}
	c0h, c0l := split(c0)
	e0h, e0l := split(new(big.Float).SetPrec(400).Quo(c0, big.NewFloat(-3)))
	// Tiny a is scaled up by 2^up first, so that the low part of a·A does
	// not underflow, and the result back down at the end.
	tinyT, up := 0x1p-900, 200
	if t.bits == 32 {
		tinyT, up = 0x1p-90, 50
	}
	tiny := p.cmp(ax, p.c(tinyT), cmpLT)
	as := p.blend(tiny, ax, p.mul(ax, p.c(math.Ldexp(1, up))))
	zh := p.mul(as, as)
	zl := p.fms(as, as, zh)
	ph := p.mul(zh, e0h)
	pl := p.fms(zh, e0h, ph)
	A := p.add(c0h, ph)
	ae := p.add(p.sub(c0h, A), ph)
	ql := p.fma(p.mul(zh, zh), p.horner(zh, es...), p.fma(zl, e0h, p.fma(zh, e0l, c0l)))
	ql = p.add(p.add(ae, pl), ql)
	rh := p.mul(as, A)
	small := p.add(rh, p.fma(as, ql, p.fms(as, A, rh)))
	small = p.blend(tiny, small, p.mul(small, p.c(math.Ldexp(1, -up))))
	// |x| ≥ 1
	lim := p.c(hi)
	a := p.blend(p.cmp(lim, ax, cmpLT), ax, lim)
	g := p.horner(p.sub(a, p.c(mid)), gs...)
	h := p.mul(a, a)
	l := p.fms(a, a, h)
	eh, el := p.expCore(p.xor(h, sign))
	el = p.fnma(eh, l, el) // e^(-h-l) = e^-h·(1 - l)
	qh := p.mul(eh, g)
	qe := p.fma(el, g, p.fms(eh, g, qh))
	one := p.c(1)
	s := p.sub(one, qh)
	sl := p.sub(p.sub(one, s), qh)
	large := p.add(s, p.sub(sl, qe))
	res := p.blend(p.cmp(ax, one, cmpLT), large, small)
	p.outs = append(p.outs, p.or(res, p.and(x, sign)))
	return p
}

// powProg builds x^y = e^(y·ln x) for finite x > 0 and finite y (the rest
// stops the loop: the scalar code has the special cases and negative x).
// ln x = e·ln 2 + 2·atanh s, s = f/(2+f) as in logProg, is carried to about
// 2^-100 relative: s = sh + sl in double length, 2sh + (2/3)·sh³ summed
// exactly with e·ln2hi, the rest (e·ln2lo, 2sl·(1+s²), s⁵·Q(s²) with Q
// Taylor's 2/5 + 2/7·s² + ...) added before Lh + Ll is formed. y·(Lh + Ll)
// = ph + pl by an FMA, clamped where |ph| > 760 (float32: 110) where the
// result is 0 or +Inf anyway, then e^(ph + pl) by expParts and 2^k applied
// in two halves, so that overflow gives +Inf and subnormal results are
// rounded once from eh.
func powProg(name string, t dt) *prog {
	p := newProg(name, t)
	x := p.in()
	y := p.in2()
	mant := int(t.prec - 1)
	var ln2hi, ln2lo, minNormal, maxFloat, expBias, clamp float64
	var one, sqrtHalf uint64
	scale, qdeg := 54, 12
	if t.bits == 64 {
		ln2hi, ln2lo = 6.93147180369123816490e-01, 1.90821492927058770002e-10
		minNormal, maxFloat, expBias, clamp = 0x1p-1022, math.MaxFloat64, 1023, 760
		one, sqrtHalf = math.Float64bits(1), math.Float64bits(math.Sqrt2/2)
	} else {
		ln2hi, ln2lo = 0.693145751953125, 1.428606765330187045e-06
		minNormal, maxFloat, expBias, clamp = 0x1p-126, math.MaxFloat32, 127, 110
		one, sqrtHalf = uint64(math.Float32bits(1)), uint64(math.Float32bits(float32(math.Sqrt2/2)))
		scale, qdeg = 25, 6
	}
	p.guard(p.cmp(x, p.c(0), cmpLE))         // ±0, negatives
	p.guard(p.cmp(x, p.c(maxFloat), cmpNLE)) // +Inf, NaN
	sign := p.cb(p.signBit())
	ay := p.and(y, p.cb(p.signBit()-1))
	p.guard(p.cmp(ay, p.c(maxFloat), cmpNLE)) // ±Inf, NaN
	// x = 2^e·m, m in [√2/2, √2), as in logProg.
	sub := p.cmp(x, p.c(minNormal), cmpLT)
	x = p.blend(sub, x, p.mul(x, p.c(math.Ldexp(1, scale))))
	u := p.iadd(x, p.cb(one-sqrtHalf))
	m := p.iadd(p.and(u, p.cb(1<<mant-1)), p.cb(sqrtHalf))
	e := p.sub(p.or(p.shr(u, mant), p.c(math.Ldexp(1, mant))), p.c(math.Ldexp(1, mant)+expBias))
	e = p.sub(e, p.and(sub, p.c(float64(scale))))
	f := p.sub(m, p.c(1)) // exact
	dh, dl := p.twoSum(p.c(2), f)
	inv := p.div(p.c(1), dh)
	sh := p.mul(f, inv)
	sl := p.mul(p.fnma(sh, dl, p.fnma(sh, dh, f)), inv)
	// (2/3)·sh³ = th + tl
	c23 := new(big.Float).SetPrec(400).Quo(big.NewFloat(2), big.NewFloat(3))
	c23h := round(c23, t.prec)
	c23hf, _ := c23h.Float64()
	c23lf, _ := round(new(big.Float).SetPrec(400).Sub(c23, c23h), t.prec).Float64()
	z := p.mul(sh, sh)
	zl := p.fms(sh, sh, z)
	b := p.mul(z, sh)
	bl := p.fma(zl, sh, p.fms(z, sh, b))
	th := p.mul(b, p.c(c23hf))
	tl := p.fma(bl, p.c(c23hf), p.fma(b, p.c(c23lf), p.fms(b, p.c(c23hf), th)))
	var qs []float64
	for k := qdeg - 1; k >= 0; k-- {
		qs = append(qs, 2/float64(2*k+5))
	}
	two := p.c(2)
	A, a := p.twoSum(p.mul(e, p.c(ln2hi)), p.mul(sh, two))
	B := p.add(A, th)
	bb := p.add(p.sub(A, B), th)
	rest := p.fma(p.mul(sh, p.mul(z, z)), p.horner(z, qs...), p.fma(p.mul(sl, two), p.add(z, p.c(1)), p.fma(e, p.c(ln2lo), tl)))
	rest = p.add(p.add(a, bb), rest)
	Lh := p.add(B, rest)
	Ll := p.add(p.sub(B, Lh), rest)
	// y·L = ph + pl, clamped.
	ph := p.mul(y, Lh)
	pl := p.fma(y, Ll, p.fms(y, Lh, ph))
	lim := p.c(clamp)
	over := p.cmp(p.and(ph, p.cb(p.signBit()-1)), lim, cmpNLE)
	ph = p.blend(over, ph, p.or(lim, p.and(ph, sign)))
	pl = p.blend(over, pl, p.c(0))
	eh, _, tk, _ := p.expParts(ph, pl)
	// 2^k = 2^k1·2^(k-k1), k1 = round(k/2).
	shift := p.c(map[int]float64{64: 0x1.8p52, 32: 0x1.8p23}[t.bits])
	k := p.sub(tk, shift)
	tk1 := p.fma(k, p.c(0.5), shift)
	tk2 := p.add(p.sub(k, p.sub(tk1, shift)), shift)
	p.outs = append(p.outs, p.mul(p.mul(eh, p.pow2(tk1)), p.pow2(tk2)))
	return p
}

// decls collects the Go declarations of the assembly functions.
var decls bytes.Buffer

// liveness: last use of each value.
func (p *prog) lastUse(needed []bool, zmm bool) []int {
	last := make([]int, len(p.ins))
	for i, in := range p.ins {
		if !needed[i] {
			continue
		}
		for _, a := range p.uses(in, zmm) {
			last[a] = i
		}
	}
	for _, o := range p.outs {
		last[o] = len(p.ins)
	}
	return last
}

// uses are the arguments in reads in the assembly: scalef reads k with
// zmm, 2^k without.
func (p *prog) uses(in ins, zmm bool) []val {
	if in.op == "scalef" {
		if zmm {
			return in.args[:2]
		}
		return []val{in.args[0], in.args[2]}
	}
	return in.args
}

// needed reports, for each instruction of p, whether the assembly loop
// computes it: the outputs, the guards and what they read.
func (p *prog) needed(zmm bool) []bool {
	need := make([]bool, len(p.ins))
	for _, o := range p.outs {
		need[o] = true
	}
	for i := len(p.ins) - 1; i >= 0; i-- {
		if in := p.ins[i]; need[i] || in.op == "guard" || in.op == "in" || in.op == "in2" {
			need[i] = true
			for _, a := range p.uses(in, zmm) {
				need[a] = true
			}
		}
	}
	return need
}

// asm emits the loop of p.
//
// With zmm, the loop is the AVX-512 one (AVX512F and AVX512DQ): 512-bit
// registers Z0..Z31, twice the lanes; comparisons go through K1 and come
// back as vectors of all ones or zeros (VPMOVM2Q), blends and guards read
// the sign bits into K1 (VPMOVQ2M). The name gets a Z.
func (p *prog) asm(w *bytes.Buffer, zmm bool) {
	t := p.t
	pr := func(format string, args ...any) { fmt.Fprintf(w, "\t"+format+"\n", args...) }
	name := p.name
	// The AVX2 loops read each constant from a block of 32 bytes; the
	// AVX-512 loops broadcast it from one element (embedded broadcast,
	// .BCST, or VBROADCASTSD/SS), because the linker aligns the table to
	// 32 bytes only and a 64-byte block would then straddle two cache
	// lines in half the binaries (measured: up to 1.9× the loop's time).
	width, nreg, lanes := 32, 16, t.lanes
	if zmm {
		name += "Z"
		width, nreg, lanes = t.bits/8, 32, 2*t.lanes
	}
	qd := "Q"
	if t.bits == 32 {
		qd = "D"
	}
	tab := strings.ToLower(name) + "c"
	// constants, deduplicated, each in a block as wide as a register
	off := map[uint64]int{}
	var order []uint64
	for _, c := range p.consts {
		if _, ok := off[c]; !ok {
			off[c] = len(order) * width
			order = append(order, c)
		}
	}
	fmt.Fprintln(w)
	for i, c := range order {
		for l := 0; l < width; l += t.bits / 8 {
			fmt.Fprintf(w, "DATA %s<>+%d(SB)/%d, $%#x\n", tab, i*width+l, t.bits/8, c)
		}
	}
	fmt.Fprintf(w, "GLOBL %s<>(SB), RODATA|NOPTR, $%d\n", tab, len(order)*width)
	mem := func(v val) string { return fmt.Sprintf("%s<>+%d(SB)", tab, off[p.consts[p.isConst[v]]]) }
	// bc is mnemonic mn for a last source operand o: with .BCST where o is a
	// constant in memory and the loop an AVX-512 one.
	bc := func(mn, o string) string {
		if zmm && strings.HasSuffix(o, "(SB)") {
			return mn + ".BCST"
		}
		return mn
	}
	// load is the instruction that loads constant v into a whole register.
	load := func(v val) string {
		if zmm {
			return "VBROADCASTS" + map[int]string{64: "D", 32: "S"}[t.bits] + " " + mem(v)
		}
		return "VMOVUP" + t.p[1:] + " " + mem(v)
	}

	nout := len(p.outs)
	sig := []string{"d"}
	if nout == 2 {
		sig = []string{"d0", "d1"}
	}
	ins := "x"
	if p.nin == 2 {
		ins = "x, y"
	}
	fmt.Fprintf(w, "\n// func %s(%s, %s *%s, n int) int\n", name, strings.Join(sig, ", "), ins, t.goType)
	argBytes := 8 * (nout + p.nin + 1)
	fmt.Fprintf(w, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", name, argBytes+8)
	fmt.Fprintf(&decls, "\n//go:noescape\nfunc %s(%s, %s *%s, n int) int\n", name, strings.Join(sig, ", "), ins, t.goType)
	outRegs := []string{"DI", "DX"}
	for i := 0; i < nout; i++ {
		pr("MOVQ %s+%d(FP), %s", sig[i], 8*i, outRegs[i])
	}
	pr("MOVQ x+%d(FP), SI", 8*nout)
	if p.nin == 2 {
		pr("MOVQ y+%d(FP), BX", 8*nout+8)
	}
	pr("MOVQ n+%d(FP), CX", 8*(nout+p.nin))
	pr("XORQ AX, AX")
	pr("PCALIGN $64")
	fmt.Fprintf(w, "loop:\n")
	pr("CMPQ AX, CX")
	pr("JGE done")

	needed := p.needed(zmm)
	last := p.lastUse(needed, zmm)
	reg := map[val]int{}
	var free [32]bool
	for i := range nreg {
		free[i] = true
	}
	alloc := func() int {
		for i := range free {
			if free[i] {
				free[i] = false
				return i
			}
		}
		panic(p.name + ": out of registers")
	}
	y := func(r int) string {
		if zmm {
			return fmt.Sprintf("Z%d", r)
		}
		return fmt.Sprintf("Y%d", r)
	}
	// opnd is the operand for v: a register, or memory for a constant.
	opnd := func(v val) string {
		if _, ok := p.isConst[v]; ok {
			return mem(v)
		}
		return y(reg[v])
	}
	// inReg loads a constant into a fresh register when a register is
	// needed; the caller frees it with release.
	var temps []int
	inReg := func(v val) string {
		if _, ok := p.isConst[v]; ok {
			r := alloc()
			temps = append(temps, r)
			pr("%s, %s", load(v), y(r))
			return y(r)
		}
		return y(reg[v])
	}
	isC := func(v val) bool { _, ok := p.isConst[v]; return ok }
	// copyTo copies v, a register or a constant, into register d.
	copyTo := func(v val, d int) {
		if isC(v) {
			pr("%s, %s", load(v), y(d))
			return
		}
		pr("VMOVUP%s %s, %s", t.p[1:], y(reg[v]), y(d))
	}
	// With zmm, a comparison whose every use is as the mask of a guard or
	// a blend stays in a mask register (K2..K7), not as a vector.
	maskOnly := map[val]bool{}
	if zmm {
		for i, in := range p.ins {
			if in.op == "cmp" {
				maskOnly[val(i)] = true
			}
		}
		for _, in := range p.ins {
			for j, a := range in.args {
				if in.op != "guard" && (j != 0 || in.op != "blend") {
					delete(maskOnly, a)
				}
			}
		}
		for _, o := range p.outs {
			delete(maskOnly, o)
		}
	}
	kreg := map[val]int{}
	var kfree [8]bool
	for i := 2; i < 8; i++ {
		kfree[i] = true
	}
	// mask returns the mask register holding the sign bits of v: its own
	// for a comparison kept in one, else K1, loaded from v.
	mask := func(v val) string {
		if k, ok := kreg[v]; ok {
			return fmt.Sprintf("K%d", k)
		}
		pr("VPMOV%s2M %s, K1", qd, inReg(v))
		return "K1"
	}
	for i, in := range p.ins {
		v := val(i)
		if !needed[i] {
			continue
		}
		temps = temps[:0]
		dies := func(a val) bool { return !isC(a) && last[a] == i }
		releaseDead := func() {
			for _, a := range in.args {
				if dies(a) {
					if r, ok := reg[a]; ok {
						free[r] = true
						delete(reg, a)
					}
					if k, ok := kreg[a]; ok {
						kfree[k] = true
						delete(kreg, a)
					}
				}
			}
		}
		switch in.op {
		case "in", "in2":
			r := alloc()
			reg[v] = r
			src := map[string]string{"in": "SI", "in2": "BX"}[in.op]
			pr("VMOVUP%s (%s)(AX*%d), %s", t.p[1:], src, t.bits/8, y(r))
			continue
		case "const":
			continue
		case "guard":
			ks := make([]string, len(in.args))
			for j, a := range in.args {
				if k, ok := kreg[a]; ok {
					ks[j] = fmt.Sprintf("K%d", k)
				}
			}
			switch {
			case zmm && len(ks) == 2 && ks[0] != "" && ks[1] != "":
				pr("KORTESTW %s, %s", ks[0], ks[1])
				pr("JNZ done")
			case zmm:
				for _, a := range in.args {
					k := mask(a)
					pr("KORTESTW %s, %s", k, k)
					pr("JNZ done")
				}
			default:
				for j, a := range in.args {
					pr("VMOVMSK%s %s, R%d", t.p, inReg(a), 8+min(j, 1))
					if j > 0 {
						pr("ORQ R9, R8")
					}
				}
				pr("TESTQ R8, R8")
				pr("JNZ done")
			}
		case "fma", "fnma", "fms":
			// ±(a·b) ± c, in the form whose destination is the register
			// of an operand that dies here (231: d = s2·s3 + d, d from c;
			// 213: d = s2·d + s3, d from a or b), else in a fresh register
			// loaded with a constant operand, or copied from one.
			a, b, c := in.args[0], in.args[1], in.args[2]
			base := map[string]string{"fma": "VFMADD", "fnma": "VFNMADD", "fms": "VFMSUB"}[in.op]
			if !dies(a) && dies(b) || isC(a) && !isC(b) {
				a, b = b, a // a·b = b·a
			}
			var form, s2, s3 string
			var d int
			switch {
			case dies(c) && !isC(c):
				if isC(a) {
					a, b = b, a
				}
				form, s2, s3 = "231", inReg(a), opnd(b)
				d = reg[c]
				delete(reg, c)
			case dies(a) && !isC(a):
				form, s2, s3 = "213", inReg(b), opnd(c)
				d = reg[a]
				delete(reg, a)
			case isC(c) && isC(b):
				// d = b, loaded; then d = a·d + c.
				form, s2, s3 = "213", inReg(a), opnd(c)
				d = alloc()
				pr("%s, %s", load(b), y(d))
			case isC(c):
				form, s2, s3 = "213", inReg(b), opnd(c)
				d = alloc()
				copyTo(a, d)
			default:
				form, s2, s3 = "231", inReg(a), opnd(b)
				d = alloc()
				copyTo(c, d)
			}
			pr("%s %s, %s, %s", bc(base+form+t.p, s3), s3, s2, y(d))
			for _, r := range temps {
				free[r] = true
			}
			releaseDead()
			reg[v] = d
			continue
		case "scalef":
			a, b := in.args[0], in.args[1]
			mn := "VSCALEF" + t.p
			if !zmm {
				b, mn = in.args[2], "VMUL"+t.p
			}
			ra, rb := inReg(a), opnd(b)
			for _, r := range temps {
				free[r] = true
			}
			releaseDead()
			d := alloc()
			reg[v] = d
			pr("%s %s, %s, %s", bc(mn, rb), rb, ra, y(d))
			continue
		case "add", "sub", "mul", "div", "and", "or", "xor", "isub", "iadd", "cmp", "max", "min":
			a, b := in.args[0], in.args[1]
			switch in.op {
			case "add", "mul", "and", "or", "xor", "iadd":
				// Commutative: a constant goes to the memory operand
				// (for add and mul this can change only which NaN comes
				// back when both are NaN).
				if isC(a) && !isC(b) {
					a, b = b, a
				}
			}
			ra := inReg(a)
			rb := opnd(b)
			for _, r := range temps {
				free[r] = true
			}
			releaseDead()
			if maskOnly[v] {
				k := -1
				for j := 2; j < 8; j++ {
					if kfree[j] {
						k = j
						break
					}
				}
				if k >= 0 {
					kfree[k] = false
					kreg[v] = k
					pr("%s $%d, %s, %s, K%d", bc("VCMP"+t.p, rb), in.imm, rb, ra, k)
					continue
				}
			}
			d := alloc()
			reg[v] = d
			var mn string
			switch in.op {
			case "isub":
				mn = t.isub
			case "iadd":
				mn = t.iadd
			case "and", "or", "xor":
				mn = "V" + strings.ToUpper(in.op) + t.p
				if zmm {
					mn = "VP" + strings.ToUpper(in.op) + qd
				}
			case "cmp":
				if zmm {
					pr("%s $%d, %s, %s, K1", bc("VCMP"+t.p, rb), in.imm, rb, ra)
					pr("VPMOVM2%s K1, %s", qd, y(d))
					continue
				}
				pr("VCMP%s $%d, %s, %s, %s", t.p, in.imm, rb, ra, y(d))
				continue
			default:
				mn = "V" + strings.ToUpper(in.op) + t.p
			}
			pr("%s %s, %s, %s", bc(mn, rb), rb, ra, y(d))
			continue
		case "shl", "shr":
			ra := inReg(in.args[0])
			for _, r := range temps {
				free[r] = true
			}
			releaseDead()
			d := alloc()
			reg[v] = d
			mn := t.shl
			if in.op == "shr" {
				mn = t.shr
			}
			pr("%s $%d, %s, %s", mn, in.imm, ra, y(d))
			continue
		case "blend":
			m, a, b := in.args[0], in.args[1], in.args[2]
			if zmm {
				k := mask(m)
				ra, rb := inReg(a), opnd(b)
				for _, r := range temps {
					free[r] = true
				}
				releaseDead()
				d := alloc()
				reg[v] = d
				pr("%s %s, %s, %s, %s", bc("VBLENDM"+t.p, rb), rb, ra, k, y(d))
				continue
			}
			rm, ra, rb := inReg(m), inReg(a), opnd(b)
			for _, r := range temps {
				free[r] = true
			}
			releaseDead()
			d := alloc()
			reg[v] = d
			pr("VBLENDV%s %s, %s, %s, %s", t.p, rm, rb, ra, y(d))
			continue
		default:
			panic(in.op)
		}
		for _, r := range temps {
			free[r] = true
		}
		releaseDead()
	}
	for i, o := range p.outs {
		pr("VMOVUP%s %s, (%s)(AX*%d)", t.p[1:], inReg(o), outRegs[i], t.bits/8)
	}
	pr("ADDQ $%d, AX", lanes)
	pr("JMP loop")
	fmt.Fprintf(w, "done:\n")
	pr("MOVQ AX, ret+%d(FP)", argBytes)
	pr("VZEROUPPER")
	pr("RET")
}

// model emits the float64 Go model of p.
func (p *prog) model(w *bytes.Buffer, name, doc string) {
	nout := len(p.outs)
	res := strings.Repeat("float64, ", nout)
	params := "x float64"
	if p.nin == 2 {
		params = "x, y float64"
	}
	fmt.Fprintf(w, "\n%s\nfunc %s(%s) (%sbool) {\n", doc, name, params, res)
	zeros := strings.Repeat("0, ", nout)
	// used: the values the outputs and guards depend on (the rest is dead
	// code here; the assembly computes it, to the same effect).
	used := map[val]bool{}
	for _, o := range p.outs {
		used[o] = true
	}
	for i := len(p.ins) - 1; i >= 0; i-- {
		if in := p.ins[i]; used[val(i)] || in.op == "guard" {
			for _, a := range in.args {
				used[a] = true
			}
		}
	}
	n := func(v val) string {
		if i, ok := p.isConst[v]; ok {
			return fmt.Sprintf("math.Float64frombits(%#x)", p.consts[i])
		}
		if v == 0 {
			return "x"
		}
		if p.ins[v].op == "in2" {
			return "y"
		}
		return fmt.Sprintf("v%d", v)
	}
	u := func(v val) string { return "math.Float64bits(" + n(v) + ")" }
	for i, in := range p.ins {
		v := val(i)
		a := in.args
		var e string
		switch in.op {
		case "in", "in2", "const":
			continue
		case "guard":
			var cs []string
			for _, m := range a {
				cs = append(cs, u(m)+">>63 != 0")
			}
			fmt.Fprintf(w, "\tif %s {\n\t\treturn %sfalse\n\t}\n", strings.Join(cs, " || "), zeros)
			continue
		case "fma":
			e = fmt.Sprintf("math.FMA(%s, %s, %s)", n(a[0]), n(a[1]), n(a[2]))
		case "fnma":
			e = fmt.Sprintf("math.FMA(-%s, %s, %s)", n(a[0]), n(a[1]), n(a[2]))
		case "fms":
			e = fmt.Sprintf("math.FMA(%s, %s, -%s)", n(a[0]), n(a[1]), n(a[2]))
		case "scalef":
			e = fmt.Sprintf("float64(%s * %s)", n(a[0]), n(a[2]))
		case "add", "sub", "mul", "div":
			op := map[string]string{"add": "+", "sub": "-", "mul": "*", "div": "/"}[in.op]
			e = fmt.Sprintf("float64(%s %s %s)", n(a[0]), op, n(a[1]))
		case "and", "or", "xor", "isub", "iadd":
			op := map[string]string{"and": "&", "or": "|", "xor": "^", "isub": "-", "iadd": "+"}[in.op]
			e = fmt.Sprintf("math.Float64frombits(%s %s %s)", u(a[0]), op, u(a[1]))
		case "max":
			e = fmt.Sprintf("vmax(%s, %s)", n(a[0]), n(a[1]))
		case "min":
			e = fmt.Sprintf("vmin(%s, %s)", n(a[0]), n(a[1]))
		case "shl":
			e = fmt.Sprintf("math.Float64frombits(%s << %d)", u(a[0]), in.imm)
		case "shr":
			e = fmt.Sprintf("math.Float64frombits(%s >> %d)", u(a[0]), in.imm)
		case "cmp":
			var c string
			switch in.imm {
			case cmpLT:
				c = fmt.Sprintf("%s < %s", n(a[0]), n(a[1]))
			case cmpLE:
				c = fmt.Sprintf("%s <= %s", n(a[0]), n(a[1]))
			case cmpUNO:
				c = fmt.Sprintf("%s != %s || %s != %s", n(a[0]), n(a[0]), n(a[1]), n(a[1]))
				if a[0] == a[1] {
					c = fmt.Sprintf("%s != %s", n(a[0]), n(a[0]))
				}
			case cmpNLE:
				c = fmt.Sprintf("!(%s <= %s)", n(a[0]), n(a[1]))
			case cmpNLT:
				c = fmt.Sprintf("!(%s < %s)", n(a[0]), n(a[1]))
			case cmpNGE:
				c = fmt.Sprintf("!(%s >= %s)", n(a[0]), n(a[1]))
			default:
				panic("cmp")
			}
			e = "mask(" + c + ")"
		case "blend":
			e = fmt.Sprintf("blend(%s, %s, %s)", n(a[0]), n(a[1]), n(a[2]))
		default:
			panic(in.op)
		}
		if !used[v] {
			continue
		}
		fmt.Fprintf(w, "\tv%d := %s\n", v, e)
	}
	var outs []string
	for _, o := range p.outs {
		outs = append(outs, n(o))
	}
	fmt.Fprintf(w, "\treturn %s, true\n}\n", strings.Join(outs, ", "))
}

func main() {
	var s, m bytes.Buffer
	fmt.Fprintf(&s, "// Code generated by transgen.go; DO NOT EDIT.\n\n//go:build amd64\n\n#include \"textflag.h\"\n")
	fmt.Fprintf(&m, "// Code generated by transgen.go; DO NOT EDIT.\n\npackage kernel\n\nimport \"math\"\n")
	for _, t := range []dt{f64, f32} {
		for _, which := range []string{"sin", "cos", "sincos"} {
			p := sincosProg(which+"Vec"+t.suffix, which, t)
			p.asm(&s, false)
			p.asm(&s, true)
			if t.bits == 64 {
				doc := fmt.Sprintf("// %sModel is the Go model of %sVec64 on one element: ok is false where\n// the loop stops (|x| > %g, ±Inf, NaN).", which, which, paramsFor(t).thr)
				p.model(&m, which+"Model", doc)
			}
		}
		if t.bits == 32 {
			p := expProg("expVec32", t)
			p.asm(&s, false)
			p.asm(&s, true)
		}
		p := sigmoidProg("sigmoidVec"+t.suffix, t)
		p.asm(&s, false)
		p.asm(&s, true)
		if t.bits == 64 {
			p.model(&m, "sigmoidModel", "// sigmoidModel is the Go model of sigmoidVec64 on one element: ok is false\n// where the loop stops (x < -700, NaN).")
		}
		p = tanhProg("tanhVec"+t.suffix, t)
		p.asm(&s, false)
		p.asm(&s, true)
		if t.bits == 64 {
			p.model(&m, "tanhModel", "// tanhModel is the Go model of tanhVec64 on one element: ok is false where\n// the loop stops (NaN).")
		}
		p = logProg("logVec"+t.suffix, t, false)
		p.asm(&s, false)
		p.asm(&s, true)
		if t.bits == 64 {
			p.model(&m, "logModel", "// logModel is the Go model of logVec64 on one element: ok is false where\n// the loop stops (x ≤ 0, +Inf, NaN).")
		}
		p = logProg("log1pVec"+t.suffix, t, true)
		p.asm(&s, false)
		p.asm(&s, true)
		if t.bits == 64 {
			p.model(&m, "log1pModel", "// log1pModel is the Go model of log1pVec64 on one element: ok is false\n// where the loop stops (x ≤ -1, +Inf, NaN).")
		}
		p = expm1Prog("expm1Vec"+t.suffix, t)
		p.asm(&s, false)
		p.asm(&s, true)
		if t.bits == 64 {
			p.model(&m, "expm1Model", "// expm1Model is the Go model of expm1Vec64 on one element: ok is false\n// where the loop stops (x > 700, NaN).")
		}
		p = tanProg("tanVec"+t.suffix, t)
		p.asm(&s, false)
		p.asm(&s, true)
		if t.bits == 64 {
			p.model(&m, "tanModel", fmt.Sprintf("// tanModel is the Go model of tanVec64 on one element: ok is false where\n// the loop stops (|x| > %g, ±Inf, NaN).", paramsFor(t).thr))
		}
		p = atanProg("atanVec"+t.suffix, t)
		p.asm(&s, false)
		p.asm(&s, true)
		if t.bits == 64 {
			p.model(&m, "atanModel", "// atanModel is the Go model of atanVec64 on one element: ok is false where\n// the loop stops (NaN).")
		}
		p = powProg("powVec"+t.suffix, t)
		p.asm(&s, false)
		p.asm(&s, true)
		if t.bits == 64 {
			p.model(&m, "powModel", "// powModel is the Go model of powVec64 on one pair: ok is false where the\n// loop stops (x ≤ 0, x or y ±Inf or NaN).")
		}
		p = erfProg("erfVec"+t.suffix, t)
		p.asm(&s, false)
		p.asm(&s, true)
		if t.bits == 64 {
			p.model(&m, "erfModel", "// erfModel is the Go model of erfVec64 on one element: ok is false where\n// the loop stops (NaN).")
		}
	}
	twoOverPi(&m)
	if err := os.WriteFile("trans_amd64.s", s.Bytes(), 0o644); err != nil {
		panic(err)
	}
	d := "// Code generated by transgen.go; DO NOT EDIT.\n\n//go:build amd64\n\npackage kernel\n\n// The loops of trans_amd64.s. Each sets d[i] = f(x[i]) for i < n, n a\n// multiple of the lanes, and returns the length done: it stops before the\n// first block with an argument it does not handle. d may be x. The names\n// ending in Z are the AVX-512 loops.\n" + decls.String()
	if err := os.WriteFile("trans_decl_amd64.go", []byte(d), 0o644); err != nil {
		panic(err)
	}
	if err := os.WriteFile("trans_model.go", m.Bytes(), 0o644); err != nil {
		panic(err)
	}
}
