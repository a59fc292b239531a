package nabla_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/nabla-go/nabla"
)

func TestCompileRosenbrock(t *testing.T) {
	vg := nabla.CompileValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor { return extendedRosenbrock(xs[0]) })
	for seed := uint64(1); seed < 5; seed++ {
		x := nabla.Uniform(nabla.NewRand(seed), -2, 2, 1000)
		y, gs := vg(x)
		want := make([]float64, 1000)
		f := extendedRosenbrockGrad(x.Float64s(), want)
		if math.Abs(y.Item()-f) > 1e-12*math.Abs(f) {
			t.Fatalf("value %v, want %v", y.Item(), f)
		}
		assertClose(t, "gradient", gs[0], want, 1e-14)
	}
}

// TestCompileRegisteredOps walks the op registry: for every op and case, the
// compiled value and gradient of Σ w·op(x), traced at one input and replayed
// at others (new values, new indices), must match ValueAndGrad there. A rule
// that computed something from values outside an op would be replayed with
// the traced values and fail here.
func TestCompileRegisteredOps(t *testing.T) {
	for _, op := range nabla.Ops() {
		for _, cs := range op.Cases {
			t.Run(op.Name+"/"+cs.Name, func(t *testing.T) {
				first := cs.Inputs(nabla.NewRand(7))
				var argnums []int
				for i := range first {
					if !cs.IsConstant(i) {
						argnums = append(argnums, i)
					}
				}
				if len(argnums) == 0 {
					t.Fatal("case has no differentiable input")
				}
				w := nabla.Uniform(nabla.NewRand(9), -1, 1, op.Apply(cs.Params, first...).Shape()...)
				f := func(xs ...*nabla.Tensor) *nabla.Tensor {
					return nabla.Sum(nabla.Mul(op.Apply(cs.Params, xs...), w))
				}
				compiled := nabla.CompileValueAndGrad(f, argnums...)
				eager := nabla.ValueAndGrad(f, argnums...)
				err := nabla.Catch(func() {
					for k, seed := range []uint64{7, 8, 8, 10} {
						xs := cs.Inputs(nabla.NewRand(seed))
						y, gs := compiled(xs...)
						wy, wgs := eager(xs...)
						assertClose(t, fmt.Sprintf("call %d: value", k), y, wy.Float64s(), 1e-12)
						for i := range gs {
							assertClose(t, fmt.Sprintf("call %d: gradient %d", k, i), gs[i], wgs[i].Float64s(), 1e-12)
						}
					}
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
	}
}
