package kernel

import (
	"flag"
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Tests of Sin, Cos, Sincos and Log. float64 results are measured against
// math/big (bigSinCos, bigLog: well over 100 correct bits), in ulps of the
// exact value; float32 results against the float64 math functions, whose
// error (about 2^-52 relative) is negligible at float32's ulp.

var transExhaustive = flag.Bool("exhaustive-trans", false, "check Sin, Cos and Log on all 2^32 float32 inputs (minutes)")

const bigPrec = 400

// bigHalfPi is π/2 to bigPrec bits.
var bigHalfPi = func() *big.Float {
	pi, _, err := big.ParseFloat("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798214808651328230664709384460955058223172535940812848111745028410270193852110555964462294895493038196", 10, bigPrec, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	return pi.Quo(pi, big.NewFloat(2))
}()

// bigSinCos is sin x and cos x as float64s with the error of their
// rounding measured in ulps by ulpsFrom.
func bigSinCos(x float64) (s, c *big.Float) {
	bx := new(big.Float).SetPrec(bigPrec).SetFloat64(x)
	q := new(big.Float).SetPrec(bigPrec).Quo(bx, bigHalfPi)
	q.Add(q, big.NewFloat(0.5))
	if q.Sign() < 0 {
		q.Sub(q, big.NewFloat(1))
	}
	ki, _ := q.Int(nil) // toward zero: floor(q + 1/2)
	k := new(big.Int).And(ki, big.NewInt(3)).Int64()
	r := new(big.Float).SetPrec(bigPrec).Mul(new(big.Float).SetPrec(bigPrec).SetInt(ki), bigHalfPi)
	r.Sub(bx, r)
	const p = 200
	r.SetPrec(p)
	r2 := new(big.Float).SetPrec(p).Mul(r, r)
	sn := new(big.Float).SetPrec(p).Set(r)
	cs := new(big.Float).SetPrec(p).SetInt64(1)
	ts := new(big.Float).SetPrec(p).Set(r)
	tc := new(big.Float).SetPrec(p).SetInt64(1)
	for n := 1; n < 60; n++ {
		ts.Mul(ts, r2)
		ts.Quo(ts, new(big.Float).SetInt64(int64(-(2*n)*(2*n+1))))
		tc.Mul(tc, r2)
		tc.Quo(tc, new(big.Float).SetInt64(int64(-(2*n-1)*(2*n))))
		sn.Add(sn, ts)
		cs.Add(cs, tc)
	}
	switch k {
	case 0:
		return sn, cs
	case 1:
		return cs, sn.Neg(sn)
	case 2:
		return sn.Neg(sn), cs.Neg(cs)
	default:
		return cs.Neg(cs), sn
	}
}

// bigLog is ln x for finite x > 0: e·ln 2 + 2·atanh((m-1)/(m+1)).
func bigLog(x float64) *big.Float {
	m, e := math.Frexp(x)
	const p = 200
	bm := new(big.Float).SetPrec(p).SetFloat64(m)
	one := new(big.Float).SetPrec(p).SetInt64(1)
	t := new(big.Float).SetPrec(p).Quo(new(big.Float).SetPrec(p).Sub(bm, one), new(big.Float).SetPrec(p).Add(bm, one))
	res := new(big.Float).SetPrec(p).Mul(bigAtanh2(t), big.NewFloat(1))
	res.Add(res, new(big.Float).SetPrec(p).Mul(bigLn2, new(big.Float).SetInt64(int64(e))))
	return res
}

// bigAtanh2 is 2·atanh(t) for |t| ≤ 1/3.
func bigAtanh2(t *big.Float) *big.Float {
	const p = 200
	t2 := new(big.Float).SetPrec(p).Mul(t, t)
	sum := new(big.Float).SetPrec(p).Set(t)
	term := new(big.Float).SetPrec(p).Set(t)
	for n := 1; n < 70; n++ {
		term.Mul(term, t2)
		sum.Add(sum, new(big.Float).SetPrec(p).Quo(term, new(big.Float).SetInt64(int64(2*n+1))))
	}
	return sum.Mul(sum, big.NewFloat(2))
}

var bigLn2 = bigAtanh2(new(big.Float).SetPrec(200).Quo(big.NewFloat(1), big.NewFloat(3)))

// ulpsFrom is |got - want| in ulps of want (2^-1074 below the normal range).
func ulpsFrom(got float64, want *big.Float) float64 {
	wf, _ := want.Float64()
	if math.IsInf(got, 0) || got != got {
		if got == wf {
			return 0
		}
		return math.Inf(1)
	}
	d := new(big.Float).SetPrec(bigPrec).Sub(new(big.Float).SetFloat64(got), want)
	e := want.MantExp(nil) - 53 // ulp = 2^(exponent-1-52), MantExp's mantissa is in [0.5, 1)
	if want.Sign() == 0 {
		e = -1074
	}
	e = max(e, -1074)
	df, _ := d.SetMantExp(d, -e).Float64() // scaled first: d may be below the subnormals
	return math.Abs(df)
}

// transSamples64 is the float64 test set of Sin and Cos: special values,
// uniform arguments over a few ranges, log-uniform ones up to the
// threshold of the loops and beyond it, and the float64 numbers nearest to
// multiples of π/2 with their neighbours (where the reduction cancels).
func transSamples64(n int) []float64 {
	r := rand.New(rand.NewPCG(1, 2))
	xs := []float64{0, math.Copysign(0, -1), 5e-324, -5e-324, 1e-310, 0x1p-1022, 1e-20, 0x1p-27, 0x1.0000000000001p-27,
		0x1p-26, 1, math.Pi / 4, math.Pi / 2, math.Pi, 0x1p25, -0x1p25, 0x1.0000000000001p25, 1e10, 1e22, 1e300,
		math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN()}
	for range n {
		xs = append(xs, -10+20*r.Float64(), -1000+2000*r.Float64())
		xs = append(xs, math.Copysign(math.Exp2(-40+70*r.Float64()), r.Float64()-0.5))
		xs = append(xs, math.Copysign(math.Exp2(25+174*r.Float64()), r.Float64()-0.5))
	}
	for k := 1; k < n/4; k++ {
		kk := float64(k)
		if k > 1000 {
			kk = math.Floor(math.Exp2(10 + 15*r.Float64()))
		}
		v := kk * math.Pi / 2
		for d := -2; d <= 2; d++ {
			xs = append(xs, math.Float64frombits(uint64(int64(math.Float64bits(v))+int64(d))))
		}
	}
	return xs
}

// parallelMax runs f on 0..n-1, spread over the cores, and returns the
// largest value and its index.
func parallelMax(n int, f func(i int) float64) (worst float64, at int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	w := runtime.GOMAXPROCS(0)
	for g := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lw, la := 0.0, 0
			for i := g; i < n; i += w {
				if e := f(i); e > lw || e != e {
					lw, la = e, i
				}
			}
			mu.Lock()
			if lw > worst || lw != lw {
				worst, at = lw, la
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return worst, at
}

// TestTrans64 measures Sin, Cos, Sincos and Log against math/big, checks
// the loops against the Go models bit for bit, and the bound of 1 ulp.
func TestTrans64(t *testing.T) {
	if !fmaFast {
		t.Skip("no hardware FMA: Sin, Cos and Log are the math package's")
	}
	n := 1000
	if *transExhaustive {
		n = 10000
	} else if testing.Short() {
		n = 300
	}
	xs := transSamples64(n)
	sn, cs := make([]float64, len(xs)), make([]float64, len(xs))
	sn2, cs2 := make([]float64, len(xs)), make([]float64, len(xs))
	withAsm(t, func() {
		Sin(sn, xs)
		Cos(cs, xs)
		Sincos(sn2, cs2, xs)
	})
	for i, x := range xs {
		for _, p := range [][3]float64{{sn[i], sin64(x), sn2[i]}, {cs[i], cos64(x), cs2[i]}} {
			if math.Float64bits(p[0]) != math.Float64bits(p[1]) && !(p[0] != p[0] && p[1] != p[1]) || math.Float64bits(p[0]) != math.Float64bits(p[2]) && !(p[0] != p[0] && p[2] != p[2]) {
				t.Fatalf("x = %v: loop %v, Go model %v, Sincos %v", x, p[0], p[1], p[2])
			}
		}
	}
	worst := func(name string, xs []float64, f func(i int) float64) {
		w, at := parallelMax(len(xs), f)
		t.Logf("%s: largest error %.3f ulp at x = %v (%d arguments)", name, w, xs[at], len(xs))
		if !(w <= 1) {
			t.Errorf("%s: error %.3f ulp at x = %v", name, w, xs[at])
		}
	}
	worst("Sin", xs, func(i int) float64 {
		x := xs[i]
		if math.IsInf(x, 0) || x != x {
			return ulps64(sn[i], math.NaN())
		}
		if math.Abs(x) > 1e60 { // beyond bigHalfPi's precision
			return 0
		}
		s, _ := bigSinCos(x)
		return ulpsFrom(sn[i], s)
	})
	worst("Cos", xs, func(i int) float64 {
		x := xs[i]
		if math.IsInf(x, 0) || x != x {
			return ulps64(cs[i], math.NaN())
		}
		if math.Abs(x) > 1e60 {
			return 0
		}
		_, c := bigSinCos(x)
		return ulpsFrom(cs[i], c)
	})

	// Log: special values, subnormals, uniform and log-uniform arguments,
	// and the neighbourhoods of 1 and of √2 (where the reduction switches).
	r := rand.New(rand.NewPCG(3, 4))
	ls := []float64{0, math.Copysign(0, -1), -1, math.Inf(1), math.Inf(-1), math.NaN(), 5e-324, 1e-310, 0x1p-1022,
		1, 2, 0.5, math.E, math.MaxFloat64, math.Sqrt2, math.Sqrt2 / 2}
	for range 3 * n {
		ls = append(ls, r.Float64()*4, math.Exp2(-1074+2098*r.Float64()), 1+(r.Float64()-0.5)*0x1p-20)
	}
	for d := -100; d <= 100; d++ {
		ls = append(ls, math.Float64frombits(uint64(int64(math.Float64bits(math.Sqrt2))+int64(d))),
			math.Float64frombits(uint64(int64(math.Float64bits(1))+int64(d))))
	}
	lg := make([]float64, len(ls))
	withAsm(t, func() { Log(lg, ls) })
	for i, x := range ls {
		if m := log64(x); math.Float64bits(m) != math.Float64bits(lg[i]) && !(m != m && lg[i] != lg[i]) {
			t.Fatalf("Log(%v): loop %v, Go model %v", x, lg[i], m)
		}
	}
	worst("Log", ls, func(i int) float64 {
		x, got := ls[i], lg[i]
		if !(x > 0) || math.IsInf(x, 0) {
			return ulps64(got, math.Log(x))
		}
		return ulpsFrom(got, bigLog(x))
	})
}

// TestTanhSigmoid64 measures Tanh and Sigmoid against math/big and checks
// the loops against the Go models bit for bit, and the bound of 1 ulp.
func TestTanhSigmoid64(t *testing.T) {
	if !fmaFast {
		t.Skip("no hardware FMA: Tanh and Sigmoid are the math package's")
	}
	n := 4000
	if *transExhaustive {
		n = 40000
	} else if testing.Short() {
		n = 1000
	}
	r := rand.New(rand.NewPCG(9, 10))
	xs := []float64{0, math.Copysign(0, -1), 5e-324, -5e-324, 1e-310, 1e-20, 0x1p-27, -0x1p-27, 0x1p-26, 0.1, 0.17, 0.35,
		1, -1, 19, 20, -36, 37, -700, -700.5, -745, -746, 700, 710, 1000, -1000, math.MaxFloat64, -math.MaxFloat64,
		math.Inf(1), math.Inf(-1), math.NaN()}
	for range n {
		xs = append(xs, -5+10*r.Float64(), -40+80*r.Float64(), -750+800*r.Float64(),
			math.Copysign(math.Exp2(-40+45*r.Float64()), r.Float64()-0.5))
	}
	th, sg := make([]float64, len(xs)), make([]float64, len(xs))
	withAsm(t, func() {
		Tanh(th, xs)
		Sigmoid(sg, xs)
	})
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b }
	for i, x := range xs {
		if !same(th[i], tanh64(x)) || !same(sg[i], sigmoid64(x)) {
			t.Fatalf("x = %v: loops %v %v, Go models %v %v", x, th[i], sg[i], tanh64(x), sigmoid64(x))
		}
	}
	check := func(name string, got []float64, ref func(x float64) *big.Float) {
		w, at := parallelMax(len(xs), func(i int) float64 {
			x := xs[i]
			if x != x || math.IsInf(x, 0) || math.Abs(x) > 1e4 {
				want := map[string]func(float64) float64{"Tanh": math.Tanh, "Sigmoid": func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }}[name](x)
				return ulps64(got[i], want)
			}
			return ulpsFrom(got[i], ref(x))
		})
		t.Logf("%s: largest error %.3f ulp at x = %v (%d arguments)", name, w, xs[at], len(xs))
		if !(w <= 1) {
			t.Errorf("%s: error %.3f ulp at x = %v", name, w, xs[at])
		}
	}
	check("Tanh", th, func(x float64) *big.Float {
		if math.Abs(x) < 0x1p-60 {
			return new(big.Float).SetFloat64(x)
		}
		e := bigExp(-2*math.Abs(x), 400)
		one := new(big.Float).SetPrec(400).SetInt64(1)
		v := new(big.Float).SetPrec(400).Quo(new(big.Float).SetPrec(400).Sub(one, e), new(big.Float).SetPrec(400).Add(one, e))
		if x < 0 {
			v.Neg(v)
		}
		return v
	})
	check("Sigmoid", sg, func(x float64) *big.Float {
		e := bigExp(-x, 200)
		one := new(big.Float).SetPrec(200).SetInt64(1)
		return new(big.Float).SetPrec(200).Quo(one, e.Add(e, one))
	})
}

// bigLogOf is ln v for v > 0.
func bigLogOf(v *big.Float) *big.Float {
	const p = 200
	m := new(big.Float).SetPrec(v.Prec())
	e := v.MantExp(m) // v = m·2^e, m in [0.5, 1)
	one := new(big.Float).SetPrec(p).SetInt64(1)
	num := new(big.Float).SetPrec(v.Prec()).Sub(m, one) // exact
	t := new(big.Float).SetPrec(p).Quo(num, new(big.Float).SetPrec(p).Add(m, one))
	res := bigAtanh2(t)
	return res.Add(res, new(big.Float).SetPrec(p).Mul(bigLn2, new(big.Float).SetInt64(int64(e))))
}

// TestLog1pExpm1_64 measures Log1p and Expm1 against math/big and checks the
// loops against the Go models bit for bit, and the bound of 1 ulp.
func TestLog1pExpm1_64(t *testing.T) {
	if !fmaFast {
		t.Skip("no hardware FMA: Log1p and Expm1 are the math package's")
	}
	n := 4000
	if *transExhaustive {
		n = 40000
	} else if testing.Short() {
		n = 1000
	}
	r := rand.New(rand.NewPCG(11, 12))
	xs := []float64{0, math.Copysign(0, -1), 5e-324, -5e-324, 1e-310, 1e-20, -1e-20, 0x1p-54, -0x1p-54, 0x1p-53, 0.1,
		-0.29, 0.35, 0.5, -0.5, 1, -1, -0.9999999999999999, -1.5, 700, 700.5, 709.7, 710, -700, -745, -800,
		1e300, math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN()}
	for range n {
		xs = append(xs, -1+3*r.Float64(), -40+80*r.Float64(), -750+1460*r.Float64(),
			math.Copysign(math.Exp2(-60+62*r.Float64()), r.Float64()-0.5), math.Exp2(1000*r.Float64()))
	}
	l1, em := make([]float64, len(xs)), make([]float64, len(xs))
	withAsm(t, func() {
		Log1p(l1, xs)
		Expm1(em, xs)
	})
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b }
	for i, x := range xs {
		if !same(l1[i], log1p64(x)) || !same(em[i], expm1_64(x)) {
			t.Fatalf("x = %v: loops %v %v, Go models %v %v", x, l1[i], em[i], log1p64(x), expm1_64(x))
		}
	}
	check := func(name string, got []float64, special func(float64) bool, math func(float64) float64, ref func(x float64) *big.Float) {
		w, at := parallelMax(len(xs), func(i int) float64 {
			if x := xs[i]; special(x) {
				return ulps64(got[i], math(x))
			}
			return ulpsFrom(got[i], ref(xs[i]))
		})
		t.Logf("%s: largest error %.3f ulp at x = %v (%d arguments)", name, w, xs[at], len(xs))
		if !(w <= 1) {
			t.Errorf("%s: error %.3f ulp at x = %v", name, w, xs[at])
		}
	}
	check("Log1p", l1, func(x float64) bool { return !(x > -1) || math.IsInf(x, 0) }, math.Log1p, func(x float64) *big.Float {
		v := new(big.Float).SetPrec(2200).SetFloat64(x)
		if math.Abs(x) < 0x1p-60 { // x - x²/2: bigLogOf would cancel
			return v.Sub(v, new(big.Float).SetPrec(2200).Mul(v, new(big.Float).SetPrec(2200).Quo(v, big.NewFloat(2))))
		}
		return bigLogOf(v.Add(v, big.NewFloat(1)))
	})
	check("Expm1", em, func(x float64) bool { return x != x || x < -700 || x > 709 }, math.Expm1, func(x float64) *big.Float {
		if math.Abs(x) < 0x1p-100 {
			v := new(big.Float).SetPrec(400).SetFloat64(x)
			return v.Add(v, new(big.Float).SetPrec(400).Mul(v, new(big.Float).SetPrec(400).Quo(v, big.NewFloat(2))))
		}
		e := bigExp(x, 400)
		return e.Sub(e, big.NewFloat(1))
	})
}

// TestTrans32 checks the float32 functions within 1 ulp of the exact value
// on every 997th bit pattern, or on all 2^32 with -exhaustive-trans (for
// Sin, Cos, Sincos and Tan all |x| ≤ 2^11, where the loops run, and every 997th
// beyond).
func TestTrans32(t *testing.T) {
	stride := uint64(997)
	if *transExhaustive {
		stride = 1
	} else if testing.Short() {
		stride = 99991
	}
	// The reference is the float64 math function, or, with
	// -exhaustive-trans, to save time, the float64 kernel (measured above
	// against math/big; its error, below 1 float64 ulp, is 2^-29 float32
	// ulp).
	type fn struct {
		name  string
		run   func(d, x []float32)
		ref   func(float64) float64
		ref64 func(d, x []float64)
	}
	sigmoid := func(x float64) float64 {
		if x >= 0 {
			return 1 / (1 + math.Exp(-x))
		}
		e := math.Exp(x)
		return e / (1 + e)
	}
	fns := []fn{
		{"Sin", Sin[float32], math.Sin, Sin[float64]},
		{"Cos", Cos[float32], math.Cos, Cos[float64]},
		{"Log", Log[float32], math.Log, Log[float64]},
		{"Tanh", Tanh[float32], math.Tanh, Tanh[float64]},
		{"Log1p", Log1p[float32], math.Log1p, Log1p[float64]},
		{"Expm1", Expm1[float32], math.Expm1, Expm1[float64]},
		{"Sigmoid", Sigmoid[float32], sigmoid, Sigmoid[float64]},
		{"Tan", Tan[float32], math.Tan, Tan[float64]},
		{"Atan", Atan[float32], math.Atan, Atan[float64]},
		{"Erf", Erf[float32], math.Erf, Erf[float64]},
		{"Exp", Exp[float32], math.Exp, Exp[float64]},
		{"Sincos", nil, nil, nil},
	}
	saved := useAsm
	useAsm = haveAsm
	defer func() { useAsm = saved }()
	for _, f := range fns {
		t.Run(f.name, func(t *testing.T) { trans32One(t, f.name, f.run, f.ref, f.ref64, stride) })
	}
}

// trans32One is TestTrans32 for one function (run nil: Sincos).
func trans32One(t *testing.T, name string, run func(d, x []float32), ref func(float64) float64, ref64 func(d, x []float64), stride uint64) {
	f := struct {
		name  string
		run   func(d, x []float32)
		ref   func(float64) float64
		ref64 func(d, x []float64)
	}{name, run, ref, ref64}
	{
		const chunk = 1 << 16
		var next atomic.Uint64
		var mu sync.Mutex
		worst, at := 0.0, float32(0)
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				xs, d, c := make([]float32, 0, chunk), make([]float32, chunk), make([]float32, chunk)
				x64, r64 := make([]float64, chunk), make([]float64, chunk)
				lw, la := 0.0, float32(0)
				for {
					lo := next.Add(chunk*stride) - chunk*stride
					if lo >= 1<<32 {
						break
					}
					xs = xs[:0]
					trig := f.name == "Sin" || f.name == "Cos" || f.name == "Sincos" || f.name == "Tan"
					for b := lo; b < min(lo+chunk*stride, 1<<32); b += stride {
						x := math.Float32frombits(uint32(b))
						// Exhaustive for the loops; beyond their threshold
						// sin and cos are the float64 scalar code, rounded
						// (Payne–Hanek, slow): every 997th there.
						if trig && stride == 1 && !(math.Abs(float64(x)) <= 0x1p11) && b%997 != 0 {
							continue
						}
						xs = append(xs, x)
					}
					d, c := d[:len(xs)], c[:len(xs)]
					check := func(got []float32, ref func(float64) float64) {
						for i, x := range xs {
							if e := ulps32From(got[i], ref(float64(x))); e > lw {
								lw, la = e, x
							}
						}
					}
					if f.run == nil {
						// Sincos gives Sin's and Cos's bits.
						Sincos(d, c, xs)
						d2, c2 := make([]float32, len(xs)), make([]float32, len(xs))
						Sin(d2, xs)
						Cos(c2, xs)
						for i := range xs {
							if math.Float32bits(d[i]) != math.Float32bits(d2[i]) || math.Float32bits(c[i]) != math.Float32bits(c2[i]) {
								lw, la = math.Inf(1), xs[i]
							}
						}
						continue
					}
					f.run(d, xs)
					if !*transExhaustive {
						check(d, f.ref)
						continue
					}
					x64, r64 = x64[:len(xs)], r64[:len(xs)]
					for i, x := range xs {
						x64[i] = float64(x)
					}
					f.ref64(r64, x64)
					for i, x := range xs {
						if e := ulps32From(d[i], r64[i]); e > lw {
							lw, la = e, x
						}
					}
				}
				mu.Lock()
				if lw > worst {
					worst, at = lw, la
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		t.Logf("float32 %s: largest error %.3f ulp at x = %v (%#x), every %d-th input", f.name, worst, at, math.Float32bits(at), stride)
		if worst > 1 {
			t.Errorf("float32 %s: error %.3f ulp at x = %v", f.name, worst, at)
		}
	}
}

// ulps32From is |got - want| in float32 ulps of want, for want computed in
// float64 and taken as exact.
func ulps32From(got float32, want float64) float64 {
	g := float64(got)
	if math.IsInf(g, 0) && float32(want) == got { // overflow in float32
		return 0
	}
	if math.IsInf(want, 0) || want != want || math.IsInf(g, 0) || g != g {
		if g == want || g != g && want != want {
			return 0
		}
		return math.Inf(1)
	}
	_, e := math.Frexp(want) // |want| in [2^(e-1), 2^e)
	e = max(e-24, -149)
	return math.Abs(g-want) / math.Ldexp(1, e)
}

// BenchmarkTrans times the vectorised functions on 10⁶ elements (one core
// with -cpu 1), x uniform in [0.01, 3.01] (pow: y uniform in [-3, 3]),
// against a loop over the math package ("scalar").
func BenchmarkTrans(b *testing.B) {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(7, 8))
	x64, d64, e64 := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range x64 {
		x64[i] = 0.01 + 3*r.Float64()
	}
	x32, d32, e32 := make([]float32, n), make([]float32, n), make([]float32, n)
	for i, v := range x64 {
		x32[i] = float32(v)
	}
	// pow's exponents, uniform in [-3, 3].
	y64, y32 := make([]float64, n), make([]float32, n)
	for i := range y64 {
		y64[i] = -3 + 6*r.Float64()
		y32[i] = float32(y64[i])
	}
	for _, f := range []struct {
		name string
		k64  func(d, x []float64)
		k32  func(d, x []float32)
		ref  func(float64) float64
	}{
		{"sin", Sin[float64], Sin[float32], math.Sin},
		{"cos", Cos[float64], Cos[float32], math.Cos},
		{"log", Log[float64], Log[float32], math.Log},
		{"log1p", Log1p[float64], Log1p[float32], math.Log1p},
		{"expm1", Expm1[float64], Expm1[float32], math.Expm1},
		{"tanh", Tanh[float64], Tanh[float32], math.Tanh},
		{"sigmoid", Sigmoid[float64], Sigmoid[float32], func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		{"exp", Exp[float64], Exp[float32], math.Exp},
		{"tan", Tan[float64], Tan[float32], math.Tan},
		{"atan", Atan[float64], Atan[float32], math.Atan},
		{"erf", Erf[float64], Erf[float32], math.Erf},
		{"pow", func(d, x []float64) { Power(d, x, y64) }, func(d, x []float32) { Power(d, x, y32) }, nil},
		{"sincos", func(d, x []float64) { Sincos(d, e64, x) }, func(d, x []float32) { Sincos(d, e32, x) }, nil},
	} {
		b.Run(f.name+"/float64", func(b *testing.B) {
			for b.Loop() {
				f.k64(d64, x64)
			}
		})
		b.Run(f.name+"/float32", func(b *testing.B) {
			for b.Loop() {
				f.k32(d32, x32)
			}
		})
		if f.name == "pow" {
			b.Run("pow/float64/scalar", func(b *testing.B) {
				for b.Loop() {
					for i, v := range x64 {
						d64[i] = math.Pow(v, y64[i])
					}
				}
			})
			b.Run("pow/float32/scalar", func(b *testing.B) {
				for b.Loop() {
					for i, v := range x32 {
						d32[i] = float32(math.Pow(float64(v), float64(y32[i])))
					}
				}
			})
		}
		if f.ref == nil {
			continue
		}
		b.Run(f.name+"/float64/scalar", func(b *testing.B) {
			for b.Loop() {
				for i, v := range x64 {
					d64[i] = f.ref(v)
				}
			}
		})
		b.Run(f.name+"/float32/scalar", func(b *testing.B) {
			for b.Loop() {
				for i, v := range x32 {
					d32[i] = float32(f.ref(float64(v)))
				}
			}
		})
	}
}
