// Command report reruns the benchmarks of package bench and prints one table
// of medians and ratios, which it also writes into docs/BENCHMARKS.md
// between the lines <!-- bench:begin --> and <!-- bench:end -->; then the
// CNN section's table (convolution, CNN training step, against PyTorch at
// one and two threads), between <!-- cnn:begin --> and <!-- cnn:end -->;
// then the linear-algebra section (512×512 solve and Cholesky against gonum,
// and their gradients), between <!-- linalg:begin --> and <!-- linalg:end -->;
// then the checkpointing section (a deep MLP's training step with its layers
// rematerialised k at a time: peak heap and step time), between
// <!-- remat:begin --> and <!-- remat:end -->;
// then the data-parallel section (epochs with --workers 1, 2, 4 and
// mpirun -np 2, and dist's allreduce), between <!-- dist:begin --> and
// <!-- dist:end -->; then the Vmap section, between <!-- vmap:begin --> and
// <!-- vmap:end -->, and the Taylor-mode section (Jet against nested reverse
// mode by order), between <!-- jet:begin --> and <!-- jet:end -->.
//
// Run it from the bench directory:
//
//	go run ./cmd/report               # tests, 5 rounds, rewrite ../docs/BENCHMARKS.md
//	go run ./cmd/report -rounds 1 -n  # a quick look, nothing written
//	go run ./cmd/report -only cnn     # the CNN section alone
//	go run ./cmd/report -only linalg  # the linear-algebra section alone
//	go run ./cmd/report -only remat   # the checkpointing section alone
//	go run ./cmd/report -only dist    # data-parallel epochs and allreduce
//	go run ./cmd/report -only vmap    # the Vmap section alone
//	go run ./cmd/report -only jet     # the Taylor-mode (Jet) section alone
//
// PyTorch's side of the main table and of the CNN section runs
// pytorch/bench.py with -python (/usr/bin/python3 by default, where Debian's
// python3-torch lives), in the same rounds as nabla; without torch its cells
// say so and the report completes. Rows on one core run pinned to CPU 0
// with taskset, nabla (-test.cpu 1) and PyTorch (one thread) alike.
//
// It first runs the tests (which check that the implementations compute the
// same values), then compiles the benchmarks once and runs the whole set
// -rounds times. A round runs every benchmark once, so the implementations
// of one workload are measured minutes apart at most, under the same load;
// a ratio is the median over rounds of the ratio within each round, and a
// time is the median over rounds.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/bench"
	"github.com/nabla-go/nabla/bench/internal/benchdoc"
	"github.com/nabla-go/nabla/internal/kernel"
)

const (
	beginMarker = "<!-- bench:begin -->"
	endMarker   = "<!-- bench:end -->"
)

// A row of the table: the benchmark name without its implementation, and
// the implementation in the "hand-written" column ("hand-written" or
// "gonum"). A row with over set divides each implementation's time for name
// by its time for over instead of comparing implementations. A row with
// flops set (the floating-point operations of one op) adds each
// implementation's GFLOPS to its label. The PyTorch column reads name's
// PyTorch result, or torch's when set.
type row struct {
	label, name, hand, over string
	flops                   float64
	torch                   string
}

// cube returns 2n³, the flops of an n×n matrix product.
func cube(n float64) float64 { return 2 * n * n * n }

var rows = []row{
	{"sum(x²·sin x), 10⁶ float64, forward", "SumX2SinX/float64/forward", "hand-written", "", 0, ""},
	{"sum(x²·sin x), 10⁶ float64, forward+backward", "SumX2SinX/float64/forward+backward", "hand-written", "", 0, ""},
	{"↳ forward+backward ÷ forward", "SumX2SinX/float64/forward+backward", "hand-written", "SumX2SinX/float64/forward", 0, ""},
	{"sum(x²·sin x), 10⁶ float32, forward", "SumX2SinX/float32/forward", "hand-written", "", 0, ""},
	{"sum(x²·sin x), 10⁶ float32, forward+backward", "SumX2SinX/float32/forward+backward", "hand-written", "", 0, ""},
	{"↳ forward+backward ÷ forward", "SumX2SinX/float32/forward+backward", "hand-written", "SumX2SinX/float32/forward", 0, ""},
	{"Rosenbrock gradient, n=1000, pairs form", "RosenbrockGrad/pairs", "hand-written", "", 0, ""},
	{"Rosenbrock gradient, n=1000, chained form (gonum's)", "RosenbrockGrad/chained", "gonum", "", 0, ""},
	{"↳ pairs form, with ValueAndGrad (arena)", "RosenbrockGrad/pairs-ValueAndGrad", "hand-written", "", 0, ""},
	{"↳ chained form, with ValueAndGrad (arena)", "RosenbrockGrad/chained-ValueAndGrad", "gonum", "", 0, ""},
	{"↳ pairs form, CompileValueAndGradInto (traced once, replayed)", "RosenbrockGrad/pairs-CompileInto", "hand-written", "", 0, ""},
	{"↳ chained form, CompileValueAndGradInto", "RosenbrockGrad/chained-CompileInto", "gonum", "", 0, ""},
	{"↳ pairs form, CompileValueAndGrad (allocates the gradient)", "RosenbrockGrad/pairs-Compile", "hand-written", "", 0, ""},
	{"↳ chained form, CompileValueAndGrad", "RosenbrockGrad/chained-Compile", "gonum", "", 0, ""},
	{"MLP 784-256-10 SGD step, batch 128, float64", "MLPStep/float64", "hand-written", "", 0, ""},
	{"MLP 784-256-10 SGD step, batch 128, float32", "MLPStep/float32", "hand-written", "", 0, ""},
	{"MatMul 64×64 float64", "MatMul/n=64/float64", "gonum", "", cube(64), ""},
	{"MatMul 256×256 float64", "MatMul/n=256/float64", "gonum", "", cube(256), ""},
	{"MatMul 1024×1024 float64", "MatMul/n=1024/float64", "gonum", "", cube(1024), ""},
	{"MatMul 64×64 float32", "MatMul/n=64/float32", "gonum", "", cube(64), ""},
	{"MatMul 256×256 float32", "MatMul/n=256/float32", "gonum", "", cube(256), ""},
	{"MatMul 1024×1024 float32", "MatMul/n=1024/float32", "gonum", "", cube(1024), ""},
	{"per-op overhead: 20-op chain (10 × tanh(y·x), sum) on 2 float64, forward+backward", "Chain20", "hand-written", "", 0, ""},
	{"MLP step, float64, one core (pinned, GOMAXPROCS 1)", "cpu1/MLPStep/float64", "hand-written", "", 0, ""},
	{"MLP step, float32, one core (pinned, GOMAXPROCS 1)", "cpu1/MLPStep/float32", "hand-written", "", 0, ""},
	{"MLP step, float64, one core, all on OpenBLAS (-tags openblas)", "openblas/MLPStep/float64", "hand-written", "", 0, "cpu1/MLPStep/float64"},
	{"MLP step, float32, one core, all on OpenBLAS (-tags openblas)", "openblas/MLPStep/float32", "hand-written", "", 0, "cpu1/MLPStep/float32"},
	{"MatMul 1024×1024 float64, one core", "cpu1/MatMul/n=1024/float64", "gonum", "", cube(1024), ""},
	{"MatMul 1024×1024 float32, one core", "cpu1/MatMul/n=1024/float32", "gonum", "", cube(1024), ""},
	{"sum(x²·sin x), 10⁶ float32, forward, one core", "cpu1/SumX2SinX/float32/forward", "hand-written", "", 0, ""},
	{"sum(x²·sin x), 10⁶ float32, forward+backward, one core", "cpu1/SumX2SinX/float32/forward+backward", "hand-written", "", 0, ""},
	{"per-op overhead: 20-op chain on 2 float64, forward+backward, one core", "cpu1/Chain20", "hand-written", "", 0, ""},
	{"L-BFGS to ‖∇f‖ < 1e-5, chained Rosenbrock n=1000", "LBFGSRosenbrock/n=1000", "gonum", "", 0, ""},
	{"↳ with minimize.Options.Compile", "LBFGSRosenbrock/n=1000-compiled", "gonum", "", 0, ""},
	{"Hessian, Rosenbrock n=100, pairs form (gonum: central differences)", "RosenbrockHessian/n=100", "gonum", "", 0, ""},
	{"↳ compiled (nabla.Compile of the Hessian)", "RosenbrockHessian/n=100-compiled", "gonum", "", 0, ""},
	{"↳ reverse over reverse, compiled", "RosenbrockHessian/n=100-rev-over-rev-compiled", "gonum", "", 0, ""},
}

// vecFuncRows are the rows of the vectorised functions over 10⁶ elements:
// float64 and float32 with the cores of the main run, then both on one
// core.
func vecFuncRows() []row {
	var rs []row
	for _, prefix := range []string{"", "cpu1/"} {
		for _, f := range bench.VecFuncs {
			for _, dt := range []string{"float64", "float32"} {
				label := fmt.Sprintf("%s, 10⁶ %s (no gradient)", f.Name, dt)
				if prefix != "" {
					label += ", one core"
				}
				rs = append(rs, row{label, prefix + "VecFunc/" + f.Name + "/" + dt, "hand-written", "", 0, ""})
			}
		}
	}
	return rs
}

// cpu1Benchmarks are the -test.bench patterns the one-core rows run.
var cpu1Benchmarks = []string{
	"^BenchmarkMLPStep$/^float(32|64)$/^(nabla|hand-written|gorgonia)$",
	"^BenchmarkMatMul$/^n=1024$/^float(32|64)$/^(nabla|gonum)$",
	"^BenchmarkSumX2SinX$/^float32$/^forward(\\+backward)?$/^(nabla|hand-written|gorgonia)$",
	"^BenchmarkChain20$/^nabla$",
	"^BenchmarkVecFunc$/./^float(32|64)$/^(nabla|hand-written)$",
}

// fixed gives the top-level benchmarks that run with their own -benchtime
// instead of the -benchtime flag: one L-BFGS run takes most of a second.
var fixed = map[string]string{"BenchmarkLBFGSRosenbrock": "3x"}

// cnnOnly are the top-level benchmarks that only the CNN section runs.
var cnnOnly = []string{"BenchmarkConv2d", "BenchmarkConvGEMM", "BenchmarkCNNStep"}

// linalgOnly are the top-level benchmarks that only the linear-algebra
// section runs.
var linalgOnly = []string{"BenchmarkLinalg"}

// result is one benchmark line.
type result struct{ ns, bytes, allocs float64 }

func main() {
	rounds := flag.Int("rounds", 5, "number of times to run the whole set of benchmarks")
	benchtime := flag.String("benchtime", "1s", "-benchtime for each benchmark")
	pattern := flag.String("bench", ".", "-bench pattern")
	doc := flag.String("doc", "../docs/BENCHMARKS.md", "file whose marked section is rewritten")
	noWrite := flag.Bool("n", false, "print the table without writing the file")
	noTests := flag.Bool("skip-tests", false, "do not run the tests first")
	only := flag.String("only", "main,cnn,linalg,remat,dist,vmap,jet", "sections to run and rewrite, comma-separated: main (the table above), cnn (convolution and CNN step against PyTorch), linalg (solve and Cholesky against gonum), remat (checkpointing a deep MLP: peak heap and step time), dist (data-parallel epochs and allreduce), vmap (batched Jacobians and per-example gradients), jet (Taylor coefficients by Jet against nested reverse mode)")
	python := flag.String("python", "/usr/bin/python3", "the Python with torch, for the CNN section")
	flag.Parse()
	sections := map[string]bool{}
	for s := range strings.SplitSeq(*only, ",") {
		if s != "main" && s != "cnn" && s != "linalg" && s != "remat" && s != "dist" && s != "vmap" && s != "jet" {
			fmt.Fprintf(os.Stderr, "report: -only %q: sections are main, cnn, linalg, remat, dist, vmap and jet\n", *only)
			os.Exit(2)
		}
		sections[s] = true
	}
	if err := run(*rounds, *benchtime, *pattern, *doc, !*noWrite, !*noTests, sections, *python); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(rounds int, benchtime, pattern, doc string, write, tests bool, sections map[string]bool, python string) error {
	if rounds < 1 {
		return fmt.Errorf("-rounds %d: need at least one", rounds)
	}
	start, loadBefore := time.Now(), benchdoc.LoadAverage()
	if tests {
		fmt.Fprintln(os.Stderr, "go test .")
		if err := command("go", "test", "-count", "1", ".").Run(); err != nil {
			return fmt.Errorf("tests failed: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "bench-report")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bench.test")
	if err := command("go", "test", "-c", "-o", bin, ".").Run(); err != nil {
		return fmt.Errorf("compiling the benchmarks: %w", err)
	}
	if sections["main"] {
		if err := runMain(start, loadBefore, rounds, benchtime, pattern, doc, bin, dir, python, write); err != nil {
			return err
		}
	}
	if sections["vmap"] {
		s, err := runVmap(rounds, benchtime, bin)
		if err != nil {
			return err
		}
		fmt.Print("\n" + s)
		if write {
			if err := benchdoc.Rewrite(doc, vmapBegin, vmapEnd, s); err != nil {
				return err
			}
		}
	}
	if sections["jet"] {
		s, err := runJet(rounds, benchtime, bin)
		if err != nil {
			return err
		}
		fmt.Print("\n" + s)
		if write {
			if err := benchdoc.Rewrite(doc, jetBegin, jetEnd, s); err != nil {
				return err
			}
		}
	}
	if sections["cnn"] {
		s, err := runCNN(rounds, benchtime, bin, python)
		if err != nil {
			return err
		}
		fmt.Print("\n" + s)
		if write {
			if err := benchdoc.Rewrite(doc, cnnBegin, cnnEnd, s); err != nil {
				return err
			}
		}
	}
	if sections["linalg"] {
		s, err := runLinalg(rounds, benchtime, bin)
		if err != nil {
			return err
		}
		fmt.Print("\n" + s)
		if write {
			if err := benchdoc.Rewrite(doc, linalgBegin, linalgEnd, s); err != nil {
				return err
			}
		}
	}
	if sections["remat"] {
		s := runRemat(5)
		fmt.Print("\n" + s)
		if write {
			if err := benchdoc.Rewrite(doc, rematBegin, rematEnd, s); err != nil {
				return err
			}
		}
	}
	if sections["dist"] {
		s, err := runDist(rounds)
		if err != nil {
			return err
		}
		fmt.Print("\n" + s)
		if write {
			return benchdoc.Rewrite(doc, distBegin, distEnd, s)
		}
	}
	return nil
}

// runMain runs the main table's rounds with the compiled benchmarks bin (and
// an OpenBLAS build in dir), and PyTorch's side with python where it has
// torch, and rewrites its section of doc.
func runMain(start time.Time, loadBefore string, rounds int, benchtime, pattern, doc, bin, dir, python string, write bool) error {
	// A round is one run of the binary for the benchmarks at -benchtime
	// (skipping the fixed ones), then one for each fixed benchmark at its
	// own benchtime (skipping all the others).
	list, err := exec.Command(bin, "-test.list", "^Benchmark").Output()
	if err != nil {
		return fmt.Errorf("listing the benchmarks: %w", err)
	}
	var all, fixedNames []string
	for name := range strings.FieldsSeq(string(list)) {
		all = append(all, name)
		if _, ok := fixed[name]; ok {
			fixedNames = append(fixedNames, name)
		}
	}
	others := func(keep string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s == keep })
	}
	type pass struct {
		benchtime string
		skip      []string
	}
	// The CNN, linear-algebra, Vmap and Taylor-mode sections' benchmarks run in those
	// sections, not here.
	passes := []pass{{benchtime, append(append(append(append(slices.Clone(fixedNames), cnnOnly...), linalgOnly...), vmapOnly...), jetOnly...)}}
	for _, name := range fixedNames {
		passes = append(passes, pass{fixed[name], others(name)})
	}

	// The one-core rows: the MLP step with the default build and with
	// OpenBLAS under nabla, the hand-written step and Gorgonia alike (the
	// openblas tag installs it as gonum's blas64/blas32 implementation);
	// MatMul 1024, sum(x²·sin x) in float32, the per-op chain and the
	// vectorised functions (float64 and float32) with the default build. -test.cpu 1
	// sets GOMAXPROCS to 1, which bounds nabla's own goroutines, and
	// taskset pins the process to CPU 0 as PyTorch's one-thread run is.
	type extra struct {
		prefix, bin string
		patterns    []string
		env         []string
	}
	extras := []extra{{"cpu1/", bin, cpu1Benchmarks, nil}}
	if openBLAS() {
		bin2 := filepath.Join(dir, "bench-openblas.test")
		c := command("go", "test", "-c", "-tags", "openblas", "-o", bin2, ".")
		c.Env = append(os.Environ(), "CGO_LDFLAGS=-lopenblas")
		if err := c.Run(); err != nil {
			return fmt.Errorf("compiling the benchmarks with -tags openblas: %w", err)
		}
		extras = append(extras, extra{"openblas/", bin2, cpu1Benchmarks[:1], []string{"OPENBLAS_NUM_THREADS=1", "CGO_LDFLAGS=-lopenblas"}})
	} else {
		fmt.Fprintln(os.Stderr, "report: no OpenBLAS (apt-get install libopenblas-dev): its rows stay empty")
	}
	_, err = exec.LookPath("taskset")
	pin := err == nil
	if !pin {
		fmt.Fprintln(os.Stderr, "report: no taskset: the one-core runs are not pinned")
	}
	// oneCore returns the command for name with args on one core: pinned to
	// CPU 0 where taskset exists, with every thread-count variable at 1.
	oneCore := func(env []string, name string, args ...string) *exec.Cmd {
		if pin {
			args = append([]string{"-c", "0", name}, args...)
			name = "taskset"
		}
		cmd := exec.Command(name, args...)
		cmd.Env = append(append(os.Environ(), "GOMAXPROCS=1", "OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1", "MKL_NUM_THREADS=1"), env...)
		cmd.Stderr = os.Stderr
		return cmd
	}

	// PyTorch's side: the same workloads with the main run's cores,
	// unpinned, and on one core, pinned.
	torchOK, skipped := torchState(python)
	if !torchOK {
		fmt.Fprintf(os.Stderr, "report: %s (%s -c 'import torch' failed): the PyTorch column stays empty\n", skipped, python)
	}
	pyTime := "1"
	if d, err := time.ParseDuration(benchtime); err == nil {
		pyTime = strconv.FormatFloat(d.Seconds(), 'g', -1, 64)
	}
	cores := runtime.GOMAXPROCS(0)
	var torchInfo [2][]string // all cores, one core: the script's # lines
	torch := func(r int, one bool) (map[string]result, error) {
		args := []string{"pytorch/bench.py", "--benchtime", pyTime, "--only", "mlp,matmul,chain,sumsin,vecfunc"}
		if r == 0 {
			args = append(args, "--kernels")
		}
		var cmd *exec.Cmd
		if one {
			cmd = oneCore(nil, python, append(args, "--threads", "1", "--dtypes", "float32", "--vecfunc-dtypes", "float32,float64")...)
		} else {
			t := strconv.Itoa(cores)
			cmd = exec.Command(python, append(args, "--threads", t)...)
			cmd.Env = append(os.Environ(), "OMP_NUM_THREADS="+t, "OPENBLAS_NUM_THREADS="+t, "MKL_NUM_THREADS="+t)
			cmd.Stderr = os.Stderr
		}
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("round %d, PyTorch: %w\n%s", r+1, err, out)
		}
		if r == 0 {
			i := 0
			if one {
				i = 1
			}
			for line := range strings.Lines(string(out)) {
				if l, ok := strings.CutPrefix(strings.TrimSpace(line), "# "); ok && !strings.HasPrefix(l, "conv2d") {
					torchInfo[i] = append(torchInfo[i], l)
				}
			}
		}
		return parse(out), nil
	}

	// results[name][round]
	results := map[string][]result{}
	for r := range rounds {
		fmt.Fprintf(os.Stderr, "round %d of %d\n", r+1, rounds)
		for _, p := range passes {
			args := []string{"-test.run", "^$", "-test.bench", pattern,
				"-test.benchmem", "-test.benchtime", p.benchtime}
			if len(p.skip) > 0 {
				args = append(args, "-test.skip", "^("+strings.Join(p.skip, "|")+")$")
			}
			cmd := exec.Command(bin, args...)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				return fmt.Errorf("round %d: %w\n%s", r+1, err, out)
			}
			for name, res := range parse(out) {
				results[name] = append(results[name], res)
			}
		}
		for _, x := range extras {
			for _, pat := range x.patterns {
				out, err := oneCore(x.env, x.bin, "-test.run", "^$", "-test.bench", pat,
					"-test.benchmem", "-test.benchtime", benchtime, "-test.cpu", "1").Output()
				if err != nil {
					return fmt.Errorf("round %d, %s: %w\n%s", r+1, x.prefix, err, out)
				}
				for name, res := range parse(out) {
					results[x.prefix+name] = append(results[x.prefix+name], res)
				}
			}
		}
		if torchOK {
			for _, one := range []bool{false, true} {
				res, err := torch(r, one)
				if err != nil {
					return err
				}
				for name, v := range res {
					if one {
						name = "cpu1/" + name
					}
					results[name] = append(results[name], v)
				}
			}
		}
	}

	var b strings.Builder
	bt := benchtime
	for _, name := range fixedNames {
		bt += fmt.Sprintf(" (%s: %s)", strings.TrimPrefix(name, "Benchmark"), fixed[name])
	}
	fmt.Fprintf(&b, "Measured %s on %s (%d cores visible, GOMAXPROCS %d), %s, %s: %d rounds of -benchtime %s, %s in all; load average %s before, %s after.\n\n",
		time.Now().UTC().Format("2006-01-02"), cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0),
		goVersion(), runtime.GOOS+"/"+runtime.GOARCH, rounds, bt, time.Since(start).Round(time.Second),
		loadBefore, benchdoc.LoadAverage())
	pinning := "pinned to CPU 0 with `taskset -c 0`"
	if !pin {
		pinning = "not pinned (no taskset)"
	}
	fmt.Fprintf(&b, "Rows without \"one core\": nabla with GOMAXPROCS %d, PyTorch with `torch.set_num_threads(%d)` and OMP_NUM_THREADS, OPENBLAS_NUM_THREADS = %d, both unpinned. "+
		"One-core rows: %s, nabla with `-test.cpu 1` (GOMAXPROCS 1), PyTorch with `torch.set_num_threads(1)`, OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1.\n\n",
		cores, cores, cores, pinning)
	table(&b, results, torchOK)
	b.WriteString("\nKernels:\n\n")
	fmt.Fprintf(&b, "- nabla: GEMM `%s`; elementwise loops (`kernel.ElemKernel()`: add, sub, mul, div, affine, relu, square, abs) %s; float64 exp %s; sin, cos, log, tanh, sigmoid, log1p, expm1 and float32 exp (`kernel.TransKernel()`) %s.\n",
		nabla.MatMulBackend(), kernel.ElemKernel(), kernel.ExpKernel(), kernel.TransKernel())
	if torchOK {
		for i, what := range []string{fmt.Sprintf("%d threads", cores), "one thread"} {
			fmt.Fprintf(&b, "- PyTorch, %s: %s\n", what, strings.Join(torchInfo[i], "; "))
		}
	} else {
		fmt.Fprintf(&b, "- PyTorch: %s (`%s -c 'import torch'` failed): its columns are empty.\n", skipped, python)
	}
	coretype, ok := os.LookupEnv("OPENBLAS_CORETYPE")
	if !ok {
		coretype = "unset"
	}
	fmt.Fprintf(&b, "- OPENBLAS_CORETYPE (as found, not changed by the report): %s.\n", coretype)
	fmt.Print(b.String())
	if write {
		return benchdoc.Rewrite(doc, beginMarker, endMarker, b.String())
	}
	return nil
}

// openBLAS reports whether the OpenBLAS library is installed.
func openBLAS() bool {
	out, err := exec.Command("ldconfig", "-p").Output()
	return err == nil && bytes.Contains(out, []byte("libopenblas.so "))
}

// command returns cmd with its output going to stderr, so that stdout holds
// only the table.
func command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd
}

// benchLine matches "BenchmarkX/y-2   100   1234 ns/op   56 B/op   7 allocs/op".
var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op\s+([\d.]+) allocs/op)?`)

// parse returns the results in the output of one run of the benchmarks.
func parse(out []byte) map[string]result {
	res := map[string]result{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		var r result
		r.ns, _ = strconv.ParseFloat(m[2], 64)
		r.bytes, _ = strconv.ParseFloat(m[3], 64)
		r.allocs, _ = strconv.ParseFloat(m[4], 64)
		res[m[1]] = r
	}
	return res
}

// table writes the Markdown table of medians and ratios; the PyTorch
// columns say "—" where PyTorch did not run (and torchOK is false when it
// could not be imported).
func table(b *strings.Builder, results map[string][]result, torchOK bool) {
	b.WriteString("| workload | nabla | hand-written | Gorgonia | PyTorch | nabla ÷ hand-written | nabla ÷ Gorgonia | nabla ÷ PyTorch | allocs/op: nabla · hand · Gorgonia |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	ns := func(name string) []float64 {
		var v []float64
		for _, r := range results[name] {
			v = append(v, r.ns)
		}
		return v
	}
	for _, r := range append(slices.Clone(rows), vecFuncRows()...) {
		impls := []string{"nabla", r.hand, "gorgonia"}
		// full names the result of implementation impl.
		full := func(name, impl string) string {
			if impl == "pytorch" && r.torch != "" {
				return r.torch + "/pytorch"
			}
			return name + "/" + impl
		}
		label := r.label
		if r.flops > 0 {
			var g []string
			for _, impl := range []string{"nabla", r.hand, "pytorch"} {
				cell := "—"
				if t := ns(full(r.name, impl)); len(t) > 0 {
					cell = fmt.Sprintf("%.3g", r.flops/benchdoc.Median(t))
				}
				g = append(g, cell)
			}
			label += fmt.Sprintf(" (%s · %s · PyTorch %s GFLOPS)", g[0], g[1], g[2])
		}
		cells := []string{label}
		if r.over != "" {
			// Each implementation against itself on another benchmark.
			for _, impl := range append(impls, "pytorch") {
				cells = append(cells, ratioCell(ns(full(r.name, impl)), ns(full(r.over, impl))))
			}
			cells = append(cells, "", "", "", "")
		} else {
			var allocs []string
			for _, impl := range append(impls, "pytorch") {
				t := ns(full(r.name, impl))
				cell := "—"
				if len(t) > 0 {
					cell = benchdoc.Duration(benchdoc.Median(t))
					if impl == "gonum" {
						cell += " (gonum)"
					}
				}
				cells = append(cells, cell)
				if impl == "pytorch" {
					continue
				}
				a := "—"
				if rs := results[full(r.name, impl)]; len(rs) > 0 {
					var v []float64
					for _, x := range rs {
						v = append(v, x.allocs)
					}
					a = strconv.FormatFloat(benchdoc.Median(v), 'f', -1, 64)
				}
				allocs = append(allocs, a)
			}
			nabla := ns(r.name + "/nabla")
			cells = append(cells,
				ratioCell(nabla, ns(full(r.name, r.hand))),
				ratioCell(nabla, ns(full(r.name, "gorgonia"))),
				ratioCell(nabla, ns(full(r.name, "pytorch"))),
				strings.Join(allocs, " · "))
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	if !torchOK {
		b.WriteString("\nPyTorch: not measured (see Kernels below).\n")
	}
}

// ratioCell returns the median over rounds of a[i]/b[i], or "—" when either
// was not measured.
func ratioCell(a, b []float64) string {
	n := min(len(a), len(b))
	if n == 0 {
		return "—"
	}
	q := make([]float64, n)
	for i := range q {
		q[i] = a[i] / b[i]
	}
	m := benchdoc.Median(q)
	if m >= 10 {
		return fmt.Sprintf("%.0f×", m)
	}
	return fmt.Sprintf("%.2f×", m)
}

// cpuModel returns lscpu's model name, or "an unknown CPU".
func cpuModel() string {
	out, err := exec.Command("lscpu").Output()
	if err == nil {
		for line := range strings.Lines(string(out)) {
			if name, ok := strings.CutPrefix(line, "Model name:"); ok {
				return strings.TrimSpace(name)
			}
		}
	}
	return "an unknown CPU"
}

// goVersion returns the version of the go command that built the benchmarks.
func goVersion() string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}
