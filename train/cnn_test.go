package train

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/nn"
)

func cnnConfig(t *testing.T, dt string) Config {
	cfg := Defaults()
	cfg.Model, cfg.Channels, cfg.BatchNorm, cfg.Dropout = "cnn", []int{4, 6}, true, 0.2
	cfg.Hidden = []int{16}
	cfg.Augment = []string{"shift"}
	cfg.Epochs, cfg.BatchSize, cfg.DType = 3, 64, dt
	cfg.OutDir = t.TempDir()
	return cfg
}

// A CNN with batch normalisation, dropout and augmentation stopped after an
// epoch and resumed ends with the weights and running statistics of an
// uninterrupted run, bit for bit.
func TestCNNResumeIsExact(t *testing.T) {
	for _, dt := range []string{"float64", "float32"} {
		t.Run(dt, func(t *testing.T) {
			full := cnnConfig(t, dt)
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
			a, b := weights(t, full.OutDir), weights(t, part.OutDir)
			for _, name := range []string{"1.weight", "2.running_mean", "2.running_var", "2.num_batches_tracked"} {
				if _, ok := a[name]; !ok {
					t.Fatalf("no %s in the state dict: %v", name, keys(a))
				}
			}
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

func keys(m map[string][]float64) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// The digits CNN of the README reaches the floor, and the checkpoint
// it writes evaluates to the accuracy the run reported.
func TestDigitsCNNAccuracy(t *testing.T) {
	cfg := Defaults()
	cfg.Model, cfg.BatchNorm, cfg.Epochs = "cnn", true, 8
	cfg.OutDir = t.TempDir()
	res, err := Run(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.TestAccuracy < 0.98 {
		t.Errorf("digits CNN test accuracy %.4f, want ≥ 0.98", res.TestAccuracy)
	}
	tr, err := Open(cfg.OutDir)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := tr.TestSet()
	if err != nil {
		t.Fatal(err)
	}
	if _, acc, _ := tr.Evaluate(ds); acc != res.TestAccuracy {
		t.Errorf("the checkpoint evaluates to %v, the run reported %v", acc, res.TestAccuracy)
	}
}

func TestCNNSettingsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Model = "resnet" }, "unknown model"},
		{func(c *Config) { c.Model, c.Data = "cnn", "iris" }, "--model cnn needs a dataset of images"},
		{func(c *Config) { c.Channels = []int{8} }, "settings of --model cnn"},
		{func(c *Config) { c.Model, c.Kernel = "cnn", 4 }, "kernel size (--kernel) must be odd"},
		{func(c *Config) { c.Model, c.Channels = "cnn", []int{8, 0} }, "channels (--channels) must be in"},
		{func(c *Config) { c.Dropout = 1 }, "dropout (--dropout) must be in [0, 1)"},
		{func(c *Config) { c.Convs = []int{2} }, "--channels, --convs, --kernel and --batchnorm are settings of --model cnn"},
		{func(c *Config) { c.Model, c.Convs = "cnn", []int{1, 2, 1} }, "--convs gives 3 counts for 2 convolution blocks (--channels [32 64])"},
		{func(c *Config) { c.Model, c.Convs = "cnn", []int{0} }, "convolutions per block (--convs) must be in [1, 64]"},
	} {
		cfg := Defaults()
		cfg.OutDir = t.TempDir()
		tc.edit(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one containing %q", cfg, err, tc.want)
		}
	}
}

// The CNN pools before its activation; for every non-decreasing activation
// that is the function, and the gradients, of pooling after it, bit for bit
// (ReLU included: a window of non-positive values sends no gradient either
// way).
func TestCNNPoolBeforeActivation(t *testing.T) {
	for _, act := range []string{"relu", "tanh", "sigmoid", "elu", "leaky-relu"} {
		for _, dt := range []string{"float64", "float32"} {
			cfg := cnnConfig(t, dt)
			cfg.Activation, cfg.Dropout = act, 0
			pooled := buildModel(cfg, 64, [3]int{1, 8, 8}, 10, nil).(*nn.Sequential)
			after := nn.NewSequential(slices.Clone(pooled.Layers)...) // the same layers, so the same weights
			swapped := 0
			for i := 0; i+1 < len(after.Layers); i++ {
				if _, ok := after.Layers[i].(*nn.MaxPool2d); ok {
					after.Layers[i], after.Layers[i+1] = after.Layers[i+1], after.Layers[i]
					swapped++
					i++
				}
			}
			if swapped != len(cfg.Channels) {
				t.Fatalf("%s: %d poolings swapped, want %d", act, swapped, len(cfg.Channels))
			}
			r := nabla.NewRand(5)
			x := nabla.Uniform(r, -2, 2, 12, 64).As(cfg.dtype())
			w := nabla.Uniform(r, -1, 1, 12, 10).As(cfg.dtype())
			params := nn.Tensors(pooled)
			run := func(m nn.Module) []float64 {
				out := m.Forward(x)
				vals := slices.Clone(out.Float64s())
				for _, g := range nabla.Gradients([]*nabla.Tensor{nabla.Sum(nabla.Mul(out, w))}, params) {
					vals = append(vals, g.Float64s()...)
				}
				return vals
			}
			a, b := run(pooled), run(after)
			for i := range a {
				if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
					t.Fatalf("%s %s: value %d of the outputs and gradients is %v pooling first, %v pooling after", act, dt, i, a[i], b[i])
				}
			}
		}
	}
}

// --convs puts that many convolutions in each block, each with its
// normalisation, the activation between them, and the block's pooling and
// activation after the last; one count applies to every block.
func TestCNNConvsPerBlock(t *testing.T) {
	kinds := func(m nn.Module) string {
		var out []string
		for _, l := range m.(*nn.Sequential).Layers {
			switch l.(type) {
			case *nn.Conv:
				out = append(out, "conv")
			case *nn.BatchNorm:
				out = append(out, "bn")
			case *nn.MaxPool2d:
				out = append(out, "pool")
			case *nn.Linear:
				out = append(out, "linear")
			}
		}
		return strings.Join(out, " ")
	}
	cfg := cnnConfig(t, "float64")
	cfg.Convs = []int{1, 2}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	m := buildModel(cfg, 64, [3]int{1, 8, 8}, 10, nil)
	if got, want := kinds(m), "conv bn pool conv bn conv bn pool linear linear"; got != want {
		t.Errorf("--convs 1,2: layers %q, want %q", got, want)
	}
	if got := m.(*nn.Sequential).Layers[8].(*nn.Conv).Weight.Shape(); !slices.Equal(got, []int{6, 6, 3, 3}) {
		t.Errorf("second convolution of block 2: kernel %v, want [6 6 3 3]", got)
	}
	cfg.Convs = []int{2}
	if got, want := kinds(buildModel(cfg, 64, [3]int{1, 8, 8}, 10, nil)), "conv bn conv bn pool conv bn conv bn pool linear linear"; got != want {
		t.Errorf("--convs 2: layers %q, want %q", got, want)
	}
	cfg.Convs = nil
	if got, want := kinds(buildModel(cfg, 64, [3]int{1, 8, 8}, 10, nil)), "conv bn pool conv bn pool linear linear"; got != want {
		t.Errorf("no --convs: layers %q, want %q", got, want)
	}
	// It trains and resumes like any CNN.
	cfg.Convs, cfg.Epochs = []int{1, 2}, 1
	if _, err := Run(context.Background(), cfg, Options{}); err != nil {
		t.Fatal(err)
	}
	tr, err := Open(cfg.OutDir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := kinds(tr.Model), "conv bn pool conv bn conv bn pool linear linear"; got != want {
		t.Errorf("reopened: layers %q, want %q", got, want)
	}
}

// A CNN's inputs are standardised per channel (one mean and deviation for
// all pixels, as torchvision's Normalize), an MLP's per pixel.
func TestCNNStandardisesPerChannel(t *testing.T) {
	for _, model := range []string{"cnn", "mlp"} {
		cfg := cnnConfig(t, "float64")
		if model == "mlp" {
			cfg.Model, cfg.Channels, cfg.BatchNorm = "mlp", nil, false
		}
		_, _, sc, err := loadData(cfg)
		if err != nil {
			t.Fatal(err)
		}
		distinct := map[float64]bool{}
		for _, s := range sc.Std {
			distinct[s] = true
		}
		if model == "cnn" && len(distinct) != 1 || model == "mlp" && len(distinct) < 10 {
			t.Errorf("%s: %d distinct deviations over the 64 pixels of digits", model, len(distinct))
		}
	}
}
