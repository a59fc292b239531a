package nn

import (
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/gradcheck"
)

// Every layer and loss is checked against central finite differences, with
// the layer's parameters passed in as inputs of the checked function.

func TestLayerGradients(t *testing.T) {
	rng := nabla.NewRand(11)
	lin := NewLinear(3, 2, rng)
	mlp := MLP([]int{3, 4, 2}, Tanh, rng)
	ln := NewLayerNorm([]int{4}, 1e-5)
	emb := NewEmbedding(5, 3, rng)
	tests := []struct {
		name   string
		f      gradcheck.Func
		inputs []*nabla.Tensor
	}{
		{"Linear", func(xs ...*nabla.Tensor) *nabla.Tensor {
			lin.Weight, lin.Bias = xs[1], xs[2]
			return lin.Forward(xs[0])
		}, []*nabla.Tensor{nabla.Randn(rng, 4, 3), lin.Weight, lin.Bias}},
		{"Linear/vector", func(xs ...*nabla.Tensor) *nabla.Tensor {
			lin.Weight, lin.Bias = xs[1], xs[2]
			return lin.Forward(xs[0])
		}, []*nabla.Tensor{nabla.Randn(rng, 3), lin.Weight, lin.Bias}},
		{"MLP", func(xs ...*nabla.Tensor) *nabla.Tensor {
			l0, l2 := mlp.Layers[0].(*Linear), mlp.Layers[2].(*Linear)
			l0.Weight, l0.Bias, l2.Weight, l2.Bias = xs[1], xs[2], xs[3], xs[4]
			return mlp.Forward(xs[0])
		}, append([]*nabla.Tensor{nabla.Randn(rng, 2, 3)}, Tensors(mlp)...)},
		{"LayerNorm", func(xs ...*nabla.Tensor) *nabla.Tensor {
			ln.Weight, ln.Bias = xs[1], xs[2]
			return ln.Forward(xs[0])
		}, []*nabla.Tensor{nabla.Randn(rng, 3, 4), nabla.Randn(rng, 4), nabla.Randn(rng, 4)}},
		{"Embedding", func(xs ...*nabla.Tensor) *nabla.Tensor {
			emb.Weight = xs[0]
			return emb.Lookup([]int{1, 4, 1})
		}, []*nabla.Tensor{emb.Weight}},
		{"Dropout", func(xs ...*nabla.Tensor) *nabla.Tensor {
			return NewDropout(0.4, nabla.NewRand(3)).Forward(xs[0]) // same mask every call
		}, []*nabla.Tensor{nabla.Randn(rng, 3, 4)}},
		{"GELU", func(xs ...*nabla.Tensor) *nabla.Tensor { return GELU().Forward(xs[0]) }, []*nabla.Tensor{nabla.Randn(rng, 5)}},
		{"Flatten", func(xs ...*nabla.Tensor) *nabla.Tensor { return Flatten{}.Forward(xs[0]) }, []*nabla.Tensor{nabla.Randn(rng, 2, 2, 3)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := gradcheck.Check(tc.f, tc.inputs, nil); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestLossGradients(t *testing.T) {
	rng := nabla.NewRand(12)
	pred := nabla.Randn(rng, 3, 4)
	target := nabla.Randn(rng, 3, 4)
	// L1 and Huber are checked away from their kinks at 0 and at |d| = delta.
	offset := nabla.FromSlice([]float64{0.3, -0.7, 1.9, -2.5, 0.2, 0.6, -1.4, 3.1, -0.4, 0.8, -1.7, 2.2}, 3, 4)
	probs := nabla.Uniform(rng, 0.05, 0.95, 3, 4)
	soft := nabla.Uniform(rng, 0, 1, 3, 4)
	bits := nabla.FromSlice([]float64{1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0}, 3, 4)
	labels := []int{2, 0, 3}
	opts := &ClassOptions{Weight: []float64{0.5, 2, 1, 3}, LabelSmoothing: 0.2}
	type lossFn func(p, y *nabla.Tensor) *nabla.Tensor
	tests := []struct {
		name string
		f    lossFn
		p, y *nabla.Tensor
	}{
		{"MSE/mean", func(p, y *nabla.Tensor) *nabla.Tensor { return MSELoss(p, y, Mean) }, pred, target},
		{"MSE/none", func(p, y *nabla.Tensor) *nabla.Tensor { return MSELoss(p, y, None) }, pred, target},
		{"L1/sum", func(p, y *nabla.Tensor) *nabla.Tensor { return L1Loss(p, y, Sum) }, nabla.Add(target, offset), target},
		{"Huber/mean", func(p, y *nabla.Tensor) *nabla.Tensor { return HuberLoss(p, y, 1, Mean) }, nabla.Add(target, offset), target},
		{"BCE/soft", func(p, y *nabla.Tensor) *nabla.Tensor { return BCELoss(p, y, Mean) }, probs, soft},
		{"BCEWithLogits/soft", func(p, y *nabla.Tensor) *nabla.Tensor { return BCEWithLogitsLoss(p, y, Mean) }, pred, soft},
		{"BCEWithLogits/bits", func(p, y *nabla.Tensor) *nabla.Tensor { return BCEWithLogitsLoss(p, y, None) }, pred, bits},
		{"CrossEntropy", func(p, _ *nabla.Tensor) *nabla.Tensor { return CrossEntropyLoss(p, labels, nil) }, pred, target},
		{"CrossEntropy/smooth-weighted", func(p, _ *nabla.Tensor) *nabla.Tensor { return CrossEntropyLoss(p, labels, opts) }, pred, target},
		{"CrossEntropy/none", func(p, _ *nabla.Tensor) *nabla.Tensor {
			return CrossEntropyLoss(p, labels, &ClassOptions{Reduction: None, LabelSmoothing: 0.1})
		}, pred, target},
		{"NLL/weighted", func(p, _ *nabla.Tensor) *nabla.Tensor {
			return NLLLoss(nabla.LogSoftmax(p, 1), labels, &ClassOptions{Weight: opts.Weight})
		}, pred, target},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := func(xs ...*nabla.Tensor) *nabla.Tensor { return tc.f(xs[0], xs[1]) }
			if err := gradcheck.Check(f, []*nabla.Tensor{tc.p, tc.y}, &gradcheck.Options{Constant: []int{1}}); err != nil {
				t.Error(err)
			}
		})
	}
}
