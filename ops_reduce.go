package nabla

import (
	"math"

	"github.com/nabla-go/nabla/internal/kernel"
)

// Reductions. Sum, Max, Min, Prod and the L2 norm are primitives; mean,
// variance, logsumexp, softmax and the other norms are compositions.
//
// Each reduction comes in two forms: Sum(x, axes...) drops the reduced axes,
// SumKeep(x, axes...) keeps them with size 1 (NumPy's keepdims). With no axes
// every axis is reduced. Negative axes count from the end.

type reduceParams struct {
	axes []int // sorted, distinct, non-negative
	keep bool
}

// batched returns p for inputs with a batch on axis 0 (see Vmap).
func (p reduceParams) batched() reduceParams {
	return reduceParams{axes: shiftAxes(p.axes), keep: p.keep}
}

// shapes returns the output shape and the keepdims shape.
func (p reduceParams) shapes(in []int) (out, kept []int) {
	kept = append([]int(nil), in...)
	out = make([]int, 0, len(in))
	for i, d := range in {
		if containsInt(p.axes, i) {
			kept[i] = 1
			if p.keep {
				out = append(out, 1)
			}
		} else {
			out = append(out, d)
		}
	}
	return out, kept
}

// outShape is the first result of shapes, without allocating for a reduction
// to a scalar.
func (p reduceParams) outShape(in []int) []int {
	if !p.keep && len(p.axes) == len(in) {
		return scalarShape
	}
	out, _ := p.shapes(in)
	return out
}

func reduceForward(k kernel.ReduceOp, x *Tensor, p reduceParams) *Tensor {
	shape := p.outShape(x.shape)
	if x.Size() == 0 {
		if k == kernel.MaxOf || k == kernel.MinOf {
			panicf("reduce", "cannot take the max or min of an empty tensor of shape %s", fmtShape(x.shape))
		}
		out := newTensor(live(x.tape), x.dtype, shape)
		if k == kernel.Prod {
			out.fill(1)
		}
		return out
	}
	var buf [8]bool
	red := buf[:0]
	if len(x.shape) > len(buf) {
		red = make([]bool, len(x.shape))
	}
	red = red[:len(x.shape)]
	for _, a := range p.axes {
		red[a] = true
	}
	out := newTensorRaw(live(x.tape), x.dtype, shape) // Reduce writes every element
	if x.dtype == Float32 {
		kernel.Reduce(k, out.f32, x.f32, x.shape, red)
	} else {
		kernel.Reduce(k, out.f64, x.f64, x.shape, red)
	}
	return out
}

// expandBack broadcasts a reduced tensor (output of a reduction with params p)
// back to the input's shape.
func expandBack(t *Tensor, p reduceParams, in []int) *Tensor {
	if len(t.shape) == 0 {
		return Expand(t, in...) // a scalar broadcasts as it is
	}
	_, kept := p.shapes(in)
	return Expand(Reshape(t, kept...), in...)
}

func reduceCases() []Case {
	return []Case{
		{Name: "all", Shapes: [][]int{{2, 3}}, Params: reduceParams{axes: []int{0, 1}}},
		{Name: "rows", Shapes: [][]int{{2, 3}}, Params: reduceParams{axes: []int{1}}},
		{Name: "columns-keep", Shapes: [][]int{{2, 3}}, Params: reduceParams{axes: []int{0}, keep: true}},
		{Name: "middle", Shapes: [][]int{{2, 3, 2}}, Params: reduceParams{axes: []int{1}}},
		{Name: "outer", Shapes: [][]int{{2, 3, 2}}, Params: reduceParams{axes: []int{0, 2}}},
		{Name: "scalar", Shapes: [][]int{{}}, Params: reduceParams{}},
	}
}

var sumOp *Op

func init() {
	sumOp = Register(&Op{
		Name:    "sum",
		Jet:     JetLinear,
		Batch:   batchReduce,
		Forward: func(c *Ctx) *Tensor { return reduceForward(kernel.Sum, c.Inputs[0], c.Params.(reduceParams)) },
		// A scalar gradient is passed on as it is: the engine broadcasts it
		// lazily, which saves materialising a tensor of the input's size.
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			if len(g.shape) == 0 {
				return []*Tensor{g}
			}
			return []*Tensor{expandBack(g, c.Params.(reduceParams), c.Inputs[0].shape)}
		},
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return sumOp.Apply(c.Params, d[0]) },
		Cases: reduceCases(),
	})
}

func reduce(op *Op, x *Tensor, axes []int, keep bool) *Tensor {
	p := reduceParams{axes: normAxes(op.Name, axes, len(x.shape)), keep: keep}
	return op.Apply(p, x)
}

// Sum returns the sum over the given axes (all when none).
func Sum(x *Tensor, axes ...int) *Tensor { return reduce(sumOp, x, axes, false) }

// SumKeep is Sum keeping the reduced axes with size 1.
func SumKeep(x *Tensor, axes ...int) *Tensor { return reduce(sumOp, x, axes, true) }

// Sum returns the sum of t over the given axes (all when none).
func (t *Tensor) Sum(axes ...int) *Tensor { return Sum(t, axes...) }

// Mean returns t's mean over the given axes (all when none).
func (t *Tensor) Mean(axes ...int) *Tensor { return Mean(t, axes...) }

// extremumRule routes the gradient of a max or min to the entries equal to the
// result, split equally among ties (as torch.amax does).
func extremumRule(c *Ctx, g *Tensor) *Tensor {
	x, p := c.Inputs[0], c.Params.(reduceParams)
	mask := func(p reduceParams) func(xs []*Tensor) *Tensor {
		return func(xs []*Tensor) *Tensor {
			x := xs[0]
			eq := maskOfEqual(x, expandBack(xs[1], p, x.shape))
			return Div(eq, expandBack(reduceForward(kernel.Sum, eq, p), p, x.shape))
		}
	}
	hit := opaqueBatched("extremum-mask", mask(p), mask(p.batched()), x, c.Output)
	return Mul(expandBack(g, p, x.shape), hit)
}

func maskOfEqual(a, b *Tensor) *Tensor {
	m := newTensor(live(a.tape), a.dtype, a.shape)
	for i := 0; i < m.Size(); i++ {
		if a.at(i) == b.at(i) {
			m.set(i, 1)
		}
	}
	return m
}

func extremumOp(name string, k kernel.ReduceOp) *Op {
	return &Op{
		Name:    name,
		Batch:   batchReduce,
		Jet:     JetLinear,
		Forward: func(c *Ctx) *Tensor { return reduceForward(k, c.Inputs[0], c.Params.(reduceParams)) },
		VJP:     func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{extremumRule(c, g)} },
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			return sumOp.Apply(c.Params, extremumRule(&Ctx{Inputs: c.Inputs, Output: c.Output, Params: c.Params}, OnesLike(c.Output)).Mul(d[0]))
		},
		Cases: reduceCases(),
	}
}

var maxOp *Op

func init() { maxOp = Register(extremumOp("max", kernel.MaxOf)) }

var minOp *Op

func init() { minOp = Register(extremumOp("min", kernel.MinOf)) }

// Max returns the maximum over the given axes (all when none). The gradient is
// shared equally among tied maxima.
func Max(x *Tensor, axes ...int) *Tensor { return reduce(maxOp, x, axes, false) }

// MaxKeep is Max keeping the reduced axes with size 1.
func MaxKeep(x *Tensor, axes ...int) *Tensor { return reduce(maxOp, x, axes, true) }

// Min returns the minimum over the given axes (all when none). The gradient is
// shared equally among tied minima.
func Min(x *Tensor, axes ...int) *Tensor { return reduce(minOp, x, axes, false) }

// MinKeep is Min keeping the reduced axes with size 1.
func MinKeep(x *Tensor, axes ...int) *Tensor { return reduce(minOp, x, axes, true) }

var prodOp *Op

func init() {
	prodOp = Register(&Op{
		Name:    "prod",
		Batch:   batchReduce,
		Forward: func(c *Ctx) *Tensor { return reduceForward(kernel.Prod, c.Inputs[0], c.Params.(reduceParams)) },
		// ∂/∂x_i ∏x = ∏_{j≠i} x_j, which is out/x_i when no x_j is zero. With zeros
		// the products of the others are computed directly (as constants, so the
		// second derivative there is not available).
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			return []*Tensor{Mul(expandBack(g, c.Params.(reduceParams), c.Inputs[0].shape), prodOthers(c))}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			return sumOp.Apply(c.Params, Mul(d[0], prodOthers(c)))
		},
		Cases: reduceCases(),
	})
}

func prodOthers(c *Ctx) *Tensor {
	x, p := c.Inputs[0], c.Params.(reduceParams)
	// Per element and with ops throughout, so that it can be differentiated
	// again: out/x where x ≠ 0; where x = 0, the product of the slice's other
	// entries if it is the slice's only 0, and 0 otherwise. Derivatives of
	// every order are exact except where a slice holds two 0s or more.
	zero := maskOf(x, func(v float64) bool { return v == 0 })
	ones := OnesLike(x)
	quotient := Div(expandBack(c.Output, p, x.shape), Where(zero, ones, x))
	single := func(p reduceParams) func(xs []*Tensor) *Tensor {
		return func(xs []*Tensor) *Tensor {
			count := reduceForward(kernel.Sum, xs[0], p)
			return expandBack(maskOf(count, func(v float64) bool { return v == 1 }), p, xs[0].shape)
		}
	}
	only := opaqueBatched("single-zero", single(p), single(p.batched()), zero)
	others := Mul(expandBack(prodOp.Apply(p, Where(zero, ones, x)), p, x.shape), only)
	return Where(zero, others, quotient)
}

// Prod returns the product over the given axes (all when none). Its
// derivatives are exact at zeros too (the gradient at a lone 0 is the product
// of the others), to every order, except second and higher derivatives where
// a slice holds two 0s or more.
func Prod(x *Tensor, axes ...int) *Tensor { return reduce(prodOp, x, axes, false) }

// ProdKeep is Prod keeping the reduced axes with size 1.
func ProdKeep(x *Tensor, axes ...int) *Tensor { return reduce(prodOp, x, axes, true) }

func countOf(x *Tensor, axes []int) int {
	n := 1
	for _, a := range normAxes("mean", axes, len(x.shape)) {
		n *= x.shape[a]
	}
	return n
}

// Mean returns the mean over the given axes (all when none).
func Mean(x *Tensor, axes ...int) *Tensor {
	return DivScalar(Sum(x, axes...), float64(countOf(x, axes)))
}

// MeanKeep is Mean keeping the reduced axes with size 1.
func MeanKeep(x *Tensor, axes ...int) *Tensor {
	return DivScalar(SumKeep(x, axes...), float64(countOf(x, axes)))
}

// Var returns the population variance (divided by n, NumPy's default) over the
// given axes. Use VarCorrected for the sample variance.
func Var(x *Tensor, axes ...int) *Tensor { return VarCorrected(x, 0, false, axes...) }

// VarKeep is Var keeping the reduced axes with size 1.
func VarKeep(x *Tensor, axes ...int) *Tensor { return VarCorrected(x, 0, true, axes...) }

// VarCorrected returns Σ(x-mean)²/(n-correction) over the given axes:
// correction 1 is the unbiased sample variance (PyTorch's default).
func VarCorrected(x *Tensor, correction int, keep bool, axes ...int) *Tensor {
	d := Sub(x, MeanKeep(x, axes...))
	n := float64(countOf(x, axes) - correction)
	if keep {
		return DivScalar(SumKeep(Square(d), axes...), n)
	}
	return DivScalar(Sum(Square(d), axes...), n)
}

// Std returns the population standard deviation over the given axes.
func Std(x *Tensor, axes ...int) *Tensor { return Sqrt(Var(x, axes...)) }

// StdKeep is Std keeping the reduced axes with size 1.
func StdKeep(x *Tensor, axes ...int) *Tensor { return Sqrt(VarKeep(x, axes...)) }

// LogSumExp returns log Σ exp(x) over the given axes, computed as
// m + log Σ exp(x - m) with m the (constant) maximum so that it neither
// overflows for large x nor returns NaN for -Inf entries.
func LogSumExp(x *Tensor, axes ...int) *Tensor {
	return Squeeze(LogSumExpKeep(x, axes...), normAxes("logsumexp", axes, len(x.shape))...)
}

// LogSumExpKeep is LogSumExp keeping the reduced axes with size 1.
func LogSumExpKeep(x *Tensor, axes ...int) *Tensor {
	ax := normAxes("logsumexp", axes, len(x.shape))
	// An all -Inf slice has sum 0 and logsumexp -Inf; shift by 0 there.
	finite := func(m *Tensor) *Tensor {
		return unaryForward(m, func(v float64) float64 {
			if math.IsInf(v, 0) {
				return 0
			}
			return v
		})
	}
	m := opaqueBatched("logsumexp-shift",
		func(xs []*Tensor) *Tensor { return finite(MaxKeep(xs[0], ax...)) },
		func(xs []*Tensor) *Tensor { // for Vmap: the batch on axis 0
			if len(ax) == 0 {
				return finite(xs[0])
			}
			return finite(MaxKeep(xs[0], shiftAxes(ax)...))
		}, x)
	return Add(Log(SumKeep(Exp(Sub(x, m)), axes...)), m)
}

// Softmax returns exp(x)/Σexp(x) along axis, shifted by the maximum for
// stability.
func Softmax(x *Tensor, axis int) *Tensor { return Exp(LogSoftmax(x, axis)) }

// LogSoftmax returns x - logsumexp(x) along axis; -Inf entries give -Inf (not
// NaN), and their gradient is finite: the incoming gradient's entry, since
// their softmax is 0 (so 0 when a loss reads only finite entries, as NLL
// with a finite target does). It is one op (logsoftmax), whose gradient is
// g − softmax(x)·Σg along axis: the same values as the composite
// x − LogSumExpKeep(x, axis), bit for bit, in one node instead of eight.
func LogSoftmax(x *Tensor, axis int) *Tensor {
	if len(x.shape) == 0 {
		return Sub(x, LogSumExpKeep(x, axis))
	}
	return logSoftmaxOp.Apply(normAxis("logsoftmax", axis, len(x.shape)), x)
}

var logSoftmaxOp *Op

func init() {
	logSoftmaxOp = Register(&Op{
		Name:    "logsoftmax",
		Batch:   batchAxisParam,
		Forward: func(c *Ctx) *Tensor { out, _ := logSoftmaxForward(c.Inputs[0], c.Params.(int), false); return out },
		// The softmax, a by-product of the forward pass (the exponentials
		// over their sum), saves FastVJP an exponential per element.
		SaveForward: func(c *Ctx) (out, saved *Tensor) { return logSoftmaxForward(c.Inputs[0], c.Params.(int), true) },
		// ∂out_i/∂x_j = δ_ij − softmax_j along the axis, softmax = exp(out).
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			return []*Tensor{Sub(g, Mul(Exp(c.Output), SumKeep(g, c.Params.(int))))}
		},
		FastVJP: func(c *Ctx, g *Tensor) []*Tensor {
			return []*Tensor{Sub(g, Mul(c.Saved(), SumKeep(g, c.Params.(int))))}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			return Sub(d[0], SumKeep(Mul(Exp(c.Output), d[0]), c.Params.(int)))
		},
		Cases: []Case{
			{Name: "vector", Shapes: [][]int{{5}}, Params: 0},
			{Name: "rows", Shapes: [][]int{{2, 4}}, Params: 1},
			{Name: "columns", Shapes: [][]int{{3, 2}}, Params: 0},
			{Name: "middle", Shapes: [][]int{{2, 3, 2}}, Params: 1},
			{Name: "far-apart", Shapes: [][]int{{2, 3}}, Params: 1, Lo: -40, Hi: 40},
		},
	})
}

// logSoftmaxForward computes LogSoftmax as the composite does, step for
// step (the maximum along axis, taken as 0 where it is infinite; the sum of
// the exponentials of the shifted values; its log plus the maximum
// subtracted from x), with the same kernels on the same slices, so that the
// values are the composite's bits, in three passes over x and without its
// seven intermediate tensors. With softmax, it also returns the softmax,
// the exponentials over their sum.
func logSoftmaxForward(x *Tensor, axis int, softmax bool) (out, sm *Tensor) {
	out = newTensorRaw(live(x.tape), x.dtype, x.shape)
	if softmax {
		sm = newTensorRaw(live(x.tape), x.dtype, x.shape)
	}
	outer, n, inner := 1, x.shape[axis], 1
	for _, d := range x.shape[:axis] {
		outer *= d
	}
	for _, d := range x.shape[axis+1:] {
		inner *= d
	}
	var buf [8]bool
	reduced := buf[:0]
	for i := range x.shape {
		reduced = append(reduced, i == axis)
	}
	if x.dtype == Float32 {
		var e []float32
		if sm != nil {
			e = sm.f32
		}
		logSoftmaxKernel(out.f32, e, x.f32, x.shape, reduced, outer, n, inner)
	} else {
		var e []float64
		if sm != nil {
			e = sm.f64
		}
		logSoftmaxKernel(out.f64, e, x.f64, x.shape, reduced, outer, n, inner)
	}
	return out, sm
}

// logSoftmaxKernel sets out to the log-softmax of x (shape, reduced on the
// axis of length n, between outer and inner elements) and, when e is not
// nil, e to the softmax. Where e is nil, out holds the exponentials until
// the last pass.
func logSoftmaxKernel[T kernel.Float](out, e, x []T, shape []int, reduced []bool, outer, n, inner int) {
	if len(x) == 0 {
		return
	}
	stats := make([]T, 3*outer*inner)
	m, sum, lse := stats[:outer*inner], stats[outer*inner:2*outer*inner], stats[2*outer*inner:]
	kernel.Reduce(kernel.MaxOf, m, x, shape, reduced)
	for i, v := range m {
		if math.IsInf(float64(v), 0) {
			m[i] = 0
		}
	}
	if e == nil {
		e = out
	}
	if inner == 1 { // along the last axis: rows of n
		for o, mo := range m {
			xs, es := x[o*n:(o+1)*n], e[o*n:(o+1)*n]
			for i, v := range xs {
				es[i] = v - mo
			}
		}
	} else {
		for o := range outer {
			for k := range n {
				xs, es, ms := x[(o*n+k)*inner:][:inner], e[(o*n+k)*inner:][:inner], m[o*inner:][:inner]
				for i, v := range xs {
					es[i] = v - ms[i]
				}
			}
		}
	}
	kernel.Exp(e, e)
	kernel.Reduce(kernel.Sum, sum, e, shape, reduced)
	kernel.Log(lse, sum)
	for i := range lse {
		lse[i] += m[i]
	}
	if inner == 1 {
		for o, lo := range lse {
			xs, os, es, so := x[o*n:(o+1)*n], out[o*n:(o+1)*n], e[o*n:(o+1)*n], sum[o]
			if len(es) > 0 && &es[0] != &os[0] {
				for i := range es {
					es[i] /= so
				}
			}
			for i, v := range xs {
				os[i] = v - lo
			}
		}
		return
	}
	for o := range outer {
		for k := range n {
			j := (o*n + k) * inner
			xs, os, es, ls, ss := x[j:][:inner], out[j:][:inner], e[j:][:inner], lse[o*inner:][:inner], sum[o*inner:][:inner]
			if &es[0] != &os[0] {
				for i := range es {
					es[i] /= ss[i]
				}
			}
			for i, v := range xs {
				os[i] = v - ls[i]
			}
		}
	}
}

var normOp *Op

func init() {
	normOp = Register(&Op{
		Name:  "norm",
		Batch: batchReduce,
		Forward: func(c *Ctx) *Tensor {
			x, p := c.Inputs[0], c.Params.(reduceParams)
			// Scale by the largest magnitude so that squaring neither overflows nor
			// underflows.
			scale := reduceForward(kernel.MaxOf, unaryForward(x, math.Abs), p)
			s := expandBack(scale, p, x.shape)
			safe := unaryForward(s, func(v float64) float64 {
				if v == 0 || math.IsInf(v, 0) {
					return 1
				}
				return v
			})
			q := binaryForward("norm", kernel.Div, x, safe)
			ss := reduceForward(kernel.Sum, binaryForward("norm", kernel.Mul, q, q), p)
			out := unaryForward(ss, math.Sqrt)
			sc := newTensor(live(out.tape), out.dtype, out.shape)
			for i := 0; i < out.Size(); i++ {
				v := scale.at(i)
				if v == 0 || math.IsInf(v, 0) {
					sc.set(i, v)
				} else {
					sc.set(i, out.at(i)*v)
				}
			}
			return sc
		},
		// ∂‖x‖/∂x = x/‖x‖, taken as 0 where ‖x‖ = 0 (a subgradient, not NaN).
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			p := c.Params.(reduceParams)
			return []*Tensor{Mul(expandBack(g, p, c.Inputs[0].shape), normDeriv(c))}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor { return sumOp.Apply(c.Params, Mul(d[0], normDeriv(c))) },
		Cases: []Case{
			{Name: "all", Shapes: [][]int{{2, 3}}, Params: reduceParams{axes: []int{0, 1}}},
			{Name: "rows-keep", Shapes: [][]int{{2, 3}}, Params: reduceParams{axes: []int{1}, keep: true}},
		},
	})
}

func normDeriv(c *Ctx) *Tensor {
	x, p := c.Inputs[0], c.Params.(reduceParams)
	n := expandBack(c.Output, p, x.shape)
	zero := maskOf(n.Detach(), func(v float64) bool { return v == 0 })
	return Div(x, Where(zero, OnesLike(zero), n))
}

// Norm returns the Euclidean (L2) norm over the given axes (all when none),
// without overflow for huge entries. Its gradient at 0 is 0.
func Norm(x *Tensor, axes ...int) *Tensor { return reduce(normOp, x, axes, false) }

// NormKeep is Norm keeping the reduced axes with size 1.
func NormKeep(x *Tensor, axes ...int) *Tensor { return reduce(normOp, x, axes, true) }

// NormP returns the p-norm (Σ|x|^p)^(1/p) over the given axes; p may be 1, 2,
// any p ≥ 1, or +Inf (the largest magnitude).
func NormP(x *Tensor, p float64, axes ...int) *Tensor {
	switch {
	case p == 2:
		return Norm(x, axes...)
	case p == 1:
		return Sum(Abs(x), axes...)
	case math.IsInf(p, 1):
		return Max(Abs(x), axes...)
	case p > 0:
		return PowScalar(Sum(PowScalar(Abs(x), p), axes...), 1/p)
	}
	panicf("norm", "unsupported order %v", p)
	return nil
}
