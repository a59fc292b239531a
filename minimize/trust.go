package minimize

import "math"

// trustNCG is SciPy's trust-ncg: a trust-region Newton method whose
// subproblem, min gᵀp + ½pᵀHp subject to ‖p‖ ≤ Δ, is solved approximately by
// Steihaug's truncated conjugate gradients, using Hessian-vector products
// only. Constants as SciPy's: Δ₀ = 1, Δmax = 1000, accept when the actual
// reduction is more than η = 0.15 of the predicted one; shrink Δ by 4 when
// that ratio is below ¼, double it when the ratio is above ¾ and the step
// reached the boundary.
func (r *run) trustNCG() {
	const (
		maxRadius = 1000.0
		eta       = 0.15
	)
	radius := 1.0
	if r.start(maxAbs(r.g)) {
		return
	}
	n := len(r.x)
	p, hp := make([]float64, n), make([]float64, n)
	trial, gt := make([]float64, n), make([]float64, n)
	for {
		hits := r.steihaug(radius, p, hp)
		predicted := -(dot(r.g, p) + 0.5*dot(p, hp))
		if predicted <= 0 {
			r.status = PrecisionLoss
			return
		}
		for i := range trial {
			trial[i] = r.x[i] + p[i]
		}
		fNew := r.ev.value(trial)
		if r.ev.err != nil {
			r.status = NaNResult
			return
		}
		rho := (r.f - fNew) / predicted // -Inf or NaN for a non-finite fNew: reject
		if !(rho >= 0.25) {
			radius *= 0.25
		} else if rho > 0.75 && hits {
			radius = min(2*radius, maxRadius)
		}
		step := 0.0
		if rho > eta {
			r.ev.grad(trial, gt)
			step = dist(trial, r.x)
			copy(r.x, trial)
			copy(r.g, gt)
			r.f = fNew
		}
		r.nit++
		gnorm := maxAbs(r.g)
		r.trace(gnorm, step)
		if r.check(gnorm) != nil {
			return
		}
		if radius < 1e-300 { // no step of any length decreases f
			r.status = PrecisionLoss
			return
		}
	}
}

// steihaug stores in p an approximate minimiser of the model within the
// trust region, and H·p in hp; it reports whether p lies on the boundary.
// CG stops at ‖r‖ ≤ min(½, √‖g‖)·‖g‖, at negative curvature (following the
// direction to the boundary), or when the iterate leaves the region.
func (r *run) steihaug(radius float64, p, hp []float64) bool {
	n := len(p)
	g := r.g
	clear(p)
	clear(hp)
	gnorm := math.Sqrt(dot(g, g))
	tol := min(0.5, math.Sqrt(gnorm)) * gnorm
	if gnorm < tol {
		return false
	}
	res := append([]float64(nil), g...)
	d := make([]float64, n)
	for i := range d {
		d[i] = -g[i]
	}
	bd := make([]float64, n)
	rr := dot(res, res)
	// toBoundary moves p along d to ‖p + τd‖ = Δ, τ ≥ 0, and updates hp.
	toBoundary := func() bool {
		a, b, c := dot(d, d), 2*dot(p, d), dot(p, p)-radius*radius
		tau := (-b + math.Sqrt(b*b-4*a*c)) / (2 * a)
		for i := range p {
			p[i] += tau * d[i]
			hp[i] += tau * bd[i]
		}
		return true
	}
	for range 20 * n {
		r.ev.hvp(r.x, d, bd)
		dbd := dot(d, bd)
		if dbd <= 0 {
			return toBoundary()
		}
		alpha := rr / dbd
		var next float64
		for i := range p {
			v := p[i] + alpha*d[i]
			next += v * v
		}
		if math.Sqrt(next) >= radius {
			return toBoundary()
		}
		for i := range p {
			p[i] += alpha * d[i]
			hp[i] += alpha * bd[i]
			res[i] += alpha * bd[i]
		}
		rr1 := dot(res, res)
		if math.Sqrt(rr1) < tol {
			return false
		}
		beta := rr1 / rr
		for i := range d {
			d[i] = -res[i] + beta*d[i]
		}
		rr = rr1
	}
	return false
}
