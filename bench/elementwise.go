package bench

import (
	"math"

	"github.com/nabla-go/nabla"
)

// Chain20 is the per-op overhead workload: ten rounds of y = tanh(y·x) from
// y = x, then the sum, 21 operations on a vector as short as the caller's
// (two elements in the report), so that the time is the engine's, not the
// arithmetic's.
func Chain20(x *nabla.Tensor) *nabla.Tensor {
	y := x
	for range 10 {
		y = nabla.Tanh(nabla.Mul(y, x))
	}
	return nabla.Sum(y)
}

// VecFuncN is the length of the inputs of the vectorised-function workload.
const VecFuncN = 1_000_000

// A VecFunc is one of nabla's vectorised elementwise functions, with the Go
// math function a plain loop calls in its place.
type VecFunc struct {
	Name string
	Op   func(*nabla.Tensor) *nabla.Tensor
	Math func(float64) float64
}

// VecFuncs are the functions nabla computes with its own vectorised loops
// (internal/kernel: exp.go, trans.go), timed over 10⁶ inputs uniform in
// [0.1, 3], inside every function's domain.
var VecFuncs = []VecFunc{
	{"exp", nabla.Exp, math.Exp},
	{"log", nabla.Log, math.Log},
	{"sin", nabla.Sin, math.Sin},
	{"cos", nabla.Cos, math.Cos},
	{"tanh", nabla.Tanh, math.Tanh},
	{"sigmoid", nabla.Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
	{"log1p", nabla.Log1p, math.Log1p},
	{"expm1", nabla.Expm1, math.Expm1},
}
