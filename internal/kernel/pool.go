package kernel

import (
	"math/bits"
	"sync"
)

// Buffers of float32 and float64 recycled by size class, for the gradients a
// backward pass makes and drops: handing them back saves the allocator and the
// garbage collector a buffer per op. Classes are 4 per octave (sizes
// (4+k)·2^(e-2)), so a buffer wastes at most 25 % of its capacity. Small
// buffers are not pooled: make is cheaper for them.
const minPooled = 256

const classes = 4 * 64

var (
	pools64 [classes]sync.Pool
	pools32 [classes]sync.Pool
)

// class returns the size class holding n elements and its capacity.
func class(n int) (int, int) {
	e := bits.Len(uint(n - 1)) // 2^(e-1) < n <= 2^e
	if e < 3 {
		e = 3
	}
	step := 1 << (e - 3) // the octave (2^(e-1), 2^e] in 4 steps of 2^(e-3)
	k := (n - (1 << (e - 1)) + step - 1) / step
	if k < 1 {
		k = 1
	}
	return 4*e + k - 1, (1 << (e - 1)) + k*step
}

// Get64 returns a float64 slice of length n whose contents are arbitrary.
func Get64(n int) []float64 {
	if n < minPooled {
		return make([]float64, n)
	}
	c, size := class(n)
	if p, ok := pools64[c].Get().(*[]float64); ok {
		return (*p)[:n]
	}
	return make([]float64, n, size)
}

// Get32 returns a float32 slice of length n whose contents are arbitrary.
func Get32(n int) []float32 {
	if n < minPooled {
		return make([]float32, n)
	}
	c, size := class(n)
	if p, ok := pools32[c].Get().(*[]float32); ok {
		return (*p)[:n]
	}
	return make([]float32, n, size)
}

// Put64 hands back a slice from Get64 that nothing refers to any more.
func Put64(s []float64) {
	if cap(s) < minPooled {
		return
	}
	if c, size := class(cap(s)); size == cap(s) {
		s = s[:cap(s)]
		pools64[c].Put(&s)
	}
}

// Put32 hands back a slice from Get32 that nothing refers to any more.
func Put32(s []float32) {
	if cap(s) < minPooled {
		return
	}
	if c, size := class(cap(s)); size == cap(s) {
		s = s[:cap(s)]
		pools32[c].Put(&s)
	}
}
