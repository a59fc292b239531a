package nn

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/nabla-go/nabla"
)

// Conv is a convolution layer: PyTorch's nn.Conv1d, nn.Conv2d or
// nn.ConvTranspose2d, made by NewConv1d, NewConv2d or NewConvTranspose2d. It
// takes inputs of shape (N, C, L) or (N, C, H, W), or a single unbatched
// sample (C, L) or (C, H, W), computes the convolution with nabla's Conv1d,
// Conv2d or ConvTranspose2d and adds the bias to each output channel. Padding
// is with zeros (PyTorch's padding_mode="zeros").
type Conv struct {
	// Weight is (out, in/Groups, k...) for a convolution and
	// (in, out/Groups, kH, kW) for a transposed one, as in PyTorch.
	Weight *nabla.Tensor
	Bias   *nabla.Tensor // (out), or nil with NoBias

	// One value per spatial axis each.
	Stride, Padding, Dilation []int
	OutputPadding             []int // ConvTranspose2d only; nil for the others
	Same                      bool  // padding="same"; Padding is then unused
	Groups                    int

	kind string // "Conv1d", "Conv2d" or "ConvTranspose2d"
}

// NewConv1d returns a 1-d convolution from in to out channels with a kernel
// of the given size, as PyTorch's nn.Conv1d(in, out, kernel), initialised as
// PyTorch does (see NewConv2d). It takes the options Stride, Padding,
// PaddingSame, Dilation, Groups, NoBias and WithDType.
func NewConv1d(in, out, kernel int, rng *rand.Rand, opts ...Option) *Conv {
	c := configure("Conv1d", opts, "Stride", "Padding", "PaddingSame", "Dilation", "Groups", "NoBias", "WithDType")
	return newConv("Conv1d", in, out, []int{kernel}, rng, c)
}

// NewConv2d returns a 2-d convolution from in to out channels with a
// kernel×kernel kernel (Kernel2 for a rectangular one), as PyTorch's
// nn.Conv2d(in, out, kernel). The weight is drawn as PyTorch's default,
// kaiming_uniform_ with a = √5, which is U(−b, b) with b = 1/√fanIn, and the
// bias from the same U(−b, b), where fanIn = in/groups·kH·kW. It takes the
// options Kernel2, Stride, Padding, PaddingSame, Dilation, Groups, NoBias and
// WithDType.
func NewConv2d(in, out, kernel int, rng *rand.Rand, opts ...Option) *Conv {
	c := configure("Conv2d", opts, "Kernel2", "Stride", "Padding", "PaddingSame", "Dilation", "Groups", "NoBias", "WithDType")
	k := []int{kernel, kernel}
	if c.kernel != nil {
		k = c.kernel
	}
	return newConv("Conv2d", in, out, k, rng, c)
}

// NewConvTranspose2d returns a 2-d transposed convolution (the gradient of a
// convolution with respect to its input, sometimes called a deconvolution)
// from in to out channels, as PyTorch's nn.ConvTranspose2d(in, out, kernel).
// Its weight is (in, out/groups, kH, kW) and, as in PyTorch, fanIn for the
// initialisation is computed from that shape: out/groups·kH·kW. It takes the
// options Kernel2, Stride, Padding, OutputPadding, Dilation, Groups, NoBias
// and WithDType.
func NewConvTranspose2d(in, out, kernel int, rng *rand.Rand, opts ...Option) *Conv {
	c := configure("ConvTranspose2d", opts, "Kernel2", "Stride", "Padding", "OutputPadding", "Dilation", "Groups", "NoBias", "WithDType")
	k := []int{kernel, kernel}
	if c.kernel != nil {
		k = c.kernel
	}
	return newConv("ConvTranspose2d", in, out, k, rng, c)
}

func newConv(kind string, in, out int, kernel []int, rng *rand.Rand, c config) *Conv {
	needRand(kind, rng)
	n := len(kernel)
	groups := max(c.groups, 1)
	switch {
	case c.groups < 0:
		panicf(kind, "groups %d is negative", c.groups)
	case in <= 0 || out <= 0:
		panicf(kind, "needs positive channel counts, got %d → %d", in, out)
	case in%groups != 0 || out%groups != 0:
		panicf(kind, "channels %d → %d do not split into %d groups", in, out, groups)
	}
	for _, k := range kernel {
		if k <= 0 {
			panicf(kind, "kernel size %v is not positive", kernel)
		}
	}
	l := &Conv{
		Stride:   perAxis(kind, "stride", c.stride, n, 1, 1),
		Padding:  perAxis(kind, "padding", c.padding, n, 0, 0),
		Dilation: perAxis(kind, "dilation", c.dilation, n, 1, 1),
		Same:     c.same,
		Groups:   groups,
		kind:     kind,
	}
	if c.same && slices.ContainsFunc(l.Stride, func(s int) bool { return s != 1 }) {
		panicf(kind, "padding \"same\" needs stride 1, got stride %v", l.Stride)
	}
	shape := append([]int{out, in / groups}, kernel...)
	if kind == "ConvTranspose2d" {
		l.OutputPadding = perAxis(kind, "output padding", c.outputPadding, n, 0, 0)
		for i, p := range l.OutputPadding {
			if p >= l.Stride[i] && p >= l.Dilation[i] {
				panicf(kind, "output padding %v must be smaller than the stride %v or the dilation %v", l.OutputPadding, l.Stride, l.Dilation)
			}
		}
		shape = append([]int{in, out / groups}, kernel...)
	}
	l.Weight = param(c.dtype, shape...)
	KaimingUniform(l.Weight, math.Sqrt(5), rng)
	if !c.noBias {
		l.Bias = param(c.dtype, out)
		fanIn, _ := fans(kind, l.Weight)
		b := 1 / math.Sqrt(float64(fanIn))
		Uniform(l.Bias, -b, b, rng)
	}
	return l
}

// perAxis expands the values of an option to one per spatial axis: nil gives
// def and a single value serves every axis. Each value must be at least min.
func perAxis(op, what string, v []int, n, def, min int) []int {
	out := make([]int, n)
	switch len(v) {
	case 0:
		for i := range out {
			out[i] = def
		}
	case 1:
		for i := range out {
			out[i] = v[0]
		}
	case n:
		copy(out, v)
	default:
		panicf(op, "%s %v has %d values; give one, or one per spatial axis (%d)", what, v, len(v), n)
	}
	for _, x := range out {
		if x < min {
			panicf(op, "%s %v must be at least %d", what, v, min)
		}
	}
	return out
}

// InChannels returns the number of input channels.
func (l *Conv) InChannels() int {
	if l.kind == "ConvTranspose2d" {
		return l.Weight.Dim(0)
	}
	return l.Weight.Dim(1) * l.Groups
}

// OutChannels returns the number of output channels.
func (l *Conv) OutChannels() int {
	if l.kind == "ConvTranspose2d" {
		return l.Weight.Dim(1) * l.Groups
	}
	return l.Weight.Dim(0)
}

// Forward returns the convolution of x with the weight, plus the bias.
func (l *Conv) Forward(x *nabla.Tensor) *nabla.Tensor {
	spatial := l.Weight.Dims() - 2
	switch {
	case x.Dims() == spatial+1: // one unbatched sample
		return nabla.Squeeze(l.Forward(nabla.Unsqueeze(x, 0)), 0)
	case x.Dims() != spatial+2 || x.Dim(1) != l.InChannels():
		want := map[int]string{1: "(N, C, L)", 2: "(N, C, H, W)"}[spatial]
		panicf(l.kind, "input of shape %v is not %s with C = %d", x.Shape(), want, l.InChannels())
	}
	opt := nabla.ConvOptions{Stride: l.Stride, Padding: l.Padding, Dilation: l.Dilation,
		OutputPadding: l.OutputPadding, Same: l.Same, Groups: l.Groups}
	if l.Same {
		opt.Padding = nil
	}
	var y *nabla.Tensor
	switch l.kind {
	case "Conv1d":
		y = nabla.Conv1d(x, l.Weight, opt)
	case "Conv2d":
		y = nabla.Conv2d(x, l.Weight, opt)
	default:
		y = nabla.ConvTranspose2d(x, l.Weight, opt)
	}
	if l.Bias != nil {
		y = nabla.Add(y, nabla.Reshape(l.Bias, channelShape(y)...))
	}
	return y
}

// Parameters returns "weight" and, unless NoBias was given, "bias".
func (l *Conv) Parameters() []Param {
	ps := []Param{{"weight", l.Weight}}
	if l.Bias != nil {
		ps = append(ps, Param{"bias", l.Bias})
	}
	return ps
}
