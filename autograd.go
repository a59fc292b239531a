package nabla

import (
	"sync"
	"sync/atomic"

	"github.com/nabla-go/nabla/internal/kernel"
)

// node records how a tensor was computed: the op, its inputs and parameters.
type node struct {
	Ctx
	op    *Op
	freed bool
	mark  uint64 // visit mark of the latest backward pass
	where string // creation site, recorded in anomaly mode

	inline [3]*Tensor   // storage for Inputs of ops with up to three inputs
	aff    affineParams // Params of an affine node point here
}

var (
	gradOff   atomic.Bool
	passCount atomic.Uint64
)

// GradEnabled reports whether operations currently record the graph.
func GradEnabled() bool { return !gradOff.Load() }

// NoGrad runs f with graph recording switched off, as torch.no_grad does:
// operations inside compute values only. Use it for evaluation and for weight
// updates. The switch is process-wide, so concurrent goroutines that build
// graphs must not overlap a NoGrad scope.
func NoGrad(f func()) {
	prev := gradOff.Swap(true)
	defer gradOff.Store(prev)
	f()
}

// EnableGrad runs f with graph recording switched on, even inside NoGrad.
func EnableGrad(f func()) {
	prev := gradOff.Swap(false)
	defer gradOff.Store(prev)
	f()
}

// BackwardOption configures Backward and Gradients.
type BackwardOption func(*backwardConfig)

type backwardConfig struct {
	seeds       []*Tensor
	retain      bool
	create      bool
	allowUnused bool
}

// Seed sets the gradient that the backward pass starts from, one per output;
// it is required for outputs with more than one element (for a scalar the
// default is 1).
func Seed(g ...*Tensor) BackwardOption {
	return func(c *backwardConfig) { c.seeds = g }
}

// RetainGraph keeps the graph after the backward pass so that another backward
// pass can run through it. Without it, a second pass through the same nodes is
// an error.
func RetainGraph() BackwardOption {
	return func(c *backwardConfig) { c.retain = true }
}

// CreateGraph records the backward pass itself, so that the gradients it
// produces can be differentiated again (higher-order derivatives). It implies
// RetainGraph.
func CreateGraph() BackwardOption {
	return func(c *backwardConfig) { c.create, c.retain = true, true }
}

// AllowUnused makes Gradients return nil, rather than panic, for an input that
// the outputs do not depend on.
func AllowUnused() BackwardOption {
	return func(c *backwardConfig) { c.allowUnused = true }
}

// Backward computes the gradient of t with respect to every leaf tensor that
// requires grad and adds it to the leaf's Grad. t must be a scalar unless a Seed
// is given. Gradients accumulate: call ZeroGrad between steps.
func (t *Tensor) Backward(opts ...BackwardOption) {
	cfg := config(opts)
	runBackward("Backward", []*Tensor{t}, nil, cfg)
}

// Gradients returns the gradients of the outputs with respect to the inputs,
// like torch.autograd.grad, without touching any tensor's Grad. With several
// outputs the gradients of their sum (weighted by their seeds) are returned.
func Gradients(outputs, inputs []*Tensor, opts ...BackwardOption) []*Tensor {
	cfg := config(opts)
	for i, x := range inputs {
		if !x.requiresGrad {
			panicf("Gradients", "input %d (shape %s) does not require grad", i, fmtShape(x.shape))
		}
	}
	return runBackward("Gradients", outputs, inputs, cfg)
}

func config(opts []BackwardOption) backwardConfig {
	var c backwardConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}

// runBackward is the engine: it orders the graph topologically without
// recursion, then walks it from the outputs, calling each node's VJP rule and
// summing the contributions that reach each tensor.
func runBackward(who string, roots, wrt []*Tensor, cfg backwardConfig) []*Tensor {
	if tracer != nil && !cfg.create {
		// A compiled function's backward pass is replayed from the ops it
		// runs: rules may take their fused forms (the pass is not recorded),
		// but nothing may be changed in place or recycled, which a replay
		// would not repeat.
		prev := traceScratch
		traceScratch = true
		defer func() { traceScratch = prev }()
	}
	if cfg.seeds != nil && len(cfg.seeds) != len(roots) {
		panicf(who, "%d seeds given for %d outputs", len(cfg.seeds), len(roots))
	}
	seeds := make([]*Tensor, len(roots))
	for i, r := range roots {
		if !r.requiresGrad {
			panicf(who, "output of shape %s does not require grad: no input it depends on has SetRequiresGrad(true), or it was computed under NoGrad", fmtShape(r.shape))
		}
		var seed *Tensor
		if cfg.seeds != nil && cfg.seeds[i] != nil {
			seed = cfg.seeds[i]
			if !sameShape(seed.shape, r.shape) {
				panicf(who, "seed of shape %s does not match output of shape %s", fmtShape(seed.shape), fmtShape(r.shape))
			}
			checkDType(who, r, seed)
		} else {
			if r.Size() != 1 {
				panicf(who, "output of shape %s is not a scalar: pass Seed(g) with a gradient of the same shape", fmtShape(r.shape))
			}
			seed = onesOf(r.dtype, r.shape)
		}
		if r.node != nil && r.node.freed {
			panicf(who, "the graph of %s has been freed by an earlier backward pass; pass RetainGraph() to the first one to run backward twice", r.node.op.Name)
		}
		seeds[i] = seed
	}
	// Every output checked: only now do they get their seeds (a pass that
	// fails before this leaves no sum behind).
	for i, r := range roots {
		accumulate(r, seeds[i], false)
	}

	prev := gradOff.Swap(!cfg.create)
	defer gradOff.Store(prev)
	prevMode := engineMode
	// A pass that records keeps everything it makes. One that does not,
	// even one carrying forward-mode tangents (an HVP), makes scratch: the
	// tangents themselves are pinned (see pinTangent), never recycled.
	switch {
	case cfg.create || prevMode == engineRecording:
		engineMode = engineRecording
	default:
		engineMode = engineScratch
	}
	defer func() { engineMode = prevMode }()
	// What a pass that does not record makes is scratch: unless an arena is
	// already collecting, the pass collects it itself and recycles, at the
	// end, all of it that the caller cannot see (see Arena.Release).
	// After a panic (a freed graph, a rule's error) the pass's sums are left
	// half made: nothing is released then.
	var result []*Tensor
	done := false
	if arena == nil && engineMode == engineScratch && !traceScratch {
		own := passArenas.Get().(*Arena)
		arena = own
		defer func() {
			arena = nil
			if done {
				own.Release(result...)
			} else {
				own.drop()
			}
			passArenas.Put(own)
		}()
	}

	buf := walkBufs.Get().(*walkBuf)
	defer buf.put()
	order := topoOrder(roots, buf)
	leaves := buf.leaves[:0]
	defer func() { buf.leaves = leaves }()
	defer func() {
		if done {
			return
		}
		// A pass that fails half-way leaves no running sums behind: the next
		// pass through these tensors would take them for its own.
		for _, ts := range [][]*Tensor{roots, order, leaves, wrt} {
			for _, t := range ts {
				t.acc, t.accFresh = nil, false
			}
		}
	}()
	for _, r := range roots {
		if r.node == nil {
			leaves = append(leaves, r)
		}
	}
	for i := len(order) - 1; i >= 0; i-- {
		t := order[i]
		g := t.acc
		if g == nil {
			continue
		}
		fresh := t.accFresh
		t.acc, t.accFresh = nil, false
		n := t.node
		for _, x := range n.Inputs {
			if x.mem&memDead != 0 {
				checkLive(n.op.Name+" (backward)", x)
			}
		}
		if n.freed {
			panicf(who, "the graph through %s has been freed by an earlier backward pass; pass RetainGraph() to the first one to run backward twice", n.op.Name)
		}
		// g may only broadcast to t's shape (see Op.BroadcastGrad): anything
		// that shows it to the user, or a rule that needs it whole, gets it
		// expanded.
		if len(t.hookList()) > 0 || t.retainGrad || wrt != nil && isIn(t, wrt) || !n.op.BroadcastGrad || !inputsUnbroadcast(n) {
			g, fresh = expandTo(g, t.shape, fresh)
		}
		if len(t.hookList()) > 0 {
			g.mem |= memPinned
		}
		if h := runHooks(t, g); h != g {
			g, fresh = h, false
		}
		if t.retainGrad {
			storeGrad(t, g, cfg.create, fresh)
			fresh = false
		}
		if wrt != nil && isIn(t, wrt) {
			t.acc = g // captured below
		}
		var gs []*Tensor
		switch {
		case anomalyOn.Load():
			gs = vjpWatched(n, g)
		case n.op.AddVJP != nil && !cfg.create && !traceScratch && addsInPlace(n, g):
			// The gradient added straight into its input's running sum
			// (see Op.AddVJP).
			n.op.AddVJP(&n.Ctx, g, n.Inputs[0].acc)
		default:
			gs = n.op.VJP(&n.Ctx, g)
		}
		for j, x := range n.Inputs {
			if j >= len(gs) || gs[j] == nil || !x.requiresGrad {
				continue
			}
			gj := sumToShape(gs[j], x.shape)
			if x.node == nil && x.acc == nil {
				leaves = append(leaves, x)
			}
			accumulate(x, gj, !cfg.create && ownsStorage(gj, g, n, gs, j))
		}
		// g is spent: recycle its buffer if this pass made it and nothing
		// else can see it (not Grad, not a hook, not a result, not inside a
		// rule's results, not a recorded graph).
		if fresh && !cfg.create && g.tangent == nil && !t.retainGrad && len(t.hookList()) == 0 &&
			!(wrt != nil && isIn(t, wrt)) && !sharesStorage(g, gs) {
			release(g)
		}
		if !cfg.retain {
			// The by-product saved for the rule has served: nothing else
			// holds it, unless the rule returned a view of it.
			if sv := n.saved; sv != nil && sv.tangent == nil && sv.mem&memPinned == 0 && !sharesStorage(sv, gs) {
				release(sv)
				sv.mem |= memDead
			}
			n.freed = true
			n.Inputs, n.Output, n.saved = nil, nil, nil
			n.inline = [3]*Tensor{}
		}
	}

	if wrt != nil {
		result = make([]*Tensor, len(wrt))
		for i, x := range wrt {
			if x.acc != nil {
				result[i], _ = expandTo(x.acc, x.shape, false)
			}
		}
		for _, x := range wrt {
			x.acc, x.accFresh = nil, false
		}
	}
	for _, l := range leaves {
		if l.acc == nil {
			continue
		}
		g, fresh := expandTo(l.acc, l.shape, l.accFresh)
		l.acc, l.accFresh = nil, false
		if len(l.hookList()) > 0 {
			g.mem |= memPinned
		}
		if h := runHooks(l, g); h != g {
			g, fresh = h, false
		}
		if wrt == nil {
			storeGrad(l, g, cfg.create, fresh)
		}
	}
	if wrt != nil {
		for i, r := range result {
			if r == nil && !cfg.allowUnused {
				panicf(who, "input %d (shape %s) is not used by the outputs; pass AllowUnused() to get nil for it", i, fmtShape(wrt[i].shape))
			}
		}
	}
	done = true
	return result
}

func isIn(t *Tensor, ts []*Tensor) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func runHooks(t *Tensor, g *Tensor) *Tensor {
	if len(t.hookList()) == 0 {
		return g
	}
	// What a hook makes is the user's: pinned, never recycled.
	prev := engineMode
	engineMode = engineRecording
	defer func() { engineMode = prev }()
	for _, h := range t.hookList() {
		if r := h(g); r != nil {
			g = r
			g.mem |= memPinned
		}
	}
	return g
}

// accumulate adds g to the gradient flowing into t during this pass. The sum is
// out of place because g may be shared (Add's rule returns the same g twice);
// fresh says that nothing else holds g, so that it may become t's Grad as it
// is.
func accumulate(t, g *Tensor, fresh bool) {
	if t.acc == nil {
		t.acc, t.accFresh = g, fresh
		return
	}
	old, oldFresh := t.acc, t.accFresh
	if oldFresh && !GradEnabled() && !traceScratch && old.tangent == nil && g.tangent == nil &&
		sameShape(old.shape, g.shape) && storage(old) != storage(g) {
		// The running sum is the pass's own: add in place.
		addInPlace(old, g)
		if fresh {
			release(g)
		}
		return
	}
	t.acc, t.accFresh = Add(old, g), true
	if !GradEnabled() { // not recording: the sum holds neither term
		if oldFresh && old.tangent == nil {
			release(old)
		}
		if fresh && g.tangent == nil {
			release(g)
		}
	}
}

// addsInPlace reports whether the gradient g of node n can be added into
// the running sum of its input 0 in place: the sum exists, has the input's
// whole shape and belongs to the pass alone, g has the output's whole shape,
// and nothing carries a tangent.
func addsInPlace(n *node, g *Tensor) bool {
	x := n.Inputs[0]
	a := x.acc
	return x.requiresGrad && a != nil && x.accFresh && a.tangent == nil && g.tangent == nil &&
		sameShape(a.shape, x.shape) && sameShape(g.shape, n.Output.shape) && a.dtype == g.dtype &&
		storage(a) != storage(g)
}

// sharesStorage reports whether any of ts uses g's buffer.
func sharesStorage(g *Tensor, ts []*Tensor) bool {
	p := storage(g)
	for _, t := range ts {
		if t != nil && storage(t) == p {
			return true
		}
	}
	return false
}

// ownsStorage reports whether the gradient r, computed by n's rule from g for
// input j, has storage of its own: not g's, not that of n's inputs, output or
// saved values (as a view would), and not that of another of the rule's
// results.
func ownsStorage(r, g *Tensor, n *node, gs []*Tensor, j int) bool {
	p := storage(r)
	if p == nil || p == storage(g) || p == storage(n.Output) || p == storage(n.saved) {
		return false
	}
	for _, x := range n.Inputs {
		if p == storage(x) {
			return false
		}
	}
	for k, o := range gs {
		if k != j && o != nil && p == storage(o) {
			return false
		}
	}
	return true
}

// storage identifies a tensor's backing array (nil for none) by its last
// element, which views at an offset (contiguous slices) share too.
func storage(t *Tensor) any {
	switch {
	case t == nil:
		return nil
	case len(t.f64) > 0:
		return end64(t.f64)
	case len(t.f32) > 0:
		return end32(t.f32)
	}
	return nil
}

// storeGrad adds g to t.Grad: in place when the existing buffer is ours, by
// taking g itself when it is fresh (made by this pass and held by nothing
// else), and by copying it otherwise.
func storeGrad(t, g *Tensor, create, fresh bool) {
	create = create || traceScratch // no copy into, or adding to, an old buffer
	if tracer != nil && t.mem&memTraced == 0 {
		panicf("Backward", "a compiled function cannot store gradients in a tensor of shape %s that it does not compute: they would be stored once, when it is traced; differentiate with respect to an argument (CompileValueAndGrad's argnums) instead", fmtShape(t.shape))
	}
	empty := t.grad == nil || t.gradZeroed
	switch {
	case empty && create:
		t.grad = g
	case empty && fresh && t.grad != nil && t.grad.node == nil && t.grad.Size() >= kernel.MinPooled &&
		sameShape(t.grad.shape, g.shape) && t.grad.dtype == g.dtype && g.tangent == nil:
		// A large gradient goes into the buffer the leaf already has, hot
		// in the cache, and g's buffer back to the pool for the next pass:
		// a copy instead of a fresh, zeroed allocation per step.
		copyInto(t.grad, g)
		release(g)
	case empty && fresh:
		t.grad = g
	case empty && t.grad != nil && sameShape(t.grad.shape, g.shape) && t.grad.dtype == g.dtype:
		copyInto(t.grad, g)
	case empty:
		t.grad = g.Detach().Clone()
	case create || t.grad.node != nil:
		t.grad = Add(t.grad, g)
	default:
		addInPlace(t.grad, g)
		if fresh && g.tangent == nil {
			release(g)
		}
	}
	t.gradZeroed = false
	t.grad.mem |= memPinned
}

func copyInto(dst, src *Tensor) {
	copy(dst.f64, src.f64)
	copy(dst.f32, src.f32)
}

// walkBuf holds a backward pass's working slices, reused by the next pass.
type walkBuf struct {
	order, leaves []*Tensor
	stack         []frame
}

type frame struct {
	t    *Tensor
	next int
}

var walkBufs = sync.Pool{New: func() any { return new(walkBuf) }}

func (b *walkBuf) put() {
	clear(b.order)
	clear(b.leaves)
	clear(b.stack[:cap(b.stack)])
	walkBufs.Put(b)
}

// topoOrder returns the non-leaf tensors reachable from roots that require
// grad, each after all of its inputs, using an explicit stack so that graphs
// of any depth work.
func topoOrder(roots []*Tensor, buf *walkBuf) []*Tensor {
	mark := passCount.Add(1)
	order, stack := buf.order[:0], buf.stack[:0]
	defer func() { buf.order, buf.stack = order, stack }()
	for _, r := range roots {
		if r.node == nil || r.node.mark == mark {
			continue
		}
		r.node.mark = mark
		stack = append(stack, frame{t: r})
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			ins := top.t.node.Inputs
			if top.next < len(ins) {
				x := ins[top.next]
				top.next++
				if x.node != nil && x.requiresGrad && x.node.mark != mark {
					x.node.mark = mark
					stack = append(stack, frame{t: x})
				}
				continue
			}
			order = append(order, top.t)
			stack = stack[:len(stack)-1]
		}
	}
	return order
}

// sumToShape sums g over the axes along which a tensor of the given shape was
// broadcast. This is the only place broadcasting is undone. The result may
// still only broadcast to shape, when g did (see Op.BroadcastGrad).
func sumToShape(g *Tensor, shape []int) *Tensor {
	if sameShape(g.shape, shape) {
		return g
	}
	off := len(g.shape) - len(shape)
	var axes []int
	for i, d := range g.shape {
		if i < off || d != 1 && shape[i-off] == 1 {
			axes = append(axes, i)
		}
	}
	if len(axes) == 0 {
		return g
	}
	s := SumKeep(g, axes...)
	if off > 0 {
		s = Reshape(s, s.shape[off:]...)
	}
	return s
}

// expandTo materialises a gradient that only broadcasts to shape; fresh
// reports whether the result is held by nothing else.
func expandTo(g *Tensor, shape []int, fresh bool) (*Tensor, bool) {
	if sameShape(g.shape, shape) {
		return g, fresh
	}
	return Expand(g, shape...), true
}

// inputsUnbroadcast reports whether every input of n has the output's shape,
// so that a gradient that broadcasts to the output passes through n's rule
// without losing the sums over broadcast axes.
func inputsUnbroadcast(n *node) bool {
	for _, x := range n.Inputs {
		if !sameShape(x.shape, n.Output.shape) {
			return false
		}
	}
	return true
}

// vjpWatched runs n's rule in anomaly mode, blaming any NaN on n.
func vjpWatched(n *node, g *Tensor) []*Tensor {
	inBackward = n
	defer func() { inBackward = nil }()
	gs := n.op.VJP(&n.Ctx, g)
	checkAnomalyBackward(n, gs)
	return gs
}
