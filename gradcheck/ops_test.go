package gradcheck_test

import (
	"math"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/gradcheck"
)

// TestRegisteredOps walks the op registry: every primitive's VJP and JVP rules
// are checked against central differences and against each other, to first
// and second order, on each of the op's cases; the float32 forward pass is
// checked against the float64 one. Registering an op is all it takes to have
// it tested here.
func TestRegisteredOps(t *testing.T) {
	ops := nabla.Ops()
	if len(ops) < 40 {
		t.Fatalf("only %d ops registered", len(ops))
	}
	for _, op := range ops {
		if len(op.Cases) == 0 {
			t.Errorf("op %s has no test cases", op.Name)
			continue
		}
		for _, cs := range op.Cases {
			t.Run(op.Name+"/"+cs.Name, func(t *testing.T) {
				r := nabla.NewRand(7)
				inputs := cs.Inputs(r)
				f := func(xs ...*nabla.Tensor) *nabla.Tensor { return op.Apply(cs.Params, xs...) }
				opts := &gradcheck.Options{Constant: cs.Constant}
				if err := gradcheck.Check(f, inputs, opts); err != nil {
					t.Errorf("first order: %v", err)
				}
				fast := &gradcheck.Options{Constant: cs.Constant, Fast: true, Seed: 3}
				if err := gradcheck.Check(f, inputs, fast); err != nil {
					t.Errorf("dot-product test: %v", err)
				}
				if err := gradcheck.CheckSecondOrder(f, inputs, opts); err != nil {
					t.Errorf("second order: %v", err)
				}
				checkFloat32(t, op, cs, inputs)
				checkAddVJP(t, op, cs, inputs)
			})
		}
	}
}

// checkAddVJP checks an op's AddVJP, where it has one, against its VJP: acc
// plus the VJP's gradient for input 0 must equal what AddVJP leaves in acc.
func checkAddVJP(t *testing.T, op *nabla.Op, cs nabla.Case, inputs []*nabla.Tensor) {
	if op.AddVJP == nil {
		return
	}
	r := nabla.NewRand(11)
	out := op.Apply(cs.Params, inputs...)
	g := nabla.Uniform(r, -1, 1, out.Shape()...)
	acc0 := nabla.Uniform(r, -1, 1, inputs[0].Shape()...)
	c := &nabla.Ctx{Inputs: inputs, Output: out, Params: cs.Params}
	want := nabla.Add(acc0, op.VJP(c, g)[0]).Float64s()
	acc := acc0.Clone()
	op.AddVJP(c, g, acc)
	got := acc.Float64s()
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Fatalf("AddVJP: element %d is %v, VJP gives %v", i, got[i], want[i])
		}
	}
}

func checkFloat32(t *testing.T, op *nabla.Op, cs nabla.Case, inputs []*nabla.Tensor) {
	if op.Name == "cast" {
		return
	}
	want := op.Apply(cs.Params, inputs...).Float64s()
	xs := make([]*nabla.Tensor, len(inputs))
	for i, x := range inputs {
		xs[i] = x.As(nabla.Float32)
	}
	y := op.Apply(cs.Params, xs...)
	if y.DType() != nabla.Float32 {
		t.Fatalf("float32 inputs gave a %s output", y.DType())
	}
	for i, g := range y.Float64s() {
		if math.Abs(g-want[i]) > 1e-5*(1+math.Abs(want[i])) {
			t.Errorf("float32 output %d = %v, float64 gives %v", i, g, want[i])
		}
	}
}
