package kernel

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// Tests of Tan, Atan and Erf in float64 against math/big (the float32
// functions are in TestTrans32).

// bigAtan is atan x to about 250 bits: atan x = π/2 - atan(1/x) above 1,
// then five halvings atan t = 2·atan(t/(1 + √(1+t²))) and Taylor's series.
func bigAtan(x float64) *big.Float {
	const p = 300
	t := new(big.Float).SetPrec(p).SetFloat64(math.Abs(x))
	flip := t.Cmp(big.NewFloat(1)) > 0
	if flip {
		t.Quo(new(big.Float).SetPrec(p).SetInt64(1), t)
	}
	const halvings = 5
	for range halvings {
		s := new(big.Float).SetPrec(p).Mul(t, t)
		s.Add(s, big.NewFloat(1))
		s.Sqrt(s)
		s.Add(s, big.NewFloat(1))
		t.Quo(t, s)
	}
	t2 := new(big.Float).SetPrec(p).Mul(t, t)
	sum := new(big.Float).SetPrec(p).Set(t)
	term := new(big.Float).SetPrec(p).Set(t)
	for n := 1; n < 40; n++ {
		term.Mul(term, t2)
		term.Neg(term)
		sum.Add(sum, new(big.Float).SetPrec(p).Quo(term, new(big.Float).SetInt64(int64(2*n+1))))
	}
	sum.SetMantExp(sum, halvings)
	if flip {
		sum.Sub(new(big.Float).SetPrec(p).Set(bigHalfPi), sum)
	}
	if x < 0 {
		sum.Neg(sum)
	}
	return sum
}

// bigErf is erf x for |x| ≤ 7 by its Taylor series (terms up to about
// 2^71 at 7: computed with 500 bits, until they fall 2^300 below the sum).
func bigErf(x float64) *big.Float {
	const p = 500
	bx := new(big.Float).SetPrec(p).SetFloat64(x)
	x2 := new(big.Float).SetPrec(p).Mul(bx, bx)
	sum := new(big.Float).SetPrec(p).Set(bx)
	term := new(big.Float).SetPrec(p).Set(bx) // (-1)^n x^(2n+1)/n!
	for n := 1; n < 400 && term.Sign() != 0 && term.MantExp(nil) > sum.MantExp(nil)-300; n++ {
		term.Mul(term, x2)
		term.Quo(term, new(big.Float).SetInt64(int64(-n)))
		sum.Add(sum, new(big.Float).SetPrec(p).Quo(term, new(big.Float).SetInt64(int64(2*n+1))))
	}
	sqrtPi := new(big.Float).SetPrec(p).Mul(bigHalfPi, big.NewFloat(2))
	sqrtPi.Sqrt(sqrtPi)
	return sum.Quo(sum.Mul(sum, big.NewFloat(2)), sqrtPi)
}

// TestTanAtanErf64 measures Tan, Atan and Erf against math/big, checks the
// loops against the Go models bit for bit, the bound of 1 ulp, and the
// special values (signed zeros, ±Inf, NaN).
func TestTanAtanErf64(t *testing.T) {
	if !fmaFast {
		t.Skip("no hardware FMA: Tan, Atan and Erf are the math package's")
	}
	n := 1000
	if *transExhaustive {
		n = 10000
	} else if testing.Short() {
		n = 300
	}
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b }
	worst := func(name string, xs []float64, f func(i int) float64) {
		w, at := parallelMax(len(xs), f)
		t.Logf("%s: largest error %.3f ulp at x = %v (%d arguments)", name, w, xs[at], len(xs))
		if !(w <= 1) {
			t.Errorf("%s: error %.3f ulp at x = %v", name, w, xs[at])
		}
	}
	r := rand.New(rand.NewPCG(21, 22))
	special := []float64{0, math.Copysign(0, -1), 5e-324, -5e-324, 1e-310, 0x1p-1022, 1e-20, math.MaxFloat64,
		-math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN()}

	t.Run("Tan", func(t *testing.T) {
		xs := transSamples64(n)
		got := make([]float64, len(xs))
		withAsm(t, func() { Tan(got, xs) })
		for i, x := range xs {
			if !same(got[i], tan64(x)) {
				t.Fatalf("Tan(%v): loop %v, Go model %v", x, got[i], tan64(x))
			}
		}
		worst("Tan", xs, func(i int) float64 {
			x := xs[i]
			if math.IsInf(x, 0) || x != x {
				return ulps64(got[i], math.NaN())
			}
			if x == 0 {
				return ulps64(got[i], x) + b2f(math.Signbit(got[i]) != math.Signbit(x))
			}
			if math.Abs(x) > 1e60 { // beyond bigHalfPi's precision
				return 0
			}
			s, c := bigSinCos(x)
			return ulpsFrom(got[i], new(big.Float).SetPrec(bigPrec).Quo(s, c))
		})
	})

	t.Run("Atan", func(t *testing.T) {
		xs := append([]float64(nil), special...)
		xs = append(xs, 1, -1, math.Sqrt2-1, math.Sqrt2+1, 0x1p60, 0x1p61, 1e300)
		for range 4 * n {
			xs = append(xs, -3+6*r.Float64(), math.Copysign(math.Exp2(-1074+2100*r.Float64()), r.Float64()-0.5),
				math.Copysign(math.Exp2(-30+60*r.Float64()), r.Float64()-0.5))
		}
		for _, c := range []float64{math.Sqrt2 - 1, 1, math.Sqrt2 + 1} { // where the reduction switches
			for d := -50; d <= 50; d++ {
				xs = append(xs, math.Float64frombits(uint64(int64(math.Float64bits(c))+int64(d))))
			}
		}
		got := make([]float64, len(xs))
		withAsm(t, func() { Atan(got, xs) })
		for i, x := range xs {
			if !same(got[i], atan64(x)) {
				t.Fatalf("Atan(%v): loop %v, Go model %v", x, got[i], atan64(x))
			}
		}
		worst("Atan", xs, func(i int) float64 {
			x := xs[i]
			if math.IsInf(x, 0) || x != x {
				return ulps64(got[i], math.Atan(x))
			}
			if x == 0 {
				return ulps64(got[i], x) + b2f(math.Signbit(got[i]) != math.Signbit(x))
			}
			return ulpsFrom(got[i], bigAtan(x))
		})
	})

	t.Run("Erf", func(t *testing.T) {
		xs := append([]float64(nil), special...)
		xs = append(xs, 1, -1, 6, 5.9, 5.93, 7, -7, 100)
		for range 4 * n {
			xs = append(xs, -7+14*r.Float64(), -1.5+3*r.Float64(), math.Copysign(math.Exp2(-1074+1080*r.Float64()), r.Float64()-0.5),
				0.85+0.45*r.Float64()) // the largest errors: near the switch at 1
		}
		for d := -50; d <= 50; d++ {
			xs = append(xs, math.Float64frombits(uint64(int64(math.Float64bits(1))+int64(d))))
		}
		got := make([]float64, len(xs))
		withAsm(t, func() { Erf(got, xs) })
		for i, x := range xs {
			if !same(got[i], erf64(x)) {
				t.Fatalf("Erf(%v): loop %v, Go model %v", x, got[i], erf64(x))
			}
		}
		worst("Erf", xs, func(i int) float64 {
			x := xs[i]
			if x != x || math.Abs(x) > 7 {
				return ulps64(got[i], math.Erf(x))
			}
			if x == 0 {
				return ulps64(got[i], x) + b2f(math.Signbit(got[i]) != math.Signbit(x))
			}
			return ulpsFrom(got[i], bigErf(x))
		})
	})
}

// b2f is 2 for true (an error above the bound), 0 for false.
func b2f(b bool) float64 {
	if b {
		return 2
	}
	return 0
}

// bigExpOf is e^v to about 190 bits: v = k·ln 2 + r, Taylor's series on
// r/2^12, 12 squarings.
func bigExpOf(v *big.Float) *big.Float {
	const p = 300
	q := new(big.Float).SetPrec(p).Quo(v, bigLn2)
	kf, _ := q.Float64()
	k := math.Round(kf)
	r := new(big.Float).SetPrec(p).Mul(bigLn2, big.NewFloat(k))
	r.Sub(v, r)
	r.SetMantExp(r, -12)
	sum := new(big.Float).SetPrec(p).SetInt64(1)
	term := new(big.Float).SetPrec(p).SetInt64(1)
	for n := 1; n < 40; n++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetInt64(int64(n)))
		sum.Add(sum, term)
	}
	for range 12 {
		sum.Mul(sum, sum)
	}
	return sum.SetMantExp(sum, int(k))
}

// TestPow64 measures Power against math/big (x^y = e^(y·ln x)), checks the
// loops against the Go model bit for bit, the bound of 1 ulp, and the
// special cases against math.Pow bit for bit.
func TestPow64(t *testing.T) {
	if !fmaFast {
		t.Skip("no hardware FMA: Pow is math.Pow")
	}
	n := 3000
	if *transExhaustive {
		n = 30000
	} else if testing.Short() {
		n = 1000
	}
	r := rand.New(rand.NewPCG(23, 24))
	var xs, ys []float64
	add := func(x, y float64) { xs, ys = append(xs, x), append(ys, y) }
	sp := []float64{0, math.Copysign(0, -1), 1, -1, 2, -2, 0.5, -0.5, 3, -3, 1.5, -1.5, 5e-324, math.MaxFloat64,
		-math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(), 1e300, -1e-300}
	for _, x := range sp {
		for _, y := range sp {
			add(x, y)
		}
	}
	for range n {
		// x log-uniform over all positive floats; y with y·ln x uniform over
		// the range of results, subnormal and overflowing ones included.
		x := math.Exp2(-1074 + 2098*r.Float64())
		add(x, (-760+1480*r.Float64())/math.Log(x))
		add(0.01+4*r.Float64(), -10+20*r.Float64())
		add(1+(r.Float64()-0.5)*0x1p-20, math.Copysign(math.Exp2(60*r.Float64()), r.Float64()-0.5))
		add(-(0.01 + 4*r.Float64()), math.Round(-40+80*r.Float64()))
		add(math.Exp2(-1074+2098*r.Float64()), math.Round(-3+6*r.Float64()))
	}
	got := make([]float64, len(xs))
	withAsm(t, func() { Power(got, xs, ys) })
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b }
	for i := range xs {
		if !same(got[i], pow64(xs[i], ys[i])) {
			t.Fatalf("Pow(%v, %v): loop %v, Go model %v", xs[i], ys[i], got[i], pow64(xs[i], ys[i]))
		}
	}
	w, at := parallelMax(len(xs), func(i int) float64 {
		x, y := xs[i], ys[i]
		if x == 0 || y == 0 || x != x || y != y || math.IsInf(x, 0) || math.IsInf(y, 0) || x < 0 && y != math.Trunc(y) {
			if !same(got[i], math.Pow(x, y)) {
				return math.Inf(1)
			}
			return 0
		}
		v := new(big.Float).SetPrec(300).Mul(bigLogOf(new(big.Float).SetFloat64(math.Abs(x))), new(big.Float).SetFloat64(y))
		if f, _ := v.Float64(); f > 710 || f < -746 {
			return ulps64(math.Abs(got[i]), math.Pow(math.Abs(x), y)) // +Inf or 0
		}
		want := bigExpOf(v)
		if x < 0 && math.Abs(y) < 0x1p53 && math.Mod(y, 2) != 0 {
			want.Neg(want)
		}
		return ulpsFrom(got[i], want)
	})
	t.Logf("Pow: largest error %.3f ulp at x, y = %v, %v (%d pairs)", w, xs[at], ys[at], len(xs))
	if !(w <= 1) {
		t.Errorf("Pow: error %.3f ulp at x, y = %v, %v", w, xs[at], ys[at])
	}
}

// TestPow32 checks float32 Power within 1 ulp of the float64 one (itself
// within 0.75 float64 ulp, TestPow64) on every 9973th positive and negative
// x (every 97th with -exhaustive-trans) against 24 exponents, and against
// a y drawn so that the result spans the float32 range.
func TestPow32(t *testing.T) {
	stride := uint32(9973)
	if *transExhaustive {
		stride = 97
	} else if testing.Short() {
		stride = 99991
	}
	yc := []float32{0, 1, -1, 2, -2, 3, 0.5, -0.5, 1.5, 7, -7, 0.1, 1.0 / 3, 10, -10, 31, -31.5, 100, 1000, -1000,
		float32(math.Inf(1)), float32(math.NaN()), 0x1p-30, -0x1p30}
	r := rand.New(rand.NewPCG(25, 26))
	var worst float64
	var wx, wy float32
	xs, ys := make([]float32, 0, 1<<16), make([]float32, 0, 1<<16)
	flush := func() {
		got, ref := make([]float32, len(xs)), make([]float64, len(xs))
		withAsm(t, func() { Power(got, xs, ys) })
		x64, y64 := make([]float64, len(xs)), make([]float64, len(xs))
		for i := range xs {
			x64[i], y64[i] = float64(xs[i]), float64(ys[i])
		}
		withAsm(t, func() { Power(ref, x64, y64) })
		for i := range xs {
			if e := ulps32From(got[i], ref[i]); e > worst || e != e {
				worst, wx, wy = e, xs[i], ys[i]
			}
		}
		xs, ys = xs[:0], ys[:0]
	}
	for b := uint64(0); b < 1<<32; b += uint64(stride) {
		x := math.Float32frombits(uint32(b))
		for _, y := range yc {
			xs, ys = append(xs, x), append(ys, y)
		}
		if ax := math.Abs(float64(x)); ax > 0 && ax != 1 && !math.IsInf(ax, 0) && ax == ax {
			xs, ys = append(xs, x), append(ys, float32((-103+192*r.Float64())/math.Log(ax)))
		}
		if len(xs) >= 1<<16-32 {
			flush()
		}
	}
	flush()
	t.Logf("float32 Pow: largest error %.3f ulp at x, y = %v, %v (every %d-th x)", worst, wx, wy, stride)
	if !(worst <= 1) {
		t.Errorf("float32 Pow: error %.3f ulp at x, y = %v, %v", worst, wx, wy)
	}
}
