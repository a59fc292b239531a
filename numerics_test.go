package nabla_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
)

// Conventions at points where a derivative jumps, chosen as PyTorch does.
func TestConventionsAtNonDifferentiablePoints(t *testing.T) {
	grad := func(f func(x *nabla.Tensor) *nabla.Tensor, at ...float64) *nabla.Tensor {
		x := variable(at...)
		nabla.Sum(f(x)).Backward()
		return x.Grad()
	}
	assertClose(t, "relu'(0)", grad(nabla.Relu, 0), []float64{0}, 0)
	assertClose(t, "abs'(0)", grad(nabla.Abs, 0), []float64{0}, 0)
	assertClose(t, "leaky_relu'(0)", grad(func(x *nabla.Tensor) *nabla.Tensor { return nabla.LeakyRelu(x, 0.1) }, 0), []float64{0.1}, 0)
	assertClose(t, "clamp' at the bounds", grad(func(x *nabla.Tensor) *nabla.Tensor { return nabla.Clamp(x, -1, 1) }, -1, 1, 2), []float64{1, 1, 0}, 0)
	assertClose(t, "max with ties splits", grad(func(x *nabla.Tensor) *nabla.Tensor { return nabla.Max(x) }, 3, 1, 3), []float64{0.5, 0, 0.5}, 0)
	assertClose(t, "min with ties splits", grad(func(x *nabla.Tensor) *nabla.Tensor { return nabla.Min(x) }, 1, 1, 1, 2), []float64{1. / 3, 1. / 3, 1. / 3, 0}, 1e-15)
	assertClose(t, "norm'(0)", grad(func(x *nabla.Tensor) *nabla.Tensor { return nabla.Norm(x) }, 0, 0), []float64{0, 0}, 0)

	a, b := variable(2, 5), variable(2, 1)
	nabla.Sum(nabla.Maximum(a, b)).Backward()
	assertClose(t, "maximum tie: a", a.Grad(), []float64{0.5, 1}, 0)
	assertClose(t, "maximum tie: b", b.Grad(), []float64{0.5, 0}, 0)
}

func TestWhereUntakenBranchNaN(t *testing.T) {
	x := variable(1, -1)
	cond := vec(1, 0)
	bad := nabla.Div(vec(0, 0), vec(0, 0)) // NaN, NaN
	y := nabla.Where(cond, nabla.Square(x), nabla.Add(bad, x))
	nabla.Sum(y).Backward()
	assertClose(t, "grad", x.Grad(), []float64{2, 1}, 0)
	for _, v := range x.Grad().Float64s() {
		if math.IsNaN(v) {
			t.Fatal("NaN leaked from the untaken branch")
		}
	}
}

func TestStableForms(t *testing.T) {
	big := vec(1000, -1000, 0)
	assertClose(t, "sigmoid(±1000)", nabla.Sigmoid(big), []float64{1, 0, 0.5}, 0)
	assertClose(t, "logsigmoid(±1000)", nabla.LogSigmoid(big), []float64{0, -1000, -math.Ln2}, 1e-15)
	assertClose(t, "softplus(±1000)", nabla.Softplus(big), []float64{1000, 0, math.Ln2}, 1e-15)
	assertClose(t, "logsumexp of huge logits", nabla.LogSumExp(vec(1000, 1000)), []float64{1000 + math.Ln2}, 1e-15)
	assertClose(t, "logsumexp of tiny logits", nabla.LogSumExp(vec(-1000, -1000)), []float64{-1000 + math.Ln2}, 1e-15)
	assertClose(t, "logsumexp of all -inf", nabla.LogSumExp(vec(math.Inf(-1), math.Inf(-1))), []float64{math.Inf(-1)}, 0)
	assertClose(t, "norm of huge values", nabla.Norm(vec(3e200, 4e200)), []float64{5e200}, 1e-15)
	assertClose(t, "norm of tiny values", nabla.Norm(vec(3e-200, 4e-200)), []float64{5e-200}, 1e-15)

	// Gradients at extreme inputs stay finite.
	x := variable(1000, -1000)
	nabla.Sum(nabla.Add(nabla.Softplus(x), nabla.LogSigmoid(x))).Backward()
	assertClose(t, "softplus+logsigmoid grad", x.Grad(), []float64{1, 1}, 0)

	// Log-softmax with -inf entries: -inf out, no NaN, zero gradient there.
	z := variable(math.Inf(-1), 0, 1)
	ls := nabla.LogSoftmax(z, 0)
	lse := math.Log(1 + math.E)
	assertClose(t, "log_softmax", ls, []float64{math.Inf(-1), -lse, 1 - lse}, 1e-15)
	nabla.Sum(nabla.Mul(ls, vec(0, 1, 1))).Backward()
	for _, v := range z.Grad().Float64s() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("log_softmax gradient %v is not finite", z.Grad())
		}
	}

	// Softmax of logits 1000 apart.
	assertClose(t, "softmax", nabla.Softmax(vec(0, 1000), 0), []float64{0, 1}, 0)
}

func TestErrorsNameOpShapesAndCaller(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want []string
	}{
		{"broadcast", func() { nabla.Add(nabla.Zeros(2, 3), nabla.Zeros(4)) }, []string{"add", "(2, 3)", "(4,)"}},
		{"dtype", func() { nabla.Mul(nabla.Zeros(2), nabla.Zeros(2).As(nabla.Float32)) }, []string{"mul", "float64", "float32"}},
		{"matmul", func() { nabla.MatMul(nabla.Zeros(2, 3), nabla.Zeros(2, 3)) }, []string{"matmul", "(2, 3)", "aligned"}},
		{"axis", func() { nabla.Sum(nabla.Zeros(2, 3), 2) }, []string{"sum", "axis 2", "rank 2"}},
		{"index", func() { nabla.Take(nabla.Zeros(2, 3), 1, []int{3}) }, []string{"take", "index 3", "size 3"}},
		{"reshape", func() { nabla.Reshape(nabla.Zeros(2, 3), 4) }, []string{"reshape", "(2, 3)", "(4,)"}},
		{"fromslice", func() { nabla.FromSlice([]float64{1, 2, 3}, 2, 2) }, []string{"FromSlice", "3 values", "(2, 2)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := mustPanic(t, c.f)
			msg := e.Error()
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
			if !strings.Contains(e.Where, "numerics_test.go:") {
				t.Errorf("error located at %q, want this test file", e.Where)
			}
		})
	}
}

func TestCatchPassesOtherPanicsOn(t *testing.T) {
	defer func() {
		if r := recover(); r != "boom" {
			t.Fatalf("recovered %v", r)
		}
	}()
	_ = nabla.Catch(func() { panic("boom") })
}

func TestAnomalyModeNamesOpAndLine(t *testing.T) {
	x := variable(-1, 1)
	var e error
	nabla.DetectAnomaly(func() {
		e = nabla.Catch(func() { nabla.Sum(nabla.Log(x)) })
	})
	if e == nil || !strings.Contains(e.Error(), "log") || !strings.Contains(e.Error(), "numerics_test.go:") {
		t.Fatalf("forward anomaly: %v", e)
	}
	// Backward: sqrt at 0 has an infinite derivative.
	z := variable(0, 1)
	nabla.DetectAnomaly(func() {
		y := nabla.Sum(nabla.Sqrt(z))
		e = nabla.Catch(func() { y.Backward() })
	})
	if e == nil || !strings.Contains(e.Error(), "sqrt") || !strings.Contains(e.Error(), "backward") {
		t.Fatalf("backward anomaly: %v", e)
	}
}

// TestFusedActivationGradients: tanh's and sigmoid's gradients, fused into
// one pass when the backward pass is not recorded, equal to the last bit the
// composed ops a recorded pass runs.
func TestFusedActivationGradients(t *testing.T) {
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		for _, act := range []func(*nabla.Tensor) *nabla.Tensor{nabla.Tanh, nabla.Sigmoid} {
			x := nabla.Uniform(nabla.NewRand(5), -4, 4, 1000).As(dt).SetRequiresGrad(true)
			w := nabla.Uniform(nabla.NewRand(6), -1, 1, 1000).As(dt)
			y := nabla.Sum(nabla.Mul(act(x), w))
			fused := nabla.Gradients([]*nabla.Tensor{y}, []*nabla.Tensor{x}, nabla.RetainGraph())[0]
			composed := nabla.Gradients([]*nabla.Tensor{y}, []*nabla.Tensor{x}, nabla.CreateGraph())[0]
			if !slices.Equal(fused.Float64s(), composed.Float64s()) {
				t.Errorf("%s: fused and composed gradients differ", dt)
			}
		}
	}
}

// The gradient of a^b with respect to b at a = 0 (b ≥ 0) is 0, the limit
// from above, as in PyTorch: not 0·log 0 = NaN. With respect to a it is
// b·0^(b−1).
func TestPowAtZeroBase(t *testing.T) {
	a := nabla.FromSlice([]float64{0, 0, 2}).SetRequiresGrad(true)
	b := nabla.FromSlice([]float64{2, 0.5, 3}).SetRequiresGrad(true)
	nabla.Sum(nabla.Pow(a, b)).Backward()
	gb := b.Grad().Float64s()
	if gb[0] != 0 || gb[1] != 0 || math.Abs(gb[2]-8*math.Log(2)) > 1e-15 {
		t.Fatalf("∂/∂b: %v", gb)
	}
	if ga := a.Grad().Float64s(); ga[0] != 0 || ga[2] != 12 {
		t.Fatalf("∂/∂a: %v", ga)
	}
	g := nabla.Grad(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Pow(nabla.Zeros(1), xs[0])) })
	if v := g(nabla.FromSlice([]float64{2})).Item(); v != 0 {
		t.Fatalf("d(0^x)/dx at 2 = %v, want 0", v)
	}
}

// TestLogSoftmaxMatchesComposite checks the fused logsoftmax op against the
// composite it replaced, x − LogSumExpKeep(x, axis): the same values bit
// for bit (it runs the same steps) on ordinary, far-apart and infinite
// logits, in float64 and float32, and the same gradients to rounding.
func TestLogSoftmaxMatchesComposite(t *testing.T) {
	inf := math.Inf(1)
	rows := [][]float64{
		{0.3, -1.2, 2.5, 0.7},
		{1000, -1000, 999, 0},
		{-inf, 1, 2, 3},
		{inf, 1, 2, 3},
		{-inf, -inf, -inf, -inf},
		{math.NaN(), 1, 2, 3},
		{1e-300, -1e-300, 0, 5e-324},
	}
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		var flat []float64
		for _, r := range rows {
			flat = append(flat, r...)
		}
		for axis := range 5 {
			x := nabla.FromSlice(flat, len(rows), 4).As(dt)
			if axis >= 2 { // a 3-d tensor, along each of its axes
				x, axis = nabla.Reshape(x, len(rows), 2, 2), axis-2
			}
			fused := nabla.LogSoftmax(x, axis)
			composite := nabla.Sub(x, nabla.LogSumExpKeep(x, axis))
			f, c := fused.Float64s(), composite.Float64s()
			for i := range f {
				if math.Float64bits(f[i]) != math.Float64bits(c[i]) && !(math.IsNaN(f[i]) && math.IsNaN(c[i])) {
					t.Fatalf("%v axis %d: element %d is %v, the composite gives %v", dt, axis, i, f[i], c[i])
				}
			}
		}
	}
	// Gradients, on finite rows, of a weighted sum of the outputs.
	x := nabla.FromSlice([]float64{0.3, -1.2, 2.5, 0.7, 30, -20, 29, 0}, 2, 4)
	w := nabla.FromSlice([]float64{1, 0, -2, 0.5, 0, 3, 0, -1}, 2, 4)
	for axis := range 2 {
		g1 := nabla.Grad(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Mul(w, nabla.LogSoftmax(xs[0], axis))) })(x)
		g2 := nabla.Grad(func(xs ...*nabla.Tensor) *nabla.Tensor {
			return nabla.Sum(nabla.Mul(w, nabla.Sub(xs[0], nabla.LogSumExpKeep(xs[0], axis))))
		})(x)
		assertClose(t, fmt.Sprintf("gradient along axis %d", axis), g1, g2.Float64s(), 1e-15)
	}
}

// TestLinearMatchesComposite checks the linear op against the composite it
// stands for, Add(MatMulT(x, w, false, true), b): the same values and
// gradients, bit for bit, in float64 and float32, with products of more
// than one block of steps (in > 144).
func TestLinearMatchesComposite(t *testing.T) {
	r := nabla.NewRand(3)
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		for _, in := range []int{3, 300} {
			x, w, b := nabla.Randn(r, 5, in).As(dt), nabla.Randn(r, 7, in).As(dt), nabla.Randn(r, 7).As(dt)
			g := nabla.Randn(r, 5, 7).As(dt)
			var got, want [][]float64
			for _, f := range []func(x, w, b *nabla.Tensor) *nabla.Tensor{
				nabla.Linear,
				func(x, w, b *nabla.Tensor) *nabla.Tensor { return nabla.Add(nabla.MatMulT(x, w, false, true), b) },
			} {
				xs := []*nabla.Tensor{x.Clone(), w.Clone(), b.Clone()}
				for _, v := range xs {
					v.SetRequiresGrad(true)
				}
				y := f(xs[0], xs[1], xs[2])
				nabla.Sum(nabla.Mul(y, g)).Backward()
				out := [][]float64{y.Float64s()}
				for _, v := range xs {
					out = append(out, v.Grad().Float64s())
				}
				if got == nil {
					got = out
				} else {
					want = out
				}
			}
			for i := range want {
				for j := range want[i] {
					if math.Float64bits(got[i][j]) != math.Float64bits(want[i][j]) {
						t.Fatalf("%v, in = %d: %s[%d] is %v, the composite gives %v", dt, in, []string{"y", "dx", "dw", "db"}[i], j, got[i][j], want[i][j])
					}
				}
			}
		}
	}
}
