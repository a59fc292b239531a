//go:build amd64

#include "textflag.h"

// Adam loops, one per type and ISA, all four the same sequence of
// instructions with the registers (Z or Y) and mnemonics (PD or PS) changed:
// a change to one belongs in all four. They reproduce adamGo's bits:
//
//   - No FMA: adamGo rounds every multiply and add on its own (the Go
//     compiler fuses nothing with GOAMD64=v1), so each is one instruction here.
//   - Operand order: when both operands of an x86 add, multiply or divide are
//     NaNs, the result is the first source's NaN (quieted). The source
//     operand written first in each Intel-order instruction below (the middle
//     one in Go's syntax) is the one the Go compiler's scalar code has as
//     destination, so that NaN payloads come out as in adamGo.
//   - AMSGrad: adamGo keeps vmax unless vi > vmax, which is false when either
//     is a NaN or they are equal (±0). VMAXPD/VMAXPS x, y return x when
//     x > y and y otherwise, NaNs and equal values included, so vi is the
//     first operand and vmax the second.
//   - The square root is correctly rounded in both; float32(√float64(x)) is
//     the float32 square root of x, and a NaN keeps its payload both ways.
//
// Arguments: p, g, m, v, vmax []T; c *[7]T (w1, b2, w2, e, bc2sqrt, negStep,
// decay); flags (1 L2 decay, 2 decoupled decay, 4 AMSGrad). Each updates
// the first len(p)/lanes·lanes elements; Adam leaves the rest to adamGo.

// func adam64AVX512(p, g, m, v, vmax []float64, c *[7]float64, flags uint64)
TEXT ·adam64AVX512(SB), NOSPLIT, $0-136
	MOVQ p_base+0(FP), DI
	MOVQ p_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ m_base+48(FP), R8
	MOVQ v_base+72(FP), R9
	MOVQ vmax_base+96(FP), R10
	MOVQ c+120(FP), AX
	MOVQ flags+128(FP), BX
	VBROADCASTSD 0(AX), Z8  // w1 = 1-β₁
	VBROADCASTSD 8(AX), Z9  // b2 = β₂
	VBROADCASTSD 16(AX), Z10 // w2 = 1-β₂
	VBROADCASTSD 24(AX), Z11 // e = ε
	VBROADCASTSD 32(AX), Z12 // bc2sqrt
	VBROADCASTSD 40(AX), Z13 // negStep
	VBROADCASTSD 48(AX), Z14 // decay
	SHRQ $3, CX
	JZ a64zdone
	XORQ DX, DX // byte offset
a64zloop:
	VMOVUPD (SI)(DX*1), Z0 // d = g
	VMOVUPD (DI)(DX*1), Z1 // p
	TESTQ $2, BX
	JZ a64zl2
	VMULPD Z14, Z1, Z1 // p = p·decay
	JMP a64zmoments
a64zl2:
	TESTQ $1, BX
	JZ a64zmoments
	VMULPD Z14, Z1, Z2 // p·decay
	VADDPD Z2, Z0, Z0  // d = d + p·decay
a64zmoments:
	VMOVUPD (R8)(DX*1), Z3
	VSUBPD Z3, Z0, Z4 // d - m
	VMULPD Z8, Z4, Z4 // (d-m)·w1
	VADDPD Z3, Z4, Z3 // m = (d-m)·w1 + m
	VMOVUPD Z3, (R8)(DX*1)
	VMOVUPD (R9)(DX*1), Z5
	VMULPD Z9, Z5, Z5  // v·b2
	VMULPD Z10, Z0, Z6 // d·w2
	VMULPD Z6, Z0, Z6  // d·(d·w2)
	VADDPD Z6, Z5, Z5  // v = v·b2 + d·(d·w2)
	VMOVUPD Z5, (R9)(DX*1)
	TESTQ $4, BX
	JZ a64zstep
	VMAXPD (R10)(DX*1), Z5, Z5 // vi = max(vi, vmax): vmax unless vi > vmax
	VMOVUPD Z5, (R10)(DX*1)
a64zstep:
	VSQRTPD Z5, Z5
	VDIVPD Z12, Z5, Z5 // √vi / bc2sqrt
	VADDPD Z11, Z5, Z5 // + e
	VDIVPD Z5, Z3, Z5  // m / (…)
	VMULPD Z13, Z5, Z5 // ·negStep
	VADDPD Z1, Z5, Z1  // p = step + p
	VMOVUPD Z1, (DI)(DX*1)
	ADDQ $64, DX
	DECQ CX
	JNZ a64zloop
a64zdone:
	VZEROUPPER
	RET

// func adam32AVX512(p, g, m, v, vmax []float32, c *[7]float32, flags uint64)
TEXT ·adam32AVX512(SB), NOSPLIT, $0-136
	MOVQ p_base+0(FP), DI
	MOVQ p_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ m_base+48(FP), R8
	MOVQ v_base+72(FP), R9
	MOVQ vmax_base+96(FP), R10
	MOVQ c+120(FP), AX
	MOVQ flags+128(FP), BX
	VBROADCASTSS 0(AX), Z8  // w1 = 1-β₁
	VBROADCASTSS 4(AX), Z9  // b2 = β₂
	VBROADCASTSS 8(AX), Z10 // w2 = 1-β₂
	VBROADCASTSS 12(AX), Z11 // e = ε
	VBROADCASTSS 16(AX), Z12 // bc2sqrt
	VBROADCASTSS 20(AX), Z13 // negStep
	VBROADCASTSS 24(AX), Z14 // decay
	SHRQ $4, CX
	JZ a32zdone
	XORQ DX, DX // byte offset
a32zloop:
	VMOVUPS (SI)(DX*1), Z0 // d = g
	VMOVUPS (DI)(DX*1), Z1 // p
	TESTQ $2, BX
	JZ a32zl2
	VMULPS Z14, Z1, Z1 // p = p·decay
	JMP a32zmoments
a32zl2:
	TESTQ $1, BX
	JZ a32zmoments
	VMULPS Z14, Z1, Z2 // p·decay
	VADDPS Z2, Z0, Z0  // d = d + p·decay
a32zmoments:
	VMOVUPS (R8)(DX*1), Z3
	VSUBPS Z3, Z0, Z4 // d - m
	VMULPS Z8, Z4, Z4 // (d-m)·w1
	VADDPS Z3, Z4, Z3 // m = (d-m)·w1 + m
	VMOVUPS Z3, (R8)(DX*1)
	VMOVUPS (R9)(DX*1), Z5
	VMULPS Z9, Z5, Z5  // v·b2
	VMULPS Z10, Z0, Z6 // d·w2
	VMULPS Z6, Z0, Z6  // d·(d·w2)
	VADDPS Z6, Z5, Z5  // v = v·b2 + d·(d·w2)
	VMOVUPS Z5, (R9)(DX*1)
	TESTQ $4, BX
	JZ a32zstep
	VMAXPS (R10)(DX*1), Z5, Z5 // vi = max(vi, vmax): vmax unless vi > vmax
	VMOVUPS Z5, (R10)(DX*1)
a32zstep:
	VSQRTPS Z5, Z5
	VDIVPS Z12, Z5, Z5 // √vi / bc2sqrt
	VADDPS Z11, Z5, Z5 // + e
	VDIVPS Z5, Z3, Z5  // m / (…)
	VMULPS Z13, Z5, Z5 // ·negStep
	VADDPS Z1, Z5, Z1  // p = step + p
	VMOVUPS Z1, (DI)(DX*1)
	ADDQ $64, DX
	DECQ CX
	JNZ a32zloop
a32zdone:
	VZEROUPPER
	RET

// func adam64AVX2(p, g, m, v, vmax []float64, c *[7]float64, flags uint64)
TEXT ·adam64AVX2(SB), NOSPLIT, $0-136
	MOVQ p_base+0(FP), DI
	MOVQ p_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ m_base+48(FP), R8
	MOVQ v_base+72(FP), R9
	MOVQ vmax_base+96(FP), R10
	MOVQ c+120(FP), AX
	MOVQ flags+128(FP), BX
	VBROADCASTSD 0(AX), Y8  // w1 = 1-β₁
	VBROADCASTSD 8(AX), Y9  // b2 = β₂
	VBROADCASTSD 16(AX), Y10 // w2 = 1-β₂
	VBROADCASTSD 24(AX), Y11 // e = ε
	VBROADCASTSD 32(AX), Y12 // bc2sqrt
	VBROADCASTSD 40(AX), Y13 // negStep
	VBROADCASTSD 48(AX), Y14 // decay
	SHRQ $2, CX
	JZ a64ydone
	XORQ DX, DX // byte offset
a64yloop:
	VMOVUPD (SI)(DX*1), Y0 // d = g
	VMOVUPD (DI)(DX*1), Y1 // p
	TESTQ $2, BX
	JZ a64yl2
	VMULPD Y14, Y1, Y1 // p = p·decay
	JMP a64ymoments
a64yl2:
	TESTQ $1, BX
	JZ a64ymoments
	VMULPD Y14, Y1, Y2 // p·decay
	VADDPD Y2, Y0, Y0  // d = d + p·decay
a64ymoments:
	VMOVUPD (R8)(DX*1), Y3
	VSUBPD Y3, Y0, Y4 // d - m
	VMULPD Y8, Y4, Y4 // (d-m)·w1
	VADDPD Y3, Y4, Y3 // m = (d-m)·w1 + m
	VMOVUPD Y3, (R8)(DX*1)
	VMOVUPD (R9)(DX*1), Y5
	VMULPD Y9, Y5, Y5  // v·b2
	VMULPD Y10, Y0, Y6 // d·w2
	VMULPD Y6, Y0, Y6  // d·(d·w2)
	VADDPD Y6, Y5, Y5  // v = v·b2 + d·(d·w2)
	VMOVUPD Y5, (R9)(DX*1)
	TESTQ $4, BX
	JZ a64ystep
	VMAXPD (R10)(DX*1), Y5, Y5 // vi = max(vi, vmax): vmax unless vi > vmax
	VMOVUPD Y5, (R10)(DX*1)
a64ystep:
	VSQRTPD Y5, Y5
	VDIVPD Y12, Y5, Y5 // √vi / bc2sqrt
	VADDPD Y11, Y5, Y5 // + e
	VDIVPD Y5, Y3, Y5  // m / (…)
	VMULPD Y13, Y5, Y5 // ·negStep
	VADDPD Y1, Y5, Y1  // p = step + p
	VMOVUPD Y1, (DI)(DX*1)
	ADDQ $32, DX
	DECQ CX
	JNZ a64yloop
a64ydone:
	VZEROUPPER
	RET

// func adam32AVX2(p, g, m, v, vmax []float32, c *[7]float32, flags uint64)
TEXT ·adam32AVX2(SB), NOSPLIT, $0-136
	MOVQ p_base+0(FP), DI
	MOVQ p_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ m_base+48(FP), R8
	MOVQ v_base+72(FP), R9
	MOVQ vmax_base+96(FP), R10
	MOVQ c+120(FP), AX
	MOVQ flags+128(FP), BX
	VBROADCASTSS 0(AX), Y8  // w1 = 1-β₁
	VBROADCASTSS 4(AX), Y9  // b2 = β₂
	VBROADCASTSS 8(AX), Y10 // w2 = 1-β₂
	VBROADCASTSS 12(AX), Y11 // e = ε
	VBROADCASTSS 16(AX), Y12 // bc2sqrt
	VBROADCASTSS 20(AX), Y13 // negStep
	VBROADCASTSS 24(AX), Y14 // decay
	SHRQ $3, CX
	JZ a32ydone
	XORQ DX, DX // byte offset
a32yloop:
	VMOVUPS (SI)(DX*1), Y0 // d = g
	VMOVUPS (DI)(DX*1), Y1 // p
	TESTQ $2, BX
	JZ a32yl2
	VMULPS Y14, Y1, Y1 // p = p·decay
	JMP a32ymoments
a32yl2:
	TESTQ $1, BX
	JZ a32ymoments
	VMULPS Y14, Y1, Y2 // p·decay
	VADDPS Y2, Y0, Y0  // d = d + p·decay
a32ymoments:
	VMOVUPS (R8)(DX*1), Y3
	VSUBPS Y3, Y0, Y4 // d - m
	VMULPS Y8, Y4, Y4 // (d-m)·w1
	VADDPS Y3, Y4, Y3 // m = (d-m)·w1 + m
	VMOVUPS Y3, (R8)(DX*1)
	VMOVUPS (R9)(DX*1), Y5
	VMULPS Y9, Y5, Y5  // v·b2
	VMULPS Y10, Y0, Y6 // d·w2
	VMULPS Y6, Y0, Y6  // d·(d·w2)
	VADDPS Y6, Y5, Y5  // v = v·b2 + d·(d·w2)
	VMOVUPS Y5, (R9)(DX*1)
	TESTQ $4, BX
	JZ a32ystep
	VMAXPS (R10)(DX*1), Y5, Y5 // vi = max(vi, vmax): vmax unless vi > vmax
	VMOVUPS Y5, (R10)(DX*1)
a32ystep:
	VSQRTPS Y5, Y5
	VDIVPS Y12, Y5, Y5 // √vi / bc2sqrt
	VADDPS Y11, Y5, Y5 // + e
	VDIVPS Y5, Y3, Y5  // m / (…)
	VMULPS Y13, Y5, Y5 // ·negStep
	VADDPS Y1, Y5, Y1  // p = step + p
	VMOVUPS Y1, (DI)(DX*1)
	ADDQ $32, DX
	DECQ CX
	JNZ a32yloop
a32ydone:
	VZEROUPPER
	RET
