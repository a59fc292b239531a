package optim_test

import (
	"fmt"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/optim"
)

// minimize takes steps of opt on the loss (x-3)² and prints x every few
// steps.
func minimize(x *nabla.Tensor, opt *optim.Optimizer, steps, every int) {
	for i := 1; i <= steps; i++ {
		opt.ZeroGrad()
		loss := nabla.Square(nabla.AddScalar(x, -3)).Sum()
		loss.Backward()
		opt.Step()
		if i%every == 0 {
			fmt.Printf("step %d: x = %.4f\n", i, x.Item())
		}
	}
}

func ExampleSGD() {
	x := nabla.FromSlice([]float64{0}).SetRequiresGrad(true)
	opt := optim.New([]*nabla.Tensor{x}, optim.SGD{LR: 0.1, Momentum: 0.5})
	minimize(x, opt, 20, 5)
	// Output:
	// step 5: x = 2.9749
	// step 10: x = 3.0976
	// step 15: x = 2.9857
	// step 20: x = 2.9992
}

func ExampleAdam() {
	x := nabla.FromSlice([]float64{0}).SetRequiresGrad(true)
	opt := optim.New([]*nabla.Tensor{x}, optim.NewAdam(0.1))
	minimize(x, opt, 100, 20)
	// Output:
	// step 20: x = 1.8806
	// step 40: x = 3.0077
	// step 60: x = 3.1524
	// step 80: x = 3.0027
	// step 100: x = 2.9807
}

func ExampleNewScheduler() {
	x := nabla.Zeros(1).SetRequiresGrad(true)
	opt := optim.New([]*nabla.Tensor{x}, optim.SGD{LR: 0.1})
	sched := optim.NewScheduler(opt, optim.WarmupCosine(2, 6, 0.001))
	for epoch := range 7 {
		fmt.Printf("epoch %d: lr = %.4f\n", epoch, opt.LR(0))
		// ... train one epoch with opt ...
		sched.Step()
	}
	// Output:
	// epoch 0: lr = 0.0000
	// epoch 1: lr = 0.0500
	// epoch 2: lr = 0.1000
	// epoch 3: lr = 0.0855
	// epoch 4: lr = 0.0505
	// epoch 5: lr = 0.0155
	// epoch 6: lr = 0.0010
}

func ExampleClipGradNorm() {
	w := nabla.FromSlice([]float64{1, 1}).SetRequiresGrad(true)
	w.SetGrad(nabla.FromSlice([]float64{30, 40}))
	total, err := optim.ClipGradNorm([]*nabla.Tensor{w}, 1, true)
	fmt.Printf("norm before %.1f, after %.4f, err %v\n", total, optim.GradNorm([]*nabla.Tensor{w}), err)
	// Output:
	// norm before 50.0, after 1.0000, err <nil>
}
