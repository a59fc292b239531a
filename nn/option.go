package nn

import (
	"slices"

	"github.com/nabla-go/nabla"
)

// Option configures a layer constructor. Each constructor names the options
// it takes in its doc comment; passing another one panics, so that a
// misplaced option (Stride to a Linear layer) is never silently ignored.
type Option struct {
	name string
	set  func(*config)
}

// config holds every setting an Option can make; each constructor reads the
// ones that concern it.
type config struct {
	dtype  nabla.DType
	noBias bool

	// normalisation
	eps            float64
	hasEps         bool
	momentum       float64
	hasMomentum    bool
	cumulative     bool
	noAffine       bool
	noRunningStats bool

	// convolution and pooling
	kernel        []int // from Kernel2; nil: the constructor's kernel argument
	stride        []int
	padding       []int
	dilation      []int
	outputPadding []int
	same          bool
	groups        int
	ceilMode      bool
	excludePad    bool
	divisor       int
}

// configure applies opts for the constructor op, which accepts the options
// named in allowed.
func configure(op string, opts []Option, allowed ...string) config {
	var c config
	for _, o := range opts {
		if o.set == nil {
			panicf(op, "got a zero Option; make options with the nn functions (nn.WithDType, nn.Stride, ...)")
		}
		if !slices.Contains(allowed, o.name) {
			panicf(op, "does not take the option %s (it takes %v)", o.name, allowed)
		}
		o.set(&c)
	}
	return c
}

// WithDType makes the layer's parameters (and buffers) of dtype dt (Float64
// by default); its inputs must then have that dtype too.
func WithDType(dt nabla.DType) Option {
	return Option{"WithDType", func(c *config) { c.dtype = dt }}
}

// NoBias leaves out the additive bias of Linear, LayerNorm and the
// convolutions (PyTorch's bias=False).
func NoBias() Option { return Option{"NoBias", func(c *config) { c.noBias = true }} }

// Eps sets the number a normalisation layer adds to the variance before the
// square root (1e-5 by default, as in PyTorch).
func Eps(eps float64) Option {
	if !(eps >= 0) {
		panicf("Eps", "eps %v is not ≥ 0", eps)
	}
	return Option{"Eps", func(c *config) { c.eps, c.hasEps = eps, true }}
}

// Momentum sets the weight m of the batch statistics in BatchNorm's running
// ones: running = (1−m)·running + m·batch (0.1 by default, as in PyTorch).
func Momentum(m float64) Option {
	if !(m >= 0 && m <= 1) {
		panicf("Momentum", "momentum %v is not in [0, 1]", m)
	}
	return Option{"Momentum", func(c *config) { c.momentum, c.hasMomentum, c.cumulative = m, true, false }}
}

// CumulativeAverage makes BatchNorm's running statistics the plain average
// of every batch's statistics so far (PyTorch's momentum=None: the factor is
// 1/num_batches_tracked).
func CumulativeAverage() Option {
	return Option{"CumulativeAverage", func(c *config) { c.cumulative, c.hasMomentum = true, false }}
}

// NoAffine leaves out the learnable per-channel weight and bias of a
// normalisation layer (PyTorch's affine=False).
func NoAffine() Option { return Option{"NoAffine", func(c *config) { c.noAffine = true }} }

// NoRunningStats makes BatchNorm keep no running statistics and normalise
// with the batch's own statistics in evaluation mode too (PyTorch's
// track_running_stats=False); the layer then has no buffers.
func NoRunningStats() Option {
	return Option{"NoRunningStats", func(c *config) { c.noRunningStats = true }}
}

// Kernel2 gives a 2-d convolution or pooling layer a kh×kw kernel, replacing
// the square kernel of the constructor's kernel argument.
func Kernel2(kh, kw int) Option {
	return Option{"Kernel2", func(c *config) { c.kernel = []int{kh, kw} }}
}

// Stride sets the step of a convolution or pooling window: one value for
// every spatial axis, or one per axis (1 for convolutions and the kernel size
// for pooling by default).
func Stride(s ...int) Option {
	s = slices.Clone(s)
	return Option{"Stride", func(c *config) { c.stride = s }}
}

// Padding sets the implicit zero padding added to both sides of each spatial
// axis: one value for every axis, or one per axis (0 by default). Pooling
// layers pad with −∞ (MaxPool2d) or zeros (AvgPool2d).
func Padding(p ...int) Option {
	p = slices.Clone(p)
	return Option{"Padding", func(c *config) { c.padding, c.same = p, false }}
}

// PaddingSame pads a convolution so that its output has the input's spatial
// size (PyTorch's padding="same", stride 1 only).
func PaddingSame() Option {
	return Option{"PaddingSame", func(c *config) { c.same, c.padding = true, nil }}
}

// Dilation sets the spacing between kernel elements: one value for every
// spatial axis, or one per axis (1 by default).
func Dilation(d ...int) Option {
	d = slices.Clone(d)
	return Option{"Dilation", func(c *config) { c.dilation = d }}
}

// OutputPadding adds size to one side of each spatial axis of a transposed
// convolution's output, to choose among the input sizes a strided
// convolution maps to the same size: one value for every axis, or one per
// axis (0 by default).
func OutputPadding(p ...int) Option {
	p = slices.Clone(p)
	return Option{"OutputPadding", func(c *config) { c.outputPadding = p }}
}

// Groups splits a convolution's input and output channels into g groups,
// each convolved with its own filters (1 by default; g = in = out is a
// depthwise convolution). Both channel counts must be multiples of g.
func Groups(g int) Option { return Option{"Groups", func(c *config) { c.groups = g }} }

// CeilMode makes a pooling layer round its output size up instead of down,
// so that a last, partial window is kept.
func CeilMode() Option { return Option{"CeilMode", func(c *config) { c.ceilMode = true }} }

// ExcludePadding makes AvgPool2d divide each window's sum by the number of
// input elements it covers, leaving out the padding (PyTorch's
// count_include_pad=False).
func ExcludePadding() Option {
	return Option{"ExcludePadding", func(c *config) { c.excludePad = true }}
}

// DivisorOverride makes AvgPool2d divide every window's sum by d (PyTorch's
// divisor_override).
func DivisorOverride(d int) Option {
	if d <= 0 {
		panicf("DivisorOverride", "divisor %d is not positive", d)
	}
	return Option{"DivisorOverride", func(c *config) { c.divisor = d }}
}
