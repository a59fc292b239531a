package nn

import "github.com/nabla-go/nabla"

// MaxPool2d takes the maximum of each window of each channel, as PyTorch's
// nn.MaxPool2d, on inputs of shape (N, C, H, W) or (C, H, W). Padding is with
// −∞, so a padded position never wins.
type MaxPool2d struct {
	Kernel, Stride, Padding, Dilation []int // two values each: height, width
	CeilMode                          bool
}

// NewMaxPool2d returns a max pooling over kernel×kernel windows (Kernel2 for
// rectangular ones) moved by the kernel size (Stride to change it), as
// PyTorch's nn.MaxPool2d(kernel). It takes the options Kernel2, Stride,
// Padding, Dilation and CeilMode. The padding may be at most half the kernel.
func NewMaxPool2d(kernel int, opts ...Option) *MaxPool2d {
	c := configure("MaxPool2d", opts, "Kernel2", "Stride", "Padding", "Dilation", "CeilMode")
	k := poolKernel("MaxPool2d", kernel, c)
	p := &MaxPool2d{
		Kernel:   k,
		Stride:   perAxis("MaxPool2d", "stride", strideOr(c.stride, k), 2, 0, 1),
		Padding:  perAxis("MaxPool2d", "padding", c.padding, 2, 0, 0),
		Dilation: perAxis("MaxPool2d", "dilation", c.dilation, 2, 1, 1),
		CeilMode: c.ceilMode,
	}
	checkPoolPadding("MaxPool2d", k, p.Padding)
	return p
}

// poolKernel returns the kernel of a pooling layer: kernel×kernel, or
// Kernel2's.
func poolKernel(op string, kernel int, c config) []int {
	k := []int{kernel, kernel}
	if c.kernel != nil {
		k = c.kernel
	}
	if k[0] <= 0 || k[1] <= 0 {
		panicf(op, "kernel size %v is not positive", k)
	}
	return k
}

// strideOr returns the stride option, or the kernel if it was not given:
// pooling windows do not overlap by default.
func strideOr(stride, kernel []int) []int {
	if stride == nil {
		return kernel
	}
	return stride
}

// checkPoolPadding panics unless each padding is at most half its kernel
// size, PyTorch's rule: beyond it a window could cover padding only.
func checkPoolPadding(op string, kernel, padding []int) {
	for i := range kernel {
		if 2*padding[i] > kernel[i] {
			panicf(op, "padding %v is more than half the kernel size %v", padding, kernel)
		}
	}
}

// Forward returns the pooled x.
func (p *MaxPool2d) Forward(x *nabla.Tensor) *nabla.Tensor {
	return nabla.MaxPool2d(x, nabla.PoolOptions{Kernel: p.Kernel, Stride: p.Stride, Padding: p.Padding,
		Dilation: p.Dilation, CeilMode: p.CeilMode})
}

// Parameters returns nil: pooling learns nothing.
func (p *MaxPool2d) Parameters() []Param { return nil }

// AvgPool2d takes the mean of each window of each channel, as PyTorch's
// nn.AvgPool2d, on inputs of shape (N, C, H, W) or (C, H, W). By default the
// zero padding counts in each window's size (count_include_pad=True).
type AvgPool2d struct {
	Kernel, Stride, Padding []int // two values each: height, width
	CeilMode                bool
	ExcludePadding          bool // divide by the number of input elements only
	Divisor                 int  // if positive, divide every sum by it
}

// NewAvgPool2d returns an average pooling over kernel×kernel windows
// (Kernel2 for rectangular ones) moved by the kernel size (Stride to change
// it), as PyTorch's nn.AvgPool2d(kernel). It takes the options Kernel2,
// Stride, Padding, CeilMode, ExcludePadding and DivisorOverride. The padding
// may be at most half the kernel.
func NewAvgPool2d(kernel int, opts ...Option) *AvgPool2d {
	c := configure("AvgPool2d", opts, "Kernel2", "Stride", "Padding", "CeilMode", "ExcludePadding", "DivisorOverride")
	k := poolKernel("AvgPool2d", kernel, c)
	p := &AvgPool2d{
		Kernel:         k,
		Stride:         perAxis("AvgPool2d", "stride", strideOr(c.stride, k), 2, 0, 1),
		Padding:        perAxis("AvgPool2d", "padding", c.padding, 2, 0, 0),
		CeilMode:       c.ceilMode,
		ExcludePadding: c.excludePad,
		Divisor:        c.divisor,
	}
	checkPoolPadding("AvgPool2d", k, p.Padding)
	return p
}

// Forward returns the pooled x.
func (p *AvgPool2d) Forward(x *nabla.Tensor) *nabla.Tensor {
	return nabla.AvgPool2d(x, nabla.PoolOptions{Kernel: p.Kernel, Stride: p.Stride, Padding: p.Padding,
		CeilMode: p.CeilMode, ExcludePad: p.ExcludePadding, Divisor: p.Divisor})
}

// Parameters returns nil: pooling learns nothing.
func (p *AvgPool2d) Parameters() []Param { return nil }

// AdaptiveAvgPool2d averages each channel over OutH×OutW windows that tile
// the input whatever its size, as PyTorch's nn.AdaptiveAvgPool2d: output
// cell (i, j) averages rows ⌊i·H/OutH⌋ to ⌈(i+1)·H/OutH⌉ − 1 and likewise
// columns. With 1×1 it is global average pooling.
type AdaptiveAvgPool2d struct {
	OutH, OutW int
}

// NewAdaptiveAvgPool2d returns an adaptive average pooling to outH×outW, as
// PyTorch's nn.AdaptiveAvgPool2d((outH, outW)).
func NewAdaptiveAvgPool2d(outH, outW int) *AdaptiveAvgPool2d {
	if outH <= 0 || outW <= 0 {
		panicf("AdaptiveAvgPool2d", "output size %d×%d is not positive", outH, outW)
	}
	return &AdaptiveAvgPool2d{outH, outW}
}

// Forward returns x pooled to (N, C, OutH, OutW), or (C, OutH, OutW).
func (p *AdaptiveAvgPool2d) Forward(x *nabla.Tensor) *nabla.Tensor {
	return nabla.AdaptiveAvgPool2d(x, p.OutH, p.OutW)
}

// Parameters returns nil: pooling learns nothing.
func (p *AdaptiveAvgPool2d) Parameters() []Param { return nil }
