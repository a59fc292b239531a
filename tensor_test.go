package nabla_test

import (
	"math"
	"testing"

	"github.com/nabla-go/nabla"
)

func m23() *nabla.Tensor { return nabla.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3) }

func TestShapeOps(t *testing.T) {
	x := m23()
	cases := []struct {
		name  string
		got   *nabla.Tensor
		shape []int
		want  []float64
	}{
		{"transpose", x.T(), []int{3, 2}, []float64{1, 4, 2, 5, 3, 6}},
		{"permute3d", nabla.Permute(nabla.Arange(0, 6, 1).Reshape(1, 2, 3), 2, 0, 1), []int{3, 1, 2}, []float64{0, 3, 1, 4, 2, 5}},
		{"reshape-infer", x.Reshape(-1, 2), []int{3, 2}, []float64{1, 2, 3, 4, 5, 6}},
		{"unsqueeze", nabla.Unsqueeze(x, 1), []int{2, 1, 3}, []float64{1, 2, 3, 4, 5, 6}},
		{"squeeze", nabla.Squeeze(nabla.Zeros(1, 2, 1)), []int{2}, []float64{0, 0}},
		{"expand", nabla.Expand(vec(1, 2), 2, 2), []int{2, 2}, []float64{1, 2, 1, 2}},
		{"slice-step", nabla.Slice(nabla.Arange(0, 7, 1), 0, 1, 7, 2), []int{3}, []float64{1, 3, 5}},
		{"slice-negative", nabla.Slice(x, 1, -2, 3, 1), []int{2, 2}, []float64{2, 3, 5, 6}},
		{"take", nabla.Take(x, 1, []int{2, 0, -1}), []int{2, 3}, []float64{3, 1, 3, 6, 4, 6}},
		{"index", nabla.Index(x, 1), []int{3}, []float64{4, 5, 6}},
		{"take-along", nabla.TakeAlongAxis(x, 1, []int{2, 0}), []int{2, 1}, []float64{3, 4}},
		{"concat", nabla.Concat(0, x, vec(7, 8, 9).Reshape(1, 3)), []int{3, 3}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"stack", nabla.Stack(1, vec(1, 2), vec(3, 4)), []int{2, 2}, []float64{1, 3, 2, 4}},
		{"split", nabla.Split(x, 1, 1, 2)[1], []int{2, 2}, []float64{2, 3, 5, 6}},
		{"chunk", nabla.Chunk(nabla.Arange(0, 4, 1), 0, 2)[1], []int{2}, []float64{2, 3}},
		{"flatten", nabla.Flatten(x), []int{6}, []float64{1, 2, 3, 4, 5, 6}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.got.Shape(); !equalInts(got, c.shape) {
				t.Fatalf("shape %v, want %v", got, c.shape)
			}
			assertClose(t, c.name, c.got, c.want, 0)
		})
	}
}

func equalInts(a, b []int) bool {
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

func TestReductions(t *testing.T) {
	x := m23()
	cases := []struct {
		name  string
		got   *nabla.Tensor
		shape []int
		want  []float64
	}{
		{"sum-all", nabla.Sum(x), []int{}, []float64{21}},
		{"sum-rows", nabla.Sum(x, 1), []int{2}, []float64{6, 15}},
		{"sum-cols-keep", nabla.SumKeep(x, 0), []int{1, 3}, []float64{5, 7, 9}},
		{"sum-negative-axis", nabla.Sum(x, -1), []int{2}, []float64{6, 15}},
		{"mean", nabla.Mean(x, 0), []int{3}, []float64{2.5, 3.5, 4.5}},
		{"max", nabla.Max(x, 1), []int{2}, []float64{3, 6}},
		{"min-keep", nabla.MinKeep(x, 0), []int{1, 3}, []float64{1, 2, 3}},
		{"prod", nabla.Prod(x, 1), []int{2}, []float64{6, 120}},
		{"var", nabla.Var(x, 1), []int{2}, []float64{2. / 3, 2. / 3}},
		{"var-unbiased", nabla.VarCorrected(x, 1, false, 1), []int{2}, []float64{1, 1}},
		{"std", nabla.Std(vec(2, 4, 4, 4, 5, 5, 7, 9)), []int{}, []float64{2}},
		{"logsumexp", nabla.LogSumExp(x, 1), []int{2}, []float64{math.Log(math.Exp(1) + math.Exp(2) + math.Exp(3)), math.Log(math.Exp(4) + math.Exp(5) + math.Exp(6))}},
		{"softmax-sums-to-1", nabla.Sum(nabla.Softmax(x, 1), 1), []int{2}, []float64{1, 1}},
		{"norm", nabla.Norm(vec(3, 4)), []int{}, []float64{5}},
		{"norm-1", nabla.NormP(vec(3, -4), 1), []int{}, []float64{7}},
		{"norm-inf", nabla.NormP(vec(3, -4), math.Inf(1)), []int{}, []float64{4}},
		{"norm-3", nabla.NormP(vec(1, 1), 3), []int{}, []float64{math.Cbrt(2)}},
		{"outer-axes", nabla.Sum(nabla.Arange(0, 12, 1).Reshape(2, 3, 2), 0, 2), []int{3}, []float64{14, 22, 30}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.got.Shape(); !equalInts(got, c.shape) {
				t.Fatalf("shape %v, want %v", got, c.shape)
			}
			assertClose(t, c.name, c.got, c.want, 1e-14)
		})
	}
	if got := nabla.Argmax(x, 1).Ints(); !equalInts(got, []int{2, 2}) {
		t.Errorf("argmax %v", got)
	}
	if got := nabla.Argmin(x, 0).Ints(); !equalInts(got, []int{0, 0, 0}) {
		t.Errorf("argmin %v", got)
	}
}

func TestMatMulShapes(t *testing.T) {
	a := nabla.Arange(0, 6, 1).Reshape(2, 3)
	b := nabla.Arange(0, 12, 1).Reshape(3, 4)
	assertClose(t, "2d", nabla.MatMul(a, b), []float64{20, 23, 26, 29, 56, 68, 80, 92}, 0)
	assertClose(t, "vector-matrix", nabla.MatMul(vec(1, 1, 1), b), []float64{12, 15, 18, 21}, 0)
	assertClose(t, "matrix-vector", nabla.MatMul(a, vec(1, 0, 1)), []float64{2, 8}, 0)
	assertClose(t, "dot", nabla.Dot(vec(1, 2, 3), vec(4, 5, 6)), []float64{32}, 0)
	assertClose(t, "outer", nabla.Outer(vec(1, 2), vec(3, 4)), []float64{3, 4, 6, 8}, 0)
	batch := nabla.MatMul(nabla.Stack(0, a, nabla.MulScalar(a, 2)), b)
	if !equalInts(batch.Shape(), []int{2, 2, 4}) {
		t.Fatalf("batched shape %v", batch.Shape())
	}
	assertClose(t, "batch 1", nabla.Index(batch, 1), []float64{40, 46, 52, 58, 112, 136, 160, 184}, 0)
	f32 := nabla.MatMul(a.As(nabla.Float32), b.As(nabla.Float32))
	if f32.DType() != nabla.Float32 {
		t.Fatal("float32 matmul changed dtype")
	}
	assertClose(t, "float32", f32, []float64{20, 23, 26, 29, 56, 68, 80, 92}, 0)
}

func TestConstructors(t *testing.T) {
	assertClose(t, "arange", nabla.Arange(0, 1, 0.25), []float64{0, 0.25, 0.5, 0.75}, 0)
	assertClose(t, "linspace", nabla.Linspace(0, 1, 5), []float64{0, 0.25, 0.5, 0.75, 1}, 0)
	assertClose(t, "eye", nabla.Eye(2), []float64{1, 0, 0, 1}, 0)
	assertClose(t, "full", nabla.Full(7, 2), []float64{7, 7}, 0)
	a := nabla.Randn(nabla.NewRand(1), 3).Float64s()
	b := nabla.Randn(nabla.NewRand(1), 3).Float64s()
	if a[0] != b[0] || a[2] != b[2] {
		t.Fatal("same seed gave different numbers")
	}
	// Fixed values: math/rand/v2's PCG is specified bit for bit, so these are
	// the numbers on every machine.
	assertClose(t, "seeded uniform", nabla.Rand(nabla.NewRand(42), 2), []float64{0.79018531957731852, 0.93943395917560057}, 0)
	if s := nabla.Scalar(2).Shape(); len(s) != 0 {
		t.Fatalf("scalar shape %v", s)
	}
}

func TestString(t *testing.T) {
	cases := []struct {
		t    *nabla.Tensor
		want string
	}{
		{nabla.Scalar(1.5), "tensor(1.5000)"},
		{vec(1, 2, 3), "tensor([1., 2., 3.])"},
		{m23().As(nabla.Float32), "tensor([[1., 2., 3.],\n        [4., 5., 6.]], dtype=float32)"},
		{vec(0.5, -1e-7), "tensor([ 5.0000e-01, -1.0000e-07])"},
		{variable(1), "tensor([1.], requires_grad=true)"},
		{nabla.Arange(0, 2000, 1), "tensor([   0.,    1.,    2., ..., 1997., 1998., 1999.])"},
	}
	for _, c := range cases {
		if got := c.t.String(); got != c.want {
			t.Errorf("got\n%s\nwant\n%s", got, c.want)
		}
	}
}
