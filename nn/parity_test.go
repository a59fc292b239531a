package nn

import (
	"bytes"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/safetensors"
)

// The models of testdata/make_fixtures.py, built with nn. Their initial
// values come from the fixture's state file, so the generator only fills
// them in before that.
var parityModels = map[string]func(rng *rand.Rand) *Sequential{
	"cnn": func(rng *rand.Rand) *Sequential {
		return NewSequential(
			NewConv2d(1, 4, 3, rng, Padding(1)),
			NewBatchNorm2d(4),
			ReLU(),
			NewMaxPool2d(2),
			NewConv2d(4, 8, 3, rng, PaddingSame(), Groups(2), Dilation(2)),
			NewGroupNorm(2, 8, 1e-5),
			ReLU(),
			NewAvgPool2d(3, Stride(2), Padding(1), CeilMode(), ExcludePadding()),
			NewConv2d(8, 6, 0, rng, Kernel2(2, 3), Stride(2, 1), Padding(1, 0), Dilation(1, 2)),
			NewAdaptiveAvgPool2d(2, 1),
			Flatten{},
			NewLinear(12, 3, rng),
		)
	},
	"seq": func(rng *rand.Rand) *Sequential {
		return NewSequential(
			NewConv1d(3, 6, 3, rng, Stride(2), Padding(1)),
			NewBatchNorm1d(6, CumulativeAverage()),
			ReLU(),
			NewConv1d(6, 6, 3, rng, PaddingSame(), Groups(3), Dilation(2)),
			NewBatchNorm1d(6, NoAffine(), Momentum(0.3)),
			Flatten{},
			NewLinear(60, 16, rng),
			NewBatchNorm1d(16),
			Tanh(),
			NewLinear(16, 4, rng),
		)
	},
	"up": func(rng *rand.Rand) *Sequential {
		return NewSequential(
			NewConvTranspose2d(2, 4, 3, rng, Stride(2), Padding(1), OutputPadding(1)),
			NewBatchNorm2d(4, NoRunningStats()),
			ReLU(),
			NewConvTranspose2d(4, 2, 0, rng, Kernel2(2, 3), Stride(1, 2), Groups(2), Dilation(2, 1), NoBias()),
			NewMaxPool2d(3, Stride(2), Padding(1), Dilation(1, 2), CeilMode()),
			NewAvgPool2d(2, Stride(2, 3), Padding(1), DivisorOverride(3)),
			Flatten{},
			NewLinear(32, 3, rng),
		)
	},
}

// readTensors reads a fixture file as nabla tensors.
func readTensors(t *testing.T, path string) map[string]*nabla.Tensor {
	t.Helper()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*nabla.Tensor{}
	for name, st := range f.Tensors {
		x, err := fromFile(st)
		if err != nil {
			t.Fatalf("%s: %s: %v", path, name, err)
		}
		out[name] = x
	}
	return out
}

// matches fails unless got and want (same shape) agree to tol, relative to
// their size for values above 1.
func matches(t *testing.T, what string, got, want *nabla.Tensor, tol float64) {
	t.Helper()
	if !slices.Equal(got.Shape(), want.Shape()) {
		t.Errorf("%s: shape %v, PyTorch's %v", what, got.Shape(), want.Shape())
		return
	}
	g, w := got.Float64s(), want.Float64s()
	worst, at := 0.0, -1
	for i := range g {
		if e := math.Abs(g[i]-w[i]) / math.Max(1, math.Abs(w[i])); e > worst || math.IsNaN(e) {
			worst, at = e, i
		}
	}
	if worst > tol || at >= 0 && math.IsNaN(worst) {
		t.Errorf("%s: element %d is %v, PyTorch's %v (error %.3g > %.0g)", what, at, g[at], w[at], worst, tol)
	}
}

// TestPyTorchParity loads each PyTorch model's state dict (written by
// testdata/make_fixtures.py) into the same model built with nn and compares,
// in float64 to 1e-10: the logits of a training-mode forward pass, the
// running statistics it updates, the gradients of sum(logits·weights) with
// respect to every parameter and the input, and the logits in evaluation
// mode after that pass.
func TestPyTorchParity(t *testing.T) {
	const tol = 1e-10
	for _, name := range []string{"cnn", "seq", "up"} {
		t.Run(name, func(t *testing.T) {
			m := parityModels[name](nabla.NewRand(1))
			statePath := filepath.Join("testdata", name+"_state.safetensors")
			if err := LoadFile(statePath, m); err != nil {
				t.Fatal(err)
			}
			io := readTensors(t, filepath.Join("testdata", name+"_io.safetensors"))
			x := io["input"].SetRequiresGrad(true)

			Train(m)
			logits := m.Forward(x)
			matches(t, "train logits", logits, io["train.logits"], tol)
			nabla.Sum(nabla.Mul(logits, io["weights"])).Backward()
			matches(t, "grad input", x.Grad(), io["grad.input"], tol)
			for _, p := range m.Parameters() {
				if p.T.Grad() == nil {
					t.Errorf("%s has no gradient", p.Name)
					continue
				}
				matches(t, "grad "+p.Name, p.T.Grad(), io["grad."+p.Name], tol)
			}
			for _, b := range Buffers(m) {
				matches(t, "buffer "+b.Name, b.T, io["train."+b.Name], tol)
			}

			Eval(m)
			matches(t, "eval logits", m.Forward(x.Detach()), io["eval.logits"], tol)
		})
	}
}

// The state file written by nn for a model loaded from PyTorch's holds the
// same tensors with the same dtypes (num_batches_tracked as I64) and bytes.
func TestPyTorchStateRoundTrip(t *testing.T) {
	for _, name := range []string{"cnn", "seq", "up"} {
		t.Run(name, func(t *testing.T) {
			m := parityModels[name](nabla.NewRand(1))
			path := filepath.Join("testdata", name+"_state.safetensors")
			if err := LoadFile(path, m); err != nil {
				t.Fatal(err)
			}
			want, err := safetensors.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := StateFile(m)
			if len(got.Tensors) != len(want.Tensors) {
				t.Errorf("%d tensors, PyTorch's file has %d", len(got.Tensors), len(want.Tensors))
			}
			for k, w := range want.Tensors {
				g, ok := got.Tensors[k]
				if !ok || g.DType != w.DType || !slices.Equal(g.Shape, w.Shape) || !bytes.Equal(g.Data, w.Data) {
					t.Errorf("%s: %s %v, PyTorch's %s %v (same bytes: %v)", k, g.DType, g.Shape, w.DType, w.Shape, bytes.Equal(g.Data, w.Data))
				}
			}
		})
	}
}
