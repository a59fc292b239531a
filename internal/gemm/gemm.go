package gemm

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	elementwise "github.com/nabla-go/nabla/internal/kernel"
)

// Dgemm sets C = alpha·op(A)·op(B) + beta·C, where op(A) is m×k, op(B) is k×n
// and C is m×n. op(X) is Xᵀ when the matching trans flag is set and X
// otherwise; lda, ldb and ldc are the row strides of A, B and C as stored.
// When beta is 0, C is overwritten and its old contents (even NaN) are
// ignored.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemm(k64, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, true)
}

// Sgemm is Dgemm for float32.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemm(k32, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, true)
}

// DgemmSerial is Dgemm on the calling goroutine only, for callers that
// already spread independent products over the cores (a convolution's
// samples).
func DgemmSerial(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemm(k64, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, false)
}

// SgemmSerial is DgemmSerial for float32.
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemm(k32, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, false)
}

// parallelMACs is the number of multiply-adds above which a product is split
// across cores; below it the goroutine hand-off costs more than it saves.
const parallelMACs = 1 << 20

func gemm[T float32 | float64](kr *kernel[T], transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int, parallel bool) {
	checkMatrix("A", transA, m, k, a, lda)
	checkMatrix("B", transB, k, n, b, ldb)
	checkMatrix("C", false, m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 1 && beta == 0 && alpha != 0 {
		outer(transA, transB, m, n, alpha, a, lda, b, ldb, c, ldc, parallel)
		return
	}
	// With beta 0, the first block of steps sets C (kernel.store) instead
	// of adding to a cleared C, where the kernel has storing variants.
	overwrite := beta == 0 && alpha != 0 && k != 0 && kr.store != nil
	if !overwrite {
		scale(m, n, beta, c, ldc)
	}
	if alpha == 0 || k == 0 {
		return
	}
	workers := m * n * k / parallelMACs
	if !parallel {
		workers = 1
	}
	if workers > 1 {
		workers = min(workers, runtime.GOMAXPROCS(0))
	}
	if workers <= 1 {
		serial(kr, transA, transB, m, n, k, alpha, a, lda, b, ldb, nil, c, ldc, overwrite)
		return
	}
	// Give each worker a band of C's columns (or rows, if C is taller than
	// wide), a whole number of register tiles each. Each packs its own copy
	// of the other operand, which costs little next to the product.
	byRows := m > n
	size, unit := n, kr.nr
	if byRows {
		size, unit = m, kr.mr
	}
	tiles := (size + unit - 1) / unit
	workers = min(workers, tiles)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*tiles/workers*unit, min((w+1)*tiles/workers*unit, size)
		run := func() {
			if byRows {
				ao := lo * lda
				if transA {
					ao = lo
				}
				serial(kr, transA, transB, hi-lo, n, k, alpha, a[ao:], lda, b, ldb, nil, c[lo*ldc:], ldc, overwrite)
				return
			}
			bo := lo
			if transB {
				bo = lo * ldb
			}
			serial(kr, transA, transB, m, hi-lo, k, alpha, a, lda, b[bo:], ldb, nil, c[lo:], ldc, overwrite)
		}
		if w == workers-1 {
			run() // the calling goroutine takes the last band
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			run()
		}()
	}
	wg.Wait()
}

// outer sets C to alpha·op(A)·op(B) when the product is an outer product
// (k = 1) and beta is 0: each element is written once, where the blocked
// product would clear C and then add the microkernel's tile to it. The
// values are the blocked product's bit for bit: that one computes
// 0 + (alpha·a)·b, and so does outer (the explicit conversion keeps the
// compiler from fusing the multiply into an add that would round
// differently; see elementwise.ScaleAddZero), which turns a zero product of
// either sign into +0 as it does.
func outer[T float32 | float64](transA, transB bool, m, n int, alpha T, a []T, lda int, b []T, ldb int, c []T, ldc int, parallel bool) {
	brow := b[:n]
	if transB { // op(B)'s row is B's column: gathered once
		brow = make([]T, n)
		for j := range brow {
			brow[j] = b[j*ldb]
		}
	}
	rows := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			var ai T
			if transA {
				ai = a[i]
			} else {
				ai = a[i*lda]
			}
			if alpha != 1 {
				ai = T(alpha * ai)
			}
			elementwise.ScaleAddZero(c[i*ldc:i*ldc+n], brow, ai)
		}
	}
	workers := 1
	if parallel {
		workers = min(m*n/parallelMACs, runtime.GOMAXPROCS(0), m)
	}
	if workers <= 1 {
		rows(0, m)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*m/workers, (w+1)*m/workers
		if w == workers-1 {
			rows(lo, hi)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows(lo, hi)
		}()
	}
	wg.Wait()
}

// checkMatrix panics unless x holds a rows×cols matrix (cols×rows if trans)
// with row stride ld.
func checkMatrix[T any](name string, trans bool, rows, cols int, x []T, ld int) {
	if trans {
		rows, cols = cols, rows
	}
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("gemm: %s has negative size %d×%d", name, rows, cols))
	}
	if ld < max(1, cols) {
		panic(fmt.Sprintf("gemm: %s is %d×%d but its leading dimension is %d", name, rows, cols, ld))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("gemm: %s is %d×%d with leading dimension %d, needs %d elements, has %d",
			name, rows, cols, ld, (rows-1)*ld+cols, len(x)))
	}
}

// scale sets the m×n matrix C to beta·C; beta 0 clears it (NaN included).
func scale[T float32 | float64](m, n int, beta T, c []T, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// PackB writes the kc×nc block of a k×n matrix B whose top left element is
// B[pc][jc] into dst, in the layout the microkernels read: slivers of nr
// columns one after another (the sliver of columns jc+s … jc+s+nr−1 at
// dst[s·kc:], s a multiple of nr), each holding, for each of the kc rows in
// turn, the sliver's nr values of that row, and zeros past column nc. dst
// holds exactly the slivers' elements and arrives with whatever an earlier
// block left in it.
//
// A PackB lets a caller whose B is a function of some smaller array (a
// convolution's unfolded input) write it straight into the kernels' layout
// instead of storing B and having it copied.
type PackB[T float32 | float64] func(dst []T, pc, jc, kc, nc, nr int)

// SerialPacked sets C = op(A)·B + beta·C on the calling goroutine, where
// op(A) is m×k (Aᵀ if transA, A stored with row stride lda) and B, k×n, is
// written block by block by pack. As in Dgemm, beta 0 overwrites C.
func SerialPacked[T float32 | float64](transA bool, m, n, k int, a []T, lda int, pack PackB[T], beta T, c []T, ldc int) {
	checkMatrix("A", transA, m, k, a, lda)
	checkMatrix("C", false, m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	var kr *kernel[T]
	switch any(beta).(type) {
	case float64:
		kr = any(k64).(*kernel[T])
	case float32:
		kr = any(k32).(*kernel[T])
	}
	overwrite := beta == 0 && k != 0 && kr.store != nil
	if !overwrite {
		scale(m, n, beta, c, ldc)
	}
	if k == 0 {
		return
	}
	serial(kr, transA, false, m, n, k, 1, a, lda, nil, 0, pack, c, ldc, overwrite)
}

// serial adds alpha·op(A)·op(B) to C on the calling goroutine, or, with
// overwrite, sets C to it (the first block of steps stores with kr.store,
// which overwrite requires); B is packed from b, or written by pack when
// that is not nil.
func serial[T float32 | float64](kr *kernel[T], transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, pack PackB[T], c []T, ldc int, overwrite bool) {
	mr, nr := kr.mr, kr.nr
	kcMax, mcMax, ncMax := min(k, kr.kc), min(roundUp(m, mr), kr.mc), min(roundUp(n, nr), kr.nc)
	// The B panel starts on a cache line too: A's length rounds up to 16.
	na, nb := roundUp(mcMax*kcMax, 16), kcMax*ncMax
	buf := getBuf[T](na + nb + mr*nr)
	ap, bp, tile := (*buf)[:na], (*buf)[na:na+nb], (*buf)[na+nb:]
	for jc := 0; jc < n; jc += kr.nc {
		nc := min(kr.nc, n-jc)
		for pc := 0; pc < k; pc += kr.kc {
			kc := min(kr.kc, k-pc)
			store := overwrite && pc == 0
			if pack != nil {
				pack(bp[:roundUp(nc, nr)*kc], pc, jc, kc, nc, nr)
			} else {
				packB(transB, b, ldb, pc, jc, kc, nc, nr, bp)
			}
			for ic := 0; ic < m; ic += kr.mc {
				mc := min(kr.mc, m-ic)
				packA(transA, a, lda, ic, pc, mc, kc, mr, alpha, ap)
				for jr := 0; jr < nc; jr += nr {
					nn := min(nr, nc-jr)
					bs := bp[jr*kc : (jr+nr)*kc]
					for ir := 0; ir < mc; ir += mr {
						mm := min(mr, mc-ir)
						as := ap[ir*kc : (ir+mr)*kc]
						ci := (ic+ir)*ldc + jc + jr
						if mm == mr && nn == nr {
							if store {
								kr.store(kc, as, bs, c[ci:], ldc)
							} else {
								kr.micro(kc, as, bs, c[ci:], ldc)
							}
							continue
						}
						// A short sliver: the smallest kernel that covers
						// its rows, straight into C when it covers them
						// exactly, else into the tile.
						micro, st, rows := kr.micro, kr.store, mr
						if f := kr.forRows(mm); f != nil {
							micro, st, rows = f.micro, f.store, f.rows
						}
						if store {
							micro = st
						}
						if rows == mm && nn == nr {
							micro(kc, as, bs, c[ci:], ldc)
							continue
						}
						if store { // the tile is set, then copied
							micro(kc, as, bs, tile, nr)
							copyTile(c[ci:], ldc, tile, nr, mm, nn)
							continue
						}
						clear(tile[:rows*nr])
						micro(kc, as, bs, tile, nr)
						addTile(c[ci:], ldc, tile, nr, mm, nn)
					}
				}
			}
		}
	}
	putBuf(buf)
}

// addTile adds the top left mm×nn corner of tile (row stride nr) to c (row
// stride ldc). It is a function of its own so that the loop keeps its
// values in registers (written inline in serial's loops, a 10×256×16
// product took 15 % longer).
func addTile[T float32 | float64](c []T, ldc int, tile []T, nr, mm, nn int) {
	for i := 0; i < mm; i++ {
		row, t := c[i*ldc:i*ldc+nn], tile[i*nr:i*nr+nn]
		for j := range row {
			row[j] += t[j]
		}
	}
}

// copyTile copies the top left mm×nn corner of tile (row stride nr) into c
// (row stride ldc).
func copyTile[T float32 | float64](c []T, ldc int, tile []T, nr, mm, nn int) {
	for i := 0; i < mm; i++ {
		copy(c[i*ldc:i*ldc+nn], tile[i*nr:i*nr+nn])
	}
}

func roundUp(x, unit int) int { return (x + unit - 1) / unit * unit }

// packA copies alpha times the mc×kc block of op(A) at (ic, pc) into dst as
// slivers of mr rows: sliver s holds, for each of the kc steps, the mr values
// of that column, zero past the last row.
func packA[T float32 | float64](trans bool, a []T, lda, ic, pc, mc, kc, mr int, alpha T, dst []T) {
	for s := 0; s < mc; s += mr {
		d := dst[s*kc : (s+mr)*kc]
		rows := min(mr, mc-s)
		if rows < mr {
			clear(d)
		}
		if trans { // op(A)[i][p] = a[p*lda+i]: each step is contiguous
			for p := 0; p < kc; p++ {
				src := a[(pc+p)*lda+ic+s:][:rows]
				dp := d[p*mr : p*mr+rows]
				for i, v := range src {
					dp[i] = alpha * v
				}
			}
			continue
		}
		// op(A)[i][p] = a[i*lda+p]: each row is contiguous, a transpose.
		transpose(d, mr, a[(ic+s)*lda+pc:], lda, rows, kc, alpha, true)
	}
}

// packB copies the kc×nc block of op(B) at (pc, jc) into dst as slivers of
// nr columns: sliver s holds, for each of the kc steps, the nr values of that
// row, zero past the last column.
func packB[T float32 | float64](trans bool, b []T, ldb, pc, jc, kc, nc, nr int, dst []T) {
	for s := 0; s < nc; s += nr {
		d := dst[s*kc : (s+nr)*kc]
		cols := min(nr, nc-s)
		if cols < nr {
			clear(d)
		}
		if !trans { // op(B)[p][j] = b[p*ldb+j]: each step is contiguous
			for p := 0; p < kc; p++ {
				copy(d[p*nr:p*nr+cols], b[(pc+p)*ldb+jc+s:][:cols])
			}
			continue
		}
		// op(B)[p][j] = b[j*ldb+p]: each column is contiguous, a transpose.
		var one T = 1
		transpose(d, nr, b[(jc+s)*ldb+pc:], ldb, cols, kc, one, false)
	}
}

// transpose sets dst[t·ldd + r] = src[r·lds + t] for r < rows and t < steps,
// times alpha if mul (one rounded multiply per element, as alpha*v in Go;
// without mul the values are copied, bit for bit). It is the packing of a
// sliver whose rows (of A) or columns (of B) are contiguous in the source.
// Where packLevel64 (packLevel32) allows, assembly does the whole blocks of
// rows and steps (transpose64, transpose32) and transposeGo the ragged rest.
func transpose[T float32 | float64](dst []T, ldd int, src []T, lds, rows, steps int, alpha T, mul bool) {
	if rows <= 0 || steps <= 0 {
		return
	}
	r0, t0 := 0, 0
	if unsafe.Sizeof(alpha) == 8 {
		r0, t0 = transpose64(asF64(dst), ldd, asF64(src), lds, rows, steps, float64(alpha), mul)
	} else {
		r0, t0 = transpose32(asF32(dst), ldd, asF32(src), lds, rows, steps, float32(alpha), mul)
	}
	if t0 > 0 { // the steps of rows [0, r0) that the assembly left
		transposeGo(dst, ldd, src, lds, 0, r0, t0, steps, alpha, mul)
	}
	transposeGo(dst, ldd, src, lds, r0, rows, 0, steps, alpha, mul)
}

// asF64 is x as a []float64; T must be float64.
func asF64[T float32 | float64](x []T) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

// asF32 is x as a []float32; T must be float32.
func asF32[T float32 | float64](x []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

// transposeGo is transpose for rows [r0, r1) and steps [t0, t1), in portable
// Go. It works in blocks of transBlock steps so that the block of dst being
// written (a few KB) stays in L1 while every row visits it, four rows at a
// time (four sequential reads, four adjacent writes per step: 784×256, the
// transposed weight of a Linear layer, packs in 90 µs of thread CPU instead
// of 136 one column at a time).
func transposeGo[T float32 | float64](dst []T, ldd int, src []T, lds, r0, r1, t0, t1 int, alpha T, mul bool) {
	if r0 >= r1 || t0 >= t1 {
		return
	}
	for p0 := t0; p0 < t1; p0 += transBlock {
		p1 := min(p0+transBlock, t1)
		r := r0
		for ; r+4 <= r1; r += 4 {
			o := r * lds
			s0 := src[o+p0 : o+p1]
			s1 := src[o+lds+p0:][:len(s0)]
			s2 := src[o+2*lds+p0:][:len(s0)]
			s3 := src[o+3*lds+p0:][:len(s0)]
			if mul {
				for t := range s0 {
					dr := dst[(p0+t)*ldd+r:][:4:4]
					dr[0], dr[1], dr[2], dr[3] = alpha*s0[t], alpha*s1[t], alpha*s2[t], alpha*s3[t]
				}
				continue
			}
			for t := range s0 {
				dr := dst[(p0+t)*ldd+r:][:4:4]
				dr[0], dr[1], dr[2], dr[3] = s0[t], s1[t], s2[t], s3[t]
			}
		}
		for ; r < r1; r++ {
			s := src[r*lds+p0 : r*lds+p1]
			dr := dst[p0*ldd+r:]
			if mul {
				for t, v := range s {
					dr[t*ldd] = alpha * v
				}
				continue
			}
			for t, v := range s {
				dr[t*ldd] = v
			}
		}
	}
}

// transBlock is the number of steps transposeGo packs at a time.
const transBlock = 32

// Packing buffers are reused across calls, one pool per element type, and
// handed out aligned to a cache line.
var pools [2]sync.Pool

const lineBytes = 64

func getBuf[T float32 | float64](n int) *[]T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	pool := &pools[size/4-1]
	if p, ok := pool.Get().(*[]T); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]T, n+lineBytes/size)
	off := 0
	if mis := int(uintptr(unsafe.Pointer(&s[0])) % lineBytes); mis != 0 {
		off = (lineBytes - mis) / size
	}
	s = s[off : off+n]
	return &s
}

func putBuf[T float32 | float64](p *[]T) { pools[int(unsafe.Sizeof((*p)[0]))/4-1].Put(p) }
