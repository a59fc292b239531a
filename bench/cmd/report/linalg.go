package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/nabla-go/nabla/bench"
	"github.com/nabla-go/nabla/bench/internal/benchdoc"
)

// The linear-algebra section: nabla.Solve and nabla.Cholesky at n = 512
// against gonum's mat in the same rounds, and what their gradients cost
// over their forward passes, with the floors they are held to.
const (
	linalgBegin = "<!-- linalg:begin -->"
	linalgEnd   = "<!-- linalg:end -->"
)

// runLinalg runs BenchmarkLinalg rounds times with the compiled benchmarks
// bin and returns the section's text.
func runLinalg(rounds int, benchtime, bin string) (string, error) {
	start, loadBefore := time.Now(), benchdoc.LoadAverage()
	results := map[string][]result{}
	for r := range rounds {
		fmt.Fprintf(os.Stderr, "linear-algebra section, round %d of %d\n", r+1, rounds)
		out, err := runBench(bin, "-test.run", "^$", "-test.bench", "^BenchmarkLinalg$", "-test.benchmem", "-test.benchtime", benchtime)
		if err != nil {
			return "", fmt.Errorf("round %d: %w\n%s", r+1, err, out)
		}
		for name, res := range parse(out) {
			results[name] = append(results[name], res)
		}
	}
	ns := func(name string) []float64 {
		var v []float64
		for _, r := range results["Linalg/"+name] {
			v = append(v, r.ns)
		}
		return v
	}
	med := func(name string) string {
		if t := ns(name); len(t) > 0 {
			return benchdoc.Duration(benchdoc.Median(t))
		}
		return "—"
	}
	// backward ÷ forward, per round: (forward+backward − forward) ÷ forward.
	backward := func(grad, fwd string) string {
		g, f := ns(grad), ns(fwd)
		n := min(len(g), len(f))
		if n == 0 {
			return "—"
		}
		q := make([]float64, n)
		for i := range q {
			q[i] = (g[i] - f[i]) / f[i]
		}
		return fmt.Sprintf("%.2f×", benchdoc.Median(q))
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s (%d cores visible, GOMAXPROCS %d), %s, %s: %d rounds of -benchtime %s, %s in all; load average %s before, %s after.\n\n",
		time.Now().UTC().Format("2006-01-02"), cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), goVersion(),
		runtime.GOOS+"/"+runtime.GOARCH, rounds, benchtime, time.Since(start).Round(time.Second), loadBefore, benchdoc.LoadAverage())
	n := bench.LinalgN
	b.WriteString("| workload | nabla | gonum `mat` | ratio | floor |\n|---|--:|--:|--:|--:|\n")
	fmt.Fprintf(&b, "| Solve %d×%d, one right-hand side (LU) | %s | %s | %s nabla ÷ gonum | ≤ 1.5× |\n",
		n, n, med("solve/nabla"), med("solve/gonum"), ratioCell(ns("solve/nabla"), ns("solve/gonum")))
	fmt.Fprintf(&b, "| Cholesky %d×%d SPD | %s | %s | %s nabla ÷ gonum | ≤ 1.5× |\n",
		n, n, med("cholesky/nabla"), med("cholesky/gonum"), ratioCell(ns("cholesky/nabla"), ns("cholesky/gonum")))
	fmt.Fprintf(&b, "| ↳ Solve's gradient (forward+backward, ∂A and ∂b) | %s | | %s of the forward; backward alone %s | backward ≤ 3× |\n",
		med("solve-gradient/nabla"), ratioCell(ns("solve-gradient/nabla"), ns("solve/nabla")), backward("solve-gradient/nabla", "solve/nabla"))
	fmt.Fprintf(&b, "| ↳ Cholesky's gradient (forward+backward) | %s | | %s of the forward; backward alone %s | backward ≤ 3× |\n",
		med("cholesky-gradient/nabla"), ratioCell(ns("cholesky-gradient/nabla"), ns("cholesky/nabla")), backward("cholesky-gradient/nabla", "cholesky/nabla"))
	return b.String(), nil
}

// runBench runs the compiled benchmarks with args and returns their output.
func runBench(bin string, args ...string) ([]byte, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	return cmd.Output()
}
