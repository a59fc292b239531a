package nabla

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"

	"github.com/nabla-go/nabla/internal/gemm"
	"github.com/nabla-go/nabla/internal/kernel"
)

// Solves, inverses, determinants and Cholesky factors (see linalg.go for the
// conventions). LU factorisations are LAPACK's getrf with partial pivoting;
// a matrix with an exactly zero pivot is singular.

type solveParams struct{ trans bool }

// luFactor factors a copy of matrix i of a (in place, in a pooled buffer the
// caller hands back with kernel.Put64) and panics, naming op, when it is
// singular.
func luFactor(op string, m matrices, a *Tensor, i int) (blas64.General, []int) {
	lu := m.scratch(a, i)
	ipiv := make([]int, m.r)
	if !lapack64.Getrf(lu, ipiv) {
		kernel.Put64(lu.Data)
		panicf(op, "%s (%d×%d) is singular: LU factorisation has a zero pivot", batchIndex(m, i), m.r, m.c)
	}
	return lu, ipiv
}

func solveForward(c *Ctx) *Tensor { x, _ := solveSave(c, false); return x }

// solveSave solves, and when save is set also returns A's LU factors packed
// as (..., n+1, n): the factors, then the pivots, for FastVJP to solve with
// Aᵀ without factorising again.
func solveSave(c *Ctx, save bool) (out, saved *Tensor) {
	a, b, trans := c.Inputs[0], c.Inputs[1], c.Params.(solveParams).trans
	dt := checkDType("solve", a, b)
	ma, mb := squareOf("solve", a), matricesOf("solve", b)
	if !sameShape(ma.batch, mb.batch) || mb.r != ma.r {
		panicf("solve", "A of shape %s and B of shape %s: want A (..., n, n) and B (..., n, k) with the same batch", fmtShape(a.shape), fmtShape(b.shape))
	}
	out = newTensorRaw(c.tape, dt, b.shape)
	n := ma.r
	if save {
		saved = newTensorRaw(c.tape, dt, append(append([]int(nil), ma.batch...), n+1, n))
	}
	for i := 0; i < ma.n; i++ {
		lu, ipiv := luFactor("solve", ma, a, i)
		x, done := mb.into(out, b, i)
		if mb.r > 0 && mb.c > 0 {
			lapack64.Getrs(transFlag(trans), lu, blas64.General{Rows: mb.r, Cols: mb.c, Stride: mb.c, Data: x}, ipiv)
		}
		done()
		if save {
			off := i * (n + 1) * n
			for k, v := range lu.Data[:n*n] {
				saved.set(off+k, v)
			}
			for k, p := range ipiv {
				saved.set(off+n*n+k, float64(p))
			}
		}
		kernel.Put64(lu.Data)
	}
	return out, saved
}

// luSolveOp solves op(A)·X = G with the LU factors solve saved (inputs: the
// packed factors and G; Params: solveParams). It is FastVJP's: constant.
var luSolveOp = &Op{
	Name:     "lu_solve",
	Batch:    batchLeading,
	constant: true,
	Forward: func(c *Ctx) *Tensor {
		f, g, trans := c.Inputs[0], c.Inputs[1], c.Params.(solveParams).trans
		mf, mg := matricesOf("solve", f), matricesOf("solve", g)
		n := mf.c
		out := newTensorRaw(c.tape, g.dtype, g.shape)
		for i := 0; i < mg.n; i++ {
			packed := mf.read(f, i)
			ipiv := make([]int, n)
			for k := range ipiv {
				ipiv[k] = int(packed[n*n+k])
			}
			x, done := mg.into(out, g, i)
			if mg.c > 0 {
				lapack64.Getrs(transFlag(trans), blas64.General{Rows: n, Cols: n, Stride: n, Data: packed[:n*n]},
					blas64.General{Rows: n, Cols: mg.c, Stride: mg.c, Data: x}, ipiv)
			}
			done()
		}
		return out
	},
}

var solveOp, invOp, detOp, logabsdetOp, trisolveOp, choleskyOp *Op

func init() {
	solveOp = Register(&Op{
		Name:        "solve",
		Batch:       batchLeading,
		Jet:         jetSolve,
		BatchSave:   batchLeadingSave,
		Forward:     solveForward,
		SaveForward: func(c *Ctx) (*Tensor, *Tensor) { return solveSave(c, true) },
		// VJP's solve with the transpose, reusing the saved LU factors.
		FastVJP: func(c *Ctx, g *Tensor) []*Tensor {
			x, trans := c.Output, c.Params.(solveParams).trans
			gb := luSolveOp.Apply(solveParams{!trans}, c.Saved(), g)
			switch {
			case !c.NeedsGrad(0):
				return []*Tensor{nil, gb}
			case trans:
				return []*Tensor{Neg(MatMulT(x, gb, false, true)), gb}
			}
			return []*Tensor{Neg(MatMulT(gb, x, false, true)), gb}
		},
		// X = op(A)⁻¹B: ∂B = op(A)⁻ᵀG, ∂op(A) = −∂B·Xᵀ.
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			a, x, trans := c.Inputs[0], c.Output, c.Params.(solveParams).trans
			gb := solveOp.Apply(solveParams{!trans}, a, g)
			gs := []*Tensor{nil, gb}
			if c.NeedsGrad(0) {
				if trans {
					gs[0] = Neg(MatMulT(x, gb, false, true))
				} else {
					gs[0] = Neg(MatMulT(gb, x, false, true))
				}
			}
			return gs
		},
		// dX = op(A)⁻¹(dB − op(dA)·X).
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			a, x, trans := c.Inputs[0], c.Output, c.Params.(solveParams).trans
			rhs := d[1]
			if d[0] != nil {
				rhs = tSub(rhs, MatMulT(d[0], x, trans, false))
			}
			return solveOp.Apply(solveParams{trans}, a, rhs)
		},
		Cases: []Case{
			{Name: "matrix", Params: solveParams{}, Make: func(r *randSource) []*Tensor {
				return []*Tensor{wellConditioned(r, 3), Uniform(r, -1, 1, 3, 2)}
			}},
			{Name: "transposed", Params: solveParams{trans: true}, Make: func(r *randSource) []*Tensor {
				return []*Tensor{wellConditioned(r, 3), Uniform(r, -1, 1, 3, 1)}
			}},
			{Name: "batch", Params: solveParams{}, Make: func(r *randSource) []*Tensor {
				return []*Tensor{wellConditioned(r, 3, 2, 2), Uniform(r, -1, 1, 2, 2, 3, 2)}
			}},
		},
	})

	invOp = Register(&Op{
		Name:  "inv",
		Batch: batchLeading,
		Jet:   jetInv,
		Forward: func(c *Ctx) *Tensor {
			a, name := c.Inputs[0], "inv"
			if in, ok := c.Params.(string); ok { // inverting for another op's rule
				name = "inv (in " + in + ")"
			}
			m := squareOf(name, a)
			out := newTensorRaw(c.tape, a.dtype, a.shape)
			for i := 0; i < m.n; i++ {
				lu, ipiv := luFactor(name, m, a, i)
				work := make([]float64, max(1, 4*m.r))
				lapack64.Getri(lu, ipiv, work, len(work))
				store(out, i, m.r, m.c, lu.Data, lu.Stride)
				kernel.Put64(lu.Data)
			}
			return out
		},
		// Y = A⁻¹: ∂A = −Yᵀ·G·Yᵀ, dY = −Y·dA·Y.
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			y := c.Output
			return []*Tensor{Neg(MatMulT(y, MatMulT(g, y, false, true), true, false))}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			y := c.Output
			return Neg(MatMul(y, MatMul(d[0], y)))
		},
		Cases: []Case{
			{Name: "matrix", Make: func(r *randSource) []*Tensor { return []*Tensor{wellConditioned(r, 3)} }},
			{Name: "batch", Make: func(r *randSource) []*Tensor { return []*Tensor{wellConditioned(r, 2, 2)} }},
		},
	})

	detOp = Register(&Op{
		Name:    "det",
		Batch:   batchLeading,
		Jet:     jetDet,
		Forward: func(c *Ctx) *Tensor { return detForward(c, false) },
		// ∂A = g·det(A)·A⁻ᵀ, d det = det(A)·tr(A⁻¹dA).
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			a := c.Inputs[0]
			return []*Tensor{scaleBatch(mT(invOp.Apply("the derivative of Det", a)), Mul(g, c.Output))}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			return Mul(c.Output, matTrace(solveOp.Apply(solveParams{}, c.Inputs[0], d[0])))
		},
		Cases: []Case{
			{Name: "matrix", Make: func(r *randSource) []*Tensor { return []*Tensor{wellConditioned(r, 3)} }},
			{Name: "batch", Make: func(r *randSource) []*Tensor { return []*Tensor{wellConditioned(r, 2, 2)} }},
		},
	})

	logabsdetOp = Register(&Op{
		Name:    "logabsdet",
		Batch:   batchLeading,
		Jet:     jetLogabsdet,
		Forward: func(c *Ctx) *Tensor { return detForward(c, true) },
		// ∂A = g·A⁻ᵀ, d log|det| = tr(A⁻¹dA).
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			return []*Tensor{scaleBatch(mT(invOp.Apply("the derivative of Slogdet", c.Inputs[0])), g)}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			return matTrace(solveOp.Apply(solveParams{}, c.Inputs[0], d[0]))
		},
		Cases: []Case{
			{Name: "matrix", Make: func(r *randSource) []*Tensor { return []*Tensor{wellConditioned(r, 3)} }},
			{Name: "negative-det", Make: func(r *randSource) []*Tensor { return []*Tensor{Neg(wellConditioned(r, 3))} }},
			{Name: "batch", Make: func(r *randSource) []*Tensor { return []*Tensor{wellConditioned(r, 3, 2)} }},
		},
	})

	trisolveOp = Register(&Op{
		Name:    "triangular_solve",
		Batch:   batchLeading,
		Jet:     jetTrisolve,
		Forward: trisolveForward,
		// X = op(T)⁻¹B with T triangular: ∂B = op(T)⁻ᵀG and ∂op(T) = −∂B·Xᵀ,
		// kept to T's triangle (the other is not read).
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			t, x, p := c.Inputs[0], c.Output, c.Params.(triParams)
			gb := trisolveOp.Apply(triParams{p.upper, !p.trans}, t, g)
			gs := []*Tensor{nil, gb}
			if c.NeedsGrad(0) {
				var gt *Tensor
				if p.trans {
					gt = MatMulT(x, gb, false, true)
				} else {
					gt = MatMulT(gb, x, false, true)
				}
				gs[0] = Neg(triPart(gt, p.upper, 1))
			}
			return gs
		},
		// dX = op(T)⁻¹(dB − op(dT)·X).
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			t, x, p := c.Inputs[0], c.Output, c.Params.(triParams)
			rhs := d[1]
			if d[0] != nil {
				rhs = tSub(rhs, MatMulT(triPart(d[0], p.upper, 1), x, p.trans, false))
			}
			return trisolveOp.Apply(p, t, rhs)
		},
		Cases: []Case{
			{Name: "lower", Params: triParams{}, Make: func(r *randSource) []*Tensor {
				return []*Tensor{wellConditioned(r, 3), Uniform(r, -1, 1, 3, 2)}
			}},
			{Name: "upper-transposed", Params: triParams{upper: true, trans: true}, Make: func(r *randSource) []*Tensor {
				return []*Tensor{wellConditioned(r, 3), Uniform(r, -1, 1, 3, 2)}
			}},
			{Name: "upper-batch", Params: triParams{upper: true}, Make: func(r *randSource) []*Tensor {
				return []*Tensor{wellConditioned(r, 3, 2), Uniform(r, -1, 1, 2, 3, 1)}
			}},
		},
	})

	choleskyOp = Register(&Op{
		Name:    "cholesky",
		Batch:   batchLeading,
		Forward: choleskyForward,
		// VJP's formula in one pass of LAPACK-style kernels: no masks,
		// transposes or copies as ops.
		FastVJP: func(c *Ctx, g *Tensor) []*Tensor {
			return []*Tensor{choleskyGradOp.Apply(nil, c.Output, g)}
		},
		// With S = (A + Aᵀ)/2 = L·Lᵀ and Φ the lower triangle with half its
		// diagonal: dL = L·Φ(L⁻¹·dS·L⁻ᵀ), so ∂S = L⁻ᵀ·Φ(Lᵀ·G)·L⁻¹ and ∂A is
		// its symmetric part (Murray, arXiv:1602.07527).
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			l := c.Output
			p := triPart(MatMulT(l, g, true, false), false, 0.5)
			y := trisolveOp.Apply(triParams{trans: true}, l, p)         // L⁻ᵀ·P
			z := mT(trisolveOp.Apply(triParams{trans: true}, l, mT(y))) // L⁻ᵀ·P·L⁻¹
			return []*Tensor{symPart(z)}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			l := c.Output
			w := trisolveOp.Apply(triParams{}, l, symPart(d[0])) // L⁻¹·dS
			k := mT(trisolveOp.Apply(triParams{}, l, mT(w)))     // L⁻¹·dS·L⁻ᵀ
			return MatMul(l, triPart(k, false, 0.5))
		},
		Cases: []Case{
			{Name: "matrix", Make: func(r *randSource) []*Tensor { return []*Tensor{spd(r, 3)} }},
			{Name: "nonsymmetric-input", Make: func(r *randSource) []*Tensor {
				return []*Tensor{Add(spd(r, 3), Uniform(r, -0.3, 0.3, 3, 3))}
			}},
			{Name: "batch", Make: func(r *randSource) []*Tensor { return []*Tensor{spd(r, 3, 2)} }},
		},
	})
}

// tSub is a − b where a nil b is zero and a nil a is −b.
func tSub(a, b *Tensor) *Tensor {
	switch {
	case b == nil:
		return a
	case a == nil:
		return Neg(b)
	}
	return Sub(a, b)
}

// matTrace returns the traces (...) of square matrices (..., n, n).
func matTrace(x *Tensor) *Tensor { return Sum(diagOf(x), -1) }

// detForward computes det(A), or log|det(A)| when logAbs, from A's LU
// factors: the product of U's diagonal, its sign flipped by each row swap. A
// singular matrix has det 0 and log|det| −Inf, as in PyTorch.
func detForward(c *Ctx, logAbs bool) *Tensor {
	a := c.Inputs[0]
	name := "det"
	if logAbs {
		name = "logabsdet"
	}
	m := squareOf(name, a)
	out := newTensorRaw(c.tape, a.dtype, append([]int(nil), m.batch...))
	for i := 0; i < m.n; i++ {
		_, logabs, det := slogdet64(m, a, i)
		if logAbs {
			out.set(i, logabs)
		} else {
			out.set(i, det)
		}
	}
	return out
}

// slogdet64 returns the sign, log|det| and det of matrix i of a (the last as
// the signed product of U's diagonal, as LAPACK users compute it): (0, −Inf,
// 0) when it is singular.
func slogdet64(m matrices, a *Tensor, i int) (sign, logabs, det float64) {
	lu := m.scratch(a, i)
	defer kernel.Put64(lu.Data)
	ipiv := make([]int, m.r)
	lapack64.Getrf(lu, ipiv)
	sign, det = 1, 1
	for k := 0; k < m.r; k++ {
		u := lu.Data[k*lu.Stride+k]
		if u == 0 {
			return 0, math.Inf(-1), 0
		}
		if u < 0 {
			sign = -sign
		}
		if ipiv[k] != k {
			sign, det = -sign, -det
		}
		logabs += math.Log(math.Abs(u))
		det *= u
	}
	return sign, logabs, det
}

// slogdetSignOp computes the signs of the determinants: piecewise constant,
// so not differentiated.
var slogdetSignOp = &Op{
	Name:     "slogdet_sign",
	constant: true,
	Forward: func(c *Ctx) *Tensor {
		a := c.Inputs[0]
		m := squareOf("Slogdet", a)
		out := newTensorRaw(c.tape, a.dtype, append([]int(nil), m.batch...))
		for i := 0; i < m.n; i++ {
			s, _, _ := slogdet64(m, a, i)
			out.set(i, s)
		}
		return out
	},
}

type triParams struct{ upper, trans bool }

func trisolveForward(c *Ctx) *Tensor {
	t, b, p := c.Inputs[0], c.Inputs[1], c.Params.(triParams)
	dt := checkDType("triangular_solve", t, b)
	mt, mb := squareOf("triangular_solve", t), matricesOf("triangular_solve", b)
	if !sameShape(mt.batch, mb.batch) || mb.r != mt.r {
		panicf("triangular_solve", "T of shape %s and B of shape %s: want T (..., n, n) and B (..., n, k) with the same batch", fmtShape(t.shape), fmtShape(b.shape))
	}
	out := newTensorRaw(c.tape, dt, b.shape)
	for i := 0; i < mt.n; i++ {
		tm := mt.read(t, i)
		for k := 0; k < mt.r; k++ {
			if tm[k*mt.r+k] == 0 {
				panicf("triangular_solve", "%s (%d×%d) is singular: diagonal element %d is 0", batchIndex(mt, i), mt.r, mt.r, k)
			}
		}
		x, done := mb.into(out, b, i)
		if mb.r > 0 && mb.c > 0 {
			trsm(p.upper, p.trans, mt.r, mb.c, tm, mt.r, x, mb.c)
		}
		done()
	}
	return out
}

func choleskyForward(c *Ctx) *Tensor {
	a := c.Inputs[0]
	m := squareOf("cholesky", a)
	out := newTensor(c.tape, a.dtype, a.shape) // the upper triangle stays 0
	for i := 0; i < m.n; i++ {
		// S = Uᵀ·U with U upper triangular, then L = Uᵀ: gonum's potrf is
		// about twice as fast on the upper triangle of a row-major matrix.
		s := m.symmetric(a, i)
		u, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: m.r, Stride: s.Stride, Data: s.Data})
		if !ok {
			kernel.Put64(s.Data)
			panicf("cholesky", "%s (%d×%d) is not positive definite", batchIndex(m, i), m.r, m.r)
		}
		n, off := m.r, i*m.r*m.r
		for p0 := 0; p0 < n; p0 += 32 { // in tiles, as symmetric
			for q0 := p0; q0 < n; q0 += 32 {
				for p := p0; p < min(p0+32, n); p++ {
					for q := max(q0, p); q < min(q0+32, n); q++ {
						out.set(off+q*n+p, u.Data[p*u.Stride+q])
					}
				}
			}
		}
		kernel.Put64(s.Data)
	}
	return out
}

// wellConditioned draws a batch of n×n matrices n·I + U(−1, 1): diagonally
// dominant, so far from singular. It is the domain of the registry's cases.
func wellConditioned(r *randSource, n int, batch ...int) *Tensor {
	x := Uniform(r, -1, 1, append(append([]int(nil), batch...), n, n)...)
	for i := range x.f64 {
		if (i%(n*n))%(n+1) == 0 {
			x.f64[i] += float64(n)
		}
	}
	return x
}

// spd draws a batch of symmetric positive definite n×n matrices X·Xᵀ/n + I.
func spd(r *randSource, n int, batch ...int) *Tensor {
	x := Uniform(r, -1, 1, append(append([]int(nil), batch...), n, n)...)
	s := Add(MulScalar(MatMulT(x, x, false, true), 1/float64(n)), Eye(n))
	return s.Detach()
}

// Solve returns X with A·X = B for square A (..., n, n) and B (..., n, k),
// or, when B has one dimension less than A and B's shape is A's without the
// last dimension, B (..., n) is a batch of vectors and so is X (the rule of
// torch.linalg.solve). Batch dimensions broadcast. It panics, naming the
// matrix, when A is singular (an exactly zero pivot of its LU factors);
// near-singular matrices give large, inaccurate solutions, as in LAPACK.
func Solve(a, b *Tensor) *Tensor { return solve(a, b, false) }

// SolveT returns X with Aᵀ·X = B, as Solve, without transposing A.
func SolveT(a, b *Tensor) *Tensor { return solve(a, b, true) }

func solve(a, b *Tensor, trans bool) *Tensor {
	squareOf("solve", a)
	vec := len(b.shape) == 1 || len(b.shape) == len(a.shape)-1 && sameShape(b.shape, a.shape[:len(a.shape)-1])
	if vec {
		b = Unsqueeze(b, -1)
	}
	if b.Dims() < 2 || b.shape[len(b.shape)-2] != a.shape[len(a.shape)-1] {
		panicf("solve", "A of shape %s and B of shape %s: want A (..., n, n) and B (..., n, k) or (..., n)", fmtShape(a.shape), fmtShape(b.shape))
	}
	a, b = sameBatch("solve", a, b)
	x := solveOp.Apply(solveParams{trans}, a, b)
	if vec {
		x = Squeeze(x, -1)
	}
	return x
}

// Inv returns the inverses of square matrices (..., n, n). It panics, naming
// the matrix, when one is singular. To solve a system, Solve is faster and
// more accurate than multiplying by the inverse.
func Inv(a *Tensor) *Tensor { return invOp.Apply(nil, a) }

// Det returns the determinants (...) of square matrices (..., n, n), from
// their LU factors; a singular matrix has determinant 0. Its derivative,
// det(A)·A⁻ᵀ, needs the inverse: at a singular matrix it panics (inv).
func Det(a *Tensor) *Tensor { return detOp.Apply(nil, a) }

// Slogdet returns the signs (−1, 0 or 1) and the logarithms of the absolute
// values of the determinants of square matrices (..., n, n): det = sign·exp(logabsdet)
// without overflow. A singular matrix gives sign 0 and logabsdet −Inf, as in
// PyTorch. The sign is piecewise constant and carries no gradient; the
// derivative of logabsdet is A⁻ᵀ, which panics (inv) at a singular matrix.
func Slogdet(a *Tensor) (sign, logabsdet *Tensor) {
	return slogdetSignOp.Apply(nil, a), logabsdetOp.Apply(nil, a)
}

// TriangularSolve returns X with T·X = B, where T (..., n, n) is lower
// triangular (upper=false) or upper triangular, and B is (..., n, k); with
// transpose it solves Tᵀ·X = B. Only T's triangle is read (and
// differentiated); batch dimensions broadcast. It panics when T has a zero
// on its diagonal.
func TriangularSolve(t, b *Tensor, upper, transpose bool) *Tensor {
	squareOf("triangular_solve", t)
	t, b = sameBatch("triangular_solve", t, b)
	return trisolveOp.Apply(triParams{upper, transpose}, t, b)
}

// Cholesky returns the lower triangular L with L·Lᵀ = A for symmetric positive
// definite matrices A (..., n, n). It reads the symmetric part (A + Aᵀ)/2, so
// its gradient is symmetric. It panics, naming the matrix, when one is not
// positive definite.
func Cholesky(a *Tensor) *Tensor { return choleskyOp.Apply(nil, a) }

// CholeskySolve returns X with A·X = B given the Cholesky factor L of A
// (L·Lᵀ = A, as Cholesky returns) and B (..., n, k): two triangular solves,
// differentiable with respect to L and B.
func CholeskySolve(l, b *Tensor) *Tensor {
	y := TriangularSolve(l, b, false, false)
	return TriangularSolve(l, y, false, true)
}

// MatrixPower returns A^k for square matrices (..., n, n) by repeated
// squaring: the identity for k = 0 and powers of the inverse for k < 0.
func MatrixPower(a *Tensor, k int) *Tensor {
	m := squareOf("MatrixPower", a)
	if k < 0 {
		a, k = Inv(a), -k
	}
	var res *Tensor
	for p := a; k > 0; k >>= 1 {
		if k&1 == 1 {
			if res == nil {
				res = p
			} else {
				res = MatMul(res, p)
			}
		}
		if k > 1 {
			p = MatMul(p, p)
		}
	}
	if res == nil {
		id := maskMat(a.dtype, m.r, m.r, func(i, j int) float64 { return float64(boolInt(i == j)) })
		return Expand(id, a.shape...) // a constant of the batch's shape
	}
	return res
}

// choleskyGradOp computes cholesky's VJP, sym(L⁻ᵀ·Φ(Lᵀ·G)·L⁻¹), for FastVJP
// (inputs L and G): a product and two triangular solves in float64.
var choleskyGradOp = &Op{
	Name:     "cholesky_grad",
	Batch:    batchLeading,
	constant: true,
	Forward: func(c *Ctx) *Tensor {
		l, g := c.Inputs[0], c.Inputs[1]
		m := squareOf("cholesky", l)
		n := m.r
		out := newTensorRaw(c.tape, l.dtype, l.shape)
		p, t := kernel.Get64(n*n), kernel.Get64(n*n)
		defer kernel.Put64(p)
		defer kernel.Put64(t)
		for i := 0; i < m.n; i++ {
			lv, gv := m.read(l, i), m.read(g, i)
			if n == 0 {
				continue
			}
			gemm.Dgemm(true, false, n, n, n, 1, lv, n, gv, n, 0, p, n) // Lᵀ·G
			for r := 0; r < n; r++ {                                   // Φ: the lower triangle, half the diagonal
				p[r*n+r] *= 0.5
				clear(p[r*n+r+1 : (r+1)*n])
			}
			trsm(false, true, n, n, lv, n, p, n) // Y = L⁻ᵀ·Φ
			transposeInto(t, p, n)
			trsm(false, true, n, n, lv, n, t, n) // L⁻ᵀ·Yᵀ = (Y·L⁻¹)ᵀ
			transposeInto(p, t, n)
			for r := range p {
				p[r] = 0.5 * (p[r] + t[r])
			}
			store(out, i, n, n, p, n)
		}
		return out
	},
}

// transposeInto sets dst to the transpose of the n×n matrix src, in tiles.
func transposeInto(dst, src []float64, n int) {
	for p0 := 0; p0 < n; p0 += 32 {
		for q0 := 0; q0 < n; q0 += 32 {
			for p := p0; p < min(p0+32, n); p++ {
				for q := q0; q < min(q0+32, n); q++ {
					dst[q*n+p] = src[p*n+q]
				}
			}
		}
	}
}
