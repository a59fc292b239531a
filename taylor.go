package nabla

// TaylorCoefficients returns the Taylor coefficients of t ↦ f(x + t·v) at
// t = 0 up to the given order: c[j] = (1/j!)·dʲ/dtʲ f(x + t·v) at t = 0,
// each of f's output's shape, so that f(x + h·v) ≈ Σⱼ c[j]·hʲ for small h.
// c[0] is f(x), c[1] the directional derivative ∇f(x)·v, c[2] half the
// curvature vᵀ∇²f(x)v: gradient descent follows the polynomial of order 1,
// Newton's method that of order 2.
//
// The coefficients are derivatives of t ↦ f(x + t·v) taken in reverse mode
// through the recorded previous derivative (gradients of gradients, a
// backward pass with CreateGraph per order and per output element), exact
// to rounding. The work grows quickly with the order (each derivative's
// graph is larger than the last): fine to order 8 or so for a function of
// a few dozen ops, where Taylor-mode propagation (one pass carrying all
// coefficients, as JAX's jet) would grow linearly; that engine is not
// implemented yet. A coefficient past a derivative that no longer depends on
// t (a polynomial of lower degree) is zero.
//
// x and v must have the same shape and a float dtype; the coefficients have
// x's dtype. f must not read anything but its argument and constants.
// TaylorCoefficients records on a tape of its own: it is safe to call from
// many goroutines at once (with functions that share no mutable state).
func TaylorCoefficients(f func(*Tensor) *Tensor, x, v *Tensor, order int) []*Tensor {
	const who = "TaylorCoefficients"
	if order < 0 {
		panicf(who, "order %d is negative", order)
	}
	if !sameShape(x.shape, v.shape) {
		panicf(who, "direction has shape %s, the point %s", fmtShape(v.shape), fmtShape(x.shape))
	}
	for i, a := range []*Tensor{x, v} {
		if !a.dtype.IsFloat() {
			panicf(who, "argument %d is %s; Taylor coefficients need float64 or float32", i+2, a.dtype)
		}
	}
	t := newVars(who, []*Tensor{New(x.dtype)}, []int{0})
	defer t.tape.close()
	tt := t.wrt[0]
	y := f(Add(x.Detach(), Mul(tt, v.Detach().As(x.dtype))))
	if !y.dtype.IsFloat() {
		panicf(who, "f returned a %s tensor; it must return float64 or float32", y.dtype)
	}
	out := make([]*Tensor, order+1)
	out[0] = y.Detach().Clone()
	n := y.Size()
	coef := make([][]float64, order+1)
	for j := 1; j <= order; j++ {
		coef[j] = make([]float64, n)
	}
	flat := y.Reshape(n)
	for e := 0; e < n; e++ {
		cur := Index(flat, e)
		fact := 1.0
		for j := 1; j <= order && cur.requiresGrad; j++ {
			g := Gradients([]*Tensor{cur}, []*Tensor{tt}, CreateGraph(), AllowUnused())[0]
			if g == nil {
				break
			}
			fact *= float64(j)
			coef[j][e] = g.Item() / fact
			cur = g
		}
	}
	for j := 1; j <= order; j++ {
		c := FromSlice(coef[j], y.shape...)
		if y.dtype != Float64 {
			c = c.As(y.dtype)
		}
		out[j] = c
	}
	return out
}

// TaylorPolynomial evaluates Σⱼ c[j]·hʲ for coefficients c of a scalar
// function (as TaylorCoefficients returns them), up to order k (at most
// len(c)−1): the approximation of order k at distance h along the direction.
func TaylorPolynomial(c []*Tensor, k int, h float64) float64 {
	if k < 0 || k >= len(c) {
		panicf("TaylorPolynomial", "order %d is outside [0, %d]", k, len(c)-1)
	}
	s := 0.0
	for j := k; j >= 0; j-- { // Horner
		s = s*h + c[j].Item()
	}
	return s
}
