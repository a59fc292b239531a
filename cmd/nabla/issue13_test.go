//go:build unix

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/nabla-go/nabla/data"
	"github.com/nabla-go/nabla/train"
)

// The tests of this file are the rows of issue 13 as the command line shows
// them; the train, data and minimize packages test the same rows below it.

// wantExit runs the command line and checks the exit code and that stderr
// is one line (an expression's caret display aside) without a stack trace.
func wantExit(t *testing.T, want int, args ...string) (stdout, stderr string) {
	t.Helper()
	done := make(chan struct{})
	var code int
	go func() {
		defer close(done)
		code, stdout, stderr = runCLI(t, args...)
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%q: no answer after 60 s", args)
	}
	if code != want {
		t.Fatalf("%q: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, want, stdout, stderr)
	}
	if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
		t.Fatalf("%q: stack trace: %s", args, stderr)
	}
	if want != 0 && !strings.Contains(stderr, "^") && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("%q: want one line on stderr, got %q", args, stderr)
	}
	return stdout, stderr
}

func wantSay(t *testing.T, stderr string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(stderr, p) {
			t.Errorf("stderr %q does not say %q", stderr, p)
		}
	}
}

// trainSmall trains iris for 3 epochs in a new directory and returns it.
func trainSmall(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	wantExit(t, 0, "train", "--data", "iris", "--hidden", "8", "--epochs", "3", "--lr", "0.02", "-q", "-o", dir)
	return dir
}

// Rows 1, 2, 12: bad numbers in flags are usage errors, and nothing is
// written.
func TestRow01_02_12NumericTrainFlags(t *testing.T) {
	cases := []struct {
		args []string
		say  string
	}{
		{[]string{"--optimizer", "sgd", "--momentum", "NaN"}, "momentum (--momentum) must be a finite number"},
		{[]string{"--optimizer", "rmsprop", "--momentum", "NaN"}, "--momentum"},
		{[]string{"--optimizer", "adamw", "--weight-decay", "NaN"}, "--weight-decay"},
		{[]string{"--hidden", "1000000000000"}, "--hidden"},
		{[]string{"--hidden", "100000000"}, "--hidden"},
		{[]string{"--hidden", "1048576,1048576"}, "make --hidden smaller"},
		{[]string{"--lr", "Inf"}, "--lr"},
		{[]string{"--weight-decay", "Inf"}, "--weight-decay"},
		{[]string{"--clip", "NaN"}, "--clip"},
		{[]string{"--test-fraction", "0.0001"}, "0 test samples"},
		{[]string{"--epochs", "-1"}, "--epochs"},
		{[]string{"--batch-size", "0"}, "--batch-size"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			args := append([]string{"train", "--data", "iris", "-q", "-o", dir}, tc.args...)
			_, stderr := wantExit(t, 2, args...)
			wantSay(t, stderr, tc.say)
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("%s was created", dir)
			}
		})
	}
}

// Row 12: a 0-image IDX set is refused before anything is written.
func TestRow12EmptyIDX(t *testing.T) {
	data := t.TempDir()
	writeIDX := func(name string, dims ...int) {
		b := []byte{0, 0, 8, byte(len(dims))}
		for _, d := range dims {
			b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
		}
		os.WriteFile(filepath.Join(data, name), gzBytes(b), 0o644)
	}
	for _, part := range []string{"train", "t10k"} {
		writeIDX(part+"-images-idx3-ubyte.gz", 0, 28, 28)
		writeIDX(part+"-labels-idx1-ubyte.gz", 0)
	}
	dir := filepath.Join(t.TempDir(), "run")
	wantExit(t, 2, "train", "--data", "fashion-mnist", "--data-dir", data, "-q", "-o", dir)
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("%s was created", dir)
	}
}

// Row 3: crafted checkpoints give a usage error in eval, predict and
// --resume, never a panic.
func TestRow03CraftedCheckpoint(t *testing.T) {
	dir := trainSmall(t)
	craft := func(edit func(ck *train.Checkpoint)) string {
		ck, err := train.LoadCheckpoint(dir)
		if err != nil {
			t.Fatal(err)
		}
		edit(ck)
		out := filepath.Join(t.TempDir(), "run")
		os.Mkdir(out, 0o755)
		if err := ck.Save(filepath.Join(out, train.CheckpointFile)); err != nil {
			t.Fatal(err)
		}
		return out
	}
	config := func(key string, v any) func(*train.Checkpoint) {
		return func(ck *train.Checkpoint) {
			var m map[string]any
			json.Unmarshal([]byte(ck.Metadata["config"]), &m)
			m[key] = v
			b, _ := json.Marshal(m)
			ck.Metadata["config"] = string(b)
		}
	}
	for name, edit := range map[string]func(*train.Checkpoint){
		"dataset":  config("data", "digits"),
		"hidden":   config("hidden", []float64{1e12}),
		"momentum": config("momentum", -1),
		"classes":  func(ck *train.Checkpoint) { ck.Metadata["classes"] = "1000000000000" },
	} {
		t.Run(name, func(t *testing.T) {
			run := craft(edit)
			wantExit(t, 2, "eval", run)
			wantExit(t, 2, "predict", run)
			wantExit(t, 2, "train", "--resume", "-q", "-o", run, "--epochs", "5")
		})
	}
}

// Row 4: the graph of 200 (or 800) variables is drawn in bounded memory or
// refused with advice; the Graphviz source is always written.
func TestRow04LargeGraph(t *testing.T) {
	graphArgs := func(n int, out string) []string {
		terms := make([]string, n)
		args := []string{"graph", "", "-o", out}
		for i := range terms {
			terms[i] = fmt.Sprintf("v%d*w", i)
			args = append(args, "--at", fmt.Sprintf("v%d=%d", i, i))
		}
		args[1] = "sum(" + strings.Join(terms, "+") + ")"
		return append(args, "--at", "w=2")
	}
	dir := t.TempDir()
	wantExit(t, 0, graphArgs(200, filepath.Join(dir, "g.png"))...)
	_, stderr := wantExit(t, 2, graphArgs(800, filepath.Join(dir, "g800.svg"))...)
	wantSay(t, stderr, "too many to draw", ".dot")
	wantExit(t, 0, graphArgs(800, filepath.Join(dir, "g800.dot"))...)
	if w, h := pngSize(t, filepath.Join(dir, "g.png")); w*h > maxPixels {
		t.Errorf("PNG of %d×%d pixels", w, h)
	}
}

// Row 5: eval of a symlink to /dev/zero, or of a FIFO, is refused at once.
func TestRow05DevicesAndFIFOs(t *testing.T) {
	dir := t.TempDir()
	zero := filepath.Join(dir, "zero.safetensors")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Skip(err)
	}
	_, stderr := wantExit(t, 2, "eval", zero)
	wantSay(t, stderr, "not a regular file")
	fifo := filepath.Join(dir, "run")
	os.Mkdir(fifo, 0o755)
	if err := syscall.Mkfifo(filepath.Join(fifo, train.CheckpointFile), 0o600); err != nil {
		t.Skip(err)
	}
	_, stderr = wantExit(t, 2, "eval", fifo)
	wantSay(t, stderr, "not a regular file")
	// predict --input /dev/zero ends with an error, not a hang.
	run := trainSmall(t)
	_, stderr = wantExit(t, 2, "predict", run, "--input", "/dev/zero")
	wantSay(t, stderr, "not a text file")
}

// Row 6: a second train into a finished run's directory is refused and
// loses nothing, even when it would have failed.
func TestRow06SecondRunRefused(t *testing.T) {
	dir := trainSmall(t)
	ck, _ := os.ReadFile(filepath.Join(dir, train.CheckpointFile))
	csv, _ := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	_, stderr := wantExit(t, 2, "train", "--data", "iris", "--lr", "1e308", "-q", "-o", dir)
	wantSay(t, stderr, "already holds a run", "--resume", "--overwrite")
	ck2, _ := os.ReadFile(filepath.Join(dir, train.CheckpointFile))
	csv2, _ := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if string(ck) != string(ck2) || string(csv) != string(csv2) {
		t.Fatal("the finished run's files changed")
	}
	wantExit(t, 2, "train", "--resume", "--overwrite", "-o", dir)
	wantExit(t, 0, "train", "--data", "iris", "--hidden", "8", "--epochs", "1", "-q", "-o", dir, "--overwrite")
}

// Row 9: --resume continues to the run's own epochs and warns about the
// flags it ignores.
func TestRow09ResumeWarnsAndKeepsEpochs(t *testing.T) {
	dir := trainSmall(t)
	_, stderr := wantExit(t, 2, "train", "--resume", "-o", dir)
	wantSay(t, stderr, "has finished its 3 epochs")
	code, out, stderr := runCLI(t, "train", "--resume", "-o", dir, "--epochs", "4", "--lr", "0.5", "-q", "--json")
	if code != 0 || !strings.Contains(stderr, "warning: --lr is ignored") || !strings.Contains(lastLine(out), `"epochs":4`) {
		t.Fatalf("exit %d: %s%s", code, out, stderr)
	}
}

// Row 11: NaN output is an error with exit 1, and --json output is JSON.
func TestRow11PredictNonFinite(t *testing.T) {
	dir := trainSmall(t)
	csv := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(csv, []byte("-1.79e308,3.5,1.4,0.2\n"), 0o644)
	_, stderr := wantExit(t, 2, "predict", dir, "--input", csv, "--json")
	wantSay(t, stderr, "row 1, feature 1")
	out, _ := wantExit(t, 0, "predict", dir, "--json")
	var v map[string]any
	if err := json.Unmarshal([]byte(lastLine(out)), &v); err != nil {
		t.Fatalf("--json: %v in %q", err, lastLine(out))
	}
}

// Row 14: an expression that starts with '-' goes anywhere among the flags.
func TestRow14LeadingMinus(t *testing.T) {
	for _, args := range [][]string{
		{"grad", "-x^2", "--at", "x=3"},
		{"grad", "--", "-x^2", "--at", "x=3"},
		{"grad", "--at", "x=3", "-x^2"},
		{"grad", "--at=x=3", "--json", "-x^2"},
		{"hessian", "-x^2", "--at", "x=3"},
		{"check", "-x^2", "--at", "x=3"},
		{"jacobian", "-x^2; -x", "--at", "x=3"},
		{"graph", "-x^2", "--at", "x=3"},
		{"minimize", "-exp(-x^2)", "--from", "x=1"},
	} {
		out, _ := wantExit(t, 0, args...)
		if args[0] == "grad" && !strings.Contains(out, "-6") {
			t.Errorf("%q: %s", args, out)
		}
	}
	wantExit(t, 2, "grad", "-x^2", "--at", "x=3", "-y")
}

// Row 15: a constant has a value and an empty gradient.
func TestRow15Constants(t *testing.T) {
	for _, c := range []string{"grad", "hessian", "check", "graph", "jacobian"} {
		out, _ := wantExit(t, 0, c, "2+3")
		if c != "graph" && !strings.Contains(out, "5") {
			t.Errorf("%s: %s", c, out)
		}
	}
	out, _ := wantExit(t, 0, "grad", "2+3", "--json")
	if lastLine(out) != `{"grad":{},"value":5}` {
		t.Errorf("%s", lastLine(out))
	}
}

// Rows 16 and 17: check's flags are validated, and a failure at x ± h
// names the step.
func TestRow16_17Check(t *testing.T) {
	for _, f := range [][]string{{"--step", "0"}, {"--step", "NaN"}, {"--atol", "-1"}, {"--rtol", "Inf"}, {"--atol", "NaN"}} {
		_, stderr := wantExit(t, 2, append([]string{"check", "x^2", "--at", "x=1"}, f...)...)
		wantSay(t, stderr, f[0])
	}
	_, stderr := wantExit(t, 2, "check", "log(x)", "--at", "x=1e-7")
	wantSay(t, stderr, "x − h", "--step")
	wantExit(t, 0, "check", "log(x)", "--at", "x=1e-7", "--step", "1e-10")
}

// Row 18: minimize validates its flags before the run and exits 1 when the
// minimisation fails.
func TestRow18Minimize(t *testing.T) {
	cases := [][]string{
		{"--plot", "/proc/x.svg"},
		{"--plot", filepath.Join(t.TempDir(), "missing", "x.svg")},
		{"--maxiter", "-1"},
		{"--gtol", "NaN"},
		{"--gtol", "-1"},
	}
	for _, c := range cases {
		out, stderr := wantExit(t, 2, append([]string{"minimize", "x^2+y^2", "--from", "x=1", "--from", "y=1"}, c...)...)
		wantSay(t, stderr, c[0])
		if strings.Contains(out, "iter") {
			t.Errorf("%v: ran before refusing", c)
		}
	}
	_, stderr := wantExit(t, 1, "minimize", "(1-x)^2 + 100*(y-x^2)^2", "--from", "x=-1.2", "--from", "y=1", "--maxiter", "2")
	wantSay(t, stderr, "status 1")
}

// Row 19: CG on Powell's badly scaled function now converges.
func TestRow19CGPowell(t *testing.T) {
	wantExit(t, 0, "minimize", "(1e4*x*y - 1)^2 + (exp(-x) + exp(-y) - 1.0001)^2", "--from", "x=0", "--from", "y=1", "--method", "cg")
}

// Row 20: a non-finite derivative is flagged, exit 1, unless --raw.
func TestRow20NonFiniteDerivative(t *testing.T) {
	// 0^x has derivative 0 (the limit from above, as PyTorch gives).
	out, _ := wantExit(t, 0, "grad", "0^x", "--at", "x=2", "--json")
	if lastLine(out) != `{"grad":{"x":0},"value":0}` {
		t.Errorf("%s", lastLine(out))
	}
	wantExit(t, 0, "hessian", "0^x", "--at", "x=2")
	// A derivative that is not finite is flagged: exit 1 unless --raw.
	_, stderr := wantExit(t, 1, "grad", "sqrt(x)", "--at", "x=0")
	wantSay(t, stderr, "∂f/∂x = +Inf", "--raw")
	out, _ = wantExit(t, 0, "grad", "sqrt(x)", "--at", "x=0", "--raw", "--json")
	if lastLine(out) != `{"grad":{"x":null},"value":0}` {
		t.Errorf("%s", lastLine(out))
	}
	wantExit(t, 1, "hessian", "sqrt(x)", "--at", "x=0")
}

// Row 21: messages in nabla's words.
func TestRow21Messages(t *testing.T) {
	_, stderr := wantExit(t, 2, "grad", "x*1e400", "--at", "x=1")
	wantSay(t, stderr, "number 1e400 is out of range")
	terms := make([]string, 8000)
	for i := range terms {
		terms[i] = "x"
	}
	_, stderr = wantExit(t, 2, "grad", strings.Join(terms, "+"), "--at", "x=1")
	wantSay(t, stderr, "expression too long")
	dir := filepath.Join(t.TempDir(), "dir.svg")
	os.Mkdir(dir, 0o755)
	_, stderr = wantExit(t, 2, "graph", "x", "--at", "x=1", "-o", dir)
	wantSay(t, stderr, "is a directory")
	passwd := filepath.Join(t.TempDir(), "passwd")
	os.WriteFile(passwd, []byte("root:x:0:0::/root:/bin/sh\n"), 0o644)
	_, stderr = wantExit(t, 2, "eval", passwd)
	wantSay(t, stderr, "is not a run directory or a nabla checkpoint")
	for _, s := range []string{"strconv", "maximum allowed nodes", ".tmp", "not a directory"} {
		if strings.Contains(stderr, s) {
			t.Errorf("stderr says %q", s)
		}
	}
}

// Row 22: graph and --plot files are created with the umask's mode.
func TestRow22FileModes(t *testing.T) {
	dir := t.TempDir()
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	saved := umask
	umask = 0o027
	defer func() { umask = saved }()
	g, p := filepath.Join(dir, "g.svg"), filepath.Join(dir, "p.svg")
	wantExit(t, 0, "graph", "x^2", "--at", "x=1", "-o", g)
	wantExit(t, 0, "minimize", "x^2+y^2", "--from", "x=1", "--from", "y=1", "--plot", p)
	for _, f := range []string{g, p} {
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v, want 0640 (%v)", f, st.Mode().Perm(), err)
		}
	}
}

// A panic that escapes a command is an internal error: exit 3, one line.
func TestPanicIsInternalError(t *testing.T) {
	testCommands = append(testCommands, func() *cobra.Command {
		return &cobra.Command{Use: "boom", RunE: func(*cobra.Command, []string) error { panic("boom") }}
	})
	defer func() { testCommands = testCommands[:len(testCommands)-1] }()
	code, _, stderr := runCLI(t, "boom")
	if code != 3 || !strings.Contains(stderr, "internal error, please report") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("exit %d: %q", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	out, _ := wantExit(t, 0, "--version")
	if !strings.HasPrefix(out, "nabla version ") {
		t.Errorf("%q", out)
	}
}

func gzBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func pngSize(t *testing.T, path string) (w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	return c.Width, c.Height
}

// The validation layer: values of variables and numeric flags are said to be
// wrong in nabla's words, naming the flag.
func TestFlagValuesInNablasWords(t *testing.T) {
	for _, tc := range []struct {
		args []string
		say  string
	}{
		{[]string{"grad", "x", "--at", "x=NaN"}, "--at x: the value NaN is not a finite number"},
		{[]string{"minimize", "x^2", "--from", "x=Inf"}, "--from x: the value +Inf is not a finite number"},
		{[]string{"train", "--seed", "-1"}, `--seed "-1": expected an integer ≥ 0`},
		{[]string{"train", "--lr", "1e999"}, `--lr "1e999": out of range: expected a number`},
		{[]string{"train", "--hidden", "a"}, "comma-separated list of integers"},
	} {
		_, stderr := wantExit(t, 2, tc.args...)
		wantSay(t, stderr, tc.say)
		if strings.Contains(stderr, "strconv") {
			t.Errorf("%q: %s", tc.args, stderr)
		}
	}
}

// Row 13: float IDX data with NaN or infinite pixels is refused, naming the
// file and the index, before anything is written.
func TestRow13NonFiniteIDX(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		dir := t.TempDir()
		write := func(name string, typ byte, dims []int, values []float64) {
			var b bytes.Buffer
			if err := data.WriteIDX(&b, typ, dims, values); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, name), gzBytes(b.Bytes()), 0o644)
		}
		pixels := make([]float64, 4*2*2)
		pixels[6] = bad
		labels := []float64{0, 1, 0, 1}
		for _, part := range []string{"train", "t10k"} {
			write(part+"-images-idx3-ubyte.gz", data.IDXFloat32, []int{4, 2, 2}, pixels)
			write(part+"-labels-idx1-ubyte.gz", data.IDXUint8, []int{4}, labels)
		}
		out := filepath.Join(t.TempDir(), "run")
		_, stderr := wantExit(t, 2, "train", "--data", "fashion-mnist", "--data-dir", dir, "-q", "-o", out)
		wantSay(t, stderr, "train-images-idx3-ubyte.gz: value 6 (sample 1, element 2) is "+fmt.Sprint(bad))
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s was created", out)
		}
	}
}

// Rows 7 and 8: two runs at once in one directory: one is refused (exit 2)
// and the other's run is whole; temporary files of a killed run are removed.
func TestRow07_08RunDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	os.Mkdir(dir, 0o755)
	leftover := filepath.Join(dir, ".checkpoint.safetensors.tmp123")
	os.WriteFile(leftover, make([]byte, 1000), 0o600)
	codes := make(chan int, 2)
	for range 2 {
		go func() {
			code, _, _ := runCLI(t, "train", "--data", "iris", "--hidden", "8", "--epochs", "3", "-q", "-o", dir)
			codes <- code
		}()
	}
	a, b := <-codes, <-codes
	if a+b != 2 || a*b != 0 {
		t.Fatalf("exit codes %d and %d, want 0 and 2", a, b)
	}
	wantExit(t, 0, "eval", dir)
	if _, err := os.Stat(leftover); err == nil {
		t.Error("the leftover temporary file is still there")
	}
}
