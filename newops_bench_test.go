package nabla_test

import (
	"fmt"
	"testing"

	"github.com/nabla-go/nabla"
)

// Forward and backward passes of the new ops, by size.
func BenchmarkNewOps(b *testing.B) {
	for _, n := range []int{64, 256} {
		x := nabla.Randn(nabla.NewRand(1), n, n).SetRequiresGrad(true)
		y := nabla.Randn(nabla.NewRand(2), n, n)
		ops := []struct {
			name string
			f    func() *nabla.Tensor
		}{
			{"cumsum", func() *nabla.Tensor { return nabla.Cumsum(x, 1) }},
			{"cumprod", func() *nabla.Tensor { return nabla.Cumprod(x, 1) }},
			{"sort", func() *nabla.Tensor { v, _ := nabla.Sort(x, 1, false); return v }},
			{"pad-reflect", func() *nabla.Tensor { return nabla.Pad(x, []int{2, 2, 2, 2}, nabla.PadReflect, 0) }},
			{"einsum-matmul", func() *nabla.Tensor { return nabla.Einsum("ij,jk->ik", x, y) }},
			{"matmul", func() *nabla.Tensor { return nabla.MatMul(x, y) }},
		}
		for _, op := range ops {
			b.Run(fmt.Sprintf("%s/n=%d", op.name, n), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					nabla.Sum(op.f()).Backward()
					x.ZeroGrad()
				}
			})
		}
	}
}
