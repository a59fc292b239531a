package nn

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/nabla-go/nabla"
)

// Module is a layer or a network: a function of a tensor with learnable
// parameters.
type Module interface {
	// Forward returns the module's output for input x.
	Forward(x *nabla.Tensor) *nabla.Tensor
	// Parameters returns the learnable tensors with their names, in a fixed
	// order. A module made of other modules prefixes its children's names with
	// the child's name and a dot, as PyTorch's state_dict does ("0.weight").
	Parameters() []Param
}

// Param is a named parameter of a module.
type Param struct {
	Name string
	T    *nabla.Tensor
}

// Container is implemented by modules made of other modules, so that Train,
// Eval and other walks reach every layer.
type Container interface {
	Module
	Children() []Module
}

// Switchable is implemented by modules that behave differently in training
// and in evaluation, such as Dropout.
type Switchable interface {
	SetTraining(on bool)
	Training() bool
}

// Train puts m and every module inside it in training mode (the default of
// every constructor) and returns m.
func Train(m Module) Module {
	setTraining(m, true)
	return m
}

// Eval puts m and every module inside it in evaluation mode, where Dropout
// is the identity, and returns m.
func Eval(m Module) Module {
	setTraining(m, false)
	return m
}

func setTraining(m Module, on bool) {
	if s, ok := m.(Switchable); ok {
		s.SetTraining(on)
	}
	if c, ok := m.(Container); ok {
		for _, child := range c.Children() {
			setTraining(child, on)
		}
	}
}

// prefixed returns the parameters of child renamed "prefix.name".
func prefixed(prefix string, child Module) []Param {
	ps := child.Parameters()
	out := make([]Param, len(ps))
	for i, p := range ps {
		out[i] = Param{Name: prefix + "." + p.Name, T: p.T}
	}
	return out
}

// Tensors returns m's parameter tensors without their names, the form
// optimizers take.
func Tensors(m Module) []*nabla.Tensor {
	ps := m.Parameters()
	ts := make([]*nabla.Tensor, len(ps))
	for i, p := range ps {
		ts[i] = p.T
	}
	return ts
}

// NumParams returns the number of scalar parameters of m.
func NumParams(m Module) int {
	n := 0
	for _, p := range m.Parameters() {
		n += p.T.Size()
	}
	return n
}

// ZeroGrad clears the gradient of every parameter of m; call it before each
// backward pass, since gradients accumulate.
func ZeroGrad(m Module) {
	for _, p := range m.Parameters() {
		p.T.ZeroGrad()
	}
}

// Buffer is a named tensor of a module's state that is not a parameter:
// gradient descent does not change it and optimizers do not see it, but it
// belongs to the state dict, as BatchNorm's running statistics do in
// PyTorch.
type Buffer struct {
	Name string
	T    *nabla.Tensor
	// Int64 marks a count that PyTorch keeps as an int64 tensor
	// (num_batches_tracked). T holds it as a float64 whole number; files
	// written by SaveFile store it as I64.
	Int64 bool
}

// Buffered is implemented by modules that have buffers. A container
// implements it too, naming its children's buffers with the prefixes it gives
// their parameters ("1.running_mean"); a container of your own that holds
// buffered modules must do the same, or their buffers are left out of
// StateDict.
type Buffered interface {
	Buffers() []Buffer
}

// Buffers returns m's buffers, or nil if m has none.
func Buffers(m Module) []Buffer {
	if b, ok := m.(Buffered); ok {
		return b.Buffers()
	}
	return nil
}

// prefixedBuffers returns the buffers of child renamed "prefix.name".
func prefixedBuffers(prefix string, child Module) []Buffer {
	bs := Buffers(child)
	out := make([]Buffer, len(bs))
	for i, b := range bs {
		out[i] = Buffer{Name: prefix + "." + b.Name, T: b.T, Int64: b.Int64}
	}
	return out
}

// state returns m's parameters and then its buffers, as named tensors.
func state(m Module) []Param {
	ps := m.Parameters()
	for _, b := range Buffers(m) {
		ps = append(ps, Param{b.Name, b.T})
	}
	return ps
}

// StateDict returns m's parameters and buffers by name, as PyTorch's
// state_dict does ("0.weight", "1.running_mean", "1.num_batches_tracked").
// The tensors are m's own, not copies: save them before training on if you
// need a snapshot.
func StateDict(m Module) map[string]*nabla.Tensor {
	d := make(map[string]*nabla.Tensor)
	for _, p := range state(m) {
		if _, dup := d[p.Name]; dup {
			panicf("StateDict", "two parameters or buffers are named %q", p.Name)
		}
		d[p.Name] = p.T
	}
	return d
}

// LoadStateDict copies the values of state into m's parameters and buffers,
// converting the dtype if needed. It returns an error naming every missing
// key, unexpected key and shape mismatch, and then changes nothing.
func LoadStateDict(m Module, state map[string]*nabla.Tensor) error {
	return loadState("LoadStateDict", m, state)
}

func loadState(op string, m Module, dict map[string]*nabla.Tensor) error {
	var errs []string
	params := state(m)
	nparams := len(m.Parameters())
	seen := make(map[string]bool, len(params))
	for i, p := range params {
		seen[p.Name] = true
		src, ok := dict[p.Name]
		switch {
		case !ok:
			errs = append(errs, fmt.Sprintf("missing key %q", p.Name))
		case !slices.Equal(src.Shape(), p.T.Shape()):
			kind := "parameter"
			if i >= nparams {
				kind = "buffer"
			}
			errs = append(errs, fmt.Sprintf("key %q has shape %v, the %s has shape %v", p.Name, src.Shape(), kind, p.T.Shape()))
		}
	}
	var extra []string
	for k := range dict {
		if !seen[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		errs = append(errs, fmt.Sprintf("unexpected key %q", k))
	}
	if len(errs) > 0 {
		return fmt.Errorf("nn: %s: %s", op, strings.Join(errs, "; "))
	}
	for _, p := range params {
		copyInto(p.T, dict[p.Name])
	}
	return nil
}

// copyInto overwrites dst's values with src's (same shape, any dtype).
func copyInto(dst, src *nabla.Tensor) {
	if d := dst.RawFloat64(); d != nil {
		copy(d, src.Float64s())
	} else {
		copy(dst.RawFloat32(), src.Float32s())
	}
}

// panicf panics with a *nabla.Error for the nn operation op, located at the
// caller's code.
func panicf(op, format string, args ...any) {
	panic(&nabla.Error{Op: "nn." + op, Msg: fmt.Sprintf(format, args...), Where: nabla.CallerLocation()})
}
