package nabla_test

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/gradcheck"
)

// softplusOp is log(1 + eˣ) as a user-defined primitive, computed as
// max(x, 0) + log1p(e^−|x|) so that it neither overflows for large x nor loses
// its digits for very negative x. Registering it is all a new op needs: its
// forward pass and both derivative rules sit together, and the rules, written
// with nabla's ops, are differentiable again (second derivatives come free).
var softplusOp = nabla.Register(&nabla.Op{
	Name: "example_softplus",
	Forward: func(c *nabla.Ctx) *nabla.Tensor {
		x := c.Inputs[0]
		v := x.Float64s()
		for i, xi := range v {
			v[i] = max(xi, 0) + math.Log1p(math.Exp(-math.Abs(xi)))
		}
		return nabla.FromSlice(v, x.Shape()...).As(x.DType())
	},
	// d softplus(x) = σ(x) dx
	VJP: func(c *nabla.Ctx, g *nabla.Tensor) []*nabla.Tensor {
		return []*nabla.Tensor{nabla.Mul(g, nabla.Sigmoid(c.Inputs[0]))}
	},
	JVP: func(c *nabla.Ctx, d []*nabla.Tensor) *nabla.Tensor {
		return nabla.Mul(d[0], nabla.Sigmoid(c.Inputs[0]))
	},
	// The inputs on which tests walking the registry check the rules.
	Cases: []nabla.Case{{Name: "vector", Shapes: [][]int{{5}}, Lo: -6, Hi: 6}},
})

// A numerically stable softplus as a custom op, validated by gradcheck.
func Example_customOp() {
	softplus := func(x *nabla.Tensor) *nabla.Tensor { return softplusOp.Apply(nil, x) }

	x := nabla.FromSlice([]float64{-1000, 0, 1000})
	fmt.Printf("softplus: %.4f\n", softplus(x).Float64s())
	g := nabla.Grad(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(softplus(xs[0])) })(x)
	fmt.Printf("gradient: %.4f\n", g.Float64s())

	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return softplus(xs[0]) }
	at := []*nabla.Tensor{nabla.FromSlice([]float64{-3, -0.5, 0.1, 2, 7})}
	fmt.Println("gradcheck:", gradcheck.Check(f, at, nil))
	fmt.Println("second order:", gradcheck.CheckSecondOrder(f, at, nil))
	// Output:
	// softplus: [0.0000 0.6931 1000.0000]
	// gradient: [0.0000 0.5000 1.0000]
	// gradcheck: <nil>
	// second order: <nil>
}

// The ops this package's tests register (example_softplus, test_atan) go
// through the same checks as the registry walk in gradcheck/ops_test.go, which
// runs in another test binary and does not see them.
func TestCustomOpsPassTheRegistryChecks(t *testing.T) {
	n := 0
	for _, op := range nabla.Ops() {
		if !strings.HasPrefix(op.Name, "example_") && !strings.HasPrefix(op.Name, "test_") {
			continue
		}
		for _, cs := range op.Cases {
			n++
			t.Run(op.Name+"/"+cs.Name, func(t *testing.T) {
				inputs := cs.Inputs(nabla.NewRand(7))
				f := func(xs ...*nabla.Tensor) *nabla.Tensor { return op.Apply(cs.Params, xs...) }
				opts := &gradcheck.Options{Constant: cs.Constant}
				if err := gradcheck.Check(f, inputs, opts); err != nil {
					t.Errorf("first order: %v", err)
				}
				if err := gradcheck.Check(f, inputs, &gradcheck.Options{Constant: cs.Constant, Fast: true, Seed: 3}); err != nil {
					t.Errorf("dot-product test: %v", err)
				}
				if err := gradcheck.CheckSecondOrder(f, inputs, opts); err != nil {
					t.Errorf("second order: %v", err)
				}
			})
		}
	}
	if n < 2 {
		t.Fatalf("%d cases of test-registered ops found, want at least 2", n)
	}
}

// The stable form stays finite where the naive log(1 + eˣ) overflows, and its
// gradient is σ(x) there too.
func TestCustomSoftplusAtExtremes(t *testing.T) {
	x := vec(-800, -40, 40, 800)
	assertClose(t, "softplus", softplusOp.Apply(nil, x), []float64{0, math.Exp(-40), 40, 800}, 1e-15)
	naive := nabla.Log(nabla.AddScalar(nabla.Exp(x), 1)).Float64s()
	if !math.IsInf(naive[3], 1) {
		t.Fatalf("the naive form was expected to overflow, gave %v", naive)
	}
	g := nabla.Grad(scalarFn(func(v *nabla.Tensor) *nabla.Tensor { return nabla.Sum(softplusOp.Apply(nil, v)) }))(x)
	assertClose(t, "σ(x)", g, []float64{0, 1 / (1 + math.Exp(40)), 1 / (1 + math.Exp(-40)), 1}, 1e-15)
}

// line returns the caller's line number.
func line() int {
	_, _, l, _ := runtime.Caller(1)
	return l
}

// In anomaly mode a NaN made by the forward pass of a user's chain of ops is
// reported with the op that made it, its input shapes and the file:line of
// the user's code, also when the chain runs inside a transform.
func TestAnomalyInUserOpChain(t *testing.T) {
	a := nabla.Full(1, 2, 3)
	b := nabla.Full(2, 2, 3)
	var e error
	var at int
	nabla.DetectAnomaly(func() {
		e = nabla.Catch(func() {
			h := nabla.Tanh(nabla.Sub(a, b))
			at = line() + 1
			nabla.Sum(nabla.Sqrt(h))
		})
	})
	want := []string{"sqrt", "NaN", "(2, 3)", fmt.Sprintf("custom_op_test.go:%d", at)}
	for _, w := range want {
		if e == nil || !strings.Contains(e.Error(), w) {
			t.Fatalf("anomaly report %v does not mention %q", e, w)
		}
	}

	// Inside Grad, the report points at the user's function, not at nabla.
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		at = line() + 1
		return nabla.Sum(nabla.Log(nabla.Sub(xs[0], nabla.Scalar(3))))
	}
	nabla.DetectAnomaly(func() { e = nabla.Catch(func() { nabla.Grad(f)(vec(1, 5)) }) })
	if e == nil || !strings.Contains(e.Error(), "log") || !strings.Contains(e.Error(), fmt.Sprintf("custom_op_test.go:%d", at)) {
		t.Fatalf("anomaly inside Grad: %v (want log at line %d)", e, at)
	}
	// Off, the same code runs through: the value is NaN, the gradient 1/(x−3).
	val, gs := nabla.ValueAndGrad(f)(vec(1, 5))
	if !math.IsNaN(val.Item()) {
		t.Fatalf("without anomaly mode the value is %v, want NaN", val)
	}
	assertClose(t, "gradient without anomaly mode", gs[0], []float64{-0.5, 0.5}, 0)
}
