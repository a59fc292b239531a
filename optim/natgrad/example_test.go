package natgrad_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/data"
	"github.com/nabla-go/nabla/nn"
	"github.com/nabla-go/nabla/optim"
	"github.com/nabla-go/nabla/optim/natgrad"
)

// Logistic regression on the 1797 embedded digits (pixels scaled to [0, 1]),
// full batch, from the same initial weights: the number of iterations each
// optimizer takes to bring the training loss below 0.2. SGD and Adam have the
// best learning rates of a small grid (SGD 0.5, 1, 2; Adam 0.01, 0.03, 0.1).
// A natural-gradient iteration costs more: one gradient plus up to 10
// Fisher-vector products (about two backward passes each), counted below; a
// K-FAC iteration one gradient, one backward pass per class (10) for its
// factors, and two small inverses (65×65 and 10×10).
// docs/natural-gradient.svg draws the three curves.
func Example_digits() {
	ds, err := data.Digits()
	if err != nil {
		panic(err)
	}
	x := nabla.MulScalar(nabla.FromSlice(ds.X, ds.N, ds.D), 1.0/16)
	newModel := func() *nn.Linear { return nn.NewLinear(64, 10, rand.New(rand.NewPCG(1, 2))) }
	const target, budget = 0.2, 200

	// first returns the first iteration whose loss is below target.
	first := func(step func() float64) string {
		for i := 1; i <= budget; i++ {
			if step() < target {
				return fmt.Sprint(i)
			}
		}
		return fmt.Sprintf("more than %d", budget)
	}
	firstOrder := func(alg optim.Algorithm) string {
		m := newModel()
		opt := optim.New(nn.Tensors(m), alg)
		return first(func() float64 {
			opt.ZeroGrad()
			loss := nn.CrossEntropyLoss(m.Forward(x), ds.Y, nil)
			loss.Backward()
			opt.Step()
			return loss.Item()
		})
	}

	m := newModel()
	ng := natgrad.New(nn.Tensors(m), natgrad.Defaults())
	n := first(func() float64 {
		return ng.Step(func() *nabla.Tensor { return m.Forward(x) }, ds.Y)
	})
	fmt.Printf("natural gradient: %s iterations (%d Fisher-vector products)\n", n, ng.CGIterations())

	m = newModel()
	kf := natgrad.NewKFAC(m, natgrad.KFACDefaults())
	fmt.Printf("K-FAC:            %s iterations\n", first(func() float64 { return kf.Step(x, ds.Y) }))
	fmt.Printf("Adam, lr 0.1:     %s iterations\n", firstOrder(optim.NewAdam(0.1)))
	fmt.Printf("SGD, lr 2:        %s iterations\n", firstOrder(optim.NewSGD(2)))
	// Output:
	// natural gradient: 8 iterations (80 Fisher-vector products)
	// K-FAC:            5 iterations
	// Adam, lr 0.1:     22 iterations
	// SGD, lr 2:        93 iterations
}
