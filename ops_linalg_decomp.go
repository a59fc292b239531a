package nabla

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"

	"github.com/nabla-go/nabla/internal/kernel"
)

// Decompositions with several results: QR, the symmetric eigendecomposition
// and the SVD. Each is one op whose output packs its results (see linalg.go);
// their rules unpack with slices, so they are written with ops like any
// other. The eigenvector and singular-vector rules divide by differences of
// eigenvalues (squared singular values): linalg_gap_div does that division
// and refuses to divide by a difference that is zero.

var qrOp, eighOp, svdOp, gapDivOp *Op

func init() {
	qrOp = Register(&Op{
		Name:    "qr",
		Batch:   batchLeading,
		Forward: qrForward,
		// A = Q·R, m ≥ n. With D = dA·R⁻¹ and C = Qᵀ·D = QᵀdQ + dR·R⁻¹ (skew
		// plus upper triangular), Ω = tril(C, −1) − tril(C, −1)ᵀ and U = C − Ω:
		// dR = U·R, dQ = D − Q·U. Its adjoint, with M = gR·Rᵀ − Qᵀ·gQ:
		// ∂A = (gQ + Q·copyu(M))·R⁻ᵀ, copyu(M) the symmetric matrix with M's
		// upper triangle.
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			q, r := qrParts(c.Output)
			gq, gr := qrParts(g)
			m := Sub(MatMulT(gr, r, false, true), MatMulT(q, gq, true, false))
			z := Add(gq, MatMul(q, Add(triPart(m, true, 1), triPart(mT(m), false, 0))))
			return []*Tensor{mT(trisolveOp.Apply(triParams{upper: true}, r, mT(z)))}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			q, r := qrParts(c.Output)
			dd := mT(trisolveOp.Apply(triParams{upper: true, trans: true}, r, mT(d[0]))) // dA·R⁻¹
			cc := MatMulT(q, dd, true, false)
			l := triPart(cc, false, 0)
			u := Add(Sub(cc, l), mT(l))
			return Concat(-2, Sub(dd, MatMul(q, u)), MatMul(u, r))
		},
		Cases: []Case{
			{Name: "tall", Make: func(r *randSource) []*Tensor { return []*Tensor{Uniform(r, -1, 1, 4, 3)} }},
			{Name: "square", Make: func(r *randSource) []*Tensor { return []*Tensor{wellConditioned(r, 3)} }},
			{Name: "batch", Make: func(r *randSource) []*Tensor { return []*Tensor{Uniform(r, -1, 1, 2, 3, 2)} }},
		},
	})

	eighOp = Register(&Op{
		Name:    "eigh",
		Batch:   batchLeading,
		Forward: eighForward,
		// S = (A + Aᵀ)/2 = V·diag(λ)·Vᵀ. With K = Vᵀ·dS·V and F_ij = 1/(λj − λi)
		// (0 on the diagonal): dλ = diag(K), dV = V·(F∘K); so
		// ∂S = V·(diag(gλ) + F∘(Vᵀ·gV))·Vᵀ and ∂A is its symmetric part.
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			lam, v := eighParts(c.Output)
			glam, gv := eighParts(g)
			inner := Add(diagEmbed(glam), gapDivOp.Apply("eigh", MatMulT(v, gv, true, false), lam))
			return []*Tensor{symPart(MatMul(v, MatMulT(inner, v, false, true)))}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			lam, v := eighParts(c.Output)
			k := MatMul(MatMulT(v, symPart(d[0]), true, false), v)
			dv := MatMul(v, gapDivOp.Apply("eigh", k, lam))
			return Concat(-2, Unsqueeze(diagOf(k), -2), dv)
		},
		Cases: []Case{
			{Name: "symmetric", Make: func(r *randSource) []*Tensor { return []*Tensor{separated(r, 3, true)} }},
			{Name: "nonsymmetric-input", Make: func(r *randSource) []*Tensor { return []*Tensor{separated(r, 3, false)} }},
			{Name: "batch", Make: func(r *randSource) []*Tensor { return []*Tensor{separated(r, 3, true, 2)} }},
		},
	})

	svdOp = Register(&Op{
		Name:    "svd",
		Batch:   batchLeading,
		Forward: svdForward,
		// A = U·diag(s)·Vᵀ, m ≥ n (Townsend, "Differentiating the singular
		// value decomposition"). With dP = Uᵀ·dA·V and F_ij = 1/(sj² − si²):
		// ds = diag(dP), dU = U·(F∘(dP·S + S·dPᵀ)) + (I − U·Uᵀ)·dA·V·S⁻¹,
		// dV = V·(F∘(S·dP + dPᵀ·S)). The VJP is its adjoint:
		// ∂A = U·((J + Jᵀ)·S + diag(gs) + S·(H + Hᵀ))·Vᵀ + (I − U·Uᵀ)·gU·S⁻¹·Vᵀ
		// with J = F∘(Uᵀ·gU), H = F∘(Vᵀ·gV).
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			u, s, vh := svdParts(c.Output, c.Inputs[0])
			gu, gs, gvh := svdParts(g, c.Inputs[0])
			s2 := Mul(s, s)
			row, col := Unsqueeze(s, -2), Unsqueeze(s, -1) // scale columns, rows
			utgu := MatMulT(u, gu, true, false)
			j := gapDivOp.Apply("svd", utgu, s2)
			h := gapDivOp.Apply("svd", MatMul(vh, mT(gvh)), s2)
			gp := Add(Add(Mul(Add(j, mT(j)), row), diagEmbed(gs)), Mul(col, Add(h, mT(h))))
			ga := MatMul(u, MatMul(gp, vh))
			if u.shape[len(u.shape)-2] > u.shape[len(u.shape)-1] {
				ga = Add(ga, MatMul(Div(Sub(gu, MatMul(u, utgu)), row), vh))
			}
			return []*Tensor{ga}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			a := c.Inputs[0]
			u, s, vh := svdParts(c.Output, a)
			s2 := Mul(s, s)
			row, col := Unsqueeze(s, -2), Unsqueeze(s, -1)
			dav := MatMulT(d[0], vh, false, true)
			dp := MatMul(mT(u), dav)
			dpt := mT(dp)
			du := MatMul(u, gapDivOp.Apply("svd", Add(Mul(dp, row), Mul(col, dpt)), s2))
			if u.shape[len(u.shape)-2] > u.shape[len(u.shape)-1] {
				du = Add(du, Div(Sub(dav, MatMul(u, dp)), row))
			}
			dv := MatMulT(vh, gapDivOp.Apply("svd", Add(Mul(col, dp), Mul(dpt, row)), s2), true, false)
			return svdPack(du, diagOf(dp), mT(dv))
		},
		Cases: []Case{
			{Name: "tall", Make: func(r *randSource) []*Tensor { return []*Tensor{spread(r, 4, 3)} }},
			{Name: "square", Make: func(r *randSource) []*Tensor { return []*Tensor{spread(r, 3, 3)} }},
			{Name: "batch", Make: func(r *randSource) []*Tensor { return []*Tensor{spread(r, 3, 2, 2)} }},
		},
	})

	gapDivOp = Register(&Op{
		Name:    "linalg_gap_div",
		Batch:   batchLeading,
		Forward: gapDivForward,
		// Y_ij = K_ij/(λj − λi): ∂K = G/(λj − λi); with R = G∘Y/(λj − λi),
		// ∂λ = rowsums(R) − colsums(R).
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			lam, who := c.Inputs[1], c.Params
			gs := []*Tensor{nil, nil}
			if c.NeedsGrad(0) {
				gs[0] = gapDivOp.Apply(who, g, lam)
			}
			if c.NeedsGrad(1) {
				r := gapDivOp.Apply(who, Mul(g, c.Output), lam)
				gs[1] = Sub(Sum(r, -1), Sum(r, -2))
			}
			return gs
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			lam, who := c.Inputs[1], c.Params
			var dy *Tensor
			if d[0] != nil {
				dy = gapDivOp.Apply(who, d[0], lam)
			}
			if d[1] != nil {
				de := Sub(Unsqueeze(d[1], -2), Unsqueeze(d[1], -1))
				dy = tSub(dy, gapDivOp.Apply(who, Mul(c.Output, de), lam))
			}
			return dy
		},
		Cases: []Case{
			{Name: "matrix", Params: "eigh", Make: func(r *randSource) []*Tensor {
				return []*Tensor{Uniform(r, -1, 1, 3, 3), FromSlice([]float64{-1, 0.5, 2}, 3)}
			}},
			{Name: "batch", Params: "svd", Make: func(r *randSource) []*Tensor {
				return []*Tensor{Uniform(r, -1, 1, 2, 2, 2), FromSlice([]float64{1, 2, 3, 5}, 2, 2)}
			}},
		},
	})
}

// qrForward computes the reduced QR factorisation of tall matrices (..., m, n),
// m ≥ n, with LAPACK's geqrf and orgqr, packed as (..., m+n, n): Q above R.
func qrForward(c *Ctx) *Tensor {
	a := c.Inputs[0]
	m := matricesOf("qr", a)
	if m.r < m.c {
		panicf("qr", "input of shape %s: the packed factorisation needs rows >= columns (QR factors wide matrices by columns)", fmtShape(a.shape))
	}
	shape := append(append([]int(nil), m.batch...), m.r+m.c, m.c)
	out := newTensor(c.tape, a.dtype, shape)
	if m.c == 0 {
		return out
	}
	tau := make([]float64, m.c)
	for i := 0; i < m.n; i++ {
		x := m.general(a, i)
		work := make([]float64, 1)
		lapack64.Geqrf(x, tau, work, -1)
		work = make([]float64, int(work[0]))
		lapack64.Geqrf(x, tau, work, len(work))
		r := make([]float64, m.c*m.c)
		for p := 0; p < m.c; p++ {
			copy(r[p*m.c+p:(p+1)*m.c], x.Data[p*x.Stride+p:p*x.Stride+m.c])
		}
		lapack64.Orgqr(x, tau, work, -1)
		if int(work[0]) > len(work) {
			work = make([]float64, int(work[0]))
		}
		lapack64.Orgqr(x, tau, work, len(work))
		packed := append(x.Data[:m.r*m.c:m.r*m.c], r...)
		store(out, i, m.r+m.c, m.c, packed, m.c)
	}
	return out
}

// qrParts unpacks qr's output (or its gradient) into Q and R.
func qrParts(p *Tensor) (q, r *Tensor) {
	k := len(p.shape)
	n := p.shape[k-1]
	m := p.shape[k-2] - n
	return Slice(p, -2, 0, m, 1), Slice(p, -2, m, m+n, 1)
}

// eighForward computes the eigenvalues (ascending) and orthonormal
// eigenvectors of the symmetric parts of square matrices (..., n, n) with
// LAPACK's syev, packed as (..., n+1, n): the eigenvalues, then V.
func eighForward(c *Ctx) *Tensor {
	a := c.Inputs[0]
	m := squareOf("eigh", a)
	n := m.r
	out := newTensor(c.tape, a.dtype, append(append([]int(nil), m.batch...), n+1, n))
	if n == 0 {
		return out
	}
	packed := make([]float64, (n+1)*n)
	for i := 0; i < m.n; i++ {
		s := m.symmetric(a, i)
		sym := blas64.Symmetric{Uplo: blas.Upper, N: n, Stride: s.Stride, Data: s.Data}
		work := make([]float64, 1)
		lapack64.Syev(lapack.EVCompute, sym, packed[:n], work, -1)
		work = make([]float64, int(work[0]))
		if !lapack64.Syev(lapack.EVCompute, sym, packed[:n], work, len(work)) {
			panicf("eigh", "%s: the eigenvalue iteration did not converge", batchIndex(m, i))
		}
		copy(packed[n:], s.Data)
		kernel.Put64(s.Data)
		store(out, i, n+1, n, packed, n)
	}
	return out
}

// eighParts unpacks eigh's output into the eigenvalues (..., n) and V.
func eighParts(p *Tensor) (lam, v *Tensor) {
	k := len(p.shape)
	n := p.shape[k-1]
	return Squeeze(Slice(p, -2, 0, 1, 1), -2), Slice(p, -2, 1, n+1, 1)
}

// svdForward computes the thin SVD of tall matrices (..., m, n), m ≥ n, with
// LAPACK's gesvd, packed as (..., m·n + n + n·n): U, s (descending), Vᵀ.
func svdForward(c *Ctx) *Tensor {
	a := c.Inputs[0]
	m := matricesOf("svd", a)
	if m.r < m.c {
		panicf("svd", "input of shape %s: the packed factorisation needs rows >= columns (SVD transposes wide matrices)", fmtShape(a.shape))
	}
	r, n := m.r, m.c
	size := r*n + n + n*n
	out := newTensor(c.tape, a.dtype, append(append([]int(nil), m.batch...), size))
	if n == 0 {
		return out
	}
	packed := make([]float64, size)
	for i := 0; i < m.n; i++ {
		x := m.general(a, i)
		u := blas64.General{Rows: r, Cols: n, Stride: n, Data: packed[:r*n]}
		vt := blas64.General{Rows: n, Cols: n, Stride: n, Data: packed[r*n+n:]}
		s := packed[r*n : r*n+n]
		work := make([]float64, 1)
		lapack64.Gesvd(lapack.SVDStore, lapack.SVDStore, x, u, vt, s, work, -1)
		work = make([]float64, int(work[0]))
		if !lapack64.Gesvd(lapack.SVDStore, lapack.SVDStore, x, u, vt, s, work, len(work)) {
			panicf("svd", "%s: the SVD iteration did not converge", batchIndex(m, i))
		}
		store(out, i, 1, size, packed, size)
	}
	return out
}

// svdParts unpacks svd's output (or its gradient) for the input a into U,
// s and Vᵀ.
func svdParts(p, a *Tensor) (u, s, vh *Tensor) {
	k := len(a.shape)
	m, n := a.shape[k-2], a.shape[k-1]
	batch := a.shape[:k-2]
	shape := func(r, c int) []int { return append(append([]int(nil), batch...), r, c) }
	u = Reshape(Slice(p, -1, 0, m*n, 1), shape(m, n)...)
	s = Slice(p, -1, m*n, m*n+n, 1)
	vh = Reshape(Slice(p, -1, m*n+n, m*n+n+n*n, 1), shape(n, n)...)
	return
}

// svdPack packs U, s and Vᵀ (or their tangents) as svd's output.
func svdPack(u, s, vh *Tensor) *Tensor {
	k := len(u.shape)
	batch := u.shape[:k-2]
	flat := func(x *Tensor) *Tensor { return Reshape(x, append(append([]int(nil), batch...), -1)...) }
	return Concat(-1, flat(u), s, flat(vh))
}

// gapDivForward computes Y_ij = K_ij/(λj − λi) off the diagonal and 0 on
// it. Two eigenvalues closer than 8·n·ε·max|λ| coincide: there Y is 0 when
// K_ij is 0 (the caller's result does not depend on how the eigenvectors of
// the repeated eigenvalue are chosen), and otherwise the derivative is not
// defined and it panics, naming the decomposition (c.Params).
func gapDivForward(c *Ctx) *Tensor {
	k, lam, who := c.Inputs[0], c.Inputs[1], c.Params.(string)
	dt := checkDType(who, k, lam)
	m := squareOf(who, k)
	n := m.r
	if lam.Dims() != k.Dims()-1 || !sameShape(lam.shape[:lam.Dims()-1], m.batch) || lam.shape[lam.Dims()-1] != n {
		panicf(who, "internal error: gap division of %s by %s", fmtShape(k.shape), fmtShape(lam.shape))
	}
	out := newTensor(c.tape, dt, k.shape)
	tol := 8 * float64(n) * epsOf(dt)
	for b := 0; b < m.n; b++ {
		l := make([]float64, n)
		scale := 0.0
		for i := range l {
			l[i] = lam.at(b*n + i)
			scale = math.Max(scale, math.Abs(l[i]))
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				o := b*n*n + i*n + j
				kv, e := k.at(o), l[j]-l[i]
				switch {
				case i == j || kv == 0:
				case math.Abs(e) <= tol*scale:
					what := "eigenvalues"
					if who == "svd" {
						what = "squared singular values"
					}
					panicf(who, "%s %d and %d of %s coincide (%.6g and %.6g): the derivative through the vectors of a repeated value is not defined; differentiate a function of the values only, or of the subspace", what, i, j, batchIndex(m, b), l[i], l[j])
				default:
					out.set(o, kv/e)
				}
			}
		}
	}
	return out
}

// separated draws symmetric n×n matrices (or, unless sym, matrices with a
// symmetric part) whose eigenvalues are about 1, 2, …, n: well separated.
func separated(r *randSource, n int, sym bool, batch ...int) *Tensor {
	x := Uniform(r, -0.2, 0.2, append(append([]int(nil), batch...), n, n)...)
	if sym {
		x = symPart(x)
	}
	d := maskMat(Float64, n, n, func(i, j int) float64 { return float64((i + 1) * boolInt(i == j)) })
	return Add(x, d).Detach()
}

// spread draws m×n matrices whose singular values are about n, n−1, …, 1.
func spread(r *randSource, m, n int, batch ...int) *Tensor {
	x := Uniform(r, -0.2, 0.2, append(append([]int(nil), batch...), m, n)...)
	d := maskMat(Float64, m, n, func(i, j int) float64 { return float64((n - i) * boolInt(i == j)) })
	return Add(x, d).Detach()
}

// QR returns the reduced QR factorisation A = Q·R of matrices (..., m, n):
// Q (..., m, k) with orthonormal columns and R (..., k, n) upper triangular,
// k = min(m, n), as LAPACK's geqrf computes them (R's diagonal may be
// negative, as in PyTorch). Its derivatives need R's leading k×k block to be
// invertible (A of full rank).
func QR(a *Tensor) (q, r *Tensor) {
	m := matricesOf("qr", a)
	if m.r < m.c {
		// A = [X Y] with X square: X = Q·R₁ and R = [R₁ Qᵀ·Y].
		q, r1 := QR(Slice(a, -1, 0, m.r, 1))
		return q, Concat(-1, r1, MatMulT(q, Slice(a, -1, m.r, m.c, 1), true, false))
	}
	return qrParts(qrOp.Apply(nil, a))
}

// Eigh returns the eigenvalues (..., n), in ascending order, and the
// orthonormal eigenvectors (..., n, n), as columns, of symmetric matrices
// (..., n, n); it reads the symmetric part (A + Aᵀ)/2. Eigenvectors are
// defined up to sign (and, for a repeated eigenvalue, up to a rotation in its
// eigenspace). The derivative through the eigenvectors divides by the
// differences of eigenvalues: when two coincide (within 8·n·ε·max|λ|) and the
// result depends on how their eigenvectors are chosen, it panics, naming the
// eigenvalues. Derivatives of functions of the eigenvalues alone are defined
// at first order even then.
func Eigh(a *Tensor) (eigenvalues, eigenvectors *Tensor) {
	return eighParts(eighOp.Apply(nil, a))
}

// SVD returns the thin singular value decomposition A = U·diag(S)·Vh of
// matrices (..., m, n): U (..., m, k), S (..., k) in descending order and Vh
// (..., k, n), k = min(m, n), as torch.linalg.svd with full_matrices=false.
// Singular vectors are defined up to sign. Their derivatives divide by the
// differences of squared singular values (a repeated singular value panics,
// as in Eigh) and, when m ≠ n, by the singular values themselves: they need A
// of full rank with distinct singular values.
func SVD(a *Tensor) (u, s, vh *Tensor) {
	m := matricesOf("svd", a)
	if m.r < m.c {
		ut, st, vht := SVD(mT(a))
		return mT(vht), st, mT(ut)
	}
	return svdParts(svdOp.Apply(nil, a), a)
}

// Lstsq returns the least-squares solution X minimising ‖A·X − B‖ for A
// (..., m, n) of full rank and B (..., m, k) (or (m) for one right-hand side):
// through the QR factors of A when m ≥ n, and the minimum-norm solution
// through those of Aᵀ when m < n. Batch dimensions broadcast. Rank-deficient
// A panics (a zero on R's diagonal) or gives an inaccurate solution when
// nearly so.
func Lstsq(a, b *Tensor) *Tensor {
	m := matricesOf("lstsq", a)
	vec := b.Dims() == 1
	if vec {
		b = Unsqueeze(b, -1)
	}
	if b.Dims() < 2 || b.shape[b.Dims()-2] != m.r {
		panicf("lstsq", "A of shape %s and B of shape %s: want A (..., m, n) and B (..., m, k) or (m)", fmtShape(a.shape), fmtShape(b.shape))
	}
	a, b = sameBatch("lstsq", a, b)
	var x *Tensor
	if m.r >= m.c {
		q, r := QR(a)
		x = trisolveOp.Apply(triParams{upper: true}, r, MatMulT(q, b, true, false))
	} else {
		q, r := QR(mT(a)) // A = Rᵀ·Qᵀ: X = Q·R⁻ᵀ·B
		x = MatMul(q, trisolveOp.Apply(triParams{upper: true, trans: true}, r, b))
	}
	if vec {
		x = Squeeze(x, -1)
	}
	return x
}

var matrixExpOp *Op

func init() {
	// The Fréchet derivative L(A, E) of exp at A in direction E is the
	// upper-right block of exp([[A, E], [0, A]]) (Higham, "Functions of
	// Matrices", 3.2), and its adjoint is L(Aᵀ, ·): both rules are the op
	// itself on a matrix twice the size, so they differentiate again.
	matrixExpOp = Register(&Op{
		Name:  "matrix_exp",
		Batch: batchLeading,
		Forward: func(c *Ctx) *Tensor {
			a := c.Inputs[0]
			m := squareOf("matrix_exp", a)
			out := newTensorRaw(c.tape, a.dtype, a.shape)
			var e mat.Dense
			for i := 0; i < m.n; i++ {
				if m.r == 0 {
					break
				}
				x := m.general(a, i)
				e.Exp(mat.NewDense(m.r, m.r, x.Data))
				raw := e.RawMatrix()
				store(out, i, m.r, m.r, raw.Data, raw.Stride)
			}
			return out
		},
		VJP: func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{expFrechet(mT(c.Inputs[0]), g)} },
		JVP: func(c *Ctx, d []*Tensor) *Tensor { return expFrechet(c.Inputs[0], d[0]) },
		Cases: []Case{
			{Name: "matrix", Shapes: [][]int{{3, 3}}, Lo: -0.7, Hi: 0.7},
			{Name: "batch", Shapes: [][]int{{2, 2, 2}}, Lo: -1, Hi: 1},
		},
	})
}

// expFrechet returns L(A, E), the upper-right block of exp([[A, E], [0, A]]).
func expFrechet(a, e *Tensor) *Tensor {
	n := a.shape[len(a.shape)-1]
	if !sameShape(e.shape, a.shape) {
		e = Expand(e, a.shape...)
	}
	block := Concat(-2, Concat(-1, a, e), Concat(-1, ZerosLike(a), a))
	return Slice(Slice(matrixExpOp.Apply(nil, block), -2, 0, n, 1), -1, n, 2*n, 1)
}

// MatrixExp returns the matrix exponentials of square matrices (..., n, n),
// with gonum's scaling and squaring Padé approximation (mat.Dense.Exp). Its
// derivatives are exponentials of 2n×2n block matrices.
func MatrixExp(a *Tensor) *Tensor { return matrixExpOp.Apply(nil, a) }
