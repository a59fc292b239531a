package nabla

// Taylor mode, in the manner of jax.experimental.jet (Griewank and Walther,
// Evaluating Derivatives, ch. 13): Jet pushes a truncated Taylor series
// through f in one pass, each op mapping its inputs' coefficients to its
// output's by a rule of its own, instead of differentiating derivatives
// again and again.
//
// It is an interpreter of the same ops as the other modes. The first step
// traces f on the primal values, as Compile and Vmap do, into a
// straight-line program; the second runs that program, computing each op's
// primal output by the op itself and its coefficients by the op's Jet rule.
// An op without one gets its coefficients from its JVP rule (see
// jetByJVP): slower, never wrong. A function that cannot be traced (it
// reads tensor values in Go) is expanded by nested reverse mode instead.
//
// Coefficients are normalised Taylor coefficients throughout: a series
// x₀, x₁, …, x_k stands for the curve x(t) = x₀ + x₁t + … + x_k tᵏ, and
// x_j = x⁽ʲ⁾(0)/j!. (JAX's jet takes derivatives, x⁽ʲ⁾(0); multiply by j!
// to convert.) A nil coefficient is zero.

import (
	"math"
	"slices"
)

// Jet returns f(primals) and the Taylor coefficients of t ↦ f(x(t)) at
// t = 0 to order k, where argument i follows the curve
// xᵢ(t) = primals[i] + Σⱼ series[i][j−1]·tʲ (j = 1…k): out[j−1] is the
// coefficient of tʲ in f(x(t)), so that f(x(t)) = y + Σⱼ out[j−1]·tʲ +
// O(tᵏ⁺¹). These are normalised coefficients (a derivative divided by j!),
// not JAX's derivative coefficients. Every series[i] has length k, or is
// nil for an argument that does not vary (nil entries are zero
// coefficients); each coefficient has its primal's shape and dtype. The
// result's coefficients have f's output's shape and dtype; where f passes
// an argument through, they are that argument's own coefficients.
//
// The work is one pass through f carrying all k coefficients: O(k²) ops for
// a nonlinear elementwise op, O(k) for a linear one, where nested reverse
// mode (the derivative of the derivative…) grows much faster with k. f may
// only compute with nabla's ops, as in Compile; a function that reads values
// in Go is expanded by nested reverse mode, and its coefficients are then
// not differentiated from outside (Jet panics if a primal or a coefficient
// is).
//
// Jet composes with the other transforms: Grad, JVP and Hessian of a
// function that calls Jet differentiate its coefficients; Jet of a function
// that takes a gradient expands the gradient; Jet runs inside Vmap and
// Compile. Each call traces its own program on a tape of its own: goroutines
// may call Jet at once (with functions that share no mutable state).
func Jet(f Func, primals []*Tensor, series [][]*Tensor) (*Tensor, []*Tensor) {
	const who = "Jet"
	k := checkJet(who, primals, series)
	y, ys := jetCall(who, f, primals, series, k)
	out := make([]*Tensor, k)
	for j := range out {
		out[j] = ys[j]
		if out[j] == nil {
			out[j] = ZerosLike(y)
		}
	}
	return y, out
}

// OpsWithoutJetRule returns the names of the registered ops that declare
// no Jet rule: Jet computes their coefficients from their JVP rule, by
// Taylor-expanding the JVP rule itself one order lower (see Op.Jet).
func OpsWithoutJetRule() []string {
	var names []string
	for _, op := range Ops() {
		if op.Jet == nil {
			names = append(names, op.Name)
		}
	}
	return names
}

// checkJet checks Jet's arguments and returns the order.
func checkJet(who string, primals []*Tensor, series [][]*Tensor) int {
	if len(series) != len(primals) {
		panicf(who, "%d series for %d primals", len(series), len(primals))
	}
	k := 0
	for _, s := range series {
		k = max(k, len(s))
	}
	for i, s := range series {
		if s != nil && len(s) != k {
			panicf(who, "series %d has %d coefficients, another %d: every series has the same order (a nil series is a constant argument)", i, len(s), k)
		}
	}
	for i, x := range primals {
		checkLive(who, x)
		for j, c := range series[i] {
			if c == nil {
				continue
			}
			checkLive(who, c)
			if !x.dtype.IsFloat() {
				panicf(who, "primal %d is a %s tensor: only float64 and float32 arguments carry a series", i, x.dtype)
			}
			if !sameShape(c.shape, x.shape) || c.dtype != x.dtype {
				panicf(who, "coefficient %d of series %d is %s %s, its primal %s %s", j+1, i, fmtShape(c.shape), c.dtype, fmtShape(x.shape), x.dtype)
			}
		}
	}
	return k
}

// jetCall returns f(xs) and its coefficients to order k (nil entries are
// zero), series[i] being nil or of length k.
func jetCall(who string, f Func, xs []*Tensor, series [][]*Tensor, k int) (*Tensor, []*Tensor) {
	if k == 0 {
		return f(xs...), nil
	}
	p, ok := jetTrace(f, xs)
	if !ok {
		for i, x := range xs {
			vary, traced := x.requiresGrad || x.tangent != nil, x.traced()
			for _, c := range series[i] {
				vary = vary || c != nil && (c.requiresGrad || c.tangent != nil)
				traced = traced || c != nil && c.traced()
			}
			const msg = "f reads tensor values in Go, so Jet cannot trace it, and argument %d or its series is %s from outside, which the nested reverse mode Jet then uses cannot follow: compute with nabla's ops only"
			if traced {
				// An enclosing Vmap then maps example by example.
				panicTraceRead(who, msg, i, "traced")
			}
			if vary {
				panicf(who, msg, i, "differentiated")
			}
		}
		return jetNested(who, f, xs, series, k)
	}
	y, ys := p.runJet(xs, series, k)
	if ys == nil {
		ys = make([]*Tensor, k)
	}
	return y, ys
}

// jetTrace traces f on xs, its arguments variables (so that transforms
// inside f record what they compute with differentiable rules, whose
// coefficients Jet can follow). It reports false when f cannot be traced.
func jetTrace(f Func, xs []*Tensor) (p *program, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if e, isErr := r.(*Error); isErr && e.traceRead {
				p, ok = nil, false
				return
			}
			panic(r)
		}
	}()
	c := &compiled{who: "Jet", f: f, vars: true}
	p, _ = c.traceWith(xs, nil)
	return p, true
}

// jetVal is a value of the program Jet runs: its primal and its
// coefficients 1…k (nil: all zero). unknown marks a by-product whose
// coefficients are not computed.
type jetVal struct {
	x       *Tensor
	s       []*Tensor
	unknown bool
}

// runJet runs p on the primals xs, carrying their series.
func (p *program) runJet(xs []*Tensor, series [][]*Tensor, k int) (*Tensor, []*Tensor) {
	vals := make([]jetVal, p.nvals)
	for i, x := range xs {
		vals[i] = jetVal{x: x}
		if slices.ContainsFunc(series[i], func(c *Tensor) bool { return c != nil }) {
			vals[i].s = series[i]
		}
	}
	for _, c := range p.consts {
		vals[c.id] = jetVal{x: c.t}
	}
	var in []jetVal
	var prim []*Tensor
	for i := range p.steps {
		s := &p.steps[i]
		in, prim = in[:0], prim[:0]
		varying := false
		for _, id := range s.in {
			v := vals[id]
			if v.x == nil {
				panicf("Jet", "internal error: op %s reads a value no step defined; please report this", s.op.Name)
			}
			in = append(in, v)
			prim = append(prim, v.x)
			varying = varying || v.s != nil || v.unknown
		}
		if !s.recording {
			// What the trace computed without recording (a NoGrad scope, a
			// backward pass that is not recorded) is a constant, as it is
			// for Grad.
			prim, varying = constants(prim), false
		}
		params := s.params
		if s.hasAff {
			aff := s.aff
			params = &aff
		}
		var out, saved *Tensor
		if s.saved >= 0 {
			out, saved = saveForward(s.op, params, prim)
		} else {
			out = s.op.Apply(params, prim...)
		}
		v := jetVal{x: out}
		if varying && out.dtype.IsFloat() {
			for _, u := range in {
				if u.unknown {
					panicf("Jet", "internal error: op %s reads a by-product whose Taylor coefficients Jet does not compute; please report this", s.op.Name)
				}
			}
			v.s = jetStep(s.op, params, prim, out, in, k)
		}
		vals[s.out] = v
		if s.saved >= 0 {
			vals[s.saved] = jetVal{x: saved, unknown: v.s != nil}
		}
	}
	y := vals[p.outs[0]]
	if y.unknown {
		panicf("Jet", "internal error: f returned a by-product whose Taylor coefficients Jet does not compute; please report this")
	}
	return y.x, y.s
}

// jetStep returns the coefficients of op's output out, given its inputs'.
func jetStep(op *Op, params any, xs []*Tensor, out *Tensor, in []jetVal, k int) []*Tensor {
	series := make([][]*Tensor, len(in))
	for i, v := range in {
		series[i] = v.s
		if series[i] == nil {
			series[i] = make([]*Tensor, k)
		}
	}
	c := &Ctx{Inputs: xs, Output: out, Params: params, op: op, tape: tapeOf(xs)}
	var ys []*Tensor
	if op.Jet != nil {
		ys = op.Jet(c, series)
	} else {
		ys = jetByJVP(c, series)
	}
	if len(ys) != k {
		panicf(op.Name, "the Jet rule returned %d coefficients for a series of order %d", len(ys), k)
	}
	none := true
	for j, y := range ys {
		if y == nil {
			continue
		}
		none = false
		if !sameShape(y.shape, out.shape) {
			ys[j] = Expand(y, out.shape...)
		}
	}
	if none {
		return nil
	}
	return ys
}

// jetByJVP is the Jet rule of an op that declares none, from its JVP rule:
// y′(t) = JVP(x(t); x′(t)), the JVP rule being a function of the inputs and
// their tangents written with ops, whose series to order k−1 Jet computes
// (recursively, for the ops of the rule without a Jet rule of their own);
// then y_j = (y′)_{j−1}/j.
func jetByJVP(c *Ctx, series [][]*Tensor) []*Tensor {
	op, params, k := c.op, c.Params, len(series[0])
	if op.JVP == nil {
		panicf(op.Name, "Jet: the op has neither a Jet rule nor a JVP rule")
	}
	n := len(c.Inputs)
	var vary []int
	for i, s := range series {
		if slices.ContainsFunc(s, func(c *Tensor) bool { return c != nil }) {
			vary = append(vary, i)
		}
	}
	jvp := func(zs ...*Tensor) *Tensor {
		xs := zs[:n]
		dots := make([]*Tensor, n)
		for m, i := range vary {
			dots[i] = zs[n+m]
		}
		y := op.Apply(params, xs...)
		d := op.JVP(&Ctx{Inputs: xs, Output: y, Params: params, op: op, tape: tapeOf(zs)}, dots)
		if d == nil {
			return ZerosLike(y)
		}
		if !sameShape(d.shape, y.shape) {
			d = Expand(d, y.shape...)
		}
		return d
	}
	// The arguments of jvp and their series: x to order k−1, and
	// x′(t) = Σ (m+1)·x_{m+1}·tᵐ.
	args := slices.Clone(c.Inputs)
	sub := make([][]*Tensor, n, n+len(vary))
	for i := range sub {
		sub[i] = series[i][:k-1]
	}
	for _, i := range vary {
		d0 := series[i][0]
		if d0 == nil {
			d0 = ZerosLike(c.Inputs[i])
		}
		args = append(args, d0)
		ds := make([]*Tensor, k-1)
		for m := 1; m < k; m++ {
			ds[m-1] = jScale(series[i][m], float64(m+1))
		}
		sub = append(sub, ds)
	}
	q0, qs := jetCall("Jet", jvp, args, sub, k-1)
	ys := make([]*Tensor, k)
	ys[0] = q0
	for j := 2; j <= k; j++ {
		ys[j-1] = jScale(qs[j-2], 1/float64(j))
	}
	return ys
}

// jetNested computes Jet's result by nested reverse mode: the derivatives
// of t ↦ f(x(t)) in t, each taken through the recorded previous one, per
// element of f's output. It serves functions Jet cannot trace, and tests as
// an independent reference. The coefficients are constants.
func jetNested(who string, f Func, xs []*Tensor, series [][]*Tensor, k int) (*Tensor, []*Tensor) {
	dt := Float64
	for i, x := range xs {
		if len(series[i]) > 0 && x.dtype.IsFloat() {
			dt = x.dtype
			break
		}
	}
	t := newVars(who, []*Tensor{New(dt)}, []int{0})
	defer t.tape.close()
	tt := t.wrt[0]
	args := make([]*Tensor, len(xs))
	for i, x := range xs {
		// x(t) = x₀ + t·(x₁ + t·(x₂ + …)), by Horner's rule.
		var acc *Tensor
		for j := len(series[i]); j >= 1; j-- {
			if acc != nil {
				acc = Mul(acc, tt)
			}
			if c := series[i][j-1]; c != nil {
				acc = tAdd(acc, c.Detach())
			}
		}
		args[i] = x.Detach()
		if acc != nil {
			args[i] = Add(args[i], Mul(tt.As(x.dtype), acc))
		}
	}
	y := f(args...)
	n := y.Size()
	coef := make([][]float64, k)
	for j := range coef {
		coef[j] = make([]float64, n)
	}
	if y.dtype.IsFloat() {
		flat := y.Reshape(n)
		for e := 0; e < n; e++ {
			cur := Index(flat, e)
			fact := 1.0
			for j := 1; j <= k && cur.requiresGrad; j++ {
				g := Gradients([]*Tensor{cur}, []*Tensor{tt}, CreateGraph(), AllowUnused())[0]
				if g == nil {
					break
				}
				fact *= float64(j)
				coef[j-1][e] = g.Item() / fact
				cur = g
			}
		}
	}
	out := make([]*Tensor, k)
	for j := range out {
		out[j] = Reshape(FromSlice(coef[j], n), y.shape...)
		if y.dtype != Float64 && y.dtype.IsFloat() {
			out[j] = out[j].As(y.dtype)
		}
	}
	return y.Detach().Clone(), out
}

// Helpers for Jet rules, where a nil coefficient is zero. A full series s
// holds the primal at s[0] and coefficient j at s[j].

// jetFull returns input i's full series.
func jetFull(c *Ctx, series [][]*Tensor, i int) []*Tensor {
	return append([]*Tensor{c.Inputs[i]}, series[i]...)
}

func jMul(a, b *Tensor) *Tensor {
	if a == nil || b == nil {
		return nil
	}
	return Mul(a, b)
}

func jScale(a *Tensor, s float64) *Tensor {
	if a == nil {
		return nil
	}
	return scale(a, s)
}

func jDiv(a, b *Tensor) *Tensor {
	if a == nil {
		return nil
	}
	return Div(a, b)
}

// cauchy returns Σ_{i=lo}^{hi} a_i·b_{j−i}, coefficient j of the product of
// two series when lo = 0 and hi = j.
func cauchy(a, b []*Tensor, j, lo, hi int) *Tensor {
	var s *Tensor
	for i := lo; i <= hi; i++ {
		s = tAdd(s, jMul(a[i], b[j-i]))
	}
	return s
}

// jetChain returns coefficients 1…k of y, where y′ = g·x′ and y₀ = y0:
// j·y_j = Σ_{i=1}^{j} i·x_i·g_{j−i}. g(y, m) returns g's coefficient m,
// reading y₀…y_m only. Most elementwise functions satisfy such an equation
// with a g built from y itself (exp: g = y; tanh: g = 1 − y²).
func jetChain(x []*Tensor, y0 *Tensor, k int, g func(y []*Tensor, m int) *Tensor) []*Tensor {
	y := make([]*Tensor, k+1)
	y[0] = y0
	gs := make([]*Tensor, k)
	for j := 1; j <= k; j++ {
		gs[j-1] = g(y, j-1)
		var s *Tensor
		for i := 1; i <= j; i++ {
			s = tAdd(s, jScale(jMul(x[i], gs[j-i]), float64(i)/float64(j)))
		}
		y[j] = s
	}
	return y[1:]
}

// JetLinear is the Jet rule of an op whose JVP is linear in the tangents,
// with factors that do not change with the inputs near the point (shape
// ops, sums, add; relu, abs, max and the like away from their kinks): the
// JVP rule maps each coefficient, y_j = JVP(x₀; x_j).
func JetLinear(c *Ctx, series [][]*Tensor) []*Tensor {
	k := len(series[0])
	ys := make([]*Tensor, k)
	dots := make([]*Tensor, len(series))
	for j := range ys {
		any := false
		for i, s := range series {
			dots[i] = s[j]
			any = any || s[j] != nil
		}
		if any {
			ys[j] = c.op.JVP(c, dots)
		}
	}
	return ys
}

// JetBilinear is the Jet rule of an op that is linear in each of its two
// inputs (mul, matmul, convolutions): y_j = Σ_{i=0}^{j} op(a_i, b_{j−i}).
func JetBilinear(c *Ctx, series [][]*Tensor) []*Tensor {
	a, b := jetFull(c, series, 0), jetFull(c, series, 1)
	k := len(series[0])
	ys := make([]*Tensor, k)
	for j := 1; j <= k; j++ {
		for i := 0; i <= j; i++ {
			if a[i] != nil && b[j-i] != nil {
				ys[j-1] = tAdd(ys[j-1], c.op.Apply(c.Params, a[i], b[j-i]))
			}
		}
	}
	return ys
}

// The rules of the nonlinear elementwise ops. x is the input's full
// series, y the output's.

// (a/b)_j = (a_j − Σ_{i<j} y_i·b_{j−i}) / b₀
func jetDiv(c *Ctx, series [][]*Tensor) []*Tensor {
	a, b := jetFull(c, series, 0), jetFull(c, series, 1)
	k := len(series[0])
	y := make([]*Tensor, k+1)
	y[0] = c.Output
	for j := 1; j <= k; j++ {
		y[j] = jDiv(tSub(a[j], cauchy(y, b, j, 0, j-1)), b[0])
	}
	return y[1:]
}

// exp: y′ = y·x′
func jetExp(c *Ctx, series [][]*Tensor) []*Tensor {
	x := jetFull(c, series, 0)
	return jetChain(x, c.Output, len(series[0]), func(y []*Tensor, m int) *Tensor { return y[m] })
}

// expm1: y′ = (y + 1)·x′
func jetExpm1(c *Ctx, series [][]*Tensor) []*Tensor {
	x := jetFull(c, series, 0)
	return jetChain(x, c.Output, len(series[0]), func(y []*Tensor, m int) *Tensor {
		if m == 0 {
			return AddScalar(y[0], 1)
		}
		return y[m]
	})
}

// log: x·y′ = x′, so y_j = (x_j − (1/j)·Σ_{i=1}^{j−1} i·y_i·x_{j−i}) / x₀;
// log1p is the same with x₀ + 1 for x₀.
func jetLogOf(x []*Tensor, y0 *Tensor, k int) []*Tensor {
	y := make([]*Tensor, k+1)
	y[0] = y0
	for j := 1; j <= k; j++ {
		var s *Tensor
		for i := 1; i < j; i++ {
			s = tAdd(s, jScale(jMul(y[i], x[j-i]), float64(i)/float64(j)))
		}
		y[j] = jDiv(tSub(x[j], s), x[0])
	}
	return y[1:]
}

func jetLog(c *Ctx, series [][]*Tensor) []*Tensor {
	return jetLogOf(jetFull(c, series, 0), c.Output, len(series[0]))
}

func jetLog1p(c *Ctx, series [][]*Tensor) []*Tensor {
	x := jetFull(c, series, 0)
	x[0] = AddScalar(x[0], 1)
	return jetLogOf(x, c.Output, len(series[0]))
}

// sqrt: y² = x, so y_j = (x_j − Σ_{i=1}^{j−1} y_i·y_{j−i}) / (2y₀)
func jetSqrt(c *Ctx, series [][]*Tensor) []*Tensor {
	x, k := jetFull(c, series, 0), len(series[0])
	y := make([]*Tensor, k+1)
	y[0] = c.Output
	two := MulScalar(y[0], 2)
	for j := 1; j <= k; j++ {
		y[j] = jDiv(tSub(x[j], cauchy(y, y, j, 1, j-1)), two)
	}
	return y[1:]
}

// x^p for a constant p: x·y′ = p·y·x′, so
// j·x₀·y_j = Σ_{i=0}^{j−1} (p·(j−i) − i)·x_{j−i}·y_i. An integer power
// from 0 to 64 is computed by products instead, which stays exact at x₀ = 0.
func jetPowScalar(c *Ctx, series [][]*Tensor) []*Tensor {
	x, k, p := jetFull(c, series, 0), len(series[0]), c.Params.(float64)
	if p == math.Trunc(p) && p >= 0 && p <= 64 {
		return jetIntPow(x, int(p), k)[1:]
	}
	y := make([]*Tensor, k+1)
	y[0] = c.Output
	for j := 1; j <= k; j++ {
		var s *Tensor
		for i := 0; i < j; i++ {
			s = tAdd(s, jScale(jMul(x[j-i], y[i]), p*float64(j-i)-float64(i)))
		}
		y[j] = jScale(jDiv(s, x[0]), 1/float64(j))
	}
	return y[1:]
}

// jetIntPow returns the full series of x^n by repeated squaring of
// truncated series.
func jetIntPow(x []*Tensor, n, k int) []*Tensor {
	mul := func(a, b []*Tensor) []*Tensor {
		out := make([]*Tensor, k+1)
		for j := range out {
			out[j] = cauchy(a, b, j, 0, j)
		}
		return out
	}
	var acc []*Tensor // nil: the series 1
	sq := x
	for n > 0 {
		if n&1 == 1 {
			if acc == nil {
				acc = sq
			} else {
				acc = mul(acc, sq)
			}
		}
		n >>= 1
		if n > 0 {
			sq = mul(sq, sq)
		}
	}
	if acc == nil {
		return make([]*Tensor, k+1)
	}
	return acc
}

// a^b: with a constant exponent, the rule of x^p with the tensor b for p;
// otherwise y = exp(b·log a), y′ = y·(b·log a)′.
func jetPow(c *Ctx, series [][]*Tensor) []*Tensor {
	a, b, k := jetFull(c, series, 0), jetFull(c, series, 1), len(series[0])
	y := make([]*Tensor, k+1)
	y[0] = c.Output
	if !slices.ContainsFunc(series[1], func(c *Tensor) bool { return c != nil }) {
		for j := 1; j <= k; j++ {
			var s *Tensor
			for i := 0; i < j; i++ {
				if a[j-i] != nil {
					w := AddScalar(MulScalar(b[0], float64(j-i)), -float64(i))
					s = tAdd(s, jMul(w, jMul(a[j-i], y[i])))
				}
			}
			y[j] = jScale(jDiv(s, a[0]), 1/float64(j))
		}
		return y[1:]
	}
	l := append([]*Tensor{Log(a[0])}, jetLogOf(a, nil, k)...)
	z := make([]*Tensor, k+1)
	for j := 1; j <= k; j++ {
		z[j] = cauchy(b, l, j, 0, j)
	}
	return jetChain(z, c.Output, k, func(y []*Tensor, m int) *Tensor { return y[m] })
}

// sin and cos together: s′ = c·x′, c′ = −s·x′.
func jetSinCos(x []*Tensor, s0, c0 *Tensor, k int) (s, c []*Tensor) {
	s, c = make([]*Tensor, k+1), make([]*Tensor, k+1)
	s[0], c[0] = s0, c0
	for j := 1; j <= k; j++ {
		for i := 1; i <= j; i++ {
			w := float64(i) / float64(j)
			s[j] = tAdd(s[j], jScale(jMul(x[i], c[j-i]), w))
			c[j] = tAdd(c[j], jScale(jMul(x[i], s[j-i]), -w))
		}
	}
	return s, c
}

func jetSin(c *Ctx, series [][]*Tensor) []*Tensor {
	s, _ := jetSinCos(jetFull(c, series, 0), c.Output, Cos(c.Inputs[0]), len(series[0]))
	return s[1:]
}

func jetCos(c *Ctx, series [][]*Tensor) []*Tensor {
	_, co := jetSinCos(jetFull(c, series, 0), Sin(c.Inputs[0]), c.Output, len(series[0]))
	return co[1:]
}

// squareCoef returns coefficient m of y², Σ_{a=0}^{m} y_a·y_{m−a}.
func squareCoef(y []*Tensor, m int) *Tensor { return cauchy(y, y, m, 0, m) }

// tan: y′ = (1 + y²)·x′
func jetTan(c *Ctx, series [][]*Tensor) []*Tensor {
	return jetChain(jetFull(c, series, 0), c.Output, len(series[0]), func(y []*Tensor, m int) *Tensor {
		if m == 0 {
			return AddScalar(Square(y[0]), 1)
		}
		return squareCoef(y, m)
	})
}

// tanh: y′ = (1 − y²)·x′
func jetTanh(c *Ctx, series [][]*Tensor) []*Tensor {
	return jetChain(jetFull(c, series, 0), c.Output, len(series[0]), func(y []*Tensor, m int) *Tensor {
		if m == 0 {
			return RSub(1, Square(y[0]))
		}
		return jScale(squareCoef(y, m), -1)
	})
}

// sigmoidSeries returns coefficients 1…k of σ(x), σ′ = (σ − σ²)·x′.
func sigmoidSeries(x []*Tensor, y0 *Tensor, k int) []*Tensor {
	return jetChain(x, y0, k, func(y []*Tensor, m int) *Tensor { return tSub(y[m], squareCoef(y, m)) })
}

func jetSigmoid(c *Ctx, series [][]*Tensor) []*Tensor {
	return sigmoidSeries(jetFull(c, series, 0), c.Output, len(series[0]))
}

// softplus: y′ = σ(x)·x′
func jetSoftplus(c *Ctx, series [][]*Tensor) []*Tensor {
	x, k := jetFull(c, series, 0), len(series[0])
	s0 := Sigmoid(x[0])
	s := append([]*Tensor{s0}, sigmoidSeries(x, s0, k)...)
	return jetChain(x, c.Output, k, func(_ []*Tensor, m int) *Tensor { return s[m] })
}

// erf: y′ = (2/√π)·e^(−x²)·x′
func jetErf(c *Ctx, series [][]*Tensor) []*Tensor {
	x, k := jetFull(c, series, 0), len(series[0])
	u := make([]*Tensor, k+1) // −x²
	for j := 1; j <= k; j++ {
		u[j] = jScale(squareCoef(x, j), -1)
	}
	e0 := Exp(Neg(Square(x[0])))
	e := append([]*Tensor{e0}, jetChain(u, e0, k, func(y []*Tensor, m int) *Tensor { return y[m] })...)
	return jetChain(x, c.Output, k, func(_ []*Tensor, m int) *Tensor { return jScale(e[m], 2/math.SqrtPi) })
}

// elu: x where x > 0, α·(eˣ − 1) elsewhere, whose coefficients past the
// primal are α times eˣ's.
func jetElu(c *Ctx, series [][]*Tensor) []*Tensor {
	x, k := jetFull(c, series, 0), len(series[0])
	e := jetChain(x, Exp(x[0]), k, func(y []*Tensor, m int) *Tensor { return y[m] })
	pos := positiveOp.Apply(nil, x[0])
	ys := make([]*Tensor, k)
	for j := 1; j <= k; j++ {
		if e[j-1] == nil {
			continue
		}
		xj := x[j]
		if xj == nil {
			xj = ZerosLike(x[0])
		}
		ys[j-1] = Where(pos, xj, MulScalar(e[j-1], c.Params.(float64)))
	}
	return ys
}

// atan2(a, b): y′ = (b·a′ − a·b′)/(a² + b²) = w; y_j = w_{j−1}/j, w by
// the division recurrence.
func jetAtan2(c *Ctx, series [][]*Tensor) []*Tensor {
	a, b, k := jetFull(c, series, 0), jetFull(c, series, 1), len(series[0])
	r := make([]*Tensor, k) // a² + b²
	w := make([]*Tensor, k)
	ys := make([]*Tensor, k)
	for m := 0; m < k; m++ {
		r[m] = tAdd(cauchy(a, a, m, 0, m), cauchy(b, b, m, 0, m))
		var num *Tensor // coefficient m of b·a′ − a·b′
		for i := 0; i <= m; i++ {
			d := float64(m - i + 1)
			num = tAdd(num, jScale(tSub(jMul(b[i], a[m-i+1]), jMul(a[i], b[m-i+1])), d))
		}
		w[m] = jDiv(tSub(num, cauchy(w, r, m, 0, m-1)), r[0])
		ys[m] = jScale(w[m], 1/float64(m+1))
	}
	return ys
}

// inv: A·Y = I, so Y_j = −Y₀·Σ_{i=1}^{j} A_i·Y_{j−i}.
func jetInv(c *Ctx, series [][]*Tensor) []*Tensor {
	a, k := jetFull(c, series, 0), len(series[0])
	y := make([]*Tensor, k+1)
	y[0] = c.Output
	for j := 1; j <= k; j++ {
		var s *Tensor
		for i := 1; i <= j; i++ {
			if a[i] != nil && y[j-i] != nil {
				s = tAdd(s, MatMul(a[i], y[j-i]))
			}
		}
		if s != nil {
			y[j] = Neg(MatMul(y[0], s))
		}
	}
	return y[1:]
}

// solve: op(A)·X = B, so op(A₀)·X_j = B_j − Σ_{i=1}^{j} op(A_i)·X_{j−i}.
func jetSolve(c *Ctx, series [][]*Tensor) []*Tensor {
	a, b, k := jetFull(c, series, 0), jetFull(c, series, 1), len(series[0])
	trans := c.Params.(solveParams).trans
	x := make([]*Tensor, k+1)
	x[0] = c.Output
	for j := 1; j <= k; j++ {
		rhs := b[j]
		for i := 1; i <= j; i++ {
			if a[i] != nil && x[j-i] != nil {
				rhs = tSub(rhs, MatMulT(a[i], x[j-i], trans, false))
			}
		}
		if rhs != nil {
			x[j] = solveOp.Apply(solveParams{trans}, a[0], rhs)
		}
	}
	return x[1:]
}

// triangular_solve: as solve, with T's triangle only:
// op(T₀)·X_j = B_j − Σ_{i=1}^{j} op(tri(T_i))·X_{j−i}.
func jetTrisolve(c *Ctx, series [][]*Tensor) []*Tensor {
	t, b, k := jetFull(c, series, 0), jetFull(c, series, 1), len(series[0])
	p := c.Params.(triParams)
	x := make([]*Tensor, k+1)
	x[0] = c.Output
	for j := 1; j <= k; j++ {
		rhs := b[j]
		for i := 1; i <= j; i++ {
			if t[i] != nil && x[j-i] != nil {
				rhs = tSub(rhs, MatMulT(triPart(t[i], p.upper, 1), x[j-i], p.trans, false))
			}
		}
		if rhs != nil {
			x[j] = trisolveOp.Apply(p, t[0], rhs)
		}
	}
	return x[1:]
}

// logDetSeries returns coefficients 0…k−1 of h = tr(A⁻¹·A′), the
// derivative of log|det A|: Z = A⁻¹·A′ solves A·Z = A′, so
// A₀·Z_m = (m+1)·A_{m+1} − Σ_{i=1}^{m} A_i·Z_{m−i}, and h_m = tr(Z_m).
func logDetSeries(a []*Tensor, k int) []*Tensor {
	z := make([]*Tensor, k)
	h := make([]*Tensor, k)
	for m := 0; m < k; m++ {
		rhs := jScale(a[m+1], float64(m+1))
		for i := 1; i <= m; i++ {
			if a[i] != nil && z[m-i] != nil {
				rhs = tSub(rhs, MatMul(a[i], z[m-i]))
			}
		}
		if rhs != nil {
			z[m] = solveOp.Apply(solveParams{}, a[0], rhs)
			h[m] = matTrace(z[m])
		}
	}
	return h
}

// logabsdet: l′ = h, so l_j = h_{j−1}/j.
func jetLogabsdet(c *Ctx, series [][]*Tensor) []*Tensor {
	h := logDetSeries(jetFull(c, series, 0), len(series[0]))
	ys := make([]*Tensor, len(h))
	for j := range ys {
		ys[j] = jScale(h[j], 1/float64(j+1))
	}
	return ys
}

// det: d′ = d·h, so j·d_j = Σ_{i=0}^{j−1} h_i·d_{j−1−i}.
func jetDet(c *Ctx, series [][]*Tensor) []*Tensor {
	k := len(series[0])
	h := logDetSeries(jetFull(c, series, 0), k)
	d := make([]*Tensor, k+1)
	d[0] = c.Output
	for j := 1; j <= k; j++ {
		var s *Tensor
		for i := 0; i < j; i++ {
			s = tAdd(s, jMul(h[i], d[j-1-i]))
		}
		d[j] = jScale(s, 1/float64(j))
	}
	return d[1:]
}
