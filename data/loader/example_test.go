package loader_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/data"
	"github.com/nabla-go/nabla/data/loader"
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
