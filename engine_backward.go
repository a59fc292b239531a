package nabla

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/nabla-go/nabla/internal/kernel"
)

// node records how a tensor was computed: the op, its inputs and parameters.
type node struct {
	Ctx
	op    *Op
	freed bool
	// The backward pass walking the node now, and the index of the node's
	// running sum in that pass: a node is one pass's at a time.
	idx   int32
	owner atomic.Pointer[pass]

	inline [3]*Tensor   // storage for Inputs of ops with up to three inputs
	aff    affineParams // Params of an affine node point here
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
	runBackward("Backward", []*Tensor{t}, nil, config(opts))
}

// Gradients returns the gradients of the outputs with respect to the inputs,
// like torch.autograd.grad, without touching any tensor's Grad. With several
// outputs the gradients of their sum (weighted by their seeds) are returned.
func Gradients(outputs, inputs []*Tensor, opts ...BackwardOption) []*Tensor {
	for i, x := range inputs {
		if !x.requiresGrad {
			panicf("Gradients", "input %d (shape %s) does not require grad", i, fmtShape(x.shape))
		}
	}
	return runBackward("Gradients", outputs, inputs, config(opts))
}

func config(opts []BackwardOption) backwardConfig {
	var c backwardConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}

// runBackward is the engine: a pass orders the graph topologically without
// recursion, then walks it from the outputs, calling each node's rule and
// summing the contributions that reach each tensor.
func runBackward(who string, roots, wrt []*Tensor, cfg backwardConfig) []*Tensor {
	p := newPass(who, roots, wrt, cfg)
	defer p.end()
	p.checkRoots()
	p.walk()
	for i, r := range p.roots {
		p.add(p.sumOf(r), p.seeds[i], false)
	}
	for i := len(p.order) - 1; i >= 0; i-- {
		p.step(p.order[i])
	}
	return p.finish()
}

// A pass is one backward pass. Everything it changes while it runs is its
// own: the running sums of the gradients, the visit marks (claims on the
// nodes it walks), its tape. What it leaves behind is the leaves' Grad (or
// the results of Gradients) and, without RetainGraph, the freed nodes.
//
// Buffer ownership follows one rule: a gradient the pass made and that
// nothing else can see (not a Grad, not a hook's argument or result, not a
// result, not a view or by-product of the graph, not part of a recorded
// graph) is the pass's to add into in place and to recycle once spent. sum.fresh
// tracks it; a traced pass (a compiled function's) recycles nothing and
// changes nothing in place, so that every value is an op's output.
type pass struct {
	who    string
	cfg    backwardConfig
	roots  []*Tensor // the outputs (copied: the caller's slice stays on its stack)
	seeds  []*Tensor // the gradients they start from
	wrt    []*Tensor
	tape   *Tape // what the rules compute runs here
	record bool  // CreateGraph: the rules' ops are recorded
	traced bool  // a compiled function traces the pass
	own    *Arena
	done   bool

	pinned    *Tape // the graph's tape, whose arena pins while a CreateGraph pass runs
	pinnedWas uint8 // its collect mode before

	order   []*Tensor // non-leaf tensors to visit, each after its inputs
	claimed []*node
	sums    []sum // by node.idx
	leaves  []*Tensor
	leafSum []sum // by position in leaves
	leafIdx map[*Tensor]int32
	counted []*Tensor // leaves whose passes counter this pass raised
	stack   []frame

	// The rule's view of its node in a pass that does not record: headers
	// over the inputs, output and by-product, bound to the pass's tape.
	views [5]Tensor
	ptrs  [5]*Tensor
	ctx   Ctx
}

// sum is a gradient being summed; fresh: the pass made it and nothing else
// holds it.
type sum struct {
	g     *Tensor
	fresh bool
}

type frame struct {
	t    *Tensor
	next int
}

var passes = sync.Pool{New: func() any { return &pass{leafIdx: map[*Tensor]int32{}} }}

func newPass(who string, roots, wrt []*Tensor, cfg backwardConfig) *pass {
	p := passes.Get().(*pass)
	p.who, p.cfg, p.wrt = who, cfg, wrt
	p.roots = append(p.roots[:0], roots...)
	if cfg.seeds != nil && len(cfg.seeds) != len(roots) {
		panicf(who, "%d seeds given for %d outputs", len(cfg.seeds), len(roots))
	}
	parent := tapeOf(p.roots)
	tp := parent.child()
	inheritTrace(tp, cfg.seeds)
	p.tape, p.record = tp, cfg.create
	p.traced = tp.trace != nil
	tp.noGrad = !cfg.create
	switch {
	case cfg.create || parent != nil && parent.collect == engineRecording:
		// A pass that records keeps everything it makes, the ops its rules
		// apply to the graph's own tensors too (they run on the graph's
		// tape): for the pass's duration that tape's arena pins them.
		tp.collect = engineRecording
		if parent != nil && parent.arena != nil && parent.collect != engineRecording {
			p.pinned, p.pinnedWas = parent, parent.collect
			parent.collect = engineRecording
		}
	default:
		// One that does not, even one carrying forward-mode tangents (an
		// HVP), makes scratch: the tangents are pinned (see pinTangent).
		tp.collect = engineScratch
	}
	if tp.arena == nil && tp.collect == engineScratch && !p.traced {
		// No arena collects already: the pass collects its scratch itself
		// and recycles, at the end, all of it that the caller cannot see.
		p.own = passArenas.Get().(*Arena)
		tp.arena, tp.allSizes = p.own, false
	}
	return p
}

// checkRoots checks the outputs and finds the seeds they start from.
func (p *pass) checkRoots() {
	p.seeds = append(p.seeds[:0], make([]*Tensor, len(p.roots))...)
	seeds := p.seeds
	for i, r := range p.roots {
		if !r.dtype.IsFloat() {
			panicf(p.who, "output of shape %s is a %s tensor (a comparison, an index): it is a constant, with no gradient", fmtShape(r.shape), r.dtype)
		}
		if !r.requiresGrad {
			panicf(p.who, "output of shape %s does not require grad: no input it depends on has SetRequiresGrad(true), or it was computed under NoGrad", fmtShape(r.shape))
		}
		if r.node != nil && r.node.freed {
			panicf(p.who, "the graph of %s has been freed by an earlier backward pass; pass RetainGraph() to the first one to run backward twice", r.node.op.Name)
		}
		if p.cfg.seeds != nil && p.cfg.seeds[i] != nil {
			seed := p.cfg.seeds[i]
			if !sameShape(seed.shape, r.shape) {
				panicf(p.who, "seed of shape %s does not match output of shape %s", fmtShape(seed.shape), fmtShape(r.shape))
			}
			checkDType(p.who, r, seed)
			seeds[i] = seed
			continue
		}
		if r.Size() != 1 {
			panicf(p.who, "output of shape %s is not a scalar: pass Seed(g) with a gradient of the same shape", fmtShape(r.shape))
		}
		seeds[i] = onesOf(p.tape, r.dtype, r.shape)
	}
}

// walk orders the non-leaf tensors reachable from the roots that require
// grad, each after all of its inputs, with an explicit stack so that graphs
// of any depth work. It claims every node it reaches: a node another pass
// holds is an error, not a silent mix of two passes' sums. The leaves it
// reaches get their sums (and, for Backward, a ZeroGrad now is an error).
func (p *pass) walk() {
	for _, r := range p.roots {
		if r.node == nil || !p.claim(r.node) {
			continue
		}
		p.stack = append(p.stack, frame{t: r})
		for len(p.stack) > 0 {
			top := &p.stack[len(p.stack)-1]
			ins := top.t.node.Inputs
			if top.next < len(ins) {
				x := ins[top.next]
				top.next++
				switch {
				case !x.requiresGrad:
				case x.node == nil:
					p.sumOf(x) // a leaf: its sum, and its counter up now
				case p.claim(x.node):
					p.stack = append(p.stack, frame{t: x})
				}
				continue
			}
			top.t.node.idx = int32(len(p.order))
			p.order = append(p.order, top.t)
			p.stack = p.stack[:len(p.stack)-1]
		}
	}
	if cap(p.sums) < len(p.order) {
		p.sums = make([]sum, len(p.order), 2*len(p.order))
	}
	p.sums = p.sums[:len(p.order)]
}

// claim marks n as this pass's; it reports false when the pass has it
// already.
func (p *pass) claim(n *node) bool {
	if n.owner.CompareAndSwap(nil, p) {
		p.claimed = append(p.claimed, n)
		return true
	}
	if n.owner.Load() != p {
		panicf(p.who, "another backward pass is running through the graph of %s at the same time (in another goroutine): a graph is differentiated by one pass at a time; build one graph per goroutine (graphs may share leaf tensors)", n.op.Name)
	}
	return false
}

// sumOf returns the running sum of the gradient flowing into t.
func (p *pass) sumOf(t *Tensor) *sum {
	if t.node != nil && t.node.owner.Load() == p {
		return &p.sums[t.node.idx]
	}
	// Few leaves: a scan; many: the index.
	if len(p.leaves) <= leafScan {
		for i, l := range p.leaves {
			if l == t {
				return &p.leafSum[i]
			}
		}
	} else if i, ok := p.leafIdx[t]; ok {
		return &p.leafSum[i]
	}
	i := len(p.leaves)
	if i == leafScan {
		for k, l := range p.leaves {
			p.leafIdx[l] = int32(k)
		}
	}
	if i >= leafScan {
		p.leafIdx[t] = int32(i)
	}
	p.leaves = append(p.leaves, t)
	p.leafSum = append(p.leafSum, sum{})
	if p.wrt == nil && t.node == nil {
		t.passes.Add(1) // ZeroGrad now is an error (see ZeroGrad)
		p.counted = append(p.counted, t)
	}
	return &p.leafSum[i]
}

// leafScan is the number of leaves up to which sumOf finds a leaf's sum by a
// scan rather than through the index.
const leafScan = 8

// step runs the rule of t's node on the gradient summed for t and passes
// the results on to the node's inputs.
func (p *pass) step(t *Tensor) {
	s := &p.sums[t.node.idx]
	g, fresh := s.g, s.fresh
	if g == nil {
		return
	}
	*s = sum{}
	n := t.node
	for _, x := range n.Inputs {
		if x.mem&memDead != 0 {
			checkLive(n.op.Name+" (backward)", x)
		}
	}
	if n.freed {
		panicf(p.who, "the graph through %s has been freed by an earlier backward pass; pass RetainGraph() to the first one to run backward twice", n.op.Name)
	}
	inWrt := p.wrt != nil && isIn(t, p.wrt)
	// g may only broadcast to t's shape (see Op.BroadcastGrad): anything
	// that shows it to the user, or a rule that needs it whole, gets it
	// expanded.
	if len(t.hookList()) > 0 || t.retainGrad || inWrt || !n.op.BroadcastGrad || !inputsUnbroadcast(n) {
		g, fresh = expandTo(g, t.shape, fresh)
	}
	if h := p.runHooks(t, g); h != g {
		g, fresh = h, false
	}
	if t.retainGrad {
		p.storeGrad(t, g, fresh)
		fresh = false
	}
	if inWrt {
		*s = sum{g: g} // the result, read in finish
	}
	gs := p.rule(n, g)
	for j, x := range n.Inputs {
		if j >= len(gs) || gs[j] == nil || !x.requiresGrad {
			continue
		}
		gj := sumToShape(gs[j], x.shape)
		p.add(p.sumOf(x), gj, !p.record && ownsStorage(gj, g, n, gs, j))
	}
	// g is spent: recycle it if the pass made it and nothing else sees it.
	if fresh && !p.record && g.tangent == nil && !t.retainGrad && len(t.hookList()) == 0 &&
		!inWrt && !sharesStorage(g, gs) {
		p.release(g)
	}
	if !p.cfg.retain {
		p.free(n, gs)
	}
}

// rule returns the gradients of n's inputs given the gradient g of its
// output, choosing the op's fastest rule that applies (see Op).
func (p *pass) rule(n *node, g *Tensor) []*Tensor {
	c := &n.Ctx
	if !p.record {
		c = p.view(n)
	}
	if p.tape.anomaly {
		p.tape.blame = n
		defer func() { p.tape.blame = nil }()
	}
	op := n.op
	var gs []*Tensor
	switch {
	case op.AddVJP != nil && !p.record && !p.traced && p.addsInPlace(n, g):
		// The gradient added straight into its input's running sum.
		op.AddVJP(c, g, p.sums[n.Inputs[0].node.idx].g)
		return nil
	case op.FastVJP != nil && !p.record && (g.tangent == nil && !hasTangents(n.Inputs) ||
		op.SavedJVP != nil && n.saved != nil && n.saved.tangent != nil):
		// Without tangents; or with them, when the by-product carries its own.
		gs = op.FastVJP(c, g)
	default:
		gs = op.VJP(c, g)
	}
	if p.tape.anomaly {
		checkAnomalyBackward(n, gs)
	}
	return gs
}

// view returns the context a rule sees in a pass that does not record: the
// node's inputs, output and by-product as headers bound to the pass's tape,
// so that the ops the rule applies record nothing and their results are the
// pass's scratch. The headers are reused from node to node: a rule must not
// keep them (nor do results: a view of one is a new header).
func (p *pass) view(n *node) *Ctx {
	k := 0
	tr := p.tape.trace
	v := func(x *Tensor) *Tensor {
		if x == nil {
			return nil
		}
		var h *Tensor
		if k < len(p.views) {
			// The pass's own headers: only these fields are ever set (end
			// clears them), so setting them is all it takes.
			h = &p.views[k]
			k++
		} else {
			h = new(Tensor) // an op with many inputs
		}
		h.shape, h.dtype, h.f64, h.f32, h.tangent = x.shape, x.dtype, x.f64, x.f32, x.tangent
		h.tape, h.mem = p.tape, x.mem&(memDead|memTraced)
		if tr != nil {
			tr.alias(h, x)
		}
		if x.mem&memTraced != 0 {
			// The graph traced by an enclosing trace, the pass by Vmap's
			// (inheritTrace): the header is x in both programs.
			if tx := traceOf(x); tx != nil && tx != tr {
				tx.alias(h, x)
			}
		}
		return h
	}
	ins := p.ptrs[:0]
	if len(n.Inputs) > len(p.ptrs)-2 {
		ins = make([]*Tensor, 0, len(n.Inputs))
	}
	for _, x := range n.Inputs {
		ins = append(ins, v(x))
	}
	p.ctx = Ctx{Inputs: ins, Output: v(n.Output), Params: n.Params, saved: v(n.saved), tape: p.tape, node: n}
	return &p.ctx
}

// add adds g to the running sum s. The sum is out of place because g may be
// shared (Add's rule returns the same g twice); fresh says that nothing else
// holds g, so that it may become a Grad as it is.
func (p *pass) add(s *sum, g *Tensor, fresh bool) {
	if s.g == nil {
		*s = sum{g, fresh}
		return
	}
	old := *s
	if old.fresh && !p.record && !p.traced && old.g.tangent == nil && g.tangent == nil &&
		sameShape(old.g.shape, g.shape) && storage(old.g) != storage(g) {
		addInPlace(old.g, g) // the running sum is the pass's own
		if fresh {
			p.release(g)
		}
		return
	}
	*s = sum{Add(old.g, g), true}
	if !p.record { // the sum holds neither term
		if old.fresh && old.g.tangent == nil {
			p.release(old.g)
		}
		if fresh && g.tangent == nil {
			p.release(g)
		}
	}
}

// addsInPlace reports whether the gradient g of node n can be added into
// the running sum of its input 0 in place: the sum exists, has the input's
// whole shape and belongs to the pass alone, g has the output's whole shape,
// and nothing carries a tangent.
func (p *pass) addsInPlace(n *node, g *Tensor) bool {
	x := n.Inputs[0]
	if !x.requiresGrad || x.node == nil || x.node.owner.Load() != p {
		return false
	}
	a := p.sums[x.node.idx]
	return a.g != nil && a.fresh && a.g.tangent == nil && g.tangent == nil &&
		sameShape(a.g.shape, x.shape) && sameShape(g.shape, n.Output.shape) && a.g.dtype == g.dtype &&
		storage(a.g) != storage(g)
}

// release recycles a buffer the pass made and no longer needs, unless the
// pass is traced: a compiled program replays every value.
func (p *pass) release(t *Tensor) {
	if !p.traced {
		release(t)
	}
}

// free drops n's references once its rule has run (no RetainGraph): the
// graph through n can no longer be walked.
func (p *pass) free(n *node, gs []*Tensor) {
	// The by-product saved for the rule has served: nothing else holds
	// it, unless the rule returned a view of it.
	if sv := n.saved; sv != nil && sv.tangent == nil && sv.mem&memPinned == 0 && !sharesStorage(sv, gs) && !p.traced {
		release(sv)
		sv.mem |= memDead
	}
	n.freed = true
	n.Inputs, n.Output, n.saved = nil, nil, nil
	n.inline = [3]*Tensor{}
}

// runHooks passes g through t's hooks. What a hook makes is the user's:
// pinned, never recycled.
func (p *pass) runHooks(t *Tensor, g *Tensor) *Tensor {
	if len(t.hookList()) == 0 {
		return g
	}
	g.mem |= memPinned
	prev := p.tape.collect
	p.tape.collect = engineRecording
	defer func() { p.tape.collect = prev }()
	for _, h := range t.hookList() {
		if r := h(g); r != nil {
			g = r
			g.mem |= memPinned
		}
	}
	return g
}

// finish hands out the results: each leaf's gradient into its Grad
// (Backward), or the gradients of wrt (Gradients).
func (p *pass) finish() []*Tensor {
	var result []*Tensor
	if p.wrt != nil {
		result = make([]*Tensor, len(p.wrt))
		for i, x := range p.wrt {
			if s := p.sumOf(x); s.g != nil {
				result[i], _ = expandTo(s.g, x.shape, false)
			}
		}
	}
	for i, l := range p.leaves {
		s := p.leafSum[i]
		if s.g == nil {
			continue
		}
		g, fresh := expandTo(s.g, l.shape, s.fresh)
		if h := p.runHooks(l, g); h != g {
			g, fresh = h, false
		}
		if p.wrt == nil {
			p.storeGrad(l, g, fresh)
		}
	}
	for i, r := range result {
		if r == nil && !p.cfg.allowUnused {
			panicf(p.who, "input %d (shape %s) is not used by the outputs; pass AllowUnused() to get nil for it", i, fmtShape(p.wrt[i].shape))
		}
	}
	p.done = true
	if p.own != nil {
		p.own.Release(result...)
	}
	return result
}

// end gives back what the pass held, whether it finished or failed half-way
// (a freed graph, a rule's error): the claims on the nodes, the leaves'
// counters, its arena (which, after a failure, releases nothing), its tape.
func (p *pass) end() {
	if p.pinned != nil {
		p.pinned.collect = p.pinnedWas
	}
	for _, n := range p.claimed {
		n.owner.Store(nil)
	}
	for _, t := range p.counted {
		t.passes.Add(-1)
	}
	if p.own != nil {
		if !p.done {
			p.own.drop()
		}
		passArenas.Put(p.own)
	}
	p.tape.close()
	clear(p.roots)
	clear(p.seeds)
	clear(p.order)
	clear(p.claimed)
	clear(p.sums)
	clear(p.leaves)
	clear(p.leafSum)
	clear(p.leafIdx)
	clear(p.counted)
	clear(p.stack[:cap(p.stack)])
	clear(p.views[:])
	clear(p.ptrs[:])
	*p = pass{roots: p.roots[:0], seeds: p.seeds[:0], order: p.order[:0], claimed: p.claimed[:0], sums: p.sums[:0], leaves: p.leaves[:0],
		leafSum: p.leafSum[:0], leafIdx: p.leafIdx, counted: p.counted[:0], stack: p.stack[:0]}
	passes.Put(p)
}

// storeGrad adds g to t.Grad: in place when the existing buffer is ours, by
// taking g itself when it is fresh (made by this pass and held by nothing
// else), and by copying it otherwise. Passes in several goroutines may
// store into one shared leaf: they take turns.
func (p *pass) storeGrad(t, g *Tensor, fresh bool) {
	if p.traced && t.mem&memTraced == 0 {
		panicf("Backward", "a compiled function cannot store gradients in a tensor of shape %s that it does not compute: they would be stored once, when it is traced; differentiate with respect to an argument (CompileValueAndGrad's argnums) instead", fmtShape(t.shape))
	}
	create := p.record || p.traced // no copy into, or adding to, an old buffer
	mu := gradLock(t)
	mu.Lock()
	defer mu.Unlock()
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
		p.release(g)
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
			p.release(g)
		}
	}
	t.gradZeroed = false
	t.grad.mem |= memPinned
}

// gradLocks serialize passes storing into the Grad of one leaf.
var gradLocks [64]sync.Mutex

func gradLock(t *Tensor) *sync.Mutex {
	return &gradLocks[(uintptr(unsafe.Pointer(t))>>6)%uintptr(len(gradLocks))]
}

func isIn(t *Tensor, ts []*Tensor) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
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

func copyInto(dst, src *Tensor) {
	copy(dst.f64, src.f64)
	copy(dst.f32, src.f32)
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
