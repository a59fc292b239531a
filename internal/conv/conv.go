package conv

import (
	"runtime"
	"sync"

	"github.com/nabla-go/nabla/internal/gemm"
	"github.com/nabla-go/nabla/internal/kernel"
)

// Geom is the geometry of a batch of 2-D convolutions.
type Geom struct {
	N, C, H, W int // input: batch, channels, height, width
	F          int // output channels
	KH, KW     int // kernel height and width
	SH, SW     int // strides
	PH, PW     int // zeros before the first row and column
	DH, DW     int // dilations
	G          int // groups: C and F are both multiples of G
	OH, OW     int // output height and width

	// Serial keeps the computation on the calling goroutine: set by a
	// caller whose own goroutines already occupy the cores (nabla's
	// Tape.SetSerial).
	Serial bool
}

// procs returns the number of goroutines g's kernels may use.
func (g *Geom) procs() int {
	if g.Serial {
		return 1
	}
	return runtime.GOMAXPROCS(0)
}

// OutSize returns PyTorch's output length of a convolution along one axis:
// ⌊(in + before + after − dilation·(k−1) − 1)/stride⌋ + 1, which is ≤ 0
// when the dilated kernel does not fit.
func OutSize(in, k, stride, before, after, dilation int) int {
	span := in + before + after - dilation*(k-1) - 1
	if span < 0 {
		return 0
	}
	return span/stride + 1
}

// direct reports whether the input is its own unfolded matrix.
func (g *Geom) direct() bool {
	return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PH == 0 && g.PW == 0 && g.OH == g.H && g.OW == g.W
}

// colRows is the number of rows of one group's unfolded input.
func (g *Geom) colRows() int { return g.C / g.G * g.KH * g.KW }

// macs is the number of multiply-adds of one sample's product.
func (g *Geom) macs() int { return g.F * g.colRows() * g.OH * g.OW }

// batchCols is the number of output positions the products aim to cover
// at once: samples are unfolded side by side until their columns reach it,
// so that a small image's product still has enough columns to amortise the
// packing of the weight matrix and the cost of each call.
const batchCols = 1024

// chunk returns how many samples one product covers: derived from the
// geometry alone, so that sums over samples round the same on any number
// of cores.
func (g *Geom) chunk() int {
	if g.direct() {
		return 1 // the input is the matrix: no unfolding to batch
	}
	return max(1, min(g.N, batchCols/(g.OH*g.OW)))
}

// bufLen is the length of a worker's buffer: the unfolded chunk and the
// chunk's output (or output gradient) side by side.
func (g *Geom) bufLen() int {
	cols := g.chunk() * g.OH * g.OW
	return (g.colRows() + g.F/g.G) * cols
}

// Forward sets y (N×F×OH×OW) to the convolution of x (N×C×H×W) with w
// (F×C/G×KH×KW).
func Forward[T kernel.Float](g Geom, x, w, y []T) {
	cg, fg, ohw, rows, hw, nb := g.C/g.G, g.F/g.G, g.OH*g.OW, g.colRows(), g.H*g.W, g.chunk()
	samples(&g, func(lo, hi int, buf []T) {
		for n0 := lo; n0 < hi; n0 += nb {
			k := min(nb, hi-n0)
			ld := k * ohw
			col, out := buf[:rows*ld], buf[rows*ld:(rows+fg)*ld]
			for gi := 0; gi < g.G; gi++ {
				if g.direct() {
					mm(false, false, fg, ohw, rows, w[gi*fg*rows:], rows, x[(n0*g.C+gi*cg)*hw:], ohw, 0, y[(n0*g.F+gi*fg)*ohw:], ohw)
					continue
				}
				for i := 0; i < k; i++ {
					unfold(&g, x[((n0+i)*g.C+gi*cg)*hw:][:cg*hw], col[i*ohw:], ld)
				}
				if k == 1 { // one sample's output rows are contiguous: no copy
					mm(false, false, fg, ld, rows, w[gi*fg*rows:], rows, col, ld, 0, y[(n0*g.F+gi*fg)*ohw:], ohw)
					continue
				}
				mm(false, false, fg, ld, rows, w[gi*fg*rows:], rows, col, ld, 0, out, ld)
				for i := 0; i < k; i++ {
					for f := 0; f < fg; f++ {
						copy(y[((n0+i)*g.F+gi*fg+f)*ohw:][:ohw], out[f*ld+i*ohw:])
					}
				}
			}
		}
	})
}

// gatherGrad returns the output gradients of k samples from n0, group gi,
// as an (F/G)×(k·OH·OW) matrix, sample i's columns side by side: copied into
// dst, or for one sample dy's own rows, which already are that matrix.
func gatherGrad[T kernel.Float](g *Geom, dy, dst []T, n0, k, gi int) []T {
	fg, ohw := g.F/g.G, g.OH*g.OW
	if k == 1 {
		return dy[(n0*g.F+gi*fg)*ohw:][:fg*ohw]
	}
	ld := k * ohw
	for i := 0; i < k; i++ {
		for f := 0; f < fg; f++ {
			copy(dst[f*ld+i*ohw:][:ohw], dy[((n0+i)*g.F+gi*fg+f)*ohw:])
		}
	}
	return dst[:fg*ld]
}

// InputGrad sets dx (N×C×H×W) to the gradient of ⟨dy, Forward(x, w)⟩ with
// respect to x: the transposed convolution of dy (N×F×OH×OW) with w.
func InputGrad[T kernel.Float](g Geom, dy, w, dx []T) {
	cg, fg, ohw, rows, hw, nb := g.C/g.G, g.F/g.G, g.OH*g.OW, g.colRows(), g.H*g.W, g.chunk()
	samples(&g, func(lo, hi int, buf []T) {
		for n0 := lo; n0 < hi; n0 += nb {
			k := min(nb, hi-n0)
			ld := k * ohw
			col, grad := buf[:rows*ld], buf[rows*ld:(rows+fg)*ld]
			for gi := 0; gi < g.G; gi++ {
				if g.direct() {
					mm(true, false, rows, ohw, fg, w[gi*fg*rows:], rows, dy[(n0*g.F+gi*fg)*ohw:], ohw, 0, dx[(n0*g.C+gi*cg)*hw:], ohw)
					continue
				}
				dyc := gatherGrad(&g, dy, grad, n0, k, gi)
				mm(true, false, rows, ld, fg, w[gi*fg*rows:], rows, dyc, ld, 0, col, ld)
				for i := 0; i < k; i++ {
					dxs := dx[((n0+i)*g.C+gi*cg)*hw:][:cg*hw]
					clear(dxs)
					fold(&g, col[i*ohw:], dxs, ld)
				}
			}
		}
	})
}

// weightBlocks is the number of blocks of samples whose weight gradients
// are summed separately and then added in order: fixed, so that the sum's
// rounding does not depend on the number of cores.
const weightBlocks = 8

// WeightGrad sets dw (F×C/G×KH×KW) to the gradient of ⟨dy, Forward(x, w)⟩
// with respect to w.
//
// The product is dY (F/G × positions) times the unfolded input transposed
// (positions × C/G·KH·KW). Unfolded row by row, that operand would have to be
// transposed into the kernels' layout, a scatter of KH·KW copies of the
// input. Instead each chunk's input is transposed once to channels-last
// (positions × C/G, a ninth of the unfolded size for 3×3) and packTaps
// writes the kernels' slivers straight from it, the columns ordered (tap,
// channel) so that a sliver step is a run of contiguous channels of one
// input position. The result, in (F, tap, channel) order, is permuted into
// dw at the end. The sums over positions are the same products in the same
// order as with the stored operand, so the bits are too. With fewer than
// minTapChannels channels per group the input is unfolded and packed as
// before, and a 1×1 convolution with unit strides multiplies the input as
// it is.
func WeightGrad[T kernel.Float](g Geom, x, dy, dw []T) {
	weightGrad(g, x, dy, dw, !g.direct() && g.C/g.G >= minTapChannels)
}

// weightGrad is WeightGrad, packing from the channels-last input if taps.
func weightGrad[T kernel.Float](g Geom, x, dy, dw []T, taps bool) {
	cg, fg, ohw, rows, hw, nb := g.C/g.G, g.F/g.G, g.OH*g.OW, g.colRows(), g.H*g.W, g.chunk()
	if g.N == 0 {
		clear(dw)
		return
	}
	blocks := min(g.N, weightBlocks)
	partial := make([][]T, blocks)
	partial[0] = dw
	for b := 1; b < blocks; b++ {
		partial[b] = getBuf[T](len(dw))
	}
	// A worker's buffer: the chunk's output gradients (when gathered), its
	// channels-last input, and the block's sum in (F, tap, channel) order;
	// or, unfolding, the chunk's unfolded input and output gradients.
	ld := nb * ohw
	bufLen := g.bufLen()
	if taps {
		bufLen = fg*ld + nb*hw*cg + len(dw)
	}
	parallel(g.procs(), blocks, g.N*g.macs(), bufLen, func(b int, buf []T) {
		acc := partial[b]
		var beta T // the block's first product overwrites
		if !taps {
			for n0, hi := b*g.N/blocks, (b+1)*g.N/blocks; n0 < hi; n0 += nb {
				k := min(nb, hi-n0)
				ld := k * ohw
				col, grad := buf[:rows*ld], buf[rows*ld:(rows+fg)*ld]
				for gi := 0; gi < g.G; gi++ {
					if g.direct() {
						mm(false, true, fg, rows, ohw, dy[(n0*g.F+gi*fg)*ohw:], ohw, x[(n0*g.C+gi*cg)*hw:], ohw, beta, acc[gi*fg*rows:], rows)
						continue
					}
					for i := 0; i < k; i++ {
						unfold(&g, x[((n0+i)*g.C+gi*cg)*hw:][:cg*hw], col[i*ohw:], ld)
					}
					dyc := gatherGrad(&g, dy, grad, n0, k, gi)
					mm(false, true, fg, rows, ld, dyc, ld, col, ld, beta, acc[gi*fg*rows:], rows)
				}
				beta = 1
			}
			return
		}
		grad, xt, sum := buf[:fg*ld], buf[fg*ld:fg*ld+nb*hw*cg], buf[fg*ld+nb*hw*cg:][:len(dw)]
		for n0, hi := b*g.N/blocks, (b+1)*g.N/blocks; n0 < hi; n0 += nb {
			k := min(nb, hi-n0)
			for gi := 0; gi < g.G; gi++ {
				for i := 0; i < k; i++ {
					channelsLast(x[((n0+i)*g.C+gi*cg)*hw:][:cg*hw], cg, hw, xt[i*hw*cg:])
				}
				dyc := gatherGrad(&g, dy, grad, n0, k, gi)
				mmTaps(&g, fg, rows, k*ohw, dyc, xt, beta, sum[gi*fg*rows:])
			}
			beta = 1
		}
		// (F, tap, channel) → (F, channel, tap)
		taps := g.KH * g.KW
		for f := 0; f < g.F; f++ {
			src, dst := sum[f*rows:][:rows], acc[f*rows:][:rows]
			for t := 0; t < taps; t++ {
				for c := 0; c < cg; c++ {
					dst[c*taps+t] = src[t*cg+c]
				}
			}
		}
	})
	for b := 1; b < blocks; b++ {
		for i, v := range partial[b] {
			dw[i] += v
		}
		putBuf(partial[b])
	}
}

// minTapChannels is the number of channels per group from which the weight
// gradient packs its operand from the channels-last input (packTaps): with
// fewer, a sliver step is too short a run to beat unfolding and transposing.
const minTapChannels = 4

// channelsLast writes the c×hw matrix x transposed into xt (hw×c), in
// blocks of positions so that the rows being written stay in cache.
func channelsLast[T kernel.Float](x []T, c, hw int, xt []T) {
	const block = 16
	for p0 := 0; p0 < hw; p0 += block {
		p1 := min(p0+block, hw)
		for ch := 0; ch < c; ch++ {
			src := x[ch*hw+p0 : ch*hw+p1]
			for i, v := range src {
				xt[(p0+i)*c+ch] = v
			}
		}
	}
}

// packTaps is a gemm.PackB for the weight gradient's second operand: the
// unfolded input of a chunk of samples, transposed (positions × taps·C/G,
// column tap·C/G + c holding channel c at kernel tap (i, j) = (tap/KW,
// tap%KW)), read from the chunk's channels-last input xt (sample, input
// position, channel). A sliver step is one output position: runs of
// contiguous channels of one input position, or zeros where the tap reads
// padding. When a sliver is exactly one tap's channels and the stride is 1,
// a whole output row's valid positions are one copy.
func packTaps[T kernel.Float](g *Geom, xt []T, dst []T, pc, jc, kc, nc, nr int) {
	cg, ohw, hw := g.C/g.G, g.OH*g.OW, g.H*g.W
	for s := 0; s < nc; s += nr {
		d := dst[s*kc : (s+nr)*kc]
		cols := min(nr, nc-s)
		if cols < nr {
			clear(d)
		}
		for r0 := jc + s; r0 < jc+s+cols; {
			tap, c0 := r0/cg, r0%cg
			run := min(cg-c0, jc+s+cols-r0)
			j0 := r0 - (jc + s)
			dh, dw := tap/g.KW*g.DH-g.PH, tap%g.KW*g.DW-g.PW
			wlo, whi := validRange(g.OW, g.SW, dw, g.W)
			merge := run == nr && run == cg && g.SW == 1
			for p := pc; p < pc+kc; {
				i, q := p/ohw, p%ohw
				oh, ow := q/g.OW, q%g.OW
				n := min(pc+kc-p, g.OW-ow) // positions left in this output row
				row := d[(p-pc)*nr:]
				ih := oh*g.SH + dh
				if ih < 0 || ih >= g.H {
					for t := 0; t < n; t++ {
						clear(row[t*nr+j0:][:run])
					}
					p += n
					continue
				}
				lo, hi := min(max(wlo, ow), ow+n), max(min(whi, ow+n), ow)
				lo = min(lo, hi)
				if run == 1 {
					for t := 0; t < lo-ow; t++ {
						row[t*nr+j0] = 0
					}
					for t := hi - ow; t < n; t++ {
						row[t*nr+j0] = 0
					}
				} else {
					for t := 0; t < lo-ow; t++ {
						clear(row[t*nr+j0:][:run])
					}
					for t := hi - ow; t < n; t++ {
						clear(row[t*nr+j0:][:run])
					}
				}
				src := xt[(i*hw+ih*g.W)*cg+c0:]
				if merge && hi > lo {
					copy(row[(lo-ow)*nr:(hi-ow)*nr], src[(lo+dw)*cg:])
				} else if run == 1 {
					for o := lo; o < hi; o++ {
						row[(o-ow)*nr+j0] = src[(o*g.SW+dw)*cg]
					}
				} else {
					for o := lo; o < hi; o++ {
						copy(row[(o-ow)*nr+j0:][:run], src[(o*g.SW+dw)*cg:])
					}
				}
				p += n
			}
			r0 += run
		}
	}
}

// samples calls f on ranges of samples, spread over the cores when the work
// is worth it, each call with an unfolding buffer of its own.
func samples[T kernel.Float](g *Geom, f func(lo, hi int, col []T)) {
	workers := min(g.N, g.procs(), max(1, g.N*g.macs()/(1<<18)))
	parallel(workers, workers, g.N*g.macs(), g.bufLen(), func(w int, col []T) {
		f(w*g.N/workers, (w+1)*g.N/workers, col)
	})
}

// parallel calls f(i, col) for i in [0, tasks), on up to procs goroutines
// when work (multiply-adds) is large, each goroutine with its own buffer of
// colLen elements.
func parallel[T kernel.Float](procs, tasks, work, colLen int, f func(i int, col []T)) {
	workers := min(tasks, procs)
	if work < 1<<18 {
		workers = 1
	}
	run := func(w int) {
		col := getBuf[T](colLen)
		for i := w; i < tasks; i += workers {
			f(i, col)
		}
		putBuf(col)
	}
	if workers <= 1 {
		run(0)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(w)
		}()
	}
	run(0)
	wg.Wait()
}

// validRange returns the output positions [lo, hi) whose input position
// o·stride + off lies in [0, size).
func validRange(n, stride, off, size int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if size-1-off < 0 {
		return 0, 0
	}
	hi = min(n, (size-1-off)/stride+1)
	if lo > hi {
		lo = hi
	}
	return lo, hi
}

// unfold writes one group of one sample's input (C/G channels of H×W) as
// the (C/G·KH·KW)×(OH·OW) matrix col with row stride ld, zeros where the
// kernel reads padding.
func unfold[T kernel.Float](g *Geom, x, col []T, ld int) {
	ohw, hw := g.OH*g.OW, g.H*g.W
	if g.flat() {
		unfoldFlat(g, x, col, ld)
		return
	}
	row := 0
	for c := 0; c < g.C/g.G; c++ {
		xc := x[c*hw : (c+1)*hw]
		for ki := 0; ki < g.KH; ki++ {
			hlo, hhi := validRange(g.OH, g.SH, ki*g.DH-g.PH, g.H)
			for kj := 0; kj < g.KW; kj++ {
				dst := col[row*ld : row*ld+ohw]
				row++
				off := kj*g.DW - g.PW
				wlo, whi := validRange(g.OW, g.SW, off, g.W)
				if wlo >= whi { // this column of the kernel reads only padding (and wlo+off may lie outside the row)
					clear(dst)
					continue
				}
				clear(dst[:hlo*g.OW])
				clear(dst[hhi*g.OW:])
				for oh := hlo; oh < hhi; oh++ {
					d := dst[oh*g.OW : (oh+1)*g.OW]
					ih := oh*g.SH + ki*g.DH - g.PH
					src := xc[ih*g.W : (ih+1)*g.W]
					if wlo > 0 {
						clear(d[:wlo])
					}
					if whi < len(d) {
						clear(d[whi:])
					}
					if g.SW == 1 {
						copy(d[wlo:whi], src[wlo+off:whi+off])
						continue
					}
					for ow := wlo; ow < whi; ow++ {
						d[ow] = src[ow*g.SW+off]
					}
				}
			}
		}
	}
}

// fold adds the unfolded matrix col (row stride ld) back into one group of
// one sample's input gradient: the transpose of unfold.
func fold[T kernel.Float](g *Geom, col, dx []T, ld int) {
	ohw, hw := g.OH*g.OW, g.H*g.W
	if g.flat() {
		foldFlat(g, col, dx, ld)
		return
	}
	row := 0
	for c := 0; c < g.C/g.G; c++ {
		xc := dx[c*hw : (c+1)*hw]
		for ki := 0; ki < g.KH; ki++ {
			hlo, hhi := validRange(g.OH, g.SH, ki*g.DH-g.PH, g.H)
			for kj := 0; kj < g.KW; kj++ {
				src := col[row*ld : row*ld+ohw]
				row++
				off := kj*g.DW - g.PW
				wlo, whi := validRange(g.OW, g.SW, off, g.W)
				if wlo >= whi { // as in unfold
					continue
				}
				for oh := hlo; oh < hhi; oh++ {
					s := src[oh*g.OW : (oh+1)*g.OW]
					ih := oh*g.SH + ki*g.DH - g.PH
					d := xc[ih*g.W : (ih+1)*g.W]
					if g.SW == 1 {
						d := d[wlo+off : whi+off]
						for i, v := range s[wlo:whi] {
							d[i] += v
						}
						continue
					}
					for ow := wlo; ow < whi; ow++ {
						d[ow*g.SW+off] += s[ow]
					}
				}
			}
		}
	}
}

// flat reports whether each row of the unfolded matrix is its channel's
// plane shifted as a flat array: with unit strides and an output as wide as
// the input, output position (oh, ow) reads input (oh+a, ow+b), which is
// flat index oh·OW+ow + a·W+b, for a kernel offset (a, b). Only the
// positions whose ow+b leaves the row (they read padding, and the flat
// shift would wrap them into the next row) need fixing.
func (g *Geom) flat() bool { return g.SH == 1 && g.SW == 1 && g.OW == g.W }

// shiftRange returns, for the kernel row ki and column kj of a flat
// geometry, the flat shift a·W+b, the output rows [hlo, hhi) that read
// inside the image, the output columns [wlo, wuhi) that do, and the flat
// output range [lo, hi) inside [hlo·OW, hhi·OW) whose shifted index lies in
// the plane.
func (g *Geom) shiftRange(ki, kj int) (shift, hlo, hhi, wlo, whi, lo, hi int) {
	a, b := ki*g.DH-g.PH, kj*g.DW-g.PW
	hlo, hhi = validRange(g.OH, 1, a, g.H)
	wlo, whi = validRange(g.OW, 1, b, g.W)
	shift = a*g.W + b
	lo, hi = max(hlo*g.OW, -shift), min(hhi*g.OW, g.H*g.W-shift)
	if wlo >= whi || lo >= hi {
		lo, hi = 0, 0
	}
	return
}

// unfoldFlat is unfold for a flat geometry: one copy per row of the
// unfolded matrix, then zeros where the shift wrapped across image rows.
func unfoldFlat[T kernel.Float](g *Geom, x, col []T, ld int) {
	ohw, hw := g.OH*g.OW, g.H*g.W
	row := 0
	for c := 0; c < g.C/g.G; c++ {
		xc := x[c*hw : (c+1)*hw]
		for ki := 0; ki < g.KH; ki++ {
			for kj := 0; kj < g.KW; kj++ {
				dst := col[row*ld : row*ld+ohw]
				row++
				shift, hlo, hhi, wlo, whi, lo, hi := g.shiftRange(ki, kj)
				if lo >= hi {
					clear(dst)
					continue
				}
				clear(dst[:lo])
				clear(dst[hi:])
				copy(dst[lo:hi], xc[lo+shift:hi+shift])
				for oh := hlo; oh < hhi; oh++ {
					r := dst[oh*g.OW : (oh+1)*g.OW]
					clear(r[:wlo])
					clear(r[whi:])
				}
			}
		}
	}
}

// foldFlat is fold for a flat geometry: it zeros the entries of each row
// that read padding (col is scratch) and adds the row to its channel's
// plane in one vector add.
func foldFlat[T kernel.Float](g *Geom, col, dx []T, ld int) {
	hw := g.H * g.W
	row := 0
	for c := 0; c < g.C/g.G; c++ {
		xc := dx[c*hw : (c+1)*hw]
		for ki := 0; ki < g.KH; ki++ {
			for kj := 0; kj < g.KW; kj++ {
				src := col[row*ld : row*ld+g.OH*g.OW]
				row++
				shift, hlo, hhi, wlo, whi, lo, hi := g.shiftRange(ki, kj)
				if lo >= hi {
					continue
				}
				for oh := hlo; oh < hhi; oh++ {
					r := src[oh*g.OW : (oh+1)*g.OW]
					clear(r[:wlo])
					clear(r[whi:])
				}
				kernel.AddTo(xc[lo+shift:hi+shift], src[lo:hi])
			}
		}
	}
}

// mm sets c = op(a)·op(b) + beta·c on the calling goroutine.
func mm[T kernel.Float](ta, tb bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float64:
		gemm.DgemmSerial(ta, tb, m, n, k, 1, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	case []float32:
		gemm.SgemmSerial(ta, tb, m, n, k, 1, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	}
}

// mmTaps sets c (m×n, row stride n) to a (m×k, row stride k) times the
// transposed unfolded input that packTaps writes from xt, plus beta·c.
func mmTaps[T kernel.Float](g *Geom, m, n, k int, a, xt []T, beta T, c []T) {
	switch a := any(a).(type) {
	case []float64:
		xt := any(xt).([]float64)
		gemm.SerialPacked(false, m, n, k, a, k, func(dst []float64, pc, jc, kc, nc, nr int) {
			packTaps(g, xt, dst, pc, jc, kc, nc, nr)
		}, float64(beta), any(c).([]float64), n)
	case []float32:
		xt := any(xt).([]float32)
		gemm.SerialPacked(false, m, n, k, a, k, func(dst []float32, pc, jc, kc, nc, nr int) {
			packTaps(g, xt, dst, pc, jc, kc, nc, nr)
		}, float32(beta), any(c).([]float32), n)
	}
}

func getBuf[T kernel.Float](n int) []T {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(kernel.Get32(n)).([]T)
	}
	return any(kernel.Get64(n)).([]T)
}

func putBuf[T kernel.Float](s []T) {
	switch s := any(s).(type) {
	case []float64:
		kernel.Put64(s)
	case []float32:
		kernel.Put32(s)
	}
}
