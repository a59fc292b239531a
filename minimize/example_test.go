package minimize_test

import (
	"fmt"

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
