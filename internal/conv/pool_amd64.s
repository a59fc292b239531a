//go:build amd64

#include "textflag.h"

// Lane i of the even table is 2i, of the odd one 2i+1: VPERMT2PS with them
// takes the even or odd elements of two vectors of 16 (32 values in all).
DATA poolidx<>+0(SB)/4, $0
DATA poolidx<>+4(SB)/4, $2
DATA poolidx<>+8(SB)/4, $4
DATA poolidx<>+12(SB)/4, $6
DATA poolidx<>+16(SB)/4, $8
DATA poolidx<>+20(SB)/4, $10
DATA poolidx<>+24(SB)/4, $12
DATA poolidx<>+28(SB)/4, $14
DATA poolidx<>+32(SB)/4, $16
DATA poolidx<>+36(SB)/4, $18
DATA poolidx<>+40(SB)/4, $20
DATA poolidx<>+44(SB)/4, $22
DATA poolidx<>+48(SB)/4, $24
DATA poolidx<>+52(SB)/4, $26
DATA poolidx<>+56(SB)/4, $28
DATA poolidx<>+60(SB)/4, $30
DATA poolidx<>+64(SB)/4, $1
DATA poolidx<>+68(SB)/4, $3
DATA poolidx<>+72(SB)/4, $5
DATA poolidx<>+76(SB)/4, $7
DATA poolidx<>+80(SB)/4, $9
DATA poolidx<>+84(SB)/4, $11
DATA poolidx<>+88(SB)/4, $13
DATA poolidx<>+92(SB)/4, $15
DATA poolidx<>+96(SB)/4, $17
DATA poolidx<>+100(SB)/4, $19
DATA poolidx<>+104(SB)/4, $21
DATA poolidx<>+108(SB)/4, $23
DATA poolidx<>+112(SB)/4, $25
DATA poolidx<>+116(SB)/4, $27
DATA poolidx<>+120(SB)/4, $29
DATA poolidx<>+124(SB)/4, $31
GLOBL poolidx<>(SB), RODATA|NOPTR, $128

// poolmask[n] has the low n bits set, n = 0 … 16.
DATA poolmask<>+0(SB)/2, $0
DATA poolmask<>+2(SB)/2, $1
DATA poolmask<>+4(SB)/2, $3
DATA poolmask<>+6(SB)/2, $7
DATA poolmask<>+8(SB)/2, $15
DATA poolmask<>+10(SB)/2, $31
DATA poolmask<>+12(SB)/2, $63
DATA poolmask<>+14(SB)/2, $127
DATA poolmask<>+16(SB)/2, $255
DATA poolmask<>+18(SB)/2, $511
DATA poolmask<>+20(SB)/2, $1023
DATA poolmask<>+22(SB)/2, $2047
DATA poolmask<>+24(SB)/2, $4095
DATA poolmask<>+26(SB)/2, $8191
DATA poolmask<>+28(SB)/2, $16383
DATA poolmask<>+30(SB)/2, $32767
DATA poolmask<>+32(SB)/2, $65535
GLOBL poolmask<>(SB), RODATA|NOPTR, $34

// func maxPool2x2AVX512(x []float32, w, oh, ow int, y, pos []float32) bool
TEXT ·maxPool2x2AVX512(SB), NOSPLIT, $0-97
	MOVQ x_base+0(FP), SI
	MOVQ w+24(FP), R8
	MOVQ oh+32(FP), R9
	MOVQ ow+40(FP), R10
	MOVQ y_base+48(FP), DI
	MOVQ pos_base+72(FP), DX
	VMOVDQU32 poolidx<>+0(SB), Z20  // even: 2i (also each window's column offset)
	VMOVDQU32 poolidx<>+64(SB), Z21 // odd: 2i+1
	MOVL $1, AX
	VPBROADCASTD AX, Z23            // offset of the window's top right
	VPBROADCASTD R8, Z24            // bottom left: w
	LEAQ 1(R8), AX
	VPBROADCASTD AX, Z25            // bottom right: w+1
	VPXORD Z26, Z26, Z26            // top left: 0
	XORQ R11, R11                   // output row r

row:
	CMPQ R11, R9
	JGE done
	MOVQ R11, R12
	IMULQ R8, R12
	SHLQ $1, R12                    // R12 = 2·r·w: the window row's first index
	LEAQ (SI)(R12*4), R13           // top input row
	LEAQ (R13)(R8*4), R14           // bottom input row
	MOVQ R11, AX
	IMULQ R10, AX                   // r·ow: the output row's first index
	LEAQ (DI)(AX*4), R15            // y row
	LEAQ (DX)(AX*4), BX             // pos row
	XORQ CX, CX                     // window c

chunk:
	CMPQ CX, R10
	JGE nextrow
	MOVQ R10, AX
	SUBQ CX, AX                     // windows left
	CMPQ AX, $16
	JGE full
	// masks for n < 16 windows: 2n input values over two vectors, n outputs
	LEAQ poolmask<>(SB), R12
	KMOVW (R12)(AX*2), K3
	SHLQ $1, AX                     // 2n
	CMPQ AX, $16
	JGE twohalves
	KMOVW (R12)(AX*2), K1
	KXORW K2, K2, K2
	JMP masked
twohalves:
	SUBQ $16, AX
	KMOVW (R12)(AX*2), K2
	KXNORW K1, K1, K1
	JMP masked
full:
	KXNORW K1, K1, K1
	KXNORW K2, K2, K2
	KXNORW K3, K3, K3
masked:
	MOVQ CX, AX
	SHLQ $1, AX                     // input column 2c
	VMOVUPS.Z (R13)(AX*4), K1, Z0
	VMOVUPS.Z 64(R13)(AX*4), K2, Z1
	VMOVUPS.Z (R14)(AX*4), K1, Z2
	VMOVUPS.Z 64(R14)(AX*4), K2, Z3
	VCMPPS $3, Z0, Z0, K4           // unordered: NaN
	VCMPPS $3, Z1, Z1, K5
	KORW K4, K5, K4
	VCMPPS $3, Z2, Z2, K5
	KORW K4, K5, K4
	VCMPPS $3, Z3, Z3, K5
	KORW K4, K5, K4
	KORTESTW K4, K4
	JNZ nan
	VMOVAPS Z0, Z4
	VPERMT2PS Z1, Z20, Z4           // top left of each window
	VMOVAPS Z0, Z5
	VPERMT2PS Z1, Z21, Z5           // top right
	VMOVAPS Z2, Z6
	VPERMT2PS Z3, Z20, Z6           // bottom left
	VMOVAPS Z2, Z7
	VPERMT2PS Z3, Z21, Z7           // bottom right
	VMAXPS Z5, Z4, Z8
	VMAXPS Z7, Z6, Z9
	VMAXPS Z9, Z8, Z8               // the maxima
	// The first element equal to the maximum, taken in reverse order.
	VMOVAPS Z7, Z10
	VMOVDQA32 Z25, Z11
	VCMPPS $0, Z8, Z6, K5
	VMOVAPS Z6, K5, Z10
	VMOVDQA32 Z24, K5, Z11
	VCMPPS $0, Z8, Z5, K5
	VMOVAPS Z5, K5, Z10
	VMOVDQA32 Z23, K5, Z11
	VCMPPS $0, Z8, Z4, K5
	VMOVAPS Z4, K5, Z10
	VMOVDQA32 Z26, K5, Z11
	// index = 2·r·w + 2c + 2i + offset
	MOVQ R11, R12
	IMULQ R8, R12
	SHLQ $1, R12
	ADDQ AX, R12
	VPBROADCASTD R12, Z12
	VPADDD Z20, Z12, Z12
	VPADDD Z11, Z12, Z12
	VCVTDQ2PS Z12, Z12
	VMOVUPS Z10, K3, (R15)(CX*4)
	VMOVUPS Z12, K3, (BX)(CX*4)
	ADDQ $16, CX
	JMP chunk

nextrow:
	INCQ R11
	JMP row

done:
	VZEROUPPER
	MOVB $1, ret+96(FP)
	RET

nan:
	VZEROUPPER
	MOVB $0, ret+96(FP)
	RET
