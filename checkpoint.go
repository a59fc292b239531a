package nabla

// Rematerialisation (jax.checkpoint, torch.utils.checkpoint): a checkpointed
// function keeps, for the backward pass, only its arguments, the parameters it
// reads and its output. Its intermediates are dropped as soon as the forward
// pass leaves it and computed again, recorded, when the backward pass reaches
// it. Memory falls from one copy of every intermediate to one segment's worth,
// at the price of a second forward pass.

// Checkpoint returns f rematerialised: f(xs...) computed once without keeping
// its intermediates, and again, recorded, when a backward pass needs its
// vector-Jacobian product. The gradients are those of f itself, bit for bit:
// the recomputation runs the same ops on the same values.
//
// Gradients flow to the arguments and to every tensor requiring grad that f
// reads without taking it as an argument (the parameters of a layer, say):
// Checkpoint finds those in the graph its first evaluation records, and the
// checkpointed node keeps them as inputs. A tensor f reads that was itself
// computed by recorded operations outside f should be passed as an argument
// instead: its graph belongs to the caller's backward pass, which the
// recomputation must not walk.
//
// f must compute the same values each time it is called on the same inputs:
// randomness it uses (a dropout mask) must come from its arguments, drawn
// outside f, as JAX passes a PRNG key. A layer that draws a fresh mask, or
// that updates running statistics, on every call would give gradients of a
// different function (nn.Checkpointed refuses such layers in training mode).
//
// Checkpoint composes with the engine's modes. Under NoGrad (of the
// arguments' tape or the default tape) it calls f and nothing more; inside a
// compiled function, and when an argument or a parameter carries a
// forward-mode tangent (JVP, HVP), f is evaluated inline, unchanged, with its
// intermediates kept. A backward pass that records (CreateGraph, nested Grad)
// gets a vector-Jacobian product that is itself checkpointed, so gradients of
// gradients work and keep the memory bound. The intermediates of the first
// evaluation and of each recomputation live in an arena of their own, released
// as soon as Checkpoint is done with them. The checkpointed function may be
// called from any number of goroutines at once, as f may.
func Checkpoint(f Func) Func {
	return func(xs ...*Tensor) *Tensor { return checkpoint(f, xs) }
}

// remat is what a checkpointed node needs to recompute its function.
type remat struct {
	f        Func
	nargs    int       // the node's first nargs inputs are f's arguments
	captured []*Tensor // the rest: what f reads that requires grad, as f reads it
}

func checkpoint(f Func, xs []*Tensor) *Tensor {
	tp := tapeOf(xs)
	if !gradOn(tp) || hasTangents(xs) || anyTraced(xs) {
		return f(xs...)
	}
	// The first evaluation runs on a tape of its own, recording, in an arena
	// of its own, on arguments cut from the caller's graph.
	ct := tp.child()
	in := make([]*Tensor, len(xs))
	for i, x := range xs {
		v := x.Detach()
		v.tape, v.requiresGrad = ct, x.requiresGrad
		in[i] = v
	}
	a := arenas.Get().(*Arena)
	defer arenas.Put(a)
	ct.arena, ct.collect, ct.allSizes = a, engineIdle, true
	y := f(in...)
	ct.arena = nil
	ct.close()
	captured, tangent := capturedBy(y, in)
	switch {
	case tangent:
		// Forward mode reached f through what it reads: f runs inline, on
		// the caller's tensors, so that its graph reaches them.
		a.drop()
		return f(xs...)
	case !y.requiresGrad:
		// Nothing to differentiate: y is f's plain value.
		a.drop()
		return y
	}
	out := viewOf(y, y.shape)
	out.tape = nil
	a.Release(out)
	r := &remat{f: f, nargs: len(xs), captured: captured}
	op := &Op{
		Name:    "checkpoint",
		Forward: func(*Ctx) *Tensor { return out },
		VJP:     r.vjp,
		JVP: func(*Ctx, []*Tensor) *Tensor {
			panicf("checkpoint", "no forward-mode rule: a checkpointed function meets tangents only when evaluated inline")
			return nil
		},
	}
	return op.Apply(nil, append(append(make([]*Tensor, 0, len(xs)+len(captured)), xs...), captured...)...)
}

// capturedBy returns the tensors requiring grad that y's graph reaches
// without going through in: the leaves f read (parameters, and the leaves
// under any recorded tensor it read), and whether any of them, or y, carries
// a forward-mode tangent.
func capturedBy(y *Tensor, in []*Tensor) (captured []*Tensor, tangent bool) {
	tangent = y.tangent != nil
	seen := map[*Tensor]bool{}
	for _, x := range in {
		seen[x] = true
	}
	stack := []*Tensor{y}
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[t] {
			continue
		}
		seen[t] = true
		tangent = tangent || t.tangent != nil
		switch {
		case t.node != nil:
			for _, x := range t.node.Inputs {
				if x.requiresGrad || x.tangent != nil {
					stack = append(stack, x)
				}
			}
		case t.requiresGrad:
			captured = append(captured, t)
		}
	}
	return captured, tangent
}

func anyTraced(xs []*Tensor) bool {
	for _, x := range xs {
		if x.traced() {
			return true
		}
	}
	return false
}

// vjp is the checkpointed node's reverse rule: f recomputed and
// differentiated. A pass that records gets the product from another
// checkpointed node, so that it can be differentiated again.
func (r *remat) vjp(c *Ctx, g *Tensor) []*Tensor {
	need := make([]bool, r.nargs)
	for i := range need {
		need[i] = c.NeedsGrad(i)
	}
	if c.node == nil {
		return r.recordedVJP(c, g, need)
	}
	return r.pullback(c.tape, c.Inputs[:r.nargs], g, need, false)
}

// pullback recomputes f on the values of xs, on a recording tape made from tp,
// and returns the gradients of ⟨g, f⟩ for the arguments in need and for the
// captured tensors, in the node's input order (nil for the others). With
// create, the backward pass is recorded, so that the results are functions of
// xs, g and the captured tensors.
func (r *remat) pullback(tp *Tape, xs []*Tensor, g *Tensor, need []bool, create bool) []*Tensor {
	ct := tp.child()
	var a *Arena
	if !create {
		a = arenas.Get().(*Arena)
		defer arenas.Put(a)
		ct.arena, ct.collect, ct.allSizes = a, engineIdle, true
	}
	in := make([]*Tensor, len(xs))
	wrt := make([]*Tensor, 0, len(xs)+len(r.captured))
	pos := make([]int, 0, cap(wrt))
	for i, x := range xs {
		v := x
		if !create {
			v = x.Detach()
			v.tape, v.requiresGrad = ct, need[i]
		}
		in[i] = v
		if need[i] {
			wrt, pos = append(wrt, v), append(pos, i)
		}
	}
	for j, p := range r.captured {
		wrt, pos = append(wrt, p), append(pos, r.nargs+j)
	}
	y := r.f(in...)
	out := make([]*Tensor, r.nargs+len(r.captured))
	if y.requiresGrad && len(wrt) > 0 {
		opts := []BackwardOption{Seed(g), AllowUnused()}
		if create {
			opts = append(opts, CreateGraph())
		}
		for k, gk := range Gradients([]*Tensor{y}, wrt, opts...) {
			out[pos[k]] = gk
		}
	}
	if a != nil {
		ct.arena = nil
		a.Release(out...)
	}
	ct.close()
	return out
}

// recordedVJP is the rule in a pass that records: the products, flattened
// into one vector, are the output of a checkpointed function of the node's
// arguments and g, whose own rule recomputes them.
func (r *remat) recordedVJP(c *Ctx, g *Tensor, need []bool) []*Tensor {
	ins := c.Inputs
	var sizes []int
	var shapes [][]int
	var which []int
	for i, x := range ins {
		if i < r.nargs && !need[i] {
			continue
		}
		sizes, shapes, which = append(sizes, x.Size()), append(shapes, x.shape), append(which, i)
	}
	flat := func(vs ...*Tensor) *Tensor {
		xs, gv := vs[:r.nargs], vs[r.nargs]
		gs := r.pullback(gv.tape, xs, gv, need, true)
		parts := make([]*Tensor, len(which))
		for k, i := range which {
			if gs[i] == nil {
				gs[i] = New(ins[i].dtype, ins[i].shape...)
			}
			parts[k] = Reshape(gs[i], sizes[k])
		}
		return Concat(0, parts...)
	}
	v := Checkpoint(flat)(append(append([]*Tensor(nil), ins[:r.nargs]...), g)...)
	out := make([]*Tensor, len(ins))
	for k, p := range Split(v, 0, sizes...) {
		out[which[k]] = Reshape(p, shapes[k]...)
	}
	return out
}
