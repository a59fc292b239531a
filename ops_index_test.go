package nabla_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/gradcheck"
)

// TestCompositeOpsDerivatives checks the ops built on gather, scatter_add
// and MatMul as the registry test checks primitives: VJP and JVP against
// finite differences, the dot-product test, second order, and float32
// against float64.
func TestCompositeOpsDerivatives(t *testing.T) {
	idx := nabla.FromInt64s([]int64{0, 2, 1, 0, 2, 2, 0, 1}, 2, 4)
	ia := nabla.FromInt64s([]int64{2, 0, 2})
	cases := []struct {
		name   string
		f      func(xs ...*nabla.Tensor) *nabla.Tensor
		shapes [][]int
	}{
		{"sort", func(xs ...*nabla.Tensor) *nabla.Tensor { v, _ := nabla.Sort(xs[0], 1, false); return v }, [][]int{{3, 4}}},
		{"sort-descending-axis0", func(xs ...*nabla.Tensor) *nabla.Tensor { v, _ := nabla.Sort(xs[0], 0, true); return v }, [][]int{{3, 2}}},
		{"topk", func(xs ...*nabla.Tensor) *nabla.Tensor { v, _ := nabla.TopK(xs[0], 2, -1, true); return v }, [][]int{{2, 5}}},
		{"pad-constant", func(xs ...*nabla.Tensor) *nabla.Tensor {
			return nabla.Pad(xs[0], []int{1, 2, -1, 1}, nabla.PadConstant, 0.5)
		}, [][]int{{3, 4}}},
		{"pad-reflect", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Pad(xs[0], []int{2, 1}, nabla.PadReflect, 0) }, [][]int{{2, 4}}},
		{"pad-replicate", func(xs ...*nabla.Tensor) *nabla.Tensor {
			return nabla.Pad(xs[0], []int{1, 2, 2, 0}, nabla.PadReplicate, 0)
		}, [][]int{{2, 3}}},
		{"pad-circular", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Pad(xs[0], []int{3, 1}, nabla.PadCircular, 0) }, [][]int{{2, 3}}},
		{"scatter_add", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.ScatterAdd(xs[0], 0, idx, xs[1]) }, [][]int{{3, 4}, {2, 4}}},
		{"index_add", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.IndexAdd(xs[0], 1, ia, xs[1]) }, [][]int{{2, 3}, {2, 3}}},
		{"einsum-matmul", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Einsum("ij,jk->ik", xs...) }, [][]int{{2, 3}, {3, 2}}},
		{"einsum-trace", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Einsum("ii", xs...) }, [][]int{{3, 3}}},
		{"einsum-bilinear", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Einsum("i,ij,j->", xs...) }, [][]int{{2}, {2, 3}, {3}}},
		{"einsum-batch-diagonal", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Einsum("bii,bj->bji", xs...) }, [][]int{{2, 2, 2}, {2, 3}}},
		{"einsum-broadcast", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Einsum("ij,ij->j", xs...) }, [][]int{{1, 3}, {2, 3}}},
		{"einsum-ellipsis", func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Einsum("...ij,...jk->...ik", xs...) }, [][]int{{2, 1, 2, 3}, {2, 3, 2}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := nabla.NewRand(5)
			xs := make([]*nabla.Tensor, len(c.shapes))
			for i, s := range c.shapes {
				xs[i] = nabla.Uniform(r, -2, 2, s...)
			}
			if err := gradcheck.Check(c.f, xs, nil); err != nil {
				t.Errorf("first order: %v", err)
			}
			if err := gradcheck.Check(c.f, xs, &gradcheck.Options{Fast: true, Seed: 3}); err != nil {
				t.Errorf("dot-product test: %v", err)
			}
			if err := gradcheck.CheckSecondOrder(c.f, xs, nil); err != nil {
				t.Errorf("second order: %v", err)
			}
			want := c.f(xs...).Float64s()
			x32 := make([]*nabla.Tensor, len(xs))
			for i, x := range xs {
				x32[i] = x.As(nabla.Float32)
			}
			y := c.f(x32...)
			if y.DType() != nabla.Float32 {
				t.Fatalf("float32 inputs gave %s", y.DType())
			}
			for i, v := range y.Float64s() {
				if d := v - want[i]; d > 1e-5*(1+abs(want[i])) || -d > 1e-5*(1+abs(want[i])) {
					t.Errorf("float32 output %d = %v, float64 gives %v", i, v, want[i])
				}
			}
		})
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestSortStableAndNaN(t *testing.T) {
	nan := nabla.Scalar(0).Item() / 0 * 0
	x := nabla.FromSlice([]float64{2, nan, 1, 2, -1})
	v, i := nabla.Sort(x, 0, false)
	if got := i.Ints(); !slices.Equal(got, []int{4, 2, 0, 3, 1}) {
		t.Errorf("ascending indices %v", got)
	}
	if got := v.Float64s(); got[4] == got[4] {
		t.Errorf("NaN does not sort last: %v", got)
	}
	_, i = nabla.Sort(x, 0, true)
	if got := i.Ints(); !slices.Equal(got, []int{1, 0, 3, 2, 4}) {
		t.Errorf("descending indices %v", got)
	}
	// Data tensors sort too, and so do masks under Pad.
	if v, _ := nabla.Sort(nabla.FromInt64s([]int64{3, 1, 2}), 0, false); !slices.Equal(v.Int64s(), []int64{1, 2, 3}) || v.DType() != nabla.Int64 {
		t.Errorf("Sort of Int64: %v", v)
	}
	if got := nabla.Pad(nabla.FromBools([]bool{true}), []int{1, 1}, nabla.PadConstant, 0); !slices.Equal(got.Bools(), []bool{false, true, false}) {
		t.Errorf("Pad of Bool: %v", got)
	}
}

func TestNewOpsErrors(t *testing.T) {
	x := nabla.Zeros(2, 3)
	i64 := func(v ...int64) *nabla.Tensor { return nabla.FromInt64s(v) }
	cases := []struct {
		op, want string
		f        func()
	}{
		{"sort", "out of range", func() { nabla.Sort(x, 2, false) }},
		{"topk", "k = 4 is out of range", func() { nabla.TopK(x, 4, 1, true) }},
		{"topk", "scalar", func() { nabla.TopK(nabla.Scalar(1), 1, 0, true) }},
		{"pad", "(before, after) pairs", func() { nabla.Pad(x, []int{1}, nabla.PadConstant, 0) }},
		{"pad", "at most 4", func() { nabla.Pad(x, []int{1, 1, 1, 1, 1, 1}, nabla.PadConstant, 0) }},
		{"pad", "smaller than its size 3", func() { nabla.Pad(x, []int{3, 0}, nabla.PadReflect, 0) }},
		{"pad", "at most its size 3", func() { nabla.Pad(x, []int{4, 0}, nabla.PadCircular, 0) }},
		{"pad", "negative size", func() { nabla.Pad(x, []int{-2, -2}, nabla.PadConstant, 0) }},
		{"pad", "unknown mode", func() { nabla.Pad(x, nil, nabla.PadMode(9), 0) }},
		{"scatter_add", "Int64", func() { nabla.ScatterAdd(x, 0, nabla.Zeros(1, 3), x) }},
		{"scatter_add", "out of range for axis 0 of size 2", func() { nabla.ScatterAdd(x, 0, nabla.FromInt64s([]int64{0, 2, 1}, 1, 3), x) }},
		{"scatter_add", "same number of dimensions", func() { nabla.ScatterAdd(x, 0, i64(0), x) }},
		{"scatter_add", "does not fit", func() { nabla.ScatterAdd(x, 0, nabla.FromInt64s(make([]int64, 8), 2, 4), x) }},
		{"index_add", "want (2, 2)", func() { nabla.IndexAdd(x, 1, i64(0, 1), x) }},
		{"index_add", "out of range for axis 1 of size 3", func() { nabla.IndexAdd(x, 1, i64(3), nabla.Zeros(2, 1)) }},
		{"index_add", "want a vector", func() { nabla.IndexAdd(x, 1, nabla.FromInt64s([]int64{0}, 1, 1), x) }},
		{"einsum", "position 2: unexpected character '*'", func() { nabla.Einsum("ij*jk", x, x) }},
		{"einsum", "position 3: a '.' that does not start an ellipsis", func() { nabla.Einsum("ij,..", x, x) }},
		{"einsum", "position 4: a second ellipsis", func() { nabla.Einsum("...i...", x) }},
		{"einsum", "position 6: operand 0 has 3 labels and an ellipsis", func() { nabla.Einsum("...ijk", x) }},
		{"einsum", "label the ellipsis's dimension 0 from the right has size 2 in operand 0 and size 4", func() { nabla.Einsum("...i,...i", x, nabla.Zeros(4, 3)) }},
		{"einsum", "has 2 operands, but 1 tensors", func() { nabla.Einsum("ij,jk->ik", x) }},
		{"einsum", "position 1: operand 0 has 1 labels for a tensor of 2 dimensions", func() { nabla.Einsum("i->i", x) }},
		{"einsum", "position 3: operand 0 has 3 labels for a tensor of 2 dimensions", func() { nabla.Einsum("ijk,jk->i", x, x) }},
		{"einsum", "position 5: output label 'z'", func() { nabla.Einsum("ij->iz", x) }},
		{"einsum", "position 5: output label 'i' repeats", func() { nabla.Einsum("ij->ii", x) }},
		{"einsum", "position 6: a second \"->\"", func() { nabla.Einsum("ij->ji->ij", x) }},
		{"einsum", "label 'j' has size 3 in operand 0 and size 2", func() { nabla.Einsum("ij,jk", x, x) }},
		{"einsum", "label 'i' has size 2 in operand 0 and size 3 in operand 0", func() { nabla.Einsum("ii", x) }},
		{"einsum", "repeats in operand 0 with sizes 1 and 3", func() { nabla.Einsum("ii", nabla.Zeros(1, 3)) }},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%s", c.op, c.want), func(t *testing.T) { panicsWith(t, c.op, c.want, c.f) })
	}
}

// TestSortInCompileIsAnError checks that a compiled function that sorts
// reports it, rather than replay the first call's order.
func TestSortInCompileIsAnError(t *testing.T) {
	f := nabla.Compile(func(xs ...*nabla.Tensor) *nabla.Tensor { v, _ := nabla.Sort(xs[0], 0, false); return v })
	panicsWith(t, "sort", "compiled function", func() { f(nabla.FromSlice([]float64{2, 1})) })
}
