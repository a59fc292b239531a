package kernel

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// Buffers of float32 and float64 recycled by size class: the gradients a
// backward pass makes and drops, and the intermediates of a functional
// transform (see nabla.ValueAndGrad), go back here, saving the allocator, the
// zeroing of fresh memory and the garbage collector a buffer per op. Classes
// are 4 per octave (sizes (4+k)·2^(e-2)), so a buffer wastes at most 25 % of
// its capacity. Buffers under minPooled values are not pooled (see there).
// Where a list is empty, Get64 and Get32 allocate fresh memory without
// clearing it (makeNoZero), Zeros64 and Zeros32 with make.
//
// The free lists are plain stacks under a mutex (a sync.Pool would allocate on
// every Put to box the slice), one set per P of the scheduler (procShard), as
// sync.Pool keeps its caches: a buffer goes back to the lists of the P that
// frees it and comes out to the goroutine that runs there next. Goroutines
// that work side by side (data-parallel workers, one per core) thus reuse
// their own buffers, still in their own core's cache, instead of taking each
// other's, whose every line the other core would have to give up first (two
// workers' 64-row MLP steps took 25 % longer with one shared set), and they
// seldom meet at a mutex. Like a sync.Pool the lists give memory back to the
// garbage collector: each collection moves them to a victim cache and drops
// the previous victims, so an idle program holds no buffers after two
// collections. At most maxPooledBytes are held at once, in all sets.
//
// minPooled is the smallest length the lists take. It was 256, on the view
// that make is cheaper than a list for small buffers; but the garbage a
// step leaves costs more than its make (the collector marks, sweeps and
// returns it), and a small model's step is mostly small tensors: the
// gradient step of the digits MLP on 16 rows (logits of 160 values, biases
// of 10 and 256) made 21 such buffers and took 64.5 µs, 54–56 µs with
// 16 or 64 (the minimum of 8 alternating runs; 32 rows: 82.6 → 81.2 µs).
// Scalars and other tensors of fewer values (a loss) still come from make.
const minPooled = 16

// MinPooled is the smallest length Get64 and Get32 take from the free lists.
const MinPooled = minPooled

const (
	classes        = 4 * 64
	maxPooledBytes = 256 << 20
	shards         = 16 // sets of lists; Ps beyond share them
)

type freeLists[T Float] struct {
	bytes  atomic.Int64 // held in every set's lists and victims
	shards [shards]listSet[T]
}

// listSet is the free lists of the Ps whose number is its index modulo
// shards.
type listSet[T Float] struct {
	mu     sync.Mutex
	lists  [classes][][]T
	victim [classes][][]T
	_      [64]byte // its own cache lines
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
	for i := range f.shards {
		l := &f.shards[i]
		l.mu.Lock()
		for c := range l.victim {
			for _, s := range l.victim[c] {
				f.bytes.Add(-int64(cap(s) * sizeOf[T]()))
			}
			clear(l.victim[c])
			l.victim[c], l.lists[c] = l.lists[c], l.victim[c][:0]
		}
		l.mu.Unlock()
	}
}

func sizeOf[T Float]() int {
	var z T
	if any(z) == any(float32(0)) {
		return 4
	}
	return 8
}

// local returns the set of lists of the P the calling goroutine runs on.
func (f *freeLists[T]) local() *listSet[T] { return &f.shards[procShard()%shards] }

// get returns a slice of length n and whether its contents are arbitrary
// (false: a fresh, zeroed allocation). With noZero, a fresh allocation is
// not cleared either (makeNoZero), and the result is true.
func (f *freeLists[T]) get(n int, noZero bool) ([]T, bool) {
	c, size := class(n)
	l := f.local()
	l.mu.Lock()
	var s []T
	if b := l.lists[c]; len(b) > 0 {
		s = b[len(b)-1]
		b[len(b)-1] = nil
		l.lists[c] = b[:len(b)-1]
	} else if b := l.victim[c]; len(b) > 0 {
		s = b[len(b)-1]
		b[len(b)-1] = nil
		l.victim[c] = b[:len(b)-1]
	}
	l.mu.Unlock()
	if s != nil {
		f.bytes.Add(-int64(cap(s) * sizeOf[T]()))
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
	b := int64(cap(s) * sizeOf[T]())
	if f.bytes.Add(b) > maxPooledBytes {
		f.bytes.Add(-b)
		return
	}
	l := f.local()
	l.mu.Lock()
	l.lists[c] = append(l.lists[c], s[:cap(s)])
	l.mu.Unlock()
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
