package nabla

import (
	"math"

	"github.com/nabla-go/nabla/internal/kernel"
)

// Batch normalisation with the batch's statistics, as one op: its forward
// pass reads x twice and writes y once, where the same formula written with
// nabla's ops makes about five passes forward and ten backward. Its rules are
// the formula's derivatives written with ops (so Hessians go through it);
// the backward pass that is not recorded uses two fused passes instead.

type bnParams struct{ eps float64 }

// bnShape returns n, c and s for x of shape (N, C, ...) viewed as (N, C, S).
func bnShape(x *Tensor) (n, c, s int) {
	n, c, s = x.shape[0], x.shape[1], 1
	for _, d := range x.shape[2:] {
		s *= d
	}
	return
}

// bnStats returns the channel means and 1/√(var + eps) of x3 (N, C, S) as
// (1, C, 1) tensors, with ops.
func bnStats(x3 *Tensor, eps float64) (mean, invstd *Tensor) {
	mean = MeanKeep(x3, 0, 2)
	v := MeanKeep(Square(Sub(x3, mean)), 0, 2)
	return mean, Reciprocal(Sqrt(AddScalar(v, eps)))
}

// stats64 computes the channel means and biased variances of x in float64.
func stats64(x *Tensor) (mean, variance []float64) {
	n, c, s := bnShape(x)
	mean, variance = make([]float64, c), make([]float64, c)
	if x.dtype == Float32 {
		kernel.ChannelStats(x.f32, n, c, s, mean, variance)
	} else {
		kernel.ChannelStats(x.f64, n, c, s, mean, variance)
	}
	return
}

func bnForward(c *Ctx) (out, saved *Tensor) {
	x, w, b, p := c.Inputs[0], c.Inputs[1], c.Inputs[2], c.Params.(bnParams)
	dt := checkDType("batch_norm", x, w, b)
	if x.Dims() < 2 || w.Dims() != 1 || b.Dims() != 1 || w.shape[0] != x.shape[1] || b.shape[0] != x.shape[1] {
		panicf("batch_norm", "input of shape %s with weight %s and bias %s: want (N, C, ...), (C) and (C)",
			fmtShape(x.shape), fmtShape(w.shape), fmtShape(b.shape))
	}
	n, ch, s := bnShape(x)
	if n*s < 2 {
		panicf("batch_norm", "input of shape %s has %d value(s) per channel: a batch needs more than one to normalise", fmtShape(x.shape), n*s)
	}
	mean, variance := stats64(x)
	invstd, scale, shift := make([]float64, ch), make([]float64, ch), make([]float64, ch)
	for j := range scale {
		invstd[j] = 1 / math.Sqrt(variance[j]+p.eps)
		scale[j] = w.at(j) * invstd[j]
		shift[j] = b.at(j) - mean[j]*scale[j]
	}
	out = newTensorRaw(c.tape, dt, x.shape)
	if dt == Float32 {
		kernel.ChannelAffine(out.f32, x.f32, n, ch, s, scale, shift)
	} else {
		kernel.ChannelAffine(out.f64, x.f64, n, ch, s, scale, shift)
	}
	saved = newTensorRaw(c.tape, dt, []int{2, ch})
	for j := range mean {
		saved.set(j, mean[j])
		saved.set(ch+j, invstd[j])
	}
	return out, saved
}

var batchNormOp *Op

func init() {
	batchNormOp = Register(&Op{
		Name:        "batch_norm",
		Forward:     func(c *Ctx) *Tensor { y, _ := bnForward(c); return y },
		SaveForward: bnForward,
		Batch:       func(c *Ctx, batched []bool) *Tensor { y, _ := bnBatch(c, batched, false); return y },
		BatchSave:   func(c *Ctx, batched []bool) (*Tensor, *Tensor) { return bnBatch(c, batched, true) },
		// With x̂ = (x − μ)·σ⁻¹ and m values per channel:
		// ∂b = Σg, ∂w = Σg·x̂, ∂x = w·σ⁻¹·(g − mean(g) − x̂·mean(g·x̂)).
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			x, w := c.Inputs[0], c.Inputs[1]
			n, ch, s := bnShape(x)
			x3, g3 := Reshape(x, n, ch, s), Reshape(g, n, ch, s)
			mean, invstd := bnStats(x3, c.Params.(bnParams).eps)
			xhat := Mul(Sub(x3, mean), invstd)
			gx := Mul(Mul(Reshape(w, 1, ch, 1), invstd),
				Sub(Sub(g3, MeanKeep(g3, 0, 2)), Mul(xhat, MeanKeep(Mul(g3, xhat), 0, 2))))
			return []*Tensor{Reshape(gx, x.shape...), Sum(Mul(g3, xhat), 0, 2), Sum(g3, 0, 2)}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			x, w := c.Inputs[0], c.Inputs[1]
			n, ch, s := bnShape(x)
			x3 := Reshape(x, n, ch, s)
			mean, invstd := bnStats(x3, c.Params.(bnParams).eps)
			xhat := Mul(Sub(x3, mean), invstd)
			var dy *Tensor
			if d[0] != nil {
				d3 := Reshape(d[0], n, ch, s)
				dy = Mul(Mul(Reshape(w, 1, ch, 1), invstd),
					Sub(Sub(d3, MeanKeep(d3, 0, 2)), Mul(xhat, MeanKeep(Mul(d3, xhat), 0, 2))))
			}
			if d[1] != nil {
				dy = tAdd(dy, Mul(xhat, Reshape(d[1], 1, ch, 1)))
			}
			if d[2] != nil {
				dy = tAdd(dy, Expand(Reshape(d[2], 1, ch, 1), n, ch, s))
			}
			return Reshape(dy, x.shape...)
		},
		FastVJP: func(c *Ctx, g *Tensor) []*Tensor {
			x, w := c.Inputs[0], c.Inputs[1]
			sums := bnGradSumsOp.Apply(nil, g, x, c.Saved())
			gx := bnGradInputOp.Apply(nil, g, x, c.Saved(), w, sums)
			return []*Tensor{gx, Index(sums, 1), Index(sums, 0)}
		},
		Cases: []Case{
			{Name: "NC", Shapes: [][]int{{5, 3}, {3}, {3}}, Params: bnParams{1e-5}},
			{Name: "NCHW", Shapes: [][]int{{3, 2, 2, 3}, {2}, {2}}, Params: bnParams{1e-3}},
			{Name: "NCL", Shapes: [][]int{{2, 3, 4}, {3}, {3}}, Params: bnParams{0.1}},
		},
	})
}

// The fused backward pass of batch_norm: two constant ops reading the saved
// statistics (a (2, C) tensor: means, then 1/σ).
var (
	bnGradSumsOp = &Op{
		Name:     "batch_norm_grad_sums",
		constant: true,
		// (2, C): Σg, then Σg·x̂, per channel.
		Forward: func(c *Ctx) *Tensor {
			g, x, sv := c.Inputs[0], c.Inputs[1], c.Inputs[2]
			n, ch, s := bnShape(x)
			mean, invstd := sv.rowFloat64s(0), sv.rowFloat64s(1)
			sg, sgx := make([]float64, ch), make([]float64, ch)
			if x.dtype == Float32 {
				kernel.BatchNormGradSums(g.f32, x.f32, n, ch, s, mean, invstd, sg, sgx)
			} else {
				kernel.BatchNormGradSums(g.f64, x.f64, n, ch, s, mean, invstd, sg, sgx)
			}
			out := newTensorRaw(c.tape, x.dtype, []int{2, ch})
			for j := range sg {
				out.set(j, sg[j])
				out.set(ch+j, sgx[j])
			}
			return out
		},
	}
	bnGradInputOp = &Op{
		Name:     "batch_norm_grad_input",
		constant: true,
		Forward: func(c *Ctx) *Tensor {
			g, x, sv, w, sums := c.Inputs[0], c.Inputs[1], c.Inputs[2], c.Inputs[3], c.Inputs[4]
			n, ch, s := bnShape(x)
			mean, invstd := sv.rowFloat64s(0), sv.rowFloat64s(1)
			ws := make([]float64, ch)
			for j := range ws {
				ws[j] = w.at(j)
			}
			out := newTensorRaw(c.tape, x.dtype, x.shape)
			if x.dtype == Float32 {
				kernel.BatchNormGradX(out.f32, g.f32, x.f32, n, ch, s, mean, invstd, ws, sums.rowFloat64s(0), sums.rowFloat64s(1))
			} else {
				kernel.BatchNormGradX(out.f64, g.f64, x.f64, n, ch, s, mean, invstd, ws, sums.rowFloat64s(0), sums.rowFloat64s(1))
			}
			return out
		},
	}
)

func init() {
	bnGradSumsOp.Batch = func(c *Ctx, batched []bool) *Tensor {
		n := batchSize(c.Inputs, batched)
		xs := batchAll(c.Inputs, batched)
		sums := c.op.Apply(nil, bnToChannels(xs[0]), bnToChannels(xs[1]), bnStatsToChannels(xs[2]))
		return bnStatsFromChannels(sums, n)
	}
	bnGradInputOp.Batch = func(c *Ctx, batched []bool) *Tensor {
		n := batchSize(c.Inputs, batched)
		xs := batchAll(c.Inputs, batched)
		gx := c.op.Apply(nil, bnToChannels(xs[0]), bnToChannels(xs[1]), bnStatsToChannels(xs[2]),
			Reshape(xs[3], -1), bnStatsToChannels(xs[4]))
		return bnFromChannels(gx, n)
	}
}

// Batch rules. Vmap batches batch normalisation by giving each example's
// channels channels of their own: x, of shape (B, N, C, ...) for B
// examples, is read as (N, B·C, ...), whose channel statistics are the
// examples' own, bit for bit (the kernels reduce each channel alone, in an
// order set by N and the trailing axes only). Statistics and sums, (2, C)
// per example, are (2, B·C) for the batch.

// bnBatch is batch_norm's Batch rule; with save it also returns the
// batched by-product (the examples' means and 1/σ, (B, 2, C)).
func bnBatch(c *Ctx, batched []bool, save bool) (out, saved *Tensor) {
	n := batchSize(c.Inputs, batched)
	xs := batchAll(c.Inputs, batched)
	in := []*Tensor{bnToChannels(xs[0]), Reshape(xs[1], -1), Reshape(xs[2], -1)}
	if !save {
		return bnFromChannels(batchNormOp.Apply(c.Params, in...), n), nil
	}
	out, saved = saveForward(batchNormOp, c.Params, in)
	return bnFromChannels(out, n), bnStatsFromChannels(saved, n)
}

// bnToChannels returns x, (B, N, C, ...), as (N, B·C, ...).
func bnToChannels(x *Tensor) *Tensor {
	s := x.shape
	perm := []int{1, 0}
	for i := 2; i < len(s); i++ {
		perm = append(perm, i)
	}
	return Reshape(Permute(x, perm...), append([]int{s[1], s[0] * s[2]}, s[3:]...)...)
}

// bnFromChannels returns y, (N, B·C, ...), as (B, N, C, ...).
func bnFromChannels(y *Tensor, b int) *Tensor {
	s := y.shape
	y = Reshape(y, append([]int{s[0], b, s[1] / b}, s[2:]...)...)
	perm := []int{1, 0}
	for i := 2; i < len(y.shape); i++ {
		perm = append(perm, i)
	}
	return Permute(y, perm...)
}

// bnStatsToChannels returns per-example statistics, (B, 2, C), as (2, B·C).
func bnStatsToChannels(s *Tensor) *Tensor {
	return Reshape(Permute(s, 1, 0, 2), 2, s.shape[0]*s.shape[2])
}

// bnStatsFromChannels returns statistics (2, B·C) as (B, 2, C).
func bnStatsFromChannels(s *Tensor, b int) *Tensor {
	return Permute(Reshape(s, 2, b, s.shape[1]/b), 1, 0, 2)
}

// rowFloat64s returns row i of a matrix as float64 values.
func (t *Tensor) rowFloat64s(i int) []float64 {
	w := t.shape[1]
	out := make([]float64, w)
	for j := range out {
		out[j] = t.at(i*w + j)
	}
	return out
}

// BatchNorm returns x, of shape (N, C) or (N, C, ...), normalised per channel
// C with the batch's statistics, then scaled and shifted:
// y = (x − mean)/√(var + eps)·weight + bias, where mean and the biased
// variance var are over every axis but 1, as in PyTorch's batch_norm in
// training mode. A nil weight means ones and a nil bias zeros. For running
// statistics and evaluation mode, see nn.BatchNorm2d.
func BatchNorm(x, weight, bias *Tensor, eps float64) *Tensor {
	if x.Dims() < 2 {
		panicf("BatchNorm", "input of shape %s is not (N, C, ...)", fmtShape(x.shape))
	}
	if !(eps >= 0) {
		panicf("BatchNorm", "eps %v must be non-negative", eps)
	}
	ch := x.shape[1]
	if weight == nil {
		weight = onesOf(nil, x.dtype, []int{ch})
	}
	if bias == nil {
		bias = newTensor(nil, x.dtype, []int{ch})
	}
	return batchNormOp.Apply(bnParams{eps}, x, weight, bias)
}

// ChannelMeanVar returns the mean and the biased (population) variance of
// each channel of x, of shape (N, C, ...), over every axis but 1, as values:
// nothing is recorded. Batch normalisation layers use it for their running
// statistics.
func ChannelMeanVar(x *Tensor) (mean, variance []float64) {
	if x.Dims() < 2 {
		panicf("ChannelMeanVar", "input of shape %s is not (N, C, ...)", fmtShape(x.shape))
	}
	return stats64(x)
}
