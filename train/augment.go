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
func (a *augmenter) apply32(x []float32, d, first, total int) {
	if a != nil {
		augment(a, x, d, first, total)
	}
}

func (a *augmenter) apply64(x []float64, d, first, total int) {
	if a != nil {
		augment(a, x, d, first, total)
	}
}

// augment draws a transform for each of the total rows of a batch, in
// order, and applies those of rows first, first+1, … in place to the
// row-major x (rows of d values), which holds those rows: a worker that
// holds a shard of the batch draws what the whole batch would. Rows whose
// transform is the identity are left as they are, bit for bit.
func augment[T float32 | float64](a *augmenter, x []T, d, first, total int) {
	mean, std := a.scaler.Mean, a.scaler.Std
	rows := len(x) / d
	for r := range total {
		t := a.aug.Draw(a.rng)
		if r < first || r >= first+rows || t.Identity() {
			continue
		}
		lo := (r - first) * d
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
