package nabla

// TaylorCoefficients returns the Taylor coefficients of t ↦ f(x + t·v) at
// t = 0 up to the given order: c[j] = (1/j!)·dʲ/dtʲ f(x + t·v) at t = 0,
// each of f's output's shape, so that f(x + h·v) ≈ Σⱼ c[j]·hʲ for small h.
// c[0] is f(x), c[1] the directional derivative ∇f(x)·v, c[2] half the
// curvature vᵀ∇²f(x)v: gradient descent follows the polynomial of order 1,
// Newton's method that of order 2.
//
// The coefficients come from Jet: one pass through f carrying the series
// x + t·v, each op mapping its inputs' coefficients to its output's (JAX's
// jet, Taylor mode), exact to rounding. The work grows as the square of the
// order for nonlinear ops and linearly for linear ones. A coefficient past a
// derivative that no longer depends on t (a polynomial of lower degree) is
// zero.
//
// x and v must have the same shape and a float dtype; the coefficients have
// x's dtype, and are constants (x and v are not differentiated through
// them: use Jet for that). f must not read anything but its argument and
// constants. TaylorCoefficients traces f on a tape of its own: it is safe to
// call from many goroutines at once (with functions that share no mutable
// state).
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
	series := make([]*Tensor, order)
	if order > 0 {
		series[0] = v.Detach().As(x.dtype)
	}
	y, ys := jetCall(who, func(xs ...*Tensor) *Tensor { return f(xs[0]) }, []*Tensor{x.Detach()}, [][]*Tensor{series}, order)
	if !y.dtype.IsFloat() {
		panicf(who, "f returned a %s tensor; it must return float64 or float32", y.dtype)
	}
	out := make([]*Tensor, order+1)
	out[0] = y.Detach().Clone()
	for j := 1; j <= order; j++ {
		if c := ys[j-1]; c != nil {
			out[j] = c.Detach().Clone()
		} else {
			out[j] = ZerosLike(out[0])
		}
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
