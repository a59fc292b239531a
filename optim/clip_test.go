package optim

import (
	"errors"
	"math"
	"testing"

	"github.com/nabla-go/nabla"
)

// withGrads returns parameters of the given dtype whose gradients hold vals
// (nil for no gradient).
func withGrads(dt nabla.DType, vals ...[]float64) []*nabla.Tensor {
	out := make([]*nabla.Tensor, len(vals))
	for i, v := range vals {
		n := max(len(v), 1)
		out[i] = nabla.New(dt, n).SetRequiresGrad(true)
		if v != nil {
			out[i].SetGrad(nabla.FromSlice(v).As(dt))
		}
	}
	return out
}

func grads(ps []*nabla.Tensor) [][]float64 {
	out := make([][]float64, len(ps))
	for i, p := range ps {
		if p.Grad() != nil {
			out[i] = p.Grad().Float64s()
		}
	}
	return out
}

func TestClipGradNorm(t *testing.T) {
	const eps = 1e-6
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		tol := 1e-15
		if dt == nabla.Float32 {
			tol = 1e-7
		}
		for _, c := range []struct {
			name    string
			grads   [][]float64
			maxNorm float64
			total   float64
			want    [][]float64
		}{
			// ‖(3, 4)‖ = 5 > 1: scaled by 1/(5+1e-6).
			{"clipped", [][]float64{{3}, {4}, nil}, 1, 5, [][]float64{{3 / (5 + eps)}, {4 / (5 + eps)}, nil}},
			{"below", [][]float64{{3}, {4}, nil}, 10, 5, [][]float64{{3}, {4}, nil}},
			// At exactly the maximum, the +1e-6 makes the factor just below 1, as in PyTorch.
			{"at_max", [][]float64{{3, 4}}, 5, 5, [][]float64{{3 * 5 / (5 + eps), 4 * 5 / (5 + eps)}}},
			{"no_grads", [][]float64{nil}, 1, 0, [][]float64{nil}},
		} {
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				ps := withGrads(dt, c.grads...)
				total, err := ClipGradNorm(ps, c.maxNorm, true)
				if err != nil || !near(total, c.total, tol) {
					t.Fatalf("got (%v, %v), want (%v, nil)", total, err, c.total)
				}
				for i, g := range grads(ps) {
					for j := range g {
						if !near(g[j], c.want[i][j], tol) {
							t.Errorf("grad %d[%d] = %.17g, want %.17g", i, j, g[j], c.want[i][j])
						}
					}
				}
			})
		}
	}
	t.Run("non_finite", func(t *testing.T) {
		for _, bad := range []float64{math.NaN(), math.Inf(1)} {
			ps := withGrads(nabla.Float64, []float64{bad, 1})
			total, err := ClipGradNorm(ps, 1, true)
			if !errors.Is(err, ErrNonFiniteNorm) || !(math.IsNaN(total) || math.IsInf(total, 1)) {
				t.Errorf("grad %v: got (%v, %v), want ErrNonFiniteNorm", bad, total, err)
			}
			if g := grads(ps)[0]; g[1] != 1 {
				t.Errorf("grad %v: gradients changed to %v despite the error", bad, g)
			}
			// Without the check, PyTorch's arithmetic applies: the factor is
			// NaN or 0, and the bad element becomes NaN.
			if _, err := ClipGradNorm(ps, 1, false); err != nil {
				t.Errorf("errorIfNonFinite=false returned %v", err)
			}
			if g := grads(ps)[0]; !math.IsNaN(g[0]) {
				t.Errorf("grad %v: became %v, want NaN as in PyTorch", bad, g[0])
			}
		}
	})
}

func TestGradNorms(t *testing.T) {
	ps := withGrads(nabla.Float32, []float64{3, 4}, nil, []float64{-12})
	if got := GradNorm(ps); !near(got, 13, 1e-15) {
		t.Errorf("GradNorm = %v, want 13", got)
	}
	got := GradNorms(ps)
	if len(got) != 3 || got[0] != 5 || got[1] != 0 || got[2] != 12 {
		t.Errorf("GradNorms = %v, want [5 0 12]", got)
	}
}

func TestClipGradValue(t *testing.T) {
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		t.Run(dt.String(), func(t *testing.T) {
			ps := withGrads(dt, []float64{-3, -0.5, 0, 0.5, 3}, nil, []float64{math.NaN()})
			ClipGradValue(ps, 1)
			g := grads(ps)
			want := []float64{-1, -0.5, 0, 0.5, 1}
			for i := range want {
				if g[0][i] != want[i] {
					t.Errorf("got %v, want %v", g[0], want)
					break
				}
			}
			if !math.IsNaN(g[2][0]) {
				t.Errorf("NaN became %v", g[2][0])
			}
		})
	}
}
