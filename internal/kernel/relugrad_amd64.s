//go:build amd64

#include "textflag.h"

// func reluGrad32(d, g, y []float32)
TEXT ·reluGrad32(SB), NOSPLIT, $0-72
	MOVQ d_base+0(FP), DI
	MOVQ d_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ y_base+48(FP), BX
	VPXORD Z15, Z15, Z15
	SHRQ $4, CX
	JZ r32done
r32loop:
	VMOVUPS (SI), Z0
	VMULPS Z15, Z0, Z1            // g·0
	VCMPPS $0x11, (BX), Z15, K1   // 0 < y, false for NaN
	VMOVAPS Z0, K1, Z1
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, BX
	ADDQ $64, DI
	DECQ CX
	JNZ r32loop
r32done:
	VZEROUPPER
	RET

// func reluGrad64(d, g, y []float64)
TEXT ·reluGrad64(SB), NOSPLIT, $0-72
	MOVQ d_base+0(FP), DI
	MOVQ d_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ y_base+48(FP), BX
	VPXORQ Z15, Z15, Z15
	SHRQ $3, CX
	JZ r64done
r64loop:
	VMOVUPD (SI), Z0
	VMULPD Z15, Z0, Z1
	VCMPPD $0x11, (BX), Z15, K1
	VMOVAPD Z0, K1, Z1
	VMOVUPD Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, BX
	ADDQ $64, DI
	DECQ CX
	JNZ r64loop
r64done:
	VZEROUPPER
	RET
