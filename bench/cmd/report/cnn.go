package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/bench"
	"github.com/nabla-go/nabla/bench/internal/benchdoc"
)

// The CNN section: nabla's convolution, the CNN training step and a few rows
// of the main table again, each at one thread (pinned to CPU 0) and at two,
// against PyTorch running bench/pytorch/bench.py under the same settings.
const (
	cnnBegin = "<!-- cnn:begin -->"
	cnnEnd   = "<!-- cnn:end -->"
)

// A cnnRow is a row of the CNN section's table. With over set it is an
// efficiency row: each implementation's GFLOPS on name over its GFLOPS on
// over (flops and overFlops the two workloads' flops), as a percentage.
type cnnRow struct {
	label, name string
	flops       float64
	over        string
	overFlops   float64
}

func cnnRows() []cnnRow {
	conv := bench.ConvBench.Flops()
	m, k, n := bench.ConvBench.ConvGEMMShape()
	gemm := 2 * float64(m*k*n)
	var rows []cnnRow
	for _, dt := range []string{"float32", "float64"} {
		rows = append(rows,
			cnnRow{label: "Conv2d forward+backward, 128×32×28×28 → 32 channels, 3×3, padding 1, " + dt, name: "Conv2d/" + dt, flops: conv},
			cnnRow{label: fmt.Sprintf("GEMM %d×%d · %d×%d (the forward's im2col product for the whole batch), %s", m, k, k, n, dt), name: "ConvGEMM/" + dt, flops: gemm},
			cnnRow{label: "MatMul 1024×1024, " + dt, name: "MatMul/n=1024/" + dt, flops: cube(1024)},
			cnnRow{label: "↳ conv GFLOPS ÷ im2col GEMM GFLOPS, " + dt, name: "Conv2d/" + dt, flops: conv, over: "ConvGEMM/" + dt, overFlops: gemm},
			cnnRow{label: "↳ conv GFLOPS ÷ MatMul 1024 GFLOPS, " + dt, name: "Conv2d/" + dt, flops: conv, over: "MatMul/n=1024/" + dt, overFlops: cube(1024)},
		)
	}
	rows = append(rows,
		cnnRow{label: "**CNN Adam step**, batch 128 of 1×28×28, float32", name: "CNNStep/float32"},
		cnnRow{label: "MLP 784-256-10 SGD step, batch 128, float32", name: "MLPStep/float32"},
		cnnRow{label: "MLP 784-256-10 SGD step, batch 128, float64", name: "MLPStep/float64"},
	)
	return rows
}

// torchState says whether PyTorch can be imported by python, and if not why.
func torchState(python string) (ok bool, why string) {
	if _, err := os.Stat("pytorch/bench.py"); err != nil {
		return false, "skipped: pytorch/bench.py not found (run from bench/)"
	}
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		return false, "skipped: PyTorch not installed"
	}
	return true, ""
}

// runCNN runs the CNN section's rounds with the compiled benchmarks bin and
// returns the section's text.
func runCNN(rounds int, benchtime, bin, python string) (string, error) {
	start, loadBefore := time.Now(), benchdoc.LoadAverage()
	torchOK, skipped := torchState(python)
	if !torchOK {
		fmt.Fprintf(os.Stderr, "report: %s (%s -c 'import torch' failed): the PyTorch columns stay empty\n", skipped, python)
	}
	pyTime := "1"
	if d, err := time.ParseDuration(benchtime); err == nil {
		pyTime = strconv.FormatFloat(d.Seconds(), 'g', -1, 64)
	}
	_, err := exec.LookPath("taskset")
	pin := err == nil
	if !pin {
		fmt.Fprintln(os.Stderr, "report: no taskset: the one-thread runs are not pinned")
	}

	// One thread: pinned to CPU 0, with every library told to use one
	// thread. Two threads: unpinned.
	envFor := func(threads int) []string {
		t := strconv.Itoa(threads)
		return append(os.Environ(), "GOMAXPROCS="+t, "OMP_NUM_THREADS="+t, "OPENBLAS_NUM_THREADS="+t, "MKL_NUM_THREADS="+t)
	}
	command := func(threads int, name string, args ...string) *exec.Cmd {
		if threads == 1 && pin {
			args = append([]string{"-c", "0", name}, args...)
			name = "taskset"
		}
		cmd := exec.Command(name, args...)
		cmd.Env = envFor(threads)
		cmd.Stderr = os.Stderr
		return cmd
	}
	results := map[string][]result{}
	var torchInfo [3][]string // per thread count, the script's # lines
	for r := range rounds {
		fmt.Fprintf(os.Stderr, "CNN section, round %d of %d\n", r+1, rounds)
		for _, threads := range []int{1, 2} {
			prefix := fmt.Sprintf("t%d/", threads)
			for _, pattern := range []string{"^Benchmark(Conv2d|ConvGEMM|CNNStep|MLPStep)$/^float(32|64)$/^nabla$", "^BenchmarkMatMul$/^n=1024$/^float(32|64)$/^nabla$"} {
				out, err := command(threads, bin, "-test.run", "^$", "-test.bench", pattern, "-test.benchmem",
					"-test.benchtime", benchtime, "-test.cpu", strconv.Itoa(threads)).Output()
				if err != nil {
					return "", fmt.Errorf("round %d, nabla at %d threads: %w\n%s", r+1, threads, err, out)
				}
				for name, res := range parse(out) {
					results[prefix+name] = append(results[prefix+name], res)
				}
			}
			if !torchOK {
				continue
			}
			args := []string{"pytorch/bench.py", "--threads", strconv.Itoa(threads), "--benchtime", pyTime,
				"--only", "conv,convgemm,cnn,mlp,matmul"}
			if r == 0 {
				args = append(args, "--kernels")
			}
			out, err := command(threads, python, args...).Output()
			if err != nil {
				return "", fmt.Errorf("round %d, PyTorch at %d threads: %w\n%s", r+1, threads, err, out)
			}
			for name, res := range parse(out) {
				results[prefix+name] = append(results[prefix+name], res)
			}
			if r == 0 {
				sc := bufio.NewScanner(bytes.NewReader(out))
				for sc.Scan() {
					if l, ok := strings.CutPrefix(sc.Text(), "# "); ok {
						torchInfo[threads] = append(torchInfo[threads], l)
					}
				}
			}
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s (%d cores visible), %s, %s: %d rounds of -benchtime %s, %s in all; load average %s before, %s after.\n\n",
		time.Now().UTC().Format("2006-01-02"), cpuModel(), runtime.NumCPU(), goVersion(), runtime.GOOS+"/"+runtime.GOARCH,
		rounds, benchtime, time.Since(start).Round(time.Second), loadBefore, benchdoc.LoadAverage())
	pinning := "pinned to CPU 0 with `taskset -c 0`"
	if !pin {
		pinning = "not pinned (no taskset)"
	}
	fmt.Fprintf(&b, "One thread: %s, nabla with GOMAXPROCS=1 (`-test.cpu 1`), PyTorch with `torch.set_num_threads(1)`, OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1. "+
		"Two threads: unpinned, GOMAXPROCS=2, `torch.set_num_threads(2)`, OMP_NUM_THREADS=2, OPENBLAS_NUM_THREADS=2.\n\n", pinning)
	cnnTable(&b, results, torchOK, skipped)
	b.WriteString("\nKernels:\n\n")
	fmt.Fprintf(&b, "- nabla: `nabla.MatMulBackend()` = %s; convolutions unfold each sample (im2col) and multiply with the serial GEMM, samples spread over the cores; the weight gradient packs the GEMM's operand from a channels-last copy of the input.\n", nabla.MatMulBackend())
	if torchOK {
		for _, th := range []int{1, 2} {
			fmt.Fprintf(&b, "- PyTorch, %d thread%s: %s\n", th, map[bool]string{true: "s"}[th > 1], strings.Join(torchInfo[th], "; "))
		}
	} else {
		fmt.Fprintf(&b, "- PyTorch: %s (`%s -c 'import torch'` failed).\n", skipped, python)
	}
	return b.String(), nil
}

// cnnTable writes the CNN section's Markdown table.
func cnnTable(b *strings.Builder, results map[string][]result, torchOK bool, skipped string) {
	b.WriteString("| workload | 1 thread: nabla | PyTorch | nabla ÷ PyTorch | 2 threads: nabla | PyTorch | nabla ÷ PyTorch |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|\n")
	ns := func(name string) []float64 {
		var v []float64
		for _, r := range results[name] {
			v = append(v, r.ns)
		}
		return v
	}
	for _, r := range cnnRows() {
		cells := []string{r.label}
		for _, th := range []string{"t1/", "t2/"} {
			for _, impl := range []string{"nabla", "pytorch"} {
				if impl == "pytorch" && !torchOK {
					cells = append(cells, skipped)
					continue
				}
				t := ns(th + r.name + "/" + impl)
				if r.over != "" {
					u := ns(th + r.over + "/" + impl)
					cell := "—"
					if n := min(len(t), len(u)); n > 0 {
						q := make([]float64, n)
						for i := range q {
							q[i] = (r.flops / t[i]) / (r.overFlops / u[i])
						}
						cell = fmt.Sprintf("**%.0f %%**", 100*benchdoc.Median(q))
					}
					cells = append(cells, cell)
					continue
				}
				cell := "—"
				if len(t) > 0 {
					m := benchdoc.Median(t)
					cell = benchdoc.Duration(m)
					if r.flops > 0 {
						cell += fmt.Sprintf(" (%.3g GFLOPS)", r.flops/m)
					}
				}
				cells = append(cells, cell)
			}
			switch {
			case r.over != "":
				cells = append(cells, "")
			case !torchOK:
				cells = append(cells, "—")
			default:
				cells = append(cells, ratioCell(ns(th+r.name+"/nabla"), ns(th+r.name+"/pytorch")))
			}
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
}
