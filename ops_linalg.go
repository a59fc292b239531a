package nabla

// Matrix products. The primitive multiplies batches of matrices, either of
// which may be read transposed, with dgemm/sgemm: internal/gemm's kernels by
// default, OpenBLAS through gonum's blas64/blas32 when built with the openblas
// tag (gemm_openblas.go); the transposed forms let the backward pass avoid
// materialising transposes.

import "github.com/nabla-go/nabla/internal/kernel"

type mmParams struct{ ta, tb bool }

// matDims returns the rows and columns of op(x) for the last two dimensions.
func matDims(x *Tensor, trans bool) (r, c int) {
	n := len(x.shape)
	r, c = x.shape[n-2], x.shape[n-1]
	if trans {
		r, c = c, r
	}
	return
}

func matmulForward(c *Ctx) *Tensor {
	a, b, p := c.Inputs[0], c.Inputs[1], c.Params.(mmParams)
	dt := checkDType("matmul", a, b)
	if len(a.shape) < 2 || len(b.shape) < 2 {
		panicf("matmul", "inputs of shapes %s and %s need at least 2 dimensions", fmtShape(a.shape), fmtShape(b.shape))
	}
	m, k := matDims(a, p.ta)
	k2, n := matDims(b, p.tb)
	if k != k2 {
		panicf("matmul", "shapes %s and %s are not aligned: %d (dim %d of the first) != %d (dim %d of the second)",
			fmtShape(a.shape), fmtShape(b.shape), k, len(a.shape)-1, k2, len(b.shape)-2)
	}
	ab, bb := a.shape[:len(a.shape)-2], b.shape[:len(b.shape)-2]
	batch := ab
	if !sameShape(ab, bb) {
		batch = broadcastShapes("matmul", ab, bb)
	}
	shape := append(append([]int(nil), batch...), m, n)
	nb := numel(batch)
	if nb == 0 || m == 0 || n == 0 || k == 0 {
		return newTensor(tapeOf2(a, b), dt, shape)
	}
	tp := tapeOf2(a, b)
	out := newTensorRaw(tp, dt, shape) // every element is written with β = 0
	serial := serialOn(tp)
	sa, sb := broadcastStrides(ab, batch), broadcastStrides(bb, batch)
	ar, ac := a.shape[len(a.shape)-2], a.shape[len(a.shape)-1]
	br, bc := b.shape[len(b.shape)-2], b.shape[len(b.shape)-1]
	idx := make([]int, len(batch))
	for i := 0; i < nb; i++ {
		oa, ob := 0, 0
		for d, v := range idx {
			oa += v * sa[d]
			ob += v * sb[d]
		}
		oa *= ar * ac
		ob *= br * bc
		oc := i * m * n
		if dt == Float32 {
			sgemm(serial, p.ta, p.tb, m, n, k, a.f32[oa:oa+ar*ac], ac, b.f32[ob:ob+br*bc], bc, out.f32[oc:oc+m*n])
		} else {
			dgemm(serial, p.ta, p.tb, m, n, k, a.f64[oa:oa+ar*ac], ac, b.f64[ob:ob+br*bc], bc, out.f64[oc:oc+m*n])
		}
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < batch[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

var matmulOp *Op

func init() {
	matmulOp = Register(&Op{
		Name:    "matmul",
		Jet:     JetBilinear,
		Batch:   batchMatmul,
		Forward: matmulForward,
		// For C = op(A)·op(B): dop(A) = G·op(B)ᵀ and dop(B) = op(A)ᵀ·G, written
		// with the transpose flags so that nothing is transposed in memory.
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			a, b, p := c.Inputs[0], c.Inputs[1], c.Params.(mmParams)
			gs := make([]*Tensor, 2)
			if c.NeedsGrad(0) {
				if p.ta {
					gs[0] = MatMulT(b, g, p.tb, true)
				} else {
					gs[0] = MatMulT(g, b, false, !p.tb)
				}
			}
			if c.NeedsGrad(1) {
				if p.tb {
					gs[1] = MatMulT(g, a, true, p.ta)
				} else {
					gs[1] = MatMulT(a, g, !p.ta, false)
				}
			}
			return gs
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			a, b, p := c.Inputs[0], c.Inputs[1], c.Params.(mmParams)
			var da, db *Tensor
			if d[0] != nil {
				da = MatMulT(d[0], b, p.ta, p.tb)
			}
			if d[1] != nil {
				db = MatMulT(a, d[1], p.ta, p.tb)
			}
			return tAdd(da, db)
		},
		Cases: []Case{
			{Name: "matrix", Shapes: [][]int{{2, 3}, {3, 4}}, Params: mmParams{}},
			{Name: "a-transposed", Shapes: [][]int{{3, 2}, {3, 4}}, Params: mmParams{ta: true}},
			{Name: "b-transposed", Shapes: [][]int{{2, 3}, {4, 3}}, Params: mmParams{tb: true}},
			{Name: "both-transposed", Shapes: [][]int{{3, 2}, {4, 3}}, Params: mmParams{ta: true, tb: true}},
			{Name: "batch-broadcast", Shapes: [][]int{{2, 1, 2, 3}, {3, 3, 2}}, Params: mmParams{}},
		},
	})
}

var linearOp *Op

func init() {
	linearOp = Register(&Op{
		Name:  "linear",
		Batch: batchLinear,
		// The product's kernel (matmulForward), then the bias added to each
		// row in place: the values of Add(MatMulT(x, w, false, true), b),
		// bit for bit, without the sum's node and tensor.
		Forward: func(c *Ctx) *Tensor {
			y := matmulForward(&Ctx{Inputs: c.Inputs[:2], Params: mmParams{tb: true}})
			b := c.Inputs[2]
			n := b.Size()
			for r := range y.Size() / max(n, 1) {
				if y.dtype == Float32 {
					kernel.AddTo(y.f32[r*n:(r+1)*n], b.f32)
				} else {
					kernel.AddTo(y.f64[r*n:(r+1)*n], b.f64)
				}
			}
			return y
		},
		// The product's rule (dx = g·w, dw = gᵀ·x) and the bias's, the
		// column sums of g.
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			x, w := c.Inputs[0], c.Inputs[1]
			gs := make([]*Tensor, 3)
			if c.NeedsGrad(0) {
				gs[0] = MatMulT(g, w, false, false)
			}
			if c.NeedsGrad(1) {
				gs[1] = MatMulT(g, x, true, false)
			}
			if c.NeedsGrad(2) {
				gs[2] = Sum(g, 0)
			}
			return gs
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			x, w := c.Inputs[0], c.Inputs[1]
			var t *Tensor
			if d[0] != nil {
				t = MatMulT(d[0], w, false, true)
			}
			if d[1] != nil {
				t = tAdd(t, MatMulT(x, d[1], false, true))
			}
			return tAdd(t, d[2]) // a bias tangent broadcasts over the rows
		},
		Cases: []Case{
			{Name: "rows", Shapes: [][]int{{2, 3}, {4, 3}, {4}}},
			{Name: "one-row", Shapes: [][]int{{1, 2}, {3, 2}, {3}}},
		},
	})
}

// batchLinear is linear's Vmap rule: the composite, whose product
// broadcasts over the batch axis of x or w, with a batched bias given a
// row axis.
func batchLinear(c *Ctx, batched []bool) *Tensor {
	x, w, b := c.Inputs[0], c.Inputs[1], c.Inputs[2]
	if batched[2] {
		b = Reshape(b, b.shape[0], 1, b.shape[1])
	}
	return Add(MatMulT(x, w, false, true), b)
}

// Linear returns x·wᵀ + b, as torch.nn.functional.linear: x of shape
// (in) or (…, in), w (out, in), b (out) or nil. For a matrix x and a bias it
// is one op (linear), with the values of Add(MatMulT(x, w, false, true), b)
// bit for bit; otherwise it is that composite.
func Linear(x, w, b *Tensor) *Tensor {
	switch {
	case len(x.shape) == 1: // a vector: one row
		return Reshape(Linear(Reshape(x, 1, x.shape[0]), w, b), -1)
	case b == nil:
		return MatMulT(x, w, false, true)
	case len(x.shape) == 2 && len(w.shape) == 2 && len(b.shape) == 1 &&
		x.shape[1] == w.shape[1] && w.shape[0] == b.shape[0] && x.dtype == w.dtype && w.dtype == b.dtype:
		return linearOp.Apply(nil, x, w, b)
	}
	return Add(MatMulT(x, w, false, true), b)
}

// MatMulT returns op(a)·op(b) where op transposes the last two dimensions of
// its argument when the flag is set; batch dimensions broadcast.
func MatMulT(a, b *Tensor, transA, transB bool) *Tensor {
	return matmulOp.Apply(mmParams{transA, transB}, a, b)
}

// MatMul returns the matrix product a·b with NumPy's rules: 1-D operands are
// treated as a row (a) or column (b) vector and that dimension is removed from
// the result; leading batch dimensions broadcast.
func MatMul(a, b *Tensor) *Tensor {
	if len(a.shape) == 0 || len(b.shape) == 0 {
		panicf("matmul", "inputs of shapes %s and %s: scalars have no matrix product (use Mul)", fmtShape(a.shape), fmtShape(b.shape))
	}
	av, bv := len(a.shape) == 1, len(b.shape) == 1
	if av {
		a = Unsqueeze(a, 0)
	}
	if bv {
		b = Unsqueeze(b, 1)
	}
	c := MatMulT(a, b, false, false)
	if bv {
		c = Squeeze(c, -1)
	}
	if av {
		c = Squeeze(c, -2+boolInt(bv))
	}
	return c
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// MatMul returns the matrix product t·u; see the function MatMul.
func (t *Tensor) MatMul(u *Tensor) *Tensor { return MatMul(t, u) }

// Dot returns the inner product of two vectors of equal length.
func Dot(a, b *Tensor) *Tensor {
	if len(a.shape) != 1 || len(b.shape) != 1 || a.shape[0] != b.shape[0] {
		panicf("dot", "needs two vectors of equal length, got shapes %s and %s", fmtShape(a.shape), fmtShape(b.shape))
	}
	return MatMul(a, b)
}

// Outer returns the outer product a·bᵀ of two vectors.
func Outer(a, b *Tensor) *Tensor {
	if len(a.shape) != 1 || len(b.shape) != 1 {
		panicf("outer", "needs two vectors, got shapes %s and %s", fmtShape(a.shape), fmtShape(b.shape))
	}
	return Mul(Unsqueeze(a, 1), Unsqueeze(b, 0))
}
