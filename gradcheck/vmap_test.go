package gradcheck_test

import (
	"math"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
)

// TestVmapRegisteredOps walks the op registry: for every primitive and each
// of its cases, Vmap of the op over a batch of three draws equals, bit for
// bit in float64, the op applied to each draw and stacked: with the batch
// on axis 0, on the last axis, and with only the first input mapped. It
// does the same for the op's reverse-mode rule (Vmap of a gradient), so that
// the Batch rules of the ops the VJP rules apply are checked too. Ops that
// Vmap runs example by example, having no Batch rule, are named in the log.
func TestVmapRegisteredOps(t *testing.T) {
	const n = 3
	var fellBack []string
	for _, op := range nabla.Ops() {
		if op.Batch == nil {
			fellBack = append(fellBack, op.Name)
		}
		for _, cs := range op.Cases {
			t.Run(op.Name+"/"+cs.Name, func(t *testing.T) {
				r := nabla.NewRand(5)
				draws := make([][]*nabla.Tensor, n)
				for k := range draws {
					draws[k] = cs.Inputs(r)
				}
				f := func(xs ...*nabla.Tensor) *nabla.Tensor { return op.Apply(cs.Params, xs...) }
				// g differentiates ⟨op(x), w⟩ with respect to the first
				// differentiable input, w a fixed weight of the output's shape.
				wrt := -1
				for i := range draws[0] {
					if !cs.IsConstant(i) && draws[0][i].DType().IsFloat() {
						wrt = i
						break
					}
				}
				w := nabla.Uniform(nabla.NewRand(9), -1, 1, f(draws[0]...).Shape()...)
				g := func(xs ...*nabla.Tensor) *nabla.Tensor {
					return nabla.Grad(func(ys ...*nabla.Tensor) *nabla.Tensor {
						return nabla.Sum(nabla.Mul(f(ys...), w))
					}, wrt)(xs...)
				}
				for _, v := range vmapVariants(draws) {
					checkVmap(t, "forward/"+v.name, f, draws, v)
					if wrt >= 0 {
						checkVmap(t, "gradient/"+v.name, g, draws, v)
					}
				}
			})
		}
	}
	t.Logf("ops without a Batch rule (Vmap runs them once per example): %s", strings.Join(fellBack, ", "))
}

// vmapVariant is a way of batching a case's draws: the in-axis of each
// input (NotMapped: not batched) and, for each input, the batched tensor.
type vmapVariant struct {
	name string
	axes []int
	args []*nabla.Tensor
}

func vmapVariants(draws [][]*nabla.Tensor) []vmapVariant {
	m := len(draws[0])
	stack := func(i, axis int) *nabla.Tensor {
		xs := make([]*nabla.Tensor, len(draws))
		for k := range draws {
			xs[k] = draws[k][i]
		}
		return nabla.Stack(axis, xs...)
	}
	first := vmapVariant{name: "axis0", axes: make([]int, m)}
	last := vmapVariant{name: "last-axis", axes: make([]int, m)}
	one := vmapVariant{name: "first-input-only", axes: make([]int, m)}
	for i := 0; i < m; i++ {
		first.args = append(first.args, stack(i, 0))
		r := draws[0][i].Dims()
		last.axes[i] = r
		last.args = append(last.args, stack(i, r))
		if i == 0 {
			one.args = append(one.args, stack(0, 0))
		} else {
			one.axes[i] = nabla.NotMapped
			one.args = append(one.args, draws[0][i])
		}
	}
	vs := []vmapVariant{first, last}
	if m > 1 {
		vs = append(vs, one)
	}
	return vs
}

func checkVmap(t *testing.T, what string, f nabla.Func, draws [][]*nabla.Tensor, v vmapVariant) {
	t.Helper()
	got, fell := nabla.VmapFallbacks(f, v.axes...)(v.args...)
	if len(fell) > 0 {
		t.Logf("%s: ran once per example: %s", what, strings.Join(fell, ", "))
	}
	outs := make([]*nabla.Tensor, len(draws))
	for k := range draws {
		ex := append([]*nabla.Tensor(nil), draws[k]...)
		for i, a := range v.axes {
			if a == nabla.NotMapped {
				ex[i] = draws[0][i]
			}
		}
		outs[k] = f(ex...)
	}
	want := nabla.Stack(0, outs...)
	if !equalShapes(got.Shape(), want.Shape()) {
		t.Fatalf("%s: Vmap gives shape %v, stacking gives %v", what, got.Shape(), want.Shape())
	}
	gv, wv := got.Float64s(), want.Float64s()
	for i := range wv {
		if math.Float64bits(gv[i]) != math.Float64bits(wv[i]) && !(math.IsNaN(gv[i]) && math.IsNaN(wv[i])) {
			t.Fatalf("%s: element %d of %v is %v, stacking gives %v (difference %g)", what, i, want.Shape(), gv[i], wv[i], gv[i]-wv[i])
		}
	}
}

func equalShapes(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
