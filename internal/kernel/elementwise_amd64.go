//go:build amd64

package kernel

import "golang.org/x/sys/cpu"

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

// The xxAsm functions run the assembly loop for op on a non-empty d when there
// is one for op and T, and report whether they did. The slices are cut to
// len(d) first, so a short input panics as in the Go loops.

func vvAsm[T Float](op BinOp, d, a, b []T) bool {
	switch d := any(d).(type) {
	case []float64:
		a, b := any(a).([]float64)[:len(d)], any(b).([]float64)[:len(d)]
		switch op {
		case Add:
			addVV64(&d[0], &a[0], &b[0], len(d))
		case Sub:
			subVV64(&d[0], &a[0], &b[0], len(d))
		case Mul:
			mulVV64(&d[0], &a[0], &b[0], len(d))
		case Div:
			divVV64(&d[0], &a[0], &b[0], len(d))
		default:
			return false
		}
		return true
	case []float32:
		a, b := any(a).([]float32)[:len(d)], any(b).([]float32)[:len(d)]
		switch op {
		case Add:
			addVV32(&d[0], &a[0], &b[0], len(d))
		case Sub:
			subVV32(&d[0], &a[0], &b[0], len(d))
		case Mul:
			mulVV32(&d[0], &a[0], &b[0], len(d))
		case Div:
			divVV32(&d[0], &a[0], &b[0], len(d))
		default:
			return false
		}
		return true
	}
	return false
}

func vsAsm[T Float](op BinOp, d, a []T, s T) bool {
	switch d := any(d).(type) {
	case []float64:
		a := any(a).([]float64)[:len(d)]
		s := float64(s)
		switch op {
		case Add:
			addVS64(&d[0], &a[0], s, len(d))
		case Sub:
			subVS64(&d[0], &a[0], s, len(d))
		case Mul:
			mulVS64(&d[0], &a[0], s, len(d))
		case Div:
			divVS64(&d[0], &a[0], s, len(d))
		default:
			return false
		}
		return true
	case []float32:
		a := any(a).([]float32)[:len(d)]
		s := float32(s)
		switch op {
		case Add:
			addVS32(&d[0], &a[0], s, len(d))
		case Sub:
			subVS32(&d[0], &a[0], s, len(d))
		case Mul:
			mulVS32(&d[0], &a[0], s, len(d))
		case Div:
			divVS32(&d[0], &a[0], s, len(d))
		default:
			return false
		}
		return true
	}
	return false
}

// svAsm: s + b[i] and s * b[i] are the vs loops, which have the element as
// first source, as the Go loop's scalar code has.
func svAsm[T Float](op BinOp, d []T, s T, b []T) bool {
	switch d := any(d).(type) {
	case []float64:
		b := any(b).([]float64)[:len(d)]
		s := float64(s)
		switch op {
		case Add:
			addVS64(&d[0], &b[0], s, len(d))
		case Sub:
			subSV64(&d[0], &b[0], s, len(d))
		case Mul:
			mulVS64(&d[0], &b[0], s, len(d))
		case Div:
			divSV64(&d[0], &b[0], s, len(d))
		default:
			return false
		}
		return true
	case []float32:
		b := any(b).([]float32)[:len(d)]
		s := float32(s)
		switch op {
		case Add:
			addVS32(&d[0], &b[0], s, len(d))
		case Sub:
			subSV32(&d[0], &b[0], s, len(d))
		case Mul:
			mulVS32(&d[0], &b[0], s, len(d))
		case Div:
			divSV32(&d[0], &b[0], s, len(d))
		default:
			return false
		}
		return true
	}
	return false
}

func affineAsm[T Float](d, s []T, a, b T) bool {
	switch d := any(d).(type) {
	case []float64:
		s := any(s).([]float64)[:len(d)]
		affine64(&d[0], &s[0], float64(a), float64(b), len(d))
		return true
	case []float32:
		s := any(s).([]float32)[:len(d)]
		affine32(&d[0], &s[0], float32(a), float32(b), len(d))
		return true
	}
	return false
}

func unaryAsm[T Float](op UnaryOp, d, s []T) bool {
	switch d := any(d).(type) {
	case []float64:
		s := any(s).([]float64)[:len(d)]
		switch op {
		case Relu:
			relu64(&d[0], &s[0], len(d))
		case Positive:
			positive64(&d[0], &s[0], len(d))
		case Square:
			square64(&d[0], &s[0], len(d))
		case Abs:
			abs64(&d[0], &s[0], len(d))
		default:
			return false
		}
		return true
	case []float32:
		s := any(s).([]float32)[:len(d)]
		switch op {
		case Relu:
			relu32(&d[0], &s[0], len(d))
		case Positive:
			positive32(&d[0], &s[0], len(d))
		case Square:
			square32(&d[0], &s[0], len(d))
		case Abs:
			abs32(&d[0], &s[0], len(d))
		default:
			return false
		}
		return true
	}
	return false
}

// haveExpAsm reports whether this CPU runs expVec64 and expVec32, which need
// FMA as well as AVX2.
var haveExpAsm = haveAsm && cpu.X86.HasFMA

// expVec64 and expVec32 (exp_amd64.s) set d[i] = e^s[i] for n a multiple of
// 4, as exp64 does; d may be s.
//
//go:noescape
func expVec64(d, s *float64, n int)

//go:noescape
func expVec32(d, s *float32, n int)

// expAsm runs the assembly loop of Exp on the longest prefix of d whose
// length is a multiple of 4, where the CPU has AVX2 and FMA, and returns that
// length (0 if it did nothing). s must be as long as d.
func expAsm[T Float](d, s []T) int {
	n := len(d) &^ 3
	if !haveExpAsm || n == 0 {
		return 0
	}
	switch d := any(d).(type) {
	case []float64:
		expVec64(&d[0], &any(s).([]float64)[0], n)
	case []float32:
		expVec32(&d[0], &any(s).([]float32)[0], n)
	default:
		return 0
	}
	return n
}
