// Package kernel holds nabla's loops over raw float32 and float64 slices:
// elementwise maps, broadcasting binary operations and reductions, split across
// cores when the slices are large, and the size-classed buffer pools through
// which backward passes and arenas recycle the buffers of scratch tensors
// (pool.go). It knows
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
//
// Exp (exp.go, exp_amd64.s) is a vectorised e^x, not a loop over math.Exp:
// k = round(x/ln 2) and r = x - k·ln 2 by Cody–Waite reduction with a
// two-part ln 2 (the rounding error of r carried along as a correction), e^r
// = 1 + r + r²·P(r) with P the Taylor polynomial of degree 11 (13 in r) on
// |r| ≤ ln2/2, 1 + r added exactly as a double-float sum, then the scaling by
// 2^k in two multiplications, the first exact, so that k = 1024 and
// subnormal results need no special case. The input is first clamped to
// [-746, 710], which leaves every result unchanged and makes overflow to
// +Inf, underflow to 0, ±Inf and huge arguments need no branch; a NaN comes
// back unchanged. The error is below 0.7 ulp of the exact result (measured:
// 0.63 ulp; 0.76 ulp for subnormal results, rounded to 53 bits before the
// subnormal grid). math.Exp is no reference for it: on amd64 it errs by more
// than 2 ulp for some x (2.14 ulp at x = 611.6881933654707) and returns +Inf
// for 709.44 < x ≤ 709.78; exp_test.go measures against double-double
// arithmetic, itself checked with math/big. float32 is computed in float64
// and rounded once: all 2^32 float32 inputs give the correctly rounded
// float32 result (go test -run TestExp32 -exhaustive). The assembly, for CPUs
// with AVX2 and FMA, runs four float64 lanes, two registers per iteration
// (NABLA_KERNEL=portable turns it off as the others); the Go loop (exp64)
// performs the same operations with math.FMA and gives the same bits on
// every platform where math.FMA is an instruction, and is math.Exp where it
// is emulated in software. About 8× a math.Exp loop on one core. Sigmoid
// and Softplus evaluate nabla's overflow-free forms in float64 with e^-|x|
// from the same loops, 256 elements at a time.
package kernel
