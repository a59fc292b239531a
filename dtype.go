package nabla

import "fmt"

// DType is the element type of a tensor.
type DType uint8

// The two element types. Float64 is the default of every constructor.
const (
	Float64 DType = iota
	Float32
)

// String returns "float64" or "float32".
func (d DType) String() string {
	switch d {
	case Float64:
		return "float64"
	case Float32:
		return "float32"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Size returns the number of bytes of one element.
func (d DType) Size() int {
	if d == Float32 {
		return 4
	}
	return 8
}
