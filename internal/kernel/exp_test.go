package kernel

import (
	"flag"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Tests of Exp. The reference is refExp, e^x in double-double arithmetic
// (relative error below 2^-100, checked against math/big in TestRefExpBig),
// from which the errors are measured in ulps of the exact value; math.Exp is
// compared too, but it is no reference on amd64: its assembly version errs by
// up to about 2 ulp and returns +Inf for 709.44 < x ≤ 709.78 (see
// TestExpMathExpDefects).

// needExp64 skips a test of Exp's accuracy where Exp is math.Exp (no
// hardware FMA; see fmaFast).
func needExp64(t *testing.T) {
	if !fmaFast {
		t.Skip("no hardware FMA: Exp is math.Exp here")
	}
}

var exhaustive = flag.Bool("exhaustive", false, "check Exp on all 2^32 float32 inputs (minutes)")

// dd is an unevaluated sum hi + lo with |lo| ≤ ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func ddAdd(a, b dd) dd {
	s := twoSum(a.hi, b.hi)
	t := twoSum(a.lo, b.lo)
	s = twoSum(s.hi, s.lo+t.hi)
	return twoSum(s.hi, s.lo+t.lo)
}

func ddMul(a, b dd) dd {
	p := a.hi * b.hi
	e := math.FMA(a.hi, b.hi, -p)
	e += float64(a.hi*b.lo) + float64(a.lo*b.hi)
	return twoSum(p, e)
}

func ddDiv(a dd, b float64) dd {
	q := a.hi / b
	p := q * b
	e := math.FMA(q, b, -p)
	return twoSum(q, ((a.hi-p)-e+a.lo)/b)
}

// ln 2 in three parts, the first with 32 significant bits, from math/big.
var refLn2 = func() [3]float64 {
	const prec = 400
	s := new(big.Float).SetPrec(prec) // ln 2 = Σ 1/(k·2^k)
	for k := 1; k < 400; k++ {
		t := new(big.Float).SetPrec(prec).SetInt64(1)
		t.SetMantExp(t, -k) // keeps t's precision (not that of a fresh 1)
		s.Add(s, t.Quo(t, new(big.Float).SetPrec(prec).SetInt64(int64(k))))
	}
	var p [3]float64
	p[0] = math.Float64frombits(math.Float64bits(math.Ln2) &^ (1<<21 - 1))
	rest := new(big.Float).SetPrec(prec).Sub(s, big.NewFloat(p[0]))
	p[1], _ = rest.Float64()
	rest.Sub(rest, big.NewFloat(p[1]))
	p[2], _ = rest.Float64()
	return p
}()

// refExp returns m and k with e^x = m·2^k, m in double-double (relative error
// below 2^-100), for finite x in [-800, 800].
func refExp(x float64) (dd, int) {
	k := math.RoundToEven(x * math.Log2E)
	r := dd{x - k*refLn2[0], 0} // exact
	p := k * refLn2[1]
	r = ddAdd(r, dd{-p, -math.FMA(k, refLn2[1], -p)})
	r = ddAdd(r, dd{-k * refLn2[2], 0})
	// e^r - 1 by Taylor on r/2^s, then s squarings of 1+y: (1+y)² - 1 = y(y+2).
	s := 0
	if math.Abs(r.hi) > 0x1p-10 {
		s = 8
	}
	r.hi, r.lo = math.Ldexp(r.hi, -s), math.Ldexp(r.lo, -s)
	sum, term := dd{}, dd{1, 0}
	for n := 1; n < 40; n++ {
		term = ddDiv(ddMul(term, r), float64(n))
		sum = ddAdd(sum, term)
		if term.hi == 0 || math.Abs(term.hi) < 0x1p-110*math.Abs(sum.hi) {
			break
		}
	}
	for range s {
		sum = ddMul(sum, ddAdd(sum, dd{2, 0}))
	}
	return ddAdd(sum, dd{1, 0}), int(k)
}

// ulpErr is |got - e^x| in ulps of e^x (of the exact value; 2^-1074 for
// subnormal values), for finite x in [-800, 800].
func ulpErr(got, x float64) float64 {
	m, k := refExp(x)
	if math.IsInf(got, 1) {
		if float64(k)+math.Log2(m.hi) >= 1024 {
			return 0
		}
		return math.Inf(1)
	}
	g := math.Ldexp(got, -k) // exact: got is finite and the scale is up or small
	d := (g - m.hi) - m.lo
	u := math.Max(ulpOf(m.hi), math.Ldexp(1, -1074-k))
	return math.Abs(d) / u
}

func ulpOf(v float64) float64 {
	_, e := math.Frexp(math.Abs(v))
	return math.Ldexp(1, e-53)
}

// refExp32 returns e^x correctly rounded to float32.
func refExp32(x float32) float32 {
	if x != x {
		return x
	}
	if x > 100 {
		return float32(math.Inf(1))
	}
	if x < -200 {
		return 0
	}
	m, k := refExp(float64(x))
	v := math.Ldexp(m.hi, k) // exact: a normal float64 for these x
	f := float32(v)
	if float64(f) != v && !math.IsInf(float64(f), 0) {
		// v rounds correctly to f unless it is a midpoint of float32s; then
		// the sign of m.lo decides.
		g := math.Nextafter32(f, float32(math.Copysign(math.Inf(1), v-float64(f))))
		if float64(g)-v == v-float64(f) {
			if (m.lo > 0) == (g > f) {
				return g
			}
		}
	}
	return f
}

// ulps64 and ulps32 are the distances in ulps between two numbers of the
// same sign (+Inf is one ulp above MaxFloat); NaNs are at distance 0 from
// each other and infinitely far from the rest.
func ulps64(a, b float64) float64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.Inf(1)
	}
	if math.Signbit(a) != math.Signbit(b) {
		if a == 0 && b == 0 {
			return 0
		}
		return math.Inf(1)
	}
	d := int64(math.Float64bits(a)) - int64(math.Float64bits(b))
	return math.Abs(float64(d))
}

func ulps32(a, b float32) float64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.Inf(1)
	}
	if math.Signbit(float64(a)) != math.Signbit(float64(b)) {
		if a == 0 && b == 0 {
			return 0
		}
		return math.Inf(1)
	}
	d := int64(math.Float32bits(a)) - int64(math.Float32bits(b))
	return math.Abs(float64(d))
}

// bigExp is e^x to about prec bits, in math/big: Taylor on x/2^12, then 12
// squarings.
func bigExp(x float64, prec uint) *big.Float {
	p := prec + 64
	bx := new(big.Float).SetPrec(p).SetFloat64(x)
	bx.SetMantExp(bx, -12)
	sum := new(big.Float).SetPrec(p).SetInt64(1)
	term := new(big.Float).SetPrec(p).SetInt64(1)
	for n := 1; n < 300; n++ {
		term.Mul(term, bx)
		term.Quo(term, new(big.Float).SetPrec(p).SetInt64(int64(n)))
		sum.Add(sum, term)
		if term.Sign() == 0 || term.MantExp(nil)-sum.MantExp(nil) < -int(p) {
			break
		}
	}
	for range 12 {
		sum.Mul(sum, sum)
	}
	return sum
}

// TestRefExpBig checks the double-double reference against math/big.
func TestRefExpBig(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	xs := []float64{0, 1e-300, -1e-20, 0.5, -0.3, 1, 3, 88.7, -103.9, 100.123, -300.77,
		-708.5, -745.1, 709.7, 709.782712893384, -745.1332191019411, math.Ln2 / 2}
	for range 200 {
		xs = append(xs, -746+r.Float64()*(710+746))
	}
	worst := 0.0
	for _, x := range xs {
		m, k := refExp(x)
		got := new(big.Float).SetPrec(200).SetFloat64(m.hi)
		got.Add(got, big.NewFloat(m.lo))
		got.SetMantExp(got, k)
		want := bigExp(x, 200)
		rel, _ := new(big.Float).Quo(new(big.Float).Sub(got, want), want).Float64()
		worst = max(worst, math.Abs(rel))
		if math.Abs(rel) > 0x1p-100 {
			t.Errorf("refExp(%v): relative error %g against math/big", x, rel)
		}
	}
	t.Logf("refExp: largest relative error %.3g (2^%.1f) on %d values", worst, math.Log2(worst), len(xs))
}

// expBoth64 and expBoth32 run the dispatching Exp (the assembly where the
// CPU has it) and the Go loop on xs, fail on any difference in the bits
// (float32: on a difference of more than 1 ulp; the float32 loops compute in
// float32, the Go loop in float64, rounded once), and return the results of
// Exp.
func expBoth64(t *testing.T, xs []float64) []float64 {
	t.Helper()
	got, want := make([]float64, len(xs)), make([]float64, len(xs))
	withAsm(t, func() { Exp(got, xs) })
	expGo(want, xs)
	for i := range xs {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("Exp(%v) = %v (%#x), the Go loop %v (%#x)", xs[i], got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
	return got
}

func expBoth32(t *testing.T, xs []float32) []float32 {
	t.Helper()
	got, want := make([]float32, len(xs)), make([]float32, len(xs))
	withAsm(t, func() { Exp(got, xs) })
	expGo(want, xs)
	for i := range xs {
		if ulps32(got[i], want[i]) > 1 {
			t.Fatalf("Exp(%v) = %v (%#x), the Go loop %v (%#x)", xs[i], got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
	return got
}

// TestExpSpecial checks the special values, each side of the overflow and
// underflow thresholds, subnormal results and tiny arguments, in both types.
func TestExpSpecial(t *testing.T) {
	needExp64(t)
	nan := func(b uint64) float64 { return math.Float64frombits(b) }
	exact := []struct{ x, want float64 }{
		{0, 1}, {math.Copysign(0, -1), 1},
		{math.Inf(1), math.Inf(1)}, {math.Inf(-1), 0},
		{math.MaxFloat64, math.Inf(1)}, {-math.MaxFloat64, 0},
		{1e300, math.Inf(1)}, {-1e300, 0}, {1e10, math.Inf(1)}, {-1e10, 0},
		// The largest x with a finite result, and the next.
		{709.782712893384, 1.7976931348622732e+308},
		{math.Nextafter(709.782712893384, 1000), math.Inf(1)},
		{710, math.Inf(1)}, {1000, math.Inf(1)},
		// e^x rounds to 0 below -1075·ln 2 = -745.13321910194120762...
		{-745.1332191019411, 5e-324},
		{-745.1332191019412, 0}, {-745.1332191019413, 0}, {-746, 0}, {-1000, 0},
		// Tiny arguments: 1, or the number below 1.
		{1e-300, 1}, {-1e-300, 1}, {5e-324, 1}, {-5e-324, 1},
		{0x1p-54, 1}, {-0x1p-54, 1}, {0x1p-53, 1}, {-0x1p-53, 1 - 0x1p-53},
	}
	var xs []float64
	for _, c := range exact {
		xs = append(xs, c.x)
	}
	got := expBoth64(t, xs)
	for i, c := range exact {
		if math.Float64bits(got[i]) != math.Float64bits(c.want) {
			t.Errorf("Exp(%v) = %v, want %v", c.x, got[i], c.want)
		}
	}
	// NaNs come back unchanged, payload, sign and signalling bit included,
	// as from math.Exp.
	nans := []float64{math.NaN(), nan(0xfff8000000000000), nan(0x7ff8000000000bad), nan(0x7ff0000000000001), nan(0xfff4000000000abc)}
	for i, g := range expBoth64(t, nans) {
		if math.Float64bits(g) != math.Float64bits(nans[i]) {
			t.Errorf("Exp(NaN %#x) = %#x", math.Float64bits(nans[i]), math.Float64bits(g))
		}
	}
	// Within 1 ulp of e^x (below: within 0.6 ulp): subnormal results, each
	// side of the smallest normal result, e^x near 2^k (x = k·ln 2 rounded,
	// where the binade changes), integers, and math.Exp's broken range.
	xs = xs[:0]
	for _, x := range []float64{-708.3964185322641, -708.5, -710, -720, -730, -740, -744.44, -745, -745.13, 709.5, 709.78, 709.7827128933839, 709.437, 709.0} {
		xs = append(xs, x, math.Nextafter(x, math.Inf(1)), math.Nextafter(x, math.Inf(-1)))
	}
	for k := -1074; k <= 1023; k++ {
		x := float64(k) * math.Ln2
		xs = append(xs, x, math.Nextafter(x, math.Inf(1)), math.Nextafter(x, math.Inf(-1)))
	}
	for i := -745; i <= 709; i++ {
		xs = append(xs, float64(i))
	}
	var worst [2]float64
	for i, g := range expBoth64(t, xs) {
		e, sub := ulpErr(g, xs[i]), isSub(g)
		worst[sub] = max(worst[sub], e)
		if e > errBound[sub] {
			t.Errorf("Exp(%v) = %v: %.3f ulp from e^x", xs[i], g, e)
		}
	}
	t.Logf("float64 boundaries: largest error %.3f ulp (normal results), %.3f ulp (subnormal) on %d values", worst[0], worst[1], len(xs))

	// float32: the same, against the correctly rounded float32.
	xs32 := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		math.MaxFloat32, -math.MaxFloat32, 1e-30, -1e-30, 1e-45, -1e-45, 0x1p-24, -0x1p-24, 0x1p-25, -0x1p-25,
		88.72283, 88.72284, 88.7, 89, 100, -87.33654, -87.34, -100, -103.27893, -103.97207, -103.972084, -104, -105, -200}
	for k := -149; k <= 127; k++ {
		x := float32(float64(k) * math.Ln2)
		xs32 = append(xs32, x, math.Nextafter32(x, 1000), math.Nextafter32(x, -1000))
	}
	got32 := expBoth32(t, xs32)
	for i, x := range xs32 {
		if d := ulps32(got32[i], refExp32(x)); d > 1 {
			t.Errorf("Exp(float32 %v) = %v, want %v", x, got32[i], refExp32(x))
		}
	}
	if got32[0] != 1 || got32[1] != 1 || !math.IsInf(float64(got32[2]), 1) || got32[3] != 0 {
		t.Errorf("Exp(float32 ±0, ±Inf) = %v", got32[:4])
	}
	for i, x := range []float32{88.72283, 88.72284} {
		if want := []bool{false, true}[i]; math.IsInf(float64(exp32One(x)), 1) != want {
			t.Errorf("Exp(float32 %v) = %v", x, exp32One(x))
		}
	}
	nan32 := []float32{float32(math.NaN()), math.Float32frombits(0xffc00bad), math.Float32frombits(0x7f800001)}
	for i, g := range expBoth32(t, nan32) {
		// As float32(math.Exp(float64(x))): NaN, quietened by the widening.
		if want := float32(math.Exp(float64(nan32[i]))); math.Float32bits(g) != math.Float32bits(want) {
			t.Errorf("Exp(float32 NaN %#x) = %#x, want %#x", math.Float32bits(nan32[i]), math.Float32bits(g), math.Float32bits(want))
		}
	}
}

// exp32One is Exp on one float32, through the dispatching loop.
func exp32One(x float32) float32 {
	d := []float32{x}
	Exp(d, d)
	return d[0]
}

// errBound is the largest error in ulps accepted for normal results, and for
// subnormal ones, which are rounded twice: to 53 bits, then to the subnormal
// grid (the first rounding errs by up to 1/4 of the ulp of a result near
// 2^-1023).
var errBound = [2]float64{0.7, 0.85}

// isSub is 1 for a subnormal number (and 0), else 0.
func isSub(v float64) int {
	if math.Abs(v) < 0x1p-1022 {
		return 1
	}
	return 0
}

// mathExpBroken reports whether x lies where math.Exp on amd64 returns +Inf
// for a finite e^x (its assembly rounds x/ln 2 to 1024 and overflows).
func mathExpBroken(x float64) bool {
	return runtime.GOARCH == "amd64" && x > 709.4 && x <= 709.782712893384
}

// TestExpSweep compares Exp with math.Exp and the reference on 10⁶ uniform
// arguments over [-746, 710] and 10⁶ log-uniform ones of magnitude 2^-60 to
// 2^4, in the assembly and the Go loop.
func TestExpSweep(t *testing.T) {
	needExp64(t)
	const n = 1_000_000
	r := rand.New(rand.NewPCG(7, 8))
	xs := make([]float64, 2*n)
	for i := range n {
		xs[i] = -746 + r.Float64()*(710+746)
		xs[n+i] = math.Copysign(math.Exp2(-60+64*r.Float64()), float64(r.IntN(2)*2-1))
	}
	got := expBoth64(t, xs)
	var worstMath float64
	var worstRef [2]float64
	var atMath float64
	var atRef [2]float64
	var broken int
	for i, x := range xs {
		if mathExpBroken(x) {
			broken++
		} else if d := ulps64(got[i], math.Exp(x)); d > worstMath {
			worstMath, atMath = d, x
		}
		// The reference on one in four of the uniform sample and all of
		// the small one.
		if i < n && i%4 != 0 {
			continue
		}
		if e, sub := ulpErr(got[i], x), isSub(got[i]); e > worstRef[sub] {
			worstRef[sub], atRef[sub] = e, x
		}
	}
	t.Logf("largest distance from math.Exp: %v ulp (x = %v), %d arguments in math.Exp's +Inf range skipped; largest error: %.4f ulp (x = %v), subnormal results %.4f ulp (x = %v)",
		worstMath, atMath, broken, worstRef[0], atRef[0], worstRef[1], atRef[1])
	if worstMath > 2 {
		t.Errorf("Exp(%v) is %v ulp from math.Exp", atMath, worstMath)
	}
	for sub := range 2 {
		if worstRef[sub] > errBound[sub] {
			t.Errorf("Exp(%v) errs by %.4f ulp", atRef[sub], worstRef[sub])
		}
	}
}

// TestExpMathExpDefects records why math.Exp is no reference on amd64: a
// finite e^x that it takes for +Inf, and an error above 2 ulp, where Exp is
// right.
func TestExpMathExpDefects(t *testing.T) {
	needExp64(t)
	x := 709.5
	got := expBoth64(t, []float64{x})[0]
	if e := ulpErr(got, x); e > errBound[0] {
		t.Errorf("Exp(%v) = %v errs by %.3f ulp", x, got, e)
	}
	t.Logf("Exp(%v) = %v; math.Exp(%v) = %v", x, got, x, math.Exp(x))
	// An argument where math.Exp on amd64 (with FMA) errs by more than 2
	// ulp, found by a search over 2·10⁹ arguments; Exp is within 0.5.
	x = 611.6881933654707
	got = expBoth64(t, []float64{x})[0]
	if e := ulpErr(got, x); e > errBound[0] {
		t.Errorf("Exp(%v) errs by %.3f ulp", x, e)
	}
	t.Logf("x = %v: Exp errs by %.3f ulp, math.Exp by %.3f ulp", x, ulpErr(got, x), ulpErr(math.Exp(x), x))
}

// exp32Stats counts, over float32 inputs, the results of Exp that are not
// correctly rounded, that are more than 1 ulp off, and that differ from
// float32(math.Exp(x)), nabla's float32 exp before Exp.
type exp32Stats struct {
	n, notCR, off, diffMath int64
	worst                   float64
	worstAt                 uint32
	mu                      sync.Mutex
}

// run checks the inputs with the given bit patterns, in the dispatching
// loop (the assembly where there is one).
func (s *exp32Stats) run(t *testing.T, bits []uint32) {
	xs := make([]float32, len(bits))
	for i, b := range bits {
		xs[i] = math.Float32frombits(b)
	}
	got := make([]float32, len(xs))
	expRange(got, xs) // the dispatching loop, on this goroutine
	var notCR, off, diffMath int64
	worst, worstAt := 0.0, uint32(0)
	for i, x := range xs {
		if m := float32(math.Exp(float64(x))); math.Float32bits(m) != math.Float32bits(got[i]) {
			diffMath++
		}
		d := ulps32(got[i], refExp32(x))
		if d != 0 {
			notCR++
		}
		if d > 1 {
			off++
		}
		if d > worst {
			worst, worstAt = d, bits[i]
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n += int64(len(xs))
	s.notCR += notCR
	s.off += off
	s.diffMath += diffMath
	if worst > s.worst {
		s.worst, s.worstAt = worst, worstAt
	}
}

// TestExp32 checks float32 Exp within 1 ulp of the correctly rounded result on every
// 4099th bit pattern, or on all 2^32 with -exhaustive.
func TestExp32(t *testing.T) {
	needExp64(t)
	stride := uint64(4099)
	if *exhaustive {
		stride = 1
	}
	saved := useAsm
	useAsm = haveAsm
	defer func() { useAsm = saved }()
	start := time.Now()
	var s exp32Stats
	const chunk = 1 << 16
	var next atomic.Uint64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bits := make([]uint32, 0, chunk)
			for {
				lo := next.Add(chunk*stride) - chunk*stride
				if lo >= 1<<32 {
					return
				}
				bits = bits[:0]
				for b := lo; b < min(lo+chunk*stride, 1<<32); b += stride {
					bits = append(bits, uint32(b))
				}
				s.run(t, bits)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d float32 inputs (stride %d) in %v: %d not correctly rounded, %d more than 1 ulp off (largest %v ulp, at %#x), %d differ from float32(math.Exp(x))",
		s.n, stride, time.Since(start).Round(time.Millisecond), s.notCR, s.off, s.worst, s.worstAt, s.diffMath)
	if s.off > 0 {
		t.Errorf("%d results more than 1 ulp from the correctly rounded float32", s.off)
	}
}

// TestExpTails runs every length 0..40 at every start offset 0..3 of the
// input and of the output, in place too, with random and special values:
// the assembly and the Go loop agree bit for bit, and nothing past the end
// is written.
func TestExpTails(t *testing.T) {
	eachExp(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		d64 := func(r *rand.Rand) float64 {
			if r.IntN(8) == 0 {
				return math.Float64frombits(specials64[r.IntN(len(specials64))])
			}
			return -750 + r.Float64()*1465
		}
		d32 := func(r *rand.Rand) float32 {
			if r.IntN(8) == 0 {
				return math.Float32frombits(specials32[r.IntN(len(specials32))])
			}
			return float32(-110 + r.Float64()*200)
		}
		testExpTails(t, r, d64)
		testExpTails(t, r, d32)
	})
}

func testExpTails[T Float](t *testing.T, r *rand.Rand, draw func(*rand.Rand) T) {
	for n := 0; n <= 40; n++ {
		for in := range 4 {
			src := make([]T, in+n+3)
			for i := range src {
				src[i] = draw(r)
			}
			a := src[in : in+n]
			for out := range 4 {
				name := fmt.Sprintf("Exp %T n=%d in=%d", a, n, in)
				compareExp(t, name, n, out, func(d []T) { Exp(d, a) }, func(d []T) { expGo(d, a) })
				compareExp(t, name+" in place", n, out, func(d []T) { copy(d, a); Exp(d, d) }, func(d []T) { expGo(d, a) })
				compareExp(t, name+" expRange", n, out, func(d []T) { expRange(d, a) }, func(d []T) { expGo(d, a) })
			}
		}
	}
}

// compareExp is compare for Exp: bit for bit in float64, within 1 ulp in
// float32 (whose loops compute in float32 and the Go loop in float64),
// and in both nothing written past the end.
func compareExp[T Float](t *testing.T, what string, n, off int, got, want func(d []T)) {
	t.Helper()
	_, is64 := any(got).(func([]float64))
	compareWithin(t, what, n, off, !is64, got, want)
}

// TestExpParallel runs Exp on sizes that split across cores.
func TestExpParallel(t *testing.T) {
	eachExp(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		for _, n := range []int{17, 1000, 5 * Grain, 200_003} {
			a := make([]float64, n)
			b := make([]float32, n)
			for i := range a {
				a[i] = -750 + r.Float64()*1465
				b[i] = float32(-110 + r.Float64()*200)
			}
			compare(t, "Exp float64", n, 1, func(d []float64) { Exp(d, a) }, func(d []float64) { expGo(d, a) })
			compareExp(t, "Exp float32", n, 3, func(d []float32) { Exp(d, b) }, func(d []float32) { expGo(d, b) })
		}
		// One long slice on one goroutine.
		n := 1<<20 + 5
		a := make([]float64, n)
		for i := range a {
			a[i] = -750 + r.Float64()*1465
		}
		compare(t, "expRange float64 long", n, 1, func(d []float64) { expRange(d, a) }, func(d []float64) { expGo(d, a) })
	})
}

// Benchmarks: Exp (the assembly where the CPU has AVX2 and FMA; split across
// cores when large), expRange (the same on one goroutine), expGo (the
// portable loop) and a loop of math.Exp.
func BenchmarkExp(b *testing.B) {
	for _, n := range []int{1000, 1_000_000} {
		x64, d64 := make([]float64, n), make([]float64, n)
		x32, d32 := make([]float32, n), make([]float32, n)
		for i := range x64 {
			x64[i] = -20 + 40*float64(i)/float64(n)
			x32[i] = float32(x64[i])
		}
		run := func(name string, bytes int, f func()) {
			b.Run(fmt.Sprintf("n=%d/%s", n, name), func(b *testing.B) {
				b.SetBytes(int64(n * bytes))
				for b.Loop() {
					f()
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "elem/s")
			})
		}
		run("f64/kernel.Exp", 8, func() { Exp(d64, x64) })
		run("f64/expRange", 8, func() { expRange(d64, x64) })
		run("f64/expGo", 8, func() { expGo(d64, x64) })
		run("f64/math.Exp", 8, func() {
			for i, v := range x64 {
				d64[i] = math.Exp(v)
			}
		})
		run("f32/kernel.Exp", 4, func() { Exp(d32, x32) })
		run("f32/expRange", 4, func() { expRange(d32, x32) })
		run("f32/expGo", 4, func() { expGo(d32, x32) })
		run("f32/math.Exp", 4, func() {
			for i, v := range x32 {
				d32[i] = float32(math.Exp(float64(v)))
			}
		})
	}
}

// expOne is what Exp computes for one float64.
func expOne(x float64) float64 {
	if !fmaFast {
		return math.Exp(x)
	}
	return exp64(x)
}

// sigmoidRef and softplusRef are nabla's scalar forms of the two functions,
// with the exponential given.
func sigmoidRef(x float64, exp func(float64) float64) float64 {
	if x >= 0 {
		return 1 / (1 + exp(-x))
	}
	e := exp(x)
	return e / (1 + e)
}

func softplusRef(x float64, exp func(float64) float64) float64 {
	return max(x, 0) + math.Log1p(exp(-math.Abs(x)))
}

// TestSigmoidSoftplus checks Softplus bit for bit against the scalar form
// with exp64, on lengths across the 256-element blocks, offsets, in place,
// specials and parallel sizes, and Sigmoid (now its own one-pass loop,
// whose accuracy trans_test.go measures) on the same inputs for writes past
// the end; both against the forms with math.Exp (nabla's before), within 3
// ulp (math.Exp errs by up to 2.14), Sigmoid's NaNs bit for bit.
func TestSigmoidSoftplus(t *testing.T) {
	withAsm(t, func() {
		r := rand.New(rand.NewPCG(13, 14))
		d64 := func(r *rand.Rand) float64 {
			switch r.IntN(8) {
			case 0:
				return math.Float64frombits(specials64[r.IntN(len(specials64))])
			case 1:
				return math.Copysign(math.Exp2(-60+70*r.Float64()), float64(r.IntN(2)*2-1))
			}
			return -800 + r.Float64()*1600
		}
		d32 := func(r *rand.Rand) float32 {
			if r.IntN(8) == 0 {
				return math.Float32frombits(specials32[r.IntN(len(specials32))])
			}
			return float32(-120 + r.Float64()*240)
		}
		testSigmoidSoftplus(t, r, d64)
		testSigmoidSoftplus(t, r, d32)
	})
}

func testSigmoidSoftplus[T Float](t *testing.T, r *rand.Rand, draw func(*rand.Rand) T) {
	ns := []int{255, 256, 257, 511, 512, 513, 1000, 5 * Grain}
	for n := 0; n <= 40; n++ {
		ns = append(ns, n)
	}
	fns := []struct {
		name string
		f    func(d, s []T)
		ref  func(float64, func(float64) float64) float64
	}{{"Sigmoid", Sigmoid[T], sigmoidRef}, {"Softplus", Softplus[T], softplusRef}}
	worst := 0.0
	for _, n := range ns {
		off := r.IntN(4) // misaligned input
		src := make([]T, off+n)
		for i := range src {
			src[i] = draw(r)
		}
		a := src[off:]
		for _, fn := range fns {
			want := make([]T, n)
			for i, v := range a {
				want[i] = T(fn.ref(float64(v), expOne))
			}
			got := make([]T, n+guard)
			in := make([]T, n+guard)
			copy(in, a)
			fn.f(got[:n], a)
			fn.f(in[:n], in[:n])
			for i := range want {
				if bitsOf(got[i]) != bitsOf(in[i]) && !(got[i] != got[i] && in[i] != in[i]) {
					t.Fatalf("%s(%v) n=%d = %v, in place %v", fn.name, a[i], n, got[i], in[i])
				}
			}
			for _, g := range [][]T{got, in} {
				for i := range want {
					// Softplus's NaN payload depends on the order in which
					// the compiler puts the operands of max(x,0) + log1p(e).
					if fn.name == "Softplus" && bitsOf(g[i]) != bitsOf(want[i]) && !(g[i] != g[i] && want[i] != want[i]) {
						t.Fatalf("%s(%v) n=%d = %v (%#x), want %v (%#x)", fn.name, a[i], n, g[i], bitsOf(g[i]), want[i], bitsOf(want[i]))
					}
				}
				for i := n; i < len(g); i++ {
					if g[i] != 0 {
						t.Fatalf("%s n=%d wrote past the end", fn.name, n)
					}
				}
			}
			for i, v := range a {
				old := T(fn.ref(float64(v), math.Exp))
				var d float64
				if _, ok := any(v).(float64); ok {
					d = ulps64(float64(got[i]), float64(old))
				} else {
					d = ulps32(float32(got[i]), float32(old))
				}
				if v != v && fn.name == "Sigmoid" && bitsOf(got[i]) != bitsOf(old) {
					t.Errorf("%s(NaN %#x) = %#x, with math.Exp %#x", fn.name, bitsOf(v), bitsOf(got[i]), bitsOf(old))
				}
				worst = max(worst, d)
				if d > 3 {
					t.Errorf("%s(%v) = %v, %v ulp from %v (with math.Exp)", fn.name, v, got[i], d, old)
				}
			}
		}
	}
	var z T
	t.Logf("%T: largest distance from the forms with math.Exp: %v ulp", z, worst)
}
