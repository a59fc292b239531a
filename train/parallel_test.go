package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/nabla-go/nabla"
)

// relDiff returns max|a−b| / max|a| over the tensors of two state dicts.
func relDiff(t *testing.T, a, b map[string][]float64) float64 {
	t.Helper()
	worst := 0.0
	for name, x := range a {
		y, ok := b[name]
		if !ok || len(y) != len(x) {
			t.Fatalf("tensor %s missing or of another size", name)
		}
		var d, m float64
		for i := range x {
			d = max(d, math.Abs(x[i]-y[i]))
			m = max(m, math.Abs(x[i]))
		}
		if m > 0 {
			worst = max(worst, d/m)
		}
	}
	return worst
}

func parallelConfig(t *testing.T, workers int) Config {
	cfg := Defaults()
	cfg.Hidden = []int{32}
	cfg.Epochs = 2
	cfg.BatchSize = 30 // shards of 15, 10 and 7 or 8 rows: uneven on purpose
	cfg.Workers = workers
	cfg.OutDir = t.TempDir()
	return cfg
}

// TestWorkersMatchOneWorker is the equivalence of data parallelism: the
// same global batch and seed give the weights of one worker, to 1e-12
// relative in float64, with augmentation and dropout too.
func TestWorkersMatchOneWorker(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Config)
	}{
		{"plain", func(*Config) {}},
		{"augment+dropout+clip+smoothing", func(c *Config) {
			c.Augment, c.Dropout, c.Clip, c.LabelSmoothing = []string{"shift"}, 0.3, 1, 0.1
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			one := parallelConfig(t, 1)
			tc.set(&one)
			if _, err := Run(context.Background(), one, Options{}); err != nil {
				t.Fatal(err)
			}
			want := weights(t, one.OutDir)
			for _, n := range []int{2, 3, 4} {
				cfg := parallelConfig(t, n)
				tc.set(&cfg)
				res, err := Run(context.Background(), cfg, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if d := relDiff(t, want, weights(t, cfg.OutDir)); d > 1e-12 || math.IsNaN(d) {
					t.Errorf("workers %d: weights differ from one worker's by %.3g relative", n, d)
				} else {
					t.Logf("workers %d: %.3g relative to one worker (test accuracy %.4f)", n, d, res.TestAccuracy)
				}
			}
		})
	}
}

// TestWorkersResumeIsExact: a data-parallel run interrupted and resumed
// ends bit for bit where an uninterrupted one does.
func TestWorkersResumeIsExact(t *testing.T) {
	full := parallelConfig(t, 2)
	full.Epochs = 3
	if _, err := Run(context.Background(), full, Options{}); err != nil {
		t.Fatal(err)
	}
	part := full
	part.OutDir = t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := Run(ctx, part, Options{Progress: stopAfter{1, cancel}}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	if _, err := Run(context.Background(), part, Options{Resume: true}); err != nil {
		t.Fatal(err)
	}
	if d := relDiff(t, weights(t, full.OutDir), weights(t, part.OutDir)); d != 0 {
		t.Errorf("resumed run differs from the uninterrupted one by %.3g relative", d)
	}
}

// TestWorkersStopTogether: an error met by the workers (a loss that is no
// number) ends the run with the error, not a hang.
func TestWorkersStopTogether(t *testing.T) {
	cfg := parallelConfig(t, 2)
	cfg.LR = 1e6
	cfg.Optimizer = "sgd"
	_, err := Run(context.Background(), cfg, Options{})
	if err == nil || !strings.Contains(err.Error(), "loss") {
		t.Fatalf("error %v, want one about the loss", err)
	}
}

func TestWorkersValidation(t *testing.T) {
	cfg := parallelConfig(t, 64)
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--workers 64") {
		t.Errorf("--workers above --batch-size: error %v", err)
	}
	cfg.Workers = -1
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--workers") {
		t.Errorf("--workers -1: error %v", err)
	}
}

// mallocsPerStep returns the heap allocations of a run's epochs after the
// first, per step.
func mallocsPerStep(t *testing.T, workers int) float64 {
	t.Helper()
	count := func(epochs int) uint64 {
		cfg := parallelConfig(t, workers)
		cfg.Epochs = epochs
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := Run(context.Background(), cfg, Options{}); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.Mallocs - before.Mallocs
	}
	one, three := count(1), count(3)
	steps := 2 * (1437 + 29) / 30 // digits: 1437 training samples, batches of 30
	return float64(three-one) / float64(steps)
}

// TestWorkersAllocations: a step's allocations do not grow with the
// workers beyond each worker's own few (its batch's labels, its graph's
// nodes), and the gradient buffers are not allocated per step.
func TestWorkersAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("trains several times")
	}
	one, two := mallocsPerStep(t, 1), mallocsPerStep(t, 2)
	t.Logf("allocations per step: %.1f with one worker, %.1f with two", one, two)
	if two > 2*one+16 {
		t.Errorf("two workers allocate %.1f times per step, one worker %.1f: more than each worker's share", two, one)
	}
}

// TestAutoWorkers: --workers 0 trains a model whose step is small (the
// digits MLP at its default batch) with one worker, a large one with as
// many as the cores allow, gives float32 models twice the work per worker,
// and keeps to one worker for batch normalisation.
func TestAutoWorkers(t *testing.T) {
	auto := func(edit func(*Config), procs int) int {
		t.Helper()
		cfg := Defaults()
		cfg.OutDir = t.TempDir()
		edit(&cfg)
		j, err := newJob(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return j.autoWorkers(procs)
	}
	wide := func(c *Config) { c.Hidden, c.BatchSize = []int{2048}, 128 } // 151 k multiply-adds a sample, 19 M a step
	cases := []struct {
		name  string
		edit  func(*Config)
		procs int
		want  int
	}{
		{"digits MLP, batch 32", func(*Config) {}, 2, 1},
		{"digits MLP, batch 64", func(c *Config) { c.BatchSize = 64 }, 2, 2},
		{"digits MLP, batch 128", func(c *Config) { c.BatchSize = 128 }, 2, 2},
		{"digits MLP, batch 128, 64 cores", func(c *Config) { c.BatchSize = 128 }, 64, 4}, // 32-row shards
		{"wide MLP, 1 core", wide, 1, 1},
		{"wide MLP, 2 cores", wide, 2, 2},
		{"wide MLP, 64 cores", wide, 64, 4}, // 32-row shards
		{"wide MLP, float32", func(c *Config) { wide(c); c.DType = "float32" }, 2, 2},
		{"digits MLP, float32, batch 64", func(c *Config) { c.DType, c.BatchSize = "float32", 64 }, 2, 1},
		{"digits MLP, float32, batch 128", func(c *Config) { c.DType, c.BatchSize = "float32", 128 }, 2, 2},
		{"CNN with batch normalisation", func(c *Config) { c.Model, c.BatchNorm, c.DType, c.BatchSize = "cnn", true, "float64", 128 }, 2, 1},
	}
	for _, c := range cases {
		if got := auto(c.edit, c.procs); got != c.want {
			t.Errorf("%s on %d cores: %d workers, want %d", c.name, c.procs, got, c.want)
		}
	}
}

// BenchmarkShardGradient bounds what two workers can gain on the digits
// MLP at small batches: the gradient step of a shard (the default digits
// job's step, on the calling goroutine's kernels) on 32 and 16 rows, on
// one goroutine, and on 16 rows on two goroutines at once, each with its
// own replica and nothing shared (ns/op is then per step of each). The
// last is what each of two workers would take with free communication
// (docs/DISTRIBUTED.md, "Batch 32 stays above 0.65×").
func BenchmarkShardGradient(b *testing.B) {
	step := func(b *testing.B, rows int) func() {
		j, err := newJob(Defaults())
		if err != nil {
			b.Fatal(err)
		}
		j.tape = nabla.NewTape()
		j.tape.SetSerial(true)
		idx := make([]int, rows)
		for i := range idx {
			idx[i] = i * 7
		}
		return func() { j.step(j.train, idx) }
	}
	for _, rows := range []int{32, 16} {
		b.Run(fmt.Sprintf("rows=%d/goroutines=1", rows), func(b *testing.B) {
			f := step(b, rows)
			b.ReportAllocs()
			for b.Loop() {
				f()
			}
		})
	}
	b.Run("rows=16/goroutines=2", func(b *testing.B) {
		fs := []func(){step(b, 16), step(b, 16)}
		b.ResetTimer()
		var wg sync.WaitGroup
		for _, f := range fs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range b.N {
					f()
				}
			}()
		}
		wg.Wait()
	})
}
