package train

import (
	"math/rand/v2"

	"github.com/nabla-go/nabla/data"
)

// augmenter transforms the rows of training batches. The rows are
// standardised, so each transformed image goes back to pixel values first:
// the zeros shifted in are then black pixels (the background of digits and
// Fashion-MNIST), not the mean of each pixel, and a pixel's statistics are
// not carried to another position.
type augmenter struct {
	aug      data.Augmentation
	image    [3]int
	scaler   data.Scaler
	pcg      *rand.PCG // its own stream, saved in checkpoints
	rng      *rand.Rand
	raw, out []float64
}

func newAugmenter(a data.Augmentation, image [3]int, sc data.Scaler, pcg *rand.PCG) *augmenter {
	d := image[0] * image[1] * image[2]
	return &augmenter{aug: a, image: image, scaler: sc, pcg: pcg, rng: rand.New(pcg),
		raw: make([]float64, d), out: make([]float64, d)}
}

// The two entry points are methods (which cannot be generic) around augment;
// a nil augmenter does nothing.
func (a *augmenter) apply32(x []float32, d int) {
	if a != nil {
		augment(a, x, d)
	}
}

func (a *augmenter) apply64(x []float64, d int) {
	if a != nil {
		augment(a, x, d)
	}
}

// augment draws a transform for each row of the row-major x (rows of d
// values), in order, and applies it in place. Rows whose transform is the
// identity are left as they are, bit for bit.
func augment[T float32 | float64](a *augmenter, x []T, d int) {
	mean, std := a.scaler.Mean, a.scaler.Std
	for lo := 0; lo+d <= len(x); lo += d {
		t := a.aug.Draw(a.rng)
		if t.Identity() {
			continue
		}
		row := x[lo : lo+d]
		for k, v := range row {
			a.raw[k] = float64(v)*std[k] + mean[k]
		}
		t.Apply(a.out, a.raw, a.image)
		for k, v := range a.out {
			row[k] = T((v - mean[k]) / std[k])
		}
	}
}
