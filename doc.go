// Package nabla provides tensors and automatic differentiation for Go: eager
// reverse mode (like PyTorch's autograd), forward mode, and derivatives of any
// order.
//
// # Tensors
//
// A *Tensor is an n-dimensional array of float64 (the default) or float32
// values in row-major order. Constructors: FromSlice, FromFloat32s, Scalar,
// Zeros, Ones, Full, New, Arange, Linspace, Eye, and Rand, Uniform, Randn from a
// caller-supplied *rand.Rand (NewRand(seed) gives one; the same seed gives the
// same numbers on every machine). Binary operations broadcast by NumPy's rules.
// Both operands of an operation must have the same dtype; convert with As.
// Tensors are immutable: every operation returns a new tensor (Reshape and
// Detach share memory with their input).
//
// Two more dtypes hold data rather than differentiable values: Bool, for
// masks (the results of Greater, Equal, LogicalAnd and the other
// comparisons, and the condition of Where), and Int64, for indices and labels
// (Argmax, Sort's indices, ScatterAdd's and IndexAdd's index). FromBools and
// FromInt64s make them, Bools, Int64s and Ints read them. They never require
// grad: a differentiable op given one panics; convert it with As.
//
// # Gradients
//
// Mark the variables with SetRequiresGrad(true); every operation on them
// records a node of the graph, and Backward on a scalar result computes the
// gradient with respect to each variable into its Grad:
//
//	x := nabla.FromSlice([]float64{1, 2, 3}).SetRequiresGrad(true)
//	y := nabla.Sum(nabla.Mul(x, nabla.Sin(x)))
//	y.Backward()
//	fmt.Println(x.Grad()) // sin x + x cos x
//
// Gradients accumulate across backward passes until ZeroGrad, exactly as in
// PyTorch. This is what lets several losses add up their gradients, and it is
// the classic bug of training loops that forget to zero them between steps.
//
// Backward frees the graph's saved values; a second pass through the same
// graph is an error unless the first passed RetainGraph(). CreateGraph()
// records the backward pass itself so that gradients can be differentiated
// again. Gradients returns gradients without touching Grad, like
// torch.autograd.grad. NoGrad runs code without recording; Detach cuts a
// tensor from the graph. The engine walks the graph with an explicit stack, so
// chains of any depth work.
//
// Forward mode: Dual(x, v) attaches a tangent v to x, and every operation
// computes its output's tangent (the Jacobian-vector product) in the same pass,
// without a tape; read it with Tangent.
//
// # Function transforms
//
// Grad, ValueAndGrad, ValueAndGradAux, VJP, JVP, JacobianRev, JacobianFwd,
// Jacobian, Hessian and HVP transform Go functions of tensors (Func), as JAX
// does: Grad(f) is a function returning the gradient, with the argument's
// shape; a Jacobian has the output's shape followed by the input's. They make
// their own variables (inputs need no SetRequiresGrad and are never changed)
// and compose: Grad(Grad(f)) is the second derivative, Hessian is the
// forward-mode Jacobian of the gradient (forward over reverse), HVP is H·v
// without forming H. Forward mode does not nest with itself.
//
// Vmap(f) maps f over a batch axis in one batched pass, as jax.vmap does: it
// traces f on one example and runs the traced ops on the batch, each by the
// Batch rule declared beside its VJP and JVP (an op without one runs once
// per example; VmapFallbacks names such ops). Vmap(Grad(f)) gives
// per-example gradients, and the Jacobians and Hessian compute all their
// rows (columns) through it.
//
// Jet(f, primals, series) is Taylor mode, as jax.experimental.jet: it
// traces f and pushes truncated Taylor series (normalised coefficients,
// x(t) = x₀ + x₁t + … + x_k tᵏ) through the traced ops in one pass, each by
// the Jet rule declared beside its other rules (an op without one is
// expanded through its JVP rule; OpsWithoutJetRule names such ops).
// TaylorCoefficients is Jet along a line.
//
// # Compilation
//
// On small tensors an eager op costs more in bookkeeping (a tensor header, a
// graph node, the backward pass's walk) than in arithmetic. Compile,
// CompileValueAndGrad and CompileValueAndGradInto remove it as jax.jit does:
// the first call for a signature (the arguments' shapes and dtypes) runs the
// function, and its backward pass (with nothing changed in place), while a tracer
// writes down every op; later calls replay that list of ops on the new
// values, on buffers allocated by the first replay and shared by
// intermediates whose lifetimes do not overlap. The Rosenbrock gradient at
// n = 1000 runs 3–4× faster than through ValueAndGrad (docs/BENCHMARKS.md).
//
// What a compiled function may do is what jax.jit allows: compute with
// nabla's ops. Reading values of tensors that depend on the arguments (Item,
// At, Float64s, the Raw accessors), hooks, and gradients stored into
// tensors the function does not compute are errors while tracing; tensors the
// function closes over are constants of the program (read at each call, so
// changes made in place are seen; a new tensor assigned to the variable is
// not); random numbers drawn with a Go source inside the function are drawn
// once (nn.Dropout, in training mode, refuses to be traced; Tensor.Traced
// tells such code when its input is). Ops on constants alone are computed
// once, when the function is traced, and are constants of the program. The first replay is checked against the trace to the last bit.
// Transforms inside a compiled function are compiled with it, forward mode
// included (Compile of a function computing an HVP replays the HVP). Calls
// whose arguments are differentiated from outside (inside Grad, HVP, ...),
// and calls in anomaly mode, run the function uncompiled. Custom ops need
// nothing more than what CreateGraph already asks of their rules: that they
// compute with ops.
//
// # Operations and their rules
//
// Every primitive operation is an *Op defined in one place with its forward
// computation, its reverse rule (VJP) and its forward rule (JVP), registered
// once (see Ops). The rules are written with nabla's own operations, so they
// are differentiable themselves: that is where second and higher derivatives
// come from. Composite operations (Sub, Mean, Softmax, LogSumExp, Gelu, Slice,
// Stack, ...) are built from primitives and have no rules of their own. Summing
// a gradient back over broadcast dimensions happens once, in the engine.
//
// Conventions where a derivative jumps, as in PyTorch: relu'(0) = 0,
// abs'(0) = 0, clamp passes the gradient at its bounds, a max, min, maximum or
// minimum shares the gradient equally among ties, and the gradient of Norm at 0
// is 0. Where routes gradients without multiplying them, so a NaN in the branch
// not taken does not reach the other branch's gradient. Sigmoid, Softplus,
// LogSigmoid, LogSumExp, LogSoftmax and Norm are computed in forms that do not
// overflow (sigmoid and softplus at ±1000, logsumexp of huge logits, -Inf
// entries in log-softmax).
//
// # Linear algebra
//
// Solve, SolveT, Inv, Det, Slogdet, Cholesky, CholeskySolve, TriangularSolve,
// QR, Eigh, SVD, Lstsq, MatrixPower and MatrixExp take matrices in the last
// two dimensions and batches in the leading ones, as torch.linalg. The
// factorisations run in gonum's LAPACK, in float64 (float32 inputs are
// converted and the results rounded); their rules are written with ops, so
// Hessians go through them. Singular and non-positive-definite inputs panic
// with an *Error naming the op and the matrix; Det and Slogdet of a singular
// matrix are 0 and (0, −Inf). Derivatives through the eigenvectors of Eigh or
// the singular vectors of SVD panic when two eigenvalues (singular values)
// coincide and the result depends on the choice of their vectors. The ops
// keep no workspace between calls: they are safe from any number of
// goroutines.
//
// # Errors
//
// Misuse by the program — shapes that do not broadcast, a dtype mix, an axis or
// index out of range, a backward pass on a non-scalar without a seed, a second
// backward pass through a freed graph — panics with an *Error that names the
// operation, the shapes or values involved, and the file:line of the caller's
// code. Code that prefers errors wraps calls in Catch. Anomaly mode
// (DetectAnomaly) turns the first NaN or Inf produced by an operation, forward
// or backward, into such an error.
//
// # Concurrency
//
// Independent computations may run in any number of goroutines at once:
// building and differentiating graphs (Backward, Gradients), the transforms
// (Grad, ValueAndGrad, HVP, Hessian, JVP, VJP, the Jacobians), compiled
// functions (first calls and replays alike), and the minimize and train
// packages. Graphs built in different goroutines may share leaf tensors
// that they read: weights, data, constants. What the engine needs besides
// the values travels with them, never in a package variable: each backward
// pass keeps its running sums and visit marks to itself, each transform and
// each trace binds the variables it makes to a Tape of its own, and a
// compiled program's replay takes its buffers from a plan of its own.
//
// What may not be done from two goroutines at once is changing one object:
// writing a tensor's values (the Raw accessors, an optimizer's Step), calling
// ZeroGrad on a leaf while a backward pass accumulates into it, running two
// backward passes through one graph, or using one Tape, Arena or optimizer.
// The engine detects the last three where it is cheap to: a backward pass
// through a graph another pass is walking, and ZeroGrad on a leaf a pass is
// accumulating into, panic with an *Error instead of mixing two passes'
// sums. Backward passes in several goroutines may accumulate into the Grad of
// one shared leaf; they take turns, in no fixed order.
//
// Modes — recording (NoGrad, EnableGrad), anomaly detection, collection by an
// Arena — belong to a Tape, and an op runs in the mode of the tape its inputs
// are bound to (Tape.Bind; what an op computes belongs to its inputs' tape).
// Tensors bound to no tape use the default tape, which the package-level
// NoGrad, EnableGrad and DetectAnomaly set for the whole process: they are
// for programs that build graphs in one goroutine. A goroutine that builds
// graphs while another evaluates gives each its own tape:
//
//	tp := nabla.NewTape()
//	tp.Bind(x)                              // the batch this goroutine made
//	tp.NoGrad(func() { y = model.Forward(x) }) // records nothing; others still record
//
// Large elementwise operations, reductions and matrix products use all cores
// by themselves.
package nabla
