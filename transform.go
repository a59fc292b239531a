package nabla

// Function transforms, in the manner of JAX: each takes a Go function of
// tensors and returns a new function (or evaluates one) that computes a
// derivative. They are built on the engine's two modes, nothing more: Grad,
// ValueAndGrad, VJP and JacobianRev run a recorded forward pass and Gradients;
// JVP and JacobianFwd run dual tensors; Hessian and HVP put the first over the
// second (forward-over-reverse).
//
// A transform makes its own variables: the caller's tensors are never
// modified and need no SetRequiresGrad. When an input already takes part in
// differentiation — it requires grad, or carries a forward-mode tangent,
// because an outer transform made it a variable — the transform records what
// it computes (CreateGraph), so that its result can be differentiated again.
// That is what makes Grad(Grad(f)) the second derivative.

import "sync"

// Func is a function of tensors, the kind the transforms take and return.
type Func = func(xs ...*Tensor) *Tensor

// Grad returns the function computing the gradient of f, which must return a
// scalar, with respect to its argument argnum (0 when omitted). The gradient
// has that argument's shape. Grad(Grad(f)) is the second derivative of a
// function of a scalar; for several arguments at once use ValueAndGrad.
func Grad(f Func, argnum ...int) Func {
	i := oneArgnum("Grad", argnum)
	return func(xs ...*Tensor) *Tensor {
		_, gs := valueAndGrads("Grad", f, xs, []int{i})
		return gs[0]
	}
}

// ValueAndGrad returns the function computing f (a scalar) together with its
// gradients with respect to the arguments argnums (just the first when
// omitted), one per argnum, each of its argument's shape.
func ValueAndGrad(f Func, argnums ...int) func(xs ...*Tensor) (*Tensor, []*Tensor) {
	return func(xs ...*Tensor) (*Tensor, []*Tensor) {
		return valueAndGrads("ValueAndGrad", f, xs, argnums)
	}
}

// ValueAndGradAux is ValueAndGrad for a function that returns, besides the
// scalar it differentiates, an auxiliary value (metrics, predictions) that is
// passed through untouched, like JAX's has_aux.
func ValueAndGradAux[A any](f func(xs ...*Tensor) (*Tensor, A), argnums ...int) func(xs ...*Tensor) (*Tensor, []*Tensor, A) {
	return func(xs ...*Tensor) (*Tensor, []*Tensor, A) {
		var aux A
		g := func(xs ...*Tensor) *Tensor {
			var y *Tensor
			y, aux = f(xs...)
			return y
		}
		// The aux value may share memory with f's intermediates: no arena.
		y, gs := valueAndGrads("ValueAndGradAux", g, xs, argnums, true)
		return y, gs, aux
	}
}

// VJP evaluates f at xs and returns its value and the pullback: the function
// taking a cotangent of the value's shape to the vector-Jacobian products, one
// per argument, each of its argument's shape. The pullback may be called any
// number of times.
func VJP(f Func, xs ...*Tensor) (value *Tensor, pullback func(cotangent *Tensor) []*Tensor) {
	all := make([]int, len(xs))
	for i := range all {
		all[i] = i
	}
	v := newVars("VJP", xs, all)
	y := f(v.in...)
	v.tape.close()
	pullback = func(ct *Tensor) []*Tensor {
		if !sameShape(ct.shape, y.shape) {
			panicf("VJP", "cotangent of shape %s for an output of shape %s", fmtShape(ct.shape), fmtShape(y.shape))
		}
		return v.grads("VJP", y, ct, true)
	}
	return v.result(y), pullback
}

// JVP evaluates f at primals in forward mode, without a tape, and returns its
// value and the Jacobian-vector product J·tangents, of the value's shape. A
// nil tangent is a zero tangent. Forward mode does not nest with itself: a
// primal that already carries a tangent is an error (take the outer derivative
// in reverse mode).
func JVP(f Func, primals, tangents []*Tensor) (y, jv *Tensor) {
	if len(primals) != len(tangents) {
		panicf("JVP", "%d tangents for %d primals", len(tangents), len(primals))
	}
	in := make([]*Tensor, len(primals))
	for i, x := range primals {
		in[i] = dualOf("JVP", i, x, tangents[i])
	}
	y = f(in...)
	return untangled(y)
}

// HVP returns the Hessian-vector products of the scalar function f at xs in
// the directions vs: for each argument i, Σⱼ ∂²f/∂xᵢ∂xⱼ · vⱼ, of xᵢ's shape.
// It never forms the Hessian: one forward pass and one backward pass, both
// carrying tangents (forward-over-reverse), cost a small multiple of a
// gradient.
func HVP(f Func, xs, vs []*Tensor) []*Tensor {
	if len(xs) != len(vs) {
		panicf("HVP", "%d directions for %d arguments", len(vs), len(xs))
	}
	in := make([]*Tensor, len(xs))
	all := make([]int, len(xs))
	for i, x := range xs {
		in[i] = dualOf("HVP", i, x, vs[i])
		all[i] = i
	}
	_, gs := valueAndGrads("HVP", f, in, all)
	out := make([]*Tensor, len(gs))
	for i, g := range gs {
		_, out[i] = untangled(g)
	}
	return out
}

// JacobianRev returns the function computing the Jacobian of f with respect to
// its argument argnum (0 when omitted) in reverse mode: one backward pass per
// output element. The Jacobian's shape is the output's shape followed by the
// argument's, as in JAX.
func JacobianRev(f Func, argnum ...int) Func {
	i := oneArgnum("JacobianRev", argnum)
	return func(xs ...*Tensor) *Tensor {
		v := newVars("JacobianRev", xs, []int{i})
		defer v.tape.close()
		y := f(v.in...)
		return jacobianRev(v, y, xs[i])
	}
}

func jacobianRev(v vars, y, x *Tensor) *Tensor {
	m := y.Size()
	if m == 0 {
		return New(x.dtype, append(append([]int(nil), y.shape...), x.shape...)...)
	}
	if m > 1 {
		// All rows in one batched backward pass: Vmap of the pullback over
		// the rows of the identity. The loop below when an op of the pass
		// has no Batch rule.
		seeds := Reshape(eye(y.dtype, m), append([]int{m}, y.shape...)...)
		pull := func(cts ...*Tensor) *Tensor { return v.grads("JacobianRev", y, cts[0], true)[0] }
		if rows, _ := vmapCall("JacobianRev", pull, []*Tensor{seeds}, nil, 0, true, nil); rows != nil {
			return Reshape(rows, append(append([]int(nil), y.shape...), x.shape...)...)
		}
	}
	rows := make([]*Tensor, m)
	for k := range rows {
		rows[k] = v.grads("JacobianRev", y, oneHot(y, k), k < m-1)[0]
	}
	return Reshape(Stack(0, rows...), append(append([]int(nil), y.shape...), x.shape...)...)
}

// JacobianFwd returns the function computing the Jacobian of f with respect to
// its argument argnum (0 when omitted) in forward mode: one dual evaluation per
// input element. Its shape is the output's shape followed by the argument's.
func JacobianFwd(f Func, argnum ...int) Func {
	i := oneArgnum("JacobianFwd", argnum)
	return func(xs ...*Tensor) *Tensor {
		checkArgnums("JacobianFwd", len(xs), []int{i})
		return jacobianFwd(f, xs, i)
	}
}

func jacobianFwd(f Func, xs []*Tensor, i int) *Tensor {
	x := xs[i]
	n := x.Size()
	in := append([]*Tensor(nil), xs...)
	if n > 1 && x.tangent == nil {
		// All columns in one batched pass: Vmap of the JVP over the rows of
		// the identity. The loop below when an op has no Batch rule.
		dirs := Reshape(eye(x.dtype, n), append([]int{n}, x.shape...)...)
		var ys *Tensor
		col := func(es ...*Tensor) *Tensor {
			in := append([]*Tensor(nil), xs...)
			in[i] = dualOf("JacobianFwd", i, x, es[0])
			y, d := untangled(f(in...))
			ys = y
			return d
		}
		if cols, _ := vmapCall("JacobianFwd", col, []*Tensor{dirs}, nil, 0, true, nil); cols != nil {
			// cols holds column j of the Jacobian at cols[j]: the input axes
			// go last.
			return Reshape(moveAxis(cols, 0, len(cols.shape)-1), append(append([]int(nil), ys.shape...), x.shape...)...)
		}
	}
	cols := make([]*Tensor, n)
	var y *Tensor
	for j := range cols {
		in[i] = dualOf("JacobianFwd", i, x, oneHot(x, j))
		y, cols[j] = untangled(f(in...))
	}
	if n == 0 {
		in[i] = x
		y = f(in...)
		return New(y.dtype, append(append([]int(nil), y.shape...), x.shape...)...)
	}
	return Reshape(Stack(len(y.shape), cols...), append(append([]int(nil), y.shape...), x.shape...)...)
}

// Jacobian returns the function computing the Jacobian of f with respect to
// its argument argnum (0 when omitted): in forward mode when the argument has
// fewer elements than the output (one pass per input column), in reverse mode
// otherwise (one backward pass per output row). At equal sizes reverse mode is
// the faster, as its backward passes share one forward pass. Its shape is the
// output's shape followed by the argument's.
func Jacobian(f Func, argnum ...int) Func {
	i := oneArgnum("Jacobian", argnum)
	return func(xs ...*Tensor) *Tensor {
		v := newVars("Jacobian", xs, []int{i})
		defer v.tape.close()
		y := f(v.in...)
		if xs[i].Size() < y.Size() {
			return jacobianFwd(f, xs, i)
		}
		return jacobianRev(v, y, xs[i])
	}
}

// Hessian returns the function computing the Hessian of the scalar function f
// with respect to its argument argnum (0 when omitted), forward-over-reverse:
// the forward-mode Jacobian of the reverse-mode gradient, one pass per input
// element. Its shape is the argument's shape twice.
func Hessian(f Func, argnum ...int) Func {
	i := oneArgnum("Hessian", argnum)
	return JacobianFwd(Grad(f, i), i)
}

// vars are a transform's own differentiation variables, bound to the
// transform's own tape.
type vars struct {
	in     []*Tensor // the arguments f receives
	wrt    []*Tensor // the tensors gradients are taken with respect to, per argnum
	nested bool      // an input is differentiated from outside: record the backward pass
	tape   *Tape     // records, whatever the caller's mode; closed when the transform returns
}

// newVars makes variables for the arguments argnums of xs. An argument that is
// already part of a graph gets a fresh node over it, so that gradients with
// respect to it can flow on to the outer graph; any other gets a fresh leaf
// sharing its values, keeping its forward-mode tangent if it has one.
func newVars(who string, xs []*Tensor, argnums []int) vars {
	checkArgnums(who, len(xs), argnums)
	v := vars{in: append([]*Tensor(nil), xs...), wrt: make([]*Tensor, len(argnums)), tape: tapeOf(xs).child()}
	inheritTrace(v.tape, xs)
	for _, x := range xs {
		if x.tangent != nil {
			inheritTrace(v.tape, []*Tensor{x.tangent})
		}
	}
	for _, x := range xs {
		v.nested = v.nested || x.requiresGrad
	}
	for k, i := range argnums {
		x := xs[i]
		if x.requiresGrad {
			w := identityOp.Apply(nil, x)
			w.tape = v.tape
			v.in[i], v.wrt[k] = w, w
			continue
		}
		leaf := x.Detach().SetRequiresGrad(true)
		leaf.tape = v.tape
		v.in[i], v.wrt[k] = leaf, leaf
		if x.tangent != nil {
			v.in[i] = Dual(leaf, x.tangent)
		}
	}
	return v
}

// grads returns the gradients of ⟨seed, y⟩ (seed nil: y is a scalar) with
// respect to the variables, zeros where y does not depend on one.
func (v vars) grads(who string, y, seed *Tensor, retain bool) []*Tensor {
	out := make([]*Tensor, len(v.wrt))
	if y.requiresGrad {
		opts := []BackwardOption{AllowUnused()}
		if seed != nil {
			opts = append(opts, Seed(seed))
		} else if y.Size() != 1 {
			panicf(who, "the function returned a tensor of shape %s, not a scalar", fmtShape(y.shape))
		}
		switch {
		case v.nested:
			opts = append(opts, CreateGraph())
		case retain:
			opts = append(opts, RetainGraph())
		}
		copy(out, Gradients([]*Tensor{y}, v.wrt, opts...))
	} else if seed == nil && y.Size() != 1 {
		panicf(who, "the function returned a tensor of shape %s, not a scalar", fmtShape(y.shape))
	}
	for i, g := range out {
		if g == nil {
			out[i] = ZerosLike(v.wrt[i])
		}
	}
	return out
}

// result is the value handed back to the caller: connected to the inputs when
// they are differentiated from outside, cut from the transform's private graph
// otherwise.
func (v vars) result(y *Tensor) *Tensor {
	if v.nested {
		return y
	}
	return y.Detach()
}

// valueAndGrads runs f and its backward pass. Unless noArena is given, f runs
// in an arena when the transform is not nested in another.
func valueAndGrads(who string, f Func, xs []*Tensor, argnums []int, noArena ...bool) (*Tensor, []*Tensor) {
	if len(argnums) == 0 {
		argnums = []int{0}
	}
	v := newVars(who, xs, argnums)
	defer v.tape.close()
	var a *Arena
	if len(noArena) == 0 && useArena(xs, v.tape) {
		a = arenas.Get().(*Arena)
		defer arenas.Put(a)
		v.tape.arena, v.tape.collect, v.tape.allSizes = a, engineIdle, true
	}
	y := f(v.in...)
	gs := v.grads(who, y, nil, false)
	r := v.result(y)
	if a != nil {
		v.tape.arena = nil
		a.Release(append(gs, r)...)
	}
	return r, gs
}

// arenas are the transforms' arenas, reused from call to call.
var arenas = sync.Pool{New: func() any { return new(Arena) }}

// useArena reports whether a transform of a function of xs runs it in an
// arena: when no input is differentiated from outside or carries a tangent,
// so that nothing but the results can outlive the transform.
func useArena(xs []*Tensor, tp *Tape) bool {
	if tp.trace != nil || tp.collect == engineRecording {
		return false
	}
	for _, x := range xs {
		if x.requiresGrad || x.tangent != nil {
			return false
		}
	}
	return true
}

// dualOf returns x carrying tangent t (x itself when t is nil).
func dualOf(who string, i int, x, t *Tensor) *Tensor {
	if x.tangent != nil {
		panicf(who, "argument %d already carries a forward-mode tangent: forward mode does not nest with itself; take the outer derivative in reverse mode", i)
	}
	if t == nil {
		return x
	}
	if !sameShape(x.shape, t.shape) {
		panicf(who, "tangent %d has shape %s, argument %d has %s", i, fmtShape(t.shape), i, fmtShape(x.shape))
	}
	return Dual(x, t)
}

// untangled splits a result of forward mode into its value, no longer carrying
// the tangent, and the tangent (zeros when none).
func untangled(y *Tensor) (*Tensor, *Tensor) {
	d := y.tangent
	if d == nil {
		return y, ZerosLike(y)
	}
	y.tangent = nil
	return y, d
}

// eye returns the n×n identity matrix of dtype dt.
func eye(dt DType, n int) *Tensor {
	e := New(dt, n, n)
	for k := 0; k < n; k++ {
		e.set(k*n+k, 1)
	}
	return e
}

func oneHot(x *Tensor, k int) *Tensor {
	e := New(x.dtype, x.shape...)
	e.set(k, 1)
	return e
}

func oneArgnum(who string, argnum []int) int {
	switch len(argnum) {
	case 0:
		return 0
	case 1:
		return argnum[0]
	}
	panicf(who, "one argnum expected, got %v; ValueAndGrad takes several", argnum)
	return 0
}

func checkArgnums(who string, n int, argnums []int) {
	for k, i := range argnums {
		if i < 0 || i >= n {
			panicf(who, "argnum %d is out of range for a function called with %d arguments", i, n)
		}
		for _, j := range argnums[:k] {
			if i == j {
				panicf(who, "argnum %d is given twice", i)
			}
		}
	}
}
