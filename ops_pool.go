package nabla

import (
	"github.com/nabla-go/nabla/internal/conv"
)

// Pooling, in PyTorch's NCHW layout (a 3-D input is one sample, (C, H, W)).
// Max pooling is one linear op and its transpose: select(v, x) reads v where
// each window of x has its maximum, scatter(g, x) adds g back there, and
// MaxPool2d(x) is select(x, x). x only chooses positions (it is a constant
// of both ops), so the rules of each are the other and gradients of any
// order stay among the two. Average pooling is a fixed linear map and its
// transpose.

// PoolOptions are the settings of MaxPool2d and AvgPool2d, named as in
// PyTorch. Each of Kernel, Stride, Padding and Dilation holds one value for
// both spatial axes or one per axis (height, then width). Kernel is
// required; Stride nil means Kernel, Padding nil means 0 and Dilation nil
// means 1. Padding may be at most half the kernel size, k/2 rounded down,
// whatever the dilation: PyTorch's rule (checked against PyTorch 1.13, which
// refuses max_pool2d(x, 3, padding=2, dilation=2) although the dilated
// kernel spans 5). A window whose dilated taps all fall in the padding is
// refused (PyTorch gives −∞ for it). Dilation is MaxPool2d's only;
// ExcludePad and Divisor are AvgPool2d's only.
type PoolOptions struct {
	Kernel, Stride, Padding, Dilation []int
	// CeilMode rounds the output size up instead of down, so that a window
	// may start in the last, partial stride (but never in the padding only).
	CeilMode bool
	// ExcludePad makes AvgPool2d divide by the number of input elements in
	// the window rather than the window's size (PyTorch's
	// count_include_pad=False).
	ExcludePad bool
	// Divisor, when positive, is AvgPool2d's divisor for every window
	// (PyTorch's divisor_override).
	Divisor int
}

// poolOutSize is PyTorch's pooling output length along one axis.
func poolOutSize(in, k, s, p, d int, ceil bool) int {
	num := in + 2*p - d*(k-1) - 1
	if ceil {
		num += s - 1
	}
	out := floorDiv(num, s) + 1
	if ceil && (out-1)*s >= in+p {
		out--
	}
	return out
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// as4D returns x as (N, C, H, W) and a function that gives a result x's
// number of dimensions back.
func as4D(op string, x *Tensor) (*Tensor, func(*Tensor) *Tensor) {
	switch x.Dims() {
	case 4:
		return x, func(y *Tensor) *Tensor { return y }
	case 3:
		return Unsqueeze(x, 0), func(y *Tensor) *Tensor { return Squeeze(y, 0) }
	}
	panicf(op, "input of shape %s: want (N, C, H, W) or (C, H, W)", fmtShape(x.shape))
	return nil, nil
}

// poolGeom checks the settings of a pooling of x, (N, C, H, W) or (C, H, W),
// and returns its geometry.
func poolGeom(op string, x *Tensor, opt PoolOptions, dilation bool) conv.Pool {
	h, w := x.shape[x.Dims()-2], x.shape[x.Dims()-1]
	if h < 1 || w < 1 {
		panicf(op, "input of shape %s has an empty plane", fmtShape(x.shape))
	}
	if opt.Kernel == nil {
		panicf(op, "needs a kernel size (PoolOptions.Kernel)")
	}
	if !dilation && opt.Dilation != nil {
		panicf(op, "has no dilation")
	}
	k := perAxis(op, "kernel", opt.Kernel, 2, 0, 1)
	s := k
	if opt.Stride != nil {
		s = perAxis(op, "stride", opt.Stride, 2, 1, 1)
	}
	p := perAxis(op, "padding", opt.Padding, 2, 0, 0)
	d := perAxis(op, "dilation", opt.Dilation, 2, 1, 1)
	for i := range k {
		if p[i] > k[i]/2 {
			panicf(op, "padding %v is more than half the kernel size %v", p, k)
		}
	}
	pl := conv.Pool{Planes: x.Size() / (h * w), H: h, W: w,
		KH: k[0], KW: k[1], SH: s[0], SW: s[1], PH: p[0], PW: p[1], DH: d[0], DW: d[1]}
	pl.OH = poolOutSize(pl.H, pl.KH, pl.SH, pl.PH, pl.DH, opt.CeilMode)
	pl.OW = poolOutSize(pl.W, pl.KW, pl.SW, pl.PW, pl.DW, opt.CeilMode)
	if pl.OH < 1 || pl.OW < 1 {
		panicf(op, "input of shape %s is smaller than the %v kernel (dilation %v, padding %v): the output would be %d×%d",
			fmtShape(x.shape), k, d, p, pl.OH, pl.OW)
	}
	// A dilated window's taps may all miss the plane: PyTorch then gives −∞
	// with no gradient, a value from none of the window's inputs.
	for a, out := range []int{pl.OH, pl.OW} {
		for i := range out {
			start := i*s[a] - p[a]
			first := 0 // the first tap inside the plane
			if start < 0 {
				first = (-start + d[a] - 1) / d[a]
			}
			if first >= k[a] || start+first*d[a] >= []int{h, w}[a] {
				panicf(op, "input of shape %s: window %d along axis %d of the %v kernel (dilation %v, padding %v) holds padding only",
					fmtShape(x.shape), i, x.Dims()-2+a, k, d, p)
			}
		}
	}
	return pl
}

type maxPoolParams struct{ p conv.Pool } // Planes is the inputs'

func (m maxPoolParams) geom(x *Tensor) conv.Pool {
	p := m.p
	p.Planes = x.shape[0] * x.shape[1]
	return p
}

func (m maxPoolParams) outShape(x *Tensor) []int {
	return []int{x.shape[0], x.shape[1], m.p.OH, m.p.OW}
}

// checkPool panics unless a has shape want and x is (N, C, H, W) with the
// geometry's H and W.
func checkPool(op string, m maxPoolParams, a *Tensor, want func(*Tensor) []int, x *Tensor) DType {
	dt := checkDType(op, a, x)
	if x.Dims() != 4 || x.shape[2] != m.p.H || x.shape[3] != m.p.W || !sameShape(a.shape, want(x)) {
		panicf(op, "inputs of shapes %s and %s do not match a %d×%d pooling", fmtShape(a.shape), fmtShape(x.shape), m.p.H, m.p.W)
	}
	return dt
}

var maxPoolSelectOp, maxPoolScatterOp *Op

func init() {
	maxPoolSelectOp = Register(&Op{
		Name:  "max_pool2d_select",
		Jet:   JetLinear,
		Batch: batchSamples(0, 1),
		Forward: func(c *Ctx) *Tensor {
			v, x, m := c.Inputs[0], c.Inputs[1], c.Params.(maxPoolParams)
			dt := checkPool("max_pool2d_select", m, v, func(x *Tensor) []int { return x.shape }, x)
			out := newTensorRaw(tapeOf2(v, x), dt, m.outShape(x))
			if dt == Float32 {
				conv.MaxSelect(m.geom(x), v.f32, x.f32, out.f32)
			} else {
				conv.MaxSelect(m.geom(x), v.f64, x.f64, out.f64)
			}
			return out
		},
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			return []*Tensor{maxPoolScatterOp.Apply(c.Params, g, c.Inputs[1].Detach()), nil}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			if d[0] == nil {
				return ZerosLike(c.Output)
			}
			return maxPoolSelectOp.Apply(c.Params, d[0], c.Inputs[1].Detach())
		},
		// MaxPool2d's forward pass (select(x, x)) saves where the maxima are,
		// so that the backward pass scatters without searching again.
		SaveForward: func(c *Ctx) (out, saved *Tensor) {
			v, x, m := c.Inputs[0], c.Inputs[1], c.Params.(maxPoolParams)
			if !sameData(v, x) || m.p.H*m.p.W > 1<<24 {
				return maxPoolSelectOp.Forward(c), nil // not a max pooling, or positions inexact as floats
			}
			dt := checkPool("max_pool2d_select", m, v, func(x *Tensor) []int { return x.shape }, x)
			out = newTensorRaw(tapeOf2(v, x), dt, m.outShape(x))
			saved = newTensorRaw(tapeOf2(v, x), dt, m.outShape(x))
			if dt == Float32 {
				conv.MaxPool(m.geom(x), x.f32, out.f32, saved.f32)
			} else {
				conv.MaxPool(m.geom(x), x.f64, out.f64, saved.f64)
			}
			return out, saved
		},
		FastVJP: func(c *Ctx, g *Tensor) []*Tensor {
			if c.Saved() == nil || !sameShape(g.shape, c.Output.shape) {
				return maxPoolSelectOp.VJP(c, g)
			}
			return []*Tensor{maxPoolScatterAtOp.Apply(c.Params, g, c.Saved(), c.Inputs[1].Detach()), nil}
		},
		// Max pooling itself: v and x are one tensor's values (as in
		// MaxPool2d), which is also what the fast rules serve.
		Cases: poolCases(func(m maxPoolParams) [][]int { return [][]int{{2, 2, m.p.H, m.p.W}} }, true),
	})
	maxPoolScatterOp = Register(&Op{
		Name:  "max_pool2d_scatter",
		Jet:   JetLinear,
		Batch: batchSamples(0, 1),
		Forward: func(c *Ctx) *Tensor {
			g, x, m := c.Inputs[0], c.Inputs[1], c.Params.(maxPoolParams)
			dt := checkPool("max_pool2d_scatter", m, g, m.outShape, x)
			out := newTensorRaw(tapeOf2(g, x), dt, x.shape)
			if dt == Float32 {
				conv.MaxScatter(m.geom(x), g.f32, x.f32, out.f32)
			} else {
				conv.MaxScatter(m.geom(x), g.f64, x.f64, out.f64)
			}
			return out
		},
		VJP: func(c *Ctx, u *Tensor) []*Tensor {
			return []*Tensor{maxPoolSelectOp.Apply(c.Params, u, c.Inputs[1].Detach()), nil}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			if d[0] == nil {
				return ZerosLike(c.Output)
			}
			return maxPoolScatterOp.Apply(c.Params, d[0], c.Inputs[1].Detach())
		},
		Cases: poolCases(func(m maxPoolParams) [][]int { return [][]int{{2, 2, m.p.OH, m.p.OW}, {2, 2, m.p.H, m.p.W}} }, false),
	})
}

// sameData reports whether a and b view the same values.
func sameData(a, b *Tensor) bool {
	switch {
	case a.Size() == 0 || a.dtype != b.dtype || a.Size() != b.Size():
		return false
	case a.dtype == Float32:
		return &a.f32[0] == &b.f32[0]
	}
	return &a.f64[0] == &b.f64[0]
}

// maxPoolScatterAtOp is max_pool2d_scatter with the positions of the maxima
// that max_pool2d_select saved, for its fast backward rule; x gives only the
// shape.
var maxPoolScatterAtOp = &Op{
	Name:     "max_pool2d_scatter_at",
	constant: true,
	Forward: func(c *Ctx) *Tensor {
		g, pos, x, m := c.Inputs[0], c.Inputs[1], c.Inputs[2], c.Params.(maxPoolParams)
		out := newTensorRaw(c.tape, g.dtype, x.shape)
		if g.dtype == Float32 {
			conv.MaxScatterAt(m.geom(x), g.f32, pos.f32, out.f32)
		} else {
			conv.MaxScatterAt(m.geom(x), g.f64, pos.f64, out.f64)
		}
		return out
	},
}

// poolCases returns the max pooling cases; with pool, the op's inputs are one
// tensor and a constant view of it.
func poolCases(shapes func(maxPoolParams) [][]int, pool bool) []Case {
	opts := []struct {
		name string
		h, w int
		opt  PoolOptions
	}{
		{"2x2", 4, 4, PoolOptions{Kernel: []int{2}}},
		{"overlapping-padded", 5, 6, PoolOptions{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}}},
		{"dilated-ceil", 7, 6, PoolOptions{Kernel: []int{2, 3}, Stride: []int{2}, Dilation: []int{2, 1}, CeilMode: true}},
	}
	cases := make([]Case, len(opts))
	for i, o := range opts {
		m := maxPoolParams{poolGeom("pool", Zeros(2, 2, o.h, o.w), o.opt, true)}
		cases[i] = Case{Name: o.name, Shapes: shapes(m), Params: m, Constant: []int{1}}
		if pool {
			sh := shapes(m)[0]
			cases[i].Make = func(r *randSource) []*Tensor {
				x := Uniform(r, -2, 2, sh...)
				return []*Tensor{x, x.Detach()}
			}
		}
	}
	return cases
}

// MaxPool2d returns the maximum of each window of x, of shape (N, C, H, W) or
// (C, H, W), with PyTorch's output size. Padding counts as −∞. The gradient of
// a window goes to its first maximum in row-major order (to the last NaN if
// the window has one, which then is the maximum), as in PyTorch; unlike Max,
// tied maxima do not share it.
func MaxPool2d(x *Tensor, opt PoolOptions) *Tensor {
	x4, back := as4D("MaxPool2d", x)
	if opt.ExcludePad || opt.Divisor != 0 {
		panicf("MaxPool2d", "has no divisor: ExcludePad and Divisor (%d) are AvgPool2d's", opt.Divisor)
	}
	m := maxPoolParams{poolGeom("MaxPool2d", x, opt, true)}
	return back(maxPoolSelectOp.Apply(m, x4, x4.Detach()))
}

type avgPoolParams struct{ w conv.Windows } // Planes is the input's

func (a avgPoolParams) geom(x *Tensor) conv.Windows {
	w := a.w
	w.Planes = x.shape[0] * x.shape[1]
	return w
}

var avgPoolOp, avgPoolTransposeOp *Op

func init() {
	avgPoolOp = Register(&Op{
		Name:  "avg_pool2d",
		Jet:   JetLinear,
		Batch: batchSamples(0),
		Forward: func(c *Ctx) *Tensor {
			x, a := c.Inputs[0], c.Params.(avgPoolParams)
			if x.Dims() != 4 || x.shape[2] != a.w.H || x.shape[3] != a.w.W {
				panicf("avg_pool2d", "input of shape %s does not match a %d×%d pooling", fmtShape(x.shape), a.w.H, a.w.W)
			}
			out := newTensorRaw(live(x.tape), x.dtype, []int{x.shape[0], x.shape[1], a.w.OH, a.w.OW})
			if x.dtype == Float32 {
				conv.AvgForward(a.geom(x), x.f32, out.f32)
			} else {
				conv.AvgForward(a.geom(x), x.f64, out.f64)
			}
			return out
		},
		VJP:   func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{avgPoolTransposeOp.Apply(c.Params, g)} },
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return avgPoolOp.Apply(c.Params, d[0]) },
		Cases: avgCases(func(a avgPoolParams) []int { return []int{2, 2, a.w.H, a.w.W} }),
	})
	avgPoolTransposeOp = Register(&Op{
		Name:  "avg_pool2d_transpose",
		Jet:   JetLinear,
		Batch: batchSamples(0),
		Forward: func(c *Ctx) *Tensor {
			g, a := c.Inputs[0], c.Params.(avgPoolParams)
			if g.Dims() != 4 || g.shape[2] != a.w.OH || g.shape[3] != a.w.OW {
				panicf("avg_pool2d_transpose", "input of shape %s does not match a pooling to %d×%d", fmtShape(g.shape), a.w.OH, a.w.OW)
			}
			out := newTensorRaw(live(g.tape), g.dtype, []int{g.shape[0], g.shape[1], a.w.H, a.w.W})
			if g.dtype == Float32 {
				conv.AvgTranspose(a.geom(g), g.f32, out.f32)
			} else {
				conv.AvgTranspose(a.geom(g), g.f64, out.f64)
			}
			return out
		},
		VJP:   func(c *Ctx, u *Tensor) []*Tensor { return []*Tensor{avgPoolOp.Apply(c.Params, u)} },
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return avgPoolTransposeOp.Apply(c.Params, d[0]) },
		Cases: avgCases(func(a avgPoolParams) []int { return []int{2, 2, a.w.OH, a.w.OW} }),
	})
}

func avgCases(shape func(avgPoolParams) []int) []Case {
	x := Zeros(2, 2, 5, 7)
	ps := []struct {
		name string
		p    avgPoolParams
	}{
		{"padded-ceil", avgParams("pool", x, PoolOptions{Kernel: []int{3, 2}, Stride: []int{2}, Padding: []int{1}, CeilMode: true})},
		{"exclude-pad", avgParams("pool", x, PoolOptions{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}, ExcludePad: true})},
		{"divisor", avgParams("pool", x, PoolOptions{Kernel: []int{2}, Divisor: 3})},
		{"adaptive", adaptiveParams(x, 3, 4)},
	}
	cases := make([]Case, len(ps))
	for i, p := range ps {
		cases[i] = Case{Name: p.name, Shapes: [][]int{shape(p.p)}, Params: p.p}
	}
	return cases
}

// avgParams returns the windows of an average pooling of x, (N, C, H, W) or
// (C, H, W).
func avgParams(op string, x *Tensor, opt PoolOptions) avgPoolParams {
	if opt.Divisor < 0 {
		panicf(op, "divisor %d is negative", opt.Divisor)
	}
	g := poolGeom(op, x, opt, false)
	w := conv.Windows{H: g.H, W: g.W, OH: g.OH, OW: g.OW, Div: opt.Divisor}
	axis := func(n, in, k, s, p int) (lo, hi, div []int) {
		lo, hi, div = make([]int, n), make([]int, n), make([]int, n)
		for i := range n {
			start := i*s - p
			end := min(start+k, in+p)
			size := end - start
			start, end = max(start, 0), min(end, in)
			lo[i], hi[i], div[i] = start, end, size
			if opt.ExcludePad {
				div[i] = end - start
			}
		}
		return
	}
	w.H0, w.H1, w.DivH = axis(g.OH, g.H, g.KH, g.SH, g.PH)
	w.W0, w.W1, w.DivW = axis(g.OW, g.W, g.KW, g.SW, g.PW)
	return avgPoolParams{w}
}

// AvgPool2d returns the mean of each window of x, of shape (N, C, H, W) or
// (C, H, W), with PyTorch's output size and divisor: the window's size
// including padding, unless ExcludePad or Divisor says otherwise.
func AvgPool2d(x *Tensor, opt PoolOptions) *Tensor {
	x4, back := as4D("AvgPool2d", x)
	return back(avgPoolOp.Apply(avgParams("AvgPool2d", x, opt), x4))
}

// adaptiveParams returns the windows of PyTorch's adaptive average pooling:
// output i averages rows ⌊i·H/oh⌋ to ⌈(i+1)·H/oh⌉.
func adaptiveParams(x *Tensor, oh, ow int) avgPoolParams {
	h, w := x.shape[2], x.shape[3]
	axis := func(n, in int) (lo, hi, div []int) {
		lo, hi, div = make([]int, n), make([]int, n), make([]int, n)
		for i := range n {
			lo[i], hi[i] = i*in/n, ((i+1)*in+n-1)/n
			div[i] = hi[i] - lo[i]
		}
		return
	}
	win := conv.Windows{H: h, W: w, OH: oh, OW: ow}
	win.H0, win.H1, win.DivH = axis(oh, h)
	win.W0, win.W1, win.DivW = axis(ow, w)
	return avgPoolParams{win}
}

// AdaptiveAvgPool2d returns the averages of x, of shape (N, C, H, W) or
// (C, H, W), over an outH×outW grid of windows that cover it, as PyTorch's
// AdaptiveAvgPool2d: output row i averages input rows ⌊i·H/outH⌋ to
// ⌈(i+1)·H/outH⌉ (exclusive), and likewise for columns. AdaptiveAvgPool2d(x,
// 1, 1) is global average pooling.
func AdaptiveAvgPool2d(x *Tensor, outH, outW int) *Tensor {
	x4, back := as4D("AdaptiveAvgPool2d", x)
	if outH < 1 || outW < 1 {
		panicf("AdaptiveAvgPool2d", "output size %d×%d must be positive", outH, outW)
	}
	if x4.shape[2] < 1 || x4.shape[3] < 1 {
		panicf("AdaptiveAvgPool2d", "input of shape %s has an empty plane", fmtShape(x.shape))
	}
	return back(avgPoolOp.Apply(adaptiveParams(x4, outH, outW), x4))
}
