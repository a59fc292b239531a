package optim

import (
	"fmt"
	"math"

	"github.com/nabla-go/nabla"
)

// Algorithm is an update rule: one of SGD, Adam, AdamW, RMSprop or Adagrad.
// Its fields are the hyperparameters shared by every group, used as given: a
// zero field means zero. NewSGD, NewAdam, NewAdamW, NewRMSprop and NewAdagrad
// return PyTorch's defaults.
type Algorithm interface {
	// name is used in panic messages.
	name() string
	// validate panics on invalid hyperparameters.
	validate()
	// hyper returns the learning rate and weight decay of the default group.
	hyper() (lr, weightDecay float64)
	// buffers names the per-parameter state buffers and their initial value.
	buffers() []buffer
	// update64 and update32 apply one step to one parameter p with gradient
	// g and state buffers s (in the order of buffers()); step counts from 1.
	update64(p, g []float64, s [][]float64, step int, lr, weightDecay float64)
	update32(p, g []float32, s [][]float32, step int, lr, weightDecay float64)
}

type buffer struct {
	name string
	init float64
}

// float is the element type of a parameter; update rules are written once for
// both and instantiated for each.
type float interface{ ~float32 | ~float64 }

// sqrt is correctly rounded for float32 too: a float64 square root rounded to
// float32 is the float32 square root.
func sqrt[T float](x T) T { return T(math.Sqrt(float64(x))) }

// Group is a set of parameters that share a learning rate and a weight decay,
// like a PyTorch parameter group. Its fields are used as given: a zero
// WeightDecay means no decay.
type Group struct {
	Params      []*nabla.Tensor
	LR          float64
	WeightDecay float64
}

// Optimizer updates parameters in place from their gradients with an
// Algorithm. Create one with New; it is not safe for concurrent use.
type Optimizer struct {
	alg    Algorithm
	groups []group
	steps  int

	cut64 [][]float64 // StepRange's views of a parameter's buffers
	cut32 [][]float32
}

type group struct {
	params      []*nabla.Tensor
	lr          float64
	initialLR   float64 // the LR the group was created with; schedules scale it
	weightDecay float64
	state       []paramState // parallel to params
}

// paramState holds one parameter's step count and buffers (in its dtype).
type paramState struct {
	step int
	f64  [][]float64
	f32  [][]float32
}

// New returns an optimizer that updates params with alg. The parameters form
// group 0, with the learning rate and weight decay of alg; AddGroup adds more
// groups. params may be empty when every group is added with AddGroup.
func New(params []*nabla.Tensor, alg Algorithm) *Optimizer {
	alg.validate()
	o := &Optimizer{alg: alg}
	if len(params) > 0 {
		lr, wd := alg.hyper()
		o.AddGroup(Group{Params: params, LR: lr, WeightDecay: wd})
	}
	return o
}

// AddGroup adds a parameter group with its own learning rate and weight decay
// and returns o. It panics if a parameter is not a leaf or already belongs to
// the optimizer, or if the learning rate or weight decay is negative.
func (o *Optimizer) AddGroup(g Group) *Optimizer {
	if !(g.LR >= 0) || !(g.WeightDecay >= 0) {
		panic(fmt.Sprintf("optim: AddGroup: invalid learning rate %v or weight decay %v", g.LR, g.WeightDecay))
	}
	for i, p := range g.Params {
		if !p.IsLeaf() {
			panic(fmt.Sprintf("optim: AddGroup: parameter %d (shape %v) was computed by %s; only leaf tensors can be optimized", i, p.Shape(), p.OpName()))
		}
		if o.has(p) {
			panic(fmt.Sprintf("optim: AddGroup: parameter %d (shape %v) already belongs to a group", i, p.Shape()))
		}
		for _, q := range g.Params[:i] {
			if q == p {
				panic(fmt.Sprintf("optim: AddGroup: parameter %d (shape %v) appears twice", i, p.Shape()))
			}
		}
	}
	o.groups = append(o.groups, group{
		params:      append([]*nabla.Tensor(nil), g.Params...),
		lr:          g.LR,
		initialLR:   g.LR,
		weightDecay: g.WeightDecay,
		state:       make([]paramState, len(g.Params)),
	})
	return o
}

func (o *Optimizer) has(p *nabla.Tensor) bool {
	for _, g := range o.groups {
		for _, q := range g.params {
			if q == p {
				return true
			}
		}
	}
	return false
}

// Groups returns a copy of the parameter groups with their current learning
// rates.
func (o *Optimizer) Groups() []Group {
	out := make([]Group, len(o.groups))
	for i, g := range o.groups {
		out[i] = Group{Params: append([]*nabla.Tensor(nil), g.params...), LR: g.lr, WeightDecay: g.weightDecay}
	}
	return out
}

// LR returns the current learning rate of group i.
func (o *Optimizer) LR(i int) float64 { return o.groups[o.check("LR", i)].lr }

// SetLR sets the learning rate of group i, for the next steps. Schedulers call
// it; so can a training loop that adjusts the rate itself.
func (o *Optimizer) SetLR(i int, lr float64) {
	if !(lr >= 0) {
		panic(fmt.Sprintf("optim: SetLR: invalid learning rate %v", lr))
	}
	o.groups[o.check("SetLR", i)].lr = lr
}

func (o *Optimizer) check(who string, i int) int {
	if i < 0 || i >= len(o.groups) {
		panic(fmt.Sprintf("optim: %s: group %d out of range (%d groups)", who, i, len(o.groups)))
	}
	return i
}

// Steps returns the number of times Step has been called (restored by
// LoadState).
func (o *Optimizer) Steps() int { return o.steps }

// ZeroGrad zeroes the gradient of every parameter in place, keeping the
// buffers so that the next backward pass does not allocate. A parameter the
// next backward pass does not reach then has a zero gradient, not a nil one, so
// Step still applies momentum and weight decay to it; use ClearGrad for
// PyTorch's default zero_grad(set_to_none=True), which skips it.
func (o *Optimizer) ZeroGrad() {
	for _, g := range o.groups {
		for _, p := range g.params {
			p.ZeroGrad()
		}
	}
}

// ClearGrad sets the gradient of every parameter to nil, like PyTorch's
// zero_grad(set_to_none=True): parameters the next backward pass does not
// reach are skipped by Step. The next backward pass allocates new gradients.
func (o *Optimizer) ClearGrad() {
	for _, g := range o.groups {
		for _, p := range g.params {
			p.SetGrad(nil)
		}
	}
}

// Step updates every parameter that has a gradient by one step of the
// algorithm; parameters whose Grad is nil are skipped and keep their step
// count, as in PyTorch. Buffers are allocated at a parameter's first step, so
// later steps do not allocate.
func (o *Optimizer) Step() { o.StepRange(0, math.MaxInt) }

// StepRange is Step restricted to the elements [lo, hi) of the parameters
// laid end to end, in group order (every parameter counts, with a gradient
// or not): every parameter that has a gradient counts the step, as in Step,
// but only its elements in [lo, hi), and the same elements of its buffers,
// change. The algorithms update each element from that element's gradient
// and state alone, so the union of StepRange over disjoint ranges covering
// the parameters is one Step, bit for bit. Data-parallel replicas use it to
// share the work of one step: each updates its own range, then they copy
// the ranges to one another (the parameters every step; the buffers, seen
// through StateViews, when a checkpoint needs them).
func (o *Optimizer) StepRange(lo, hi int) {
	o.steps++
	off := 0
	for gi := range o.groups {
		g := &o.groups[gi]
		for i, p := range g.params {
			n := p.Size()
			from, to := max(lo-off, 0), min(hi-off, n)
			off += n
			gr := p.Grad()
			if gr == nil {
				continue
			}
			if gr.DType() != p.DType() || gr.Size() != p.Size() {
				panic(fmt.Sprintf("optim: %s.Step: parameter %d of group %d is %s of size %d but its gradient is %s of size %d",
					o.alg.name(), i, gi, p.DType(), p.Size(), gr.DType(), gr.Size()))
			}
			st := &g.state[i]
			if st.f64 == nil && st.f32 == nil {
				st.alloc(o.alg.buffers(), p)
			}
			st.step++
			if from >= to {
				continue
			}
			if p.DType() == nabla.Float32 {
				o.alg.update32(p.RawFloat32()[from:to], gr.RawFloat32()[from:to], cut(&o.cut32, st.f32, from, to), st.step, g.lr, g.weightDecay)
			} else {
				o.alg.update64(p.RawFloat64()[from:to], gr.RawFloat64()[from:to], cut(&o.cut64, st.f64, from, to), st.step, g.lr, g.weightDecay)
			}
		}
	}
}

// cut returns the buffers bufs restricted to [from, to), in *scratch
// (reused: StepRange allocates nothing once the buffers exist).
func cut[T float](scratch *[][]T, bufs [][]T, from, to int) [][]T {
	if from == 0 && (len(bufs) == 0 || to == len(bufs[0])) {
		return bufs
	}
	out := (*scratch)[:0]
	for _, b := range bufs {
		out = append(out, b[from:to])
	}
	*scratch = out
	return out
}

// StateViews returns, for each of the algorithm's buffers (in the order
// State names them), that buffer of every parameter in order, as float64
// slices that alias the optimizer's state; a parameter that has not been
// stepped, or is float32, has nil. Replicas that share the work of a step
// with StepRange hold current values only in their own range: they copy the
// ranges to one another through these views before saving a checkpoint.
// The views stay valid until the next LoadState.
func (o *Optimizer) StateViews() [][][]float64 {
	bufs := o.alg.buffers()
	out := make([][][]float64, len(bufs))
	for k := range bufs {
		for _, g := range o.groups {
			for i := range g.params {
				var v []float64
				if st := g.state[i]; st.f64 != nil {
					v = st.f64[k]
				}
				out[k] = append(out[k], v)
			}
		}
	}
	return out
}

// alloc creates the buffers of a parameter, filled with their initial values.
func (st *paramState) alloc(bufs []buffer, p *nabla.Tensor) {
	n := p.Size()
	if p.DType() == nabla.Float32 {
		st.f32 = make([][]float32, len(bufs))
		for i, b := range bufs {
			st.f32[i] = make([]float32, n)
			fill(st.f32[i], float32(b.init))
		}
		return
	}
	st.f64 = make([][]float64, len(bufs))
	for i, b := range bufs {
		st.f64[i] = make([]float64, n)
		fill(st.f64[i], b.init)
	}
}

func fill[T float](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}
