// Package minimize minimises functions written with nabla operations, with
// exact derivatives: gradients by reverse mode, Hessian-vector products by
// differentiating the recorded gradient once more, dense Hessians one row per
// such product. It is SciPy's minimize for nabla, with gonum doing the work
// gonum already does well.
//
//	res, err := minimize.Minimize(f, x0, minimize.BFGS, nil)
//	// res.X, res.Fun, res.Grad, res.Nit, res.Nfev, res.Njev, res.Nhev,
//	// res.Status, res.Success, res.Message
//
// f takes a tensor of x0's shape and returns a scalar tensor. Result mirrors
// SciPy's OptimizeResult and its BFGS status codes: 0 success, 1 iteration
// limit, 2 precision loss (the line search cannot decrease f any more), 3 a NaN
// result. A malformed problem (empty x0, an f that panics or returns a
// non-scalar at x0, bad bounds) is an error instead. Defaults are SciPy's BFGS
// ones: the run succeeds when max |∂f/∂xᵢ| ≤ 1e-5, and stops after 200·n
// iterations. l-bfgs-b takes SciPy's L-BFGS-B defaults instead: 10 pairs,
// success when the projected gradient has max-norm ≤ 1e-5 or when an
// iteration reduces f by at most ftol = 2.2e-9 relatively, 15000 iterations
// and 15000 evaluations at most. A nil *Options means the defaults.
//
// # Derivatives written by hand
//
// Options.Jac, Hess and Hessp take derivatives as plain Go functions on
// []float64, as SciPy's jac=, hess= and hessp= do; given, they replace
// nabla's, and Njev and Nhev count their calls. MinimizeFunc takes f itself
// as a plain func([]float64) float64, so that SciPy's
//
//	res = minimize(f, x0, jac=grad_f, method='BFGS')
//
// reads, with no tensor anywhere,
//
//	res, err := minimize.MinimizeFunc(f, x0, minimize.BFGS, &minimize.Options{Jac: gradF})
//
// The same caching applies, so a run with exact derivatives written by hand
// takes the iterates and counts of the run with nabla's. Where f is nabla ops
// too, Options.CheckJac compares Jac with nabla's gradient at x0 before the
// run, and CheckGrad and CheckGradFunc do it on their own, like
// scipy.optimize.check_grad.
//
// # Methods, and who implements them
//
// From gonum.org/v1/gonum/optimize, fed nabla's gradients and Hessians:
//
//	gd        GradientDescent with gonum's Backtracking line search
//	cg        CG (Hestenes–Stiefel, restarts) with More–Thuente
//	bfgs      BFGS with More–Thuente (strong Wolfe, c₁ = 1e-4, c₂ = 0.9)
//	l-bfgs    LBFGS (Memory pairs, default 10) with More–Thuente
//	newton    Newton with the exact Hessian; gonum adds τI, τ growing ×5,
//	          until the Cholesky factorisation succeeds (Nocedal–Wright
//	          Algorithm 3.3), so indefinite Hessians still give descent
//
// Written here, because gonum has no equivalent:
//
//	newton-cg SciPy's Newton-CG: truncated CG on H d = −g using only
//	          Hessian-vector products, plugged into gonum's
//	          LinesearchMethod as a direction rule, with More–Thuente
//	trust-ncg SciPy's trust-ncg: trust region with Steihaug's CG,
//	          Hessian-vector products only
//	l-bfgs-b  box bounds (gonum has no bound-constrained method): the
//	          L-BFGS-B of Byrd, Lu, Nocedal and Zhu (1995), as in SciPy:
//	          compact limited-memory BFGS matrix, generalized Cauchy point
//	          along the projected gradient path, subspace minimisation over
//	          the free variables (direct primal method), Morales and
//	          Nocedal's projected step, safeguarded, and a strong-Wolfe
//	          More–Thuente search inside the box. Without bounds it is
//	          L-BFGS, and its counts on the Moré–Garbow–Hillstrom problems
//	          are SciPy's; see bounds.go for the one deviation.
//
// newton-cg and trust-ncg never form an n×n matrix, so they scale to n = 10⁵
// and beyond; newton forms the dense Hessian with n reverse passes.
//
// The line-search methods run gonum's optimize.LinesearchMethod (its line
// searchers and direction rules) from a plain loop in this package instead of
// optimize.Minimize: evaluations happen in the caller's goroutine, each is
// counted, the first NaN or Inf stops the run with status 3 and the last good
// point, and gonum's outcomes map onto SciPy's status codes.
//
// # Evaluations
//
// A value and a gradient at the same point share one forward pass: the
// evaluator keeps the graphs of the two latest points, so a gradient asked for
// where the value was just computed costs one reverse pass, and a value asked
// for where the gradient was computed costs nothing. Nfev counts forward
// passes of f, Njev reverse passes, and Nhev Hessians (newton) or
// Hessian-vector products (newton-cg, trust-ncg), as SciPy's nfev, njev and
// nhev do.
//
// The tests run every method on the Moré–Garbow–Hillstrom problems and fail
// when a change needs more evaluations than recorded, as SciPy's do.
package minimize
