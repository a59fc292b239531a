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
// once (nn.Dropout, in training mode, refuses to be traced; Tracing tells such
// code when it is). The first replay is checked against the trace to the last bit.
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
// Concurrency: whether operations record the graph is one process-wide switch
// (Go has no goroutine-local state), set by NoGrad and EnableGrad and also by
// every backward pass while it runs; so is the Arena that collects tensors
// for recycling (ValueAndGrad, Grad, minimize and train.Run run one, and so
// does every backward pass), and so are the tracer and the buffer plan of a
// compiled function while it traces or replays (calls of compiled functions
// from several goroutines take turns, and are safe with one another). Build
// and differentiate graphs from one goroutine at a time, with no other
// goroutine computing tensors meanwhile
// (they would be recorded, or collected and recycled, with that goroutine's);
// computing values under NoGrad in several goroutines, while none builds a
// graph, is safe. Large elementwise operations, reductions and matrix
// products use all cores by themselves.
package nabla
