package train

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/safetensors"
)

// CheckpointFile is the checkpoint's name inside a run directory.
const CheckpointFile = "checkpoint.safetensors"

// Checkpoint is what a run directory's checkpoint holds: named tensors
// ("model.0.weight", "model.1.running_mean", "optim.state.0.exp_avg",
// "scaler.mean", ...) and string metadata (the config as JSON, the epoch, the
// RNG states of the batch order and of augmentation, the class names as a
// JSON list, the image shape).
type Checkpoint struct {
	Tensors map[string]*nabla.Tensor
	// Int64 names the tensors that hold counts the file stores as I64, as
	// PyTorch stores them (a BatchNorm's "model.1.num_batches_tracked"); the
	// others are stored as F32 or F64 after their dtype. nil means none.
	Int64    map[string]bool
	Metadata map[string]string
}

// Save writes the checkpoint to path atomically.
func (c *Checkpoint) Save(path string) error {
	f := &safetensors.File{Tensors: map[string]safetensors.Tensor{}, Metadata: c.Metadata}
	for name, t := range c.Tensors {
		if c.Int64[name] {
			v := t.Float64s()
			n := make([]int64, len(v))
			for i, x := range v {
				n[i] = int64(x)
			}
			f.Tensors[name] = safetensors.FromInt64(t.Shape(), n)
		} else if t.DType() == nabla.Float32 {
			// The tensors' own memory: Save returns once it is written.
			f.Tensors[name] = safetensors.ViewFloat32(t.Shape(), t.RawFloat32())
		} else {
			f.Tensors[name] = safetensors.ViewFloat64(t.Shape(), t.RawFloat64())
		}
	}
	return safetensors.WriteFile(path, f)
}

// LoadCheckpoint reads a checkpoint file, or the one in a run directory. It
// reads regular files only (a FIFO or a device would block or never end),
// and refuses tensors with NaN or infinite entries.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("%s does not exist", path)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", path, errors.Unwrap(err))
	case st.IsDir():
		dir := path
		path = filepath.Join(dir, CheckpointFile)
		if st, err = os.Stat(path); err != nil {
			return nil, fmt.Errorf("%s is not a run directory: it has no %s", dir, CheckpointFile)
		}
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (a run directory or a .safetensors checkpoint is expected)", path)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		if strings.HasSuffix(path, ".safetensors") {
			return nil, err
		}
		return nil, fmt.Errorf("%s is not a run directory or a nabla checkpoint: %w", path, err)
	}
	c := &Checkpoint{Tensors: map[string]*nabla.Tensor{}, Int64: map[string]bool{}, Metadata: f.Metadata}
	for name, t := range f.Tensors {
		switch t.DType {
		case "F32":
			v, err := t.Float32()
			if err != nil {
				return nil, fmt.Errorf("%s: tensor %q: %w", path, name, err)
			}
			c.Tensors[name] = nabla.New(nabla.Float32, t.Shape...) // a scalar for shape [], unlike FromFloat32s
			copy(c.Tensors[name].RawFloat32(), v)
			for i, x := range v {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					return nil, fmt.Errorf("%s: tensor %q has the value %v at index %d: a checkpoint holds finite numbers only", path, name, x, i)
				}
			}
		case "F64":
			v, err := t.Float64()
			if err != nil {
				return nil, fmt.Errorf("%s: tensor %q: %w", path, name, err)
			}
			c.Tensors[name] = nabla.New(nabla.Float64, t.Shape...)
			copy(c.Tensors[name].RawFloat64(), v)
			if i := nonFinite(v); i >= 0 {
				return nil, fmt.Errorf("%s: tensor %q has the value %v at index %d: a checkpoint holds finite numbers only", path, name, v[i], i)
			}
		case "I64":
			n, err := t.Int64()
			if err != nil {
				return nil, fmt.Errorf("%s: tensor %q: %w", path, name, err)
			}
			x := nabla.New(nabla.Float64, t.Shape...)
			v := x.RawFloat64()
			for i, k := range n {
				if k < 0 || k > 1<<53 {
					return nil, fmt.Errorf("%s: tensor %q has the value %d at index %d: a checkpoint's integers are counts up to 2^53", path, name, k, i)
				}
				v[i] = float64(k)
			}
			c.Tensors[name] = x
			c.Int64[name] = true
		default:
			return nil, fmt.Errorf("%s: tensor %q has dtype %s; a nabla checkpoint holds F32, F64 and I64 only", path, name, t.DType)
		}
	}
	if c.Metadata["format"] != checkpointFormat {
		return nil, fmt.Errorf("%s: not a nabla training checkpoint (format %q)", path, c.Metadata["format"])
	}
	return c, nil
}

const checkpointFormat = "nabla-train/1"

// withPrefix returns the tensors whose names start with prefix, the prefix
// removed.
func (c *Checkpoint) withPrefix(prefix string) map[string]*nabla.Tensor {
	out := map[string]*nabla.Tensor{}
	for name, t := range c.Tensors {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			out[rest] = t
		}
	}
	return out
}

// nonFinite returns the index of the first NaN or infinite entry of v, or -1.
func nonFinite(v []float64) int {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i
		}
	}
	return -1
}
