package optim_test

import (
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/nn"
	"github.com/nabla-go/nabla/optim"
)

// TestTrainMLP fits y = sin(3x) with a small network, every algorithm and both
// dtypes, with clipping and a schedule, and checks that the loss falls.
func TestTrainMLP(t *testing.T) {
	for _, c := range []struct {
		name string
		alg  optim.Algorithm
	}{
		{"SGD", optim.SGD{LR: 0.1, Momentum: 0.9, Nesterov: true}},
		{"Adam", func() optim.Adam { a := optim.NewAdam(0.01); a.AMSGrad = true; return a }()},
		{"AdamW", optim.NewAdamW(0.01)},
		{"RMSprop", func() optim.RMSprop { a := optim.NewRMSprop(0.003); a.Centered = true; return a }()},
		{"Adagrad", optim.NewAdagrad(0.1)},
	} {
		for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				rng := nabla.NewRand(7)
				net := nn.MLP([]int{1, 16, 1}, nn.Tanh, rng, nn.WithDType(dt))
				x := nabla.Linspace(-1, 1, 32).Reshape(32, 1).As(dt)
				y := nabla.Sin(nabla.MulScalar(x, 3))
				params := nn.Tensors(net)
				opt := optim.New(params, c.alg)
				sched := optim.NewScheduler(opt, optim.CosineAnnealing(200, 0))
				var first, last float64
				for i := range 200 {
					opt.ZeroGrad()
					loss := nn.MSELoss(net.Forward(x), y, nn.Mean)
					loss.Backward()
					if _, err := optim.ClipGradNorm(params, 5, true); err != nil {
						t.Fatal(err)
					}
					opt.Step()
					sched.Step()
					if i == 0 {
						first = loss.Item()
					}
					last = loss.Item()
				}
				if !(last < first/4) {
					t.Errorf("loss went from %.4g to %.4g", first, last)
				}
			})
		}
	}
}
