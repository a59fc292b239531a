package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestTransSelfTest checks that every set of loops this CPU runs passes the
// start-up self-test, and reports the set in use.
func TestTransSelfTest(t *testing.T) {
	t.Logf("loops in use: %s", TransKernel())
	if haveExpAsm && !transSelfTest(avx2Loops) {
		t.Error("the AVX2+FMA loops fail their self-test")
	}
	if haveAVX512 && !transSelfTest(avx512Loops) {
		t.Error("the AVX-512 loops fail their self-test")
	}
}

// TestTransLoopsAgree checks that the AVX-512 loops give the AVX2 loops'
// bits, in float64 and float32, on every 4099th float32 bit pattern (97th
// with -exhaustive-trans; as float32 and widened) and on random float64
// arguments.
func TestTransLoopsAgree(t *testing.T) {
	if !haveAVX512 {
		t.Skip("no AVX-512")
	}
	stride := uint64(4099)
	if *transExhaustive {
		stride = 97
	} else if testing.Short() {
		stride = 99991
	}
	var x32 []float32
	for b := uint64(0); b < 1<<32; b += stride {
		x32 = append(x32, math.Float32frombits(uint32(b)))
	}
	x64 := make([]float64, len(x32))
	for i, v := range x32 {
		x64[i] = float64(v)
	}
	r := rand.New(rand.NewPCG(13, 14))
	for range 1 << 18 {
		x64 = append(x64, math.Float64frombits(r.Uint64()), -40+80*r.Float64())
	}
	type pair64 struct {
		name string
		a, b vecFunc64
	}
	a, z := avx2Loops, avx512Loops
	for _, p := range []pair64{{"sin", a.sin64, z.sin64}, {"cos", a.cos64, z.cos64}, {"log", a.log64, z.log64},
		{"log1p", a.log1p64, z.log1p64}, {"expm1", a.expm1_64, z.expm1_64}, {"tanh", a.tanh64, z.tanh64},
		{"sigmoid", a.sigmoid64, z.sigmoid64}, {"tan", a.tan64, z.tan64}, {"atan", a.atan64, z.atan64},
		{"erf", a.erf64, z.erf64}} {
		d1, d2 := make([]float64, len(x64)), make([]float64, len(x64))
		f := map[string]func(float64) float64{"sin": sin64, "cos": cos64, "log": log64, "log1p": log1p64,
			"expm1": expm1_64, "tanh": tanh64, "sigmoid": sigmoid64, "tan": tan64, "atan": atan64, "erf": erf64}[p.name]
		run64(d1, x64, p.a, f)
		run64(d2, x64, p.b, f)
		for i := range d1 {
			if math.Float64bits(d1[i]) != math.Float64bits(d2[i]) && !(d1[i] != d1[i] && d2[i] != d2[i]) {
				t.Fatalf("float64 %s(%v): AVX2 %v, AVX-512 %v", p.name, x64[i], d1[i], d2[i])
			}
		}
	}
	y64 := make([]float64, len(x64))
	for i := range x64 {
		y64[i] = x64[len(x64)-1-i] / 64
	}
	p1, p2 := make([]float64, len(x64)), make([]float64, len(x64))
	runBin(p1, x64, y64, a.pow64, pow64)
	runBin(p2, x64, y64, z.pow64, pow64)
	for i := range p1 {
		if math.Float64bits(p1[i]) != math.Float64bits(p2[i]) && !(p1[i] != p1[i] && p2[i] != p2[i]) {
			t.Fatalf("float64 pow(%v, %v): AVX2 %v, AVX-512 %v", x64[i], y64[i], p1[i], p2[i])
		}
	}
	y32 := make([]float32, len(x32))
	for i := range x32 {
		y32[i] = x32[len(x32)-1-i] / 64
	}
	q1, q2 := make([]float32, len(x32)), make([]float32, len(x32))
	runBin(q1, x32, y32, a.pow32, pow32)
	runBin(q2, x32, y32, z.pow32, pow32)
	for i := range q1 {
		if math.Float32bits(q1[i]) != math.Float32bits(q2[i]) && !(q1[i] != q1[i] && q2[i] != q2[i]) {
			t.Fatalf("float32 pow(%v, %v): AVX2 %v, AVX-512 %v", x32[i], y32[i], q1[i], q2[i])
		}
	}
	type pair32 struct {
		name string
		a, b vecFunc32
	}
	for _, p := range []pair32{{"sin", a.sin32, z.sin32}, {"cos", a.cos32, z.cos32}, {"log", a.log32, z.log32},
		{"log1p", a.log1p32, z.log1p32}, {"expm1", a.expm1_32, z.expm1_32}, {"tanh", a.tanh32, z.tanh32},
		{"sigmoid", a.sigmoid32, z.sigmoid32}, {"tan", a.tan32, z.tan32}, {"atan", a.atan32, z.atan32},
		{"erf", a.erf32, z.erf32}, {"exp", a.exp32, z.exp32}} {
		d1, d2 := make([]float32, len(x32)), make([]float32, len(x32))
		f := map[string]func(float32) float32{"sin": sin32, "cos": cos32, "log": log32, "log1p": log1p32,
			"expm1": expm1_32, "tanh": tanh32, "sigmoid": sigmoid32, "tan": tan32, "atan": atan32, "erf": erf32,
			"exp": exp32}[p.name]
		run32(d1, x32, p.a, f)
		run32(d2, x32, p.b, f)
		for i := range d1 {
			if math.Float32bits(d1[i]) != math.Float32bits(d2[i]) && !(d1[i] != d1[i] && d2[i] != d2[i]) {
				t.Fatalf("float32 %s(%v): AVX2 %v, AVX-512 %v", p.name, x32[i], d1[i], d2[i])
			}
		}
	}
}
