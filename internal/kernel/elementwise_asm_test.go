package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
)

// The dispatching loops (vv, vs, sv, affineRange, unaryRange) run the
// assembly kernels where the CPU has them; these tests compare them bit for bit
// with the Go loops (vvGo, ...) on random lengths, misaligned starts, special
// values and aliased operands. Where there is no assembly they compare the Go
// loops with themselves.

// specials64 are the values most likely to expose a difference: both zeros,
// both infinities, quiet and signalling NaNs of either sign with different
// payloads (so that which operand's NaN wins shows), subnormals and values
// whose products or quotients overflow or underflow.
var specials64 = []uint64{
	0x0000000000000000, 0x8000000000000000, // ±0
	0x7ff0000000000000, 0xfff0000000000000, // ±Inf
	0x7ff8000000000000, 0xfff8000000000000, // ±NaN
	0x7ff8000000000bad, 0xfff80000deadbeef, // NaNs with payloads
	0x7ff0000000000001, 0xfff4000000000abc, // signalling NaNs
	0x0000000000000001, 0x8000000000000001, // ±smallest subnormal
	0x000fffffffffffff, 0x800ffffffff00000, // ±large subnormals
	0x0010000000000000, 0x8010000000000000, // ±smallest normal
	0x7fefffffffffffff, 0xffefffffffffffff, // ±MaxFloat64
	0x3ff0000000000000, 0xbff0000000000000, // ±1
	0x5fe0000000000000, 0x2000000000000000, // 2^511, 2^-511
}

var specials32 = []uint32{
	0x00000000, 0x80000000,
	0x7f800000, 0xff800000,
	0x7fc00000, 0xffc00000,
	0x7fc00bad, 0xffc0beef,
	0x7f800001, 0xffa00abc,
	0x00000001, 0x80000001,
	0x007fffff, 0x807ff000,
	0x00800000, 0x80800000,
	0x7f7fffff, 0xff7fffff,
	0x3f800000, 0xbf800000,
	0x5f000000, 0x20000000,
}

// draw64 returns a special value one time in four, else a random number of
// random sign and magnitude.
func draw64(r *rand.Rand) float64 {
	if r.IntN(4) == 0 {
		return math.Float64frombits(specials64[r.IntN(len(specials64))])
	}
	return r.NormFloat64() * math.Ldexp(1, r.IntN(80)-40)
}

func draw32(r *rand.Rand) float32 {
	if r.IntN(4) == 0 {
		return math.Float32frombits(specials32[r.IntN(len(specials32))])
	}
	return float32(r.NormFloat64() * math.Ldexp(1, r.IntN(40)-20))
}

// withAsm runs f with the assembly loops on (where the CPU has them),
// whatever NABLA_KERNEL says.
func withAsm(t *testing.T, f func()) {
	t.Helper()
	if !haveAsm {
		t.Log("no assembly loops on this machine: comparing the Go loops with themselves")
	}
	saved := useAsm
	useAsm = haveAsm
	defer func() { useAsm = saved }()
	f()
}

const guard = 5 // elements checked past the end of each output

// compare runs got and want on fresh outputs starting at offset off of a
// buffer, and fails on the first element whose bits differ or on a write past
// the end.
func compare[T Float](t *testing.T, what string, n, off int, got, want func(d []T)) {
	t.Helper()
	compareWithin(t, what, n, off, false, got, want)
}

// compareWithin is compare that, with oneULP, lets elements differ by up to
// one float32 ulp.
func compareWithin[T Float](t *testing.T, what string, n, off int, oneULP bool, got, want func(d []T)) {
	t.Helper()
	g, w := make([]T, off+n+guard), make([]T, off+n+guard)
	for i := range g {
		g[i], w[i] = 7, 7
	}
	got(g[off : off+n])
	want(w[off : off+n])
	for i := range g {
		outside := i < off || i >= off+n
		bad := bitsOf(g[i]) != bitsOf(w[i])
		if oneULP {
			bad = ulps32(float32(g[i]), float32(w[i])) > 1 || outside && g[i] != 7
		}
		if bad {
			t.Fatalf("%s n=%d off=%d: element %d is %v (%#x), want %v (%#x)",
				what, n, off, i-off, g[i], bitsOf(g[i]), w[i], bitsOf(w[i]))
		}
	}
}

func lengths() []int {
	var ns []int
	for n := 0; n <= 300; n++ {
		ns = append(ns, n)
	}
	return append(ns, 1000, 4099, 65536+7)
}

func testAsmMatchesGo[T Float](t *testing.T, draw func(*rand.Rand) T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 99))
	// vec returns n random values starting at a random offset (0..3
	// elements) of a longer slice, so that loads are misaligned.
	vec := func(n int) []T {
		off := r.IntN(4)
		s := make([]T, off+n+3)
		for i := range s {
			s[i] = draw(r)
		}
		return s[off : off+n]
	}
	for _, n := range lengths() {
		a, b := vec(n), vec(n)
		s := draw(r)
		off := r.IntN(4)
		for op := Add; op <= Min; op++ {
			if op == Pow && n > 4096 {
				continue // no assembly; slow
			}
			name := func(k string) string { return fmt.Sprintf("%s op=%d s=%v", k, op, s) }
			compare(t, name("vv"), n, off, func(d []T) { vv(op, d, a, b) }, func(d []T) { vvGo(op, d, a, b) })
			compare(t, name("vv a=b"), n, off, func(d []T) { vv(op, d, a, a) }, func(d []T) { vvGo(op, d, a, a) })
			compare(t, name("vs"), n, off, func(d []T) { vs(op, d, a, s) }, func(d []T) { vsGo(op, d, a, s) })
			compare(t, name("sv"), n, off, func(d []T) { sv(op, d, s, b) }, func(d []T) { svGo(op, d, s, b) })
			// In place: d is a (as in AddInPlace), b, or both.
			compare(t, name("vv d=a"), n, off,
				func(d []T) { copy(d, a); vv(op, d, d, b) }, func(d []T) { vvGo(op, d, a, b) })
			compare(t, name("vv d=b"), n, off,
				func(d []T) { copy(d, b); vv(op, d, a, d) }, func(d []T) { vvGo(op, d, a, b) })
			compare(t, name("vv d=a=b"), n, off,
				func(d []T) { copy(d, a); vv(op, d, d, d) }, func(d []T) { vvGo(op, d, a, a) })
			compare(t, name("vs d=a"), n, off,
				func(d []T) { copy(d, a); vs(op, d, d, s) }, func(d []T) { vsGo(op, d, a, s) })
			compare(t, name("sv d=b"), n, off,
				func(d []T) { copy(d, b); sv(op, d, s, d) }, func(d []T) { svGo(op, d, s, b) })
		}
		// Affine, including its special cases b = ±0 and a = 1.
		for _, ab := range [][2]T{{draw(r), draw(r)}, {draw(r), 0}, {draw(r), T(math.Copysign(0, -1))}, {1, draw(r)}, {s, s}} {
			x, y := ab[0], ab[1]
			what := fmt.Sprintf("affine a=%v b=%v", x, y)
			compare(t, what, n, off, func(d []T) { affineRange(d, a, x, y) }, func(d []T) { affineGo(d, a, x, y) })
			compare(t, what+" in place", n, off,
				func(d []T) { copy(d, a); affineRange(d, d, x, y) }, func(d []T) { affineGo(d, a, x, y) })
		}
		for op := Relu; op <= Abs; op++ {
			what := fmt.Sprintf("unary op=%d", op)
			compare(t, what, n, off, func(d []T) { unaryRange(op, d, a) }, func(d []T) { unaryGo(op, d, a) })
			compare(t, what+" in place", n, off,
				func(d []T) { copy(d, a); unaryRange(op, d, d) }, func(d []T) { unaryGo(op, d, a) })
		}
	}
}

func TestAsmMatchesGo(t *testing.T) {
	eachElem(t, func(t *testing.T) {
		t.Run("float64", func(t *testing.T) { testAsmMatchesGo(t, draw64, 1) })
		t.Run("float32", func(t *testing.T) { testAsmMatchesGo(t, draw32, 2) })
	})
}

// TestAsmAllSpecialPairs runs every pair of special values through every
// binary kernel, in a slice long enough for the main loop, the one-register
// loop and the scalar tail to each see them.
func TestAsmAllSpecialPairs(t *testing.T) {
	eachElem(t, func(t *testing.T) {
		t.Run("float64", func(t *testing.T) {
			sp := make([]float64, len(specials64))
			for i, b := range specials64 {
				sp[i] = math.Float64frombits(b)
			}
			testSpecialPairs(t, sp)
		})
		t.Run("float32", func(t *testing.T) {
			sp := make([]float32, len(specials32))
			for i, b := range specials32 {
				sp[i] = math.Float32frombits(b)
			}
			testSpecialPairs(t, sp)
		})
	})
}

func testSpecialPairs[T Float](t *testing.T, sp []T) {
	var a, b []T
	for _, x := range sp {
		for _, y := range sp {
			a, b = append(a, x), append(b, y)
		}
	}
	for _, n := range []int{len(a), len(a) - 1, len(a) - 5} {
		for op := Add; op <= Div; op++ {
			compare(t, fmt.Sprintf("vv op=%d", op), n, 0, func(d []T) { vv(op, d, a, b) }, func(d []T) { vvGo(op, d, a, b) })
		}
		for _, s := range sp {
			for op := Add; op <= Div; op++ {
				compare(t, fmt.Sprintf("vs op=%d s=%v", op, s), n, 0, func(d []T) { vs(op, d, a, s) }, func(d []T) { vsGo(op, d, a, s) })
				compare(t, fmt.Sprintf("sv op=%d s=%v", op, s), n, 0, func(d []T) { sv(op, d, s, b) }, func(d []T) { svGo(op, d, s, b) })
			}
			compare(t, fmt.Sprintf("affine a=%v", s), n, 0, func(d []T) { affineRange(d, a, s, b[0]) }, func(d []T) { affineGo(d, a, s, b[0]) })
			compare(t, fmt.Sprintf("affine b=%v", s), n, 0, func(d []T) { affineRange(d, a, b[0], s) }, func(d []T) { affineGo(d, a, b[0], s) })
		}
		for op := Relu; op <= Abs; op++ {
			compare(t, fmt.Sprintf("unary op=%d", op), n, 0, func(d []T) { unaryRange(op, d, a) }, func(d []T) { unaryGo(op, d, a) })
		}
	}
}

// TestAsmPublicKernels runs the exported kernels that reach the assembly
// (Binary, AddInPlace, Affine, Unary) on sizes that take the parallel path
// too, against the Go loops.
func TestAsmPublicKernels(t *testing.T) {
	eachElem(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, n := range []int{17, 1000, 3 * Grain} {
			a, b := make([]float32, n), make([]float32, n)
			for i := range a {
				a[i], b[i] = draw32(r), draw32(r)
			}
			shape, st := []int{n}, []int{1}
			for op := Add; op <= Div; op++ {
				compare(t, "Binary", n, 1, func(d []float32) { Binary(op, d, a, b, shape, st, st) }, func(d []float32) { vvGo(op, d, a, b) })
				compare(t, "Binary vs", n, 1, func(d []float32) { Binary(op, d, a, b[:1], shape, st, []int{0}) }, func(d []float32) { vsGo(op, d, a, b[0]) })
				compare(t, "Binary sv", n, 1, func(d []float32) { Binary(op, d, a[:1], b, shape, []int{0}, st) }, func(d []float32) { svGo(op, d, a[0], b) })
			}
			compare(t, "AddInPlace", n, 2, func(d []float32) { copy(d, a); AddInPlace(d, b) }, func(d []float32) { vvGo(Add, d, a, b) })
			compare(t, "Affine", n, 3, func(d []float32) { Affine(d, a, 1.5, -2) }, func(d []float32) { affineGo(d, a, 1.5, -2) })
			for op := Relu; op <= Abs; op++ {
				compare(t, "Unary", n, 0, func(d []float32) { Unary(op, d, a) }, func(d []float32) { unaryGo(op, d, a) })
			}
		}
	})
}

// Benchmarks: each kernel through the dispatch ("asm" where the CPU has
// AVX2) and as the Go loop ("go"), on one goroutine.

var benchSizes = []int{64, 500, 4096, 65536}

func benchPair[T Float](b *testing.B, asm, goLoop func(d, x, y []T)) {
	for _, n := range benchSizes {
		x, y, d := make([]T, n), make([]T, n), make([]T, n)
		for i := range x {
			x[i], y[i] = T(i%7+1), T(i%5+2)
		}
		for _, impl := range []struct {
			name string
			f    func(d, x, y []T)
		}{{"asm", asm}, {"go", goLoop}} {
			b.Run(fmt.Sprintf("n=%d/%s", n, impl.name), func(b *testing.B) {
				if impl.name == "asm" && !haveAsm {
					b.Skip("no assembly loops on this machine")
				}
				saved := useAsm
				useAsm = haveAsm
				defer func() { useAsm = saved }()
				b.SetBytes(int64(n * elemBytes[T]())) // of output
				b.ReportAllocs()
				for b.Loop() {
					impl.f(d, x, y)
				}
			})
		}
	}
}

func elemBytes[T Float]() int {
	var z T
	if _, ok := any(z).(float32); ok {
		return 4
	}
	return 8
}

func benchBoth(b *testing.B, f64 func(*testing.B), f32 func(*testing.B)) {
	b.Run("f64", f64)
	b.Run("f32", f32)
}

func BenchmarkVV(b *testing.B) {
	for _, op := range []struct {
		name string
		op   BinOp
	}{{"add", Add}, {"mul", Mul}, {"div", Div}} {
		b.Run(op.name, func(b *testing.B) {
			benchBoth(b,
				func(b *testing.B) {
					benchPair(b, func(d, x, y []float64) { vv(op.op, d, x, y) }, func(d, x, y []float64) { vvGo(op.op, d, x, y) })
				},
				func(b *testing.B) {
					benchPair(b, func(d, x, y []float32) { vv(op.op, d, x, y) }, func(d, x, y []float32) { vvGo(op.op, d, x, y) })
				})
		})
	}
}

func BenchmarkVS(b *testing.B) {
	benchBoth(b,
		func(b *testing.B) {
			benchPair(b, func(d, x, _ []float64) { vs(Mul, d, x, 1.5) }, func(d, x, _ []float64) { vsGo(Mul, d, x, 1.5) })
		},
		func(b *testing.B) {
			benchPair(b, func(d, x, _ []float32) { vs(Mul, d, x, 1.5) }, func(d, x, _ []float32) { vsGo(Mul, d, x, 1.5) })
		})
}

func BenchmarkSV(b *testing.B) {
	benchBoth(b,
		func(b *testing.B) {
			benchPair(b, func(d, x, _ []float64) { sv(Sub, d, 1.5, x) }, func(d, x, _ []float64) { svGo(Sub, d, 1.5, x) })
		},
		func(b *testing.B) {
			benchPair(b, func(d, x, _ []float32) { sv(Sub, d, 1.5, x) }, func(d, x, _ []float32) { svGo(Sub, d, 1.5, x) })
		})
}

func BenchmarkAffine(b *testing.B) {
	benchBoth(b,
		func(b *testing.B) {
			benchPair(b, func(d, x, _ []float64) { affineRange(d, x, 1.5, 2) }, func(d, x, _ []float64) { affineGo(d, x, 1.5, 2) })
		},
		func(b *testing.B) {
			benchPair(b, func(d, x, _ []float32) { affineRange(d, x, 1.5, 2) }, func(d, x, _ []float32) { affineGo(d, x, 1.5, 2) })
		})
}

func BenchmarkAddInPlace(b *testing.B) {
	benchBoth(b,
		func(b *testing.B) {
			benchPair(b, func(d, x, _ []float64) { vv(Add, d, d, x) }, func(d, x, _ []float64) { vvGo(Add, d, d, x) })
		},
		func(b *testing.B) {
			benchPair(b, func(d, x, _ []float32) { vv(Add, d, d, x) }, func(d, x, _ []float32) { vvGo(Add, d, d, x) })
		})
}

func BenchmarkUnary(b *testing.B) {
	for _, op := range []struct {
		name string
		op   UnaryOp
	}{{"relu", Relu}, {"square", Square}} {
		b.Run(op.name, func(b *testing.B) {
			benchBoth(b,
				func(b *testing.B) {
					benchPair(b, func(d, x, _ []float64) { unaryRange(op.op, d, x) }, func(d, x, _ []float64) { unaryGo(op.op, d, x) })
				},
				func(b *testing.B) {
					benchPair(b, func(d, x, _ []float32) { unaryRange(op.op, d, x) }, func(d, x, _ []float32) { unaryGo(op.op, d, x) })
				})
		})
	}
}

// TestPortableEnv checks that NABLA_KERNEL=portable turns the assembly off,
// by running this test again in a child process with the variable set.
func TestPortableEnv(t *testing.T) {
	if os.Getenv("NABLA_KERNEL_TEST_CHILD") == "1" {
		if useAsm {
			t.Fatal("NABLA_KERNEL=portable, yet useAsm is true")
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPortableEnv$", "-test.count=1")
	cmd.Env = append(os.Environ(), "NABLA_KERNEL=portable", "NABLA_KERNEL_TEST_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("assembly loops in use here: %v", useAsm)
}
