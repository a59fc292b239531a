package kernel

import "testing"

// TestStrided checks Gather2 and Spread2 (assembly for float64 on amd64, Go
// loops otherwise) against plain loops, over lengths around the assembly
// blocks and the edges of the slices, in both dtypes.
func TestStrided(t *testing.T) {
	testStrided[float64](t)
	testStrided[float32](t)
}

func testStrided[T Float](t *testing.T) {
	for n := 0; n <= 70; n++ {
		for extra := 0; extra <= 2; extra++ {
			// Gather2 from a source of the minimal length 2n−1, and longer.
			src := make([]T, max(2*n-1, 0)+extra)
			for i := range src {
				src[i] = T(i + 1)
			}
			dst := make([]T, n)
			Gather2(dst, src)
			for i := range dst {
				if dst[i] != src[2*i] {
					t.Fatalf("Gather2 n=%d extra=%d: dst[%d] = %v, want %v", n, extra, i, dst[i], src[2*i])
				}
			}
			for _, odd := range []bool{false, true} {
				o := 0
				if odd {
					o = 1
				}
				if n == 0 && odd {
					continue
				}
				full := make([]T, max(2*n-1+o, 0)+extra)
				for i := range full {
					full[i] = -7 // must all be overwritten
				}
				part := dst
				Spread2(full, part, odd)
				for i := range full {
					want := T(0)
					if i >= o && (i-o)%2 == 0 && (i-o)/2 < n {
						want = part[(i-o)/2]
					}
					if full[i] != want {
						t.Fatalf("Spread2 n=%d odd=%v extra=%d: full[%d] = %v, want %v", n, odd, extra, i, full[i], want)
					}
				}
			}
		}
	}
}
