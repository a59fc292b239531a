package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/data"
	"github.com/nabla-go/nabla/nn"
	"github.com/nabla-go/nabla/optim"
)

// Config describes a training job. The zero value of a field means its
// default (see Defaults).
type Config struct {
	Data     string `json:"data"`               // digits, iris, wine, breast-cancer, spirals, moons, fashion-mnist
	DataDir  string `json:"data_dir"`           // for fashion-mnist; empty means the Debian package's directory
	Model    string `json:"model,omitempty"`    // mlp or cnn ("" means mlp)
	Channels []int  `json:"channels,omitempty"` // cnn: output channels of each convolution block
	Kernel   int    `json:"kernel,omitempty"`   // cnn: kernel size of the convolutions (odd)
	// Convs is the number of convolutions in each block (cnn), one entry
	// per block or one for all; each convolution but the block's last is
	// followed by its normalisation and activation, the last by the
	// normalisation, the pooling and the activation. Empty: one each.
	Convs     []int   `json:"convs,omitempty"`
	BatchNorm bool    `json:"batchnorm,omitempty"` // cnn: batch normalisation after each convolution
	Dropout   float64 `json:"dropout,omitempty"`   // dropout probability before the last layer
	// LabelSmoothing ε mixes each training target with the uniform
	// distribution, weight ε (as torch.nn.CrossEntropyLoss's
	// label_smoothing); the test loss is always the plain cross-entropy.
	LabelSmoothing float64 `json:"label_smoothing,omitempty"`
	Hidden         []int   `json:"hidden"`        // hidden layer sizes (cnn: of the dense layers after the convolutions)
	Activation     string  `json:"activation"`    // relu, tanh, sigmoid, gelu, elu, leaky-relu
	Optimizer      string  `json:"optimizer"`     // adam, adamw, sgd, rmsprop, adagrad
	LR             float64 `json:"lr"`            // learning rate
	Momentum       float64 `json:"momentum"`      // for sgd and rmsprop
	WeightDecay    float64 `json:"weight_decay"`  // L2 (adamw: decoupled); 0 is none for every optimizer
	Schedule       string  `json:"schedule"`      // none, step, exp, cosine, warmup-cosine, onecycle
	BatchSize      int     `json:"batch_size"`    // samples per step
	Epochs         int     `json:"epochs"`        // total epochs (a resumed run continues up to this)
	Seed           uint64  `json:"seed"`          // determines split, initial weights and batch order
	Clip           float64 `json:"clip"`          // clip gradients to this global norm (0: off)
	DType          string  `json:"dtype"`         // float32 or float64
	TestFraction   float64 `json:"test_fraction"` // held-out share of the data (fashion-mnist has its own test set)
	OutDir         string  `json:"out_dir"`       // run directory
	// Augment lists random transforms of the training images, for image
	// datasets (digits, fashion-mnist): "shift" (translate by up to a
	// default of max(1, side/14) pixels: 2 for 28×28, 1 for 8×8; zero fill),
	// "shift=N" (up to N pixels), "flip" (mirror left to right with
	// probability ½; wrong for digits, whose mirror images are not digits,
	// but allowed), "erase" (random erasing: with probability ½, set a
	// random rectangle of 2–40 % of the image to zero), "erase=P" (with
	// probability P). Test batches are never augmented. Empty: none.
	Augment []string `json:"augment,omitempty"`
	// Workers is the number of goroutines that train data-parallel, each on
	// a shard of every batch with a replica of the model; 0 chooses: one
	// per ½ M multiply-adds of a step's forward pass and per 32 rows of a
	// batch (per 1 M for float32 models, whose workers each run the whole
	// update), up to GOMAXPROCS, and one for models with buffers
	// (autoWorkers in parallel.go). The result is the one-worker result up to rounding, except
	// with BatchNorm, which then normalises each shard by its own
	// statistics (see parallel.go).
	Workers int `json:"workers,omitempty"`
}

// Defaults returns the configuration of `nabla train` with no flags: the
// embedded digits, an MLP with one hidden layer of 256 ReLU units, Adam, seed 1.
func Defaults() Config {
	return Config{Data: "digits", Hidden: []int{256}, Activation: "relu", Optimizer: "adam", LR: 1e-3,
		Schedule: "none", BatchSize: 32, Epochs: 30, Seed: 1, DType: "float64", TestFraction: 0.2, OutDir: "runs/digits"}
}

var (
	datasets    = []string{"digits", "iris", "wine", "breast-cancer", "spirals", "moons", "fashion-mnist"}
	activations = []string{"relu", "tanh", "sigmoid", "gelu", "elu", "leaky-relu"}
	optimizers  = []string{"adam", "adamw", "sgd", "rmsprop", "adagrad"}
	schedules   = []string{"none", "step", "exp", "cosine", "warmup-cosine", "onecycle"}
)

func oneOf(what, v string, allowed []string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return fmt.Errorf("unknown %s %q (want one of %s)", what, v, strings.Join(allowed, ", "))
}

// Validate reports the first invalid setting, naming it.
func (c Config) Validate() error {
	checks := []error{
		oneOf("dataset", c.Data, datasets),
		oneOf("model (--model)", c.model(), []string{"mlp", "cnn"}),
		oneOf("activation", c.Activation, activations),
		oneOf("optimizer", c.Optimizer, optimizers),
		oneOf("schedule", c.Schedule, schedules),
		oneOf("dtype", c.DType, []string{"float32", "float64"}),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"learning rate (--lr)", c.LR}, {"momentum (--momentum)", c.Momentum}, {"weight decay (--weight-decay)", c.WeightDecay},
		{"clip norm (--clip)", c.Clip}, {"label smoothing (--label-smoothing)", c.LabelSmoothing}, {"test fraction (--test-fraction)", c.TestFraction}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%s must be a finite number, got %v", f.name, f.v)
		}
	}
	switch {
	case !(c.LR > 0):
		return fmt.Errorf("learning rate (--lr) must be positive, got %v", c.LR)
	case c.BatchSize < 1 || c.BatchSize > MaxBatchSize:
		return fmt.Errorf("batch size (--batch-size) must be in [1, %d], got %d", MaxBatchSize, c.BatchSize)
	case c.Epochs < 1 || c.Epochs > MaxEpochs:
		return fmt.Errorf("epochs (--epochs) must be in [1, %d], got %d", MaxEpochs, c.Epochs)
	case c.Clip < 0:
		return fmt.Errorf("clip norm (--clip) must not be negative, got %v", c.Clip)
	case c.Momentum < 0 || c.Momentum >= 1:
		return fmt.Errorf("momentum (--momentum) must be in [0, 1), got %v", c.Momentum)
	case c.WeightDecay < 0:
		return fmt.Errorf("weight decay (--weight-decay) must not be negative, got %v", c.WeightDecay)
	case !(c.TestFraction > 0 && c.TestFraction < 1):
		return fmt.Errorf("test fraction (--test-fraction) must be in (0, 1), got %v", c.TestFraction)
	case c.OutDir == "":
		return fmt.Errorf("output directory is empty")
	case !(c.LabelSmoothing >= 0 && c.LabelSmoothing < 1):
		return fmt.Errorf("label smoothing (--label-smoothing) must be in [0, 1), got %v", c.LabelSmoothing)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("dropout (--dropout) must be in [0, 1), got %v", c.Dropout)
	case c.model() == "cnn" && !slices.Contains(imageDatasets, c.Data):
		return fmt.Errorf("--model cnn needs a dataset of images (%s), not %s", strings.Join(imageDatasets, ", "), c.Data)
	case c.model() == "mlp" && (len(c.Channels) > 0 || c.Kernel != 0 || c.BatchNorm || len(c.Convs) > 0):
		return fmt.Errorf("--channels, --convs, --kernel and --batchnorm are settings of --model cnn")
	case len(c.Convs) > 1 && len(c.Convs) != len(c.channels()):
		return fmt.Errorf("--convs gives %d counts for %d convolution blocks (--channels %v); give one per block, or one for all", len(c.Convs), len(c.channels()), c.channels())
	case c.Kernel != 0 && (c.Kernel < 1 || c.Kernel > MaxKernel || c.Kernel%2 == 0):
		return fmt.Errorf("kernel size (--kernel) must be odd and in [1, %d], got %d", MaxKernel, c.Kernel)
	case len(c.Channels) > MaxLayers:
		return fmt.Errorf("--channels gives %d convolution blocks, at most %d are supported", len(c.Channels), MaxLayers)
	case len(c.Hidden) > MaxLayers:
		return fmt.Errorf("--hidden gives %d layers, at most %d are supported", len(c.Hidden), MaxLayers)
	}
	for _, n := range c.Convs {
		if n < 1 || n > MaxLayers {
			return fmt.Errorf("convolutions per block (--convs) must be in [1, %d], got %v", MaxLayers, c.Convs)
		}
	}
	for _, ch := range c.Channels {
		if ch < 1 || ch > MaxChannels {
			return fmt.Errorf("channels (--channels) must be in [1, %d], got %v", MaxChannels, c.Channels)
		}
	}
	for _, h := range c.Hidden {
		if h < 1 || h > MaxHidden {
			return fmt.Errorf("hidden layer sizes (--hidden) must be in [1, %d], got %v", MaxHidden, c.Hidden)
		}
	}
	if len(c.Augment) > 0 && !slices.Contains(imageDatasets, c.Data) {
		return fmt.Errorf("--augment %s: dataset %s is not made of images; augmentation needs one of %s",
			strings.Join(c.Augment, ","), c.Data, strings.Join(imageDatasets, ", "))
	}
	if err := c.validWorkers(); err != nil {
		return err
	}
	_, err := c.augmentation([3]int{})
	return err
}

// imageDatasets are the datasets whose samples are images.
var imageDatasets = []string{"digits", "fashion-mnist"}

// MaxShift bounds the N of --augment shift=N.
const MaxShift = 1 << 10

// augmentation parses Augment for images of the given (C, H, W), or checks
// its syntax alone when image is zero.
func (c Config) augmentation(image [3]int) (data.Augmentation, error) {
	var a data.Augmentation
	seen := map[string]bool{}
	for _, item := range c.Augment {
		name, arg, hasArg := strings.Cut(item, "=")
		if seen[name] {
			return a, fmt.Errorf("--augment: %q is given twice", name)
		}
		seen[name] = true
		switch {
		case name == "flip" && !hasArg:
			a.Flip = true
		case name == "shift" && !hasArg:
			a.Shift = max(1, min(image[1], image[2])/14)
		case name == "shift":
			n, err := strconv.Atoi(arg)
			if err != nil || n < 1 || n > MaxShift {
				return a, fmt.Errorf("--augment %s: the shift must be a whole number of pixels in [1, %d]", item, MaxShift)
			}
			a.Shift = n
		case name == "erase" && !hasArg:
			a.Erase = 0.5
		case name == "erase":
			p, err := strconv.ParseFloat(arg, 64)
			if err != nil || !(p > 0 && p <= 1) {
				return a, fmt.Errorf("--augment %s: the probability of erasing must be a number in (0, 1]", item)
			}
			a.Erase = p
		default:
			return a, fmt.Errorf("--augment: unknown augmentation %q (want shift, shift=N, flip, erase or erase=P)", item)
		}
	}
	if h, w := image[1], image[2]; a.Shift > 0 && h > 0 && a.Shift >= min(h, w) {
		return a, fmt.Errorf("--augment shift=%d: a shift of %d pixels moves a %d×%d image out of sight; use at most %d", a.Shift, a.Shift, h, w, min(h, w)-1)
	}
	return a, nil
}

// Bounds of the settings: beyond them a run would not fit in memory or
// would not end in a lifetime; CheckSize bounds the model as a whole.
const (
	MaxHidden    = 1 << 20
	MaxChannels  = 1 << 14
	MaxKernel    = 31
	MaxLayers    = 64
	MaxBatchSize = 1 << 24
	MaxEpochs    = 1 << 20
	MaxClasses   = 1 << 16
)

func (c Config) dtype() nabla.DType {
	if c.DType == "float32" {
		return nabla.Float32
	}
	return nabla.Float64
}

// rng returns the generator for one purpose (split, init, shuffle), all
// derived from the seed.
func (c Config) rng(purpose uint64) *rand.Rand {
	return rand.New(rand.NewPCG(c.Seed, purpose))
}

const (
	purposeSplit = iota + 1
	purposeInit
	purposeShuffle
	purposeAugment
	purposeDropout
)

// dropoutSeed returns the seeds of the dropout masks of an epoch: reseeded
// at every epoch's start, so that a run resumed from an epoch's checkpoint
// draws the masks an uninterrupted run draws.
func (c Config) dropoutSeed(epoch int) (uint64, uint64) {
	return c.Seed, purposeDropout<<32 | uint64(epoch)
}

// loadData returns the standardised train and test sets and the scaler,
// stored in the run's dtype. Fashion-MNIST is decoded straight into it; the
// small datasets are split and standardised in float64 first, then rounded,
// which gives the values a float64 batch rounded to float32 would.
func loadData(c Config) (train, test *data.Dataset, sc data.Scaler, err error) {
	storage := data.Float64
	if c.dtype() == nabla.Float32 {
		storage = data.Float32
	}
	var ds *data.Dataset
	switch c.Data {
	case "digits":
		ds, err = data.Digits()
	case "iris":
		ds, err = data.Iris()
	case "wine":
		ds, err = data.Wine()
	case "breast-cancer":
		ds, err = data.BreastCancer()
	case "spirals":
		ds = data.Spirals(600, 3, 0.2, c.rng(purposeSplit))
	case "moons":
		ds = data.Moons(600, 0.2, c.rng(purposeSplit))
	case "fashion-mnist":
		train, test, err = data.FashionMNISTAs(c.DataDir, storage)
	}
	if err != nil {
		return nil, nil, sc, err
	}
	if ds != nil {
		train, test = ds.Split(c.TestFraction, c.rng(purposeSplit))
	}
	standardize := data.Standardize
	if c.model() == "cnn" && train.IsImage() {
		standardize = data.StandardizeChannels
	}
	if sc, err = standardize(train, test); err != nil {
		return nil, nil, sc, err
	}
	train.SetStorage(storage)
	test.SetStorage(storage)
	return train, test, sc, nil
}

func activation(name string) func() nn.Module {
	switch name {
	case "tanh":
		return nn.Tanh
	case "sigmoid":
		return nn.Sigmoid
	case "gelu":
		return nn.GELU
	case "elu":
		return func() nn.Module { return nn.ELU(1) }
	case "leaky-relu":
		return func() nn.Module { return nn.LeakyReLU(0.01) }
	}
	return nn.ReLU
}

// buildModel returns the model of c for samples of inputs features, which
// are images of shape image = (C, H, W) when image is not zero (a batch x of
// n samples then reshapes to (n, C, H, W)), and for classes classes.
//
// The dropout layer, if any, draws its masks from dropout (reseeded by the
// caller at every epoch; nil makes a source of its own).
func buildModel(c Config, inputs int, image [3]int, classes int, dropout *rand.PCG) nn.Module {
	if dropout == nil {
		dropout = rand.NewPCG(c.dropoutSeed(0))
	}
	rng, dt := c.rng(purposeInit), nn.WithDType(c.dtype())
	if c.model() != "cnn" {
		sizes := append(append([]int{inputs}, c.Hidden...), classes)
		if c.Dropout == 0 {
			return nn.MLP(sizes, activation(c.Activation), rng, dt)
		}
		// The dropout sits before the last layer, as in the CNN.
		m := nn.MLP(sizes[:len(sizes)-1], activation(c.Activation), rng, dt)
		if len(sizes) > 2 {
			m.Layers = append(m.Layers, activation(c.Activation)())
		}
		m.Layers = append(m.Layers, nn.NewDropout(c.Dropout, rand.New(dropout)), nn.NewLinear(sizes[len(sizes)-2], classes, rng, dt))
		return m
	}
	return buildCNN(c, image, classes, rng, dt, dropout)
}

// buildCNN returns the convolutional network of c for images of shape
// (C, H, W): per entry of Channels, a block of Convs k×k convolutions keeping
// the size ("same" padding), each with batch normalisation if asked and all
// but the last with the activation, then the last's activation and a 2×2
// max pooling (while the image is at least 2×2; the pooling goes first
// unless the activation is GELU, the one that is not non-decreasing, since
// the two orders are then the same function); then the dense layers of
// Hidden, with dropout before the last one. As PyTorch would name it:
// "1.weight" is the first convolution's kernel (layer 0 unflattens the rows).
func buildCNN(c Config, image [3]int, classes int, rng *rand.Rand, dt nn.Option, dropout *rand.PCG) *nn.Sequential {
	act := activation(c.Activation)
	k := c.kernel()
	s := nn.NewSequential(nn.NewUnflatten(image[:]...))
	ch, h, w := image[0], image[1], image[2]
	for b, out := range c.channels() {
		opts := []nn.Option{nn.Padding(k / 2), dt}
		if c.BatchNorm {
			opts = append(opts, nn.NoBias()) // the normalisation's shift replaces the bias
		}
		for i := range c.convs(b) {
			if i > 0 {
				s.Layers = append(s.Layers, act())
			}
			s.Layers = append(s.Layers, nn.NewConv2d(ch, out, k, rng, opts...))
			if c.BatchNorm {
				s.Layers = append(s.Layers, nn.NewBatchNorm2d(out, dt))
			}
			ch = out
		}
		if h >= 2 && w >= 2 && c.Activation != "gelu" {
			// A non-decreasing activation commutes with taking a maximum,
			// gradients included: pooling first is the same network with
			// the activation on a quarter of the values.
			s.Layers = append(s.Layers, nn.NewMaxPool2d(2), act())
			h, w = h/2, w/2
		} else {
			s.Layers = append(s.Layers, act())
			if h >= 2 && w >= 2 {
				s.Layers = append(s.Layers, nn.NewMaxPool2d(2))
				h, w = h/2, w/2
			}
		}
	}
	s.Layers = append(s.Layers, nn.Flatten{})
	prev := ch * h * w
	for _, hid := range c.Hidden {
		s.Layers = append(s.Layers, nn.NewLinear(prev, hid, rng, dt), act())
		prev = hid
	}
	if c.Dropout > 0 {
		s.Layers = append(s.Layers, nn.NewDropout(c.Dropout, rand.New(dropout)))
	}
	s.Layers = append(s.Layers, nn.NewLinear(prev, classes, rng, dt))
	return s
}

func (c Config) model() string {
	if c.Model == "" {
		return "mlp"
	}
	return c.Model
}

// convs returns the number of convolutions in block b.
func (c Config) convs(b int) int {
	switch len(c.Convs) {
	case 0:
		return 1
	case 1:
		return c.Convs[0]
	}
	return c.Convs[b]
}

func (c Config) channels() []int {
	if len(c.Channels) == 0 {
		return []int{32, 64}
	}
	return c.Channels
}

func (c Config) kernel() int {
	if c.Kernel == 0 {
		return 3
	}
	return c.Kernel
}

func buildOptimizer(c Config, params []*nabla.Tensor) *optim.Optimizer {
	var alg optim.Algorithm
	switch c.Optimizer {
	case "sgd":
		alg = optim.SGD{LR: c.LR, Momentum: c.Momentum, WeightDecay: c.WeightDecay}
	case "adamw":
		a := optim.NewAdamW(c.LR)
		a.WeightDecay = c.WeightDecay
		alg = a
	case "rmsprop":
		a := optim.NewRMSprop(c.LR)
		a.Momentum, a.WeightDecay = c.Momentum, c.WeightDecay
		alg = a
	case "adagrad":
		a := optim.NewAdagrad(c.LR)
		a.WeightDecay = c.WeightDecay
		alg = a
	default:
		a := optim.NewAdam(c.LR)
		a.WeightDecay = c.WeightDecay
		alg = a
	}
	return optim.New(params, alg)
}

func buildSchedule(c Config, stepsPerEpoch int) optim.Schedule {
	total := stepsPerEpoch * c.Epochs
	switch c.Schedule {
	case "step":
		return optim.StepDecay(max(1, total/3), 0.1)
	case "exp":
		return optim.ExponentialDecay(0.9999)
	case "cosine":
		return optim.CosineAnnealing(total, 0)
	case "warmup-cosine":
		return optim.WarmupCosine(max(1, total/20), total, 0)
	case "onecycle":
		return optim.OneCycle(total, optim.OneCycleConfig{})
	}
	return nil
}
