//go:build gc

package kernel

import "unsafe"

// mallocgc is the runtime's allocator: size bytes, of a type without
// pointers when typ is nil, cleared only when needzero is set. The runtime
// keeps its signature for the packages that link to it (see the comment
// above it in runtime/malloc.go).
//
//go:linkname mallocgc runtime.mallocgc
//go:noescape
func mallocgc(size uintptr, typ unsafe.Pointer, needzero bool) unsafe.Pointer

// makeNoZero returns a slice of length n and capacity size whose contents
// are arbitrary: memory the garbage collector manages like make's, without
// the clearing that make does first. A buffer that the loop about to fill
// would overwrite in full does not need it, and for 10⁶ float64 the
// clearing alone costs about a third of an elementwise transcendental
// function's time.
func makeNoZero[T Float](n, size int) []T {
	var z T
	p := mallocgc(uintptr(size)*unsafe.Sizeof(z), nil, false)
	return unsafe.Slice((*T)(p), size)[:n]
}

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// procShard returns the number of the P (the scheduler's processor) that
// the calling goroutine runs on; the goroutine may move to another P right
// after, which costs the pool locality, not correctness.
func procShard() int {
	p := procPin()
	procUnpin()
	return p
}
