package nn

import "github.com/nabla-go/nabla"

// Checkpointed is a module whose forward pass keeps, for the backward pass,
// only the input and output of each segment, recomputing the segment's
// intermediates when the backward pass reaches it (nabla.Checkpoint). The
// gradients are those of the wrapped module, bit for bit; the memory of its
// activations falls to one segment's worth, for about one more forward pass.
//
// A segment is the whole module, or, with Every > 0 and a *Sequential, each
// run of Every consecutive layers. Its parameters, buffers and their names
// are the wrapped module's, so state dicts move between the two unchanged.
//
// Layers that compute differently on each call in training mode (Dropout
// draws a new mask, BatchNorm updates its running statistics) cannot be
// recomputed: Forward panics when a segment holds one in training mode (put
// it outside the checkpointed part, or switch it to evaluation mode).
// A Checkpointed is safe for concurrent use exactly when the wrapped module
// is.
type Checkpointed struct {
	Module Module
	Every  int
}

// NewCheckpointed returns m checkpointed as a single segment.
func NewCheckpointed(m Module) *Checkpointed { return &Checkpointed{Module: m} }

// CheckpointEvery returns s with each run of k consecutive layers
// checkpointed: with n layers, about n/k segment boundaries are kept instead
// of every layer's activations.
func CheckpointEvery(s *Sequential, k int) *Checkpointed {
	if k < 1 {
		panicf("CheckpointEvery", "a segment of %d layers: k must be at least 1", k)
	}
	return &Checkpointed{Module: s, Every: k}
}

// Forward returns the wrapped module's output, checkpointed segment by
// segment.
func (c *Checkpointed) Forward(x *nabla.Tensor) *nabla.Tensor {
	s, ok := c.Module.(*Sequential)
	if c.Every <= 0 || !ok {
		return c.segment([]Module{c.Module})(x)
	}
	for lo := 0; lo < len(s.Layers); lo += c.Every {
		x = c.segment(s.Layers[lo:min(lo+c.Every, len(s.Layers))])(x)
	}
	return x
}

// segment returns the checkpointed composition of layers.
func (c *Checkpointed) segment(layers []Module) nabla.Func {
	for _, l := range layers {
		refuseTraining(l)
	}
	return nabla.Checkpoint(func(xs ...*nabla.Tensor) *nabla.Tensor {
		x := xs[0]
		for _, l := range layers {
			x = l.Forward(x)
		}
		return x
	})
}

// refuseTraining panics if m, or a module inside it, behaves differently on
// each call because it is in training mode.
func refuseTraining(m Module) {
	if s, ok := m.(Switchable); ok && s.Training() {
		switch m.(type) {
		case *Dropout, *BatchNorm:
			panicf("Checkpointed", "a %T in training mode inside a checkpointed segment: recomputing it in the backward pass would draw a new mask or update its statistics again, and the gradients would be wrong; keep it outside the checkpointed layers, or switch it to evaluation mode (Eval)", m)
		}
	}
	if c, ok := m.(Container); ok {
		for _, child := range c.Children() {
			refuseTraining(child)
		}
	}
}

// Parameters returns the wrapped module's parameters, named as it names them.
func (c *Checkpointed) Parameters() []Param { return c.Module.Parameters() }

// Buffers returns the wrapped module's buffers, named as it names them.
func (c *Checkpointed) Buffers() []Buffer { return Buffers(c.Module) }

// Children returns the wrapped module.
func (c *Checkpointed) Children() []Module { return []Module{c.Module} }
