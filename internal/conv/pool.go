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

// MaxSelect sets y (Planes×OH×OW) to v at the position of each window's
// maximum in x (both Planes×H×W): the max pooling of x when v is x, and its
// forward-mode derivative when v is x's tangent.
func MaxSelect[T kernel.Float](p Pool, v, x, y []T) {
	hw, ohw := p.H*p.W, p.OH*p.OW
	kernel.Parallel(p.Planes, hw+ohw*p.KH*p.KW, func(lo, hi int) {
		for q := lo; q < hi; q++ {
			xs, vs, ys := x[q*hw:(q+1)*hw], v[q*hw:(q+1)*hw], y[q*ohw:(q+1)*ohw]
			for oh := 0; oh < p.OH; oh++ {
				for ow := 0; ow < p.OW; ow++ {
					ys[oh*p.OW+ow] = vs[argmax(&p, xs, oh, ow)]
				}
			}
		}
	})
}

// MaxScatter sets dx (Planes×H×W) to the sum of dy (Planes×OH×OW) routed to
// the position of each window's maximum in x: the transpose of MaxSelect.
func MaxScatter[T kernel.Float](p Pool, dy, x, dx []T) {
	hw, ohw := p.H*p.W, p.OH*p.OW
	kernel.Parallel(p.Planes, hw+ohw*p.KH*p.KW, func(lo, hi int) {
		for q := lo; q < hi; q++ {
			xs, ds, gs := x[q*hw:(q+1)*hw], dx[q*hw:(q+1)*hw], dy[q*ohw:(q+1)*ohw]
			clear(ds)
			for oh := 0; oh < p.OH; oh++ {
				for ow := 0; ow < p.OW; ow++ {
					ds[argmax(&p, xs, oh, ow)] += gs[oh*p.OW+ow]
				}
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
