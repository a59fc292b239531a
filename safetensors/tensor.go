package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"
)

// dtypeSizes maps each supported dtype to its size in bytes. The 4- and
// 6-bit float types of newer reference versions are not supported, since
// their elements do not fill whole bytes.
var dtypeSizes = map[string]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// DTypeSize returns the size in bytes of one element of dtype, and false if
// the package does not know dtype.
func DTypeSize(dtype string) (int, bool) {
	n, ok := dtypeSizes[dtype]
	return n, ok
}

// Tensor is one named array of a file: its element type, its shape (empty
// for a scalar) and its elements as little-endian bytes in row-major order.
type Tensor struct {
	DType string // "F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL", ...
	Shape []int
	Data  []byte
}

// byteSize returns the number of bytes that shape and dtype call for,
// without overflowing on hostile shapes.
func byteSize(dtype string, shape []int) (int, error) {
	size, ok := dtypeSizes[dtype]
	if !ok {
		return 0, fmt.Errorf("unknown dtype %q", dtype)
	}
	n := size
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d != 0 && n > math.MaxInt/d {
			return 0, fmt.Errorf("shape %v of %s overflows", shape, dtype)
		}
		n *= d
	}
	return n, nil
}

// check reports whether the data length agrees with the dtype and shape.
func (t Tensor) check() error {
	n, err := byteSize(t.DType, t.Shape)
	if err != nil {
		return err
	}
	if n != len(t.Data) {
		return fmt.Errorf("shape %v of %s needs %d bytes, data has %d", t.Shape, t.DType, n, len(t.Data))
	}
	return nil
}

// FromFloat64 returns an F64 tensor holding a copy of v. It does not compare
// shape with len(v); [Encode] does, and names the tensor if they disagree.
func FromFloat64(shape []int, v []float64) Tensor {
	b := make([]byte, 0, 8*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return Tensor{DType: "F64", Shape: append([]int{}, shape...), Data: b}
}

// littleEndian reports whether this machine stores numbers as safetensors
// does, so that a float slice's memory is already its encoding.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// ViewFloat64 returns an F64 tensor whose Data is v's own memory, with no
// copy, on a little-endian machine (elsewhere it is FromFloat64): for
// writing large tensors ([WriteFile], [Encode]) without holding them twice,
// as a checkpoint of a model's parameters does. v must not change until
// the tensor has been written.
func ViewFloat64(shape []int, v []float64) Tensor {
	if !littleEndian || len(v) == 0 {
		return FromFloat64(shape, v)
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 8*len(v))
	return Tensor{DType: "F64", Shape: append([]int{}, shape...), Data: b}
}

// ViewFloat32 is [ViewFloat64] for an F32 tensor.
func ViewFloat32(shape []int, v []float32) Tensor {
	if !littleEndian || len(v) == 0 {
		return FromFloat32(shape, v)
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v))
	return Tensor{DType: "F32", Shape: append([]int{}, shape...), Data: b}
}

// FromFloat32 returns an F32 tensor holding a copy of v; see [FromFloat64].
func FromFloat32(shape []int, v []float32) Tensor {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return Tensor{DType: "F32", Shape: append([]int{}, shape...), Data: b}
}

// FromInt64 returns an I64 tensor holding a copy of v, for integer state
// such as step counters and random generator state; see [FromFloat64].
func FromInt64(shape []int, v []int64) Tensor {
	b := make([]byte, 0, 8*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	return Tensor{DType: "I64", Shape: append([]int{}, shape...), Data: b}
}

// FromBool returns a BOOL tensor (one byte per element, 0 or 1) holding a
// copy of v; see [FromFloat64]. [Tensor.Int64] reads it back as 0 and 1.
func FromBool(shape []int, v []bool) Tensor {
	b := make([]byte, len(v))
	for i, x := range v {
		if x {
			b[i] = 1
		}
	}
	return Tensor{DType: "BOOL", Shape: append([]int{}, shape...), Data: b}
}

// Float64 returns the elements of a floating-point tensor (F64, F32, F16 or
// BF16) as float64, which represents all of them exactly.
func (t Tensor) Float64() ([]float64, error) {
	if t.DType == "F64" {
		if err := t.check(); err != nil {
			return nil, err
		}
		v := make([]float64, len(t.Data)/8)
		for i := range v {
			v[i] = math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:]))
		}
		return v, nil
	}
	f, err := t.Float32()
	if err != nil {
		return nil, err
	}
	v := make([]float64, len(f))
	for i, x := range f {
		v[i] = float64(x)
	}
	return v, nil
}

// Float32 returns the elements of a floating-point tensor (F64, F32, F16 or
// BF16) as float32; F64 values are rounded to the nearest float32.
func (t Tensor) Float32() ([]float32, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	d := t.Data
	switch t.DType {
	case "F64":
		v := make([]float32, len(d)/8)
		for i := range v {
			v[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(d[8*i:])))
		}
		return v, nil
	case "F32":
		v := make([]float32, len(d)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(d[4*i:]))
		}
		return v, nil
	case "F16":
		v := make([]float32, len(d)/2)
		for i := range v {
			v[i] = float16(binary.LittleEndian.Uint16(d[2*i:]))
		}
		return v, nil
	case "BF16":
		// bfloat16 is the top half of a float32.
		v := make([]float32, len(d)/2)
		for i := range v {
			v[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(d[2*i:])) << 16)
		}
		return v, nil
	}
	return nil, fmt.Errorf("safetensors: cannot read %s as floating point", t.DType)
}

// float16 converts IEEE 754 half precision to float32, which holds every
// half-precision value exactly.
func float16(h uint16) float32 {
	sign := float32(1)
	if h&0x8000 != 0 {
		sign = -1
	}
	exp, mant := int(h>>10)&0x1f, float64(h&0x3ff)
	switch exp {
	case 0: // zero or subnormal
		return sign * float32(math.Ldexp(mant, -24))
	case 0x1f:
		if mant != 0 {
			return float32(math.NaN())
		}
		return sign * float32(math.Inf(1))
	}
	return sign * float32(math.Ldexp(1024+mant, exp-25))
}

// Int64 returns the elements of an integer or BOOL tensor as int64. U64
// values above math.MaxInt64 are an error rather than silently negative.
func (t Tensor) Int64() ([]int64, error) {
	switch t.DType {
	case "I64", "U64", "I32", "U32", "I16", "U16", "I8", "U8", "BOOL":
	default:
		return nil, fmt.Errorf("safetensors: cannot read %s as integers", t.DType)
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	size := dtypeSizes[t.DType]
	d := t.Data
	v := make([]int64, len(d)/size)
	for i := range v {
		switch t.DType {
		case "I64":
			v[i] = int64(binary.LittleEndian.Uint64(d[8*i:]))
		case "U64":
			u := binary.LittleEndian.Uint64(d[8*i:])
			if u > math.MaxInt64 {
				return nil, fmt.Errorf("safetensors: U64 element %d is %d, beyond int64", i, u)
			}
			v[i] = int64(u)
		case "I32":
			v[i] = int64(int32(binary.LittleEndian.Uint32(d[4*i:])))
		case "U32":
			v[i] = int64(binary.LittleEndian.Uint32(d[4*i:]))
		case "I16":
			v[i] = int64(int16(binary.LittleEndian.Uint16(d[2*i:])))
		case "U16":
			v[i] = int64(binary.LittleEndian.Uint16(d[2*i:]))
		case "I8":
			v[i] = int64(int8(d[i]))
		case "U8", "BOOL":
			v[i] = int64(d[i])
		}
	}
	return v, nil
}
