package minimize

import (
	"errors"
	"math"
)

// lbfgsb minimises within the box Lower ≤ x ≤ Upper. It is a projected
// L-BFGS method in the two-metric style of Bertsekas (1982), not the
// Byrd–Lu–Nocedal–Zhu algorithm that SciPy's L-BFGS-B wraps (no generalized
// Cauchy point, no subspace minimisation). Each iteration
//
//   - fixes the variables that sit within ε = min(10⁻³, ‖P(x−g)−x‖∞) of a
//     bound with the gradient pushing outwards,
//   - takes the L-BFGS direction (two-loop recursion, Memory pairs) of the
//     gradient restricted to the free variables, zero on the fixed ones,
//   - backtracks along the projected path x(α) = P(x + αd) from α = 1 until
//     f(x(α)) ≤ f(x) + 10⁻⁴·gᵀ(x(α) − x) (Armijo), halving α, at most 40 times,
//   - keeps the pair (s, y) when sᵀy > 10⁻¹⁰·yᵀy.
//
// It stops when the projected gradient P(x−g)−x has max-norm ≤ GTol, SciPy's
// pgtol test.
func (r *run) lbfgsb() error {
	n := len(r.x)
	lo, hi := r.o.Lower, r.o.Upper
	bound := func(b []float64, i int, def float64) float64 {
		if b == nil {
			return def
		}
		return b[i]
	}
	l, u := make([]float64, n), make([]float64, n)
	for i := range n {
		l[i], u[i] = bound(lo, i, math.Inf(-1)), bound(hi, i, math.Inf(1))
		if !(l[i] <= u[i]) {
			return errors.New("minimize: a lower bound exceeds its upper bound (or is NaN)")
		}
	}
	project := func(dst, x []float64) {
		for i := range x {
			dst[i] = min(max(x[i], l[i]), u[i])
		}
	}
	// SciPy projects the start point into the box too.
	inside := make([]float64, n)
	project(inside, r.x)
	if dist(inside, r.x) > 0 {
		copy(r.x, inside)
		r.f = r.ev.grad(r.x, r.g)
	}
	pgrad := func() float64 {
		m := 0.0
		for i := range r.x {
			m = max(m, math.Abs(min(max(r.x[i]-r.g[i], l[i]), u[i])-r.x[i]))
		}
		if !finite(maxAbs(r.g)) {
			return math.NaN()
		}
		return m
	}
	pg := pgrad()
	if r.start(pg) {
		return nil
	}

	var s, y [][]float64 // correction pairs, oldest first
	var rho []float64
	q, d, trial, gNew := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	fixed := make([]bool, n)
	alpha := make([]float64, r.o.Memory)
	for {
		e := min(1e-3, pg)
		for i := range r.x {
			fixed[i] = (r.x[i] <= l[i]+e && r.g[i] > 0) || (r.x[i] >= u[i]-e && r.g[i] < 0)
		}
		// Two-loop recursion on the free part of the gradient.
		for i := range q {
			q[i] = r.g[i]
			if fixed[i] {
				q[i] = 0
			}
		}
		for k := len(s) - 1; k >= 0; k-- {
			alpha[k] = rho[k] * dot(s[k], q)
			for i := range q {
				q[i] -= alpha[k] * y[k][i]
			}
		}
		gamma := 1.0
		if k := len(s) - 1; k >= 0 {
			gamma = dot(s[k], y[k]) / dot(y[k], y[k])
		} else {
			gamma = min(1, 1/maxAbs(q)) // first step: at most unit length
		}
		for i := range q {
			q[i] *= gamma
		}
		for k := range s {
			beta := rho[k] * dot(y[k], q)
			for i := range q {
				q[i] += (alpha[k] - beta) * s[k][i]
			}
		}
		for i := range d {
			d[i] = -q[i]
			if fixed[i] {
				d[i] = 0
			}
		}
		if dot(d, r.g) >= 0 { // the memory misleads: restart from the gradient
			s, y, rho = s[:0], y[:0], rho[:0]
			for i := range d {
				d[i] = 0
				if !fixed[i] {
					d[i] = -r.g[i] * min(1, 1/maxAbs(r.g))
				}
			}
		}

		// Projected backtracking.
		step, fNew, ok := 1.0, 0.0, false
		for range 40 {
			for i := range trial {
				trial[i] = r.x[i] + step*d[i]
			}
			project(trial, trial)
			fNew = r.ev.value(trial)
			if r.ev.err != nil {
				r.status = NaNResult
				return nil
			}
			decrease := 0.0
			for i := range trial {
				decrease += r.g[i] * (trial[i] - r.x[i])
			}
			if finite(fNew) && fNew <= r.f+1e-4*decrease {
				ok = true
				break
			}
			step /= 2
		}
		if !ok {
			r.status = PrecisionLoss
			return nil
		}
		r.ev.grad(trial, gNew)
		sk, yk := make([]float64, n), make([]float64, n)
		for i := range sk {
			sk[i], yk[i] = trial[i]-r.x[i], gNew[i]-r.g[i]
		}
		if sy := dot(sk, yk); sy > 1e-10*dot(yk, yk) {
			if len(s) == r.o.Memory {
				s, y, rho = s[1:], y[1:], rho[1:]
			}
			s, y, rho = append(s, sk), append(y, yk), append(rho, 1/sy)
		}
		stepLen := dist(trial, r.x)
		copy(r.x, trial)
		copy(r.g, gNew)
		r.f = fNew
		r.nit++
		pg = pgrad()
		r.trace(pg, stepLen)
		if r.check(pg) != nil {
			return nil
		}
	}
}
