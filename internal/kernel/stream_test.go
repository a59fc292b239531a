package kernel

import (
	"slices"
	"testing"
)

// TestCopyStream copies every length up to a few lines from every
// alignment of dst and src, and checks the values and that nothing outside
// dst is written.
func TestCopyStream(t *testing.T) {
	src := make([]float64, 300)
	for i := range src {
		src[i] = float64(i) + 0.5
	}
	buf := make([]float64, 320)
	for off := range 8 {
		for soff := range 3 {
			for n := range 260 {
				for i := range buf {
					buf[i] = -1
				}
				dst := buf[off : off+n]
				CopyStream(dst, src[soff:])
				if !slices.Equal(dst, src[soff:soff+n]) {
					t.Fatalf("dst offset %d, src offset %d, %d values: wrong values", off, soff, n)
				}
				for i, v := range buf {
					if (i < off || i >= off+n) && v != -1 {
						t.Fatalf("dst offset %d, %d values: wrote buf[%d]", off, n, i)
					}
				}
			}
		}
	}
}
