package train

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/nabla-go/nabla/data"
	"github.com/nabla-go/nabla/nn"
)

func smallConfig(t *testing.T) Config {
	cfg := Defaults()
	cfg.Data = "iris"
	cfg.Hidden = []int{16}
	cfg.Epochs = 4
	cfg.BatchSize = 16
	cfg.Schedule = "cosine"
	cfg.LR = 0.02
	cfg.OutDir = t.TempDir()
	return cfg
}

func weights(t *testing.T, dir string) map[string][]float64 {
	t.Helper()
	tr, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float64{}
	for name, p := range nn.StateDict(tr.Model) {
		out[name] = p.Float64s()
	}
	return out
}

// A run stopped after epoch 2 and resumed ends with the same weights, bit for
// bit, as an uninterrupted run.
func TestResumeIsExact(t *testing.T) {
	for _, dt := range []string{"float64", "float32"} {
		t.Run(dt, func(t *testing.T) {
			full := smallConfig(t)
			full.DType = dt
			if _, err := Run(context.Background(), full, Options{}); err != nil {
				t.Fatal(err)
			}
			part := full
			part.OutDir = t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if _, err := Run(ctx, part, Options{Progress: stopAfter{2, cancel}}); !errors.Is(err, ErrInterrupted) {
				t.Fatalf("interrupted run: %v", err)
			}
			res, err := Run(context.Background(), part, Options{Resume: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.Epochs != 4 || len(res.History) != 4 {
				t.Fatalf("resumed run reached epoch %d with %d history rows", res.Epochs, len(res.History))
			}
			a, b := weights(t, full.OutDir), weights(t, part.OutDir)
			for name, w := range a {
				for i := range w {
					if w[i] != b[name][i] {
						t.Fatalf("%s[%d]: uninterrupted %v, resumed %v", name, i, w[i], b[name][i])
					}
				}
			}
		})
	}
}

func TestRunWritesTheRunDirectory(t *testing.T) {
	cfg := smallConfig(t)
	var finished []EpochMetrics
	finish := func(dir string, hist []EpochMetrics) error {
		if dir != cfg.OutDir {
			t.Errorf("Finish called with %s, want %s", dir, cfg.OutDir)
		}
		if unlock, err := claim(dir, true); err == nil {
			unlock()
			if runtime.GOOS != "windows" && runtime.GOOS != "plan9" && runtime.GOOS != "js" && runtime.GOOS != "wasip1" {
				t.Error("the run directory is not locked while Finish runs")
			}
		}
		finished = hist
		return os.WriteFile(filepath.Join(dir, "loss.png"), []byte("png"), 0o644)
	}
	res, err := Run(context.Background(), cfg, Options{Finish: finish})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{CheckpointFile, "metrics.csv", "loss.png"} {
		if st, err := os.Stat(filepath.Join(cfg.OutDir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if len(finished) != cfg.Epochs || len(res.History) != cfg.Epochs {
		t.Errorf("Finish saw %d epochs, the result %d; want %d", len(finished), len(res.History), cfg.Epochs)
	}
	csv, _ := os.ReadFile(filepath.Join(cfg.OutDir, "metrics.csv"))
	if lines := strings.Count(string(csv), "\n"); lines != cfg.Epochs+1 {
		t.Errorf("metrics.csv has %d lines, want %d", lines, cfg.Epochs+1)
	}
	if res.TestAccuracy < 0.8 {
		t.Errorf("iris accuracy %v", res.TestAccuracy)
	}
	tr, test := openWithTestSet(t, cfg.OutDir)
	_, acc, conf := tr.Evaluate(test)
	if acc != res.TestAccuracy {
		t.Errorf("reloaded accuracy %v, run reported %v", acc, res.TestAccuracy)
	}
	total := 0
	for _, r := range conf {
		for _, v := range r {
			total += v
		}
	}
	if total != test.N {
		t.Errorf("confusion matrix counts %d samples, want %d", total, test.N)
	}
	if ms, _ := filepath.Glob(filepath.Join(cfg.OutDir, ".*tmp*")); len(ms) != 0 {
		t.Errorf("temporary files left: %v", ms)
	}
}

func TestInterruptKeepsLastCheckpoint(t *testing.T) {
	cfg := smallConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Run(ctx, cfg, Options{})
	if !errors.Is(err, ErrInterrupted) || !res.Interrupted || res.Epochs != 0 {
		t.Fatalf("err %v, result %+v", err, res)
	}
	// Interrupted before the first epoch ended: the epoch-0 checkpoint is
	// there, and resuming from it matches an uninterrupted run.
	if _, err := Run(context.Background(), cfg, Options{Resume: true}); err != nil {
		t.Fatal(err)
	}
	full := cfg
	full.OutDir = t.TempDir()
	if _, err := Run(context.Background(), full, Options{}); err != nil {
		t.Fatal(err)
	}
	a, b := weights(t, full.OutDir), weights(t, cfg.OutDir)
	for name, w := range a {
		for i := range w {
			if w[i] != b[name][i] {
				t.Fatalf("%s[%d]: uninterrupted %v, resumed %v", name, i, w[i], b[name][i])
			}
		}
	}
}

func TestBadInputIsAnInputError(t *testing.T) {
	cases := map[string]func(*Config){
		"dataset":    func(c *Config) { c.Data = "mnist" },
		"lr":         func(c *Config) { c.LR = -1 },
		"batch":      func(c *Config) { c.BatchSize = 0 },
		"unwritable": func(c *Config) { c.OutDir = "/proc/nabla-cannot-write-here" },
		"fashion":    func(c *Config) { c.Data = "fashion-mnist"; c.DataDir = t.TempDir() },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := smallConfig(t)
			mutate(&cfg)
			_, err := Run(context.Background(), cfg, Options{})
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T) is not an InputError", err, err)
			}
		})
	}
	_, err := Run(context.Background(), smallConfig(t), Options{Resume: true})
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("resume without checkpoint: %v", err)
	}
}

// stopAfter cancels the run's context at the end of an epoch, as Ctrl-C would.
type stopAfter struct {
	epoch  int
	cancel func()
}

func (s stopAfter) StartEpoch(int, int, int) {}
func (s stopAfter) Batch(int, float64, int)  {}
func (s stopAfter) EndEpoch(m EpochMetrics) {
	if m.Epoch == s.epoch {
		s.cancel()
	}
}

// openWithTestSet opens the run in dir and its test set, failing the test
// when either cannot be had.
func openWithTestSet(t *testing.T, dir string) (*Trained, *data.Dataset) {
	t.Helper()
	tr, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	test, err := tr.TestSet()
	if err != nil {
		t.Fatal(err)
	}
	return tr, test
}

func mustRun(t *testing.T, cfg Config, o Options) *Result {
	t.Helper()
	res, err := Run(context.Background(), cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func wantInputError(t *testing.T, err error, want string) {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an InputError", err, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not say %q", err, want)
	}
}

// craft rewrites the checkpoint of a finished run with edit applied and
// returns the new file's path.
func craft(t *testing.T, dir string, edit func(*Checkpoint)) string {
	t.Helper()
	ck, err := LoadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	edit(ck)
	path := filepath.Join(t.TempDir(), "crafted.safetensors")
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// Label smoothing changes the training loss (it never reaches zero) and
// leaves the test loss the plain cross-entropy: the same run without it
// reports a different training loss from the same first step.
func TestLabelSmoothing(t *testing.T) {
	cfg := Defaults()
	cfg.Epochs, cfg.OutDir = 1, t.TempDir()
	plain, err := Run(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.LabelSmoothing, cfg.OutDir = 0.2, t.TempDir()
	smooth, err := Run(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !(smooth.TrainLoss > plain.TrainLoss) {
		t.Errorf("training loss with label smoothing 0.2 is %v, without %v: smoothing should raise it", smooth.TrainLoss, plain.TrainLoss)
	}
	if smooth.TestAccuracy < 0.85 {
		t.Errorf("test accuracy with label smoothing after one epoch %v, want ≥ 0.85 on digits", smooth.TestAccuracy)
	}
	ck, err := Open(cfg.OutDir)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Config.LabelSmoothing != 0.2 {
		t.Errorf("checkpoint's config has label smoothing %v, want 0.2", ck.Config.LabelSmoothing)
	}
}
