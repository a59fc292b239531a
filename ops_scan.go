package nabla

import (
	"slices"

	"github.com/nabla-go/nabla/internal/kernel"
)

// Cumulative sums and products along an axis. Both are primitives; their
// rules are written with Cumsum and Cumprod themselves, so that they can be
// differentiated again.

type scanParams struct {
	axis    int  // non-negative
	reverse bool // from the end of the axis to its start
}

// scan writes into dst the running sum (or product) of src along p.axis.
func scan[T kernel.Float](dst, src []T, shape []int, p scanParams, mul bool) {
	n := shape[p.axis]
	outer, inner := numel(shape[:p.axis]), numel(shape[p.axis+1:])
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			var acc T
			if mul {
				acc = 1
			}
			for k := 0; k < n; k++ {
				j := k
				if p.reverse {
					j = n - 1 - k
				}
				at := (o*n+j)*inner + i
				if mul {
					acc *= src[at]
				} else {
					acc += src[at]
				}
				dst[at] = acc
			}
		}
	}
}

func scanForward(x *Tensor, p scanParams, mul bool) *Tensor {
	out := newTensorRaw(live(x.tape), x.dtype, x.shape)
	if x.dtype == Float32 {
		scan(out.f32, x.f32, x.shape, p, mul)
	} else {
		scan(out.f64, x.f64, x.shape, p, mul)
	}
	return out
}

func scanCases() []Case {
	return []Case{
		{Name: "vector", Shapes: [][]int{{5}}, Params: scanParams{axis: 0}},
		{Name: "rows", Shapes: [][]int{{2, 4}}, Params: scanParams{axis: 1}},
		{Name: "columns", Shapes: [][]int{{3, 2}}, Params: scanParams{axis: 0}},
		{Name: "middle", Shapes: [][]int{{2, 3, 2}}, Params: scanParams{axis: 1}},
		{Name: "scalar", Shapes: [][]int{{}}, Params: scanParams{axis: -1}},
	}
}

var cumsumOp, cumprodOp *Op

func init() {
	cases := scanCases()
	cases = append(cases, Case{Name: "reverse", Shapes: [][]int{{2, 4}}, Params: scanParams{axis: 1, reverse: true}})
	cumsumOp = Register(&Op{
		Name:  "cumsum",
		Jet:   JetLinear,
		Batch: batchScan,
		Forward: func(c *Ctx) *Tensor {
			p := c.Params.(scanParams)
			if p.axis < 0 { // a scalar
				return cloneValues(c.Inputs)
			}
			return scanForward(c.Inputs[0], p, false)
		},
		// The transpose of a running sum is the running sum from the other end.
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			p := c.Params.(scanParams)
			p.reverse = !p.reverse
			return []*Tensor{cumsum(g, p)}
		},
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return cumsum(d[0], c.Params.(scanParams)) },
		Cases: cases,
	})

	cumprodOp = Register(&Op{
		Name:  "cumprod",
		Batch: batchScan,
		Forward: func(c *Ctx) *Tensor {
			p := c.Params.(scanParams)
			if p.axis < 0 {
				return cloneValues(c.Inputs)
			}
			return scanForward(c.Inputs[0], p, true)
		},
		VJP: func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{cumprodVJP(c, g)} },
		JVP: func(c *Ctx, d []*Tensor) *Tensor { return cumprodJVP(c, d[0]) },
		Cases: append(scanCases(),
			Case{Name: "one-zero", Params: scanParams{axis: 1}, Make: func(r *randSource) []*Tensor {
				x := Uniform(r, 0.5, 2, 2, 4)
				x.f64[1], x.f64[6] = 0, 0 // row 0 at index 1, row 1 at index 2
				return []*Tensor{x}
			}},
			Case{Name: "zero-first-last", Params: scanParams{axis: 0}, Make: func(r *randSource) []*Tensor {
				x := Uniform(r, 0.5, 2, 4, 2)
				x.f64[0], x.f64[7] = 0, 0
				return []*Tensor{x}
			}}),
	})
}

func cumsum(x *Tensor, p scanParams) *Tensor { return cumsumOp.Apply(p, x) }

func scanAxis(op string, x *Tensor, axis int) scanParams {
	if len(x.shape) == 0 {
		if axis != 0 && axis != -1 {
			panicf(op, "axis %d is out of range for a scalar", axis)
		}
		return scanParams{axis: -1}
	}
	return scanParams{axis: normAxis(op, axis, len(x.shape))}
}

// Cumsum returns the running sums of x along axis, like torch.cumsum:
// element j is the sum of elements 0..j.
func Cumsum(x *Tensor, axis int) *Tensor { return cumsumOp.Apply(scanAxis("cumsum", x, axis), x) }

// Cumprod returns the running products of x along axis, like torch.cumprod.
// Its gradient is exact at zeros (not the out/x rule, which divides by 0),
// and so are its derivatives of every order where a slice along axis holds
// at most one zero.
func Cumprod(x *Tensor, axis int) *Tensor { return cumprodOp.Apply(scanAxis("cumprod", x, axis), x) }

// cumprodParts returns what the cumprod rules share, for x with out =
// cumprod(x) along p.axis. With z the first zero of a slice (z = n when it
// has none), E its exclusive product x_0⋯x_{z−1}:
//
//	before: the positions j < z; first: j = z; after: j > z
//	safe:   x with its zeros replaced by 1
//	cw:     cumprod of w, w = 1 before z, E at z, x after: cw_j = E·x_{z+1}⋯x_j
//	xz:     x_z, broadcast along the axis (0 with a zero, and 0 without)
//
// out_j = cw_j·x_z for j ≥ z: every term below splits off that factor
// rather than divide by it.
func cumprodParts(x *Tensor, p scanParams) (before, first, after, safe, cw, xz *Tensor) {
	ax := p.axis
	n := x.shape[ax]
	zero := Equal(x, ZerosLike(x))
	count := cumsum(zero.As(x.dtype), p) // constant: masks carry no graph
	before = Equal(count, ZerosLike(count))
	first = LogicalAnd(zero, Equal(count, OnesLike(count)))
	after = LogicalAnd(Greater(count, ZerosLike(count)), LogicalNot(first))
	ones := OnesLike(x)
	safe = Where(zero, ones, x)
	// E = the exclusive running product: the running product of x shifted by one.
	shape := slices.Clone(x.shape)
	shape[ax] = 1
	shifted := Concat(ax, onesOf(live(x.tape), x.dtype, shape), Slice(x, ax, 0, n-1, 1))
	excl := cumprodOp.Apply(p, shifted)
	cw = cumprodOp.Apply(p, Where(first, excl, Where(after, x, ones)))
	xz = expandBack(SumKeep(Where(first, x, ZerosLike(x)), ax), reduceParams{axes: []int{ax}}, x.shape)
	return
}

// cumprodVJP is, for slices with one zero or none,
//
//	∂L/∂x_i = Σ_{j≥i} g_j·out_j / x_i                     before z
//	        = Σ_{j≥z} g_j·cw_j                             at z
//	        = x_z·Σ_{j≥i} g_j·cw_j / x_i                   after z
//
// (each term is ∏_{k≤j, k≠i} x_k); with more zeros the first-order value
// is still exact, since every term after the first zero then holds a 0.
func cumprodVJP(c *Ctx, g *Tensor) *Tensor {
	x, p := c.Inputs[0], c.Params.(scanParams)
	if p.axis < 0 || x.Size() == 0 {
		return g
	}
	rev := scanParams{axis: p.axis, reverse: true}
	before, first, after, safe, cw, xz := cumprodParts(x, p)
	zeros := ZerosLike(x)
	gcw := Where(LogicalOr(first, after), Mul(g, cw), zeros)
	atZero := expandBack(SumKeep(gcw, p.axis), reduceParams{axes: []int{p.axis}}, x.shape)
	grad := Where(before, Div(cumsum(Mul(g, c.Output), rev), safe), zeros)
	grad = Add(grad, Where(first, atZero, zeros))
	return Add(grad, Where(after, Div(Mul(xz, cumsum(gcw, rev)), safe), zeros))
}

// cumprodJVP is, for slices with one zero or none,
//
//	ȯut_j = out_j·Σ_{i≤j} ẋ_i/x_i                          before z
//	      = cw_j·(ẋ_z + x_z·Σ_{i≤j, i≠z} ẋ_i/x_i)          from z on
func cumprodJVP(c *Ctx, d *Tensor) *Tensor {
	x, p := c.Inputs[0], c.Params.(scanParams)
	if d == nil || p.axis < 0 || x.Size() == 0 {
		return d
	}
	before, first, _, safe, cw, xz := cumprodParts(x, p)
	zeros := ZerosLike(x)
	ratio := Div(d, safe)
	dz := expandBack(SumKeep(Where(first, d, zeros), p.axis), reduceParams{axes: []int{p.axis}}, x.shape)
	late := Mul(cw, Add(dz, Mul(xz, cumsum(Where(first, zeros, ratio), p))))
	return Where(before, Mul(c.Output, cumsum(ratio, p)), late)
}
