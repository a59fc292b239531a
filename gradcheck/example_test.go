package gradcheck_test

import (
	"fmt"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/gradcheck"
)

func ExampleCheck() {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.Sum(nabla.Mul(nabla.Tanh(xs[0]), xs[1]))
	}
	r := nabla.NewRand(1)
	err := gradcheck.Check(f, []*nabla.Tensor{nabla.Randn(r, 3), nabla.Randn(r, 3)}, nil)
	fmt.Println(err)
	// Output: <nil>
}

// A wrong derivative rule is caught and reported entry by entry.
func ExampleCheck_mismatch() {
	wrong := &nabla.Op{
		Name:    "wrong_square",
		Forward: func(c *nabla.Ctx) *nabla.Tensor { return nabla.Square(c.Inputs[0].Detach()) },
		VJP:     func(c *nabla.Ctx, g *nabla.Tensor) []*nabla.Tensor { return []*nabla.Tensor{g} }, // should be 2x·g
	}
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return wrong.Apply(nil, xs[0]) }
	err := gradcheck.Check(f, []*nabla.Tensor{nabla.FromSlice([]float64{3})}, &gradcheck.Options{SkipForward: true})
	fmt.Println(err)
	// Output:
	// gradcheck: 1 of 1 entries differ (max error 5)
	//   reverse mode, input 0 element [0], output element 0: analytic 1, numeric 6.000000001, error 5
}

func ExampleCheckSecondOrder() {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Exp(nabla.Sin(xs[0]))) }
	fmt.Println(gradcheck.CheckSecondOrder(f, []*nabla.Tensor{nabla.FromSlice([]float64{0.1, 0.5})}, nil))
	// Output: <nil>
}

// Run returns the report whether or not the check passes, and an error
// whenever it fails.
func ExampleRun() {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Exp(xs[0])) }
	rep, err := gradcheck.Run(f, []*nabla.Tensor{nabla.FromSlice([]float64{0.5, -1})}, nil)
	fmt.Println(rep.OK(), rep.Compared, err)
	// Output: true 4 <nil>
}
