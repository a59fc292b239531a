package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/nabla-go/nabla/bench"
	"github.com/nabla-go/nabla/bench/internal/benchdoc"
)

const (
	rematBegin = "<!-- remat:begin -->"
	rematEnd   = "<!-- remat:end -->"
)

// rematRows are the batch sizes and segment lengths of the checkpointing
// section's rows (k = 0: no checkpointing, the reference for the rows of its
// batch size that follow it).
var rematRows = []struct{ batch, k int }{
	{bench.RematBatch, 0}, {bench.RematBatch, 2}, {bench.RematBatch, 4}, {bench.RematBatch, 8},
	{bench.RematBigBatch, 0}, {bench.RematBigBatch, 4},
}

// runRemat measures, in this process, the deep MLP's training step with its
// layers checkpointed k at a time: the median step time over steps steps,
// the heap the forward pass holds for the backward pass and the peak heap
// during a step (see bench.RematMLP.PeakStep), and returns the section's
// text.
func runRemat(steps int) string {
	start, loadBefore := time.Now(), benchdoc.LoadAverage()
	type res struct {
		step       time.Duration
		peak, held uint64
	}
	var rs []res
	for _, r := range rematRows {
		fmt.Fprintf(os.Stderr, "checkpointing section: batch %d, every %d layers\n", r.batch, r.k)
		m := bench.NewRematMLP(bench.RematLayers, bench.RematWidth, r.batch, r.k)
		step, peak, held := m.PeakStep(steps)
		rs = append(rs, res{step, peak, held})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s (%d cores visible, GOMAXPROCS %d), %s, %s: %d timed steps per row after one warm-up, then 3 measured for memory, %s in all; load average %s before, %s after.\n\n",
		time.Now().UTC().Format("2006-01-02"), cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), goVersion(),
		runtime.GOOS+"/"+runtime.GOARCH, steps, time.Since(start).Round(time.Second), loadBefore, benchdoc.LoadAverage())
	fmt.Fprintf(&b, "MLP of %d Linear layers %d→%d with ReLU, float32, batch %d or %d, cross-entropy, SGD step (`bench.RematMLP`, `nn.CheckpointEvery`). "+
		"Held for the backward pass: the live heap after the forward pass (after a full GC) above the live heap at the start of the step, after ZeroGrad (parameters, batch): what checkpointing shrinks. "+
		"Peak: the most the heap grew during a step above that base, sampled every 100 µs from runtime/metrics with GOGC 10 (step times are measured apart, at the default GOGC); it includes the 128 MiB of new weight gradients the backward pass makes, which checkpointing does not change and which dominate at batch %d.\n\n",
		bench.RematLayers, bench.RematWidth, bench.RematWidth, bench.RematBatch, bench.RematBigBatch, bench.RematBatch)
	b.WriteString("| batch, checkpointing | step time (median) | ÷ none | held for the backward pass | ÷ none | peak heap during the step | ÷ none |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|\n")
	ref := 0
	for i, r := range rematRows {
		label := fmt.Sprintf("%d, none", r.batch)
		if r.k > 0 {
			label = fmt.Sprintf("%d, every %d layers (%d segments)", r.batch, r.k, (bench.RematLayers+r.k-1)/r.k)
		} else {
			ref = i
		}
		fmt.Fprintf(&b, "| %s | %s | %.2f× | %.1f MiB | %.2f× | %.1f MiB | %.2f× |\n", label, benchdoc.Duration(float64(rs[i].step.Nanoseconds())),
			float64(rs[i].step)/float64(rs[ref].step), float64(rs[i].held)/(1<<20), float64(rs[i].held)/float64(rs[ref].held),
			float64(rs[i].peak)/(1<<20), float64(rs[i].peak)/float64(rs[ref].peak))
	}
	return b.String()
}
