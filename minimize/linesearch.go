package minimize

import (
	"errors"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// lineSearch runs a line-search method: gonum's LinesearchMethod with a
// direction rule (gonum's, or newtonCG below) and a gonum line searcher,
// driven by a plain loop instead of optimize.Minimize. The loop evaluates
// what the method asks for through the evaluator, so a value and a gradient
// at the same point share one forward pass; it stops at the first NaN or
// Inf, and it maps gonum's outcomes onto SciPy's status codes.
func (r *run) lineSearch(m Method) {
	if r.start(maxAbs(r.g)) {
		return
	}
	dir, searcher := direction(m, r)
	loc := &optimize.Location{X: slices.Clone(r.x), F: r.f, Gradient: slices.Clone(r.g)}
	if m == Newton {
		loc.Hessian = mat.NewSymDense(len(r.x), nil)
		r.ev.hess(loc.X, loc.Hessian)
	}
	ls := &optimize.LinesearchMethod{NextDirectioner: dir, Linesearcher: &shortening{Linesearcher: searcher}}
	op, err := ls.Init(loc)
	for {
		if err != nil || r.ev.err != nil {
			// The line search failed (no decrease, a non-descent direction,
			// a step too small to move x): SciPy's "precision loss".
			r.status = PrecisionLoss
			if r.ev.err != nil || errors.Is(err, errNoFiniteStep) {
				r.status = NaNResult
			}
			return
		}
		if op == optimize.MajorIteration {
			r.nit++
			step := dist(loc.X, r.x)
			r.x, r.f, r.g = append(r.x[:0], loc.X...), loc.F, append(r.g[:0], loc.Gradient...)
			gnorm := maxAbs(r.g)
			r.trace(gnorm, step)
			if r.check(gnorm) != nil {
				return
			}
		} else {
			r.evaluate(op, loc)
			if !finite(loc.F) || op&optimize.GradEvaluation != 0 && !finite(maxAbs(loc.Gradient)) {
				if !ls.Linesearcher.(*shortening).searching {
					// Not a trial point: the point the search accepted.
					r.status = NaNResult
					return
				}
				// A trial point: the line search shortens the step.
				loc.F = math.NaN()
			}
			if r.ev.nfev >= r.o.MaxFev {
				r.status, r.detail = MaxIterations, "Maximum number of function evaluations has been exceeded."
				return
			}
		}
		op, err = ls.Iterate(loc)
	}
}

// shortenFactor is what a line search multiplies a trial step by when f or
// ∇f is not finite there.
const shortenFactor = 0.25

var errNoFiniteStep = errors.New("minimize: no finite trial point along the search direction")

// shortening wraps a line searcher so that a trial step whose f or
// directional derivative is not finite counts as too long: the search
// starts again from a quarter of that step, instead of the run ending with
// "NaN result encountered" (SciPy's line searches do the same).
type shortening struct {
	optimize.Linesearcher
	f0, g0, step float64
	op           optimize.Operation
	searching    bool // between Init and the step's acceptance
	shortened    int  // in this search
}

// maxShortenings bounds the restarts of one line search: a searcher that
// keeps extrapolating out of f's domain (towards a singularity) ends the
// run with "NaN result encountered".
const maxShortenings = 30

func (s *shortening) Init(f, g, step float64) optimize.Operation {
	s.f0, s.g0, s.step, s.searching, s.shortened = f, g, step, true, 0
	s.op = s.Linesearcher.Init(f, g, step)
	return s.op
}

func (s *shortening) Iterate(f, g float64) (optimize.Operation, float64, error) {
	if !finite(f) || s.op&optimize.GradEvaluation != 0 && !finite(g) {
		s.step *= shortenFactor
		s.shortened++
		if s.step < 1e-30 || s.shortened > maxShortenings {
			return 0, 0, errNoFiniteStep
		}
		s.op = s.Linesearcher.Init(s.f0, s.g0, s.step)
		return s.op, s.step, nil
	}
	op, step, err := s.Linesearcher.Iterate(f, g)
	s.op, s.step = op, step
	s.searching = err == nil && op != optimize.MajorIteration
	return op, step, err
}

// evaluate fills the fields of loc that op asks for.
func (r *run) evaluate(op optimize.Operation, loc *optimize.Location) {
	if op&optimize.GradEvaluation != 0 {
		loc.F = r.ev.grad(loc.X, loc.Gradient)
	} else if op&optimize.FuncEvaluation != 0 {
		loc.F = r.ev.value(loc.X)
	}
	if op&optimize.HessEvaluation != 0 {
		r.ev.hess(loc.X, loc.Hessian)
	}
}

// direction returns the direction rule and the line searcher of a method.
// gonum's methods get the settings their own Minimize would give them,
// except that BFGS, L-BFGS and Newton search with More–Thuente for the strong
// Wolfe conditions (SciPy's choice) instead of gonum's default Bisection.
func direction(m Method, r *run) (optimize.NextDirectioner, optimize.Linesearcher) {
	switch m {
	case GradientDescent:
		return &optimize.GradientDescent{StepSizer: &optimize.QuadraticStepSize{}}, &optimize.Backtracking{}
	case CG:
		return &optimize.CG{
			Variant:                &optimize.HestenesStiefel{},
			InitialStep:            &optimize.FirstOrderStepSize{},
			IterationRestartFactor: 6,
			AngleRestartThreshold:  -0.9,
		}, &optimize.MoreThuente{CurvatureFactor: 0.1}
	case BFGS:
		return &optimize.BFGS{}, wolfe()
	case LBFGS:
		return &optimize.LBFGS{Store: r.o.Memory}, wolfe()
	case Newton:
		return &optimize.Newton{Increase: 5}, wolfe()
	case NewtonCG:
		return &newtonCG{ev: r.ev, maxIter: 20 * len(r.x)}, wolfe()
	}
	panic("minimize: internal error: no line search for " + string(m))
}

// wolfe is the strong-Wolfe line search with SciPy's constants c₁ = 1e-4,
// c₂ = 0.9.
func wolfe() optimize.Linesearcher {
	return &optimize.MoreThuente{DecreaseFactor: 1e-4, CurvatureFactor: 0.9}
}

// newtonCG is the direction rule of SciPy's Newton-CG: the Newton system
// H d = −g solved inexactly by conjugate gradients, with H touched only
// through Hessian-vector products. CG stops when ‖r‖₁ ≤ min(½, √‖g‖₁)·‖g‖₁
// (a forcing sequence that gives superlinear convergence), or at the first
// direction of non-positive curvature: then it keeps the iterate so far, or,
// at the first CG step, takes the steepest-descent direction scaled by the
// curvature. Unlike SciPy, "zero curvature" is pᵀHp ≤ 3ε‖p‖², relative to
// p's length, so that tiny gradients near a singular minimum (Powell's) do not
// look flat.
type newtonCG struct {
	ev       *evaluator
	maxIter  int
	r, p, hp []float64
}

func (d *newtonCG) InitDirection(loc *optimize.Location, dir []float64) float64 {
	return d.NextDirection(loc, dir)
}

func (d *newtonCG) NextDirection(loc *optimize.Location, dir []float64) float64 {
	n := len(dir)
	g := loc.Gradient
	if d.r == nil {
		d.r, d.p, d.hp = make([]float64, n), make([]float64, n), make([]float64, n)
	}
	r, p, hp := d.r, d.p, d.hp
	norm1 := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += math.Abs(x)
		}
		return s
	}
	mag := norm1(g)
	tol := min(0.5, math.Sqrt(mag)) * mag
	clear(dir)
	copy(r, g)
	for i := range p {
		p[i] = -g[i]
	}
	rr := dot(r, r)
	for it := 0; it < d.maxIter && norm1(r) > tol; it++ {
		d.ev.hvp(loc.X, p, hp)
		curv := dot(p, hp)
		if curv >= 0 && curv <= 3*eps*dot(p, p) {
			break
		}
		if curv < 0 {
			if it == 0 {
				for i := range dir {
					dir[i] = -rr / curv * -g[i]
				}
			}
			break
		}
		alpha := rr / curv
		for i := range dir {
			dir[i] += alpha * p[i]
			r[i] += alpha * hp[i]
		}
		rr1 := dot(r, r)
		beta := rr1 / rr
		for i := range p {
			p[i] = -r[i] + beta*p[i]
		}
		rr = rr1
	}
	if dot(dir, g) >= 0 { // nothing better found: steepest descent
		for i := range dir {
			dir[i] = -g[i]
		}
	}
	return 1
}

const eps = 0x1p-52
