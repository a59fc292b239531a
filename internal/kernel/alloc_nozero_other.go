//go:build !amd64 || !gc

package kernel

// makeNoZero returns a slice of length n and capacity size whose contents
// are arbitrary (here: zero, from make).
func makeNoZero[T Float](n, size int) []T { return make([]T, n, size) }

// procShard returns 0: without the gc runtime's P numbers the pool keeps
// one set of lists.
func procShard() int { return 0 }
