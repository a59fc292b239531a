//go:build amd64

package kernel

// sumLeaves32 (sum_amd64.s) computes the four running sums of eight of
// sum's leaves at once, over their first m elements (m a multiple of 4):
// acc[4l+k] for the leaf starting at s[offs[l]].
//
//go:noescape
func sumLeaves32(s *float32, offs *[8]int, m int, acc *[32]float64)

// sumLeaves64 is sumLeaves32 for float64.
//
//go:noescape
func sumLeaves64(s *float64, offs *[8]int, m int, acc *[32]float64)

// sumAsm is sum(s) for len(s) > sumLeaf, with the same bits: the same
// pairwise split into the same leaves, each leaf's four running sums
// computed in the same order, but eight leaves at a time by sumLeaves32 or
// sumLeaves64 (AVX2), so that the additions of different leaves overlap. ok
// is false (and nothing done) without the assembly.
func sumAsm[T Float](s []T) (v float64, ok bool) {
	if !useAsm {
		return 0, false
	}
	// The leaves, in order: as sum splits s.
	var buf [2 * 64]int
	leaves := buf[:0] // start, length pairs
	var walk func(lo, n int)
	walk = func(lo, n int) {
		if n <= sumLeaf {
			leaves = append(leaves, lo, n)
			return
		}
		h := n / 2
		walk(lo, h)
		walk(lo+h, n-h)
	}
	walk(0, len(s))
	nl := len(leaves) / 2
	var sbuf [64]float64
	sums := sbuf[:0]
	if nl > len(sbuf) {
		sums = make([]float64, 0, nl)
	}
	var offs [8]int
	var acc [32]float64
	for g := 0; g < nl; g += 8 {
		m := len(s)
		for l := range 8 {
			i := min(g+l, nl-1) // a short last group repeats its last leaf
			offs[l] = leaves[2*i]
			m = min(m, leaves[2*i+1]&^3)
		}
		switch s := any(s).(type) {
		case []float32:
			sumLeaves32(&s[0], &offs, m, &acc)
		case []float64:
			sumLeaves64(&s[0], &offs, m, &acc)
		}
		for l := range min(8, nl-g) {
			leaf := s[offs[l] : offs[l]+leaves[2*(g+l)+1]]
			a0, a1, a2, a3 := acc[4*l], acc[4*l+1], acc[4*l+2], acc[4*l+3]
			i := m
			for ; i+4 <= len(leaf); i += 4 {
				a0 += float64(leaf[i])
				a1 += float64(leaf[i+1])
				a2 += float64(leaf[i+2])
				a3 += float64(leaf[i+3])
			}
			for ; i < len(leaf); i++ {
				a0 += float64(leaf[i])
			}
			sums = append(sums, (a0+a1)+(a2+a3))
		}
	}
	// Combine them as sum does: sum(s[:h]) + sum(s[h:]).
	next := 0
	var comb func(n int) float64
	comb = func(n int) float64 {
		if n <= sumLeaf {
			next++
			return sums[next-1]
		}
		h := n / 2
		a := comb(h)
		return a + comb(n-h)
	}
	return comb(len(s)), true
}
