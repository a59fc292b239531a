//go:build amd64

#include "textflag.h"

// func gather2x64(d, s *float64, n int)
// d[i] = s[2i] for i < n, n a multiple of 4: two loads, an unpack and a
// permutation per four elements.
TEXT ·gather2x64(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $2, CX
	JZ done
loop:
	VMOVUPD (SI), Y0
	VMOVUPD 32(SI), Y1
	VUNPCKLPD Y1, Y0, Y2
	VPERMPD $0xD8, Y2, Y2
	VMOVUPD Y2, (DI)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func spread2x64(d, s *float64, n int, odd bool)
// d[2i+o] = s[i] and d[2i+1-o] = 0 for i < n (o = 1 when odd), n a multiple
// of 4: the values interleaved with zeros, eight outputs per four inputs.
TEXT ·spread2x64(SB), NOSPLIT, $0-25
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ n+16(FP), CX
	MOVBQZX odd+24(FP), DX
	VXORPD Y7, Y7, Y7
	SHRQ $2, CX
	JZ done
	TESTQ DX, DX
	JNZ oddloop
evenloop:
	VMOVUPD (SI), Y0
	VPERMPD $0xD8, Y0, Y0
	VUNPCKLPD Y7, Y0, Y1
	VUNPCKHPD Y7, Y0, Y2
	VMOVUPD Y1, (DI)
	VMOVUPD Y2, 32(DI)
	ADDQ $32, SI
	ADDQ $64, DI
	DECQ CX
	JNZ evenloop
	JMP done
oddloop:
	VMOVUPD (SI), Y0
	VPERMPD $0xD8, Y0, Y0
	VUNPCKLPD Y0, Y7, Y1
	VUNPCKHPD Y0, Y7, Y2
	VMOVUPD Y1, (DI)
	VMOVUPD Y2, 32(DI)
	ADDQ $32, SI
	ADDQ $64, DI
	DECQ CX
	JNZ oddloop
done:
	VZEROUPPER
	RET
