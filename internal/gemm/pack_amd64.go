//go:build amd64

package gemm

// transPD8 sets dst[t·ldd + r] = src[r·lds + t], times alpha if mul, for
// r < 8·groups and t < 8·blocks, an 8×8 block at a time in AVX-512 registers
// (pack_amd64.s explains the shuffles). groups and blocks are at least 1 and
// the caller has checked that every element lies inside its slice.
//
//go:noescape
func transPD8(dst *float64, ldd int, src *float64, lds int, groups, blocks int, alpha float64, mul bool)

// transPD4 is transPD8 for r < 4·groups and t < 4·blocks, a 4×4 block at a
// time in AVX registers.
//
//go:noescape
func transPD4(dst *float64, ldd int, src *float64, lds int, groups, blocks int, alpha float64, mul bool)

// transpose64 does the part of transpose that the assembly covers at
// packLevel64: rows in whole groups of 8 (AVX-512) then 4, steps in whole
// blocks of 8 (4 with AVX only). It returns the numbers r0 of rows and t0 of
// steps done: rows [0, r0) × steps [0, t0), r0 and t0 both 0 if nothing.
func transpose64(dst []float64, ldd int, src []float64, lds, rows, steps int, alpha float64, mul bool) (r0, t0 int) {
	if packLevel64 == packGo {
		return 0, 0
	}
	r8 := 0
	t0 = steps &^ 3
	if packLevel64 == packAVX512 {
		r8, t0 = rows&^7, steps&^7
	}
	r0 = rows &^ 3
	if r0 == 0 || t0 == 0 {
		return 0, 0
	}
	// Every element touched lies between the first and these last ones.
	_ = src[(r0-1)*lds+t0-1]
	_ = dst[(t0-1)*ldd+r0-1]
	if r8 > 0 {
		transPD8(&dst[0], ldd, &src[0], lds, r8/8, t0/8, alpha, mul)
	}
	if r0 > r8 {
		transPD4(&dst[r8], ldd, &src[r8*lds], lds, (r0-r8)/4, t0/4, alpha, mul)
	}
	return r0, t0
}

// transPS8 is transPD8 for float32: an 8×8 block at a time, in AVX
// registers.
//
//go:noescape
func transPS8(dst *float32, ldd int, src *float32, lds int, groups, blocks int, alpha float32, mul bool)

// transPS4 is transPS8 for r < 4·groups (and t < 8·blocks).
//
//go:noescape
func transPS4(dst *float32, ldd int, src *float32, lds int, groups, blocks int, alpha float32, mul bool)

// transpose32 is transpose64 for float32 at packLevel32: rows in whole
// groups of 8 then 4, steps in whole blocks of 8, all with AVX.
func transpose32(dst []float32, ldd int, src []float32, lds, rows, steps int, alpha float32, mul bool) (r0, t0 int) {
	if packLevel32 == packGo {
		return 0, 0
	}
	r8 := rows &^ 7
	r0, t0 = rows&^3, steps&^7
	if r0 == 0 || t0 == 0 {
		return 0, 0
	}
	// Every element touched lies between the first and these last ones.
	_ = src[(r0-1)*lds+t0-1]
	_ = dst[(t0-1)*ldd+r0-1]
	if r8 > 0 {
		transPS8(&dst[0], ldd, &src[0], lds, r8/8, t0/8, alpha, mul)
	}
	if r0 > r8 {
		transPS4(&dst[r8], ldd, &src[r8*lds], lds, (r0-r8)/4, t0/8, alpha, mul)
	}
	return r0, t0
}
