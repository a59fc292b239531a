// Package gemm multiplies matrices: C = α·op(A)·op(B) + β·C in float32 and
// float64, where op(X) is X or Xᵀ as a flag says (nothing is transposed in
// memory) and every matrix is row-major with its own leading dimension.
//
// The method is Goto's, as in BLIS. The k×n operand B is packed, kc×nc at a
// time, into slivers nr columns wide, and the m×k operand A, mc×kc at a time
// (scaled by α), into slivers mr rows tall; a microkernel then adds the mr×nr
// product of one A sliver and one B sliver to C while both stay in the L1 and
// L2 caches. Packing pads partial slivers with zeros, so the microkernel only
// ever sees whole tiles; a tile that sticks out of C is computed into a
// scratch tile and the part inside is added to C.
//
// The microkernels are written in assembly for amd64 (kernel_amd64.s, made by
// gen.go): FMA on 256-bit registers for AVX2 (6×8 for float64, 6×16 for
// float32) and on 512-bit registers where the CPU has AVX-512 (12×16 and
// 12×32). The best one the CPU supports is chosen at start-up; elsewhere, or
// when the environment sets NABLA_GEMM=portable, a portable Go microkernel
// (4×4) is used instead. Products of more than about two million
// multiply-adds are split across cores by rows or columns of C; smaller ones
// run on the calling goroutine.
package gemm
