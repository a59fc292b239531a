package nabla

import (
	"sync"

	"github.com/nabla-go/nabla/internal/kernel"
)

// An Arena recycles the memory of a computation's intermediate tensors as
// soon as the caller is done with them, instead of leaving every buffer to
// the garbage collector. Repeated evaluations of the same function (an
// optimizer's steps, a training loop) then run on the same few buffers, hot
// in the cache, and allocate almost nothing.
//
// Do runs a function and collects the buffers of the tensors it computes on
// the tape it is given.
// Release hands back those of the tensors that are scratch — intermediates
// recorded for differentiation, by-products saved for their rules, and
// everything a backward pass makes — except those kept. Tensors computed
// under NoGrad, constants, leaves, gradients stored in a leaf's Grad,
// gradients passed to hooks (and what hooks make), forward-mode tangents and
// the graphs of CreateGraph passes are never released.
//
// A released tensor, and every view of it (Reshape, Detach), is dead: using
// it is an error naming the tensor, not a read of recycled memory. This is
// JAX's rule for tracers that leak out of a transformed function: whatever
// must outlive Release is returned and passed to it as keep, or Cloned.
//
// ValueAndGrad and Grad run their function in an arena when they are not
// nested in another transform; the minimize package does the same for the
// objective, and train.Run for each step. A backward pass run outside any
// arena recycles the scratch it makes itself when it ends.
//
// An Arena collects only what is computed on the tape given to Do (see
// Tape): tensors that other goroutines compute meanwhile, on other tapes, are
// never collected. An Arena is not safe for concurrent use.
type Arena struct {
	made []*Tensor // tensors with a buffer of their own from the pool
	seen []*Tensor // views made while collecting

	state64 map[*float64]uint8 // per buffer: held, or gone (see Release)
	state32 map[*float32]uint8
}

// How an arena marks what it collects (Tape.collect).
const (
	engineIdle      uint8 = iota
	engineScratch         // a backward pass that does not record: what it makes is scratch
	engineRecording       // a CreateGraph pass: what it makes is part of a graph to keep
)

// Tensor.mem flags.
const (
	memScratch uint8 = 1 << iota // made by a backward pass
	memSaved                     // saved by a forward pass for its rule
	memPinned                    // visible to the user: never released
	memDead                      // released by an arena
	_                            // memTraced (jit_compile.go)
	memView                      // shares the buffer of another tensor (viewRange), which owns it
)

// Do runs f, collecting the tensors that operations on tp's tensors compute
// (bind the step's inputs to tp). Arenas nest: an inner Do collects for its
// own arena. The arena holds what it collected until Release: call Release
// after each Do (or a few), or the list grows.
func (a *Arena) Do(tp *Tape, f func()) {
	if tp == nil {
		panicf("Arena.Do", "a nil tape: an arena collects what is computed on one Tape (NewTape, then Bind the inputs)")
	}
	prev, prevMode, prevAll := tp.arena, tp.collect, tp.allSizes
	tp.arena, tp.collect, tp.allSizes = a, engineIdle, true
	defer func() { tp.arena, tp.collect, tp.allSizes = prev, prevMode, prevAll }()
	f()
}

// passArenas are the arenas of backward passes run outside any arena.
var passArenas = sync.Pool{New: func() any { return new(Arena) }}

// drop forgets the tensors collected, releasing none.
func (a *Arena) drop() {
	clear(a.made)
	clear(a.seen)
	a.made, a.seen = a.made[:0], a.seen[:0]
}

// collect records a tensor made on tp while a collects for it.
func (a *Arena) collect(tp *Tape, t *Tensor, view bool) {
	switch tp.collect {
	case engineScratch:
		t.mem |= memScratch
	case engineRecording:
		t.mem |= memPinned
	}
	if view {
		a.seen = append(a.seen, t)
	} else {
		a.made = append(a.made, t)
	}
}

// viewOf returns a tensor of the given shape sharing x's values.
func viewOf(x *Tensor, shape []int) *Tensor { return viewRange(x, shape, 0, x.Size()) }

// viewRange returns a tensor of the given shape over x's values lo to hi.
func viewRange(x *Tensor, shape []int, lo, hi int) *Tensor {
	tp := live(x.tape)
	if tp != nil && tp.replay != nil {
		return tp.replay.view(tp, x, shape, lo, hi)
	}
	guardRead("view", x) // a view the trace would not know of
	v := &Tensor{shape: shape, dtype: x.dtype, tape: tp, mem: memView}
	if x.dtype == Float32 {
		v.f32 = x.f32[lo:hi]
	} else {
		v.f64 = x.f64[lo:hi]
	}
	if tp != nil && tp.arena != nil && (tp.allSizes || x.Size() >= kernel.MinPooled) {
		tp.arena.collect(tp, v, true)
	}
	return v
}

// Release recycles the buffers of the scratch tensors collected since the
// last Release, except those whose memory a tensor in keep shares, and
// marks them and their views dead.
func (a *Arena) Release(keep ...*Tensor) { a.release(false, keep) }

// releaseAll is Release for the values of a trace, which serve only to
// find the program: every tensor collected is released, recorded or not,
// except pinned ones and those whose memory a tensor in keep shares.
func (a *Arena) releaseAll(keep ...*Tensor) { a.release(true, keep) }

func (a *Arena) release(all bool, keep []*Tensor) {
	if a.state64 == nil {
		a.state64, a.state32 = map[*float64]uint8{}, map[*float32]uint8{}
	}
	const (
		held = 1
		gone = 2
	)
	mark := func(t *Tensor, s uint8) {
		switch {
		case t == nil:
		case len(t.f64) > 0:
			a.state64[end64(t.f64)] |= s
		case len(t.f32) > 0:
			a.state32[end32(t.f32)] |= s
		}
	}
	state := func(t *Tensor) uint8 {
		switch {
		case len(t.f64) > 0:
			return a.state64[end64(t.f64)]
		case len(t.f32) > 0:
			return a.state32[end32(t.f32)]
		}
		return 0
	}
	for _, t := range keep {
		mark(t, held)
	}
	for _, t := range a.made {
		if t.mem&memPinned != 0 || !all && t.node == nil && t.mem&(memScratch|memSaved) == 0 {
			mark(t, held)
		}
	}
	for _, t := range a.seen {
		if t.mem&memPinned != 0 {
			mark(t, held)
		}
	}
	for _, t := range a.made {
		if state(t) == 0 {
			mark(t, gone)
		}
	}
	// Views first, while their owners still hold the buffers they share.
	for i, t := range a.seen {
		if state(t) == gone {
			kill(t)
		}
		a.seen[i] = nil
	}
	for i, t := range a.made {
		if state(t) == gone {
			release(t)
			t.mem |= memDead
		}
		a.made[i] = nil
	}
	a.made, a.seen = a.made[:0], a.seen[:0]
	clear(a.state64)
	clear(a.state32)
}

func kill(t *Tensor) {
	t.f64, t.f32 = nil, nil
	t.mem |= memDead
}

// end64 identifies a buffer by its last element, which every view that
// shares it also reaches.
func end64(s []float64) *float64 { return &s[:cap(s)][cap(s)-1] }
func end32(s []float32) *float32 { return &s[:cap(s)][cap(s)-1] }

// pinTangent keeps t's forward-mode tangent out of every recycling: it
// travels with t and may be shared with the tangents of other tensors (a
// rule may pass an input's tangent on as it is).
func pinTangent(t *Tensor) {
	// Only what a tape made can be collected: a tangent bound to none (the
	// caller's) is left untouched, as other goroutines may be reading it.
	if d := t.tangent; d != nil && d.tape != nil && d.mem&memPinned == 0 {
		d.mem |= memPinned
	}
}

// checkLive panics if t was released by an arena.
func checkLive(who string, t *Tensor) {
	if t.mem&memDead != 0 {
		panicf(who, "a tensor of shape %s was computed inside a function run by an Arena (ValueAndGrad, Grad, minimize) and its memory was recycled when the function returned; return it or Clone it to use it afterwards", fmtShape(t.shape))
	}
}
