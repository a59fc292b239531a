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
						// Some series skip a coefficient: rules must take nil for zero.
						if j != 1 || (ci+i)%2 == 0 {
							series[i][j] = Uniform(r, -1, 1, x.shape...)
						}
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

// The points where a recurrence would divide by zero or take the log of a
// negative number, and the rules that avoid them: integer powers at 0 (by
// products), a negative base with a constant exponent, relu and abs on
// either side of their kink; and a curve whose first coefficient is zero.
func TestJetEdgeCases(t *testing.T) {
	pw := func(p float64) Func { return func(xs ...*Tensor) *Tensor { return PowScalar(xs[0], p) } }
	cases := []struct {
		name string
		f    Func
		xs   []*Tensor
	}{
		{"square at 0", pw(2), []*Tensor{Scalar(0)}},
		{"cube at 0", pw(3), []*Tensor{Scalar(0)}},
		{"x^7 at -0.5", pw(7), []*Tensor{Scalar(-0.5)}},
		{"x^-1.5", pw(-1.5), []*Tensor{Scalar(0.8)}},
		{"pow negative base", func(xs ...*Tensor) *Tensor { return Pow(xs[0], Scalar(3)) }, []*Tensor{Scalar(-1.5)}},
		{"pow both vary", func(xs ...*Tensor) *Tensor { return Pow(xs[0], Mul(xs[0], xs[0])) }, []*Tensor{Scalar(1.3)}},
		{"relu", func(xs ...*Tensor) *Tensor { return Relu(Mul(xs[0], Sin(xs[0]))) }, []*Tensor{FromSlice([]float64{-1, 1}, 2)}},
		{"abs", func(xs ...*Tensor) *Tensor { return Abs(Exp(xs[0])) }, []*Tensor{FromSlice([]float64{-1, 1}, 2)}},
		{"elu", func(xs ...*Tensor) *Tensor { return Elu(Mul(xs[0], xs[0]), 1) }, []*Tensor{FromSlice([]float64{-1, 1}, 2)}},
		{"softmax", func(xs ...*Tensor) *Tensor { return Softmax(xs[0], -1) }, []*Tensor{FromSlice([]float64{-1, 0.5, 2}, 3)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := c.xs[0]
			// A curve whose first coefficient is zero: x(t) = x₀ + 0.7t² − 0.2t³.
			s := [][]*Tensor{{nil, FullLike(x, 0.7), FullLike(x, -0.2), nil, nil, nil}}
			_, got := Jet(c.f, c.xs, s)
			_, want := jetNested("test", c.f, c.xs, s, 6)
			for j := range want {
				jetAgree(t, fmt.Sprintf("coefficient %d", j+1), got[j], want[j], 1e-12)
			}
		})
	}
}
