package conv

import (
	"math"

	"github.com/nabla-go/nabla/internal/kernel"
)

// Pool is the geometry of a max pooling of a batch of planes (N·C planes of
// H×W): the window of output (oh, ow) reads rows oh·SH − PH + i·DH and
// columns ow·SW − PW + j·DW for i < KH, j < KW, those inside the plane.
type Pool struct {
	Planes, H, W   int
	KH, KW, SH, SW int
	PH, PW, DH, DW int
	OH, OW         int
}

// argmax returns the flat index in the plane x of the window's maximum: the
// first maximum in row-major window order, or the last NaN if any (a NaN
// propagates, as in PyTorch). A window of -Inf (or empty) gives its first
// element inside the plane.
func argmax[T kernel.Float](p *Pool, x []T, oh, ow int) int {
	best, at := T(math.Inf(-1)), -1
	for i := 0; i < p.KH; i++ {
		h := oh*p.SH - p.PH + i*p.DH
		if h < 0 || h >= p.H {
			continue
		}
		for j := 0; j < p.KW; j++ {
			w := ow*p.SW - p.PW + j*p.DW
			if w < 0 || w >= p.W {
				continue
			}
			v := x[h*p.W+w]
			if at < 0 || v > best || v != v {
				best, at = v, h*p.W+w
			}
		}
	}
	return max(at, 0)
}

// argmaxes sets idx[o] to argmax(p, x, o/OW, o%OW) for every output o of
// one plane, with loops free of bounds tests for the windows that lie inside
// the plane (all of them, without padding and ceil mode).
func argmaxes[T kernel.Float](p *Pool, x []T, idx []int) {
	inside := p.PH == 0 && p.PW == 0 && (p.OH-1)*p.SH+(p.KH-1)*p.DH < p.H && (p.OW-1)*p.SW+(p.KW-1)*p.DW < p.W
	if !inside {
		for oh := 0; oh < p.OH; oh++ {
			for ow := 0; ow < p.OW; ow++ {
				idx[oh*p.OW+ow] = argmax(p, x, oh, ow)
			}
		}
		return
	}
	if p.KH == 2 && p.KW == 2 && p.DH == 1 && p.DW == 1 {
		if x32, ok := any(x).([]float32); ok && !hasNaN(x32) {
			argmaxes2x2(p, x32, idx)
			return
		}
		for oh := 0; oh < p.OH; oh++ {
			r0 := oh * p.SH * p.W
			r1 := r0 + p.W
			out := idx[oh*p.OW : (oh+1)*p.OW]
			for ow := range out {
				c := ow * p.SW
				best, at := x[r0+c], r0+c
				if v := x[r0+c+1]; v > best || v != v {
					best, at = v, r0+c+1
				}
				if v := x[r1+c]; v > best || v != v {
					best, at = v, r1+c
				}
				if v := x[r1+c+1]; v > best || v != v {
					at = r1 + c + 1
				}
				out[ow] = at
			}
		}
		return
	}
	for oh := 0; oh < p.OH; oh++ {
		for ow := 0; ow < p.OW; ow++ {
			base := oh*p.SH*p.W + ow*p.SW
			best, at := x[base], base
			for i := 0; i < p.KH; i++ {
				for j := 0; j < p.KW; j++ {
					k := base + i*p.DH*p.W + j*p.DW
					if v := x[k]; v > best || v != v {
						best, at = v, k
					}
				}
			}
			idx[oh*p.OW+ow] = at
		}
	}
}

// maxPool2x2 is maxPool2x2AVX512 in Go: the reference its self-test and
// tests compare it with.
func maxPool2x2(x []float32, w, oh, ow int, y, pos []float32) bool {
	if hasNaN(x) {
		return false
	}
	p := Pool{Planes: 1, H: 2 * oh, W: w, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: oh, OW: ow}
	idx := make([]int, oh*ow)
	argmaxes2x2(&p, x, idx)
	for o, i := range idx {
		y[o], pos[o] = x[i], float32(i)
	}
	return true
}

// maxPool2x2SelfTest reports whether f pools as maxPool2x2 does, bit for
// bit, on planes with ties, signed zeros, infinities and ragged widths, and
// reports a NaN in a window.
func maxPool2x2SelfTest(f func(x []float32, w, oh, ow int, y, pos []float32) bool) bool {
	vals := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 2, float32(math.Inf(1)), float32(math.Inf(-1)), 1e-40, -3.5}
	for _, sz := range [][3]int{{1, 2, 1}, {3, 7, 3}, {2, 32, 16}, {3, 40, 19}, {2, 67, 33}} {
		oh, w, ow := sz[0], sz[1], sz[2]
		x := make([]float32, 2*oh*w)
		for i := range x {
			x[i] = vals[(i*7+i/3)%len(vals)]
		}
		y0, p0 := make([]float32, oh*ow), make([]float32, oh*ow)
		y1, p1 := make([]float32, oh*ow+1), make([]float32, oh*ow+1)
		y1[oh*ow], p1[oh*ow] = 42, 42
		if !maxPool2x2(x, w, oh, ow, y0, p0) || !f(x, w, oh, ow, y1, p1) || y1[oh*ow] != 42 || p1[oh*ow] != 42 {
			return false
		}
		for i := range y0 {
			if math.Float32bits(y0[i]) != math.Float32bits(y1[i]) || p0[i] != p1[i] {
				return false
			}
		}
		x[(2*oh-1)*w+2*ow-1] = float32(math.NaN()) // the last window's last element
		if f(x, w, oh, ow, y1, p1) {
			return false
		}
	}
	return true
}

func hasNaN(x []float32) bool {
	for _, v := range x {
		if v != v {
			return true
		}
	}
	return false
}

// argmaxes2x2 is argmaxes for 2×2 windows of a plane without NaN, free of
// branches: each value becomes an integer key ordered as the floats are
// (−0 counted as +0), shifted left to make room for 3 − its position in
// the window, so that the largest of the four keys names the first maximum.
// Where a comparison's outcome is random, as after a ReLU, branches would
// be mispredicted about once per window.
func argmaxes2x2(p *Pool, x []float32, idx []int) {
	key := func(v float32, pos int64) int64 {
		b := int32(math.Float32bits(v + 0))
		return int64(b^(b>>31)&0x7fffffff)<<2 | (3 - pos)
	}
	for oh := 0; oh < p.OH; oh++ {
		r0 := oh * p.SH * p.W
		r1 := r0 + p.W
		out := idx[oh*p.OW : (oh+1)*p.OW]
		for ow := range out {
			c := ow * p.SW
			k := max(key(x[r0+c], 0), key(x[r0+c+1], 1), key(x[r1+c], 2), key(x[r1+c+1], 3))
			pos := 3 - int(k&3)
			out[ow] = r0 + c + pos>>1*p.W + pos&1
		}
	}
}

// MaxSelect sets y (Planes×OH×OW) to v at the position of each window's
// maximum in x (both Planes×H×W): the max pooling of x when v is x, and its
// forward-mode derivative when v is x's tangent.
func MaxSelect[T kernel.Float](p Pool, v, x, y []T) {
	hw, ohw := p.H*p.W, p.OH*p.OW
	kernel.Parallel(p.Planes, hw+ohw*p.KH*p.KW, func(lo, hi int) {
		idx := make([]int, ohw)
		for q := lo; q < hi; q++ {
			vs, ys := v[q*hw:(q+1)*hw], y[q*ohw:(q+1)*ohw]
			argmaxes(&p, x[q*hw:(q+1)*hw], idx)
			for o, i := range idx {
				ys[o] = vs[i]
			}
		}
	})
}

// MaxPool sets y (Planes×OH×OW) to the max pooling of x and pos to the
// position of each window's maximum within its plane, as a value of T (exact
// for planes of up to 2²⁴ elements), for MaxScatterAt.
//
// Float32 2×2 windows with stride 2 run sixteen windows at a time on
// AVX-512 (maxPool2x2AVX512, checked against the Go loop at start-up), a
// plane with a NaN in a window in Go.
func MaxPool[T kernel.Float](p Pool, x, y, pos []T) {
	hw, ohw := p.H*p.W, p.OH*p.OW
	x32, _ := any(x).([]float32)
	simd := hasMaxPool2x2 && x32 != nil && p.KH == 2 && p.KW == 2 && p.SH == 2 && p.SW == 2 &&
		p.PH == 0 && p.PW == 0 && p.DH == 1 && p.DW == 1 && 2*p.OH <= p.H && 2*p.OW <= p.W && hw < 1<<24
	kernel.Parallel(p.Planes, hw+ohw*p.KH*p.KW, func(lo, hi int) {
		idx := make([]int, ohw)
		for q := lo; q < hi; q++ {
			xs, ys, ps := x[q*hw:(q+1)*hw], y[q*ohw:(q+1)*ohw], pos[q*ohw:(q+1)*ohw]
			if simd && maxPool2x2AVX512(x32[q*hw:(q+1)*hw], p.W, p.OH, p.OW, any(ys).([]float32), any(ps).([]float32)) {
				continue
			}
			argmaxes(&p, xs, idx)
			for o, i := range idx {
				ys[o], ps[o] = xs[i], T(i)
			}
		}
	})
}

// MaxScatterAt is MaxScatter with the positions MaxPool found.
func MaxScatterAt[T kernel.Float](p Pool, dy, pos, dx []T) {
	hw, ohw := p.H*p.W, p.OH*p.OW
	kernel.Parallel(p.Planes, hw+ohw, func(lo, hi int) {
		for q := lo; q < hi; q++ {
			ds, gs, ps := dx[q*hw:(q+1)*hw], dy[q*ohw:(q+1)*ohw], pos[q*ohw:(q+1)*ohw]
			clear(ds)
			for o, i := range ps {
				ds[int(i)] += gs[o]
			}
		}
	})
}

// MaxScatter sets dx (Planes×H×W) to the sum of dy (Planes×OH×OW) routed to
// the position of each window's maximum in x: the transpose of MaxSelect.
func MaxScatter[T kernel.Float](p Pool, dy, x, dx []T) {
	hw, ohw := p.H*p.W, p.OH*p.OW
	kernel.Parallel(p.Planes, hw+ohw*p.KH*p.KW, func(lo, hi int) {
		idx := make([]int, ohw)
		for q := lo; q < hi; q++ {
			ds, gs := dx[q*hw:(q+1)*hw], dy[q*ohw:(q+1)*ohw]
			argmaxes(&p, x[q*hw:(q+1)*hw], idx)
			clear(ds)
			for o, i := range idx {
				ds[i] += gs[o]
			}
		}
	})
}

// Windows describes an average pooling of a batch of planes: output (i, j)
// is the sum of rows [H0[i], H1[i]) and columns [W0[j], W1[j]) of its plane
// divided by Div, or by DivH[i]·DivW[j] when Div is 0. Average pooling with
// padding, with count_include_pad or without, and adaptive average pooling
// all have this form.
type Windows struct {
	Planes, H, W, OH, OW int
	H0, H1, W0, W1       []int
	DivH, DivW           []int
	Div                  int
}

func (w *Windows) divisor(i, j int) int {
	if w.Div > 0 {
		return w.Div
	}
	return w.DivH[i] * w.DivW[j]
}

// AvgForward sets y (Planes×OH×OW) to the window averages of x.
func AvgForward[T kernel.Float](w Windows, x, y []T) {
	hw, ohw := w.H*w.W, w.OH*w.OW
	kernel.Parallel(w.Planes, hw+ohw, func(lo, hi int) {
		for q := lo; q < hi; q++ {
			xs, ys := x[q*hw:(q+1)*hw], y[q*ohw:(q+1)*ohw]
			for i := 0; i < w.OH; i++ {
				for j := 0; j < w.OW; j++ {
					var s T
					for h := w.H0[i]; h < w.H1[i]; h++ {
						for _, v := range xs[h*w.W+w.W0[j] : h*w.W+w.W1[j]] {
							s += v
						}
					}
					ys[i*w.OW+j] = s / T(w.divisor(i, j))
				}
			}
		}
	})
}

// AvgTranspose sets dx (Planes×H×W) to the transpose of AvgForward applied
// to dy: each output's value divided by its divisor, added over its window.
func AvgTranspose[T kernel.Float](w Windows, dy, dx []T) {
	hw, ohw := w.H*w.W, w.OH*w.OW
	kernel.Parallel(w.Planes, hw+ohw, func(lo, hi int) {
		for q := lo; q < hi; q++ {
			ds, gs := dx[q*hw:(q+1)*hw], dy[q*ohw:(q+1)*ohw]
			clear(ds)
			for i := 0; i < w.OH; i++ {
				for j := 0; j < w.OW; j++ {
					v := gs[i*w.OW+j] / T(w.divisor(i, j))
					for h := w.H0[i]; h < w.H1[i]; h++ {
						row := ds[h*w.W+w.W0[j] : h*w.W+w.W1[j]]
						for k := range row {
							row[k] += v
						}
					}
				}
			}
		}
	})
}
