package nn

import (
	"math"
	"math/rand/v2"

	"github.com/nabla-go/nabla"
)

// Embedding is a lookup table of Num vectors of size Dim: index i maps to row
// i of Weight. The gradient reaches only the rows that were looked up.
type Embedding struct {
	Weight *nabla.Tensor // (num, dim), drawn from N(0, 1) as in PyTorch
}

// NewEmbedding returns a table of num vectors of size dim drawn from rng.
func NewEmbedding(num, dim int, rng *rand.Rand, opts ...Option) *Embedding {
	needRand("Embedding", rng)
	if num < 0 || dim < 0 {
		panicf("Embedding", "negative size %d×%d", num, dim)
	}
	e := &Embedding{Weight: param(configure("Embedding", opts, "WithDType").dtype, num, dim)}
	Normal(e.Weight, 0, 1, rng)
	return e
}

// Lookup returns the rows at the given indices, of shape (len(indices), dim).
func (e *Embedding) Lookup(indices []int) *nabla.Tensor {
	n := e.Weight.Dim(0)
	for i, j := range indices {
		if j < 0 || j >= n {
			panicf("Embedding", "index %d at position %d is out of range for a table of %d rows", j, i, n)
		}
	}
	return nabla.Take(e.Weight, 0, indices)
}

// Forward looks up the indices held (as whole numbers) in x and returns a
// tensor of shape x.Shape() + (dim).
func (e *Embedding) Forward(x *nabla.Tensor) *nabla.Tensor {
	vals := x.Float64s()
	idx := make([]int, len(vals))
	for i, v := range vals {
		if v != math.Trunc(v) {
			panicf("Embedding", "input holds %v at position %d, not an index", v, i)
		}
		idx[i] = int(v)
	}
	return nabla.Reshape(e.Lookup(idx), append(x.Shape(), e.Weight.Dim(1))...)
}

// Parameters returns "weight".
func (e *Embedding) Parameters() []Param { return []Param{{"weight", e.Weight}} }
