package minimize_test

import (
	"fmt"
	"math"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/minimize"
)

// Rosenbrock's function from (0, 0) with BFGS: the gradient comes from
// nabla's reverse mode, the iteration from gonum's BFGS.
func ExampleMinimize() {
	f := func(v *nabla.Tensor) *nabla.Tensor {
		x, y := nabla.Index(v, 0), nabla.Index(v, 1)
		// (1 − x)² + 100(y − x²)²
		return nabla.Add(nabla.Square(nabla.RSub(1, x)), nabla.MulScalar(nabla.Square(nabla.Sub(y, nabla.Square(x))), 100))
	}
	res, err := minimize.Minimize(f, nabla.Zeros(2), minimize.BFGS, nil)
	if err != nil {
		panic(err)
	}
	x := res.X.Float64s()
	fmt.Printf("x = (%.4f, %.4f), f < 1e-10: %v\n", x[0], x[1], res.Fun < 1e-10)
	fmt.Println(res.Status, res.Success, res.Message)
	// Output:
	// x = (1.0000, 1.0000), f < 1e-10: true
	// 0 true Optimization terminated successfully.
}

// Newton-CG never forms the Hessian: each CG step costs one Hessian-vector
// product, a reverse pass through the recorded gradient.
func ExampleMinimize_newtonCG() {
	n := 10000
	x0 := make([]float64, n)
	for i := range x0 {
		x0[i] = []float64{-1.2, 1}[i%2]
	}
	res, _ := minimize.Minimize(extendedRosenbrock, nabla.FromSlice(x0), minimize.NewtonCG, nil)
	fmt.Println(res.Message, res.Fun < 1e-6)
	// Output:
	// Optimization terminated successfully. true
}

// Bounds: l-bfgs-b keeps x in the box.
func ExampleMinimize_bounds() {
	res, _ := minimize.Minimize(rosenbrock, nabla.FromSlice([]float64{-1.2, 1}), minimize.LBFGSB,
		&minimize.Options{Lower: []float64{-2, -1}, Upper: []float64{0.5, 2}})
	x := res.X.Float64s()
	fmt.Printf("x = (%.4f, %.4f), f = %.4f\n", x[0], x[1], res.Fun)
	// Output:
	// x = (0.5000, 0.2500), f = 0.2500
}

// SciPy's
//
//	def f(x):
//	    return 100*(x[1] - x[0]**2)**2 + (1 - x[0])**2
//	def grad_f(x):
//	    return np.array([-400*x[0]*(x[1] - x[0]**2) - 2*(1 - x[0]), 200*(x[1] - x[0]**2)])
//	res = minimize(f, [0, 0], jac=grad_f, method='BFGS')
//	print(res.x, res.nit, res.nfev, res.njev)
//
// line for line, with no nabla tensor in sight. SciPy 1.10 prints
// [1. 1.] 19 24 24: its line search is MINPACK's, this one gonum's
// More–Thuente, so the paths differ by an iteration.
func ExampleMinimizeFunc() {
	f := func(x []float64) float64 {
		return 100*math.Pow(x[1]-x[0]*x[0], 2) + math.Pow(1-x[0], 2)
	}
	gradF := func(x []float64) []float64 {
		return []float64{-400*x[0]*(x[1]-x[0]*x[0]) - 2*(1-x[0]), 200 * (x[1] - x[0]*x[0])}
	}
	res, err := minimize.MinimizeFunc(f, []float64{0, 0}, minimize.BFGS, &minimize.Options{Jac: gradF})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.4f %d %d %d\n", res.X.Float64s(), res.Nit, res.Nfev, res.Njev)
	fmt.Println(res.Message)
	// Output:
	// [1.0000 1.0000] 20 25 25
	// Optimization terminated successfully.
}

// Options.CheckJac compares a gradient written by hand with nabla's at x0
// before the run; a slip (here 20 for 200) is an error naming the component.
func ExampleOptions_checkJac() {
	gradF := func(x []float64) []float64 {
		return []float64{-400*x[0]*(x[1]-x[0]*x[0]) - 2*(1-x[0]), 20 * (x[1] - x[0]*x[0])}
	}
	_, err := minimize.Minimize(rosenbrock, nabla.FromSlice([]float64{-1.2, 1}), minimize.BFGS,
		&minimize.Options{Jac: gradF, CheckJac: true})
	fmt.Println(err)
	// Output:
	// minimize: Options.Jac disagrees with nabla's gradient at x0 (CheckJac): component 1 is -8.8, reference -88 (relative error 0.9; ‖user − reference‖₂ = 79.2), more than JacTol 1e-06
}

// CheckGradFunc is scipy.optimize.check_grad for a plain function; CheckGrad
// does the same against nabla's exact gradient.
func ExampleCheckGradFunc() {
	f := func(x []float64) float64 { return math.Sin(x[0]) * x[1] }
	grad := func(x []float64) []float64 { return []float64{math.Cos(x[0]) * x[1], math.Sin(x[0])} }
	d, err := minimize.CheckGradFunc(f, grad, []float64{0.5, 2})
	fmt.Println(d.RelErr() < 1e-8, err)
	// Output: true <nil>
}
