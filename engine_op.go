package nabla

import (
	"math/rand/v2"
	"sort"
	"sync"
)

// Op is a primitive operation: its forward computation and its two derivative
// rules, defined together in one place and registered once. Every other
// operation in nabla is a composition of primitives and needs no rules of its
// own.
//
// An op's inputs are float64 or float32 tensors: applying it to an Int64 or
// Bool tensor panics, so indices and masks an op needs travel in its
// Params.
//
// The rules are written with nabla's own operations, so the gradients they
// produce are themselves differentiable: recording the backward pass (the
// CreateGraph option) gives second and higher derivatives with no extra code.
type Op struct {
	// Name identifies the op in errors, anomaly reports and graph drawings.
	Name string
	// Forward computes the output from c.Inputs and c.Params. It reads input
	// values only; recording the node is the caller's business.
	Forward func(c *Ctx) *Tensor
	// VJP returns, for each input, the gradient of ⟨g, output⟩ with respect to
	// that input (nil when the input needs none, see Ctx.NeedsGrad). A result
	// may have the output's broadcast shape: nabla sums it back to the input's
	// shape, once, in the engine. Results must be new tensors or views of g,
	// the inputs or the output: the engine may keep a new one as a leaf's Grad
	// or recycle its buffer once the pass is done with it, and a rule must not
	// hold on to g, or to any tensor it made, after returning: what a pass
	// that does not record makes is scratch, recycled when the pass ends.
	VJP func(c *Ctx, g *Tensor) []*Tensor
	// JVP returns the output tangent given the inputs' tangents (nil entries are
	// zero tangents). A result that broadcasts to the output shape is expanded.
	JVP func(c *Ctx, tangents []*Tensor) *Tensor

	// Faster variants, all optional. Each computes what the rule it stands
	// for computes (the registry test checks that it does), and the engine,
	// not the rule, chooses it: a rule states only the math.

	// SaveForward computes the output together with a by-product that
	// FastVJP and FastJVP read (Ctx.Saved), such as sin's cos. The engine
	// calls it instead of Forward when the node is recorded or an input
	// carries a tangent.
	SaveForward func(c *Ctx) (out, saved *Tensor)
	// FastVJP replaces VJP when the backward pass is not recorded and
	// neither g nor any input carries a tangent: its result is never
	// differentiated, so it may read saved by-products and use fused ops
	// that have no derivative of their own. It computes with ops only (it
	// may be traced) and writes nothing in place.
	FastVJP func(c *Ctx, g *Tensor) []*Tensor
	// FastJVP replaces JVP when the forward pass saved a by-product and the
	// tangent it computes is not itself recorded for reverse mode.
	FastJVP func(c *Ctx, tangents []*Tensor) *Tensor
	// SavedJVP returns the tangent of SaveForward's by-product given the
	// inputs' tangents (c.Output is the op's output). With it, the engine
	// gives the by-product its tangent in forward mode, and FastVJP serves
	// forward-over-reverse too (an HVP): the by-product then carries its
	// derivative, as every input of the rule's ops does.
	SavedJVP func(c *Ctx, tangents []*Tensor) *Tensor
	// AddVJP adds the gradient for input 0 into acc, a running sum of that
	// input's shape owned by the backward pass, instead of returning it: for
	// ops whose input gradient is mostly zeros (slice), the pass then never
	// makes the zero-padded tensor. The engine uses it when input 0 already
	// has such a sum, the pass is not recorded and is not traced.
	AddVJP func(c *Ctx, g, acc *Tensor)

	// Batch, optional, computes the op for a whole batch of examples at once,
	// for Vmap: c.Inputs are the inputs with the batch on axis 0 where
	// batched[i] (the others are the same for every example), c.Params the
	// op's parameters for one example; it returns the outputs, batch on axis
	// 0, computed with ops (so that they can be differentiated). Most ops
	// need only align or shift axes (see batchElementwise). Without it,
	// Vmap runs the op once per example and stacks the results.
	Batch func(c *Ctx, batched []bool) *Tensor
	// BatchSave, optional, is Batch for a node the trace recorded with
	// SaveForward's by-product: it returns the outputs and the by-products
	// for the whole batch, both with the batch on axis 0, the by-product a
	// constant as saveForward makes it. Without it, such a node runs once
	// per example (an elementwise op's by-product is elementwise and needs
	// none).
	BatchSave func(c *Ctx, batched []bool) (out, saved *Tensor)

	// Jet, optional, is the op's Taylor-mode rule, for Jet: given the
	// inputs' normalised Taylor coefficients, series[i][j−1] the
	// coefficient of tʲ in input i's curve xᵢ(t) = c.Inputs[i] + Σ tʲ·…
	// (j = 1…k, k the same for every input; nil entries are zero, and an
	// input that is a constant has only nil entries), it returns the
	// output's coefficients 1…k (nil entries are zero; a result that
	// broadcasts to the output's shape is expanded), c.Output being the
	// primal output: all orders in one call, computed with ops (so that
	// they can be differentiated). Linear ops declare JetLinear (the JVP
	// rule applied to each coefficient), bilinear ones JetBilinear (a
	// Cauchy product of the op), nonlinear ones a recurrence (exp:
	// j·y_j = Σᵢ i·x_i·y_{j−i}). Without it, Jet expands the JVP rule one
	// order lower and integrates: right, but slower (OpsWithoutJetRule
	// lists such ops).
	Jet func(c *Ctx, series [][]*Tensor) []*Tensor

	// Cases are the inputs on which the registry test checks the rules against
	// finite differences.
	Cases []Case
	// BroadcastGrad declares that VJP accepts a g that only broadcasts to the
	// output's shape (a scalar, when the output was summed), as elementwise
	// rules written with broadcasting ops do. The engine then passes such a g
	// on without materialising it, when no input of the op is broadcast.
	BroadcastGrad bool

	// anyDType marks the engine's ops that accept Int64 and Bool inputs
	// (shape ops, where): the others are differentiable and take float
	// tensors only.
	anyDType bool

	// elementwise marks the ops unaryOp defines: each output element is a
	// function of the same input element, and so is a by-product.
	elementwise bool

	// constant marks the engine's own ops that compute values without
	// derivatives (masks, fused gradients): they are never recorded and
	// carry no tangent.
	constant bool
}

// Ctx is what an op's forward and rules see: the inputs, the output (in the
// rules) and the op's parameters (an axis list, an exponent, a slope...).
type Ctx struct {
	Inputs []*Tensor
	Output *Tensor
	Params any

	recording bool      // the node will be recorded for a backward pass
	saved     *Tensor   // a by-product of the forward pass that a rule reuses
	tape      *Tape     // the tape the op runs in
	node      *node     // in a backward pass's view of a node's rule, the node
	op        *Op       // in a Batch rule, the op
	looped    *[]string // in a Batch rule, where Vmap lists the ops run once per example
}

// Saved returns the by-product SaveForward computed, in FastVJP and FastJVP.
func (c *Ctx) Saved() *Tensor { return c.saved }

// Recording reports, in Forward, whether the node will be kept for a backward
// pass. (An op that saves a by-product for its rules declares SaveForward,
// which the engine calls instead of Forward when the node is recorded.)
func (c *Ctx) Recording() bool { return c.recording }

// NeedsGrad reports whether input i takes part in differentiation, so that a
// rule can skip work for constant inputs.
func (c *Ctx) NeedsGrad(i int) bool {
	if c.node != nil {
		return c.node.Inputs[i].requiresGrad
	}
	return c.Inputs[i].requiresGrad
}

// Case describes inputs for checking an op's rules: the input shapes, the
// parameters, and the interval inputs are drawn from. AwayFromZero draws
// |x| in [Lo, Hi] with a random sign, for ops with a kink at 0. Constant lists
// inputs that are not differentiated (conditions, indices). Make, when set,
// builds the inputs itself.
type Case struct {
	Name         string
	Shapes       [][]int
	Params       any
	Lo, Hi       float64
	AwayFromZero bool
	Constant     []int
	Make         func(r *rand.Rand) []*Tensor
}

// Inputs draws float64 inputs for the case from r.
func (cs Case) Inputs(r *rand.Rand) []*Tensor {
	if cs.Make != nil {
		return cs.Make(r)
	}
	lo, hi := cs.Lo, cs.Hi
	if lo == 0 && hi == 0 {
		lo, hi = -2, 2
	}
	xs := make([]*Tensor, len(cs.Shapes))
	for i, sh := range cs.Shapes {
		t := Zeros(sh...)
		for j := range t.f64 {
			v := lo + (hi-lo)*r.Float64()
			if cs.AwayFromZero && r.IntN(2) == 0 {
				v = -v
			}
			t.f64[j] = v
		}
		xs[i] = t
	}
	return xs
}

// IsConstant reports whether input i of the case is not differentiated.
func (cs Case) IsConstant(i int) bool {
	for _, c := range cs.Constant {
		if c == i {
			return true
		}
	}
	return false
}

type randSource = rand.Rand

// registry holds the registered primitives. Ops are registered at init,
// and may be registered later from any goroutine: the lock guards the map
// (applying an op never reads it).
var (
	registryMu sync.RWMutex
	registry   = map[string]*Op{}
)

// Register adds a primitive to the registry, so that the registry test checks
// its rules, and returns it. It panics if the name is taken or a rule is
// missing. It is safe to call from several goroutines.
func Register(op *Op) *Op {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[op.Name]; dup {
		panicf("Register", "an op named %q is already registered", op.Name)
	}
	if op.Forward == nil || op.VJP == nil || op.JVP == nil {
		panicf("Register", "op %q needs at least Forward, VJP and JVP", op.Name)
	}
	registry[op.Name] = op
	return op
}

// Ops returns the registered primitives sorted by name.
func Ops() []*Op {
	registryMu.RLock()
	defer registryMu.RUnlock()
	ops := make([]*Op, 0, len(registry))
	for _, op := range registry {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Name < ops[j].Name })
	return ops
}

// Apply runs the op on the inputs: it computes the output and, when an input
// requires gradients and the inputs' tape records (see Tape), records the
// node for the backward pass; when an input carries a forward-mode tangent,
// it computes the output's tangent with the JVP rule. The op's mode comes
// from its inputs alone: Apply reads no process-wide state but the default
// tape's, for inputs bound to no tape.
func (op *Op) Apply(params any, inputs ...*Tensor) *Tensor { return op.apply(params, nil, inputs) }

// apply is Apply; aff, when set, are an affine op's parameters, kept in the
// node itself rather than boxed in an interface (one allocation less for
// the commonest op).
func (op *Op) apply(params any, aff *affineParams, inputs []*Tensor) *Tensor {
	tp, record, hasTangent := op.mode(inputs)
	checkEscape(op, tp, inputs)
	n := op.newNode(tp, record, params, aff, inputs)
	if !record {
		defer putScratch(n)
	}
	var out *Tensor
	if tp != nil && tp.trace != nil {
		out = tp.trace.forward(op, n)
	} else {
		out = op.forward(&n.Ctx)
	}
	if out.tape != tp && !isIn(out, n.Inputs) {
		out.tape = tp // made by a constructor inside Forward
	}
	watched := anomalyOn(tp)
	if watched {
		checkAnomaly(tp, op, n.Inputs, out, "forward")
	}
	if record {
		if n.saved != nil {
			n.saved.mem |= memSaved
		}
		n.Output = out
		out.node = n
		out.requiresGrad = true
		if watched {
			out.extra().where = CallerLocation()
		}
	}
	if hasTangent {
		out.tangent = forwardTangent(op, n, out)
		pinTangent(out)
	}
	return out
}

// mode returns the tape an op on inputs runs in, whether it records the
// node, and whether it computes a tangent: all found from the inputs.
func (op *Op) mode(inputs []*Tensor) (tp *Tape, record, tangent bool) {
	for i, x := range inputs {
		record = record || x.requiresGrad
		tangent = tangent || x.tangent != nil
		if x.mem&memDead != 0 {
			checkLive(op.Name, x)
		}
		if x.dtype > Float32 && !op.constant && !op.anyDType {
			panicf(op.Name, "input %d is a %s tensor of shape %s: only float64 and float32 tensors are differentiable (convert it with As(nabla.Float64))", i, x.dtype, fmtShape(x.shape))
		}
	}
	if len(inputs) == 2 {
		tp = tapeOf2(inputs[0], inputs[1])
	} else {
		tp = tapeOf(inputs)
	}
	if op.constant {
		return tp, false, false
	}
	return tp, record && gradOn(tp), tangent
}

// newNode returns the node carrying the op's inputs and parameters: a new
// one when it is recorded, else one from the pool, which the caller puts
// back.
func (op *Op) newNode(tp *Tape, record bool, params any, aff *affineParams, inputs []*Tensor) *node {
	var n *node
	if record {
		n = &node{op: op, Ctx: Ctx{Params: params, recording: true, tape: tp}}
	} else {
		n = scratchNodes.Get().(*node)
		n.op, n.Params, n.tape = op, params, tp
	}
	if len(inputs) <= len(n.inline) {
		// Keeping the inputs in the node lets the caller's variadic slice stay
		// on its stack: one allocation less per op.
		n.Inputs = n.inline[:copy(n.inline[:], inputs)]
	} else {
		n.Inputs = append([]*Tensor(nil), inputs...)
	}
	if aff != nil {
		n.aff = *aff
		n.Params = &n.aff
	}
	return n
}

// forward runs the op's forward computation: SaveForward when the node is
// recorded or an input carries a tangent (a rule may then reuse what it
// saves), Forward otherwise.
func (op *Op) forward(c *Ctx) *Tensor {
	if op.SaveForward != nil && (c.recording || hasTangents(c.Inputs)) {
		out, saved := op.SaveForward(c)
		c.saved = saved
		return out
	}
	return op.Forward(c)
}

func hasTangents(xs []*Tensor) bool {
	for _, x := range xs {
		if x.tangent != nil {
			return true
		}
	}
	return false
}

var scratchNodes = sync.Pool{New: func() any { return new(node) }}

func putScratch(n *node) {
	*n = node{}
	scratchNodes.Put(n)
}

func forwardTangent(op *Op, n *node, out *Tensor) *Tensor {
	if op.JVP == nil {
		panicf(op.Name, "op has no forward-mode (JVP) rule")
	}
	// The rule reads primal values: it gets views of the inputs without
	// their tangents, or its own ops would propagate them again, without
	// end. (The inputs themselves are left alone: other goroutines may be
	// reading them.) The rule's context and the tangents are one
	// allocation for ops of up to three inputs, the views another.
	f := new(jvpFrame)
	dots, ins := f.dots[:0], f.ins[:0]
	if len(n.Inputs) > len(f.dots) {
		dots, ins = make([]*Tensor, 0, len(n.Inputs)), make([]*Tensor, 0, len(n.Inputs))
	}
	k := 0
	for _, x := range n.Inputs {
		if x.tangent != nil {
			k++
		}
	}
	views := make([]Tensor, k)
	for _, x := range n.Inputs {
		dots = append(dots, x.tangent)
		if x.tangent != nil {
			x = primalView(&views[len(views)-k], x)
			k--
		}
		ins = append(ins, x)
	}
	c := &f.c
	*c = Ctx{Inputs: ins, Output: out, Params: n.Params, saved: n.saved, tape: n.tape}
	if sv := n.saved; sv != nil && op.SavedJVP != nil && sv.tangent == nil {
		sv.tangent = op.SavedJVP(c, dots)
		pinTangent(sv)
	}
	var d *Tensor
	if op.FastJVP != nil && c.saved != nil && (!gradOn(n.tape) || !anyRequiresGrad(n.Inputs)) {
		d = op.FastJVP(c, dots)
	} else {
		d = op.JVP(c, dots)
	}
	if d == nil {
		return nil
	}
	if !sameShape(d.shape, out.shape) {
		d = Expand(d, out.shape...)
	}
	return d
}

// jvpFrame is what a JVP rule of an op with up to three inputs sees.
type jvpFrame struct {
	c    Ctx
	dots [3]*Tensor
	ins  [3]*Tensor
}

// primalView makes v a header over x's values and place in the graph,
// without its tangent, and returns it.
func primalView(v, x *Tensor) *Tensor {
	*v = Tensor{shape: x.shape, dtype: x.dtype, f64: x.f64, f32: x.f32, requiresGrad: x.requiresGrad,
		node: x.node, tape: x.tape, mem: x.mem &^ memPinned}
	if tr := traceOf(x); tr != nil {
		tr.alias(v, x)
	}
	return v
}

func anyRequiresGrad(xs []*Tensor) bool {
	for _, x := range xs {
		if x.requiresGrad {
			return true
		}
	}
	return false
}
