//go:build amd64

#include "textflag.h"

// Transposes for the packs (pack_amd64.go): dst[t·ldd + r] = alpha·src[r·lds + t]
// (alpha only if mul), for whole blocks of rows and steps.
//
// The shuffle scheme of transPD8, on an 8×8 block of float64 whose rows
// r0…r7 (8 steps each) are loaded into Z0…Z7; Lk is the k-th 128-bit lane:
//   1. VUNPCKLPD/VUNPCKHPD pair rows 2i and 2i+1 within each lane:
//      lo(r0,r1) = [r0_0 r1_0 | r0_2 r1_2 | r0_4 r1_4 | r0_6 r1_6] and
//      hi(r0,r1) holds the odd steps the same way.
//   2. VSHUFF64X2 $0x88 (lanes 0,2 of each source) and $0xDD (lanes 1,3)
//      of the pairs of rows 0–1 and 2–3 (and 4–5 and 6–7) give
//      [lo01.L0 lo01.L2 lo23.L0 lo23.L2]: steps 0 and 4 of rows 0–3.
//   3. The same two shuffles of the rows 0–3 and 4–7 results give whole
//      steps: [r0_0 … r7_0] and [r0_4 … r7_4].
// That is 24 shuffles for 64 elements, with 8 loads and 8 stores.
// transPD4 is the AVX 4×4 version: VUNPCKLPD/VUNPCKHPD, then VPERM2F128
// $0x20 (low halves) and $0x31 (high halves).

// func transPD8(dst *float64, ldd int, src *float64, lds int, groups, blocks int, alpha float64, mul bool)
TEXT ·transPD8(SB), NOSPLIT, $0-57
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	SHLQ $3, R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R9
	SHLQ $3, R9
	MOVQ blocks+40(FP), R11
	VBROADCASTSD alpha+48(FP), Z31
	MOVBLZX mul+56(FP), R12
	LEAQ (R9)(R9*2), BX // 3·lds bytes
	LEAQ (R8)(R8*2), DX // 3·ldd bytes

block8:
	MOVQ groups+32(FP), R10
	MOVQ SI, R13
	MOVQ DI, AX

group8:
	LEAQ (R13)(R9*4), CX
	VMOVUPD (R13), Z0
	VMOVUPD (R13)(R9*1), Z1
	VMOVUPD (R13)(R9*2), Z2
	VMOVUPD (R13)(BX*1), Z3
	VMOVUPD (CX), Z4
	VMOVUPD (CX)(R9*1), Z5
	VMOVUPD (CX)(R9*2), Z6
	VMOVUPD (CX)(BX*1), Z7
	TESTQ R12, R12
	JZ shuffle8
	VMULPD Z31, Z0, Z0
	VMULPD Z31, Z1, Z1
	VMULPD Z31, Z2, Z2
	VMULPD Z31, Z3, Z3
	VMULPD Z31, Z4, Z4
	VMULPD Z31, Z5, Z5
	VMULPD Z31, Z6, Z6
	VMULPD Z31, Z7, Z7

shuffle8:
	VUNPCKLPD Z1, Z0, Z8
	VUNPCKHPD Z1, Z0, Z9
	VUNPCKLPD Z3, Z2, Z10
	VUNPCKHPD Z3, Z2, Z11
	VUNPCKLPD Z5, Z4, Z12
	VUNPCKHPD Z5, Z4, Z13
	VUNPCKLPD Z7, Z6, Z14
	VUNPCKHPD Z7, Z6, Z15
	VSHUFF64X2 $0x88, Z10, Z8, Z16  // rows 0–3, steps 0 and 4
	VSHUFF64X2 $0xDD, Z10, Z8, Z17  // rows 0–3, steps 2 and 6
	VSHUFF64X2 $0x88, Z11, Z9, Z18  // rows 0–3, steps 1 and 5
	VSHUFF64X2 $0xDD, Z11, Z9, Z19  // rows 0–3, steps 3 and 7
	VSHUFF64X2 $0x88, Z14, Z12, Z20 // rows 4–7, steps 0 and 4
	VSHUFF64X2 $0xDD, Z14, Z12, Z21 // rows 4–7, steps 2 and 6
	VSHUFF64X2 $0x88, Z15, Z13, Z22 // rows 4–7, steps 1 and 5
	VSHUFF64X2 $0xDD, Z15, Z13, Z23 // rows 4–7, steps 3 and 7
	VSHUFF64X2 $0x88, Z20, Z16, Z0
	VSHUFF64X2 $0xDD, Z20, Z16, Z4
	VSHUFF64X2 $0x88, Z21, Z17, Z2
	VSHUFF64X2 $0xDD, Z21, Z17, Z6
	VSHUFF64X2 $0x88, Z22, Z18, Z1
	VSHUFF64X2 $0xDD, Z22, Z18, Z5
	VSHUFF64X2 $0x88, Z23, Z19, Z3
	VSHUFF64X2 $0xDD, Z23, Z19, Z7
	LEAQ (AX)(R8*4), CX
	VMOVUPD Z0, (AX)
	VMOVUPD Z1, (AX)(R8*1)
	VMOVUPD Z2, (AX)(R8*2)
	VMOVUPD Z3, (AX)(DX*1)
	VMOVUPD Z4, (CX)
	VMOVUPD Z5, (CX)(R8*1)
	VMOVUPD Z6, (CX)(R8*2)
	VMOVUPD Z7, (CX)(DX*1)
	LEAQ (R13)(R9*8), R13 // next 8 rows
	ADDQ $64, AX
	DECQ R10
	JNZ group8
	ADDQ $64, SI          // next 8 steps
	LEAQ (DI)(R8*8), DI
	DECQ R11
	JNZ block8
	VZEROUPPER
	RET

// func transPD4(dst *float64, ldd int, src *float64, lds int, groups, blocks int, alpha float64, mul bool)
TEXT ·transPD4(SB), NOSPLIT, $0-57
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	SHLQ $3, R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R9
	SHLQ $3, R9
	MOVQ blocks+40(FP), R11
	VBROADCASTSD alpha+48(FP), Y15
	MOVBLZX mul+56(FP), R12
	LEAQ (R9)(R9*2), BX // 3·lds bytes
	LEAQ (R8)(R8*2), DX // 3·ldd bytes

block4:
	MOVQ groups+32(FP), R10
	MOVQ SI, R13
	MOVQ DI, AX

group4:
	VMOVUPD (R13), Y0
	VMOVUPD (R13)(R9*1), Y1
	VMOVUPD (R13)(R9*2), Y2
	VMOVUPD (R13)(BX*1), Y3
	TESTQ R12, R12
	JZ shuffle4
	VMULPD Y15, Y0, Y0
	VMULPD Y15, Y1, Y1
	VMULPD Y15, Y2, Y2
	VMULPD Y15, Y3, Y3

shuffle4:
	VUNPCKLPD Y1, Y0, Y4          // [r0_0 r1_0 r0_2 r1_2]
	VUNPCKHPD Y1, Y0, Y5          // [r0_1 r1_1 r0_3 r1_3]
	VUNPCKLPD Y3, Y2, Y6
	VUNPCKHPD Y3, Y2, Y7
	VPERM2F128 $0x20, Y6, Y4, Y0 // step 0
	VPERM2F128 $0x31, Y6, Y4, Y2 // step 2
	VPERM2F128 $0x20, Y7, Y5, Y1 // step 1
	VPERM2F128 $0x31, Y7, Y5, Y3 // step 3
	VMOVUPD Y0, (AX)
	VMOVUPD Y1, (AX)(R8*1)
	VMOVUPD Y2, (AX)(R8*2)
	VMOVUPD Y3, (AX)(DX*1)
	LEAQ (R13)(R9*4), R13 // next 4 rows
	ADDQ $32, AX
	DECQ R10
	JNZ group4
	ADDQ $32, SI          // next 4 steps
	LEAQ (DI)(R8*4), DI
	DECQ R11
	JNZ block4
	VZEROUPPER
	RET

// The float32 versions use AVX registers only. transPS8 transposes an 8×8
// block of float32 (rows r0…r7 in Y0…Y7, 8 steps each):
//   1. VUNPCKLPS/VUNPCKHPS pair rows 2i and 2i+1 within each 128-bit half:
//      lo(r0,r1) = [r0_0 r1_0 r0_1 r1_1 | r0_4 r1_4 r0_5 r1_5];
//   2. VSHUFPS $0x44 (elements 0,1 of each source) and $0xEE (2,3) of the
//      pairs of rows 0–1 and 2–3 give [r0_0 r1_0 r2_0 r3_0 | r0_4 … r3_4];
//   3. VPERM2F128 $0x20 and $0x31 of the rows 0–3 and 4–7 results join
//      the halves into whole steps: [r0_0 … r7_0] and [r0_4 … r7_4].
// transPS4 stops after step 2 and stores the halves of 4 rows with VMOVUPS
// and VEXTRACTF128.

// func transPS8(dst *float32, ldd int, src *float32, lds int, groups, blocks int, alpha float32, mul bool)
TEXT ·transPS8(SB), NOSPLIT, $0-53
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R9
	SHLQ $2, R9
	MOVQ blocks+40(FP), R11
	VBROADCASTSS alpha+48(FP), Y15
	MOVBLZX mul+52(FP), R12
	LEAQ (R9)(R9*2), BX // 3·lds bytes
	LEAQ (R8)(R8*2), DX // 3·ldd bytes

blockS8:
	MOVQ groups+32(FP), R10
	MOVQ SI, R13
	MOVQ DI, AX

groupS8:
	LEAQ (R13)(R9*4), CX
	VMOVUPS (R13), Y0
	VMOVUPS (R13)(R9*1), Y1
	VMOVUPS (R13)(R9*2), Y2
	VMOVUPS (R13)(BX*1), Y3
	VMOVUPS (CX), Y4
	VMOVUPS (CX)(R9*1), Y5
	VMOVUPS (CX)(R9*2), Y6
	VMOVUPS (CX)(BX*1), Y7
	TESTQ R12, R12
	JZ shuffleS8
	VMULPS Y15, Y0, Y0
	VMULPS Y15, Y1, Y1
	VMULPS Y15, Y2, Y2
	VMULPS Y15, Y3, Y3
	VMULPS Y15, Y4, Y4
	VMULPS Y15, Y5, Y5
	VMULPS Y15, Y6, Y6
	VMULPS Y15, Y7, Y7

shuffleS8:
	VUNPCKLPS Y1, Y0, Y8          // rows 0–1, steps 0 1 | 4 5
	VUNPCKHPS Y1, Y0, Y9          // rows 0–1, steps 2 3 | 6 7
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y0
	VSHUFPS $0x44, Y10, Y8, Y1    // rows 0–3, steps 0 | 4
	VSHUFPS $0xEE, Y10, Y8, Y2    // rows 0–3, steps 1 | 5
	VSHUFPS $0x44, Y11, Y9, Y3    // rows 0–3, steps 2 | 6
	VSHUFPS $0xEE, Y11, Y9, Y4    // rows 0–3, steps 3 | 7
	VSHUFPS $0x44, Y14, Y12, Y5   // rows 4–7, steps 0 | 4
	VSHUFPS $0xEE, Y14, Y12, Y6   // rows 4–7, steps 1 | 5
	VSHUFPS $0x44, Y0, Y13, Y7    // rows 4–7, steps 2 | 6
	VSHUFPS $0xEE, Y0, Y13, Y8    // rows 4–7, steps 3 | 7
	VPERM2F128 $0x20, Y5, Y1, Y9  // step 0
	VPERM2F128 $0x31, Y5, Y1, Y10 // step 4
	VPERM2F128 $0x20, Y6, Y2, Y11 // step 1
	VPERM2F128 $0x31, Y6, Y2, Y12 // step 5
	VPERM2F128 $0x20, Y7, Y3, Y13 // step 2
	VPERM2F128 $0x31, Y7, Y3, Y14 // step 6
	VPERM2F128 $0x20, Y8, Y4, Y0  // step 3
	VPERM2F128 $0x31, Y8, Y4, Y1  // step 7
	LEAQ (AX)(R8*4), CX
	VMOVUPS Y9, (AX)
	VMOVUPS Y11, (AX)(R8*1)
	VMOVUPS Y13, (AX)(R8*2)
	VMOVUPS Y0, (AX)(DX*1)
	VMOVUPS Y10, (CX)
	VMOVUPS Y12, (CX)(R8*1)
	VMOVUPS Y14, (CX)(R8*2)
	VMOVUPS Y1, (CX)(DX*1)
	LEAQ (R13)(R9*8), R13 // next 8 rows
	ADDQ $32, AX
	DECQ R10
	JNZ groupS8
	ADDQ $32, SI          // next 8 steps
	LEAQ (DI)(R8*8), DI
	DECQ R11
	JNZ blockS8
	VZEROUPPER
	RET

// func transPS4(dst *float32, ldd int, src *float32, lds int, groups, blocks int, alpha float32, mul bool)
TEXT ·transPS4(SB), NOSPLIT, $0-53
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R9
	SHLQ $2, R9
	MOVQ blocks+40(FP), R11
	VBROADCASTSS alpha+48(FP), Y15
	MOVBLZX mul+52(FP), R12
	LEAQ (R9)(R9*2), BX // 3·lds bytes
	LEAQ (R8)(R8*2), DX // 3·ldd bytes

blockS4:
	MOVQ groups+32(FP), R10
	MOVQ SI, R13
	MOVQ DI, AX

groupS4:
	VMOVUPS (R13), Y0
	VMOVUPS (R13)(R9*1), Y1
	VMOVUPS (R13)(R9*2), Y2
	VMOVUPS (R13)(BX*1), Y3
	TESTQ R12, R12
	JZ shuffleS4
	VMULPS Y15, Y0, Y0
	VMULPS Y15, Y1, Y1
	VMULPS Y15, Y2, Y2
	VMULPS Y15, Y3, Y3

shuffleS4:
	VUNPCKLPS Y1, Y0, Y4
	VUNPCKHPS Y1, Y0, Y5
	VUNPCKLPS Y3, Y2, Y6
	VUNPCKHPS Y3, Y2, Y7
	VSHUFPS $0x44, Y6, Y4, Y0 // steps 0 | 4
	VSHUFPS $0xEE, Y6, Y4, Y1 // steps 1 | 5
	VSHUFPS $0x44, Y7, Y5, Y2 // steps 2 | 6
	VSHUFPS $0xEE, Y7, Y5, Y3 // steps 3 | 7
	LEAQ (AX)(R8*4), CX
	VMOVUPS X0, (AX)
	VMOVUPS X1, (AX)(R8*1)
	VMOVUPS X2, (AX)(R8*2)
	VMOVUPS X3, (AX)(DX*1)
	VEXTRACTF128 $1, Y0, (CX)
	VEXTRACTF128 $1, Y1, (CX)(R8*1)
	VEXTRACTF128 $1, Y2, (CX)(R8*2)
	VEXTRACTF128 $1, Y3, (CX)(DX*1)
	LEAQ (R13)(R9*4), R13 // next 4 rows
	ADDQ $16, AX
	DECQ R10
	JNZ groupS4
	ADDQ $32, SI          // next 8 steps
	LEAQ (DI)(R8*8), DI
	DECQ R11
	JNZ blockS4
	VZEROUPPER
	RET
