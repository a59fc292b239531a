package nn

import (
	"math"
	"math/rand/v2"

	"github.com/nabla-go/nabla"
)

// Initialisers overwrite a tensor's values in place, drawing from a
// caller-supplied generator so that the same seed gives the same network on
// every machine. They bypass autodiff and are meant for freshly made
// parameters. Fans follow PyTorch: for a weight of shape (out, in, k...),
// fanIn = in·k... and fanOut = out·k....

// fill sets every value of t to draw().
func fill(t *nabla.Tensor, draw func() float64) {
	if d := t.RawFloat64(); d != nil {
		for i := range d {
			d[i] = draw()
		}
		return
	}
	d := t.RawFloat32()
	for i := range d {
		d[i] = float32(draw())
	}
}

// fans returns the fan-in and fan-out of a weight tensor.
func fans(op string, t *nabla.Tensor) (in, out int) {
	s := t.Shape()
	if len(s) < 2 {
		panicf(op, "fan-in and fan-out need a tensor with at least 2 dimensions, got shape %v", s)
	}
	field := 1
	for _, d := range s[2:] {
		field *= d
	}
	return s[1] * field, s[0] * field
}

// Uniform sets t to values drawn uniformly from [lo, hi).
func Uniform(t *nabla.Tensor, lo, hi float64, rng *rand.Rand) {
	fill(t, func() float64 { return lo + (hi-lo)*rng.Float64() })
}

// Normal sets t to values drawn from N(mean, std²).
func Normal(t *nabla.Tensor, mean, std float64, rng *rand.Rand) {
	fill(t, func() float64 { return mean + std*rng.NormFloat64() })
}

// Constant sets every value of t to v.
func Constant(t *nabla.Tensor, v float64) { fill(t, func() float64 { return v }) }

// Zero sets every value of t to 0.
func Zero(t *nabla.Tensor) { Constant(t, 0) }

// XavierUniform (Glorot) sets t to U(−b, b) with b = gain·√(6/(fanIn+fanOut)),
// which keeps the variance of activations and gradients alike across layers
// for tanh and sigmoid networks (gain 1, or 5/3 for tanh).
func XavierUniform(t *nabla.Tensor, gain float64, rng *rand.Rand) {
	in, out := fans("XavierUniform", t)
	b := gain * math.Sqrt(6/float64(in+out))
	Uniform(t, -b, b, rng)
}

// XavierNormal (Glorot) sets t to N(0, σ²) with σ = gain·√(2/(fanIn+fanOut)).
func XavierNormal(t *nabla.Tensor, gain float64, rng *rand.Rand) {
	in, out := fans("XavierNormal", t)
	Normal(t, 0, gain*math.Sqrt(2/float64(in+out)), rng)
}

// kaimingStd is gain/√fanIn with the leaky-relu gain √(2/(1+a²)): a = 0 is
// He's ReLU initialisation.
func kaimingStd(op string, t *nabla.Tensor, a float64) float64 {
	in, _ := fans(op, t)
	if in == 0 {
		return 0
	}
	return math.Sqrt(2/(1+a*a)) / math.Sqrt(float64(in))
}

// KaimingUniform (He) sets t to U(−b, b) with b = √3·gain/√fanIn and gain
// √(2/(1+a²)), for layers followed by a leaky ReLU of negative slope a (0 for
// ReLU). With a = √5 it is PyTorch's default for Linear, U(−1/√fanIn, 1/√fanIn).
func KaimingUniform(t *nabla.Tensor, a float64, rng *rand.Rand) {
	b := math.Sqrt(3) * kaimingStd("KaimingUniform", t, a)
	Uniform(t, -b, b, rng)
}

// KaimingNormal (He) sets t to N(0, σ²) with σ = gain/√fanIn, gain as in
// KaimingUniform.
func KaimingNormal(t *nabla.Tensor, a float64, rng *rand.Rand) {
	Normal(t, 0, kaimingStd("KaimingNormal", t, a), rng)
}
