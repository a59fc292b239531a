package nabla_test

import (
	"math"
	"testing"

	"github.com/nabla-go/nabla"
)

func TestCompileRosenbrock(t *testing.T) {
	vg := nabla.CompileValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor { return extendedRosenbrock(xs[0]) })
	for seed := uint64(1); seed < 5; seed++ {
		x := nabla.Uniform(nabla.NewRand(seed), -2, 2, 1000)
		y, gs := vg(x)
		want := make([]float64, 1000)
		f := extendedRosenbrockGrad(x.Float64s(), want)
		if math.Abs(y.Item()-f) > 1e-12*math.Abs(f) {
			t.Fatalf("value %v, want %v", y.Item(), f)
		}
		assertClose(t, "gradient", gs[0], want, 1e-14)
	}
}
