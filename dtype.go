package nabla

import "fmt"

// DType is the element type of a tensor: a plain value, safe to share
// between goroutines.
type DType uint8

// The element types. Float64 is the default of every constructor. Float64
// and Float32 are the differentiable ones; Int64 (indices, labels, Argmax
// results) and Bool (masks, the results of comparisons) are data: a tensor
// of either never requires grad, and a differentiable op given one panics
// (convert it first with As).
//
// Int64 and Bool tensors keep their values in float64 storage, as whole
// numbers and as 0 or 1: so every shape op (Reshape, Expand, Permute,
// Slice, Take, Concat), the memory pools and the arenas treat them as they
// treat float64 tensors. An Int64 tensor therefore holds integers of
// magnitude up to 2^53 exactly; FromInt64s refuses larger ones.
const (
	Float64 DType = iota
	Float32
	Int64
	Bool
)

// String returns "float64", "float32", "int64" or "bool".
func (d DType) String() string {
	switch d {
	case Float64:
		return "float64"
	case Float32:
		return "float32"
	case Int64:
		return "int64"
	case Bool:
		return "bool"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Size returns the number of bytes of one element as files store it (1 for
// Bool, as safetensors' BOOL).
func (d DType) Size() int {
	switch d {
	case Float32:
		return 4
	case Bool:
		return 1
	}
	return 8
}

// IsFloat reports whether d is Float64 or Float32, the differentiable dtypes.
func (d DType) IsFloat() bool { return d == Float64 || d == Float32 }

// maxExactInt is the largest magnitude an Int64 tensor holds exactly
// (float64 storage).
const maxExactInt = 1 << 53
