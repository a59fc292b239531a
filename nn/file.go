package nn

import (
	"fmt"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/safetensors"
)

// StateFile returns m's state dict (parameters and buffers, see StateDict) as
// the content of a .safetensors file, with PyTorch's names and dtypes: each
// tensor as F64 or F32 after its dtype, and Int64 buffers
// (num_batches_tracked) as I64 scalars. It is what
// safetensors.torch.save_file(model.state_dict(), path) writes for the same
// model in PyTorch, and the values are copies.
func StateFile(m Module) *safetensors.File {
	f := &safetensors.File{Tensors: map[string]safetensors.Tensor{}}
	ints := map[string]bool{}
	for _, b := range Buffers(m) {
		ints[b.Name] = b.Int64
	}
	for name, t := range StateDict(m) {
		switch {
		case ints[name]:
			v := t.Float64s()
			n := make([]int64, len(v))
			for i, x := range v {
				n[i] = int64(x)
			}
			f.Tensors[name] = safetensors.FromInt64(t.Shape(), n)
		case t.DType() == nabla.Float32:
			f.Tensors[name] = safetensors.FromFloat32(t.Shape(), t.Float32s())
		default:
			f.Tensors[name] = safetensors.FromFloat64(t.Shape(), t.Float64s())
		}
	}
	return f
}

// LoadStateFile copies the tensors of f into m's parameters and buffers, as
// LoadStateDict does: floating-point tensors of any precision are converted
// to each parameter's dtype, and integer tensors (a num_batches_tracked saved
// by PyTorch as I64) are read as whole numbers. It returns an error naming
// every missing or unexpected key, shape mismatch and unreadable tensor, and
// then changes nothing.
func LoadStateFile(m Module, f *safetensors.File) error {
	return loadStateFile("LoadStateFile", m, f)
}

func loadStateFile(op string, m Module, f *safetensors.File) error {
	dict := make(map[string]*nabla.Tensor, len(f.Tensors))
	for name, t := range f.Tensors {
		x, err := fromFile(t)
		if err != nil {
			return fmt.Errorf("nn: %s: tensor %q: %w", op, name, err)
		}
		dict[name] = x
	}
	return loadState(op, m, dict)
}

// fromFile converts a tensor of a file to a nabla tensor: F64 stays float64,
// narrower floats become float32, integers become float64 whole numbers.
func fromFile(t safetensors.Tensor) (*nabla.Tensor, error) {
	switch t.DType {
	case "F64":
		v, err := t.Float64()
		if err != nil {
			return nil, err
		}
		x := nabla.New(nabla.Float64, t.Shape...) // a scalar for an empty shape, unlike FromSlice
		copy(x.RawFloat64(), v)
		return x, nil
	case "F32", "F16", "BF16":
		v, err := t.Float32()
		if err != nil {
			return nil, err
		}
		x := nabla.New(nabla.Float32, t.Shape...)
		copy(x.RawFloat32(), v)
		return x, nil
	}
	n, err := t.Int64()
	if err != nil {
		return nil, err
	}
	x := nabla.New(nabla.Float64, t.Shape...)
	v := x.RawFloat64()
	for i, k := range n {
		if k > 1<<53 || k < -1<<53 {
			return nil, fmt.Errorf("element %d is %d, too large to hold exactly", i, k)
		}
		v[i] = float64(k)
	}
	return x, nil
}

// SaveFile writes m's state dict to a .safetensors file at path, atomically
// (see StateFile for the names and dtypes). PyTorch reads it with
// model.load_state_dict(safetensors.torch.load_file(path)).
func SaveFile(path string, m Module) error {
	return safetensors.WriteFile(path, StateFile(m))
}

// LoadFile reads a .safetensors file, such as the one PyTorch's
// safetensors.torch.save_file(model.state_dict(), path) writes, into m's
// parameters and buffers (see LoadStateFile). It changes nothing if it
// returns an error.
func LoadFile(path string, m Module) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return fmt.Errorf("nn: LoadFile: %w", err)
	}
	return loadStateFile("LoadFile", m, f)
}
