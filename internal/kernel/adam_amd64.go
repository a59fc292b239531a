//go:build amd64

package kernel

import (
	"math"
	"os"

	"golang.org/x/sys/cpu"
)

// The Adam loops of adam_amd64.s. Each updates the first len(p)/W·W elements,
// W being the lanes of a register (8 float64 or 16 float32 with AVX-512, 4 or
// 8 with AVX2); c points at AdamStep.consts, flags is AdamStep.flags. vmax is
// read and written only when flags has the AMSGrad bit.

//go:noescape
func adam64AVX512(p, g, m, v, vmax []float64, c *[7]float64, flags uint64)

//go:noescape
func adam32AVX512(p, g, m, v, vmax []float32, c *[7]float32, flags uint64)

//go:noescape
func adam64AVX2(p, g, m, v, vmax []float64, c *[7]float64, flags uint64)

//go:noescape
func adam32AVX2(p, g, m, v, vmax []float32, c *[7]float32, flags uint64)

// Levels of adamInUse.
const (
	adamPortable = iota
	adamLevelAVX2
	adamLevelAVX512
)

// adamInUse is the loop set Adam runs, decided once at start-up: AVX-512
// where the CPU has AVX512F and the loops pass adamSelfTest, else AVX2 on the
// same condition, else the Go loop. NABLA_KERNEL=portable and
// NABLA_KERNEL=avx2 force the Go loop and the AVX2 loops, as for the other
// kernels. Built with GOAMD64=v3 or up, the Go compiler fuses adamGo's
// multiply-adds into FMAs, the self-test fails and adamGo runs alone.
var adamInUse = pickAdam(os.Getenv("NABLA_KERNEL"))

func pickAdam(env string) int {
	switch {
	case !haveAsm || env == "portable":
		return adamPortable
	case cpu.X86.HasAVX512F && env != "avx2" && adamSelfTest(adamLevelAVX512):
		return adamLevelAVX512
	case adamSelfTest(adamLevelAVX2):
		return adamLevelAVX2
	}
	return adamPortable
}

// adamAsm runs the assembly loop of the given level on the whole vectors of
// p and returns how many elements it updated (0 at adamPortable). The
// slices must all have len(p) elements (vmax may be nil).
func adamAsm[T Float](level int, p, g, m, v, vmax []T, c *AdamStep[T]) int {
	if level == adamPortable || len(p) == 0 {
		return 0
	}
	flags := c.flags(vmax != nil)
	k := c.consts()
	switch p := any(p).(type) {
	case []float64:
		g, m, v, vmax := any(g).([]float64), any(m).([]float64), any(v).([]float64), any(vmax).([]float64)
		k := any(&k).(*[7]float64)
		if level == adamLevelAVX512 {
			adam64AVX512(p, g, m, v, vmax, k, flags)
			return len(p) / 8 * 8
		}
		adam64AVX2(p, g, m, v, vmax, k, flags)
		return len(p) / 4 * 4
	case []float32:
		g, m, v, vmax := any(g).([]float32), any(m).([]float32), any(v).([]float32), any(vmax).([]float32)
		k := any(&k).(*[7]float32)
		if level == adamLevelAVX512 {
			adam32AVX512(p, g, m, v, vmax, k, flags)
			return len(p) / 16 * 16
		}
		adam32AVX2(p, g, m, v, vmax, k, flags)
		return len(p) / 8 * 8
	}
	return 0 // a named float type: the Go loop does it all
}

// adamSelfTest reports whether the loops of this level give adamGo's bits,
// in float64 and float32, for every option combination on special values
// (signed zeros, infinities, NaNs with distinct payloads, subnormals).
func adamSelfTest(level int) bool {
	vals := []float64{0, math.Copysign(0, -1), 1, -1.5, math.Inf(1), math.Inf(-1), math.NaN(),
		math.Float64frombits(0x7ff0000000000123), -math.Float64frombits(0x7ff8000000000456),
		5e-324, -1e-310, 1e-40, 3e38, 1e300, 0.25, 7}
	return adamSame[float64](level, vals) && adamSame[float32](level, vals)
}

// adamSame runs adamAsm at level and adamGo on the same inputs (the values
// vals laid out so that each moment meets each gradient) for every option
// combination and reports whether all outputs have the same bits.
func adamSame[T Float](level int, vals []float64) bool {
	n := 4 * len(vals)
	for opt := 0; opt < 12; opt++ {
		c := &AdamStep[T]{W1: T(0.1), B2: T(0.999), W2: T(0.001), Eps: T(1e-8), BC2Sqrt: T(0.03), NegStep: T(-0.01), Decay: T(0.3)}
		switch opt % 3 {
		case 1:
			c.L2 = true
		case 2:
			c.Decoupled = true
		}
		if opt%6 >= 3 {
			// Special constants too: a NaN step and an infinite ε.
			c.NegStep, c.Eps = T(math.NaN()), T(math.Inf(1))
		}
		var a, b [5][]T
		for j := range a {
			a[j], b[j] = make([]T, n), make([]T, n)
			for i := range a[j] {
				a[j][i] = T(vals[(i*(j+1)+j*i/len(vals))%len(vals)])
			}
			copy(b[j], a[j])
		}
		amsgrad := opt >= 6
		var va, vb []T
		if amsgrad {
			va, vb = a[4], b[4]
		}
		adamBoth(level, a[:], b[:], va, vb, c)
		for j := range a {
			for i := range a[j] {
				if bitsOf(a[j][i]) != bitsOf(b[j][i]) {
					return false
				}
			}
		}
	}
	return true
}

// sub returns s[i:], or nil for a nil s.
func sub[T any](s []T, i int) []T {
	if s == nil {
		return nil
	}
	return s[i:]
}

// adamBoth updates a (parameters, gradients and the two moments, with the
// running maximum va) by level's loop and the Go loop for its tail, and b
// (with vb) by the Go loop alone: the two sides that adamSame and the tests
// compare.
func adamBoth[T Float](level int, a, b [][]T, va, vb []T, c *AdamStep[T]) {
	done := adamAsm(level, a[0], a[1], a[2], a[3], va, c)
	adamGo(a[0][done:], a[1][done:], a[2][done:], a[3][done:], sub(va, done), c)
	adamGo(b[0], b[1], b[2], b[3], vb, c)
}
