package nabla_test

import (
	"math"
	"slices"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/gradcheck"
)

func TestCumsumCumprod(t *testing.T) {
	x := nabla.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	if got := nabla.Cumsum(x, 1).Float64s(); !slices.Equal(got, []float64{1, 3, 6, 4, 9, 15}) {
		t.Errorf("Cumsum axis 1: %v", got)
	}
	if got := nabla.Cumsum(x, -2).Float64s(); !slices.Equal(got, []float64{1, 2, 3, 5, 7, 9}) {
		t.Errorf("Cumsum axis 0: %v", got)
	}
	if got := nabla.Cumprod(x, 1).Float64s(); !slices.Equal(got, []float64{1, 2, 6, 4, 20, 120}) {
		t.Errorf("Cumprod: %v", got)
	}
	if got := nabla.Cumprod(nabla.Scalar(3), 0).Item(); got != 3 {
		t.Errorf("Cumprod of a scalar: %v", got)
	}
	panicsWith(t, "cumsum", "out of range", func() { nabla.Cumsum(x, 2) })
	panicsWith(t, "cumprod", "out of range", func() { nabla.Cumprod(nabla.Scalar(1), 1) })
	panicsWith(t, "cumsum", "int64", func() { nabla.Cumsum(nabla.FromInt64s([]int64{1}), 0) })
}

// TestCumprodGradientAtZeros compares the gradient of Σ w·cumprod(x) with
// ∂/∂x_i = Σ_{j≥i} w_j ∏_{k≤j, k≠i} x_k, computed directly, for slices with
// zeros: the out/x rule would give NaN or Inf there.
func TestCumprodGradientAtZeros(t *testing.T) {
	for _, xs := range [][]float64{
		{2, 0, 3, 4},
		{0, 2, 3, 4},
		{2, 3, 4, 0},
		{2, 0, 3, 0},
		{0, 0, 0, 5},
		{1.5, -2, 0.5, 3},
	} {
		w := []float64{0.5, -1, 2, 1.5}
		x := nabla.FromSlice(xs).SetRequiresGrad(true)
		nabla.Sum(nabla.Mul(nabla.Cumprod(x, 0), nabla.FromSlice(w))).Backward()
		got := x.Grad().Float64s()
		for i := range xs {
			want := 0.0
			for j := i; j < len(xs); j++ {
				p := w[j]
				for k := 0; k <= j; k++ {
					if k != i {
						p *= xs[k]
					}
				}
				want += p
			}
			if math.Abs(got[i]-want) > 1e-12 {
				t.Errorf("x = %v: gradient %d is %v, want %v", xs, i, got[i], want)
			}
		}
		f := func(v ...*nabla.Tensor) *nabla.Tensor { return nabla.Cumprod(v[0], 0) }
		if err := gradcheck.Check(f, []*nabla.Tensor{nabla.FromSlice(xs)}, nil); err != nil {
			t.Errorf("x = %v: %v", xs, err)
		}
	}
	// One zero per slice: second order is exact too.
	f := func(v ...*nabla.Tensor) *nabla.Tensor { return nabla.Cumprod(v[0], 1) }
	x := nabla.FromSlice([]float64{2, 0, 3, 4, 0.5, 1.5, -2, 0}, 2, 4)
	if err := gradcheck.CheckSecondOrder(f, []*nabla.Tensor{x}, nil); err != nil {
		t.Errorf("second order with one zero per slice: %v", err)
	}
}

func TestScanEmpty(t *testing.T) {
	x := nabla.Zeros(2, 0).SetRequiresGrad(true)
	nabla.Sum(nabla.Add(nabla.Cumprod(x, 1), nabla.Cumsum(x, 1))).Backward()
	if g := x.Grad(); g == nil || !slices.Equal(g.Shape(), []int{2, 0}) {
		t.Errorf("gradient of an empty scan: %v", g)
	}
}
