package nabla

import "testing"

// TestStridedCopies checks the unrolled strided gather and the one-pass
// scatter with zeros against plain loops, over lengths, starts and steps
// that hit the unrolled bodies, their tails and the edges.
func TestStridedCopies(t *testing.T) {
	for n := 0; n <= 23; n++ {
		full := make([]float64, n)
		for i := range full {
			full[i] = float64(i + 1)
		}
		for step := 1; step <= 4; step++ {
			for start := 0; start < max(n, 1); start++ {
				count := 0
				if n > start {
					count = (n - start + step - 1) / step
				}
				part := make([]float64, count)
				gatherStep(part, full[start:], step)
				for i := range part {
					if part[i] != full[start+i*step] {
						t.Fatalf("gather n=%d start=%d step=%d: part[%d] = %v", n, start, step, i, part[i])
					}
				}
				got := make([]float64, n)
				for i := range got {
					got[i] = -7 // garbage scatterPad must overwrite
				}
				scatterPad(got, part, start, step)
				want := make([]float64, n)
				for i, v := range part {
					want[start+i*step] = v
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("scatterPad n=%d start=%d step=%d: element %d is %v, want %v", n, start, step, i, got[i], want[i])
					}
				}
			}
		}
	}
}
