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

// StateDict returns m's parameters by name. The tensors are m's own, not
// copies: save them before training on if you need a snapshot.
func StateDict(m Module) map[string]*nabla.Tensor {
	d := make(map[string]*nabla.Tensor)
	for _, p := range m.Parameters() {
		if _, dup := d[p.Name]; dup {
			panicf("StateDict", "two parameters are named %q", p.Name)
		}
		d[p.Name] = p.T
	}
	return d
}

// LoadStateDict copies the values of state into m's parameters, converting
// the dtype if needed. It returns an error naming every missing key,
// unexpected key and shape mismatch, and then changes nothing.
func LoadStateDict(m Module, state map[string]*nabla.Tensor) error {
	var errs []string
	params := m.Parameters()
	seen := make(map[string]bool, len(params))
	for _, p := range params {
		seen[p.Name] = true
		src, ok := state[p.Name]
		switch {
		case !ok:
			errs = append(errs, fmt.Sprintf("missing key %q", p.Name))
		case !slices.Equal(src.Shape(), p.T.Shape()):
			errs = append(errs, fmt.Sprintf("key %q has shape %v, the parameter has shape %v", p.Name, src.Shape(), p.T.Shape()))
		}
	}
	var extra []string
	for k := range state {
		if !seen[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		errs = append(errs, fmt.Sprintf("unexpected key %q", k))
	}
	if len(errs) > 0 {
		return fmt.Errorf("nn: LoadStateDict: %s", strings.Join(errs, "; "))
	}
	for _, p := range params {
		copyInto(p.T, state[p.Name])
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
