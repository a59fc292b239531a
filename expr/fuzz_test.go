package expr

import (
	"testing"
	"time"
)

// FuzzParse checks that no input up to 1 KiB makes Parse, or evaluating what
// it accepts, panic or hang. The seeds run in every go test.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"-x^2", "2^3^2", "sin(x) * exp(-y)", "sum(w^2) / norm(w)", "w[0] + w[-1]", "pow(x, y) + max(x, 1)",
		"dot(w, w)", "logsumexp(w) - mean(w)", "sin(x +", "x * * 2", "((((x", "x)", "1e", "1e309 * x",
		`"s" + x`, "x ? y : z", "a.b", "f(x)(y)", "x[1:2]", "[1, 2]", "{a: 1}", "x | y", "#", "let a = 1; a",
		"x; y", "0x1F + x", "x[99999999999999999999]", "\xff", "sigmoid(relu(softplus(tanh(x))))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1024 {
			return
		}
		start := time.Now()
		e, err := Parse(src)
		if err == nil {
			var names []string
			for _, v := range e.Vars() {
				names = append(names, v+"=[0.5, -1.5]")
			}
			if p, perr := ParsePoint(names); perr == nil {
				Derivatives(e, p, false)
			}
		} else if err.Error() == "" {
			t.Fatal("empty error message")
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("took %v", d)
		}
	})
}
