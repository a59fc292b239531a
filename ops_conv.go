package nabla

import (
	"fmt"
	"slices"

	"github.com/nabla-go/nabla/internal/conv"
)

// Convolutions, in PyTorch's NCHW layout. Three ops, one trilinear form:
// with T(x, w, y) = ⟨conv2d(x, w), y⟩, each op is a partial gradient of T,
//
//	conv2d(x, w)              = ∂T/∂y
//	conv_transpose2d(y, w)    = ∂T/∂x  (the transposed convolution)
//	conv2d_weight_grad(x, y)  = ∂T/∂w
//
// so each one's VJP is the other two, and since each is bilinear its JVP is
// itself applied to one tangent at a time. Gradients of gradients therefore
// stay among these three ops. The loops are internal/conv's: im2col and
// matrix products through internal/gemm.

// ConvOptions are the settings of Conv1d, Conv2d and ConvTranspose2d, named
// as in PyTorch. Each of Stride, Padding, Dilation and OutputPadding is nil
// (stride 1, padding 0, dilation 1, output padding 0), one value for every
// spatial axis, or one value per axis (height, then width).
type ConvOptions struct {
	Stride, Padding, Dilation []int
	// OutputPadding adds rows and columns at the end of ConvTranspose2d's
	// output, to choose among the input sizes a strided convolution maps to
	// the same output size; each must be less than the stride or the
	// dilation.
	OutputPadding []int
	// Same pads so that the output has the input's size, as PyTorch's
	// padding="same": dilation·(k−1) zeros split between the two sides, the
	// odd one at the end. It needs stride 1 and excludes Padding.
	Same bool
	// Groups splits the channels into groups convolved separately (0 means
	// 1); with Groups equal to the input channels the convolution is
	// depthwise.
	Groups int
}

// perAxis returns v as one value per spatial axis, or def for nil.
func perAxis(op, name string, v []int, dims, def, least int) []int {
	out := make([]int, dims)
	switch len(v) {
	case 0:
		for i := range out {
			out[i] = def
		}
	case 1:
		for i := range out {
			out[i] = v[0]
		}
	case dims:
		copy(out, v)
	default:
		if dims == 1 {
			panicf(op, "%s %v: want one value", name, v)
		}
		panicf(op, "%s %v: want 1 or %d values", name, v, dims)
	}
	for _, x := range out {
		if x < least {
			panicf(op, "%s %v: values must be at least %d", name, v, least)
		}
	}
	return out
}

type convParams struct{ g conv.Geom } // the batch size N is the inputs'

// convGeom checks the input and weight shapes and the settings of a
// convolution over dims spatial axes and returns its geometry: x is
// (N, C, H, W) and w (F, C/G, KH, KW), or in 1-D (N, C, L) and (F, C/G, K),
// taken as a height of 1. Messages show the shapes and settings as given.
func convGeom(op string, dims int, xs, ws []int, opt ConvOptions) conv.Geom {
	if len(xs) != dims+2 || len(ws) != dims+2 {
		want := "(N, C, H, W) and (F, C/groups, kH, kW)"
		if dims == 1 {
			want = "(N, C, L) and (F, C/groups, K)"
		}
		panicf(op, "input of shape %s and weight of shape %s: want %s", fmtShape(xs), fmtShape(ws), want)
	}
	if len(opt.OutputPadding) > 0 {
		panicf(op, "OutputPadding is for ConvTranspose2d")
	}
	if opt.Groups < 0 {
		panicf(op, "groups %d is negative", opt.Groups)
	}
	if slices.Contains(xs[1:], 0) || slices.Contains(ws, 0) {
		panicf(op, "input of shape %s and weight of shape %s: only the batch may be empty", fmtShape(xs), fmtShape(ws))
	}
	g := conv.Geom{N: xs[0], C: xs[1], H: 1, W: xs[dims+1], F: ws[0], KH: 1, KW: ws[dims+1], G: max(opt.Groups, 1)}
	if dims == 2 {
		g.H, g.KH = xs[2], ws[2]
	}
	if g.C%g.G != 0 || g.F%g.G != 0 || ws[1]*g.G != g.C {
		panicf(op, "input of shape %s and weight of shape %s with %d groups: want C and F divisible by groups and weight dimension 1 = C/groups = %d",
			fmtShape(xs), fmtShape(ws), g.G, g.C/g.G)
	}
	s := perAxis(op, "stride", opt.Stride, dims, 1, 1)
	d := perAxis(op, "dilation", opt.Dilation, dims, 1, 1)
	p := perAxis(op, "padding", opt.Padding, dims, 0, 0)
	if opt.Same && (opt.Padding != nil || slices.Max(s) != 1) {
		panicf(op, "padding \"same\" needs stride 1 and no Padding (stride %v, padding %v)", opt.Stride, opt.Padding)
	}
	if dims == 1 { // the height's stride, dilation and padding
		s, d, p = []int{1, s[0]}, []int{1, d[0]}, []int{0, p[0]}
	}
	g.SH, g.SW, g.DH, g.DW = s[0], s[1], d[0], d[1]
	after := p
	if opt.Same {
		th, tw := g.DH*(g.KH-1), g.DW*(g.KW-1)
		p = []int{th / 2, tw / 2}
		after = []int{th - th/2, tw - tw/2}
	}
	g.PH, g.PW = p[0], p[1]
	g.OH = conv.OutSize(g.H, g.KH, g.SH, p[0], after[0], g.DH)
	g.OW = conv.OutSize(g.W, g.KW, g.SW, p[1], after[1], g.DW)
	if g.OH < 1 || g.OW < 1 {
		panicf(op, "input of shape %s is smaller than the kernel %v dilated by %v with padding %v: the output size would be %v",
			fmtShape(xs), ws[2:], d[2-dims:], p[2-dims:], []int{g.OH, g.OW}[2-dims:])
	}
	return g
}

// Conv2d returns the 2-D convolution (cross-correlation, as in PyTorch) of x,
// of shape (N, C, H, W), with the kernels w, of shape (F, C/groups, kH, kW):
// a tensor of shape (N, F, OH, OW) with PyTorch's output size
// OH = ⌊(H + 2·padding − dilation·(kH−1) − 1)/stride⌋ + 1. There is no bias:
// add one of shape (F, 1, 1). Gradients of any order flow to x and w.
func Conv2d(x, w *Tensor, opt ConvOptions) *Tensor {
	return conv2dOp.Apply(convParams{convGeom("Conv2d", 2, x.shape, w.shape, opt)}, x, w)
}

// Conv1d returns the 1-D convolution of x, of shape (N, C, L), with the
// kernels w, of shape (F, C/groups, K): a tensor of shape (N, F, OL). It is
// Conv2d on a height of 1.
func Conv1d(x, w *Tensor, opt ConvOptions) *Tensor {
	g := convGeom("Conv1d", 1, x.shape, w.shape, opt)
	y := conv2dOp.Apply(convParams{g}, Reshape(x, g.N, g.C, 1, g.W), Reshape(w, g.F, g.C/g.G, 1, g.KW))
	return Reshape(y, g.N, g.F, g.OW)
}

// ConvTranspose2d returns the transposed convolution of x, of shape
// (N, C, H, W), with w, of shape (C, F/groups, kH, kW): the gradient of
// Conv2d with respect to its input, which maps an H×W input to
// (H−1)·stride − 2·padding + dilation·(kH−1) + output padding + 1 rows (and
// likewise columns), as PyTorch's ConvTranspose2d. Same is not supported.
func ConvTranspose2d(x, w *Tensor, opt ConvOptions) *Tensor {
	const op = "ConvTranspose2d"
	if x.Dims() != 4 || w.Dims() != 4 {
		panicf(op, "input of shape %s and weight of shape %s: want (N, C, H, W) and (C, F/groups, kH, kW)", fmtShape(x.shape), fmtShape(w.shape))
	}
	if opt.Same {
		panicf(op, "padding \"same\" is not defined for a transposed convolution")
	}
	if slices.Contains(x.shape[1:], 0) || slices.Contains(w.shape[1:], 0) {
		panicf(op, "input of shape %s and weight of shape %s: only the batch may be empty", fmtShape(x.shape), fmtShape(w.shape))
	}
	gr := max(opt.Groups, 1)
	if opt.Groups < 0 || x.shape[1] != w.shape[0] || w.shape[0]%gr != 0 {
		panicf(op, "input of shape %s and weight of shape %s with %d groups: want weight dimension 0 = C = %d, divisible by groups",
			fmtShape(x.shape), fmtShape(w.shape), gr, x.shape[1])
	}
	s := perAxis(op, "stride", opt.Stride, 2, 1, 1)
	d := perAxis(op, "dilation", opt.Dilation, 2, 1, 1)
	p := perAxis(op, "padding", opt.Padding, 2, 0, 0)
	op2 := perAxis(op, "output padding", opt.OutputPadding, 2, 0, 0)
	kh, kw := w.shape[2], w.shape[3]
	out := [2]int{}
	for i, k := range []int{kh, kw} {
		if op2[i] >= max(s[i], d[i]) {
			panicf(op, "output padding %v must be less than the stride %v or the dilation %v", op2, s, d)
		}
		out[i] = (x.shape[2+i]-1)*s[i] - 2*p[i] + d[i]*(k-1) + op2[i] + 1
	}
	if out[0] < 1 || out[1] < 1 {
		panicf(op, "input of shape %s with a %d×%d kernel, stride %v, padding %v and dilation %v gives an output of %d×%d",
			fmtShape(x.shape), kh, kw, s, p, d, out[0], out[1])
	}
	// The convolution this transposes maps (N, F, out) to x's shape.
	g := conv.Geom{N: x.shape[0], C: w.shape[1] * gr, H: out[0], W: out[1], F: x.shape[1], KH: kh, KW: kw,
		SH: s[0], SW: s[1], PH: p[0], PW: p[1], DH: d[0], DW: d[1], G: gr, OH: x.shape[2], OW: x.shape[3]}
	return convTransposeOp.Apply(convParams{g}, x, w)
}

// checkConv panics unless the shapes of an op's two inputs are what the
// geometry says.
func checkConv(op string, g conv.Geom, a, b *Tensor, wantA, wantB func(n int) []int) int {
	if a.Dims() != 4 {
		panicf(op, "input of shape %s is not 4-D", fmtShape(a.shape))
	}
	n := a.shape[0]
	if !sameShape(a.shape, wantA(n)) || !sameShape(b.shape, wantB(n)) {
		panicf(op, "inputs of shapes %s and %s do not match the convolution's shapes %s and %s",
			fmtShape(a.shape), fmtShape(b.shape), fmtShape(wantA(n)), fmtShape(wantB(n)))
	}
	return n
}

func (p convParams) xShape(n int) []int { return []int{n, p.g.C, p.g.H, p.g.W} }
func (p convParams) wShape(int) []int   { return []int{p.g.F, p.g.C / p.g.G, p.g.KH, p.g.KW} }
func (p convParams) yShape(n int) []int { return []int{n, p.g.F, p.g.OH, p.g.OW} }

func (p convParams) String() string {
	g := p.g
	return fmt.Sprintf("%dx%d kernel, stride %dx%d, padding %dx%d, dilation %dx%d, groups %d",
		g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.DH, g.DW, g.G)
}

var conv2dOp, convTransposeOp, convWeightGradOp *Op

func init() {
	conv2dOp = Register(&Op{
		Name:  "conv2d",
		Jet:   JetBilinear,
		Batch: batchConv,
		Forward: func(c *Ctx) *Tensor {
			x, w, p := c.Inputs[0], c.Inputs[1], c.Params.(convParams)
			dt := checkDType("conv2d", x, w)
			g := p.g
			g.N = checkConv("conv2d", g, x, w, p.xShape, p.wShape)
			g.Serial = serialOn(tapeOf2(x, w))
			out := newTensorRaw(tapeOf2(x, w), dt, p.yShape(g.N))
			if dt == Float32 {
				conv.Forward(g, x.f32, w.f32, out.f32)
			} else {
				conv.Forward(g, x.f64, w.f64, out.f64)
			}
			return out
		},
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			x, w := c.Inputs[0], c.Inputs[1]
			gs := make([]*Tensor, 2)
			if c.NeedsGrad(0) {
				gs[0] = convTransposeOp.Apply(c.Params, g, w)
			}
			if c.NeedsGrad(1) {
				gs[1] = convWeightGradOp.Apply(c.Params, x, g)
			}
			return gs
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			x, w := c.Inputs[0], c.Inputs[1]
			var dx, dw *Tensor
			if d[0] != nil {
				dx = conv2dOp.Apply(c.Params, d[0], w)
			}
			if d[1] != nil {
				dw = conv2dOp.Apply(c.Params, x, d[1])
			}
			return tAdd(dx, dw)
		},
		Cases: convCases(func(p convParams) [][]int { return [][]int{p.xShape(2), p.wShape(2)} }),
	})
	convTransposeOp = Register(&Op{
		Name:  "conv_transpose2d",
		Jet:   JetBilinear,
		Batch: batchConv,
		Forward: func(c *Ctx) *Tensor {
			y, w, p := c.Inputs[0], c.Inputs[1], c.Params.(convParams)
			dt := checkDType("conv_transpose2d", y, w)
			g := p.g
			g.N = checkConv("conv_transpose2d", g, y, w, p.yShape, p.wShape)
			g.Serial = serialOn(tapeOf2(y, w))
			out := newTensorRaw(tapeOf2(y, w), dt, p.xShape(g.N))
			if dt == Float32 {
				conv.InputGrad(g, y.f32, w.f32, out.f32)
			} else {
				conv.InputGrad(g, y.f64, w.f64, out.f64)
			}
			return out
		},
		// ⟨u, conv_transpose2d(y, w)⟩ = T(u, w, y).
		VJP: func(c *Ctx, u *Tensor) []*Tensor {
			y, w := c.Inputs[0], c.Inputs[1]
			gs := make([]*Tensor, 2)
			if c.NeedsGrad(0) {
				gs[0] = conv2dOp.Apply(c.Params, u, w)
			}
			if c.NeedsGrad(1) {
				gs[1] = convWeightGradOp.Apply(c.Params, u, y)
			}
			return gs
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			y, w := c.Inputs[0], c.Inputs[1]
			var dy, dw *Tensor
			if d[0] != nil {
				dy = convTransposeOp.Apply(c.Params, d[0], w)
			}
			if d[1] != nil {
				dw = convTransposeOp.Apply(c.Params, y, d[1])
			}
			return tAdd(dy, dw)
		},
		Cases: convCases(func(p convParams) [][]int { return [][]int{p.yShape(2), p.wShape(2)} }),
	})
	convWeightGradOp = Register(&Op{
		Name:  "conv2d_weight_grad",
		Jet:   JetBilinear,
		Batch: batchConv,
		Forward: func(c *Ctx) *Tensor {
			x, y, p := c.Inputs[0], c.Inputs[1], c.Params.(convParams)
			dt := checkDType("conv2d_weight_grad", x, y)
			g := p.g
			g.N = checkConv("conv2d_weight_grad", g, x, y, p.xShape, p.yShape)
			g.Serial = serialOn(tapeOf2(x, y))
			out := newTensorRaw(tapeOf2(x, y), dt, p.wShape(0))
			if dt == Float32 {
				conv.WeightGrad(g, x.f32, y.f32, out.f32)
			} else {
				conv.WeightGrad(g, x.f64, y.f64, out.f64)
			}
			return out
		},
		// ⟨v, conv2d_weight_grad(x, y)⟩ = T(x, v, y).
		VJP: func(c *Ctx, v *Tensor) []*Tensor {
			x, y := c.Inputs[0], c.Inputs[1]
			gs := make([]*Tensor, 2)
			if c.NeedsGrad(0) {
				gs[0] = convTransposeOp.Apply(c.Params, y, v)
			}
			if c.NeedsGrad(1) {
				gs[1] = conv2dOp.Apply(c.Params, x, v)
			}
			return gs
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			x, y := c.Inputs[0], c.Inputs[1]
			var dx, dy *Tensor
			if d[0] != nil {
				dx = convWeightGradOp.Apply(c.Params, d[0], y)
			}
			if d[1] != nil {
				dy = convWeightGradOp.Apply(c.Params, x, d[1])
			}
			return tAdd(dx, dy)
		},
		Cases: convCases(func(p convParams) [][]int { return [][]int{p.xShape(2), p.yShape(2)} }),
	})
}

// batchConv batches the convolution ops. With a weight the same for every
// example, the examples' samples join into one batch of B·N samples (see
// batchSamples). With a weight per example, and for conv2d_weight_grad,
// whose result is one, each example's channels become groups of their
// own: one convolution of B·G groups, in which every group's products are
// those of the example's own convolution (the same operands, samples and
// chunks), bit for bit.
func batchConv(c *Ctx, batched []bool) *Tensor {
	if c.op != convWeightGradOp && !batched[1] {
		return batchSamples(0)(c, batched)
	}
	b := batchSize(c.Inputs, batched)
	xs := batchAll(c.Inputs, batched)
	p := c.Params.(convParams)
	q := p
	q.g.C, q.g.F, q.g.G = b*p.g.C, b*p.g.F, b*p.g.G
	// (B, N, K, H, W) → (N, B·K, H, W): example b's channels are groups
	// b·G to (b+1)·G − 1.
	grouped := func(x *Tensor) *Tensor {
		s := x.shape
		return Reshape(Permute(x, 1, 0, 2, 3, 4), s[1], s[0]*s[2], s[3], s[4])
	}
	if c.op == convWeightGradOp {
		w := c.op.Apply(q, grouped(xs[0]), grouped(xs[1])) // (B·F, C/G, KH, KW)
		return Reshape(w, append([]int{b, p.g.F}, w.shape[1:]...)...)
	}
	w := xs[1] // (B, F, C/G, KH, KW)
	y := c.op.Apply(q, grouped(xs[0]), Reshape(w, append([]int{b * w.shape[1]}, w.shape[2:]...)...))
	s := y.shape // (N, B·K, OH, OW)
	return Permute(Reshape(y, s[0], b, s[1]/b, s[2], s[3]), 1, 0, 2, 3, 4)
}

// convCases are the geometries the registry test checks each convolution
// op on, with the input shapes each op takes.
func convCases(shapes func(convParams) [][]int) []Case {
	geoms := []struct {
		name   string
		xs, ws []int
		opt    ConvOptions
	}{
		{"3x3", []int{2, 2, 4, 5}, []int{3, 2, 3, 3}, ConvOptions{}},
		{"padded-strided", []int{2, 2, 5, 5}, []int{2, 2, 3, 2}, ConvOptions{Stride: []int{2, 1}, Padding: []int{1, 2}}},
		{"dilated", []int{2, 1, 6, 6}, []int{2, 1, 2, 3}, ConvOptions{Dilation: []int{2}, Padding: []int{1}}},
		{"same-even-kernel", []int{2, 2, 4, 4}, []int{2, 2, 2, 2}, ConvOptions{Same: true}},
		{"groups", []int{2, 4, 4, 4}, []int{6, 2, 3, 3}, ConvOptions{Groups: 2, Padding: []int{1}}},
		{"depthwise", []int{2, 3, 4, 4}, []int{3, 1, 3, 3}, ConvOptions{Groups: 3, Stride: []int{2}}},
		{"1x1", []int{2, 3, 3, 3}, []int{2, 3, 1, 1}, ConvOptions{}},
	}
	cases := make([]Case, len(geoms))
	for i, gm := range geoms {
		p := convParams{convGeom("conv", 2, gm.xs, gm.ws, gm.opt)}
		cases[i] = Case{Name: gm.name, Shapes: shapes(p), Params: p}
	}
	return cases
}
