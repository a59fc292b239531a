package optim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nabla-go/nabla"
)

// State returns a copy of the optimizer's state as flat named tensors, ready
// for a checkpoint file:
//
//	"step"                   Steps(), a float64 scalar
//	"group.J.lr"             current learning rate of group J
//	"group.J.initial_lr"     the learning rate schedules scale
//	"group.J.weight_decay"   weight decay of group J
//	"state.I.step"           step count of parameter I
//	"state.I.NAME"           buffer NAME of parameter I, in its shape and dtype
//
// Parameters are numbered from 0 across groups in the order they were added,
// as in PyTorch's state_dict. Buffer names are PyTorch's: "momentum_buffer"
// (SGD, RMSprop), "exp_avg", "exp_avg_sq", "max_exp_avg_sq" (Adam, AdamW),
// "square_avg", "grad_avg" (RMSprop) and "sum" (Adagrad). A parameter that has
// not been stepped has no "state.I" entries.
func (o *Optimizer) State() map[string]*nabla.Tensor { return o.StateInto(nil) }

// StateInto is State written into dst: the values go into the tensors of
// dst that already have the name, shape and dtype (so they are copies, as
// State's are), the others are made, entries State would not return are
// deleted, and dst is returned (a new map when dst is nil). A training loop
// that saves a checkpoint every epoch keeps one map and, after the first
// save, allocates nothing for the buffers.
func (o *Optimizer) StateInto(dst map[string]*nabla.Tensor) map[string]*nabla.Tensor {
	if dst == nil {
		dst = map[string]*nabla.Tensor{}
	}
	seen := make(map[string]bool, len(dst))
	put64 := func(name string, v []float64, shape []int) {
		seen[name] = true
		if t := dst[name]; t != nil && t.DType() == nabla.Float64 && slices.Equal(t.Shape(), shape) {
			copy(t.RawFloat64(), v)
			return
		}
		dst[name] = nabla.FromSlice(v, shape...)
	}
	scalar := func(name string, x float64) {
		seen[name] = true
		if t := dst[name]; t != nil && t.DType() == nabla.Float64 && t.Dims() == 0 {
			t.RawFloat64()[0] = x
			return
		}
		dst[name] = nabla.Scalar(x)
	}
	scalar("step", float64(o.steps))
	names := o.alg.buffers()
	idx := 0
	for j, g := range o.groups {
		pre := "group." + strconv.Itoa(j) + "."
		scalar(pre+"lr", g.lr)
		scalar(pre+"initial_lr", g.initialLR)
		scalar(pre+"weight_decay", g.weightDecay)
		for i, p := range g.params {
			st := g.state[i]
			if st.f64 == nil && st.f32 == nil {
				continue
			}
			pre := "state." + strconv.Itoa(idx+i) + "."
			scalar(pre+"step", float64(st.step))
			for k, b := range names {
				if st.f32 == nil {
					put64(pre+b.name, st.f64[k], p.Shape())
					continue
				}
				name := pre + b.name
				seen[name] = true
				if t := dst[name]; t != nil && t.DType() == nabla.Float32 && slices.Equal(t.Shape(), p.Shape()) {
					copy(t.RawFloat32(), st.f32[k])
				} else {
					dst[name] = nabla.FromFloat32s(st.f32[k], p.Shape()...)
				}
			}
		}
		idx += len(g.params)
	}
	for name := range dst {
		if !seen[name] {
			delete(dst, name)
		}
	}
	return dst
}

// LoadState restores a state saved by State into an optimizer built with the
// same algorithm and groups. Buffers are copied and converted to each
// parameter's dtype, as PyTorch does. It returns an error, and changes
// nothing, if a name is unknown, a buffer is missing or has the wrong number of
// elements, or a scalar is not a single finite value.
func (o *Optimizer) LoadState(state map[string]*nabla.Tensor) error {
	var params []*nabla.Tensor
	for _, g := range o.groups {
		params = append(params, g.params...)
	}
	names := o.alg.buffers()
	scalar := func(key string) (float64, error) {
		t := state[key]
		if t.Size() != 1 {
			return 0, fmt.Errorf("optim: LoadState: %q has %d elements, want 1", key, t.Size())
		}
		v := t.Float64s()[0]
		if v != v || v < 0 || v > 1<<53 {
			return 0, fmt.Errorf("optim: LoadState: %q = %v is not a valid value", key, v)
		}
		return v, nil
	}

	// Validate everything before changing anything.
	steps := make(map[int]int)
	for key := range state {
		parts := strings.Split(key, ".")
		switch {
		case key == "step":
			if _, err := scalar(key); err != nil {
				return err
			}
		case len(parts) == 3 && parts[0] == "group":
			j, err := strconv.Atoi(parts[1])
			if err != nil || j < 0 || j >= len(o.groups) || !(parts[2] == "lr" || parts[2] == "initial_lr" || parts[2] == "weight_decay") {
				return fmt.Errorf("optim: LoadState: unknown entry %q for %d groups", key, len(o.groups))
			}
			if _, err := scalar(key); err != nil {
				return err
			}
		case len(parts) == 3 && parts[0] == "state":
			i, err := strconv.Atoi(parts[1])
			if err != nil || i < 0 || i >= len(params) {
				return fmt.Errorf("optim: LoadState: unknown entry %q for %d parameters", key, len(params))
			}
			if parts[2] == "step" {
				v, err := scalar(key)
				if err != nil {
					return err
				}
				steps[i] = int(v)
				continue
			}
			if !hasBuffer(names, parts[2]) {
				return fmt.Errorf("optim: LoadState: %q is not a buffer of %s", key, o.alg.name())
			}
			if n, want := state[key].Size(), params[i].Size(); n != want {
				return fmt.Errorf("optim: LoadState: %q has %d elements, parameter %d has %d", key, n, i, want)
			}
		default:
			return fmt.Errorf("optim: LoadState: unknown entry %q", key)
		}
	}
	for i := range params {
		pre := "state." + strconv.Itoa(i) + "."
		_, stepped := steps[i]
		for _, b := range names {
			if _, ok := state[pre+b.name]; ok != stepped {
				return fmt.Errorf("optim: LoadState: parameter %d has %q and %q out of step: both or neither must be present", i, pre+"step", pre+b.name)
			}
		}
	}

	if t, ok := state["step"]; ok {
		o.steps = int(t.Item())
	}
	idx := 0
	for j := range o.groups {
		g := &o.groups[j]
		pre := "group." + strconv.Itoa(j) + "."
		if t, ok := state[pre+"lr"]; ok {
			g.lr = t.Item()
		}
		if t, ok := state[pre+"initial_lr"]; ok {
			g.initialLR = t.Item()
		}
		if t, ok := state[pre+"weight_decay"]; ok {
			g.weightDecay = t.Item()
		}
		for i, p := range g.params {
			st := &g.state[i]
			step, ok := steps[idx+i]
			if !ok {
				*st = paramState{}
				continue
			}
			st.step = step
			if st.f64 == nil && st.f32 == nil {
				st.alloc(names, p)
			}
			pre := "state." + strconv.Itoa(idx+i) + "."
			for k, b := range names {
				if st.f32 != nil {
					copy(st.f32[k], state[pre+b.name].Float32s())
				} else {
					copy(st.f64[k], state[pre+b.name].Float64s())
				}
			}
		}
		idx += len(g.params)
	}
	return nil
}

func hasBuffer(bufs []buffer, name string) bool {
	for _, b := range bufs {
		if b.name == name {
			return true
		}
	}
	return false
}
