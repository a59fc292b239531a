package nabla_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/safetensors"
)

func TestIntBoolCreation(t *testing.T) {
	b := nabla.FromBools([]bool{true, false, true, true}, 2, 2)
	if b.DType() != nabla.Bool || !slices.Equal(b.Bools(), []bool{true, false, true, true}) {
		t.Fatalf("FromBools: %v %v", b.DType(), b.Bools())
	}
	i := nabla.FromInt64s([]int64{3, -1, 7})
	if i.DType() != nabla.Int64 || !slices.Equal(i.Int64s(), []int64{3, -1, 7}) || !slices.Equal(i.Ints(), []int{3, -1, 7}) {
		t.Fatalf("FromInt64s: %v %v", i.DType(), i.Int64s())
	}
	if got := b.String(); got != "tensor([[ True, False],\n        [ True,  True]])" {
		t.Errorf("Bool String: %q", got)
	}
	if got := i.String(); got != "tensor([ 3, -1,  7])" {
		t.Errorf("Int64 String: %q", got)
	}
	if i.RawFloat64() != nil || i.RawFloat32() != nil {
		t.Error("an Int64 tensor exposes float storage")
	}
	// Shape ops work on data tensors.
	if got := nabla.Reshape(b, 4).Bools(); !slices.Equal(got, []bool{true, false, true, true}) {
		t.Errorf("Reshape of Bool: %v", got)
	}
	if got := nabla.Take(i, 0, []int{2, 0}); got.DType() != nabla.Int64 || !slices.Equal(got.Int64s(), []int64{7, 3}) {
		t.Errorf("Take of Int64: %v", got)
	}
	if got := nabla.Concat(0, i, i).Size(); got != 6 {
		t.Errorf("Concat of Int64: %d elements", got)
	}
	panicsWith(t, "FromInt64s", "beyond ±2^53", func() { nabla.FromInt64s([]int64{1 << 60}) })
	panicsWith(t, "FromBools", "do not fill", func() { nabla.FromBools([]bool{true}, 2) })
}

func TestConversions(t *testing.T) {
	x := nabla.FromSlice([]float64{-1.7, 0, 2.5, 3})
	if got := x.As(nabla.Int64).Int64s(); !slices.Equal(got, []int64{-1, 0, 2, 3}) {
		t.Errorf("float to Int64: %v", got)
	}
	if got := x.As(nabla.Bool).Bools(); !slices.Equal(got, []bool{true, false, true, true}) {
		t.Errorf("float to Bool: %v", got)
	}
	m := nabla.FromBools([]bool{true, false})
	if got := m.As(nabla.Float32); got.DType() != nabla.Float32 || !slices.Equal(got.Float32s(), []float32{1, 0}) {
		t.Errorf("Bool to float32: %v", got)
	}
	if got := m.As(nabla.Int64).Int64s(); !slices.Equal(got, []int64{1, 0}) {
		t.Errorf("Bool to Int64: %v", got)
	}
	w := nabla.FromSlice([]float64{1.5, 2}).SetRequiresGrad(true)
	if c := w.As(nabla.Int64); c.RequiresGrad() {
		t.Error("a conversion to Int64 is recorded")
	}
	panicsWith(t, "As", "has no Int64 value", func() { nabla.FromSlice([]float64{nabla.Scalar(0).Item() / 0 * 0}).As(nabla.Int64) })
}

func TestNonFloatIsNotDifferentiable(t *testing.T) {
	i := nabla.FromInt64s([]int64{1, 2})
	b := nabla.FromBools([]bool{true, false})
	panicsWith(t, "SetRequiresGrad", "cannot require grad", func() { i.SetRequiresGrad(true) })
	panicsWith(t, "add", "input 0 is a int64 tensor", func() { nabla.Add(i, i) })
	panicsWith(t, "exp", "input 0 is a bool tensor", func() { nabla.Exp(b) })
	panicsWith(t, "sum", "only float64 and float32", func() { nabla.Sum(b) })
	panicsWith(t, "Dual", "cannot carry a tangent", func() { nabla.Dual(b, b) })
	panicsWith(t, "Backward", "bool tensor (a comparison, an index): it is a constant", func() {
		nabla.FromSlice([]float64{1}).SetRequiresGrad(true).Greater(nabla.Scalar(0)).Backward(nabla.Seed(b))
	})
}

func TestComparisons(t *testing.T) {
	a := nabla.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := nabla.FromSlice([]float64{2, 2, 2})
	cases := []struct {
		name string
		got  *nabla.Tensor
		want []bool
	}{
		{"greater", a.Greater(b), []bool{false, false, true, true, true, true}},
		{"greater_equal", a.GreaterEqual(b), []bool{false, true, true, true, true, true}},
		{"less", a.Less(b), []bool{true, false, false, false, false, false}},
		{"less_equal", a.LessEqual(b), []bool{true, true, false, false, false, false}},
		{"equal", a.Equal(b), []bool{false, true, false, false, false, false}},
		{"not_equal", a.NotEqual(b), []bool{true, false, true, true, true, true}},
		{"scalar", nabla.Greater(nabla.Scalar(3), a), []bool{true, true, false, false, false, false}},
		{"and", nabla.LogicalAnd(a.Greater(b), a.Less(nabla.Scalar(5))), []bool{false, false, true, true, false, false}},
		{"or", nabla.LogicalOr(a.Less(b), a.Equal(nabla.Scalar(6))), []bool{true, false, false, false, false, true}},
		{"xor", nabla.LogicalXor(a.Greater(b), a.Greater(nabla.Scalar(4))), []bool{false, false, true, true, false, false}},
		{"not", a.Greater(b).LogicalNot(), []bool{true, true, false, false, false, false}},
		{"float32-vs-float64", a.As(nabla.Float32).Greater(b), []bool{false, false, true, true, true, true}},
	}
	for _, c := range cases {
		if c.got.DType() != nabla.Bool || !slices.Equal(c.got.Shape(), []int{2, 3}) || !slices.Equal(c.got.Bools(), c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	panicsWith(t, "greater", "", func() { nabla.Greater(a, nabla.Zeros(2)) })
}

// TestComparisonsAreConstant checks that a mask computed from variables is
// not recorded, carries no tangent, and that Where routes the gradient by it.
func TestComparisonsAreConstant(t *testing.T) {
	x := nabla.FromSlice([]float64{-1, 2, -3, 4}).SetRequiresGrad(true)
	m := x.Greater(nabla.Scalar(0))
	if m.RequiresGrad() || !m.IsLeaf() {
		t.Fatal("a comparison was recorded")
	}
	d := nabla.Dual(nabla.FromSlice([]float64{1, 2}), nabla.Ones(2))
	if d.Less(nabla.Scalar(1.5)).Tangent() != nil {
		t.Fatal("a comparison carries a tangent")
	}
	// relu by hand: where(x > 0, x, 0) · 3
	y := nabla.Sum(nabla.MulScalar(nabla.Where(m, x, nabla.ZerosLike(x)), 3))
	y.Backward()
	if got := x.Grad().Float64s(); !slices.Equal(got, []float64{0, 3, 0, 3}) {
		t.Errorf("gradient through Where with a Bool mask: %v", got)
	}
	// A float condition still works (nonzero is true).
	if got := nabla.Where(nabla.FromSlice([]float64{0, 0.5}), nabla.Ones(2), nabla.Zeros(2)).Float64s(); !slices.Equal(got, []float64{0, 1}) {
		t.Errorf("float condition: %v", got)
	}
	// Where of Int64 branches gives Int64.
	if got := nabla.Where(nabla.FromBools([]bool{true, false}), nabla.FromInt64s([]int64{1, 2}), nabla.FromInt64s([]int64{3, 4})); got.DType() != nabla.Int64 || !slices.Equal(got.Int64s(), []int64{1, 4}) {
		t.Errorf("Where of Int64: %v", got)
	}
}

// TestComparisonsInArena runs masks through an arena's Do and Release and
// the backward pass's recycling.
func TestComparisonsInArena(t *testing.T) {
	var a nabla.Arena
	tp := nabla.NewTape()
	x := nabla.Randn(nabla.NewRand(1), 64, 64).SetRequiresGrad(true)
	tp.Bind(x)
	for step := 0; step < 3; step++ {
		var loss *nabla.Tensor
		a.Do(tp, func() {
			m := x.Greater(nabla.Scalar(0))
			loss = nabla.Sum(nabla.Where(m, nabla.Square(x), nabla.Neg(x)))
			loss.Backward()
		})
		want := 0.0
		for _, v := range x.Float64s() {
			if v > 0 {
				want += v * v
			} else {
				want -= v
			}
		}
		if got := loss.Item(); got-want > 1e-9 || want-got > 1e-9 {
			t.Fatalf("step %d: %v, want %v", step, got, want)
		}
		a.Release()
		x.ZeroGrad()
	}
}

func TestArgmaxInt64(t *testing.T) {
	x := nabla.FromSlice([]float64{1, 5, 5, 7, 0, 2}, 2, 3)
	got := nabla.Argmax(x, 1)
	if got.DType() != nabla.Int64 || !slices.Equal(got.Shape(), []int{2}) || !slices.Equal(got.Int64s(), []int64{1, 0}) {
		t.Errorf("Argmax: %v", got)
	}
	if got := nabla.Argmin(x, 0); !slices.Equal(got.Ints(), []int{0, 1, 1}) {
		t.Errorf("Argmin: %v", got)
	}
	panicsWith(t, "argmax", "is empty", func() { nabla.Argmax(nabla.Zeros(2, 0), 1) })
}

// TestDataSafetensorsRoundTrip stores Bool and Int64 tensors as BOOL and I64
// and reads them back.
func TestDataSafetensorsRoundTrip(t *testing.T) {
	m := nabla.FromBools([]bool{true, false, true}, 3)
	labels := nabla.FromInt64s([]int64{4, 0, 9, 1 << 40}, 2, 2)
	f := &safetensors.File{Tensors: map[string]safetensors.Tensor{
		"mask":   safetensors.FromBool(m.Shape(), m.Bools()),
		"labels": safetensors.FromInt64(labels.Shape(), labels.Int64s()),
	}}
	var buf bytes.Buffer
	if err := safetensors.Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	g, err := safetensors.Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if g.Tensors["mask"].DType != "BOOL" || g.Tensors["labels"].DType != "I64" {
		t.Fatalf("dtypes %s %s", g.Tensors["mask"].DType, g.Tensors["labels"].DType)
	}
	mv, _ := g.Tensors["mask"].Int64()
	bs := make([]bool, len(mv))
	for i, v := range mv {
		bs[i] = v != 0
	}
	if got := nabla.FromBools(bs, g.Tensors["mask"].Shape...); !slices.Equal(got.Bools(), m.Bools()) {
		t.Errorf("mask: %v", got)
	}
	lv, _ := g.Tensors["labels"].Int64()
	if got := nabla.FromInt64s(lv, g.Tensors["labels"].Shape...); !slices.Equal(got.Int64s(), labels.Int64s()) || !slices.Equal(got.Shape(), []int{2, 2}) {
		t.Errorf("labels: %v", got)
	}
}

// panicsWith checks that f panics with a *nabla.Error for op whose message
// contains want.
func panicsWith(t *testing.T, op, want string, f func()) {
	t.Helper()
	err := nabla.Catch(f)
	if err == nil {
		t.Errorf("%s: no panic", op)
		return
	}
	e := err.(*nabla.Error)
	if e.Op != op || !strings.Contains(e.Msg, want) {
		t.Errorf("%s: panicked with %v, want op %s and %q", op, err, op, want)
	}
	if !strings.Contains(e.Where, "_test.go") {
		t.Errorf("%s: located at %q, not the caller's line", op, e.Where)
	}
}

// TestComparisonsCompiled replays masks and Argmax in a compiled function.
func TestComparisonsCompiled(t *testing.T) {
	f := nabla.Compile(func(xs ...*nabla.Tensor) *nabla.Tensor {
		x := xs[0]
		m := nabla.LogicalOr(x.Greater(nabla.Scalar(1)), x.Less(nabla.Scalar(-1)))
		return nabla.Add(nabla.Where(m, x, nabla.ZerosLike(x)), nabla.Argmax(x, 0).As(nabla.Float64))
	})
	for _, v := range [][]float64{{0.5, 2, -3}, {3, 0, -0.5}, {-2, 1.5, 4}} {
		got := f(nabla.FromSlice(v)).Float64s()
		arg := 0
		for i := range v {
			if v[i] > v[arg] {
				arg = i
			}
		}
		for i, x := range v {
			want := float64(arg)
			if x > 1 || x < -1 {
				want += x
			}
			if got[i] != want {
				t.Fatalf("%v: element %d is %v, want %v", v, i, got[i], want)
			}
		}
	}
}
