// Package kernel holds nabla's loops over raw float32 and float64 slices:
// elementwise maps, broadcasting binary operations and reductions, split across
// cores when the slices are large, and the size-classed buffer pools through
// which backward passes and arenas recycle the buffers of scratch tensors
// (pool.go; where a list is empty, Get64 and Get32 allocate without clearing
// on amd64, since their callers overwrite the whole buffer). It knows
// nothing of tensors or gradients; the nabla package calls it from the forward
// functions of its primitives.
//
// On amd64 CPUs with AVX2 the hottest elementwise loops run in assembly
// (elementwise_amd64.s and elementwise_avx512_amd64.s, written by gen.go):
// vector-vector, vector-scalar and scalar-vector Add, Sub, Mul and Div, Affine
// (a multiply then an add, two roundings, no FMA), and the unary Relu,
// Positive, Square and Abs, in float64 and float32, four registers per
// iteration, then one, then the tail (one element at a time in the AVX2
// loops, one masked register in the AVX-512 ones). Their results are
// bit-identical to the Go loops', NaN payloads included: the operands are in
// the order of the Go loops' scalar instructions. The set is chosen once at
// start-up (elemInUse, named by ElemKernel): the AVX-512 loops where the CPU
// has AVX512F and BMI2 and they pass a self-test that compares every loop bit
// for bit with the Go loops on special values, else the AVX2 loops after the
// same test, else none. The AVX-512 set keeps the AVX2 vector-vector loops
// for slices of 2^19 elements or more, where 512-bit registers gained
// nothing (TestElemLoopsCompare measures each loop against the other set's:
// in the L1 cache the AVX-512 loops take 0.5–0.8 of the AVX2 time, divisions
// 0.5 up to 2^16 elements; bound by memory, the two are level). The choice of
// loop is made per call in vv, vs, sv, affineRange and unaryRange: slices of
// at least 16 elements go to the assembly, everything else to the portable
// Go loops, which are also the only ones on other architectures and when
// the environment sets NABLA_KERNEL=portable (NABLA_KERNEL=avx2 skips the
// AVX-512 loops).
//
// Sums (Reduce with Sum, over all or over rows) add in float64 with four
// running sums per block of at most 1024 elements and combine the blocks
// pairwise (sum in reduce.go); on amd64 with AVX2 the blocks of a long
// slice are summed eight at a time by sumLeaves32 and sumLeaves64
// (sum_amd64.s), one YMM register of four running sums per block, in the
// Go loop's order, so that the bits are the Go loop's (TestSumAsm).
//
// Two hand-written AVX-512 groups sit beside them, each with its own
// start-up self-test and the Go loop as fallback: ReluGrad (relugrad_amd64.s,
// g where y > 0 and g·0 elsewhere, the Go loop's bits) and batch
// normalisation in float32 (batchnorm_amd64.s: the channel statistics and
// gradient sums in 16 float64 lanes, which the Go loops keep too, so that
// both give the same bits, and the input gradient).
//
// Adam (adam.go, adam_amd64.s) applies one Adam or AdamW step, AMSGrad and
// weight decay included, for optim: AVX-512 loops on 8 float64 or 16
// float32 lanes, else AVX2 loops on 4 or 8, chosen at start-up after a
// bit-exact self-test (AdamKernel names them; NABLA_KERNEL as for the
// others), the tail and other platforms in the scalar Go loop adamGo. The
// loops do adamGo's operations in its order, no FMA, operands in the order
// of its scalar instructions and vi first in VMAXPD, so that the bits are
// adamGo's, NaN payloads included (TestAdamAsm; in a -race build the
// Go loop's own choice of NaN payload changes, so there the tests accept
// any NaN for a NaN). About 8× (float64) and 15×
// (float32) the Go loop's speed with AVX-512.
//
// Exp (exp.go, exp_amd64.s) is a vectorised e^x, not a loop over math.Exp:
// k = round(x/ln 2) and r = x - k·ln 2 by Cody–Waite reduction with a
// two-part ln 2 (the rounding error of r carried along as a correction), e^r
// = 1 + r + r²·P(r) with P the Taylor polynomial of degree 11 (13 in r) on
// |r| ≤ ln2/2, 1 + r added exactly as a double-float sum, then the scaling by
// 2^k in two multiplications, the first exact, so that k = 1024 and
// subnormal results need no special case (the float64 AVX-512 loop scales
// with one VSCALEFPD instead, which rounds the same product once: the same
// bits). The input is first clamped to
// [-746, 710], which leaves every result unchanged and makes overflow to
// +Inf, underflow to 0, ±Inf and huge arguments need no branch; a NaN comes
// back unchanged. The error is below 0.7 ulp of the exact result (measured:
// 0.63 ulp; 0.76 ulp for subnormal results, rounded to 53 bits before the
// subnormal grid). math.Exp is no reference for it: on amd64 it errs by more
// than 2 ulp for some x (2.14 ulp at x = 611.6881933654707) and returns +Inf
// for 709.44 < x ≤ 709.78; exp_test.go measures against double-double
// arithmetic, itself checked with math/big. The float64 assembly runs
// eight lanes on CPUs with AVX-512 (1.8–1.9× the AVX2 loop's speed in
// cache), four on CPUs with AVX2 and FMA, two registers per iteration,
// chosen at start-up after a bit-exact self-test (ExpKernel names it;
// NABLA_KERNEL=avx2 and NABLA_KERNEL=portable as for the others); the Go loop (exp64)
// performs the same operations with math.FMA and gives the same bits on
// every platform where math.FMA is an instruction, and is math.Exp where it
// is emulated in software. About 8× a math.Exp loop on one core. float32 Exp
// is computed in float32 by the loops of the next paragraph (expVec32); the
// elements they leave go through exp64 and are rounded once (correctly
// rounded for all 2^32 float32 inputs). Softplus evaluates nabla's
// overflow-free form in float64 with e^-|x| from the float64 loops, 256
// elements at a time.
//
// Sin, Cos, Sincos, Tan, Atan, Erf, Log, Log1p, Expm1, Tanh, Sigmoid,
// Power (x^y; PowerScalar for a constant y) (trans.go) and float32 Exp are
// vectorised too, float32 computed in float32: AVX-512 loops (AVX512F and
// AVX512DQ) on eight float64 or sixteen float32 lanes, and AVX2+FMA loops on
// four or eight (trans_amd64.s). transgen.go writes each loop in both forms,
// and for float64 its Go model (trans_model.go, the same operations with
// math.FMA), from one description. At start-up the AVX-512 set is chosen if
// the CPU has it and every loop passes a self-test (float64 bit for bit
// against the Go models, float32 within 1 ulp of the math package), else the
// AVX2 set on the same condition, else none: the scalar code runs
// (TransKernel names the choice; NABLA_KERNEL=avx2 skips AVX-512,
// NABLA_KERNEL=portable all assembly). The two sets give the same bits. The
// scalar code is the Go model, element by element, for float64 where
// math.FMA is an instruction (so the result does not depend on which ran,
// nor on where in a slice an element sits), and the math package where it is
// not; float32 elements outside the loops go through the float64 scalar code
// and are rounded once. The methods, and the largest errors measured, in
// ulps of the exact value (float64: math/big references over 5·10⁴–2·10⁵
// arguments each with -exhaustive-trans, including subnormals, ±0, ±Inf, NaN
// and, for sin and cos, the float64 numbers nearest to multiples of π/2 up
// to 2^25 and arguments up to 10^60; float32: all 2^32 inputs, go test -run
// TestTrans32 -exhaustive-trans, against the float64 functions):
//
//   - exp (float32; float64 above): x clamped to [-104, 89], which changes
//     no result and covers ±Inf, overflow and underflow without a branch
//     (NaN passes through); k = round(x/ln 2), r + rlo = x - k·ln 2
//     (Cody–Waite, ln 2 in two parts), 1 + r = h + l exactly and e^r = h +
//     (l + r²·P(r) + rlo), P the Taylor polynomial of degree 6 (8 in r),
//     rounded once, then scaled by 2^k in two multiplications, the first
//     exact, so that subnormal results are rounded once more. Bound 1 ulp;
//     measured 0.76 (all 2^32 inputs; the largest at a subnormal result,
//     rounded twice).
//   - sin, cos: k = round(x·2/π), r = x - k·π/2 in double length with π/2 in
//     four parts (the first three short enough that k times each is exact),
//     Taylor polynomials in r with the leading terms carried exactly. The
//     loops handle |x| ≤ 2^25 (float32: 2^11); beyond that, and for ±Inf
//     and NaN, they stop before the block and the scalar code reduces by
//     Payne–Hanek (reduceHuge, 192 bits of 2/π at the right place), not by
//     math.Sin, which errs by up to about 20 ulp for x beyond 2^29. Bound
//     1 ulp; measured 0.69 / 0.69 (float64 sin / cos), 0.76 / 0.75
//     (float32, all |x| ≤ 2^11 and every 997th pattern beyond).
//   - log: fdlibm's method (x = 2^e·m, m in [√2/2, √2), s = f/(2+f), its
//     minimax polynomial in s²; float32 FreeBSD's logf polynomial),
//     subnormals scaled first in the loop. Bound 1 ulp; measured 0.78
//     (float64), 0.84 (float32). math.Log on amd64 is wrong for subnormal
//     arguments (it returns log 2^-1023 for 5e-324); Log is not.
//   - tanh: sign(x)·(1-e)/(1+e) with e = e^-2|x| from Exp's method, kept in
//     double length, and a division corrected once by its residual; x
//     itself for tiny |x|. Bound 1 ulp; measured 0.67 (float64), 0.77
//     (float32).
//   - sigmoid: 1/(1+e) for x ≥ +0 and e/(1+e) otherwise with e = e^-|x| in
//     double length, in the same pass (no separate exponential), divided
//     the same way; below -700 (float32: -80), where 1+e rounds to 1, e^x
//     from Exp's scalar code. Bound 1 ulp; measured 0.73 (float64, from
//     e^x near the subnormal range), 0.60 (float32).
//   - log1p: log's method on 1 + x = u + c (exact), with c/u added before
//     the last rounding (fdlibm's log1p). Bound 1 ulp; measured 0.77
//     (float64), 0.84 (float32).
//   - expm1: e^x in double length as for tanh, then (eh - 1) exactly plus
//     el. Loops for x ≤ 700 (float32: 80), math.Expm1 above. Bound 1 ulp;
//     measured 0.82 (float64), 0.87 (float32).
//   - tan: sin's reduction, sin and cos of r + rl each in double length,
//     then sin/cos (k even) or -cos/sin (k odd) divided with one correction
//     by the residual; beyond 2^25 Payne–Hanek and the same quotient. Bound
//     1 ulp; measured 0.81 (float64), 0.91 (float32).
//   - atan: with a = |x|, atan a = b + atan(n/d), n/d = a (b = 0) up to
//     tan(π/8), (a-1)/(a+1) (b = π/4) up to tan(3π/8), -1/a (b = π/2)
//     beyond, n and d exact sums and the quotient y + yl in double length;
//     atan(y + yl) = y + yl·(1-y²) + y³·P(y²), P a minimax fit (degree 11;
//     float32 5) by fit/transfit.py; b + y summed exactly. Bound 1 ulp;
//     measured A0.81 (float64), A0.91 (float32).
//   - erf: for |x| < 1, x·(2/√π - (2/√π)·x²/3 + x⁴·E(x²)) with all but
//     x⁴·E in double length (tiny x scaled up first, so that no low part
//     underflows); for 1 ≤ |x| (clamped at 6, float32 4, where erf rounds
//     to ±1), 1 - e^(-x²)·G(|x| - 3) with x² and e^(-x²) (Exp's method) in
//     double length and G a minimax fit of erfc·e^(x²) weighted by e^(-x²)
//     (degree 21; float32 10, around 2.5), by fit/transfit.py. Bound 1 ulp;
//     measured 0.79 (float64), 0.81 (float32).
//   - pow: for finite x > 0 and finite y, e^(y·ln x) with ln x to about
//     2^-100 relative (log's reduction, s = f/(2+f) in double length, 2s +
//     (2/3)s³ summed exactly with e·ln2, Taylor's series in s² for the
//     rest), y·ln x = ph + pl by an FMA, Exp's method on ph with pl folded
//     into the reduced argument, and 2^k applied in two halves, so that
//     results overflow to +Inf and subnormal ones are rounded once from the
//     double-length value (error still below 1 ulp). Negative x with integer
//     y: the scalar code, |x|^y with the sign; zeros, infinities and NaN:
//     math.Pow, whose special cases (C99's) are exact. The loops stop at
//     x ≤ 0 and at non-finite x or y. Bound 1 ulp; measured 0.72
//     (float64, pairs with x over all positive floats and y·ln x over the
//     whole range of results, x near 1 with |y| up to 2^60, x < 0 with
//     integer y), 0.76 (float32, against the float64 Power, every 97th x
//     against 25 exponents each).
//
// No result may move by more than its bound whichever code computed it.
package kernel
