//go:build amd64

#include "textflag.h"

// func sumLeaves32(s *float32, offs *[8]int, m int, acc *[32]float64)
//
// For each of eight leaves l starting at s[offs[l]], four float64
// accumulators acc[4l+k] = the sum, in order, of float64(s[offs[l]+i+k]) for
// i = 0, 4, ... < m (m a multiple of 4), starting from 0: the four running
// sums of sum's leaf loop (reduce.go), one YMM register per leaf, eight
// leaves interleaved so that the additions do not wait on each other.
TEXT ·sumLeaves32(SB), NOSPLIT, $0-32
	MOVQ s+0(FP), SI
	MOVQ offs+8(FP), BX
	MOVQ m+16(FP), CX
	MOVQ 0(BX), AX
	LEAQ (SI)(AX*4), AX
	MOVQ 8(BX), DX
	LEAQ (SI)(DX*4), DX
	MOVQ 16(BX), R8
	LEAQ (SI)(R8*4), R8
	MOVQ 24(BX), R9
	LEAQ (SI)(R9*4), R9
	MOVQ 32(BX), R10
	LEAQ (SI)(R10*4), R10
	MOVQ 40(BX), R11
	LEAQ (SI)(R11*4), R11
	MOVQ 48(BX), R12
	LEAQ (SI)(R12*4), R12
	MOVQ 56(BX), R13
	LEAQ (SI)(R13*4), R13
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ BX, BX
	PCALIGN $32
loop:
	CMPQ BX, CX
	JGE done
	VCVTPS2PD (AX)(BX*4), Y8
	VCVTPS2PD (DX)(BX*4), Y9
	VCVTPS2PD (R8)(BX*4), Y10
	VCVTPS2PD (R9)(BX*4), Y11
	VCVTPS2PD (R10)(BX*4), Y12
	VCVTPS2PD (R11)(BX*4), Y13
	VCVTPS2PD (R12)(BX*4), Y14
	VCVTPS2PD (R13)(BX*4), Y15
	VADDPD Y8, Y0, Y0
	VADDPD Y9, Y1, Y1
	VADDPD Y10, Y2, Y2
	VADDPD Y11, Y3, Y3
	VADDPD Y12, Y4, Y4
	VADDPD Y13, Y5, Y5
	VADDPD Y14, Y6, Y6
	VADDPD Y15, Y7, Y7
	ADDQ $4, BX
	JMP loop
done:
	MOVQ acc+24(FP), DI
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	VMOVUPD Y4, 128(DI)
	VMOVUPD Y5, 160(DI)
	VMOVUPD Y6, 192(DI)
	VMOVUPD Y7, 224(DI)
	VZEROUPPER
	RET

// func sumLeaves64(s *float64, offs *[8]int, m int, acc *[32]float64)
//
// sumLeaves32 for float64: acc[4l+k] = the sum, in order, of s[offs[l]+i+k] for
// i = 0, 4, ... < m (m a multiple of 4), starting from 0: the four running
// sums of sum's leaf loop (reduce.go), one YMM register per leaf, eight
// leaves interleaved so that the additions do not wait on each other.
TEXT ·sumLeaves64(SB), NOSPLIT, $0-32
	MOVQ s+0(FP), SI
	MOVQ offs+8(FP), BX
	MOVQ m+16(FP), CX
	MOVQ 0(BX), AX
	LEAQ (SI)(AX*8), AX
	MOVQ 8(BX), DX
	LEAQ (SI)(DX*8), DX
	MOVQ 16(BX), R8
	LEAQ (SI)(R8*8), R8
	MOVQ 24(BX), R9
	LEAQ (SI)(R9*8), R9
	MOVQ 32(BX), R10
	LEAQ (SI)(R10*8), R10
	MOVQ 40(BX), R11
	LEAQ (SI)(R11*8), R11
	MOVQ 48(BX), R12
	LEAQ (SI)(R12*8), R12
	MOVQ 56(BX), R13
	LEAQ (SI)(R13*8), R13
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ BX, BX
	PCALIGN $32
loop:
	CMPQ BX, CX
	JGE done
	VMOVUPD (AX)(BX*8), Y8
	VMOVUPD (DX)(BX*8), Y9
	VMOVUPD (R8)(BX*8), Y10
	VMOVUPD (R9)(BX*8), Y11
	VMOVUPD (R10)(BX*8), Y12
	VMOVUPD (R11)(BX*8), Y13
	VMOVUPD (R12)(BX*8), Y14
	VMOVUPD (R13)(BX*8), Y15
	VADDPD Y8, Y0, Y0
	VADDPD Y9, Y1, Y1
	VADDPD Y10, Y2, Y2
	VADDPD Y11, Y3, Y3
	VADDPD Y12, Y4, Y4
	VADDPD Y13, Y5, Y5
	VADDPD Y14, Y6, Y6
	VADDPD Y15, Y7, Y7
	ADDQ $4, BX
	JMP loop
done:
	MOVQ acc+24(FP), DI
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	VMOVUPD Y4, 128(DI)
	VMOVUPD Y5, 160(DI)
	VMOVUPD Y6, 192(DI)
	VMOVUPD Y7, 224(DI)
	VZEROUPPER
	RET
