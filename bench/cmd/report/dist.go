package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/nabla-go/nabla/bench/internal/benchdoc"
	"github.com/nabla-go/nabla/train"
)

// The dist section times data-parallel training (train.Config.Workers, and
// mpirun -np 2 where OpenMPI is installed) and dist's AllreduceSum; it is
// written between these markers.
const (
	distBegin = "<!-- dist:begin -->"
	distEnd   = "<!-- dist:end -->"
)

// distJob is one training workload of the section: its epoch time is the
// median over rounds of the median over epochs 2.. of a run (the first
// epoch warms up allocators and caches).
type distJob struct {
	name   string
	cfg    func() train.Config
	epochs int
}

// The digits jobs run 60 epochs: an epoch takes a few ms, and the epochs
// of one run spread over 1.7–3.3 ms on this machine (with 6 epochs, a
// median of five, the medians moved by ±20 % from run to run; 30 still left
// ±10 %). Fashion-MNIST's run 4 (a median of three; with 2, one epoch
// decided a round).
var distJobs = []distJob{
	{"digits MLP 64-256-10, batch 32", func() train.Config { return train.Defaults() }, 60},
	// The default batch's shards of 16 rows are mostly per-operation cost,
	// which two workers do not divide: larger batches show where two
	// workers pay (docs/DISTRIBUTED.md).
	{"digits MLP 64-256-10, batch 128", func() train.Config {
		c := train.Defaults()
		c.BatchSize = 128
		return c
	}, 60},
	{"digits MLP 64-256-10, batch 256", func() train.Config {
		c := train.Defaults()
		c.BatchSize = 256
		return c
	}, 60},
	{"Fashion-MNIST MLP 784-256-10, batch 128", func() train.Config {
		c := train.Defaults()
		c.Data, c.BatchSize = "fashion-mnist", 128
		return c
	}, 4},
}

// runDist runs the section and returns its text.
func runDist(rounds int) (string, error) {
	start, loadBefore := time.Now(), benchdoc.LoadAverage()
	tmp, err := os.MkdirTemp("", "bench-dist")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	mpirun, mpiBin, allreduceBin := mpiTools(tmp)
	workers := []int{1, 2, 4}
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s (%d cores visible), %s: %d rounds; load average %s before, %s after.\n\n",
		time.Now().UTC().Format("2006-01-02"), cpuModel(), runtime.NumCPU(), goVersion(), rounds, loadBefore, "%s")
	b.WriteString("| epoch of | --workers 1 | --workers 2 | --workers 4 | 2 ÷ 1 (floor ≤ 0.65) | mpirun -np 2 | np 2 ÷ workers 2 (floor ≤ 1.2) |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
jobs:
	for _, job := range distJobs {
		times := map[string][]float64{}
		for r := range rounds {
			fmt.Fprintf(os.Stderr, "dist: %s, round %d of %d\n", job.name, r+1, rounds)
			for _, w := range workers {
				cfg := job.cfg()
				cfg.Workers, cfg.Epochs, cfg.OutDir = w, job.epochs, filepath.Join(tmp, "run")
				res, err := train.Run(context.Background(), cfg, train.Options{Overwrite: true})
				if err != nil {
					// Fashion-MNIST is a package of its own.
					fmt.Fprintf(&b, "| %s | skipped: %v | | | | | |\n", job.name, err)
					continue jobs
				}
				times[strconv.Itoa(w)] = append(times[strconv.Itoa(w)], epochMedian(res.History))
			}
			if mpirun != "" {
				s, err := mpiEpoch(mpirun, mpiBin, job, filepath.Join(tmp, "mpi"))
				if err != nil {
					return "", err
				}
				times["mpi"] = append(times["mpi"], s)
			}
		}
		med := func(k string) float64 { return benchdoc.Median(times[k]) }
		cell := func(k string) string {
			if len(times[k]) == 0 {
				return "no mpirun"
			}
			return benchdoc.Duration(med(k) * 1e9)
		}
		mpiRatio := "—"
		if len(times["mpi"]) > 0 {
			mpiRatio = fmt.Sprintf("%.2f", med("mpi")/med("2"))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.2f | %s | %s |\n", job.name, cell("1"), cell("2"), cell("4"),
			med("2")/med("1"), cell("mpi"), mpiRatio)
	}

	b.WriteString("\nAllreduceSum (dist), one call, on gradients of the sizes of the three models (values include the loss and stop slots):\n\n")
	b.WriteString("| values | bytes | 2 goroutines | 4 goroutines | mpirun -np 2 (loopback) | mpirun -np 4 (loopback) |\n|---|---|---|---|---|---|\n")
	cols := []map[int]float64{}
	for _, args := range [][]string{{"-local", "2"}, {"-local", "4"}} {
		cols = append(cols, allreduceTimes(append([]string{allreduceBin}, args...)))
	}
	for _, np := range []string{"2", "4"} {
		if mpirun == "" {
			cols = append(cols, nil)
			continue
		}
		cols = append(cols, allreduceTimes([]string{mpirun, "--allow-run-as-root", "--oversubscribe", "-np", np, allreduceBin}))
	}
	for _, n := range []int{19212, 203532, 824460} {
		fmt.Fprintf(&b, "| %d | %.2f MB |", n, float64(n)*8/1e6)
		for _, c := range cols {
			if s, ok := c[n]; ok {
				fmt.Fprintf(&b, " %s |", benchdoc.Duration(s*1e9))
			} else {
				b.WriteString(" — |")
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n(%s in all.)\n", time.Since(start).Round(time.Second))
	return fmt.Sprintf(b.String(), benchdoc.LoadAverage()), nil
}

// epochMedian returns the median time of the epochs after the first.
func epochMedian(h []train.EpochMetrics) float64 {
	var s []float64
	for _, m := range h[1:] {
		s = append(s, m.Seconds)
	}
	return benchdoc.Median(s)
}

// mpiTools builds nabla and cmd/allreduce with -tags mpi when mpirun and
// OpenMPI's headers are installed; the allreduce binary is built without
// MPI otherwise, for its -local timings. mpirun is "" without MPI.
func mpiTools(dir string) (mpirun, nabla, allreduce string) {
	nabla, allreduce = filepath.Join(dir, "nabla"), filepath.Join(dir, "allreduce")
	mpirun, err := exec.LookPath("mpirun")
	if err == nil {
		// The command's dependencies are the main module's, not bench's.
		c := command("go", "build", "-tags", "mpi", "-o", nabla, "./cmd/nabla")
		c.Dir = ".."
		err = c.Run()
	}
	if err == nil {
		err = command("go", "build", "-tags", "mpi", "-o", allreduce, "./cmd/allreduce").Run()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "report: no MPI build (%v; apt-get install openmpi-bin libopenmpi-dev): the mpirun columns stay empty\n", err)
		mpirun = ""
		if err := command("go", "build", "-o", allreduce, "./cmd/allreduce").Run(); err != nil {
			fmt.Fprintln(os.Stderr, "report: building cmd/allreduce:", err)
		}
	}
	return mpirun, nabla, allreduce
}

// mpiEpoch runs job under mpirun -np 2 and returns its median epoch time
// from metrics.csv.
func mpiEpoch(mpirun, bin string, job distJob, dir string) (float64, error) {
	cfg := job.cfg()
	args := []string{"--allow-run-as-root", "--oversubscribe", "-np", "2", bin, "train", "--distributed", "mpi", "--quiet", "--overwrite",
		"--data", cfg.Data, "--batch-size", strconv.Itoa(cfg.BatchSize), "--epochs", strconv.Itoa(job.epochs), "-o", dir}
	if out, err := exec.Command(mpirun, args...).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("mpirun %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	f, err := os.Open(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 3 {
		return 0, fmt.Errorf("%s/metrics.csv: %v (%d rows)", dir, err, len(rows))
	}
	col := -1
	for i, h := range rows[0] {
		if h == "seconds" {
			col = i
		}
	}
	if col < 0 {
		return 0, fmt.Errorf("%s/metrics.csv has no seconds column", dir)
	}
	var s []float64
	for _, r := range rows[2:] {
		v, err := strconv.ParseFloat(r[col], 64)
		if err != nil {
			return 0, err
		}
		s = append(s, v)
	}
	return benchdoc.Median(s), nil
}

// allreduceTimes runs cmd/allreduce and returns seconds per call by size;
// a failure leaves its column empty.
func allreduceTimes(argv []string) map[int]float64 {
	out, err := exec.Command(argv[0], append(argv[1:], "-time", "500ms")...).Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "report: %s: %v\n", strings.Join(argv, " "), err)
		return nil
	}
	res := map[int]float64{}
	for line := range strings.Lines(string(out)) {
		var n int
		var s float64
		if _, err := fmt.Sscan(line, &n, &s); err == nil {
			res[n] = s
		}
	}
	return res
}
