package train

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/nn"
	"github.com/nabla-go/nabla/safetensors"
)

// A model with buffers goes through a checkpoint whole: the running
// statistics as floats, num_batches_tracked as an I64 scalar, as PyTorch
// stores them.
func TestCheckpointKeepsBuffers(t *testing.T) {
	rng := nabla.NewRand(1)
	model := nn.NewSequential(nn.NewLinear(3, 4, rng), nn.NewBatchNorm1d(4))
	model.Forward(nabla.Randn(rng, 5, 3))
	ck := &Checkpoint{Tensors: map[string]*nabla.Tensor{}, Int64: map[string]bool{}, Metadata: map[string]string{"format": checkpointFormat}}
	for name, x := range nn.StateDict(model) {
		ck.Tensors["model."+name] = x
	}
	for _, b := range nn.Buffers(model) {
		if b.Int64 {
			ck.Int64["model."+b.Name] = true
		}
	}
	path := filepath.Join(t.TempDir(), CheckpointFile)
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if st := f.Tensors["model.1.num_batches_tracked"]; st.DType != "I64" || len(st.Shape) != 0 {
		t.Errorf("num_batches_tracked stored as %s %v, want an I64 scalar", st.DType, st.Shape)
	}
	back, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Int64["model.1.num_batches_tracked"] || len(back.Int64) != 1 {
		t.Errorf("Int64 read back as %v", back.Int64)
	}
	fresh := nn.NewSequential(nn.NewLinear(3, 4, nabla.NewRand(2)), nn.NewBatchNorm1d(4))
	if err := nn.LoadStateDict(fresh, back.withPrefix("model.")); err != nil {
		t.Fatal(err)
	}
	for name, x := range nn.StateDict(model) {
		if !slices.Equal(x.Float64s(), nn.StateDict(fresh)[name].Float64s()) {
			t.Errorf("%s differs after the round trip", name)
		}
	}

	// A negative count is refused.
	f.Tensors["model.1.num_batches_tracked"] = safetensors.FromInt64(nil, []int64{-1})
	if err := safetensors.WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCheckpoint(path); err == nil || !strings.Contains(err.Error(), "counts up to 2^53") {
		t.Errorf("negative count: %v", err)
	}
}
