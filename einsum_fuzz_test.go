package nabla

import (
	"strings"
	"testing"
)

// FuzzParseEinsum checks that the einsum parser never panics and that what
// it accepts is well formed: one label string per operand, of the operand's
// rank, and an output of distinct labels that the operands hold.
func FuzzParseEinsum(f *testing.F) {
	for _, eq := range []string{"ij,jk->ik", "ii", "ii->i", "bij,bjk->bik", "i,j", "->", "", ",", "ij->ji->", "a...b", "i j , j k -> i k", "ij-", "ij>k", "AaBb", "...ij,...jk->...ik", "...", "i...->...", "..i", "......", "...->"} {
		f.Add(eq, uint8(2), uint8(2))
	}
	f.Fuzz(func(t *testing.T, eq string, r0, r1 uint8) {
		ranks := []int{int(r0 % 6)}
		if r1%7 != 6 {
			ranks = append(ranks, int(r1%7))
		}
		spec, err := parseEinsum(eq, ranks)
		if err != nil {
			if !strings.Contains(err.Error(), "position") && !strings.Contains(err.Error(), "operands") {
				t.Fatalf("%q: error %q names no position", eq, err)
			}
			return
		}
		if len(spec.inputs) != len(ranks) {
			t.Fatalf("%q: %d operands for %d ranks", eq, len(spec.inputs), len(ranks))
		}
		all := strings.Join(spec.inputs, "")
		for k, in := range spec.inputs {
			if len(in) != ranks[k] {
				t.Fatalf("%q: operand %d has labels %q for rank %d", eq, k, in, ranks[k])
			}
		}
		for i := 0; i < len(spec.output); i++ {
			l := spec.output[i]
			if strings.IndexByte(all, l) < 0 || strings.IndexByte(spec.output[i+1:], l) >= 0 {
				t.Fatalf("%q: bad output %q", eq, spec.output)
			}
		}
	})
}
