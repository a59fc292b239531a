package main

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/spf13/cobra"
	"gonum.org/v1/gonum/optimize"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/expr"
	"github.com/nabla-go/nabla/optim"
)

func newTourCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "tour",
		Short: "A guided tour of derivatives and autodiff, computed as it goes",
		Long: `Walk through the concepts in order, each step printing what it computed:
derivatives of x², eˣ, ln x, sigmoid and relu; the mean squared error and its
gradient; the chain rule through a two-layer network, by hand and by autodiff;
the program reverse mode runs, op by op; the zero-grad pitfall; numerical versus analytical gradients; gradient norms
and clipping; minimising the Rosenbrock function; Hessian and Jacobian; Newton's method
with the Hessian and a linear solve.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t := &tour{out: cmd.OutOrStdout()}
			for _, step := range []func() error{
				t.derivatives, t.mse, t.chainRule, t.program, t.zeroGrad, t.numerical, t.clipping, t.rosenbrock, t.secondOrder, t.newton,
			} {
				if err := step(); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

type tour struct {
	out  io.Writer
	step int
}

func (t *tour) title(s string) {
	t.step++
	fmt.Fprintf(t.out, "\n%d. %s\n", t.step, s)
}

func (t *tour) printf(format string, args ...any) { fmt.Fprintf(t.out, "   "+format+"\n", args...) }

// derivatives differentiates the classic functions with the expression
// language and compares with the formulas from calculus.
func (t *tour) derivatives() error {
	t.title("Derivatives of the classic functions at x = 1.5: autodiff against the formula")
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	cases := []struct {
		src, formula string
		x            float64
		want         func(x float64) float64
	}{
		{"x^2", "2x", 1.5, func(x float64) float64 { return 2 * x }},
		{"exp(x)", "eˣ", 1.5, math.Exp},
		{"log(x)", "1/x", 1.5, func(x float64) float64 { return 1 / x }},
		{"sigmoid(x)", "σ(x)(1−σ(x))", 1.5, func(x float64) float64 { return sig(x) * (1 - sig(x)) }},
		{"relu(x)", "1 if x > 0", 1.5, func(float64) float64 { return 1 }},
		{"relu(x)", "0 if x < 0", -1.5, func(float64) float64 { return 0 }},
	}
	t.printf("%-12s %-6s %-14s %s", "f(x)", "x", "f'(x) autodiff", "formula")
	for _, c := range cases {
		e, err := expr.Parse(c.src)
		if err != nil {
			return err
		}
		p, _ := expr.ParsePoint([]string{fmt.Sprintf("x=%g", c.x)})
		r, err := expr.Derivatives(e, p, false)
		if err != nil {
			return err
		}
		t.printf("%-12s %-6g %-14.10g %-14.10g %s", c.src, c.x, r.Grad[0], c.want(c.x), c.formula)
	}
	return nil
}

// mse computes the mean squared error of a line fit and its gradient with
// respect to the slope, by autodiff and by the formula.
func (t *tour) mse() error {
	t.title("Mean squared error L(w) = mean((w·x − y)²) and its gradient")
	x := nabla.FromSlice([]float64{1, 2, 3, 4})
	y := nabla.FromSlice([]float64{2, 4.1, 5.9, 8.2})
	w := nabla.Scalar(1.5).SetRequiresGrad(true)
	loss := nabla.Mean(nabla.Square(nabla.Sub(nabla.Mul(w, x), y)))
	loss.Backward()
	byHand := 0.0
	for i, xi := range x.Float64s() {
		byHand += 2 * (1.5*xi - y.Float64s()[i]) * xi / 4
	}
	t.printf("data x = %v, y = %v, slope w = 1.5", x.Float64s(), y.Float64s())
	t.printf("L(w)             = %.10g", loss.Item())
	t.printf("dL/dw autodiff   = %.10g", w.Grad().Item())
	t.printf("dL/dw = 2/n Σ (w·xᵢ − yᵢ)·xᵢ = %.10g", byHand)
	return nil
}

// chainRule runs one example through a two-layer network and compares the
// backward pass written out by hand with nabla's.
func (t *tour) chainRule() error {
	t.title("The chain rule through a two-layer network: by hand and by autodiff")
	t.printf("z = W1·x + b1,  h = tanh(z),  y = w2·h + b2,  L = (y − target)²/2")
	xs, target := []float64{0.5, -1}, 0.3
	W1 := nabla.FromSlice([]float64{0.1, -0.2, 0.4, 0.3, -0.5, 0.2}, 3, 2).SetRequiresGrad(true)
	b1 := nabla.FromSlice([]float64{0.01, 0.02, -0.03}).SetRequiresGrad(true)
	w2 := nabla.FromSlice([]float64{0.7, -0.6, 0.5}).SetRequiresGrad(true)
	b2 := nabla.Scalar(0.05).SetRequiresGrad(true)
	x := nabla.FromSlice(xs)
	h := nabla.Tanh(nabla.Add(nabla.MatMul(W1, nabla.Reshape(x, 2, 1)).Reshape(3), b1))
	y := nabla.Add(nabla.Dot(w2, h), b2)
	loss := nabla.MulScalar(nabla.Square(nabla.AddScalar(y, -target)), 0.5)
	loss.Backward()

	// By hand, from the output back: each factor is one link of the chain.
	hv, yv := h.Float64s(), y.Item()
	dy := yv - target // dL/dy
	dW1 := make([]float64, 6)
	db1 := make([]float64, 3)
	dw2 := make([]float64, 3)
	for i := range 3 {
		dw2[i] = dy * hv[i]                                // dL/dw2 = dL/dy · h
		db1[i] = dy * w2.Float64s()[i] * (1 - hv[i]*hv[i]) // dL/dz = dL/dy · w2 · tanh'(z)
		for j := range 2 {
			dW1[2*i+j] = db1[i] * xs[j] // dL/dW1 = dL/dz · xᵀ
		}
	}
	t.printf("L = %.10g, dL/dy = y − target = %.10g", loss.Item(), dy)
	worst := 0.0
	rows := []struct {
		name   string
		hand   []float64
		tensor *nabla.Tensor
	}{{"dL/db2", []float64{dy}, b2}, {"dL/dw2", dw2, w2}, {"dL/db1", db1, b1}, {"dL/dW1", dW1, W1}}
	for _, r := range rows {
		auto := r.tensor.Grad().Float64s()
		for i := range auto {
			worst = math.Max(worst, math.Abs(auto[i]-r.hand[i]))
		}
		t.printf("%-7s by hand  %s", r.name, fmtList(r.hand))
		t.printf("%-7s autodiff %s", "", fmtList(auto))
	}
	t.printf("largest difference between the two: %.2g", worst)
	return nil
}

// program prints what reverse mode runs for a one-neuron loss: its forward
// ops, then the backward ops, each a factor of the chain rule.
func (t *tour) program() error {
	t.title("What reverse mode runs: the forward pass, then the backward pass, op by op")
	t.printf("L(w, b) = (w·x + b − y)²/2 at x = 2, y = 1; x0 is w, x1 is b, c are constants (the seed dL/dL = 1)")
	const x, target = 2.0, 1.0
	loss := func(p ...*nabla.Tensor) *nabla.Tensor {
		return nabla.MulScalar(nabla.Square(nabla.AddScalar(nabla.Add(nabla.MulScalar(p[0], x), p[1]), -target)), 0.5)
	}
	prog := nabla.MakeValueAndGradProgram(loss, []int{0, 1}, nabla.Scalar(0.5), nabla.Scalar(0.1))
	for _, line := range strings.Split(strings.TrimRight(prog.String(), "\n"), "\n") {
		t.printf("%s", line)
	}
	t.printf("the backward lines run from the loss back to w and b, one link of the chain rule each:")
	t.printf("dL/dr = r for r = w·x + b − y, then dL/db = dL/dr and dL/dw = dL/dr · x")
	return nil
}

// zeroGrad shows gradients accumulating across backward passes.
func (t *tour) zeroGrad() error {
	t.title("The zero-grad pitfall: gradients accumulate until ZeroGrad")
	w := nabla.Scalar(3).SetRequiresGrad(true)
	for i := 1; i <= 3; i++ {
		nabla.Square(w).Backward()
		t.printf("after backward pass %d without ZeroGrad: d(w²)/dw = %g (true value 6)", i, w.Grad().Item())
	}
	w.ZeroGrad()
	nabla.Square(w).Backward()
	t.printf("after ZeroGrad and one more pass:         d(w²)/dw = %g", w.Grad().Item())
	return nil
}

// numerical compares central differences with the exact derivative for a
// range of steps: truncation error shrinks as h², rounding error grows as 1/h.
func (t *tour) numerical() error {
	t.title("Numerical versus analytical: central differences of sin(x)·eˣ at x = 1")
	e, _ := expr.Parse("sin(x) * exp(x)")
	p, _ := expr.ParsePoint([]string{"x=1"})
	r, err := expr.Derivatives(e, p, false)
	if err != nil {
		return err
	}
	t.printf("autodiff          %.15g   (exact: (sin 1 + cos 1)·e = %.15g)", r.Grad[0], (math.Sin(1)+math.Cos(1))*math.E)
	for _, h := range []float64{1e-1, 1e-3, 1e-5, 1e-7, 1e-9, 1e-11} {
		num, err := expr.CentralDifferences(e, p, h)
		if err != nil {
			return err
		}
		t.printf("h = %-6g        %-16.15g  error %.1e", h, num[0], math.Abs(num[0]-r.Grad[0]))
	}
	t.printf("the error falls as h² until rounding (≈ 1e-16/h) takes over: h ≈ 1e-5 is best")
	return nil
}

// clipping computes a gradient's global norm and clips it.
func (t *tour) clipping() error {
	t.title("Gradient norms and clipping (optim.ClipGradNorm)")
	a := nabla.FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	b := nabla.Scalar(-2).SetRequiresGrad(true)
	loss := nabla.Add(nabla.Sum(nabla.Square(nabla.MulScalar(a, 3))), nabla.MulScalar(nabla.Square(b), 3))
	loss.Backward()
	t.printf("gradients: a %s, b %g", fmtList(a.Grad().Float64s()), b.Grad().Item())
	total, err := optim.ClipGradNorm([]*nabla.Tensor{a, b}, 5, false)
	if err != nil {
		return err
	}
	after := math.Sqrt(nabla.Sum(nabla.Square(a.Grad())).Item() + math.Pow(b.Grad().Item(), 2))
	t.printf("global norm %.10g, clipped to max norm 5: a %s, b %.6g, norm now %.6g", total, fmtList(a.Grad().Float64s()), b.Grad().Item(), after)
	t.printf("the direction is kept; only the length shrinks")
	return nil
}

// rosenbrock minimises f(x, y) = (1−x)² + 100(y−x²)² with gonum's BFGS, fed
// with nabla's gradient.
func (t *tour) rosenbrock() error {
	t.title("Minimising Rosenbrock's function (1−x)² + 100(y−x²)² with BFGS and nabla's gradient")
	e, _ := expr.Parse("(1 - x)^2 + 100*(y - x^2)^2")
	at := func(v []float64) expr.Point {
		p, _ := expr.ParsePoint([]string{"x=0", "y=0"})
		return p.With(v)
	}
	var evalErr error
	problem := optimize.Problem{
		Func: func(v []float64) float64 {
			f, err := expr.Value(e, at(v))
			if err != nil {
				evalErr = err
			}
			return f
		},
		Grad: func(grad, v []float64) {
			r, err := expr.Derivatives(e, at(v), false)
			if err != nil {
				evalErr = err
				return
			}
			copy(grad, r.Grad)
		},
	}
	res, err := optimize.Minimize(problem, []float64{-1.2, 1}, nil, &optimize.BFGS{})
	if evalErr != nil {
		return evalErr
	}
	if err != nil {
		return err
	}
	t.printf("start (-1.2, 1), f = 24.2")
	t.printf("minimum at (%.8f, %.8f), f = %.3g, after %d iterations and %d gradient evaluations",
		res.X[0], res.X[1], res.F, res.MajorIterations, res.GradEvaluations)
	return nil
}

// secondOrder computes a Hessian and a Jacobian.
func (t *tour) secondOrder() error {
	t.title("Second order: the Hessian of Rosenbrock's function at its minimum, and a Jacobian")
	e, _ := expr.Parse("(1 - x)^2 + 100*(y - x^2)^2")
	p, _ := expr.ParsePoint([]string{"x=1", "y=1"})
	r, err := expr.Derivatives(e, p, true)
	if err != nil {
		return err
	}
	h := r.Hessian
	det := h[0][0]*h[1][1] - h[0][1]*h[1][0]
	t.printf("H(1, 1) = [[%g, %g], [%g, %g]]: det %g > 0 and trace %g > 0, so (1, 1) is a minimum",
		h[0][0], h[0][1], h[1][0], h[1][1], det, h[0][0]+h[1][1])
	es, _ := expr.ParseList("r*cos(t); r*sin(t)")
	q, _ := expr.ParsePoint([]string{"r=2", "t=0.5"})
	_, j, err := expr.Jacobian(es, q)
	if err != nil {
		return err
	}
	t.printf("polar to Cartesian (r cos t, r sin t) at r = 2, t = 0.5: J = [[%.6g, %.6g], [%.6g, %.6g]]", j[0][0], j[0][1], j[1][0], j[1][1])
	t.printf("det J = %.10g = r: areas scale by r, the r in r dr dt", j[0][0]*j[1][1]-j[0][1]*j[1][0])
	return nil
}

// newton takes Newton steps x ← x − H⁻¹·∇f on Rosenbrock's function with
// nabla's gradient and Hessian, solving H·s = ∇f rather than inverting H.
func (t *tour) newton() error {
	t.title("Newton's method on Rosenbrock's function: x ← x − H⁻¹∇f, with nabla.Hessian and nabla.Solve")
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		x, y := nabla.Index(xs[0], 0), nabla.Index(xs[0], 1)
		return nabla.Add(nabla.Square(nabla.RSub(1, x)), nabla.MulScalar(nabla.Square(nabla.Sub(y, nabla.Square(x))), 100))
	}
	grad, hess := nabla.Grad(f), nabla.Hessian(f)
	x := nabla.FromSlice([]float64{-1.2, 1})
	t.printf("start (-1.2, 1), f = %.4g", f(x).Item())
	for step := 1; step <= 6; step++ {
		g, h := grad(x), hess(x)
		s := nabla.Solve(h, g) // the Newton step solves H·s = ∇f
		x = nabla.Sub(x, s)
		t.printf("step %d: solve H·s = ∇f with H = [[%.5g, %.5g], [%.5g, %.5g]]: x = (%.8f, %.8f), f = %.3g",
			step, h.At(0, 0), h.At(0, 1), h.At(1, 0), h.At(1, 1), x.At(0), x.At(1), f(x).Item())
	}
	t.printf("far fewer steps than BFGS above, each costing a Hessian and a solve; near the minimum the error squares at each step")
	return nil
}
