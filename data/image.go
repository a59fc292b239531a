package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ImageTransform is a transform of an image: a mirror left to right if Flip,
// then a translation by DY rows down and DX columns right (pixels that come
// from outside the image are zero), then, if EraseArea > 0, random erasing:
// a rectangle is set to zero. The rectangle is given independently of the
// image's size: it covers about EraseArea of the image, its height over its
// width is EraseAspect times the image's, and its top left corner lies at
// the fractions EraseY and EraseX (in [0, 1)) of the positions where it fits
// (see Apply).
type ImageTransform struct {
	DY, DX int
	Flip   bool

	EraseArea, EraseAspect float64
	EraseY, EraseX         float64
}

// Identity reports whether t leaves every image unchanged.
func (t ImageTransform) Identity() bool { return t == ImageTransform{} }

// Apply writes src, an image of shape (C, H, W) stored channel by channel,
// row by row, transformed by t into dst. The slices must not overlap. It
// panics unless both hold C×H×W values.
func (t ImageTransform) Apply(dst, src []float64, shape [3]int) {
	c, h, w := shape[0], shape[1], shape[2]
	if len(src) != c*h*w || len(dst) != c*h*w {
		panic(fmt.Sprintf("data: ImageTransform.Apply: image shape %v holds %d values, got src %d, dst %d", shape, c*h*w, len(src), len(dst)))
	}
	clear(dst)
	// Output column x reads input column x−DX, or W−1−(x−DX) mirrored; the
	// rows and columns that stay inside the image are [y0, y1) × [x0, x1).
	y0, y1 := max(0, t.DY), min(h, h+t.DY)
	x0, x1 := max(0, t.DX), min(w, w+t.DX)
	for ch := range c {
		img, out := src[ch*h*w:(ch+1)*h*w], dst[ch*h*w:(ch+1)*h*w]
		for y := y0; y < y1; y++ {
			in, o := img[(y-t.DY)*w:(y-t.DY+1)*w], out[y*w:(y+1)*w]
			for x := x0; x < x1; x++ {
				if t.Flip {
					o[x] = in[w-1-(x-t.DX)]
				} else {
					o[x] = in[x-t.DX]
				}
			}
		}
	}
	if t.EraseArea > 0 {
		ey, ex, eh, ew := t.EraseRect(h, w)
		for ch := range c {
			out := dst[ch*h*w : (ch+1)*h*w]
			for y := ey; y < ey+eh; y++ {
				clear(out[y*w+ex : y*w+ex+ew])
			}
		}
	}
}

// EraseRect returns the rectangle that t erases in an image of h rows and w
// columns: its top row and left column, its height and its width, each at
// least one pixel and at most the image's (all zero when t erases nothing).
// The height is round(h·√(EraseArea·EraseAspect)) and the width
// round(w·√(EraseArea/EraseAspect)), clamped to the image; the top row is
// ⌊EraseY·(h − height + 1)⌋ and the left column ⌊EraseX·(w − width + 1)⌋.
func (t ImageTransform) EraseRect(h, w int) (y, x, height, width int) {
	if !(t.EraseArea > 0) || !(t.EraseAspect > 0) {
		return 0, 0, 0, 0
	}
	height = min(h, max(1, int(math.Round(float64(h)*math.Sqrt(t.EraseArea*t.EraseAspect)))))
	width = min(w, max(1, int(math.Round(float64(w)*math.Sqrt(t.EraseArea/t.EraseAspect)))))
	y = min(h-height, int(t.EraseY*float64(h-height+1)))
	x = min(w-width, int(t.EraseX*float64(w-width+1)))
	return max(0, y), max(0, x), height, width
}

// Augmentation describes the random transforms of data augmentation.
type Augmentation struct {
	Shift int  // largest translation in each direction, in pixels; 0 for none
	Flip  bool // mirror left to right with probability ½
	// Erase is the probability of random erasing (Zhong et al., 2017):
	// zeroing a rectangle of 2 % to 40 % of the image, with an aspect ratio
	// between 0.3 and 1/0.3 (log-uniform), at a uniform position where it
	// fits. 0 for none.
	Erase float64
}

// The bounds of random erasing's rectangle: its share of the image and
// its aspect ratio.
const (
	eraseMinArea, eraseMaxArea = 0.02, 0.4
	eraseMinAspect             = 0.3
)

// Draw returns a random transform: DY and DX uniform in [−Shift, Shift],
// Flip with probability ½ when a.Flip, and with probability a.Erase an erased
// rectangle. The numbers it draws from rng depend on a alone, never on the
// outcome, so a stream of draws can be replayed from a saved generator state.
func (a Augmentation) Draw(rng *rand.Rand) ImageTransform {
	var t ImageTransform
	if a.Shift > 0 {
		t.DY = rng.IntN(2*a.Shift+1) - a.Shift
		t.DX = rng.IntN(2*a.Shift+1) - a.Shift
	}
	if a.Flip {
		t.Flip = rng.IntN(2) == 1
	}
	if a.Erase > 0 {
		on := rng.Float64() < a.Erase
		area := eraseMinArea + (eraseMaxArea-eraseMinArea)*rng.Float64()
		logR := math.Log(eraseMinAspect) * (1 - 2*rng.Float64())
		y, x := rng.Float64(), rng.Float64()
		if on {
			t.EraseArea, t.EraseAspect, t.EraseY, t.EraseX = area, math.Exp(logR), y, x
		}
	}
	return t
}
