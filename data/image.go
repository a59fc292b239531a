package data

import (
	"fmt"
	"math/rand/v2"
)

// ImageTransform is a geometric transform of an image: a mirror left to
// right if Flip, then a translation by DY rows down and DX columns right.
// Pixels that come from outside the image are zero.
type ImageTransform struct {
	DY, DX int
	Flip   bool
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
}

// Augmentation describes the random transforms of data augmentation.
type Augmentation struct {
	Shift int  // largest translation in each direction, in pixels; 0 for none
	Flip  bool // mirror left to right with probability ½
}

// Draw returns a random transform: DY and DX uniform in [−Shift, Shift], and
// Flip with probability ½ when a.Flip. The numbers it draws from rng depend
// on a alone, never on the outcome, so a stream of draws can be replayed from
// a saved generator state.
func (a Augmentation) Draw(rng *rand.Rand) ImageTransform {
	var t ImageTransform
	if a.Shift > 0 {
		t.DY = rng.IntN(2*a.Shift+1) - a.Shift
		t.DX = rng.IntN(2*a.Shift+1) - a.Shift
	}
	if a.Flip {
		t.Flip = rng.IntN(2) == 1
	}
	return t
}
