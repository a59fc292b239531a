//go:build unix

package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/nabla-go/nabla"
)

// The tests of this file are the rows of issue 13 that concern training
// runs and checkpoints.

// Row 1, 2 and 12: NaN and infinite settings, and sizes beyond memory, are
// refused before anything is written.
func TestValidateNonFiniteAndHuge(t *testing.T) {
	cases := map[string]struct {
		mutate func(*Config)
		want   string
	}{
		"sgd momentum NaN":     {func(c *Config) { c.Optimizer, c.Momentum = "sgd", math.NaN() }, "momentum (--momentum) must be a finite number"},
		"rmsprop momentum NaN": {func(c *Config) { c.Optimizer, c.Momentum = "rmsprop", math.NaN() }, "momentum"},
		"adamw decay NaN":      {func(c *Config) { c.Optimizer, c.WeightDecay = "adamw", math.NaN() }, "weight decay (--weight-decay)"},
		"lr Inf":               {func(c *Config) { c.LR = math.Inf(1) }, "learning rate (--lr) must be a finite number"},
		"decay Inf":            {func(c *Config) { c.WeightDecay = math.Inf(1) }, "weight decay"},
		"clip NaN":             {func(c *Config) { c.Clip = math.NaN() }, "clip norm (--clip)"},
		"smoothing NaN":        {func(c *Config) { c.LabelSmoothing = math.NaN() }, "label smoothing (--label-smoothing) must be a finite number"},
		"smoothing 1":          {func(c *Config) { c.LabelSmoothing = 1 }, "label smoothing (--label-smoothing) must be in [0, 1)"},
		"smoothing negative":   {func(c *Config) { c.LabelSmoothing = -0.1 }, "label smoothing (--label-smoothing) must be in [0, 1)"},
		"hidden 1e12":          {func(c *Config) { c.Hidden = []int{int(min(int64(1e12), math.MaxInt))} }, "hidden layer sizes (--hidden) must be in [1, 1048576]"},
		"hidden 1e8":           {func(c *Config) { c.Hidden = []int{1e8} }, "--hidden"},
		"test fraction":        {func(c *Config) { c.TestFraction = 0.0001 }, "splits into 150 training and 0 test samples"},
		"memory":               {func(c *Config) { c.Hidden = []int{1 << 20, 1 << 20} }, "make --hidden smaller"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := smallConfig(t)
			cfg.OutDir = filepath.Join(cfg.OutDir, "run")
			tc.mutate(&cfg)
			_, err := Run(context.Background(), cfg, Options{})
			wantInputError(t, err, tc.want)
			if _, err := os.Stat(cfg.OutDir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the run directory was created: %v", err)
			}
		})
	}
}

func editConfig(f func(m map[string]any)) func(*Checkpoint) {
	return func(ck *Checkpoint) {
		var m map[string]any
		json.Unmarshal([]byte(ck.Metadata["config"]), &m)
		f(m)
		b, _ := json.Marshal(m)
		ck.Metadata["config"] = string(b)
	}
}

// Row 3 (and 5, 11): a crafted or wrong file is an input error, never a
// panic, a hang or an allocation beyond memory.
func TestCraftedCheckpoints(t *testing.T) {
	cfg := smallConfig(t)
	mustRun(t, cfg, Options{})
	cases := map[string]struct {
		path string
		want string
	}{
		"other dataset": {craft(t, cfg.OutDir, editConfig(func(m map[string]any) { m["data"] = "wine" })), "names dataset wine (13 features, 3 classes), but its model takes 4 features and 3 classes"},
		"hidden 1e12":   {craft(t, cfg.OutDir, editConfig(func(m map[string]any) { m["hidden"] = []float64{1e12} })), "hidden layer sizes"},
		"classes 1e12":  {craft(t, cfg.OutDir, func(ck *Checkpoint) { ck.Metadata["classes"] = "1000000000000" }), `class count "1000000000000"`},
		"epoch":         {craft(t, cfg.OutDir, func(ck *Checkpoint) { ck.Metadata["epoch"] = "-3" }), `epoch "-3"`},
		"NaN weight": {craft(t, cfg.OutDir, func(ck *Checkpoint) {
			w := ck.Tensors["model.0.weight"].Float64s()
			w[5] = math.NaN()
			ck.Tensors["model.0.weight"] = nabla.FromSlice(w, ck.Tensors["model.0.weight"].Shape()...)
		}), `tensor "model.0.weight" has the value NaN at index 5`},
		"zero std": {craft(t, cfg.OutDir, func(ck *Checkpoint) {
			ck.Tensors["scaler.std"] = nabla.Zeros(ck.Tensors["scaler.std"].Shape()...)
		}), "scaler.std[0] is 0"},
		"not a checkpoint": {writeTemp(t, "passwd", "root:x:0:0:root:/root:/bin/bash\n"), "is not a run directory or a nabla checkpoint"},
		"empty directory":  {t.TempDir(), "is not a run directory: it has no checkpoint.safetensors"},
	}
	zero := filepath.Join(t.TempDir(), "zero.safetensors")
	if err := os.Symlink("/dev/zero", zero); err == nil {
		cases["symlink to /dev/zero"] = struct{ path, want string }{zero, "is not a regular file"}
	}
	fifo := filepath.Join(t.TempDir(), "fifo.safetensors")
	if err := syscall.Mkfifo(fifo, 0o600); err == nil {
		cases["fifo"] = struct{ path, want string }{fifo, "is not a regular file"}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tr, err := Open(tc.path)
			if err == nil {
				_, err = tr.TestSet()
			}
			wantInputError(t, err, tc.want)
		})
	}
	// Resuming from a checkpoint whose config names another dataset.
	dir := t.TempDir()
	os.Rename(cases["other dataset"].path, filepath.Join(dir, CheckpointFile))
	c := cfg
	c.OutDir, c.Epochs = dir, 0
	_, err := Run(context.Background(), c, Options{Resume: true})
	wantInputError(t, err, "cannot resume")
}

func writeTemp(t *testing.T, name, content string) string {
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range []string{CheckpointFile, "metrics.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	return out
}

// Row 6: a second run in a finished run's directory, without --resume, is
// refused and loses nothing, even when it would have failed; --overwrite
// starts over.
func TestFinishedRunIsNotOverwritten(t *testing.T) {
	cfg := smallConfig(t)
	mustRun(t, cfg, Options{})
	before := snapshot(t, cfg.OutDir)
	again := cfg
	again.LR = 1e308
	_, err := Run(context.Background(), again, Options{})
	wantInputError(t, err, "already holds a run")
	for f, b := range snapshot(t, cfg.OutDir) {
		if !bytes.Equal(b, before[f]) {
			t.Errorf("%s changed", f)
		}
	}
	again.LR, again.Epochs = cfg.LR, 2
	if res := mustRun(t, again, Options{Overwrite: true}); res.Epochs != 2 {
		t.Errorf("overwritten run: %d epochs", res.Epochs)
	}
}

// Row 7: a run's directory is locked; a second run is refused with the
// holder's process id, and a lock file left by a killed run does not block.
func TestRunDirectoryLock(t *testing.T) {
	cfg := smallConfig(t)
	unlock, err := lockDir(cfg.OutDir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), cfg, Options{})
	wantInputError(t, err, "is in use by another run (process ")
	_, err = Run(context.Background(), cfg, Options{Resume: true})
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("resume while locked: %v", err)
	}
	unlock()
	// What a killed run leaves: the file with its pid, no lock held.
	os.WriteFile(filepath.Join(cfg.OutDir, LockFile), []byte("999999\n"), 0o644)
	mustRun(t, cfg, Options{})
}

// Row 7, as the issue tried it: two runs at once in one directory; one of
// them is refused and the other's checkpoint is whole.
func TestTwoRunsAtOnce(t *testing.T) {
	cfg := smallConfig(t)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := Run(context.Background(), cfg, Options{})
			errs <- err
		}()
	}
	e1, e2 := <-errs, <-errs
	if (e1 == nil) == (e2 == nil) {
		t.Fatalf("want exactly one run to succeed: %v; %v", e1, e2)
	}
	if _, err := Open(cfg.OutDir); err != nil {
		t.Fatal(err)
	}
}

// Row 8: the temporary files of a run killed during a write are removed
// when the directory is next used.
func TestLeftoverTempFilesRemoved(t *testing.T) {
	cfg := smallConfig(t)
	for _, name := range []string{".checkpoint.safetensors.tmp123", ".metrics.csv.tmp-456"} {
		os.WriteFile(filepath.Join(cfg.OutDir, name), make([]byte, 1000), 0o600)
	}
	mustRun(t, cfg, Options{})
	left, _ := filepath.Glob(filepath.Join(cfg.OutDir, ".*tmp*"))
	if len(left) != 0 {
		t.Fatalf("left: %v", left)
	}
	os.WriteFile(filepath.Join(cfg.OutDir, ".checkpoint.safetensors.tmp789"), nil, 0o600)
	c := cfg
	c.Epochs = 5
	mustRun(t, c, Options{Resume: true})
	if left, _ := filepath.Glob(filepath.Join(cfg.OutDir, ".*tmp*")); len(left) != 0 {
		t.Fatalf("left after resume: %v", left)
	}
}

// Row 9: a resumed run continues to the epochs it was started with, unless
// given new ones; a finished run or a total already reached is an error.
func TestResumeKeepsItsEpochs(t *testing.T) {
	cfg := smallConfig(t)
	cfg.Epochs = 5
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := Run(ctx, cfg, Options{Progress: stopAfter{2, cancel}}); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	c := cfg
	c.Epochs = 0 // not given
	if res := mustRun(t, c, Options{Resume: true}); res.Epochs != 5 {
		t.Fatalf("resumed to epoch %d, want the run's own 5", res.Epochs)
	}
	_, err := Run(context.Background(), c, Options{Resume: true})
	wantInputError(t, err, "has finished its 5 epochs")
	c.Epochs = 3
	_, err = Run(context.Background(), c, Options{Resume: true})
	wantInputError(t, err, "is at epoch 5 already")
	c.Epochs = 6
	if res := mustRun(t, c, Options{Resume: true}); res.Epochs != 6 {
		t.Fatalf("resumed to epoch %d, want 6", res.Epochs)
	}
}

// stopMidEpoch cancels the run's context in the middle of an epoch.
type stopMidEpoch struct {
	epoch  int
	cancel func()
	cur    *int
}

func (s stopMidEpoch) StartEpoch(e, _, _ int) { *s.cur = e }
func (s stopMidEpoch) Batch(done int, _ float64, _ int) {
	if *s.cur == s.epoch && done == 3 {
		s.cancel()
	}
}
func (s stopMidEpoch) EndEpoch(EpochMetrics) {}

// Row 10: an interrupted run reports the figures of the checkpoint it kept,
// not those of the half-trained model in memory.
func TestInterruptReportsTheCheckpoint(t *testing.T) {
	cfg := smallConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := Run(ctx, cfg, Options{Progress: stopMidEpoch{3, cancel, new(int)}})
	if !errors.Is(err, ErrInterrupted) || res.Epochs != 2 {
		t.Fatalf("err %v, epochs %d", err, res.Epochs)
	}
	tr, test := openWithTestSet(t, cfg.OutDir)
	loss, acc, _ := tr.Evaluate(test)
	if tr.Epoch != 2 || acc != res.TestAccuracy || loss != res.TestLoss {
		t.Fatalf("reported loss %v acc %v; the checkpoint (epoch %d) has loss %v acc %v", res.TestLoss, res.TestAccuracy, tr.Epoch, loss, acc)
	}
}
