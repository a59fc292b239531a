package loader_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/data"
	"github.com/nabla-go/nabla/data/loader"
	"github.com/nabla-go/nabla/nn"
	"github.com/nabla-go/nabla/optim"
)

// Batches of iris as float32 tensors with their labels, shuffled by a seeded
// source: the same batches on every run.
func Example() {
	ds, err := data.Iris()
	if err != nil {
		panic(err)
	}
	l := loader.New(ds, loader.Options{BatchSize: 64, Rand: rand.New(rand.NewPCG(1, 2)), DType: nabla.Float32})
	for x, y := range l.Epoch() {
		fmt.Println(x.Shape(), x.DType(), y[:5])
	}
	// Output:
	// [64 4] float32 [1 2 2 2 0]
	// [64 4] float32 [2 1 2 2 1]
	// [22 4] float32 [1 0 0 0 1]
}

// A training loop over the loader's batches.
func Example_training() {
	ds, err := data.Iris()
	if err != nil {
		panic(err)
	}
	if _, err := data.Standardize(ds); err != nil {
		panic(err)
	}
	rng := nabla.NewRand(1)
	model := nn.MLP([]int{4, 16, 3}, nn.Tanh, rng)
	opt := optim.New(nn.Tensors(model), optim.NewAdam(0.01))
	l := loader.New(ds, loader.Options{BatchSize: 16, Rand: rand.New(rand.NewPCG(1, 2))})
	var first, last float64
	for epoch := range 20 {
		sum := 0.0
		for x, y := range l.Epoch() {
			opt.ZeroGrad()
			loss := nn.CrossEntropyLoss(model.Forward(x), y, nil)
			loss.Backward()
			opt.Step()
			sum += loss.Item() * float64(len(y))
		}
		if epoch == 0 {
			first = sum / float64(ds.N)
		}
		last = sum / float64(ds.N)
	}
	fmt.Println("mean loss fell below a quarter:", last < first/4)
	// Output: mean loss fell below a quarter: true
}
