package kernel

import "unsafe"

// streamMin is the fewest values CopyStream writes with non-temporal
// stores; below it, a copy.
const streamMin = 64

// CopyStream copies src into dst, len(dst) values, as copy does, but
// writes the cache lines that lie wholly inside dst with non-temporal
// stores (on amd64; elsewhere it is copy): the values go to memory, past
// this core's caches, and no other core keeps a copy of the lines.
//
// It is for data another core reads next, written again a step later: a
// collective's staging buffer. With ordinary stores every line the reader
// took must be taken back from it, one cross-core round trip a line, when
// the writer writes it again; a non-temporal store does not wait for that,
// and the reader then streams the values from memory (docs/DISTRIBUTED.md,
// "Staging copies that bypass the cache"). The stores are fenced before it
// returns, so a release store that follows (an atomic flag) publishes them.
func CopyStream(dst, src []float64) {
	src = src[:len(dst)]
	if len(dst) < streamMin || !haveStream || !useAsm {
		copy(dst, src)
		return
	}
	// Whole lines: from dst's first 64-byte boundary.
	h := int((64-uintptr(unsafe.Pointer(&dst[0]))%64)%64) / 8
	n := (len(dst) - h) / 8 * 8
	copy(dst[:h], src[:h])
	copyNT(dst[h:h+n], src[h:h+n])
	copy(dst[h+n:], src[h+n:])
}
