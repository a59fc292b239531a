package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// bitsOf is the bit pattern of x, to compare NaN payloads and signed zeros.
func bitsOf[T float32 | float64](x T) uint64 {
	switch v := any(x).(type) {
	case float64:
		return math.Float64bits(v)
	case float32:
		return uint64(math.Float32bits(v))
	}
	panic("unreachable")
}

// randomBits returns n values with random bit patterns: mostly ordinary
// numbers, and some infinities, zeros, quiet and signalling NaNs with
// payloads, and subnormals.
func randomBits[T float32 | float64](rng *rand.Rand, n int) []T {
	x := make([]T, n)
	for i := range x {
		var v T
		switch rng.IntN(8) {
		case 0: // any bit pattern: NaNs (quiet or signalling), Inf, subnormals
			switch p := any(&v).(type) {
			case *float64:
				*p = math.Float64frombits(rng.Uint64())
			case *float32:
				*p = math.Float32frombits(rng.Uint32())
			}
		case 1:
			switch p := any(&v).(type) {
			case *float64:
				*p = math.Float64frombits(0x7ff0000000000001 + rng.Uint64N(1<<50)) // signalling NaN
			case *float32:
				*p = math.Float32frombits(0x7f800001 + rng.Uint32N(1<<21))
			}
		default:
			v = T(rng.NormFloat64())
		}
		x[i] = v
	}
	return x
}

// packLevels are the pack levels to compare with packGo: those up to the
// one of the best kernel this CPU runs (for float32, at most packAVX), even
// if NABLA_GEMM=portable chose another.
func packLevels[T float32 | float64]() []int {
	best := packLevelOf(kernels64[0].name)
	var zero T
	if any(zero) == any(float32(0)) {
		best = min(packLevelOf(kernels32[0].name), packAVX)
	}
	var out []int
	for l := packGo + 1; l <= best; l++ {
		out = append(out, l)
	}
	return out
}

// withPackLevel runs f with the packs of both element types at level l
// (float32 at most at packAVX).
func withPackLevel(l int, f func()) {
	old64, old32 := packLevel64, packLevel32
	packLevel64, packLevel32 = l, min(l, packAVX)
	defer func() { packLevel64, packLevel32 = old64, old32 }()
	f()
}

// samePacks fails unless got and want hold the same bits.
func samePacks[T float32 | float64](t *testing.T, what string, got, want []T) {
	t.Helper()
	for i := range want {
		if bitsOf(got[i]) != bitsOf(want[i]) {
			t.Fatalf("%s: dst[%d] = %v (%#x), want %v (%#x)", what, i, got[i], bitsOf(got[i]), want[i], bitsOf(want[i]))
		}
	}
}

// TestPackAsm checks, at every assembly pack level this CPU has, that packA
// of a non-transposed A and packB of a transposed B write the same bits as
// the portable Go code, element for element and NaN payloads included, for
// slivers that are whole or ragged (rows 1…mr, columns 1…nr, more than one
// sliver), every kc from 1 to 70, block offsets and padded strides. dst is
// longer than the packs and arrives with the same garbage in both runs, so
// that an element written past the packs, or left unwritten, shows too.
func TestPackAsm(t *testing.T) {
	t.Run("f64", func(t *testing.T) { testPackAsm[float64](t) })
	t.Run("f32", func(t *testing.T) { testPackAsm[float32](t) })
}

func testPackAsm[T float32 | float64](t *testing.T) {
	levels := packLevels[T]()
	if len(levels) == 0 {
		t.Skip("no assembly packs for this type on this CPU")
	}

	rng := rand.New(rand.NewPCG(5, 6))
	// alpha NaN too: a NaN alpha times a NaN element gives the element's
	// NaN, quieted, in Go (MULSD element, alpha) as in the assembly.
	alphas := []T{1, -0.5, 3.7, T(math.Inf(1)), 0, T(math.Float64frombits(0x7ff8000000000abc))}
	type run struct {
		name string
		pack func(dst []T)
	}
	compare := func(r run, n int) {
		garbage := randomBits[T](rng, n+40)
		want := append([]T(nil), garbage...)
		withPackLevel(packGo, func() { r.pack(want) })
		for _, l := range levels {
			got := append([]T(nil), garbage...)
			withPackLevel(l, func() { r.pack(got) })
			samePacks(t, fmt.Sprintf("level %d %s", l, r.name), got, want)
		}
	}
	for _, mr := range []int{4, 6, 8, 12, 16} {
		for _, mc := range []int{1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 16, 2*mr + 3} {
			for kc := 1; kc <= 70; kc++ {
				ic, pc, pad := rng.IntN(3), rng.IntN(4), []int{0, 1, 5}[rng.IntN(3)]
				lda := pc + kc + pad
				a := randomBits[T](rng, (ic+mc-1)*lda+pc+kc) // no slack after the last element
				alpha := alphas[rng.IntN(len(alphas))]
				compare(run{fmt.Sprintf("packA mr %d mc %d kc %d ic %d pc %d lda %d alpha %v", mr, mc, kc, ic, pc, lda, alpha),
					func(dst []T) { packA(false, a, lda, ic, pc, mc, kc, mr, alpha, dst) }}, roundUp(mc, mr)*kc)
			}
		}
	}
	for _, nr := range []int{4, 8, 16, 24, 32} {
		for _, nc := range []int{1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 2*nr + 5} {
			for kc := 1; kc <= 70; kc++ {
				jc, pc, pad := rng.IntN(3), rng.IntN(4), []int{0, 1, 6}[rng.IntN(3)]
				ldb := pc + kc + pad
				b := randomBits[T](rng, (jc+nc-1)*ldb+pc+kc)
				compare(run{fmt.Sprintf("packB nr %d nc %d kc %d jc %d pc %d ldb %d", nr, nc, kc, jc, pc, ldb),
					func(dst []T) { packB(true, b, ldb, pc, jc, kc, nc, nr, dst) }}, roundUp(nc, nr)*kc)
			}
		}
	}
}

// TestPackLevel checks that the packs follow the kernel in use: assembly
// with the AVX-512 and AVX2 kernels, Go with the portable one (and so with
// NABLA_GEMM=portable).
func TestPackLevel(t *testing.T) {
	want := map[string]int{"avx512": packAVX512, "avx2": packAVX, "portable": packGo}[Kernel()]
	if packLevel64 != want {
		t.Errorf("kernel %s: float64 pack level %d, want %d", Kernel(), packLevel64, want)
	}
	want = map[string]int{"avx512": packAVX, "avx2": packAVX, "portable": packGo}[Kernel32()]
	if packLevel32 != want {
		t.Errorf("kernel %s: float32 pack level %d, want %d", Kernel32(), packLevel32, want)
	}
}
