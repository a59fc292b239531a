// Package kernel holds nabla's loops over raw float32 and float64 slices:
// elementwise maps, broadcasting binary operations and reductions, split across
// cores when the slices are large, and the size-classed buffer pools through
// which the backward pass recycles the gradients it drops (pool.go). It knows
// nothing of tensors or gradients; the nabla package calls it from the forward
// functions of its primitives.
//
// On amd64 CPUs with AVX2 the hottest elementwise loops run in assembly
// (elementwise_amd64.s, written by gen.go): vector-vector, vector-scalar and
// scalar-vector Add, Sub, Mul and Div, Affine (a multiply then an add, two
// roundings, no FMA), and the unary Relu, Positive, Square and Abs, in float64
// and float32, four 256-bit registers per iteration with a scalar tail. Their
// results are bit-identical to the Go loops', NaN payloads included: the
// operands are in the order of the Go loops' scalar instructions. The choice is
// made per call in vv, vs, sv, affineRange and unaryRange: slices of at least
// 16 float32 or float64 elements go to the assembly when the CPU has AVX2
// (golang.org/x/sys/cpu), everything else to the portable Go loops, which are
// also the only ones on other architectures and when the environment sets
// NABLA_KERNEL=portable.
package kernel
