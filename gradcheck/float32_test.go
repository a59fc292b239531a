package gradcheck_test

import (
	"math"
	"testing"

	"github.com/nabla-go/nabla"
)

// TestRegisteredOpsFloat32Derivatives walks the registry: on each op's cases,
// the VJP (a backward pass), the JVP (a forward-mode tangent) and a
// second-order product (the tangent of the VJP, forward over reverse)
// computed in float32 agree with float64's to float32's accuracy. Finite
// differences need float64, so this is how float32 rules are checked.
func TestRegisteredOpsFloat32Derivatives(t *testing.T) {
	for _, op := range nabla.Ops() {
		if op.Name == "cast" {
			continue
		}
		for _, cs := range op.Cases {
			t.Run(op.Name+"/"+cs.Name, func(t *testing.T) {
				r := nabla.NewRand(13)
				inputs := cs.Inputs(r)
				out := op.Apply(cs.Params, inputs...)
				g := nabla.Uniform(r, -1, 1, out.Shape()...)
				dirs := make([]*nabla.Tensor, len(inputs))
				for i, x := range inputs {
					if !cs.IsConstant(i) {
						dirs[i] = nabla.Uniform(r, -1, 1, x.Shape()...)
					}
				}
				run := func(dt nabla.DType) []*nabla.Tensor {
					xs := make([]*nabla.Tensor, len(inputs))
					var vars []*nabla.Tensor
					for i, x := range inputs {
						xs[i] = x.As(dt).Detach()
						if dirs[i] != nil {
							xs[i] = nabla.Dual(xs[i].SetRequiresGrad(true), dirs[i].As(dt))
							vars = append(vars, xs[i])
						}
					}
					y := op.Apply(cs.Params, xs...)
					res := []*nabla.Tensor{y.Tangent()}
					if len(vars) > 0 && y.RequiresGrad() {
						for _, gr := range nabla.Gradients([]*nabla.Tensor{y}, vars, nabla.Seed(g.As(dt)), nabla.AllowUnused()) {
							if gr != nil {
								res = append(res, gr, gr.Tangent())
							}
						}
					}
					return res
				}
				want, got := run(nabla.Float64), run(nabla.Float32)
				if len(want) != len(got) {
					t.Fatalf("%d results in float32, %d in float64", len(got), len(want))
				}
				for k := range want {
					if want[k] == nil || got[k] == nil {
						if (want[k] == nil) != (got[k] == nil) {
							t.Fatalf("result %d: float32 %v, float64 %v", k, got[k], want[k])
						}
						continue
					}
					w64, g32 := want[k].Float64s(), got[k].Float64s()
					scale := 0.0
					for _, v := range w64 {
						scale = math.Max(scale, math.Abs(v))
					}
					for i := range w64 {
						if d := math.Abs(g32[i] - w64[i]); !(d <= 1e-4*(1+scale)) && !(math.IsNaN(w64[i]) && math.IsNaN(g32[i])) {
							t.Errorf("result %d element %d: float32 %v, float64 %v", k, i, g32[i], w64[i])
						}
					}
				}
			})
		}
	}
}
