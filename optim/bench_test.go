package optim

import (
	"fmt"
	"testing"

	"github.com/nabla-go/nabla"
)

func BenchmarkAdamStep(b *testing.B) {
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		for _, n := range []int{1024, 1 << 20} {
			b.Run(fmt.Sprintf("%s/n=%d", dt, n), func(b *testing.B) {
				p := nabla.New(dt, n).SetRequiresGrad(true)
				p.SetGrad(nabla.FullLike(p, 0.1))
				opt := New([]*nabla.Tensor{p}, NewAdam(1e-3))
				opt.Step()
				b.ReportAllocs()
				b.SetBytes(int64(n * dt.Size()))
				for b.Loop() {
					opt.Step()
				}
			})
		}
	}
}
