//go:build amd64

#include "textflag.h"

// func bnSums32(x []float32, k float32, acc *[32]float64)
TEXT ·bnSums32(SB), NOSPLIT, $0-40
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ acc+32(FP), DI
	VCVTSS2SD k+24(FP), X15, X15
	VBROADCASTSD X15, Z15
	VMOVUPD (DI), Z0                // Σ(x−k), lanes 0–7
	VMOVUPD 64(DI), Z1              // lanes 8–15
	VMOVUPD 128(DI), Z2             // Σ(x−k)², lanes 0–7
	VMOVUPD 192(DI), Z3             // lanes 8–15
	SHRQ $4, CX
	JZ sumsdone
sumsloop:
	VCVTPS2PD (SI), Z4
	VCVTPS2PD 32(SI), Z5
	VSUBPD Z15, Z4, Z4
	VSUBPD Z15, Z5, Z5
	VADDPD Z4, Z0, Z0
	VADDPD Z5, Z1, Z1
	VMULPD Z4, Z4, Z4
	VMULPD Z5, Z5, Z5
	VADDPD Z4, Z2, Z2
	VADDPD Z5, Z3, Z3
	ADDQ $64, SI
	DECQ CX
	JNZ sumsloop
sumsdone:
	VMOVUPD Z0, (DI)
	VMOVUPD Z1, 64(DI)
	VMOVUPD Z2, 128(DI)
	VMOVUPD Z3, 192(DI)
	VZEROUPPER
	RET

// func bnGradSums32(g, x []float32, mu float64, acc *[32]float64)
TEXT ·bnGradSums32(SB), NOSPLIT, $0-64
	MOVQ g_base+0(FP), SI
	MOVQ g_len+8(FP), CX
	MOVQ x_base+24(FP), BX
	MOVQ acc+56(FP), DI
	VBROADCASTSD mu+48(FP), Z15
	VMOVUPD (DI), Z0                // Σg
	VMOVUPD 64(DI), Z1
	VMOVUPD 128(DI), Z2             // Σg·(x−mu)
	VMOVUPD 192(DI), Z3
	SHRQ $4, CX
	JZ gsdone
gsloop:
	VCVTPS2PD (SI), Z4
	VCVTPS2PD 32(SI), Z5
	VCVTPS2PD (BX), Z6
	VCVTPS2PD 32(BX), Z7
	VADDPD Z4, Z0, Z0
	VADDPD Z5, Z1, Z1
	VSUBPD Z15, Z6, Z6
	VSUBPD Z15, Z7, Z7
	VMULPD Z6, Z4, Z4
	VMULPD Z7, Z5, Z5
	VADDPD Z4, Z2, Z2
	VADDPD Z5, Z3, Z3
	ADDQ $64, SI
	ADDQ $64, BX
	DECQ CX
	JNZ gsloop
gsdone:
	VMOVUPD Z0, (DI)
	VMOVUPD Z1, 64(DI)
	VMOVUPD Z2, 128(DI)
	VMOVUPD Z3, 192(DI)
	VZEROUPPER
	RET

// func bnGradX32(out, g, x []float32, a, b, d float32)
TEXT ·bnGradX32(SB), NOSPLIT, $0-84
	MOVQ out_base+0(FP), DI
	MOVQ out_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ x_base+48(FP), BX
	VBROADCASTSS a+72(FP), Z13
	VBROADCASTSS b+76(FP), Z14
	VBROADCASTSS d+80(FP), Z15
	SHRQ $4, CX
	JZ gxdone
gxloop:
	VMULPS (SI), Z13, Z0
	VMULPS (BX), Z14, Z1
	VADDPS Z1, Z0, Z0
	VADDPS Z15, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, BX
	ADDQ $64, DI
	DECQ CX
	JNZ gxloop
gxdone:
	VZEROUPPER
	RET
