package nabla

import (
	"sync/atomic"

	"github.com/nabla-go/nabla/internal/kernel"
)

// Tensor is an n-dimensional array of float64, float32, int64 or bool values
// (see DType) in row-major order, and a node of the autodiff graph when it was computed from tensors that
// require gradients. Tensors are immutable: operations return new tensors (which
// may share memory with their input, as Reshape does); only Grad buffers and the
// Raw accessors are written in place.
type Tensor struct {
	shape []int
	f64   []float64
	f32   []float32

	grad    *Tensor
	node    *node // the op that made this tensor; nil for leaves
	tangent *Tensor
	ext     *tensorExt // hooks and name, rarely set
	tape    *Tape      // the tape whose modes ops on t run in; nil: the default

	// The small fields together, so that a header is 128 bytes.
	dtype        DType
	requiresGrad bool
	retainGrad   bool
	gradZeroed   bool         // grad's buffer is logically zero (cleared lazily)
	mem          uint8        // Arena flags: memScratch, memSaved, memPinned, memDead
	passes       atomic.Int32 // backward passes accumulating into this leaf's Grad now
}

// newTensor allocates a zeroed tensor for an op running in tp; shape is
// retained, not copied. Every allocation an op makes goes through it or
// newTensorRaw: a replayed program serves it from its plan, an arena
// collects it.
func newTensor(tp *Tape, dt DType, shape []int) *Tensor { return alloc(tp, dt, shape, true) }

// newTensorRaw is newTensor for kernels that write every element: the values
// are arbitrary (a recycled buffer).
func newTensorRaw(tp *Tape, dt DType, shape []int) *Tensor { return alloc(tp, dt, shape, false) }

func alloc(tp *Tape, dt DType, shape []int, zero bool) *Tensor {
	if tp != nil && tp.replay != nil {
		return tp.replay.tensor(tp, dt, shape, zero)
	}
	t := allocTensor(dt, shape, zero)
	if tp != nil {
		t.tape = tp
		if tp.arena != nil && (tp.allSizes || t.Size() >= kernel.MinPooled) {
			tp.arena.collect(tp, t, false)
		}
	}
	return t
}

// allocTensor allocates a tensor bound to no tape.
func allocTensor(dt DType, shape []int, zero bool) *Tensor {
	n := numel(shape)
	if n <= smallN {
		return newSmall(dt, shape, n) // zeroed
	}
	t := &Tensor{shape: shape, dtype: dt}
	switch {
	case dt == Float32 && zero:
		t.f32 = kernel.Zeros32(n)
	case dt == Float32:
		t.f32 = kernel.Get32(n)
	case zero:
		t.f64 = kernel.Zeros64(n)
	default:
		t.f64 = kernel.Get64(n)
	}
	return t
}

// smallN is the size up to which a tensor's values live in the same
// allocation as its header: scalars and tiny vectors cost one allocation.
const smallN = 4

type smallTensor struct {
	t   Tensor
	f64 [smallN]float64
	f32 [smallN]float32
}

func newSmall(dt DType, shape []int, n int) *Tensor {
	b := &smallTensor{t: Tensor{shape: shape, dtype: dt}}
	if dt == Float32 {
		b.t.f32 = b.f32[:n:n]
	} else {
		b.t.f64 = b.f64[:n:n]
	}
	return &b.t
}

// release hands t's buffer back for reuse. Only the backward pass calls it,
// on gradients it made and that nothing else refers to.
func release(t *Tensor) {
	if t.mem&memPinned != 0 {
		return // visible to the user: a Grad, a hook's argument, a tangent
	}
	// A view's buffer is its owner's, which is recycled with the owner (an
	// arena collects both): handing it back here too would put one buffer
	// in the pool twice, and two tensors would later share it.
	switch {
	case t.mem&memView != 0:
	case t.f64 != nil:
		kernel.Put64(t.f64)
	case t.f32 != nil:
		kernel.Put32(t.f32)
	}
	t.f64, t.f32 = nil, nil
}

// Shape returns a copy of the tensor's dimensions.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// Dims returns the number of dimensions (0 for a scalar).
func (t *Tensor) Dims() int { return len(t.shape) }

// Dim returns the size of dimension axis; negative axes count from the end.
func (t *Tensor) Dim(axis int) int { return t.shape[normAxis("Dim", axis, len(t.shape))] }

// Size returns the number of elements.
func (t *Tensor) Size() int {
	if t.dtype == Float32 {
		return len(t.f32)
	}
	return len(t.f64)
}

// DType returns the element type.
func (t *Tensor) DType() DType { return t.dtype }

// Item returns the value of a tensor with exactly one element.
func (t *Tensor) Item() float64 {
	checkLive("Item", t)
	checkTraced("Item", t)
	if t.Size() != 1 {
		panicf("Item", "tensor of shape %s has %d elements, want 1", fmtShape(t.shape), t.Size())
	}
	return t.at(0)
}

// At returns the element at the given index (one entry per dimension).
func (t *Tensor) At(index ...int) float64 {
	checkLive("At", t)
	checkTraced("At", t)
	if len(index) != len(t.shape) {
		panicf("At", "index %v has %d entries for a tensor of shape %s", index, len(index), fmtShape(t.shape))
	}
	off := 0
	for i, ix := range index {
		if ix < 0 {
			ix += t.shape[i]
		}
		if ix < 0 || ix >= t.shape[i] {
			panicf("At", "index %d is out of range for axis %d of size %d", index[i], i, t.shape[i])
		}
		off = off*t.shape[i] + ix
	}
	return t.at(off)
}

func (t *Tensor) at(i int) float64 {
	guardRead("at", t)
	if t.dtype == Float32 {
		return float64(t.f32[i])
	}
	return t.f64[i]
}

func (t *Tensor) set(i int, v float64) {
	if t.dtype == Float32 {
		t.f32[i] = float32(v)
	} else {
		t.f64[i] = v
	}
}

// Float64s returns a copy of the values as float64, in row-major order.
func (t *Tensor) Float64s() []float64 {
	checkLive("Float64s", t)
	checkTraced("Float64s", t)
	if t.dtype != Float32 {
		return append([]float64(nil), t.f64...)
	}
	out := make([]float64, len(t.f32))
	for i, v := range t.f32 {
		out[i] = float64(v)
	}
	return out
}

// Float32s returns a copy of the values as float32, in row-major order.
func (t *Tensor) Float32s() []float32 {
	checkLive("Float32s", t)
	checkTraced("Float32s", t)
	if t.dtype == Float32 {
		return append([]float32(nil), t.f32...)
	}
	out := make([]float32, len(t.f64))
	for i, v := range t.f64 {
		out[i] = float32(v)
	}
	return out
}

// Int64s returns a copy of the values as int64 (float values truncated
// toward zero, booleans as 0 and 1), in row-major order.
func (t *Tensor) Int64s() []int64 {
	checkLive("Int64s", t)
	checkTraced("Int64s", t)
	out := make([]int64, t.Size())
	for i := range out {
		out[i] = int64(t.at(i))
	}
	return out
}

// Ints is Int64s as []int, for indexing Go slices with an Int64 tensor such
// as Argmax's result.
func (t *Tensor) Ints() []int {
	checkLive("Ints", t)
	checkTraced("Ints", t)
	out := make([]int, t.Size())
	for i := range out {
		out[i] = int(t.at(i))
	}
	return out
}

// Bools returns a copy of the values as booleans (true where nonzero), in
// row-major order.
func (t *Tensor) Bools() []bool {
	checkLive("Bools", t)
	checkTraced("Bools", t)
	out := make([]bool, t.Size())
	for i := range out {
		out[i] = t.at(i) != 0
	}
	return out
}

// RawFloat64 returns the tensor's own float64 storage (nil for a tensor of
// another dtype). Writing to it changes the tensor and every tensor sharing its memory
// and bypasses autodiff: it is meant for optimizers and loaders.
func (t *Tensor) RawFloat64() []float64 {
	checkLive("RawFloat64", t)
	checkTraced("RawFloat64", t)
	if t.dtype != Float64 {
		return nil
	}
	return t.f64
}

// RawFloat32 returns the tensor's own float32 storage (nil for a float64
// tensor), with the same caveats as RawFloat64.
func (t *Tensor) RawFloat32() []float32 {
	checkLive("RawFloat32", t)
	checkTraced("RawFloat32", t)
	return t.f32
}

// RequiresGrad reports whether gradients flow to this tensor.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf tensor as a variable whose gradient Backward
// accumulates into Grad, and returns t. It panics on a non-leaf tensor, whose
// requirement follows from its inputs.
func (t *Tensor) SetRequiresGrad(on bool) *Tensor {
	if on && !t.dtype.IsFloat() {
		panicf("SetRequiresGrad", "a %s tensor of shape %s cannot require grad: only float64 and float32 tensors are differentiable (convert it with As)", t.dtype, fmtShape(t.shape))
	}
	if t.node != nil {
		panicf("SetRequiresGrad", "tensor of shape %s was computed by %s; only leaves can be marked (use Detach first)", fmtShape(t.shape), t.node.op.Name)
	}
	t.requiresGrad = on
	return t
}

// Grad returns the gradient accumulated by backward passes, or nil if none has
// reached this tensor since it was created or since ZeroGrad set it to nil.
func (t *Tensor) Grad() *Tensor {
	if t.gradZeroed {
		checkTraced("Grad after ZeroGrad", t.grad)
		clear(t.grad.f64)
		clear(t.grad.f32)
		t.gradZeroed = false
	}
	return t.grad
}

// ZeroGrad resets the accumulated gradient. Gradients accumulate across
// Backward calls, exactly as in PyTorch, so a training loop must call ZeroGrad
// (on every parameter, usually through an optimizer) before each backward pass;
// forgetting it sums the gradients of successive batches. The zeroing is lazy:
// the next backward pass writes its gradient into the old buffer, or, when the
// pass produced a new tensor that nothing else holds, installs that tensor as
// Grad instead of copying it. Either way Grad reads zeros until then. After a
// backward pass call Grad again: a Grad tensor taken before ZeroGrad may keep
// its old values (or, when its buffer was written in place, show the new ones).
func (t *Tensor) ZeroGrad() {
	if t.passes.Load() > 0 {
		panicf("ZeroGrad", "a backward pass is accumulating into the gradient of this tensor of shape %s right now (from another goroutine, or a hook): zero gradients between passes, not during one", fmtShape(t.shape))
	}
	if t.grad == nil {
		return
	}
	if t.grad.node != nil {
		t.grad = nil // a differentiable gradient belongs to its graph; drop it
		return
	}
	t.gradZeroed = true
}

// SetGrad replaces the accumulated gradient (nil clears it).
func (t *Tensor) SetGrad(g *Tensor) {
	if g != nil {
		checkSameShape("SetGrad", t, g)
	}
	t.grad = g
	t.gradZeroed = false
}

// IsLeaf reports whether t was created directly rather than computed by an
// operation that recorded it in the graph.
func (t *Tensor) IsLeaf() bool { return t.node == nil }

// RetainGrad asks the next backward pass to store this non-leaf tensor's
// gradient in Grad too (leaves always get theirs). It returns t.
func (t *Tensor) RetainGrad() *Tensor {
	t.retainGrad = true
	return t
}

// Detach returns a tensor sharing t's values that is cut from the graph: no
// gradient flows through it.
func (t *Tensor) Detach() *Tensor {
	checkLive("Detach", t)
	if t.traced() {
		return opaqueElementwise("detach", detachValues, t)
	}
	return viewOf(t, t.shape)
}

// Clone returns a copy of t's values as a new leaf that does not require grad.
func (t *Tensor) Clone() *Tensor {
	if t.traced() {
		return opaqueElementwise("clone", cloneValues, t)
	}
	c := &Tensor{shape: append([]int(nil), t.shape...), dtype: t.dtype}
	if t.dtype == Float32 {
		c.f32 = append([]float32(nil), t.f32...)
	} else {
		c.f64 = append([]float64(nil), t.f64...)
	}
	return c
}

func detachValues(xs []*Tensor) *Tensor { return viewOf(xs[0], xs[0].shape) }

func cloneValues(xs []*Tensor) *Tensor {
	x := xs[0]
	c := newTensorRaw(live(x.tape), x.dtype, x.shape)
	copy(c.f64, x.f64)
	copy(c.f32, x.f32)
	return c
}

// SetName gives the tensor a name used by String and graph drawings, and
// returns t.
func (t *Tensor) SetName(name string) *Tensor {
	t.extra().name = name
	return t
}

// Name returns the name set by SetName, or "".
func (t *Tensor) Name() string {
	if t.ext == nil {
		return ""
	}
	return t.ext.name
}

// OpName returns the name of the operation that computed t, or "" for a leaf.
func (t *Tensor) OpName() string {
	if t.node == nil {
		return ""
	}
	return t.node.op.Name
}

// Inputs returns the tensors t was computed from (nil for a leaf or once the
// graph has been freed by a backward pass).
func (t *Tensor) Inputs() []*Tensor {
	if t.node == nil {
		return nil
	}
	return t.node.Inputs
}

// RegisterHook adds a function called with the gradient flowing into t during
// backward passes; if it returns a non-nil tensor, that tensor replaces the
// gradient. It returns t.
func (t *Tensor) RegisterHook(h func(grad *Tensor) *Tensor) *Tensor {
	if t.traced() {
		panicf("RegisterHook", "a compiled function cannot register hooks: they would run once, when it is traced")
	}
	if !t.requiresGrad {
		panicf("RegisterHook", "tensor of shape %s does not require grad", fmtShape(t.shape))
	}
	t.extra().hooks = append(t.extra().hooks, h)
	return t
}

// tensorExt holds what few tensors have, out of the header every op
// allocates.
type tensorExt struct {
	hooks []func(*Tensor) *Tensor
	name  string
	where string // in anomaly mode, the file:line that computed the tensor
}

func (t *Tensor) extra() *tensorExt {
	if t.ext == nil {
		t.ext = new(tensorExt)
	}
	return t.ext
}

// hookList returns the hooks registered on t.
func (t *Tensor) hookList() []func(*Tensor) *Tensor {
	if t.ext == nil {
		return nil
	}
	return t.ext.hooks
}
