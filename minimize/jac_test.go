package minimize_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/minimize"
)

// SciPy's rosen, rosen_der, rosen_hess and rosen_hess_prod for n = 2: the
// seed's f(x, y) = 100(y − x²)² + (1 − x)², as a user without nabla writes it.
func rosen(x []float64) float64 {
	return 100*(x[1]-x[0]*x[0])*(x[1]-x[0]*x[0]) + (1-x[0])*(1-x[0])
}

func rosenDer(x []float64) []float64 {
	return []float64{-400*x[0]*(x[1]-x[0]*x[0]) - 2*(1-x[0]), 200 * (x[1] - x[0]*x[0])}
}

func rosenHess(x []float64) [][]float64 {
	return [][]float64{{1200*x[0]*x[0] - 400*x[1] + 2, -400 * x[0]}, {-400 * x[0], 200}}
}

func rosenHessp(x, p []float64) []float64 {
	h := rosenHess(x)
	return []float64{h[0][0]*p[0] + h[0][1]*p[1], h[1][0]*p[0] + h[1][1]*p[1]}
}

// rosenT is rosen written with nabla ops, for autodiff.
func rosenT(v *nabla.Tensor) *nabla.Tensor {
	x, y := nabla.Index(v, 0), nabla.Index(v, 1)
	return nabla.Add(nabla.MulScalar(nabla.Square(nabla.Sub(y, nabla.Square(x))), 100), nabla.Square(nabla.RSub(1, x)))
}

// traced runs a minimisation with a callback that records every iterate.
func traced(t *testing.T, o minimize.Options, run func(*minimize.Options) (minimize.Result, error)) (minimize.Result, [][]float64) {
	t.Helper()
	var xs [][]float64
	o.Callback = func(it minimize.Iteration) { xs = append(xs, slices.Clone(it.X)) }
	res, err := run(&o)
	if err != nil {
		t.Fatal(err)
	}
	return res, xs
}

// TestUserDerivativesSameIterates is the seed's call, minimize(f, x0,
// jac=grad_f, method='BFGS') on Rosenbrock from (0, 0), and its siblings for
// every method: with the derivatives written by hand the run takes the same
// iterates, to rounding, and the same numbers of evaluations as with nabla's,
// whether f is nabla ops (Minimize) or a plain function (MinimizeFunc).
func TestUserDerivativesSameIterates(t *testing.T) {
	for _, c := range []struct {
		method minimize.Method
		user   minimize.Options
	}{
		{minimize.BFGS, minimize.Options{Jac: rosenDer}},
		{minimize.GradientDescent, minimize.Options{Jac: rosenDer, MaxIter: 50}},
		{minimize.CG, minimize.Options{Jac: rosenDer}},
		{minimize.LBFGS, minimize.Options{Jac: rosenDer}},
		{minimize.LBFGSB, minimize.Options{Jac: rosenDer}},
		{minimize.Newton, minimize.Options{Jac: rosenDer, Hess: rosenHess}},
		{minimize.NewtonCG, minimize.Options{Jac: rosenDer, Hessp: rosenHessp}},
		{minimize.TrustNCG, minimize.Options{Jac: rosenDer, Hessp: rosenHessp}},
	} {
		t.Run(string(c.method), func(t *testing.T) {
			want, wantXs := traced(t, minimize.Options{MaxIter: c.user.MaxIter}, func(o *minimize.Options) (minimize.Result, error) {
				return minimize.Minimize(rosenT, nabla.Zeros(2), c.method, o)
			})
			for _, v := range []struct {
				name string
				run  func(*minimize.Options) (minimize.Result, error)
			}{
				{"Minimize", func(o *minimize.Options) (minimize.Result, error) {
					return minimize.Minimize(rosenT, nabla.Zeros(2), c.method, o)
				}},
				{"MinimizeFunc", func(o *minimize.Options) (minimize.Result, error) {
					return minimize.MinimizeFunc(rosen, []float64{0, 0}, c.method, o)
				}},
			} {
				t.Run(v.name, func(t *testing.T) {
					got, gotXs := traced(t, c.user, v.run)
					if got.Nit != want.Nit || got.Nfev != want.Nfev || got.Njev != want.Njev || got.Nhev != want.Nhev || got.Status != want.Status {
						t.Errorf("nit %d nfev %d njev %d nhev %d status %d; autodiff: %d %d %d %d %d",
							got.Nit, got.Nfev, got.Njev, got.Nhev, got.Status, want.Nit, want.Nfev, want.Njev, want.Nhev, want.Status)
					}
					if len(gotXs) != len(wantXs) {
						t.Fatalf("%d iterates, autodiff %d", len(gotXs), len(wantXs))
					}
					for k := range gotXs {
						for i := range gotXs[k] {
							if d := math.Abs(gotXs[k][i] - wantXs[k][i]); d > 1e-9*math.Max(1, math.Abs(wantXs[k][i])) {
								t.Fatalf("iterate %d: x = %v, autodiff %v", k, gotXs[k], wantXs[k])
							}
						}
					}
					if c.method != minimize.GradientDescent && (!got.Success || math.Abs(got.X.Float64s()[0]-1) > 1e-4) {
						t.Errorf("ended at %v (%s)", got.X.Float64s(), got.Message)
					}
				})
			}
		})
	}
}

// TestUserJacAutodiffHVP: a nabla f with Jac but no Hessp takes its
// Hessian-vector products from nabla, and its gradients from Jac.
func TestUserJacAutodiffHVP(t *testing.T) {
	for _, m := range []minimize.Method{minimize.Newton, minimize.NewtonCG, minimize.TrustNCG} {
		t.Run(string(m), func(t *testing.T) {
			want, err := minimize.Minimize(rosenT, nabla.Zeros(2), m, nil)
			if err != nil {
				t.Fatal(err)
			}
			jacCalls := 0
			jac := func(x []float64) []float64 { jacCalls++; return rosenDer(x) }
			got, err := minimize.Minimize(rosenT, nabla.Zeros(2), m, &minimize.Options{Jac: jac})
			if err != nil {
				t.Fatal(err)
			}
			if got.Nit != want.Nit || got.Nfev != want.Nfev || got.Njev != want.Njev || got.Nhev != want.Nhev {
				t.Errorf("nit %d nfev %d njev %d nhev %d; autodiff %d %d %d %d", got.Nit, got.Nfev, got.Njev, got.Nhev, want.Nit, want.Nfev, want.Njev, want.Nhev)
			}
			if jacCalls != got.Njev {
				t.Errorf("Jac called %d times, Njev %d", jacCalls, got.Njev)
			}
		})
	}
}

// TestUserHessCalledOncePerPoint: newton-cg and trust-ncg multiply by the
// Hessian given as Hess, calling it once per point however many products
// they take there.
func TestUserHessCalledOncePerPoint(t *testing.T) {
	for _, m := range []minimize.Method{minimize.NewtonCG, minimize.TrustNCG} {
		t.Run(string(m), func(t *testing.T) {
			calls := 0
			hess := func(x []float64) [][]float64 { calls++; return rosenHess(x) }
			res, err := minimize.MinimizeFunc(rosen, []float64{-1.2, 1}, m, &minimize.Options{Jac: rosenDer, Hess: hess})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Success || calls != res.Nhev || calls > res.Nit+1 {
				t.Errorf("%s after %d iterations, Hess called %d times, Nhev %d", res.Message, res.Nit, calls, res.Nhev)
			}
		})
	}
}

func TestCheckJac(t *testing.T) {
	res, err := minimize.Minimize(rosenT, nabla.FromSlice([]float64{-1.2, 1}), minimize.BFGS,
		&minimize.Options{Jac: rosenDer, CheckJac: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := res.JacCheck; d == nil || d.RelErr() > 1e-12 || d.Norm > 1e-10 {
		t.Errorf("JacCheck = %v for a correct gradient", d)
	}
	// A slip in the second component: 20 instead of 200.
	wrong := func(x []float64) []float64 {
		g := rosenDer(x)
		g[1] /= 10
		return g
	}
	_, err = minimize.Minimize(rosenT, nabla.FromSlice([]float64{-1.2, 1}), minimize.BFGS,
		&minimize.Options{Jac: wrong, CheckJac: true})
	// At (−1.2, 1), ∂f/∂y = 200(1 − 1.44) = −88.
	if err == nil || !strings.Contains(err.Error(), "component 1 is -8.8, reference -88") {
		t.Errorf("err = %v, want the worst component named", err)
	}
}

func TestCheckGrad(t *testing.T) {
	x := []float64{-1.2, 1}
	d, err := minimize.CheckGrad(rosenT, rosenDer, nabla.FromSlice(x))
	if err != nil || d.RelErr() > 1e-13 {
		t.Errorf("CheckGrad(correct) = %v, %v", d, err)
	}
	wrong := func(x []float64) []float64 { g := rosenDer(x); g[0] = -g[0]; return g }
	d, err = minimize.CheckGrad(rosenT, wrong, nabla.FromSlice(x))
	if err != nil || d.Index != 0 || math.Abs(d.User+d.Reference) > 1e-12 || math.Abs(d.Norm-2*math.Abs(d.Reference)) > 1e-9 {
		t.Errorf("CheckGrad(wrong) = %+v, %v", d, err)
	}
	d, err = minimize.CheckGradFunc(rosen, rosenDer, x)
	if err != nil || d.RelErr() > 1e-8 {
		t.Errorf("CheckGradFunc(correct) = %v, %v", d, err)
	}
	d, err = minimize.CheckGradFunc(rosen, wrong, x)
	if err != nil || d.Index != 0 || d.RelErr() < 1 {
		t.Errorf("CheckGradFunc(wrong) = %v, %v", d, err)
	}
	if _, err := minimize.CheckGradFunc(rosen, func([]float64) []float64 { return []float64{1} }, x); err == nil {
		t.Error("CheckGradFunc accepted a gradient of the wrong length")
	}
}

func TestUserDerivativeErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		run  func() (minimize.Result, error)
		want string
	}{
		{"plain/no_jac", func() (minimize.Result, error) {
			return minimize.MinimizeFunc(rosen, []float64{0, 0}, minimize.BFGS, nil)
		}, "needs Options.Jac"},
		{"plain/no_hess", func() (minimize.Result, error) {
			return minimize.MinimizeFunc(rosen, []float64{0, 0}, minimize.NewtonCG, &minimize.Options{Jac: rosenDer})
		}, "needs Options.Hess or Options.Hessp"},
		{"plain/check_jac", func() (minimize.Result, error) {
			return minimize.MinimizeFunc(rosen, []float64{0, 0}, minimize.BFGS, &minimize.Options{Jac: rosenDer, CheckJac: true})
		}, "CheckGradFunc"},
		{"check_jac/no_jac", func() (minimize.Result, error) {
			return minimize.Minimize(rosenT, nabla.Zeros(2), minimize.BFGS, &minimize.Options{CheckJac: true})
		}, "without Options.Jac"},
		{"compile", func() (minimize.Result, error) {
			return minimize.Minimize(rosenT, nabla.Zeros(2), minimize.BFGS, &minimize.Options{Jac: rosenDer, Compile: true})
		}, "Compile"},
		{"jac_length", func() (minimize.Result, error) {
			return minimize.MinimizeFunc(rosen, []float64{0, 0}, minimize.BFGS,
				&minimize.Options{Jac: func([]float64) []float64 { return []float64{1, 2, 3} }})
		}, "Options.Jac returned 3 values for 2 variables"},
		{"hess_shape", func() (minimize.Result, error) {
			return minimize.MinimizeFunc(rosen, []float64{0, 0}, minimize.Newton,
				&minimize.Options{Jac: rosenDer, Hess: func([]float64) [][]float64 { return [][]float64{{1}} }})
		}, ""},
		{"empty", func() (minimize.Result, error) {
			return minimize.MinimizeFunc(rosen, nil, minimize.BFGS, &minimize.Options{Jac: rosenDer})
		}, "empty start point"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := c.run()
			if c.want == "" { // a failure during the run: in the Result
				if err != nil || res.Success || !strings.Contains(res.Message, "Options.Hess did not return a 2×2 matrix") {
					t.Errorf("got %v, %q; want an unsuccessful run naming Hess", err, res.Message)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}
