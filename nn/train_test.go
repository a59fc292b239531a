package nn

import (
	"testing"

	"github.com/nabla-go/nabla"
)

// TestTrainXOR runs a whole training loop: forward, loss, ZeroGrad, backward
// and a plain gradient step, and requires the network to learn XOR.
func TestTrainXOR(t *testing.T) {
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			x := nabla.FromSlice([]float64{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2).As(dt)
			y := nabla.FromSlice([]float64{0, 1, 1, 0}, 4, 1).As(dt)
			net := MLP([]int{2, 8, 1}, Tanh, nabla.NewRand(4), WithDType(dt))
			var loss *nabla.Tensor
			for step := 0; step < 500; step++ {
				ZeroGrad(net)
				loss = BCEWithLogitsLoss(net.Forward(x), y, Mean)
				loss.Backward()
				for _, p := range net.Parameters() {
					g := p.T.Grad().Float64s()
					if w := p.T.RawFloat64(); w != nil {
						for i := range w {
							w[i] -= 0.5 * g[i]
						}
					} else {
						w := p.T.RawFloat32()
						for i := range w {
							w[i] -= float32(0.5 * g[i])
						}
					}
				}
			}
			if l := loss.Item(); l > 0.05 {
				t.Errorf("loss after training %v, want < 0.05", l)
			}
		})
	}
}
