package gemm_test

import (
	"fmt"

	"github.com/nabla-go/nabla/internal/gemm"
)

// Aᵀ·B for A stored as 3×2 and B as 3×2, into a 2×2 C: the transpose is a
// flag, not a copy.
func ExampleDgemm() {
	a := []float64{
		1, 2,
		3, 4,
		5, 6,
	}
	b := []float64{
		1, 0,
		0, 1,
		1, 1,
	}
	c := make([]float64, 4)
	gemm.Dgemm(true, false, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2)
	fmt.Println(c)
	// Output: [6 8 8 10]
}
