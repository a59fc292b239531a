package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/nabla-go/nabla/bench/internal/benchdoc"
)

// The Taylor-mode section: the coefficients of a 21-op expression along a
// line by nabla.Jet (one pass carrying every coefficient) against nested
// reverse mode (what TaylorCoefficients computed before Jet), by order.
const (
	jetBegin = "<!-- jet:begin -->"
	jetEnd   = "<!-- jet:end -->"
)

// jetOnly are the top-level benchmarks that only the Taylor-mode section
// runs.
var jetOnly = []string{"BenchmarkJet"}

// runJet runs the Taylor-mode section's rounds with the compiled
// benchmarks bin and returns the section's text.
func runJet(rounds int, benchtime, bin string) (string, error) {
	start, loadBefore := time.Now(), benchdoc.LoadAverage()
	results := map[string][]float64{}
	for r := range rounds {
		fmt.Fprintf(os.Stderr, "Taylor-mode section, round %d of %d\n", r+1, rounds)
		cmd := exec.Command(bin, "-test.run", "^$", "-test.bench", "^BenchmarkJet$", "-test.benchmem", "-test.benchtime", benchtime)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("Taylor-mode section, round %d: %w\n%s", r+1, err, out)
		}
		for name, res := range parse(out) {
			results[name] = append(results[name], res.ns)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s (%d cores visible), %s, %s: %d rounds of -benchtime %s, %s in all; load average %s before, %s after.\n\n",
		time.Now().UTC().Format("2006-01-02"), cpuModel(), runtime.NumCPU(), goVersion(), runtime.GOOS+"/"+runtime.GOARCH,
		rounds, benchtime, time.Since(start).Round(time.Second), loadBefore, benchdoc.LoadAverage())
	b.WriteString("| order | Jet | nested reverse mode | nested ÷ Jet |\n|--:|--:|--:|--:|\n")
	for _, k := range []int{2, 4, 6, 8} {
		jet, nested := results[fmt.Sprintf("Jet/order=%d/jet", k)], results[fmt.Sprintf("Jet/order=%d/nested", k)]
		if len(jet) == 0 || len(nested) == 0 {
			fmt.Fprintf(&b, "| %d | — | — | — |\n", k)
			continue
		}
		j, n := benchdoc.Median(jet), benchdoc.Median(nested)
		fmt.Fprintf(&b, "| %d | %s | %s | %.3g× |\n", k, benchdoc.Duration(j), benchdoc.Duration(n), n/j)
	}
	return b.String(), nil
}
