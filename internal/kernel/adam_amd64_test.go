//go:build amd64

package kernel

import (
	"math"
	"math/rand"
	"testing"

	"golang.org/x/sys/cpu"
)

// adamLevels returns the assembly levels this CPU runs.
func adamLevels() []int {
	var l []int
	if haveAsm {
		l = append(l, adamLevelAVX2)
	}
	if haveAsm && cpu.X86.HasAVX512F {
		l = append(l, adamLevelAVX512)
	}
	return l
}

// TestAdamAsm compares every Adam loop of this CPU bit for bit with adamGo,
// float64 and float32, lengths 0..70 and a few large ones, random and
// special values, every option combination.
func TestAdamAsm(t *testing.T) {
	levels := adamLevels()
	if len(levels) == 0 {
		t.Skip("no AVX2")
	}
	t.Logf("Adam kernel in use: %s", AdamKernel())
	if goFusesFMA() {
		// adamGo rounds a·b+c once; the assembly, like the default build's
		// Go code, twice: the self-test must have kept the Go loop.
		if AdamKernel() != "portable" {
			t.Errorf("the Go code fuses FMAs, yet Adam runs %s", AdamKernel())
		}
		t.Skip("the Go code fuses FMAs (GOAMD64=v3 or up): no assembly loop matches it")
	}
	for _, level := range levels {
		if !adamSelfTest(level) {
			t.Errorf("level %d: self-test fails", level)
		}
		testAdamLevel[float64](t, level)
		testAdamLevel[float32](t, level)
	}
}

func testAdamLevel[T Float](t *testing.T, level int) {
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
		math.Float64frombits(0x7ff0000000000077), math.Float64frombits(0xfff8000000abcdef),
		5e-324, -4e-320, 1e-45, -1.2e-38, 1e-300, 1e300, -3.4e38, 1e-20, 1e20}
	rng := rand.New(rand.NewSource(int64(level)))
	val := func() T {
		switch r := rng.Intn(8); {
		case r == 0:
			x := special[rng.Intn(len(special))]
			if rng.Intn(2) == 0 { // a NaN payload of its own
				if math.IsNaN(x) {
					x = math.Float64frombits(math.Float64bits(x) ^ rng.Uint64()&0x000fffffffffffff | 1<<51)
				}
			}
			return T(x)
		case r == 1:
			return T(rng.NormFloat64() * 1e-30)
		default:
			return T(rng.NormFloat64())
		}
	}
	lengths := []int{}
	for n := 0; n <= 70; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 1000, 4099, 19210)
	for _, n := range lengths {
		for opt := 0; opt < 12; opt++ {
			c := &AdamStep[T]{W1: T(0.1), B2: T(0.999), W2: T(0.001), Eps: T(1e-8),
				BC2Sqrt: T(math.Sqrt(1 - math.Pow(0.999, 3))), NegStep: T(-1e-3 / (1 - math.Pow(0.9, 3))), Decay: T(0.01)}
			switch opt % 3 {
			case 1:
				c.L2 = true
			case 2:
				c.Decoupled, c.Decay = true, T(1-1e-3*0.01)
			}
			if opt%6 >= 3 { // odd constants: ε 0, a large step
				c.Eps, c.NegStep, c.W1 = 0, T(-1e10), T(0.5)
			}
			amsgrad := opt >= 6
			var a, b [5][]T
			for j := range a {
				a[j], b[j] = make([]T, n), make([]T, n)
				for i := range a[j] {
					a[j][i] = val()
					if j >= 3 && rng.Intn(4) != 0 { // moments are mostly ≥ 0
						a[j][i] = T(math.Abs(float64(a[j][i])))
					}
				}
				copy(b[j], a[j])
			}
			var va, vb []T
			if amsgrad {
				va, vb = a[4], b[4]
			}
			adamBoth(level, a[:], b[:], va, vb, c)
			for j := range a {
				for i := range a[j] {
					if !sameAdamBits(a[j][i], b[j][i]) {
						t.Fatalf("level %d %T n %d opt %d: slice %d [%d] asm %x Go %x", level, a[0][0], n, opt, j, i, bitsOf(a[j][i]), bitsOf(b[j][i]))
					}
				}
			}
		}
	}
}

// TestPickAdam checks that NABLA_KERNEL forces the Adam loops as it does
// the others.
func TestPickAdam(t *testing.T) {
	if got := pickAdam("portable"); got != adamPortable {
		t.Errorf("NABLA_KERNEL=portable: level %d", got)
	}
	if haveAsm && !goFusesFMA() {
		if got := pickAdam("avx2"); got != adamLevelAVX2 {
			t.Errorf("NABLA_KERNEL=avx2: level %d", got)
		}
	}
}

// sameAdamBits reports whether x and y have the same bits, or, in a -race
// build, are both NaNs (raceBuild).
func sameAdamBits[T Float](x, y T) bool {
	return bitsOf(x) == bitsOf(y) || raceBuild && x != x && y != y
}

//go:noinline
func mulAdd(x, y, z float64) float64 { return x*y + z }

// goFusesFMA reports whether this build's Go code fuses x*y + z into one
// FMA, as the compiler does from GOAMD64=v3 on: (1+2⁻³⁰)(1-2⁻³⁰) - 1 is
// -2⁻⁶⁰ rounded once, 0 rounded twice.
func goFusesFMA() bool { return mulAdd(1+0x1p-30, 1-0x1p-30, -1) != 0 }
