package minimize

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/nabla-go/nabla"
)

// Func is an objective: it maps a tensor of the start point's shape to a
// scalar tensor, using nabla operations so that it can be differentiated.
type Func func(x *nabla.Tensor) *nabla.Tensor

// Method names a minimisation algorithm.
type Method string

// The methods. The names are SciPy's, in lower case, where SciPy has one.
const (
	GradientDescent Method = "gd"        // steepest descent, gonum's GradientDescent
	CG              Method = "cg"        // nonlinear conjugate gradients, gonum's CG
	BFGS            Method = "bfgs"      // gonum's BFGS
	LBFGS           Method = "l-bfgs"    // gonum's LBFGS
	Newton          Method = "newton"    // exact Hessian, gonum's Newton (adds τI when indefinite)
	NewtonCG        Method = "newton-cg" // line-search Newton-CG with Hessian-vector products
	TrustNCG        Method = "trust-ncg" // trust-region Newton-CG (Steihaug) with Hessian-vector products
	LBFGSB          Method = "l-bfgs-b"  // L-BFGS-B (Byrd, Lu, Nocedal, Zhu) for box bounds
)

// Methods lists every method, in the order above.
var Methods = []Method{GradientDescent, CG, BFGS, LBFGS, Newton, NewtonCG, TrustNCG, LBFGSB}

// ParseMethod returns the method named s, ignoring case; "lbfgs", "lbfgsb",
// "newtoncg" and "trust-ncg"'s "trustncg" are accepted too.
func ParseMethod(s string) (Method, error) {
	t := strings.ToLower(s)
	for _, m := range Methods {
		if t == string(m) || t == strings.ReplaceAll(string(m), "-", "") {
			return m, nil
		}
	}
	names := make([]string, len(Methods))
	for i, m := range Methods {
		names[i] = string(m)
	}
	return "", fmt.Errorf("minimize: unknown method %q (want one of %s)", s, strings.Join(names, ", "))
}

// Options configures Minimize. A nil *Options means the defaults.
type Options struct {
	// GTol stops the run successfully when max |∂f/∂xᵢ| ≤ GTol (for
	// l-bfgs-b, the projected gradient P(x − ∇f) − x). Default 1e-5, SciPy's
	// BFGS gtol and L-BFGS-B pgtol.
	GTol float64
	// FTol, for l-bfgs-b only, stops the run successfully when an iteration
	// reduces f by at most FTol·max(|f_k|, |f_k+1|, 1), SciPy's L-BFGS-B ftol
	// test. Default 2.2e-9 (SciPy's factr = 10⁷ times the machine epsilon);
	// a tiny value such as 1e-300 leaves, in effect, only the GTol test.
	FTol float64
	// MaxIter bounds the number of iterations. Default 200·n, SciPy's BFGS
	// maxiter; 15000 for l-bfgs-b, SciPy's L-BFGS-B maxiter.
	MaxIter int
	// MaxFev bounds the number of evaluations of f, so that no line search
	// can run forever. Default 100·MaxIter; 15000 for l-bfgs-b, SciPy's
	// L-BFGS-B maxfun.
	MaxFev int
	// Memory is the number of correction pairs kept by l-bfgs and l-bfgs-b.
	// Default 10, SciPy's maxcor.
	Memory int
	// Lower and Upper are box bounds for l-bfgs-b, flat in x's row-major
	// order; nil means unbounded, and ±Inf entries are allowed. Lower[i] ==
	// Upper[i] fixes xᵢ. A start point outside the box is projected into it
	// before f is first evaluated, as SciPy does.
	Lower, Upper []float64
	// Compile evaluates f as a compiled program (nabla.CompileValueAndGradInto
	// for the value and gradient, nabla.Compile of nabla.HVP for newton,
	// newton-cg and trust-ncg): traced at the first evaluation, replayed at
	// the next ones, which is several times faster when f computes with small
	// tensors. f must then be what jax.jit asks of a function: computed with
	// nabla's ops from x alone (reading tensor values inside it is an error
	// naming the accessor). The results agree with an uncompiled run up to
	// rounding, which may change the iteration count.
	Compile bool
	// Callback, when set, is called with the start point (Nit 0) and after
	// every iteration. Its X is only valid during the call.
	Callback func(Iteration)

	// Jac, when set, is the gradient of f written by hand, as SciPy's jac=:
	// it returns ∇f(x), one value per variable, for x flat in x0's
	// row-major order. Every method then takes its gradients from Jac instead of
	// nabla's reverse mode, and Njev counts the calls. MinimizeFunc needs it.
	Jac func(x []float64) []float64
	// Hess, when set, is the Hessian of f written by hand, as SciPy's
	// hess=: row i holds ∂²f/∂xᵢ∂xⱼ (only the upper triangle is read).
	// newton uses it for its Hessians, newton-cg and trust-ncg, when Hessp
	// is nil, multiply by it (one call per point); Nhev counts the calls.
	Hess func(x []float64) [][]float64
	// Hessp, when set, returns H(x)·p written by hand, as SciPy's hessp=.
	// newton-cg and trust-ncg use it for their products; newton, when Hess
	// is nil, forms its Hessians from n products. Nhev counts the calls.
	// With MinimizeFunc, newton, newton-cg and trust-ncg need Hess or Hessp.
	Hessp func(x, p []float64) []float64
	// CheckJac compares Jac with nabla's gradient of f at x0 before the run,
	// as CheckGrad does: Minimize returns an error naming the worst
	// component when it is off by more than JacTol·max(1, |∂f/∂xᵢ|), and
	// otherwise puts the comparison in Result.JacCheck. It needs Jac and an
	// f written with nabla ops (Minimize, not MinimizeFunc).
	CheckJac bool
	// JacTol is the tolerance of CheckJac. Default 1e-6.
	JacTol float64

	// Jac, Hess and Hessp are called from the goroutine that called
	// Minimize, one call at a time, and never see a slice Minimize keeps:
	// they may keep or change their arguments, and their results are
	// copied.
}

// Iteration is one line of a run's trace.
type Iteration struct {
	Nit      int       // iterations done
	X        []float64 // the current point, flat
	F        float64   // f(X)
	GradNorm float64   // max |∂f/∂xᵢ| (projected for l-bfgs-b)
	Step     float64   // ‖X − previous X‖₂; 0 at the start
}

// Status is SciPy's termination code for BFGS.
type Status int

// The status codes, with SciPy's messages.
const (
	Success       Status = 0 // "Optimization terminated successfully."
	MaxIterations Status = 1 // "Maximum number of iterations has been exceeded."
	PrecisionLoss Status = 2 // "Desired error not necessarily achieved due to precision loss."
	NaNResult     Status = 3 // "NaN result encountered."
)

// Message returns SciPy's message for s.
func (s Status) Message() string {
	switch s {
	case Success:
		return "Optimization terminated successfully."
	case MaxIterations:
		return "Maximum number of iterations has been exceeded."
	case PrecisionLoss:
		return "Desired error not necessarily achieved due to precision loss."
	case NaNResult:
		return "NaN result encountered."
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Result is the outcome of a run, like SciPy's OptimizeResult.
type Result struct {
	X    *nabla.Tensor // the best point found, in x0's shape
	Fun  float64       // f(X)
	Grad *nabla.Tensor // ∇f(X)
	Nit  int           // iterations
	Nfev int           // evaluations of f (forward passes)
	Njev int           // gradients (reverse passes); SciPy's njev
	// Nhev counts Hessians for newton, and Hessian-vector products for
	// newton-cg and trust-ncg, as SciPy's nhev does; with Options.Hess or
	// Hessp, the calls of the function given.
	Nhev    int
	Status  Status
	Success bool   // Status == Success
	Message string // Status.Message(), or a more detailed message for some outcomes
	// JacCheck is the comparison of Options.Jac with nabla's gradient at
	// x0, when Options.CheckJac asked for it.
	JacCheck *GradDiff
}

// Minimize minimises f from x0 with the given method. x0 is not modified;
// float32 start points are converted to float64. It returns an error, and no
// result, when the problem is malformed: an empty x0, an f that panics or
// returns a non-scalar at x0, bounds of the wrong length or with a method
// other than l-bfgs-b, or a gradient that Options.CheckJac rejects. Failures
// during the run (a NaN, a line search that makes no progress, the iteration
// limit) are reported in the Result.
func Minimize(f Func, x0 *nabla.Tensor, method Method, opts *Options) (Result, error) {
	if x0 == nil || x0.Size() == 0 {
		return Result{}, errors.New("minimize: empty start point")
	}
	if f == nil {
		return Result{}, errors.New("minimize: nil function")
	}
	return solve(objective{f: f}, x0.As(nabla.Float64).Detach().Float64s(), x0.Shape(), method, opts)
}

// MinimizeFunc minimises a plain Go function of a []float64 from x0, with
// the derivatives given in opts (Jac, and Hess or Hessp for newton,
// newton-cg and trust-ncg), like SciPy's minimize(f, x0, jac=..., hess=...,
// hessp=...). x0 is not modified, and Result.X has shape [len(x0)]. Without
// nabla ops in f there is no automatic differentiation: a missing
// derivative is an error (write f with nabla ops and call Minimize to have
// them computed). Otherwise it behaves as Minimize.
func MinimizeFunc(f func(x []float64) float64, x0 []float64, method Method, opts *Options) (Result, error) {
	if len(x0) == 0 {
		return Result{}, errors.New("minimize: empty start point")
	}
	if f == nil {
		return Result{}, errors.New("minimize: nil function")
	}
	return solve(objective{plain: f}, slices.Clone(x0), []int{len(x0)}, method, opts)
}

// objective is f as nabla ops (f) or as a plain function (plain).
type objective struct {
	f     Func
	plain func([]float64) float64
}

// solve runs method from x (owned) for either kind of objective.
func solve(obj objective, x []float64, shape []int, method Method, opts *Options) (Result, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	n := len(x)
	if method == LBFGSB { // SciPy's L-BFGS-B defaults
		if o.MaxIter == 0 {
			o.MaxIter = 15000
		}
		if o.MaxFev == 0 {
			o.MaxFev = 15000
		}
		if o.FTol == 0 {
			o.FTol = 1e7 * eps
		}
	}
	if o.GTol == 0 {
		o.GTol = 1e-5
	}
	if o.MaxIter == 0 {
		o.MaxIter = 200 * n
	}
	if o.MaxFev == 0 {
		o.MaxFev = 100 * o.MaxIter
	}
	if o.Memory == 0 {
		o.Memory = 10
	}
	if o.JacTol == 0 {
		o.JacTol = 1e-6
	}
	if o.GTol < 0 || o.FTol < 0 || o.MaxIter < 0 || o.MaxFev < 0 || o.Memory < 0 || !(o.JacTol > 0) {
		return Result{}, errors.New("minimize: negative option")
	}
	if (o.Lower != nil || o.Upper != nil) && method != LBFGSB {
		return Result{}, fmt.Errorf("minimize: bounds need method %s, not %s", LBFGSB, method)
	}
	for _, b := range [][]float64{o.Lower, o.Upper} {
		if b != nil && len(b) != n {
			return Result{}, fmt.Errorf("minimize: %d bounds for %d variables", len(b), n)
		}
	}
	if !slices.Contains(Methods, method) {
		m, err := ParseMethod(string(method))
		if err != nil {
			return Result{}, err
		}
		method = m
	}
	secondOrder := method == Newton || method == NewtonCG || method == TrustNCG
	userHess := o.Hess != nil || o.Hessp != nil
	switch {
	case obj.plain != nil && o.Jac == nil:
		return Result{}, errors.New("minimize: MinimizeFunc needs Options.Jac: a plain Go function has no automatic gradient (write f with nabla ops and call Minimize to have it computed)")
	case obj.plain != nil && secondOrder && !userHess:
		return Result{}, fmt.Errorf("minimize: method %s with MinimizeFunc needs Options.Hess or Options.Hessp", method)
	case obj.plain != nil && o.CheckJac:
		return Result{}, errors.New("minimize: Options.CheckJac compares Jac with nabla's gradient, which MinimizeFunc does not have; call CheckGradFunc, or Minimize with f written with nabla ops")
	case o.CheckJac && o.Jac == nil:
		return Result{}, errors.New("minimize: Options.CheckJac without Options.Jac")
	case o.Compile && (obj.plain != nil || o.Jac != nil || userHess):
		return Result{}, errors.New("minimize: Options.Compile compiles nabla's derivatives of f; it cannot be combined with MinimizeFunc or with Jac, Hess or Hessp")
	}

	var jacCheck *GradDiff
	if o.CheckJac {
		d, err := CheckGrad(obj.f, o.Jac, nabla.FromSlice(slices.Clone(x), shape...))
		if err != nil {
			return Result{}, err
		}
		if d.RelErr() > o.JacTol {
			return Result{}, fmt.Errorf("minimize: Options.Jac disagrees with nabla's gradient at x0 (CheckJac): %v, more than JacTol %g", d, o.JacTol)
		}
		jacCheck = &d
	}

	var b *box
	if method == LBFGSB {
		var err error
		if b, err = newBox(n, o.Lower, o.Upper); err != nil {
			return Result{}, err
		}
		b.project(x) // SciPy starts from the projection of x0
	}
	ev := newEvaluator(obj, shape, secondOrder && !userHess)
	ev.jac, ev.hessFn, ev.hessp = o.Jac, o.Hess, o.Hessp
	if o.Compile {
		ev.compile()
	}
	defer ev.done()
	g := make([]float64, n)
	f0 := ev.grad(x, g)
	if ev.err != nil {
		return Result{}, ev.err
	}

	r := run{ev: ev, o: &o, x: x, g: g, f: f0}
	switch method {
	case GradientDescent, CG, BFGS, LBFGS, Newton, NewtonCG:
		r.lineSearch(method)
	case TrustNCG:
		r.trustNCG()
	case LBFGSB:
		r.lbfgsb(b)
	}
	res := r.result()
	res.JacCheck = jacCheck
	return res, nil
}

// run is the state every method shares: the best point so far, its value
// and gradient, and the counters.
type run struct {
	ev     *evaluator
	o      *Options
	x, g   []float64
	f      float64
	nit    int
	status Status
	detail string // replaces the status message when set
}

// start reports the start point to the callback and says whether it is
// already a minimum.
func (r *run) start(gnorm float64) bool {
	r.trace(gnorm, 0)
	return r.check(gnorm) != nil
}

func (r *run) trace(gnorm, step float64) {
	if r.o.Callback != nil {
		r.o.Callback(Iteration{Nit: r.nit, X: r.x, F: r.f, GradNorm: gnorm, Step: step})
	}
}

// check decides, after an iteration, whether the run is over.
func (r *run) check(gnorm float64) *Status {
	stop := func(s Status) *Status { r.status = s; return &r.status }
	switch {
	case !finite(r.f) || math.IsNaN(gnorm) || math.IsInf(gnorm, 0):
		return stop(NaNResult)
	case gnorm <= r.o.GTol:
		return stop(Success)
	case r.nit >= r.o.MaxIter:
		return stop(MaxIterations)
	case r.ev.nfev >= r.o.MaxFev:
		r.detail = "Maximum number of function evaluations has been exceeded."
		return stop(MaxIterations)
	}
	return nil
}

func (r *run) result() Result {
	msg := r.status.Message()
	if r.detail != "" {
		msg = r.detail
	}
	if r.ev.err != nil {
		msg += " " + r.ev.err.Error()
	}
	shape := r.ev.shape
	return Result{
		X:    nabla.FromSlice(slices.Clone(r.x), shape...),
		Fun:  r.f,
		Grad: nabla.FromSlice(slices.Clone(r.g), shape...),
		Nit:  r.nit, Nfev: r.ev.nfev, Njev: r.ev.njev, Nhev: r.ev.nhev,
		Status: r.status, Success: r.status == Success, Message: msg,
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		if math.IsNaN(x) {
			return x
		}
		m = max(m, math.Abs(x))
	}
	return m
}

func dist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(s)
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
