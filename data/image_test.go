package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestImageTransform(t *testing.T) {
	// Two channels of 3×4; channel 1 is channel 0 plus 100.
	src := make([]float64, 24)
	for i := range src {
		src[i] = float64(i%12 + 1 + 100*(i/12))
	}
	shape := [3]int{2, 3, 4}
	for _, tc := range []struct {
		name string
		t    ImageTransform
		want []float64 // channel 0; channel 1 must be the same plus 100 where not 0
	}{
		{"identity", ImageTransform{}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{"down", ImageTransform{DY: 1}, []float64{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{"up", ImageTransform{DY: -2}, []float64{9, 10, 11, 12, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"right", ImageTransform{DX: 1}, []float64{0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11}},
		{"left", ImageTransform{DX: -3}, []float64{4, 0, 0, 0, 8, 0, 0, 0, 12, 0, 0, 0}},
		{"flip", ImageTransform{Flip: true}, []float64{4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9}},
		{"flip then right", ImageTransform{DX: 1, Flip: true}, []float64{0, 4, 3, 2, 0, 8, 7, 6, 0, 12, 11, 10}},
		{"diagonal", ImageTransform{DY: -1, DX: 2}, []float64{0, 0, 5, 6, 0, 0, 9, 10, 0, 0, 0, 0}},
		{"out of the image", ImageTransform{DY: 3}, make([]float64, 12)},
		{"far out", ImageTransform{DX: -9}, make([]float64, 12)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := slices.Repeat([]float64{-1}, 24)
			tc.t.Apply(dst, src, shape)
			if !slices.Equal(dst[:12], tc.want) {
				t.Errorf("channel 0: got %v, want %v", dst[:12], tc.want)
			}
			for i, v := range dst[12:] {
				if w := tc.want[i]; (w == 0 && v != 0) || (w != 0 && v != w+100) {
					t.Fatalf("channel 1: got %v for channel 0's %v", dst[12:], tc.want)
				}
			}
			if tc.t.Identity() != (tc.name == "identity") {
				t.Errorf("Identity() = %v", tc.t.Identity())
			}
		})
	}
}

func TestAugmentationDraw(t *testing.T) {
	a := Augmentation{Shift: 2, Flip: true}
	r1, r2 := rand.New(rand.NewPCG(7, 8)), rand.New(rand.NewPCG(7, 8))
	seen := map[ImageTransform]bool{}
	for range 2000 {
		x, y := a.Draw(r1), a.Draw(r2)
		if x != y {
			t.Fatalf("same seed, different draws %v and %v", x, y)
		}
		if x.DY < -2 || x.DY > 2 || x.DX < -2 || x.DX > 2 {
			t.Fatalf("draw %v outside the shift of 2", x)
		}
		seen[x] = true
	}
	if len(seen) != 5*5*2 {
		t.Errorf("2000 draws gave %d of the 50 transforms", len(seen))
	}
	if got := (Augmentation{}).Draw(r1); !got.Identity() {
		t.Errorf("no augmentation drew %v", got)
	}
	// The count of numbers drawn depends on the augmentation, not on the
	// outcome: after n draws two generators are in step with a third that
	// drew 3n numbers.
	r3 := rand.New(rand.NewPCG(9, 9))
	r4 := rand.New(rand.NewPCG(9, 9))
	for range 100 {
		a.Draw(r3)
		r4.IntN(5)
		r4.IntN(5)
		r4.IntN(2)
	}
	if r3.Uint64() != r4.Uint64() {
		t.Error("Draw drew a number of values that depends on its outcome")
	}
}

// Random erasing zeroes exactly the rectangle EraseRect names, in every
// channel, after the flip and the shift; the rectangle always lies inside
// the image and covers about the drawn share of it.
func TestRandomErasing(t *testing.T) {
	shape := [3]int{2, 28, 20}
	src := make([]float64, 2*28*20)
	for i := range src {
		src[i] = float64(i + 1)
	}
	a := Augmentation{Shift: 2, Flip: true, Erase: 1}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		tr := a.Draw(rng)
		if tr.EraseArea < 0.02 || tr.EraseArea > 0.4 || tr.EraseAspect < 0.3-1e-12 || tr.EraseAspect > 1/0.3+1e-12 {
			t.Fatalf("draw %+v outside the bounds of erasing", tr)
		}
		y, x, h, w := tr.EraseRect(28, 20)
		if h < 1 || w < 1 || y < 0 || x < 0 || y+h > 28 || x+w > 20 {
			t.Fatalf("%+v: rectangle (%d, %d) %d×%d outside the 28×20 image", tr, y, x, h, w)
		}
		// Unclamped, the rectangle covers the drawn area up to rounding.
		if hh, ww := 28*math.Sqrt(tr.EraseArea*tr.EraseAspect), 20*math.Sqrt(tr.EraseArea/tr.EraseAspect); hh <= 28 && ww <= 20 &&
			(math.Abs(float64(h)-hh) > 0.5 || math.Abs(float64(w)-ww) > 0.5) {
			t.Fatalf("%+v: rectangle %d×%d, want about %.2f×%.2f", tr, h, w, hh, ww)
		}
		got, want := make([]float64, len(src)), make([]float64, len(src))
		tr.Apply(got, src, shape)
		plain := tr
		plain.EraseArea = 0
		plain.Apply(want, src, shape)
		for ch := range 2 {
			for r := range 28 {
				for c := range 20 {
					k := ch*28*20 + r*20 + c
					inside := r >= y && r < y+h && c >= x && c < x+w
					if inside && got[k] != 0 || !inside && got[k] != want[k] {
						t.Fatalf("%+v: channel %d pixel (%d, %d) = %v (inside %v), want %v", tr, ch, r, c, got[k], inside, want[k])
					}
				}
			}
		}
	}
	// Erasing with probability ½ leaves about half the images whole, and
	// draws five numbers whatever the outcome.
	a = Augmentation{Erase: 0.5}
	r1, r2 := rand.New(rand.NewPCG(5, 6)), rand.New(rand.NewPCG(5, 6))
	erased := 0
	for range 1000 {
		if tr := a.Draw(r1); !tr.Identity() {
			erased++
		}
		for range 5 {
			r2.Float64()
		}
	}
	if erased < 430 || erased > 570 {
		t.Errorf("erase=0.5 erased %d of 1000 images", erased)
	}
	if r1.Uint64() != r2.Uint64() {
		t.Error("Draw with Erase drew a number of values that depends on its outcome")
	}
}
