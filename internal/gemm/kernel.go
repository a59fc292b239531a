package gemm

import "os"

// A kernel is one microkernel with the block sizes that suit it.
type kernel[T float32 | float64] struct {
	name   string
	mr, nr int // register block: micro adds an mr×nr tile
	mc, kc int // cache blocks: an mc×kc block of A, a kc×nc panel of B
	nc     int
	// micro adds to the mr×nr tile of c (row stride ldc) the product of the
	// packed slivers a (kc steps of mr values) and b (kc steps of nr values).
	micro func(kc int, a, b, c []T, ldc int)
	// store, when not nil, is micro that sets the tile to the product
	// instead of adding the product to it: the first block of steps of a
	// product with beta 0 writes C without C being cleared first. The bits
	// are those of adding to a cleared tile (the sums start at +0, so none
	// is -0).
	store func(kc int, a, b, c []T, ldc int)
	// fringe lists kernels for fewer rows than mr, by increasing rows: a
	// product whose last sliver has fewer rows computes only as many as
	// the smallest fringe kernel that covers them.
	fringe []fringe[T]
}

// A fringe kernel adds to the first rows rows of an mr×nr tile what the
// kernel's micro would: it reads slivers of A packed for micro (mr values a
// step) and sums each element in the same order, so that its results are
// micro's bit for bit.
type fringe[T float32 | float64] struct {
	rows         int
	micro, store func(kc int, a, b, c []T, ldc int)
}

// forRows returns the smallest fringe kernel of k that covers rows rows, or
// nil when none does.
func (k *kernel[T]) forRows(rows int) *fringe[T] {
	for i := range k.fringe {
		if k.fringe[i].rows >= rows {
			return &k.fringe[i]
		}
	}
	return nil
}

// kernels64 and kernels32 list the microkernels this CPU can run, best
// first; the portable one is always last.
var (
	kernels64 []kernel[float64]
	kernels32 []kernel[float32]
	k64       *kernel[float64]
	k32       *kernel[float32]
)

func init() {
	kernels64 = append(passing(asmKernels64()), kernel[float64]{"portable", 4, 4, 128, 256, 4096, microGo[float64], nil, nil})
	kernels32 = append(passing(asmKernels32()), kernel[float32]{"portable", 4, 4, 128, 256, 4096, microGo[float32], nil, nil})
	k64, k32 = &kernels64[0], &kernels32[0]
	if os.Getenv("NABLA_GEMM") == "portable" {
		k64, k32 = &kernels64[len(kernels64)-1], &kernels32[len(kernels32)-1]
	}
	packLevel64 = packLevelOf(k64.name)
	packLevel32 = min(packLevelOf(k32.name), packAVX)
}

// The instruction sets the transposing packs may use (transpose64):
// portable Go, AVX (4×4 blocks) or AVX-512 (8×8 blocks, then 4×4).
const (
	packGo = iota
	packAVX
	packAVX512
)

// packLevel64 is the instruction set of the float64 transposing packs. It
// follows the microkernel in use, so that NABLA_GEMM=portable, a CPU without
// the instructions or a kernel rejected by its self-test leave the packs in
// Go too. It is set once, at init, and only read afterwards (the pack tests
// swap it around a check, never while another test runs).
var packLevel64 = packGo

// packLevel32 is packLevel64 for float32, whose transposes use AVX only
// (8×8 blocks of float32 fit its registers): packAVX with either assembly
// kernel, packGo with the portable one.
var packLevel32 = packGo

// packLevelOf is the pack level that goes with the microkernel named name.
func packLevelOf(name string) int {
	switch name {
	case "avx512":
		return packAVX512
	case "avx2":
		return packAVX
	}
	return packGo
}

// rejected lists the assembly kernels that failed their self-test at start-up
// (see passing); Rejected reports them.
var rejected []string

// Rejected names the assembly microkernels this CPU advertised but that
// failed the start-up self-test, and so are not used (normally none).
func Rejected() []string { return append([]string(nil), rejected...) }

// passing keeps the kernels that pass selfTest. A kernel that only runs on
// hardware the test machines lack (AVX-512 here) is thus checked on the
// user's machine before its first product: a fault in it costs speed, not
// wrong results.
func passing[T float32 | float64](ks []kernel[T]) []kernel[T] {
	var ok []kernel[T]
	for _, k := range ks {
		if selfTest(k) {
			ok = append(ok, k)
		} else {
			rejected = append(rejected, k.name)
		}
	}
	return ok
}

// selfTest runs k's microkernel and each of its fringe kernels on one tile
// of small integers, whose products and sums are exact in any order of
// accumulation, and checks the tile and the entries around it against the
// definition.
func selfTest[T float32 | float64](k kernel[T]) bool {
	if !selfTestRows(k, k.mr, k.micro, false) || k.store != nil && !selfTestRows(k, k.mr, k.store, true) {
		return false
	}
	for _, f := range k.fringe {
		if (f.store == nil) != (k.store == nil) {
			return false // serial stores with a fringe kernel whenever it stores at all
		}
		if !selfTestRows(k, f.rows, f.micro, false) || f.store != nil && !selfTestRows(k, f.rows, f.store, true) {
			return false
		}
	}
	return true
}

// selfTestRows checks micro, which adds the first rows rows of k's tile
// (sets them, with store).
func selfTestRows[T float32 | float64](k kernel[T], rows int, micro func(kc int, a, b, c []T, ldc int), store bool) bool {
	const kc = 9
	a, b := make([]T, k.mr*kc), make([]T, k.nr*kc)
	for i := range a {
		a[i] = T(i%7 - 3)
	}
	for j := range b {
		b[j] = T(j%5 - 2)
	}
	ldc := k.nr + 3
	c := make([]T, (k.mr+1)*ldc)
	for i := range c {
		c[i] = T(i % 3)
	}
	micro(kc, a, b, c, ldc)
	for i := 0; i <= k.mr; i++ {
		for j := 0; j < ldc; j++ {
			want := T((i*ldc + j) % 3)
			if i < rows && j < k.nr {
				if store {
					want = 0
				}
				for p := 0; p < kc; p++ {
					want += a[p*k.mr+i] * b[p*k.nr+j]
				}
			}
			if c[i*ldc+j] != want {
				return false
			}
		}
	}
	return true
}

// Kernel names the microkernel in use for float64, such as "avx512",
// "avx2" or "portable".
func Kernel() string { return k64.name }

// Kernel32 names the microkernel in use for float32.
func Kernel32() string { return k32.name }

// microGo is the portable microkernel for a 4×4 tile.
func microGo[T float32 | float64](kc int, a, b, c []T, ldc int) {
	var c00, c01, c02, c03, c10, c11, c12, c13 T
	var c20, c21, c22, c23, c30, c31, c32, c33 T
	a, b = a[:4*kc], b[:4*kc]
	for p := 0; p < 4*kc; p += 4 {
		bp := b[p : p+4 : p+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		ap := a[p : p+4 : p+4]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		c00, c01, c02, c03 = c00+a0*b0, c01+a0*b1, c02+a0*b2, c03+a0*b3
		c10, c11, c12, c13 = c10+a1*b0, c11+a1*b1, c12+a1*b2, c13+a1*b3
		c20, c21, c22, c23 = c20+a2*b0, c21+a2*b1, c22+a2*b2, c23+a2*b3
		c30, c31, c32, c33 = c30+a3*b0, c31+a3*b1, c32+a3*b2, c33+a3*b3
	}
	r := c[:4:4]
	r[0], r[1], r[2], r[3] = r[0]+c00, r[1]+c01, r[2]+c02, r[3]+c03
	r = c[ldc : ldc+4 : ldc+4]
	r[0], r[1], r[2], r[3] = r[0]+c10, r[1]+c11, r[2]+c12, r[3]+c13
	r = c[2*ldc : 2*ldc+4 : 2*ldc+4]
	r[0], r[1], r[2], r[3] = r[0]+c20, r[1]+c21, r[2]+c22, r[3]+c23
	r = c[3*ldc : 3*ldc+4 : 3*ldc+4]
	r[0], r[1], r[2], r[3] = r[0]+c30, r[1]+c31, r[2]+c32, r[3]+c33
}
