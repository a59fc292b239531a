package nabla

import (
	"fmt"
	"math"
	"testing"
)

// jetOrder is the order the registry walk expands every op to.
const jetOrder = 5

// TestJetRegistry walks every registered op and checks Jet's coefficients
// to order 5, on each of the op's cases, against nested reverse mode (the
// derivatives of t ↦ op(x(t)) taken through one another, an independent
// computation), in float64: ops with a Jet rule check the rule, the others
// the fallback through their JVP rule.
func TestJetRegistry(t *testing.T) {
	for _, op := range Ops() {
		for ci, cs := range op.Cases {
			t.Run(op.Name+"/"+cs.Name, func(t *testing.T) {
				r := NewRand(uint64(17 + ci))
				xs := cs.Inputs(r)
				series := make([][]*Tensor, len(xs))
				for i, x := range xs {
					series[i] = make([]*Tensor, jetOrder)
					if cs.IsConstant(i) || !x.dtype.IsFloat() {
						continue
					}
					for j := range series[i] {
						series[i][j] = Uniform(r, -1, 1, x.shape...)
					}
				}
				f := func(xs ...*Tensor) *Tensor { return op.Apply(cs.Params, xs...) }
				y, got := Jet(f, xs, series)
				wy, want := jetNested("test", f, xs, series, jetOrder)
				jetAgree(t, "primal", y, wy, 0)
				for j := range want {
					jetAgree(t, fmt.Sprintf("coefficient %d", j+1), got[j], want[j], jetTol(op.Name))
				}
			})
		}
	}
}

// jetTol is the relative tolerance of the registry walk: both sides are
// exact to rounding, but the reference's rounding grows with its graphs.
func jetTol(name string) float64 {
	switch name {
	case "eigh", "svd", "qr", "matrix_exp", "linalg_gap_div":
		return 1e-8
	}
	return 1e-10
}

func jetAgree(t *testing.T, what string, got, want *Tensor, tol float64) {
	t.Helper()
	if !sameShape(got.shape, want.shape) {
		t.Fatalf("%s: shape %s, want %s", what, fmtShape(got.shape), fmtShape(want.shape))
	}
	g, w := got.Float64s(), want.Float64s()
	scale := 1.0
	for _, v := range w {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range g {
		if d := math.Abs(g[i] - w[i]); d > tol*scale || math.IsNaN(g[i]) != math.IsNaN(w[i]) {
			t.Errorf("%s: element %d is %.17g, want %.17g (error %.2g, scale %.2g)", what, i, g[i], w[i], d, scale)
			return
		}
	}
}
