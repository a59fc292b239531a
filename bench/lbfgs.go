package bench

import (
	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/minimize"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/optimize/functions"
)

// LBFGSN is the dimension of the L-BFGS workload.
const LBFGSN = 1000

// LBFGSStart is the standard start point (−1.2, 1, −1.2, 1, …) in
// dimension n.
func LBFGSStart(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = 1
		if i%2 == 0 {
			x[i] = -1.2
		}
	}
	return x
}

// NablaLBFGS minimises gonum's chained extended Rosenbrock (RosenbrockChained)
// from x0 with minimize's L-BFGS and its default settings (memory 10,
// More–Thuente line search with c₁ = 1e-4, c₂ = 0.9, gradient tolerance
// 1e-5), the gradient coming from nabla's reverse mode.
func NablaLBFGS(x0 []float64) (minimize.Result, error) {
	return minimize.Minimize(RosenbrockChained, nabla.FromSlice(x0), minimize.LBFGS, nil)
}

// NablaLBFGSCompiled is NablaLBFGS with the objective compiled
// (minimize.Options.Compile).
func NablaLBFGSCompiled(x0 []float64) (minimize.Result, error) {
	return minimize.Minimize(RosenbrockChained, nabla.FromSlice(x0), minimize.LBFGS, &minimize.Options{Compile: true})
}

// GonumLBFGS minimises the same function with gonum's optimize.LBFGS and
// functions.ExtendedRosenbrock's hand-written gradient, with the settings
// of minimize/bench_test.go, which match minimize's defaults: memory 10,
// More–Thuente with the same constants, stop when the gradient's norm is
// below 1e-5 (and on nothing else).
func GonumLBFGS(x0 []float64) (*optimize.Result, error) {
	f := functions.ExtendedRosenbrock{}
	return optimize.Minimize(optimize.Problem{Func: f.Func, Grad: f.Grad}, x0,
		&optimize.Settings{GradientThreshold: 1e-5, Converger: optimize.NeverTerminate{}},
		&optimize.LBFGS{Store: 10, GradStopThreshold: 1e-5,
			Linesearcher: &optimize.MoreThuente{DecreaseFactor: 1e-4, CurvatureFactor: 0.9}})
}
