// Command compare measures nabla against an earlier commit of itself, side
// by side in one run: it checks the commit out in a temporary git worktree,
// compiles the benchmarks of both trees once, then runs every benchmark of
// the set in rounds, alternating the two trees within each round, and prints
// the median time of each and the median of the per-round ratios (after ÷
// before). It is how a change that must not slow nabla down shows that it
// does not.
//
// Run it from the bench directory:
//
//	go run ./cmd/compare -base 8c0a95d               # 5 rounds, print the table
//	go run ./cmd/compare -base 8c0a95d -doc ../docs/BENCHMARKS.md
//
// With -doc the table is also written into that file between the lines
// <!-- compare:begin --> and <!-- compare:end -->.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nabla-go/nabla/bench/internal/benchdoc"
)

// A benchmark of the set: the package it lives in (the root package or the
// bench module), the -bench pattern, the metric to read, its benchtime and
// GOMAXPROCS (0: the machine's).
type bench struct {
	label, pkg, pattern, metric, benchtime string
	procs                                  int
}

var set = []bench{
	{"per-op overhead, Chain20 (ns per op)", "root", "^BenchmarkChain20$", "ns/op-per-op", "1s", 0},
	{"MLP 784-256-10 SGD step, float64", "bench", "^BenchmarkMLPStep$/^float64/nabla$", "ns/op", "1s", 0},
	{"MLP step, float32", "bench", "^BenchmarkMLPStep$/^float32/nabla$", "ns/op", "1s", 0},
	{"MLP step, float64, one core", "bench", "^BenchmarkMLPStep$/^float64/nabla$", "ns/op", "1s", 1},
	{"MLP step, float32, one core", "bench", "^BenchmarkMLPStep$/^float32/nabla$", "ns/op", "1s", 1},
	{"Rosenbrock n=1000, pairs, ValueAndGrad", "bench", "^BenchmarkRosenbrockGrad$/^pairs-ValueAndGrad/nabla$", "ns/op", "1s", 0},
	{"Rosenbrock n=1000, chained, ValueAndGrad", "bench", "^BenchmarkRosenbrockGrad$/^chained-ValueAndGrad/nabla$", "ns/op", "1s", 0},
	{"Rosenbrock n=1000, pairs, CompileValueAndGradInto", "bench", "^BenchmarkRosenbrockGrad$/^pairs-CompileInto/nabla$", "ns/op", "1s", 0},
	{"Rosenbrock n=1000, chained, CompileValueAndGradInto", "bench", "^BenchmarkRosenbrockGrad$/^chained-CompileInto/nabla$", "ns/op", "1s", 0},
	{"L-BFGS, chained Rosenbrock n=1000", "bench", "^BenchmarkLBFGSRosenbrock$/^n=1000/nabla$", "ns/op", "3x", 0},
	{"L-BFGS, n=1000, Options.Compile", "bench", "^BenchmarkLBFGSRosenbrock$/^n=1000-compiled/nabla$", "ns/op", "3x", 0},
	{"Σ x²·sin x, 10⁶ float64, forward+backward", "bench", "^BenchmarkSumX2SinX$/^float64/forward\\+backward/nabla$", "ns/op", "1s", 0},
	{"exact Hessian, Rosenbrock n=100", "bench", "^BenchmarkRosenbrockHessian$/^n=100/nabla$", "ns/op", "1s", 0},
}

const (
	beginMarker = "<!-- compare:begin -->"
	endMarker   = "<!-- compare:end -->"
)

func main() {
	base := flag.String("base", "", "the commit to compare with (required)")
	rounds := flag.Int("rounds", 5, "times to run the whole set")
	doc := flag.String("doc", "", "a Markdown file to write the table into, between "+beginMarker+" and "+endMarker)
	flag.Parse()
	if *base == "" || *rounds < 1 {
		fmt.Fprintln(os.Stderr, "compare: -base REV is required, and -rounds at least 1")
		os.Exit(2)
	}
	if err := run(*base, *rounds, *doc); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(base string, rounds int, doc string) error {
	top, err := output("", "git", "rev-parse", "--show-toplevel")
	if err != nil {
		return fmt.Errorf("not in a git checkout: %w", err)
	}
	head, _ := output(top, "git", "rev-parse", "--short", "HEAD")
	baseRev, err := output(top, "git", "rev-parse", "--short", base)
	if err != nil {
		return fmt.Errorf("-base %s: %w", base, err)
	}
	tmp, err := os.MkdirTemp("", "nabla-compare-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	wt := filepath.Join(tmp, "base")
	if _, err := output(top, "git", "worktree", "add", "--detach", wt, baseRev); err != nil {
		return fmt.Errorf("checking out %s: %w", baseRev, err)
	}
	defer output(top, "git", "worktree", "remove", "--force", wt)

	trees := []string{wt, top} // before, after
	bins := map[string]string{}
	for i, tree := range trees {
		for _, pkg := range []string{"root", "bench"} {
			dir := tree
			if pkg == "bench" {
				dir = filepath.Join(tree, "bench")
			}
			bin := filepath.Join(tmp, fmt.Sprintf("%s-%d.test", pkg, i))
			if _, err := output(dir, "go", "test", "-c", "-o", bin, "."); err != nil {
				return fmt.Errorf("compiling the %s benchmarks in %s: %w", pkg, dir, err)
			}
			bins[fmt.Sprintf("%s-%d", pkg, i)] = bin
		}
	}
	load0 := benchdoc.LoadAverage()
	times := make([][2][]float64, len(set))
	ratios := make([][]float64, len(set))
	for r := 0; r < rounds; r++ {
		for k, b := range set {
			var t [2]float64
			order := []int{0, 1}
			if r%2 == 1 {
				order = []int{1, 0}
			}
			for _, i := range order {
				v, err := runOne(bins[fmt.Sprintf("%s-%d", b.pkg, i)], b)
				if err != nil {
					return fmt.Errorf("%s: %w", b.label, err)
				}
				t[i] = v
				times[k][i] = append(times[k][i], v)
			}
			ratios[k] = append(ratios[k], t[1]/t[0])
		}
		fmt.Fprintf(os.Stderr, "round %d of %d done\n", r+1, rounds)
	}
	var tab bytes.Buffer
	fmt.Fprintf(&tab, "Before: %s · after: %s · %d rounds · %s · load average %s → %s\n\n", baseRev, head, rounds,
		time.Now().UTC().Format("2006-01-02"), load0, benchdoc.LoadAverage())
	fmt.Fprintln(&tab, "| workload | before | after | after ÷ before |")
	fmt.Fprintln(&tab, "|---|--:|--:|--:|")
	for k, b := range set {
		unit := ""
		if b.metric == "ns/op-per-op" {
			unit = " per op"
		}
		fmt.Fprintf(&tab, "| %s | %s%s | %s%s | %.2f× |\n", b.label, benchdoc.Duration(benchdoc.Median(times[k][0])), unit,
			benchdoc.Duration(benchdoc.Median(times[k][1])), unit, benchdoc.Median(ratios[k]))
	}
	fmt.Print(tab.String())
	if doc != "" {
		return benchdoc.Rewrite(doc, beginMarker, endMarker, tab.String())
	}
	return nil
}

// runOne runs one benchmark of a compiled test binary and returns its metric.
func runOne(bin string, b bench) (float64, error) {
	args := []string{"-test.run", "^$", "-test.bench", b.pattern, "-test.benchtime", b.benchtime}
	if b.procs > 0 {
		args = append(args, "-test.cpu", strconv.Itoa(b.procs))
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = filepath.Dir(bin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		for i := 2; i+1 < len(f); i += 2 {
			if f[i+1] == b.metric {
				return strconv.ParseFloat(f[i], 64)
			}
		}
	}
	return 0, fmt.Errorf("no %s in the output of %s:\n%s", b.metric, b.pattern, out)
}

func output(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return strings.TrimSpace(string(out)), nil
}
