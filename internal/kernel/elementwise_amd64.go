//go:build amd64

package kernel

import (
	"math"
	"os"

	"golang.org/x/sys/cpu"
)

//go:generate go run gen.go

// haveAsm reports whether this CPU runs the AVX2 loops of elementwise_amd64.s
// (x/sys/cpu also checks that the OS saves the YMM registers).
var haveAsm = cpu.X86.HasAVX2

// The assembly loops (elementwise_amd64.s, made by gen.go). Each reads and
// writes n elements from the given pointers; d may be equal to an input, but
// must not overlap it otherwise.

//go:noescape
func addVV64(d, a, b *float64, n int)

//go:noescape
func subVV64(d, a, b *float64, n int)

//go:noescape
func mulVV64(d, a, b *float64, n int)

//go:noescape
func divVV64(d, a, b *float64, n int)

//go:noescape
func addVS64(d, a *float64, s float64, n int)

//go:noescape
func subVS64(d, a *float64, s float64, n int)

//go:noescape
func mulVS64(d, a *float64, s float64, n int)

//go:noescape
func divVS64(d, a *float64, s float64, n int)

//go:noescape
func subSV64(d, b *float64, s float64, n int)

//go:noescape
func divSV64(d, b *float64, s float64, n int)

//go:noescape
func affine64(d, a *float64, s, b float64, n int)

//go:noescape
func square64(d, a *float64, n int)

//go:noescape
func abs64(d, a *float64, n int)

//go:noescape
func relu64(d, a *float64, n int)

//go:noescape
func positive64(d, a *float64, n int)

//go:noescape
func addVV32(d, a, b *float32, n int)

//go:noescape
func subVV32(d, a, b *float32, n int)

//go:noescape
func mulVV32(d, a, b *float32, n int)

//go:noescape
func divVV32(d, a, b *float32, n int)

//go:noescape
func addVS32(d, a *float32, s float32, n int)

//go:noescape
func subVS32(d, a *float32, s float32, n int)

//go:noescape
func mulVS32(d, a *float32, s float32, n int)

//go:noescape
func divVS32(d, a *float32, s float32, n int)

//go:noescape
func subSV32(d, b *float32, s float32, n int)

//go:noescape
func divSV32(d, b *float32, s float32, n int)

//go:noescape
func affine32(d, a *float32, s, b float32, n int)

//go:noescape
func square32(d, a *float32, n int)

//go:noescape
func abs32(d, a *float32, n int)

//go:noescape
func relu32(d, a *float32, n int)

//go:noescape
func positive32(d, a *float32, n int)

// elemLoops is one instruction set's assembly loops for one element type:
// vv and vs indexed by Add, Sub, Mul and Div; sv's Add and Mul are vs's;
// unary indexed by Relu, Positive, Square and Abs.
type elemLoops[T float32 | float64] struct {
	vv           [Div + 1]func(d, a, b *T, n int)
	vs           [Div + 1]func(d, a *T, s T, n int)
	subSV, divSV func(d, b *T, s T, n int)
	affine       func(d, a *T, s, b T, n int)
	unary        [Abs + 1]func(d, a *T, n int)
}

// An elemSet is the loops of one instruction set for both element types.
// With long set, vv runs long's loops on slices of at least longMin
// elements.
type elemSet struct {
	name    string
	f64     elemLoops[float64]
	f32     elemLoops[float32]
	long    *elemSet
	longMin int
}

// avx2Elem is the AVX2 loops (elementwise_amd64.s).
var avx2Elem = &elemSet{name: "AVX2",
	f64: elemLoops[float64]{
		vv:    [...]func(d, a, b *float64, n int){addVV64, subVV64, mulVV64, divVV64},
		vs:    [...]func(d, a *float64, s float64, n int){addVS64, subVS64, mulVS64, divVS64},
		subSV: subSV64, divSV: divSV64, affine: affine64,
		unary: [...]func(d, a *float64, n int){relu64, positive64, square64, abs64},
	},
	f32: elemLoops[float32]{
		vv:    [...]func(d, a, b *float32, n int){addVV32, subVV32, mulVV32, divVV32},
		vs:    [...]func(d, a *float32, s float32, n int){addVS32, subVS32, mulVS32, divVS32},
		subSV: subSV32, divSV: divSV32, affine: affine32,
		unary: [...]func(d, a *float32, n int){relu32, positive32, square32, abs32},
	},
}

// avx512Elem is the AVX-512 loops (elementwise_avx512_amd64.s), except
// for vv on slices of 2^19 elements or more, which runs the AVX2 loops.
// Measured on one core of an AMD EPYC (Zen 5) with both sets alternating
// (TestElemLoopsCompare; docs/BENCHMARKS.md): in the L1 cache (10³
// elements) the AVX-512 loops take 0.5–0.8 of the AVX2 loops' time, vs and
// sv divisions 0.5 up to 2^16 elements and 0.55–0.9 up to 2^20; elsewhere
// memory bandwidth bounds both and they are within a few percent, except vv
// in float64 at 2^20 elements, where AVX-512 measured 0.84–0.90× AVX2's
// speed in four runs of five.
var avx512Elem = &elemSet{name: "AVX-512", long: avx2Elem, longMin: 1 << 19,
	f64: elemLoops[float64]{
		vv:    [...]func(d, a, b *float64, n int){addVV64Z, subVV64Z, mulVV64Z, divVV64Z},
		vs:    [...]func(d, a *float64, s float64, n int){addVS64Z, subVS64Z, mulVS64Z, divVS64Z},
		subSV: subSV64Z, divSV: divSV64Z, affine: affine64Z,
		unary: [...]func(d, a *float64, n int){relu64Z, positive64Z, square64Z, abs64Z},
	},
	f32: elemLoops[float32]{
		vv:    [...]func(d, a, b *float32, n int){addVV32Z, subVV32Z, mulVV32Z, divVV32Z},
		vs:    [...]func(d, a *float32, s float32, n int){addVS32Z, subVS32Z, mulVS32Z, divVS32Z},
		subSV: subSV32Z, divSV: divSV32Z, affine: affine32Z,
		unary: [...]func(d, a *float32, n int){relu32Z, positive32Z, square32Z, abs32Z},
	},
}

// haveAVX512Elem reports whether this CPU runs the AVX-512 loops: they
// need AVX512F, and BMI2 for the tail's mask (x/sys/cpu also checks that
// the OS saves the ZMM and mask registers).
var haveAVX512Elem = haveAsm && cpu.X86.HasAVX512F && cpu.X86.HasBMI2

// elemInUse is the set vv, vs, sv, affineRange and unaryRange call, decided
// once at start-up: the AVX-512 loops where the CPU has them and they pass
// elemSelfTest, else the AVX2 ones on the same condition, else none (nil:
// the Go loops run). NABLA_KERNEL=avx2 skips the AVX-512 loops.
var elemInUse = pickElem(os.Getenv("NABLA_KERNEL"))

func pickElem(env string) *elemSet {
	switch {
	case !haveAsm || env == "portable":
		return nil
	case haveAVX512Elem && env != "avx2" && elemSelfTest(avx512Elem) && elemSelfTest(avx2Elem):
		return avx512Elem
	case elemSelfTest(avx2Elem):
		return avx2Elem
	}
	return nil
}

// ElemKernel names the loops behind the elementwise kernels (Binary's
// contiguous cases, Affine, Unary, AddInPlace): "AVX-512", "AVX2" or
// "portable".
func ElemKernel() string {
	if !useAsm || elemInUse == nil {
		return "portable"
	}
	return elemInUse.name
}

// elemSelfTest runs every loop of es on a slice long enough to reach the
// main loop, the one-register loop and the tail, filled with pairs of
// special values (signed zeros, infinities, NaNs with payloads, signalling
// NaNs, subnormals, the largest finite numbers) and ordinary ones, and
// checks each result bit for bit against the Go loops'. A set that fails is
// not used: a fault in a loop that runs only on hardware the test machines
// lack costs speed, not wrong results.
func elemSelfTest(es *elemSet) bool {
	vals := []uint64{0, 1 << 63, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000bad, 0xfff80000deadbeef,
		0x7ff0000000000001, 0x0000000000000001, 0x800fffffffffffff, 0x7fefffffffffffff, 0x3ff0000000000000,
		0xc00c000000000000, 0x4008000000000000}
	const n = 4*16 + 16 + 13 // main, one-register and tail parts for every width
	a64, b64 := make([]float64, n), make([]float64, n)
	for i := range a64 {
		a64[i] = math.Float64frombits(vals[i%len(vals)])
		b64[i] = math.Float64frombits(vals[(i/len(vals)+i)%len(vals)])
	}
	a32, b32 := make([]float32, n), make([]float32, n)
	for i := range a32 {
		a32[i] = float32(a64[i])
		b32[i] = float32(b64[i])
	}
	a32[3] = math.Float32frombits(0x7fc00bad) // a float32 NaN payload
	return elemLoopsSelfTest(&es.f64, a64, b64) && elemLoopsSelfTest(&es.f32, a32, b32)
}

func elemLoopsSelfTest[T float32 | float64](l *elemLoops[T], a, b []T) bool {
	n := len(a)
	got, want := make([]T, n+1), make([]T, n+1)
	same := func() bool {
		for i := range got {
			if bitsOf(got[i]) != bitsOf(want[i]) {
				return false
			}
		}
		return true
	}
	for _, s := range []T{a[5], b[1], 3} {
		for op := Add; op <= Div; op++ {
			l.vv[op](&got[0], &a[0], &b[0], n)
			vvGo(op, want[:n], a, b)
			if !same() {
				return false
			}
			l.vs[op](&got[0], &a[0], s, n)
			vsGo(op, want[:n], a, s)
			if !same() {
				return false
			}
		}
		l.subSV(&got[0], &b[0], s, n)
		svGo(Sub, want[:n], s, b)
		if !same() {
			return false
		}
		l.divSV(&got[0], &b[0], s, n)
		svGo(Div, want[:n], s, b)
		if !same() {
			return false
		}
		// affineGo's general case: affineRange sends b = 0 to vs.
		l.affine(&got[0], &a[0], s, 2.5, n)
		affineGo(want[:n], a, s, 2.5)
		if !same() {
			return false
		}
	}
	for op := Relu; op <= Abs; op++ {
		l.unary[op](&got[0], &a[0], n)
		unaryGo(op, want[:n], a)
		if !same() {
			return false
		}
	}
	return true
}

// The xxAsm functions run the assembly loop for op on a non-empty d when
// there is one for op and T in the set in use, and report whether they did.
// The slices are cut to len(d) first, so a short input panics as in the Go
// loops.

func vvAsm[T Float](op BinOp, d, a, b []T) bool {
	if elemInUse == nil || op > Div {
		return false
	}
	es := elemInUse
	if es.long != nil && len(d) >= es.longMin {
		es = es.long
	}
	switch d := any(d).(type) {
	case []float64:
		a, b := any(a).([]float64)[:len(d)], any(b).([]float64)[:len(d)]
		es.f64.vv[op](&d[0], &a[0], &b[0], len(d))
	case []float32:
		a, b := any(a).([]float32)[:len(d)], any(b).([]float32)[:len(d)]
		es.f32.vv[op](&d[0], &a[0], &b[0], len(d))
	default:
		return false
	}
	return true
}

func vsAsm[T Float](op BinOp, d, a []T, s T) bool {
	if elemInUse == nil || op > Div {
		return false
	}
	switch d := any(d).(type) {
	case []float64:
		a := any(a).([]float64)[:len(d)]
		elemInUse.f64.vs[op](&d[0], &a[0], float64(s), len(d))
	case []float32:
		a := any(a).([]float32)[:len(d)]
		elemInUse.f32.vs[op](&d[0], &a[0], float32(s), len(d))
	default:
		return false
	}
	return true
}

// svAsm: s + b[i] and s * b[i] are the vs loops, which have the element as
// first source, as the Go loop's scalar code has.
func svAsm[T Float](op BinOp, d []T, s T, b []T) bool {
	if elemInUse == nil || op > Div {
		return false
	}
	switch d := any(d).(type) {
	case []float64:
		svLoop(&elemInUse.f64, op, d, float64(s), any(b).([]float64)[:len(d)])
	case []float32:
		svLoop(&elemInUse.f32, op, d, float32(s), any(b).([]float32)[:len(d)])
	default:
		return false
	}
	return true
}

func svLoop[T float32 | float64](l *elemLoops[T], op BinOp, d []T, s T, b []T) {
	switch op {
	case Sub:
		l.subSV(&d[0], &b[0], s, len(d))
	case Div:
		l.divSV(&d[0], &b[0], s, len(d))
	default:
		l.vs[op](&d[0], &b[0], s, len(d))
	}
}

func affineAsm[T Float](d, s []T, a, b T) bool {
	if elemInUse == nil {
		return false
	}
	switch d := any(d).(type) {
	case []float64:
		s := any(s).([]float64)[:len(d)]
		elemInUse.f64.affine(&d[0], &s[0], float64(a), float64(b), len(d))
	case []float32:
		s := any(s).([]float32)[:len(d)]
		elemInUse.f32.affine(&d[0], &s[0], float32(a), float32(b), len(d))
	default:
		return false
	}
	return true
}

func unaryAsm[T Float](op UnaryOp, d, s []T) bool {
	if elemInUse == nil || op > Abs {
		return false
	}
	switch d := any(d).(type) {
	case []float64:
		s := any(s).([]float64)[:len(d)]
		elemInUse.f64.unary[op](&d[0], &s[0], len(d))
	case []float32:
		s := any(s).([]float32)[:len(d)]
		elemInUse.f32.unary[op](&d[0], &s[0], len(d))
	default:
		return false
	}
	return true
}

// haveExpAsm reports whether this CPU runs expVec64, which needs FMA as
// well as AVX2 (as do the loops of trans_amd64.s).
var haveExpAsm = haveAsm && cpu.X86.HasFMA

// expVec64 (exp_amd64.s) sets d[i] = e^s[i] for n a multiple of 4, as
// exp64 does; d may be s. expVec64Z does the same on AVX-512 registers, for
// n a multiple of 8.
//
//go:noescape
func expVec64(d, s *float64, n int)

//go:noescape
func expVec64Z(d, s *float64, n int)

// expLoops is one instruction set's float64 loop of Exp, for n a multiple
// of lanes.
type expLoops struct {
	name  string
	lanes int
	f64   func(d, s *float64, n int)
}

var (
	avx2Exp   = &expLoops{"AVX2+FMA", 4, expVec64}
	avx512Exp = &expLoops{"AVX-512", 8, expVec64Z}
)

// expInUse is the loops Exp calls, decided once at start-up: the AVX-512
// loops where the CPU has AVX512F (and FMA) and they pass expSelfTest, else
// the AVX2+FMA loops on the same condition, else none (nil: the Go loop
// runs). NABLA_KERNEL=avx2 skips the AVX-512 loops. On one core of an AMD
// EPYC (Zen 5) the AVX-512 loops took 0.5–0.55 of the AVX2 loops' time up
// to 2^19 elements, 0.5–1.0 beyond, where memory bandwidth starts to
// bound them (TestElemLoopsCompare; in two earlier runs, under another
// load from the machine's other users, 0.7–0.8 in cache, and for float64
// beyond 2^20 elements up to 1.6 times the AVX2 loop's time).
var expInUse = pickExp(os.Getenv("NABLA_KERNEL"))

func pickExp(env string) *expLoops {
	switch {
	case !haveExpAsm || env == "portable":
		return nil
	case cpu.X86.HasAVX512F && env != "avx2" && expSelfTest(avx512Exp) && expSelfTest(avx2Exp):
		return avx512Exp
	case expSelfTest(avx2Exp):
		return avx2Exp
	}
	return nil
}

// ExpKernel names the loops behind float64 Exp: "AVX-512", "AVX2+FMA" or
// "portable" (float32 Exp runs TransKernel's loops).
func ExpKernel() string {
	if !useAsm || expInUse == nil {
		return "portable"
	}
	return expInUse.name
}

// expSelfTest runs the loops of el on arguments that reach every path
// (overflow, underflow, subnormal results, ±Inf, NaNs, ±0, ordinary
// values), through the main loop and the last group, and checks the
// results bit for bit against exp64.
func expSelfTest(el *expLoops) bool {
	xs := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 709.78, 709.79, 710, 800, -745, -745.2, -746, -708.5, -720,
		math.Inf(1), math.Inf(-1), math.NaN(), math.Float64frombits(0xfff80000deadbeef), 1e-300, -1e-17,
		88.7, 88.8, -103.9, -87.3, 3.5, -2.25, 10, -10, 100, -100, 0.693, 1e-7, 20.5, -33.3, 1.25e-4, 600,
		-600, 42, -0.1, 0.1}
	// The main loop, and one last group.
	n := (len(xs)-el.lanes)&^(2*el.lanes-1) + el.lanes
	xs = xs[:n]
	got := make([]float64, n)
	el.f64(&got[0], &xs[0], n)
	for i, x := range xs {
		if math.Float64bits(got[i]) != math.Float64bits(exp64(x)) {
			return false
		}
	}
	return true
}

// expAsm runs the float64 assembly loop of Exp on the longest prefix of d
// whose length is a multiple of the loop's lanes, where there is a loop,
// and returns that length (0 if it did nothing). s must be as long as d.
func expAsm(d, s []float64) int {
	el := expInUse
	if el == nil {
		return 0
	}
	n := len(d) &^ (el.lanes - 1)
	if n == 0 {
		return 0
	}
	el.f64(&d[0], &s[0], n)
	return n
}
