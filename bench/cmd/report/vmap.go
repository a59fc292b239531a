package main

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/nabla-go/nabla/bench/internal/benchdoc"
)

// The Vmap section: Jacobians computed in one batched pass (nabla.Vmap
// inside JacobianRev and JacobianFwd) against a pass per row or column, and
// per-example gradients of the MLP through Vmap(ValueAndGrad(…)) against a
// Go loop over the examples and against one gradient of the whole batch.
const (
	vmapBegin = "<!-- vmap:begin -->"
	vmapEnd   = "<!-- vmap:end -->"
)

// vmapOnly are the top-level benchmarks that only the Vmap section runs.
var vmapOnly = []string{"BenchmarkVmap"}

// A vmapRow compares BenchmarkVmap/name/vmap (name/batched when batched is
// set) with BenchmarkVmap/name/other: other's time over Vmap's (how much
// faster batching is), or with over set Vmap's time over other's (how many
// of the other it costs).
type vmapRow struct {
	label, name, other, otherLabel string
	over                           bool
	batched                        string
}

var vmapRows = []vmapRow{
	{"Jacobian of tanh(W·x + b), 100 → 100, reverse mode", "jacrev-100to100", "loop", "a backward pass per row", false, ""},
	{"Jacobian of tanh(W·x + b), 1000 → 100, reverse mode", "jacrev-1000to100", "loop", "a backward pass per row", false, ""},
	{"Jacobian of tanh(W·x + b), 100 → 100, forward mode", "jacfwd-100to100", "loop", "a dual pass per column", false, ""},
	{"Per-example gradients, MLP 784-256-10, batch 128, float64", "perexample-mlp", "loop", "a Go loop over the examples", false, ""},
	{"↳ against one gradient of the batch's summed loss", "perexample-mlp", "batch-gradient", "one batch gradient", true, ""},
	{"↳ VmapInto (the result written into a reused tensor), against one batch gradient", "perexample-mlp", "batch-gradient", "one batch gradient", true, "vmap-into"},
	{"↳ VmapInto, against the Go loop", "perexample-mlp", "loop", "a Go loop over the examples", false, "vmap-into"},
	{"↳ the floor: writing the 208 MB result once into reused memory, against one batch gradient", "perexample-mlp", "batch-gradient", "one batch gradient", true, "fill"},
	{"Per-example gradients, same, float32, VmapInto", "perexample-mlp-f32", "batch-gradient", "one float32 batch gradient", true, "vmap-into"},
	{"↳ the floor: writing the 104 MB result once into reused memory", "perexample-mlp-f32", "batch-gradient", "one float32 batch gradient", true, "fill"},
}

// runVmap runs the Vmap section's rounds with the compiled benchmarks bin
// and returns the section's text.
func runVmap(rounds int, benchtime, bin string) (string, error) {
	start, loadBefore := time.Now(), benchdoc.LoadAverage()
	results := map[string][]result{}
	for r := range rounds {
		fmt.Fprintf(os.Stderr, "Vmap section, round %d of %d\n", r+1, rounds)
		cmd := exec.Command(bin, "-test.run", "^$", "-test.bench", "^BenchmarkVmap$", "-test.benchmem", "-test.benchtime", benchtime)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("Vmap section, round %d: %w\n%s", r+1, err, out)
		}
		for name, res := range parse(out) {
			results[name] = append(results[name], res)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s (%d cores visible), %s, %s: %d rounds of -benchtime %s, %s in all; load average %s before, %s after.\n\n",
		time.Now().UTC().Format("2006-01-02"), cpuModel(), runtime.NumCPU(), goVersion(), runtime.GOOS+"/"+runtime.GOARCH,
		rounds, benchtime, time.Since(start).Round(time.Second), loadBefore, benchdoc.LoadAverage())
	b.WriteString("| workload | batched (Vmap) | without Vmap | without ÷ batched |\n|---|--:|--:|--:|\n")
	median := func(name string) (float64, bool) {
		var v []float64
		for _, r := range results[name] {
			v = append(v, r.ns)
		}
		if len(v) == 0 {
			return 0, false
		}
		return benchdoc.Median(v), true
	}
	for _, row := range vmapRows {
		batched := cmp.Or(row.batched, "vmap")
		vm, ok1 := median("Vmap/" + row.name + "/" + batched)
		other, ok2 := median("Vmap/" + row.name + "/" + row.other)
		if !ok1 || !ok2 {
			fmt.Fprintf(&b, "| %s | — | — (%s) | — |\n", row.label, row.otherLabel)
			continue
		}
		ratio := fmt.Sprintf("%.3g×", other/vm)
		if row.over {
			ratio = fmt.Sprintf("batched ÷ it: %.3g×", vm/other)
		}
		fmt.Fprintf(&b, "| %s | %s | %s (%s) | %s |\n", row.label, benchdoc.Duration(vm), benchdoc.Duration(other), row.otherLabel, ratio)
	}
	return b.String(), nil
}
