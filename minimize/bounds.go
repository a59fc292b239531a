package minimize

import (
	"errors"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// This file is the l-bfgs-b method: the limited-memory algorithm for bound
// constrained optimisation of Byrd, Lu, Nocedal and Zhu, "A limited memory
// algorithm for bound constrained optimization", SIAM J. Sci. Comput. 16(5),
// 1995, with the projected subspace step of Morales and Nocedal's remark
// (ACM TOMS 38(1), 2011) that SciPy's L-BFGS-B 3.0 uses, safeguarded (see
// subspace). It is written from the papers, not translated from the
// Fortran. Section numbers below are the 1995 paper's.

// box is the feasible region l ≤ x ≤ u; ±Inf bounds are allowed.
type box struct {
	l, u        []float64
	constrained bool // some bound is finite
	boxed       bool // every variable has two finite bounds
}

// newBox checks the bounds; nil lower or upper means unbounded.
func newBox(n int, lower, upper []float64) (*box, error) {
	b := &box{l: make([]float64, n), u: make([]float64, n), boxed: true}
	for i := range n {
		b.l[i], b.u[i] = math.Inf(-1), math.Inf(1)
		if lower != nil {
			b.l[i] = lower[i]
		}
		if upper != nil {
			b.u[i] = upper[i]
		}
		if !(b.l[i] <= b.u[i]) || math.IsInf(b.l[i], 1) || math.IsInf(b.u[i], -1) {
			return nil, errors.New("minimize: a lower bound exceeds its upper bound (or is NaN, or +Inf)")
		}
		lf, uf := !math.IsInf(b.l[i], 0), !math.IsInf(b.u[i], 0)
		b.constrained = b.constrained || lf || uf
		b.boxed = b.boxed && lf && uf
	}
	return b, nil
}

func (b *box) clip(i int, v float64) float64 { return min(max(v, b.l[i]), b.u[i]) }

// project moves x into the box.
func (b *box) project(x []float64) {
	for i := range x {
		x[i] = b.clip(i, x[i])
	}
}

// projGradNorm is ‖P(x − g) − x‖∞, the projected gradient's max-norm: zero
// exactly at the points that satisfy the first-order (KKT) conditions.
func (b *box) projGradNorm(x, g []float64) float64 {
	m := 0.0
	for i := range x {
		if !finite(g[i]) {
			return math.NaN()
		}
		m = max(m, math.Abs(b.clip(i, x[i]-g[i])-x[i]))
	}
	return m
}

// lbfgsb minimises within the box. Every iteration
//
//  1. finds the generalized Cauchy point x̂ᶜ: the first local minimiser of
//     the quadratic model m(x+s) = gᵀs + ½sᵀBs along the projected
//     steepest-descent path x(t) = P(x − tg), segment by segment over the
//     breakpoints in order (Algorithm CP, section 4), with B the compact
//     limited-memory BFGS matrix (section 3);
//  2. minimises the model over the variables that are not at a bound at x̂ᶜ,
//     the others held there, by the direct primal method (section 5.1), and
//     brings the minimiser into the box: projected (Morales and Nocedal)
//     when that is downhill and the model is no higher there than at x̂ᶜ,
//     else truncated as in the paper;
//  3. searches the line from x to that point x̄ for a step satisfying the
//     strong Wolfe conditions (More–Thuente, c₁ = 10⁻³, c₂ = 0.9), never
//     beyond the box;
//  4. keeps the correction pair (s, y) when sᵀy > ε·yᵀy.
//
// It stops successfully when the projected gradient has max-norm ≤ GTol, or
// when the relative reduction of f in an iteration is ≤ FTol, as SciPy does.
// A line search that cannot decrease f in 20 evaluations discards the
// memory and starts again from the steepest-descent path; if that fails
// too, the run ends with PrecisionLoss. Without bounds there are no
// breakpoints and every variable is free, so x̄ = x − B⁻¹g: L-BFGS.
func (r *run) lbfgsb(b *box) {
	pg := b.projGradNorm(r.x, r.g)
	if r.start(pg) {
		return
	}
	n := len(r.x)
	st := &lbState{
		b: b, mem: newLBMemory(n, r.o.Memory),
		xc: make([]float64, n), xbar: make([]float64, n), d: make([]float64, n),
		t: make([]float64, n), work: make([]float64, n), du: make([]float64, n),
		xNew: make([]float64, n), gNew: make([]float64, n),
		s: make([]float64, n), y: make([]float64, n),
		zp: make([]float64, n), zc: make([]float64, n),
	}
	for {
		st.cauchy(r.x, r.g)
		if !st.subspace(r.x, r.g) {
			// The small system is numerically singular: as a failed line
			// search, restart with an empty memory (k = 0 cannot fail).
			st.mem.reset()
			continue
		}
		for i := range st.d {
			st.d[i] = st.xbar[i] - r.x[i]
		}
		switch st.search(r) {
		case lsNaN:
			r.status = NaNResult
			return
		case lsMaxFev:
			r.status, r.detail = MaxIterations, "Maximum number of function evaluations has been exceeded."
			return
		case lsFailed:
			if st.mem.k == 0 {
				r.status = PrecisionLoss
				return
			}
			st.mem.reset()
			continue
		}
		for i := range st.s {
			st.s[i], st.y[i] = st.xNew[i]-r.x[i], st.gNew[i]-r.g[i]
		}
		fOld := r.f
		copy(r.x, st.xNew)
		copy(r.g, st.gNew)
		r.f = st.fNew
		r.nit++
		st.mem.add(st.s, st.y)

		pg = b.projGradNorm(r.x, r.g)
		r.trace(pg, math.Sqrt(dot(st.s, st.s)))
		// SciPy's factr test: (f_k − f_k+1)/max(|f_k|, |f_k+1|, 1) ≤ ftol.
		small := fOld-r.f <= r.o.FTol*max(math.Abs(fOld), math.Abs(r.f), 1)
		if s := r.check(pg); s != nil {
			if *s == MaxIterations && small {
				r.status, r.detail = Success, ftolMessage
			}
			return
		}
		if small {
			r.status, r.detail = Success, ftolMessage
			return
		}
	}
}

const ftolMessage = "Optimization terminated successfully. The relative reduction of f is at most ftol."

// lbMemory holds the k ≤ m latest correction pairs sᵢ = xᵢ₊₁ − xᵢ,
// yᵢ = gᵢ₊₁ − gᵢ, oldest first, and the compact form of the L-BFGS matrix
// (section 3, from Byrd, Nocedal and Schnabel 1994):
//
//	B = θI − W M Wᵀ,  W = [Y  θS],  M = K⁻¹,  K = [ −D   Lᵀ  ]
//	                                              [  L  θSᵀS ]
//
// with D = diag(sᵢᵀyᵢ), L the strictly lower triangle of SᵀY (Lᵢⱼ = sᵢᵀyⱼ,
// i > j) and θ = yᵀy/sᵀy of the latest pair. With no pairs B = I.
type lbMemory struct {
	n, m, k    int
	s, y       [][]float64 // the k pairs, oldest first; spare buffers beyond
	sy, ss, yy [][]float64 // m×m: syᵢⱼ = sᵢᵀyⱼ, ssᵢⱼ = sᵢᵀsⱼ, yyᵢⱼ = yᵢᵀyⱼ
	theta      float64
	mm         []float64 // M, 2k×2k row-major
	sad        saddle
}

func newLBMemory(n, m int) *lbMemory {
	mem := &lbMemory{n: n, m: m, theta: 1}
	mem.s, mem.y = make([][]float64, m), make([][]float64, m)
	mem.sy, mem.ss, mem.yy = square(m), square(m), square(m)
	return mem
}

func square(m int) [][]float64 {
	a := make([][]float64, m)
	for i := range a {
		a[i] = make([]float64, m)
	}
	return a
}

func (mem *lbMemory) reset() { mem.k, mem.theta, mem.mm = 0, 1, mem.mm[:0] }

// add stores the pair (s, y) if sᵀy > ε·yᵀy (else B would lose positive
// definiteness, or nearly), dropping the oldest when m are kept, and
// rebuilds θ and M.
func (mem *lbMemory) add(s, y []float64) {
	sy, yy := dot(s, y), dot(y, y)
	if mem.m == 0 || !(sy > eps*yy) {
		return
	}
	if mem.k == mem.m { // drop the oldest pair, reusing its buffers
		s0, y0 := mem.s[0], mem.y[0]
		copy(mem.s, mem.s[1:])
		copy(mem.y, mem.y[1:])
		mem.s[mem.m-1], mem.y[mem.m-1] = s0, y0
		for _, a := range [][][]float64{mem.sy, mem.ss, mem.yy} {
			for i := 0; i < mem.m-1; i++ {
				copy(a[i][:mem.m-1], a[i+1][1:])
			}
		}
		mem.k--
	}
	k := mem.k
	if mem.s[k] == nil {
		mem.s[k], mem.y[k] = make([]float64, mem.n), make([]float64, mem.n)
	}
	copy(mem.s[k], s)
	copy(mem.y[k], y)
	for j := 0; j < k; j++ {
		mem.sy[k][j], mem.sy[j][k] = dot(s, mem.y[j]), dot(mem.s[j], y)
		mem.ss[k][j] = dot(s, mem.s[j])
		mem.ss[j][k] = mem.ss[k][j]
		mem.yy[k][j] = dot(y, mem.y[j])
		mem.yy[j][k] = mem.yy[k][j]
	}
	mem.sy[k][k], mem.ss[k][k], mem.yy[k][k] = sy, dot(s, s), yy
	mem.k++
	mem.theta = yy / sy
	if !mem.formM() {
		mem.reset()
	}
}

// formM computes M = K⁻¹ from the factorisation of K as a saddle-point
// matrix with P = D, C = L, Q = θSᵀS (the Schur complement T = θSᵀS +
// L D⁻¹ Lᵀ is section 3's J Jᵀ).
func (mem *lbMemory) formM() bool {
	k := mem.k
	p, c, q := make([]float64, k*k), make([]float64, k*k), make([]float64, k*k)
	for i := range k {
		p[i*k+i] = mem.sy[i][i]
		for j := range k {
			if i > j {
				c[i*k+j] = mem.sy[i][j]
			}
			q[i*k+j] = mem.theta * mem.ss[i][j]
		}
	}
	if !mem.sad.factor(k, p, c, q) {
		return false
	}
	mem.mm = slices.Grow(mem.mm[:0], 4*k*k)[:4*k*k]
	mem.sad.inverse(mem.mm)
	return true
}

// row stores wᵢ, the i-th row of W = [Y θS], in dst (2k long).
func (mem *lbMemory) row(i int, dst []float64) {
	for j := range mem.k {
		dst[j], dst[mem.k+j] = mem.y[j][i], mem.theta*mem.s[j][i]
	}
}

// wt stores Wᵀv in dst.
func (mem *lbMemory) wt(v, dst []float64) {
	for j := range mem.k {
		dst[j], dst[mem.k+j] = dot(mem.y[j], v), mem.theta*dot(mem.s[j], v)
	}
}

// mulM stores M v in dst.
func (mem *lbMemory) mulM(v, dst []float64) {
	k2 := 2 * mem.k
	for i := range k2 {
		dst[i] = dot(mem.mm[i*k2:(i+1)*k2], v)
	}
}

// lbState is the working storage of one l-bfgs-b run.
type lbState struct {
	b   *box
	mem *lbMemory

	xc     []float64 // the generalized Cauchy point
	c      []float64 // Wᵀ(xc − x), 2k
	xbar   []float64 // the end of the search direction
	d      []float64 // the search direction x̄ − x
	t      []float64 // breakpoints
	heap   []breakpoint
	work   []float64 // scratch: the reduced gradient on the free variables
	du     []float64 // the subspace step on the free variables
	free   []int     // the variables not at a bound at xc
	gather []float64 // scratch for subspace's Gram matrices
	idx    []int     // scratch index list

	xNew, gNew []float64 // the point the line search accepts
	fNew       float64
	s, y       []float64
	zp, zc     []float64 // scratch: P(xc + du) − x, xc − x
}

// cauchy computes the generalized Cauchy point xc and c = Wᵀ(xc − x) by
// the paper's Algorithm CP. Along x(t) = P(x − tg) each variable moves with
// speed −gᵢ until its breakpoint tᵢ, where it reaches its bound and stops.
// On each segment the model is a quadratic in the step Δt with slope f′ and
// curvature f″; these are updated from one segment to the next in O(k²)
// (the compact form makes wᵦᵀMc, wᵦᵀMp and wᵦᵀMwᵦ the only new terms), and
// the search stops in the first segment whose minimiser −f′/f″ lies inside.
func (st *lbState) cauchy(x, g []float64) {
	b, mem := st.b, st.mem
	k2, theta := 2*mem.k, mem.theta
	copy(st.xc, x)
	d, t := st.d, st.t
	heap := st.heap[:0]
	fp, moving := 0.0, 0
	for i := range x {
		t[i] = math.Inf(1)
		switch {
		case g[i] < 0 && !math.IsInf(b.u[i], 1):
			t[i] = (x[i] - b.u[i]) / g[i]
		case g[i] > 0 && !math.IsInf(b.l[i], -1):
			t[i] = (x[i] - b.l[i]) / g[i]
		}
		if g[i] == 0 || t[i] <= 0 { // already at the bound it moves towards
			d[i] = 0
			continue
		}
		d[i] = -g[i]
		fp -= g[i] * g[i]
		moving++
		if !math.IsInf(t[i], 1) {
			heap = append(heap, breakpoint{t[i], i})
		}
	}
	st.heap = heap
	st.c = slices.Grow(st.c[:0], k2)[:k2]
	clear(st.c)
	if moving == 0 {
		return
	}
	p, mp, wb, mwb := make([]float64, k2), make([]float64, k2), make([]float64, k2), make([]float64, k2)
	mem.wt(d, p)
	mem.mulM(p, mp)
	// f″ = dᵀBd = θdᵀd − pᵀMp > 0; kept positive against rounding when B
	// is nearly singular.
	fpp := max(-theta*fp-dot(p, mp), -eps*theta*fp)
	fpp0 := fpp
	dtMin := -fp / fpp
	// The breakpoints in a heap, as the paper suggests: the Cauchy point is
	// usually found after a few of them, so sorting all would be waste.
	heapify(heap)
	told := 0.0
	for len(heap) > 0 {
		var bi int
		heap, bi = popMin(heap)
		dt := t[bi] - told
		if dtMin < dt {
			break
		}
		// Move to the breakpoint, where variable bi reaches its bound.
		bound := b.l[bi]
		if d[bi] > 0 {
			bound = b.u[bi]
		}
		zb := bound - x[bi]
		st.xc[bi] = bound
		for j := range st.c {
			st.c[j] += dt * p[j]
		}
		told = t[bi]
		d[bi] = 0
		if moving--; moving == 0 {
			dtMin = 0
			break
		}
		gb := g[bi]
		mem.row(bi, wb)
		mem.mulM(wb, mwb)
		fp += dt*fpp + gb*gb + theta*gb*zb - gb*dot(mwb, st.c)
		fpp -= theta*gb*gb + 2*gb*dot(mwb, p) + gb*gb*dot(mwb, wb)
		fpp = max(fpp, eps*fpp0) // rounding must not make it vanish
		for j := range p {
			p[j] += gb * wb[j]
		}
		dtMin = -fp / fpp
	}
	dtMin = max(dtMin, 0)
	told += dtMin
	for i := range x {
		if d[i] == 0 {
			continue
		}
		if told >= t[i] { // tied with the last breakpoint taken
			st.xc[i] = b.l[i]
			if d[i] > 0 {
				st.xc[i] = b.u[i]
			}
			continue
		}
		st.xc[i] = b.clip(i, x[i]+told*d[i])
	}
	for j := range st.c {
		st.c[j] += dtMin * p[j]
	}
}

// subspace minimises the model over the free variables F (those strictly
// inside their bounds at xc), the others fixed at xc, and stores the result
// in xbar (section 5.1, the direct primal method). With Z the columns of the
// identity for F, the reduced gradient is r = Zᵀ(g + θ(xc − x) − W M c) and
// the reduced matrix B̂ = θI − V M Vᵀ with V = ZᵀW; by Sherman–Morrison–
// Woodbury the step is
//
//	du = −B̂⁻¹r = −r/θ − V (K − VᵀV/θ)⁻¹ Vᵀr / θ²,
//
// a 2k×2k system. Its matrix is the saddle point [−P Cᵀ; C Q] with
// P = D + YᵀZZᵀY/θ positive definite, C = L − SᵀZZᵀY, Q = θSᵀ(I − ZZᵀ)S
// positive semidefinite, solved by two Cholesky factorisations. The Gram
// matrices are summed over F or over its complement, whichever is smaller,
// so that a problem with few active bounds costs O(k²) here, not O(k²n).
// It reports false when a factorisation fails.
//
// xc + du may leave the box. The paper truncates it, x̄ = xc + α·du with the
// longest α ≤ 1 inside, which keeps the paper's requirement m(x̄) ≤ m(xc).
// Morales and Nocedal project it instead, x̄ = P(xc + du), when that gives a
// descent direction from x. The projected point can be a poor step, though:
// on Rosenbrock's function from (3, −7) with x₁ ≥ 1.5, SciPy's L-BFGS-B
// (which projects) creeps to (1.5829, 2.5029), f = 0.3405, and stops there
// on its ftol test, although the minimum is f = 0.25 at (1.5, 2.25); random
// bounded problems show the same now and then. So the projection is taken
// here only when, besides pointing downhill, it satisfies the paper's
// requirement m(x̄) ≤ m(xc); the run above then converges in 19 iterations.
func (st *lbState) subspace(x, g []float64) bool {
	b, mem := st.b, st.mem
	k, theta := mem.k, mem.theta
	copy(st.xbar, st.xc)
	st.free = st.free[:0]
	other := st.idx[:0]
	for i := range x {
		if b.l[i] < st.xc[i] && st.xc[i] < b.u[i] {
			st.free = append(st.free, i)
		} else {
			other = append(other, i)
		}
	}
	st.idx = other
	free := st.free
	if len(free) == 0 {
		return true
	}
	r, du := st.work, st.du
	mc := make([]float64, 2*k)
	mem.mulM(st.c, mc)
	for _, i := range free {
		r[i] = g[i] + theta*(st.xc[i]-x[i])
	}
	for j := range k {
		a, c := mc[j], theta*mc[k+j]
		sj, yj := mem.s[j], mem.y[j]
		for _, i := range free {
			r[i] -= yj[i]*a + sj[i]*c
		}
	}
	for _, i := range free {
		du[i] = r[i]
	}
	if k > 0 {
		v, u := make([]float64, 2*k), make([]float64, 2*k)
		for j := range k {
			sj, yj := mem.s[j], mem.y[j]
			for _, i := range free {
				v[j] += yj[i] * r[i]
				v[k+j] += sj[i] * r[i]
			}
			v[k+j] *= theta
		}
		p, c, q := make([]float64, k*k), make([]float64, k*k), make([]float64, k*k)
		set, onFree := free, true
		if len(other) < len(free) {
			set, onFree = other, false
		}
		// Gather the set's components of the pairs, so that the k² dot
		// products run over contiguous memory.
		m := len(set)
		st.gather = slices.Grow(st.gather[:0], 2*k*m)[:2*k*m]
		ys, ss := st.gather[:k*m], st.gather[k*m:]
		for j := range k {
			sj, yj := mem.s[j], mem.y[j]
			for a, i := range set {
				ys[j*m+a], ss[j*m+a] = yj[i], sj[i]
			}
		}
		// P = D + YᵀZZᵀY/θ, C = L − SᵀZZᵀY, Q = θ·SᵀS over the active set.
		for a := range k {
			ya, sa := ys[a*m:(a+1)*m], ss[a*m:(a+1)*m]
			for bb := range k {
				yb, sb := ys[bb*m:(bb+1)*m], ss[bb*m:(bb+1)*m]
				sy := dot(sa, yb)
				if !onFree { // the free part is the whole minus the rest
					sy = mem.sy[a][bb] - sy
				}
				c[a*k+bb] = -sy
				if a > bb {
					c[a*k+bb] += mem.sy[a][bb]
				}
				if bb < a {
					continue // P and Q are symmetric
				}
				yy, ssA := dot(ya, yb), dot(sa, sb)
				if onFree {
					ssA = mem.ss[a][bb] - ssA
				} else {
					yy = mem.yy[a][bb] - yy
				}
				p[a*k+bb], p[bb*k+a] = yy/theta, yy/theta
				q[a*k+bb], q[bb*k+a] = theta*ssA, theta*ssA
			}
		}
		for a := range k {
			p[a*k+a] += mem.sy[a][a]
		}
		var sad saddle
		if !sad.factor(k, p, c, q) {
			return false
		}
		sad.solve(v, u)
		// du = −(r + V u/θ)/θ; here du holds r.
		for j := range k {
			a, c := u[j]/theta, u[k+j]
			sj, yj := mem.s[j], mem.y[j]
			for _, i := range free {
				du[i] += yj[i]*a + sj[i]*c
			}
		}
	}
	for _, i := range free {
		du[i] = -du[i] / theta
	}
	// The paper's step: the longest α ≤ 1 that keeps xc + α·du in the box.
	alpha := 1.0
	for _, i := range free {
		switch {
		case du[i] > 0:
			alpha = min(alpha, (b.u[i]-st.xc[i])/du[i])
		case du[i] < 0:
			alpha = min(alpha, (b.l[i]-st.xc[i])/du[i])
		}
	}
	step := alpha
	if alpha < 1 {
		// Morales–Nocedal's projection, if downhill from x and, the
		// safeguard, no higher on the model than the Cauchy point.
		zp, zc := st.zp, st.zc
		for i := range x {
			zp[i], zc[i] = st.xc[i]-x[i], st.xc[i]-x[i]
		}
		for _, i := range free {
			zp[i] = b.clip(i, st.xc[i]+du[i]) - x[i]
		}
		if dot(g, zp) < 0 && mem.model(g, zp) <= mem.model(g, zc) {
			step = 1
		}
	}
	for _, i := range free {
		st.xbar[i] = b.clip(i, st.xc[i]+step*du[i])
	}
	return true
}

// model is gᵀz + ½zᵀBz.
func (mem *lbMemory) model(g, z []float64) float64 {
	k2 := 2 * mem.k
	wz, mwz := make([]float64, k2), make([]float64, k2)
	mem.wt(z, wz)
	mem.mulM(wz, mwz)
	return dot(g, z) + 0.5*(mem.theta*dot(z, z)-dot(wz, mwz))
}

type lsOutcome int

const (
	lsAccepted lsOutcome = iota
	lsFailed             // no acceptable step
	lsNaN                // f or ∇f is NaN or Inf at a trial point, or f failed
	lsMaxFev             // out of evaluations
)

// maxTrials bounds the evaluations of one line search.
const maxTrials = 20

// search looks along d = x̄ − x for a step satisfying the strong Wolfe
// conditions with c₁ = 10⁻³, c₂ = 0.9 (the constants of L-BFGS-B), by
// More–Thuente (gonum's), every trial costing one forward and one reverse
// pass. The step is at most the longest that keeps x + step·d in the box
// (and at most 1 on the first iteration of a bounded problem); the first
// trial is 1, except on the first iteration of a problem with unbounded
// variables, where it is 1/‖d‖ (a unit-length step). A step whose
// sufficient decrease holds at the longest allowed step, or the best step
// of a search that stalls on rounding, is taken too if it decreases f.
func (st *lbState) search(r *run) lsOutcome {
	b, x, d := st.b, r.x, st.d
	gd := dot(r.g, d)
	if !(gd < 0) {
		return lsFailed
	}
	maxStep := 1e10
	if b.constrained {
		if r.nit == 0 {
			maxStep = 1
		} else {
			for i := range d {
				switch {
				case d[i] < 0 && !math.IsInf(b.l[i], -1):
					maxStep = min(maxStep, (b.l[i]-x[i])/d[i])
				case d[i] > 0 && !math.IsInf(b.u[i], 1):
					maxStep = min(maxStep, (b.u[i]-x[i])/d[i])
				}
			}
			maxStep = max(maxStep, 1) // x̄ is in the box
		}
	}
	step := 1.0
	if r.nit == 0 && !b.boxed {
		step = min(1/math.Sqrt(dot(d, d)), maxStep)
	}
	mt := &optimize.MoreThuente{DecreaseFactor: 1e-3, CurvatureFactor: 0.9, StepTolerance: 0.1, MaximumStep: maxStep}
	mt.Init(r.f, gd, step)
	step = min(step, maxStep)
	for range maxTrials {
		if step == 1 {
			copy(st.xNew, st.xbar)
		} else {
			for i := range x {
				st.xNew[i] = b.clip(i, x[i]+step*d[i])
			}
		}
		st.fNew = r.ev.grad(st.xNew, st.gNew)
		if r.ev.err != nil {
			return lsNaN
		}
		if !finite(st.fNew) || !finite(maxAbs(st.gNew)) {
			// Too long a step: out of f's domain, or overflowing. Start
			// the search again from a quarter of it.
			if r.ev.nfev >= r.o.MaxFev {
				return lsMaxFev
			}
			step *= shortenFactor
			mt.Init(r.f, gd, step)
			continue
		}
		op, next, err := mt.Iterate(st.fNew, dot(st.gNew, d))
		switch {
		case err == nil && op == optimize.MajorIteration,
			errors.Is(err, optimize.ErrLinesearcherBound),
			err != nil && st.fNew < r.f:
			return lsAccepted
		case err != nil:
			return lsFailed
		}
		if r.ev.nfev >= r.o.MaxFev {
			return lsMaxFev
		}
		step = next
	}
	return lsFailed
}

// saddle solves [−P Cᵀ; C Q] [a; b] = [v₁; v₂] for k×k blocks, P symmetric
// positive definite and Q symmetric positive semidefinite, through the
// Cholesky factorisations of P and of the Schur complement
// T = Q + C P⁻¹ Cᵀ: b = T⁻¹(v₂ + C P⁻¹ v₁), a = P⁻¹(Cᵀb − v₁).
type saddle struct {
	k    int
	p, t mat.Cholesky
	c, x *mat.Dense // C and P⁻¹Cᵀ
}

// factor factorises the matrix with blocks given row-major; it reports
// false when P or T is not numerically positive definite.
func (s *saddle) factor(k int, p, c, q []float64) bool {
	s.k = k
	if k == 0 {
		return true
	}
	if !s.p.Factorize(mat.NewSymDense(k, p)) {
		return false
	}
	s.c, s.x = mat.NewDense(k, k, c), mat.NewDense(k, k, nil)
	_ = s.p.SolveTo(s.x, s.c.T()) // an error only warns of ill-conditioning
	var cx mat.Dense
	cx.Mul(s.c, s.x)
	t := mat.NewSymDense(k, nil)
	for i := range k {
		for j := i; j < k; j++ {
			t.SetSym(i, j, (q[i*k+j]+q[j*k+i])/2+(cx.At(i, j)+cx.At(j, i))/2)
		}
	}
	return s.t.Factorize(t)
}

// inverse stores the inverse of the matrix in dst, 2k×2k row-major:
//
//	[ X T⁻¹ Xᵀ − P⁻¹   X T⁻¹ ]    with X = P⁻¹Cᵀ,
//	[ T⁻¹ Xᵀ           T⁻¹   ]
//
// which solve applies to a vector.
func (s *saddle) inverse(dst []float64) {
	k := s.k
	if k == 0 {
		return
	}
	var pinv, tinv mat.SymDense
	_ = s.p.InverseTo(&pinv)
	_ = s.t.InverseTo(&tinv)
	var xt, xtx mat.Dense
	xt.Mul(s.x, &tinv)
	xtx.Mul(&xt, s.x.T())
	k2 := 2 * k
	for i := range k {
		for j := range k {
			dst[i*k2+j] = (xtx.At(i, j)+xtx.At(j, i))/2 - pinv.At(i, j)
			dst[i*k2+k+j] = xt.At(i, j)
			dst[(k+j)*k2+i] = xt.At(i, j)
			dst[(k+i)*k2+k+j] = tinv.At(i, j)
		}
	}
}

// solve stores the solution for the right-hand side v (2k long) in dst.
func (s *saddle) solve(v, dst []float64) {
	k := s.k
	if k == 0 {
		return
	}
	var w, rhs, b, a mat.VecDense
	_ = s.p.SolveVecTo(&w, mat.NewVecDense(k, slices.Clone(v[:k])))
	rhs.MulVec(s.c, &w)
	rhs.AddVec(&rhs, mat.NewVecDense(k, slices.Clone(v[k:])))
	_ = s.t.SolveVecTo(&b, &rhs)
	a.MulVec(s.x, &b)
	a.SubVec(&a, &w)
	for i := range k {
		dst[i], dst[k+i] = a.AtVec(i), b.AtVec(i)
	}
}

// breakpoint is a variable and the t at which x(t) = P(x − tg) stops moving
// it; breakpoints are taken in order of t, then of index.
type breakpoint struct {
	t float64
	i int
}

func (a breakpoint) before(b breakpoint) bool { return a.t < b.t || a.t == b.t && a.i < b.i }

// heapify makes h a binary min-heap.
func heapify(h []breakpoint) {
	for i := len(h)/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
}

func siftDown(h []breakpoint, i int) {
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && h[c+1].before(h[c]) {
			c++
		}
		if !h[c].before(h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// popMin removes the earliest breakpoint from the heap h and returns the
// heap and the breakpoint's variable.
func popMin(h []breakpoint) ([]breakpoint, int) {
	i := h[0].i
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	siftDown(h, 0)
	return h, i
}
