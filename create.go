package nabla

import (
	"math"
	"math/rand/v2"

	"github.com/nabla-go/nabla/internal/kernel"
)

func checkShape(op string, shape []int) []int {
	for _, d := range shape {
		if d < 0 {
			panicf(op, "negative dimension in shape %v", shape)
		}
	}
	return append([]int(nil), shape...)
}

// FromSlice returns a float64 tensor of the given shape holding a copy of data
// (row-major). With no shape, the tensor is a vector of len(data).
func FromSlice(data []float64, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	shape = checkShape("FromSlice", shape)
	if numel(shape) != len(data) {
		panicf("FromSlice", "%d values do not fill shape %s (%d elements)", len(data), fmtShape(shape), numel(shape))
	}
	return &Tensor{shape: shape, f64: append([]float64(nil), data...)}
}

// FromFloat32s returns a float32 tensor of the given shape holding a copy of
// data. With no shape, the tensor is a vector of len(data).
func FromFloat32s(data []float32, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	shape = checkShape("FromFloat32s", shape)
	if numel(shape) != len(data) {
		panicf("FromFloat32s", "%d values do not fill shape %s (%d elements)", len(data), fmtShape(shape), numel(shape))
	}
	return &Tensor{shape: shape, dtype: Float32, f32: append([]float32(nil), data...)}
}

// FromInt64s returns an Int64 tensor of the given shape holding a copy of
// data. With no shape, the tensor is a vector of len(data). Values beyond
// ±2^53 panic: Int64 tensors hold their values in float64 storage (see
// DType).
func FromInt64s(data []int64, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	shape = checkShape("FromInt64s", shape)
	if numel(shape) != len(data) {
		panicf("FromInt64s", "%d values do not fill shape %s (%d elements)", len(data), fmtShape(shape), numel(shape))
	}
	t := &Tensor{shape: shape, dtype: Int64, f64: make([]float64, len(data))}
	for i, v := range data {
		if v > maxExactInt || v < -maxExactInt {
			panicf("FromInt64s", "value %d at index %d is beyond ±2^53, the range an Int64 tensor holds exactly", v, i)
		}
		t.f64[i] = float64(v)
	}
	return t
}

// FromBools returns a Bool tensor of the given shape holding a copy of
// data. With no shape, the tensor is a vector of len(data).
func FromBools(data []bool, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	shape = checkShape("FromBools", shape)
	if numel(shape) != len(data) {
		panicf("FromBools", "%d values do not fill shape %s (%d elements)", len(data), fmtShape(shape), numel(shape))
	}
	t := &Tensor{shape: shape, dtype: Bool, f64: make([]float64, len(data))}
	for i, v := range data {
		if v {
			t.f64[i] = 1
		}
	}
	return t
}

// Scalar returns a float64 tensor of shape () holding v.
func Scalar(v float64) *Tensor { return &Tensor{shape: scalarShape, f64: []float64{v}} }

// scalarShape is shared by scalars: shapes are never written to.
var scalarShape = []int{}

// Zeros returns a float64 tensor of zeros.
func Zeros(shape ...int) *Tensor { return newTensor(nil, Float64, checkShape("Zeros", shape)) }

// Ones returns a float64 tensor of ones.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Full returns a float64 tensor filled with v.
func Full(v float64, shape ...int) *Tensor {
	t := newTensorRaw(nil, Float64, checkShape("Full", shape))
	kernel.Fill(t.f64, v)
	return t
}

// New returns a zero tensor of the given dtype and shape.
func New(dt DType, shape ...int) *Tensor { return newTensor(nil, dt, checkShape("New", shape)) }

// ZerosLike returns zeros with t's shape and dtype, on t's tape.
func ZerosLike(t *Tensor) *Tensor { return newTensor(live(t.tape), t.dtype, t.shape) }

// OnesLike returns ones with t's shape and dtype, on t's tape.
func OnesLike(t *Tensor) *Tensor { return onesOf(live(t.tape), t.dtype, t.shape) }

// FullLike returns a tensor with t's shape and dtype filled with v.
func FullLike(t *Tensor, v float64) *Tensor {
	o := newTensorRaw(live(t.tape), t.dtype, t.shape)
	o.fill(v)
	return o
}

func onesOf(tp *Tape, dt DType, shape []int) *Tensor {
	t := newTensorRaw(tp, dt, shape)
	t.fill(1)
	return t
}

func (t *Tensor) fill(v float64) {
	kernel.Fill(t.f64, v)
	kernel.Fill(t.f32, float32(v))
}

// scalarOf returns a scalar tensor of dtype dt.
func scalarOf(dt DType, v float64) *Tensor {
	if dt == Float32 {
		return &Tensor{shape: scalarShape, dtype: Float32, f32: []float32{float32(v)}}
	}
	return Scalar(v)
}

// Arange returns the float64 vector start, start+step, ... up to but excluding
// stop, like numpy.arange.
func Arange(start, stop, step float64) *Tensor {
	if step == 0 || math.IsNaN(step) || math.IsNaN(start) || math.IsNaN(stop) {
		panicf("Arange", "step %v with start %v and stop %v gives no sequence", step, start, stop)
	}
	n := int(math.Ceil((stop - start) / step))
	if n < 0 {
		n = 0
	}
	t := Zeros(n)
	for i := range t.f64 {
		t.f64[i] = start + float64(i)*step
	}
	return t
}

// Linspace returns n evenly spaced float64 values from start to stop inclusive.
func Linspace(start, stop float64, n int) *Tensor {
	if n < 0 {
		panicf("Linspace", "negative count %d", n)
	}
	t := Zeros(n)
	if n == 1 {
		t.f64[0] = start
		return t
	}
	step := (stop - start) / float64(n-1)
	for i := range t.f64 {
		t.f64[i] = start + float64(i)*step
	}
	if n > 1 {
		t.f64[n-1] = stop
	}
	return t
}

// Eye returns the n×n float64 identity matrix.
func Eye(n int) *Tensor {
	t := Zeros(n, n)
	for i := 0; i < n; i++ {
		t.f64[i*n+i] = 1
	}
	return t
}

// Rand returns float64 values drawn uniformly from [0, 1) by r. The same seed
// gives the same values on every machine (math/rand/v2 generators are
// specified bit for bit).
func Rand(r *rand.Rand, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.f64 {
		t.f64[i] = r.Float64()
	}
	return t
}

// Uniform returns float64 values drawn uniformly from [lo, hi) by r.
func Uniform(r *rand.Rand, lo, hi float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.f64 {
		t.f64[i] = lo + (hi-lo)*r.Float64()
	}
	return t
}

// Randn returns float64 values drawn from the standard normal distribution by r.
func Randn(r *rand.Rand, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.f64 {
		t.f64[i] = r.NormFloat64()
	}
	return t
}

// NewRand returns a random generator seeded with seed, for the constructors
// above: nabla.Randn(nabla.NewRand(42), 3, 4).
func NewRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }
