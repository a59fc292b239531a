package nabla_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
)

// f(x, y) = Σ sin(x)·y² on vectors, with ∂f/∂x = cos(x)·y², ∂f/∂y = 2 sin(x)·y.
func sinXY2(xs ...*nabla.Tensor) *nabla.Tensor {
	return nabla.Sum(nabla.Mul(nabla.Sin(xs[0]), nabla.Square(xs[1])))
}

func TestGradAndArgnums(t *testing.T) {
	x, y := vec(0.3, -1.2), vec(2, 0.5)
	want := func(f func(a, b float64) float64) []float64 {
		xs, ys := x.Float64s(), y.Float64s()
		return []float64{f(xs[0], ys[0]), f(xs[1], ys[1])}
	}
	dx := want(func(a, b float64) float64 { return math.Cos(a) * b * b })
	dy := want(func(a, b float64) float64 { return 2 * math.Sin(a) * b })

	assertClose(t, "Grad", nabla.Grad(sinXY2)(x, y), dx, 1e-15)
	assertClose(t, "Grad argnum 1", nabla.Grad(sinXY2, 1)(x, y), dy, 1e-15)

	val, gs := nabla.ValueAndGrad(sinXY2, 1, 0)(x, y)
	assertClose(t, "value", val, []float64{sinXY2(x, y).Item()}, 1e-15)
	assertClose(t, "ValueAndGrad[0] = ∂/∂y", gs[0], dy, 1e-15)
	assertClose(t, "ValueAndGrad[1] = ∂/∂x", gs[1], dx, 1e-15)
	if val.RequiresGrad() || gs[0].RequiresGrad() {
		t.Error("top-level results are still attached to a graph")
	}

	// The caller's tensors are neither marked nor changed.
	if x.RequiresGrad() || y.RequiresGrad() || x.Grad() != nil {
		t.Error("the transform touched its inputs")
	}
	assertClose(t, "x unchanged", x, []float64{0.3, -1.2}, 0)
}

func TestValueAndGradAux(t *testing.T) {
	type stats struct{ norm float64 }
	loss := func(xs ...*nabla.Tensor) (*nabla.Tensor, stats) {
		return nabla.Sum(nabla.Square(xs[0])), stats{nabla.Norm(xs[0]).Item()}
	}
	val, gs, aux := nabla.ValueAndGradAux(loss)(vec(3, 4))
	assertClose(t, "value", val, []float64{25}, 0)
	assertClose(t, "grad", gs[0], []float64{6, 8}, 0)
	if aux.norm != 5 {
		t.Errorf("aux = %v, want norm 5", aux)
	}
}

func TestGradOfUnusedArgumentIsZero(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(xs[0]) }
	assertClose(t, "∂/∂unused", nabla.Grad(f, 1)(vec(1, 2), vec(5, 6, 7)), []float64{0, 0, 0}, 0)
	c := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Scalar(3) }
	assertClose(t, "constant function", nabla.Grad(c)(vec(1, 2)), []float64{0, 0}, 0)
}

func TestGradUnderNoGrad(t *testing.T) {
	var g *nabla.Tensor
	nabla.NoGrad(func() { g = nabla.Grad(sinXY2)(vec(0), vec(3)) })
	assertClose(t, "grad inside NoGrad", g, []float64{9}, 1e-15)
}

func TestVJPPullback(t *testing.T) {
	// f(x, w) = tanh(W·x): pullback(u) = (Wᵀ(u⊙(1−y²)), (u⊙(1−y²))xᵀ).
	w := nabla.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	x := vec(0.1, -0.2, 0.3)
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Tanh(nabla.MatMul(xs[1], xs[0])) }
	y, pull := nabla.VJP(f, x, w)
	assertClose(t, "value", y, f(x, w).Float64s(), 0)
	for _, u := range [][]float64{{1, 0}, {0.5, -2}} { // the pullback runs twice
		gs := pull(vec(u...))
		ys := y.Float64s()
		s := []float64{u[0] * (1 - ys[0]*ys[0]), u[1] * (1 - ys[1]*ys[1])}
		wantX := make([]float64, 3)
		wantW := make([]float64, 6)
		for j := range 3 {
			wantX[j] = w.At(0, j)*s[0] + w.At(1, j)*s[1]
			wantW[j], wantW[3+j] = s[0]*x.At(j), s[1]*x.At(j)
		}
		assertClose(t, "pullback x", gs[0], wantX, 1e-15)
		assertClose(t, "pullback W", gs[1], wantW, 1e-15)
	}
	e := mustPanic(t, func() { pull(vec(1, 2, 3)) })
	if !strings.Contains(e.Msg, "(3,)") || !strings.Contains(e.Msg, "(2,)") {
		t.Errorf("unclear error: %v", e)
	}
}

func TestJVP(t *testing.T) {
	x, y := vec(0.3, -1.2), vec(2, 0.5)
	u, v := vec(1, -1), vec(0.5, 2)
	val, jv := nabla.JVP(sinXY2, []*nabla.Tensor{x, y}, []*nabla.Tensor{u, v})
	// ⟨∇f, (u, v)⟩
	_, gs := nabla.ValueAndGrad(sinXY2, 0, 1)(x, y)
	want := nabla.Add(nabla.Dot(gs[0], u), nabla.Dot(gs[1], v)).Item()
	assertClose(t, "jvp", jv, []float64{want}, 1e-15)
	if val.Tangent() != nil {
		t.Error("the returned value still carries its tangent")
	}
	// A nil tangent is a zero tangent.
	_, jv = nabla.JVP(sinXY2, []*nabla.Tensor{x, y}, []*nabla.Tensor{u, nil})
	assertClose(t, "jvp along x only", jv, []float64{nabla.Dot(gs[0], u).Item()}, 1e-15)
	if x.Tangent() != nil {
		t.Error("JVP left a tangent on its input")
	}
}

// The Jacobian of f(A, b) = tanh(A·b) with respect to A (2×3) has shape
// (2, 2, 3): ∂yᵢ/∂Aⱼₖ = δᵢⱼ(1−yᵢ²)bₖ. Reverse, forward and automatic agree.
func TestJacobianShapesAndModes(t *testing.T) {
	a := nabla.Randn(nabla.NewRand(1), 2, 3)
	b := vec(0.5, -1, 2)
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Tanh(nabla.MatMul(xs[0], xs[1])) }
	y := f(a, b).Float64s()
	var want []float64
	for i := range 2 {
		for j := range 2 {
			for k := range 3 {
				v := 0.0
				if i == j {
					v = (1 - y[i]*y[i]) * b.At(k)
				}
				want = append(want, v)
			}
		}
	}
	for name, jac := range map[string]nabla.Func{
		"rev": nabla.JacobianRev(f), "fwd": nabla.JacobianFwd(f), "auto": nabla.Jacobian(f),
	} {
		j := jac(a, b)
		if !slices.Equal(j.Shape(), []int{2, 2, 3}) {
			t.Fatalf("%s: shape %v, want [2 2 3]", name, j.Shape())
		}
		assertClose(t, name, j, want, 1e-15)
	}
	// With respect to b: shape (2, 3), the rows (1−yᵢ²)Aᵢ.
	jb := nabla.Jacobian(f, 1)(a, b)
	if !slices.Equal(jb.Shape(), []int{2, 3}) {
		t.Fatalf("∂y/∂b: shape %v", jb.Shape())
	}
	assertClose(t, "∂y/∂b", jb, nabla.Mul(nabla.Reshape(vec(1-y[0]*y[0], 1-y[1]*y[1]), 2, 1), a).Float64s(), 1e-15)
}

// Hessian of f(x) = Σᵢ xᵢ³ + x₀x₁x₂ (forward over reverse), and HVP = H·v.
func TestHessianAndHVP(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		x := xs[0]
		return nabla.Add(nabla.Sum(nabla.PowScalar(x, 3)), nabla.Prod(x))
	}
	x := vec(1, 2, 3)
	h := nabla.Hessian(f)(x)
	want := []float64{
		6, 3, 2,
		3, 12, 1,
		2, 1, 18,
	}
	if !slices.Equal(h.Shape(), []int{3, 3}) {
		t.Fatalf("shape %v", h.Shape())
	}
	assertClose(t, "Hessian", h, want, 1e-14)
	v := vec(1, -1, 0.5)
	hv := nabla.HVP(f, []*nabla.Tensor{x}, []*nabla.Tensor{v})[0]
	assertClose(t, "HVP", hv, nabla.MatMul(h, v).Float64s(), 1e-14)
	if x.Tangent() != nil || x.RequiresGrad() {
		t.Error("HVP touched its input")
	}
}

// HVP of a function of two tensors gives both blocks of H·(u, v).
func TestHVPSeveralArguments(t *testing.T) {
	x, y := vec(0.3, -1.2), vec(2, 0.5)
	u, v := vec(1, -1), vec(0.5, 2)
	hv := nabla.HVP(sinXY2, []*nabla.Tensor{x, y}, []*nabla.Tensor{u, v})
	// f = Σ sin xᵢ yᵢ²: Hxx = −sin x y², Hxy = 2 cos x y, Hyy = 2 sin x.
	var wx, wy []float64
	for i := range 2 {
		a, b := x.At(i), y.At(i)
		wx = append(wx, -math.Sin(a)*b*b*u.At(i)+2*math.Cos(a)*b*v.At(i))
		wy = append(wy, 2*math.Cos(a)*b*u.At(i)+2*math.Sin(a)*v.At(i))
	}
	assertClose(t, "H·(u,v) x block", hv[0], wx, 1e-14)
	assertClose(t, "H·(u,v) y block", hv[1], wy, 1e-14)
}

// Transforms compose: the reverse-mode Jacobian of the gradient is the
// Hessian too (reverse over reverse), and the gradient of a JVP is an HVP
// (reverse over forward).
func TestTransformsCompose(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.Sum(nabla.Mul(nabla.Exp(xs[0]), nabla.Sin(xs[0])))
	}
	x := vec(0.1, 0.7, -0.4)
	fwdRev := nabla.Hessian(f)(x)
	revRev := nabla.JacobianRev(nabla.Grad(f))(x)
	assertClose(t, "reverse over reverse", revRev, fwdRev.Float64s(), 1e-14)

	v := vec(1, 2, 3)
	jvp := func(xs ...*nabla.Tensor) *nabla.Tensor {
		_, jv := nabla.JVP(f, xs, []*nabla.Tensor{v})
		return jv
	}
	assertClose(t, "reverse over forward", nabla.Grad(jvp)(x), nabla.MatMul(fwdRev, v).Float64s(), 1e-14)
}

func TestTransformErrors(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want []string
	}{
		{"not a scalar", func() { nabla.Grad(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sin(xs[0]) })(vec(1, 2)) }, []string{"Grad", "(2,)", "scalar"}},
		{"argnum range", func() { nabla.Grad(sinXY2, 2)(vec(1), vec(2)) }, []string{"Grad", "argnum 2", "2 arguments"}},
		{"two argnums", func() { nabla.Grad(sinXY2, 0, 1) }, []string{"Grad", "ValueAndGrad"}},
		{"repeated argnum", func() { nabla.ValueAndGrad(sinXY2, 1, 1)(vec(1), vec(2)) }, []string{"twice"}},
		{"tangent shape", func() { nabla.JVP(sinXY2, []*nabla.Tensor{vec(1), vec(2)}, []*nabla.Tensor{vec(1, 2), nil}) }, []string{"JVP", "(2,)", "(1,)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := mustPanic(t, c.f)
			for _, w := range c.want {
				if !strings.Contains(e.Error(), w) {
					t.Errorf("error %q does not mention %q", e, w)
				}
			}
			if !strings.Contains(e.Where, "transform_test.go:") {
				t.Errorf("error located at %q, want this test file", e.Where)
			}
		})
	}
}

// Jacobian takes forward mode (after the first evaluation, one more that
// Vmap traces to compute every column in one batched pass) only when the
// input is smaller than the output.
func TestJacobianChoosesMode(t *testing.T) {
	calls := 0
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		calls++
		n := xs[0].Size()
		return nabla.Tanh(nabla.MatMul(nabla.Linspace(-2, 2, 3*n).Reshape(3, n), xs[0]))
	}
	for _, c := range []struct {
		n, calls int
	}{{2, 2}, {3, 1}, {5, 1}} { // 3 outputs
		calls = 0
		x := nabla.Linspace(-1, 1, c.n)
		j := nabla.Jacobian(f)(x)
		if calls != c.calls {
			t.Errorf("n=%d: f evaluated %d times, want %d", c.n, calls, c.calls)
		}
		calls = 0
		assertClose(t, "same Jacobian", j, nabla.JacobianRev(f)(x).Float64s(), 1e-15)
	}
}
