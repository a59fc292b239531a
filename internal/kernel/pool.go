package kernel

import (
	"math/bits"
	"runtime"
	"sync"
)

// Buffers of float32 and float64 recycled by size class: the gradients a
// backward pass makes and drops, and the intermediates of a functional
// transform (see nabla.ValueAndGrad), go back here, saving the allocator, the
// zeroing of fresh memory and the garbage collector a buffer per op. Classes
// are 4 per octave (sizes (4+k)·2^(e-2)), so a buffer wastes at most 25 % of
// its capacity. Small buffers are not pooled: make is cheaper for them.
// Where a list is empty, Get64 and Get32 allocate fresh memory without
// clearing it (makeNoZero), Zeros64 and Zeros32 with make.
//
// The free lists are plain stacks under a mutex (a sync.Pool would allocate on
// every Put to box the slice). Like a sync.Pool they give memory back to the
// garbage collector: each collection moves the lists to a victim cache and
// drops the previous victims, so an idle program holds no buffers after two
// collections. At most maxPooledBytes are held at once.
const minPooled = 256

// MinPooled is the smallest length Get64 and Get32 take from the free lists.
const MinPooled = minPooled

const (
	classes        = 4 * 64
	maxPooledBytes = 256 << 20
)

type freeLists[T Float] struct {
	mu     sync.Mutex
	bytes  int // held in lists and victims
	lists  [classes][][]T
	victim [classes][][]T
}

var (
	free64 freeLists[float64]
	free32 freeLists[float32]
)

func init() { watchGC() }

// watchGC arranges for the free lists to age at the next garbage collection,
// and again at every one after it.
func watchGC() {
	s := new(gcSentinel)
	runtime.SetFinalizer(s, func(*gcSentinel) {
		free64.age()
		free32.age()
		watchGC()
	})
}

type gcSentinel struct{ _ *int }

// age drops the victims and makes the current lists the victims.
func (f *freeLists[T]) age() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.victim {
		for _, s := range f.victim[c] {
			f.bytes -= cap(s) * sizeOf[T]()
		}
		clear(f.victim[c])
		f.victim[c], f.lists[c] = f.lists[c], f.victim[c][:0]
	}
}

func sizeOf[T Float]() int {
	var z T
	if any(z) == any(float32(0)) {
		return 4
	}
	return 8
}

// get returns a slice of length n and whether its contents are arbitrary
// (false: a fresh, zeroed allocation). With noZero, a fresh allocation is
// not cleared either (makeNoZero), and the result is true.
func (f *freeLists[T]) get(n int, noZero bool) ([]T, bool) {
	c, size := class(n)
	f.mu.Lock()
	var s []T
	if l := f.lists[c]; len(l) > 0 {
		s = l[len(l)-1]
		l[len(l)-1] = nil
		f.lists[c] = l[:len(l)-1]
	} else if l := f.victim[c]; len(l) > 0 {
		s = l[len(l)-1]
		l[len(l)-1] = nil
		f.victim[c] = l[:len(l)-1]
	}
	if s != nil {
		f.bytes -= cap(s) * sizeOf[T]()
	}
	f.mu.Unlock()
	if s != nil {
		return s[:n], true
	}
	if noZero {
		return makeNoZero[T](n, size), true
	}
	return make([]T, n, size), false
}

func (f *freeLists[T]) put(s []T) {
	if cap(s) < minPooled {
		return
	}
	c, size := class(cap(s))
	if size != cap(s) {
		return // not one of ours
	}
	b := cap(s) * sizeOf[T]()
	f.mu.Lock()
	if f.bytes+b <= maxPooledBytes {
		f.lists[c] = append(f.lists[c], s[:cap(s)])
		f.bytes += b
	}
	f.mu.Unlock()
}

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
	s, _ := free64.get(n, true)
	return s
}

// Get32 returns a float32 slice of length n whose contents are arbitrary.
func Get32(n int) []float32 {
	if n < minPooled {
		return make([]float32, n)
	}
	s, _ := free32.get(n, true)
	return s
}

// Zeros64 returns a zeroed float64 slice of length n, clearing only a
// recycled one (fresh memory is zero already).
func Zeros64(n int) []float64 {
	if n < minPooled {
		return make([]float64, n)
	}
	s, used := free64.get(n, false)
	if used {
		clear(s)
	}
	return s
}

// Zeros32 returns a zeroed float32 slice of length n.
func Zeros32(n int) []float32 {
	if n < minPooled {
		return make([]float32, n)
	}
	s, used := free32.get(n, false)
	if used {
		clear(s)
	}
	return s
}

// Put64 hands back a slice from Get64 that nothing refers to any more.
func Put64(s []float64) { free64.put(s) }

// Put32 hands back a slice from Get32 that nothing refers to any more.
func Put32(s []float32) { free32.put(s) }
