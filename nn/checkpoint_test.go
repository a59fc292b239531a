package nn

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
)

func TestCheckpointEveryGradientsBitForBit(t *testing.T) {
	for _, k := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			m := MLP([]int{6, 12, 12, 12, 4}, ReLU, rng)
			x := nabla.Randn(rng, 5, 6)
			labels := []int{0, 1, 2, 3, 0}
			grads := func(mod Module) []*nabla.Tensor {
				loss := CrossEntropyLoss(mod.Forward(x), labels, nil)
				return nabla.Gradients([]*nabla.Tensor{loss}, Tensors(mod))
			}
			want := grads(m)
			c := CheckpointEvery(m, k)
			got := grads(c)
			for i := range want {
				g, w := got[i].Float64s(), want[i].Float64s()
				for j := range w {
					if g[j] != w[j] {
						t.Fatalf("parameter %s[%d]: %v, want %v", m.Parameters()[i].Name, j, g[j], w[j])
					}
				}
			}
			for i, p := range c.Parameters() {
				if p.Name != m.Parameters()[i].Name {
					t.Errorf("parameter %d is named %q, want %q", i, p.Name, m.Parameters()[i].Name)
				}
			}
		})
	}
}

func TestCheckpointedRefusesDropoutInTraining(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := NewSequential(NewLinear(3, 3, rng), NewDropout(0.5, rng), NewLinear(3, 2, rng))
	c := CheckpointEvery(m, 2)
	x := nabla.Randn(rng, 2, 3)
	func() {
		defer func() {
			r := recover()
			if r == nil || !strings.Contains(fmt.Sprint(r), "Dropout in training mode") {
				t.Errorf("panic %v, want one naming the Dropout in training mode", r)
			}
		}()
		c.Forward(x)
	}()
	Eval(c)
	if y := c.Forward(x); y.Dim(1) != 2 {
		t.Errorf("in evaluation mode: output shape %v", y.Shape())
	}
}

// A deep MLP checkpointed every two Linear layers (each with its ReLU): the
// parameters keep their names, and the gradients are the plain network's.
func ExampleCheckpointEvery() {
	rng := rand.New(rand.NewPCG(1, 2))
	mlp := MLP([]int{4, 8, 8, 8, 8, 3}, ReLU, rng)
	net := CheckpointEvery(mlp, 4)
	x := nabla.Randn(rng, 2, 4)
	loss := CrossEntropyLoss(net.Forward(x), []int{0, 2}, nil)
	loss.Backward()
	p := net.Parameters()[0]
	fmt.Println(p.Name, p.T.Grad().Shape())
	// Output: 0.weight [8 4]
}
