package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// Spirals returns n points in the plane on classes interleaved spiral arms,
// the classic dataset that a linear model cannot separate but a small MLP
// can. Class c holds samples c·n/classes up to (c+1)·n/classes (sizes differ
// by at most one). A point at fraction t ∈ [0, 1] along arm c lies at radius
// t and angle 2πc/classes + 4t + noise·N(0, 1) radians. It panics if n < 0
// or classes < 1.
func Spirals(n, classes int, noise float64, rng *rand.Rand) *Dataset {
	if n < 0 || classes < 1 {
		panic(fmt.Sprintf("data: Spirals(%d, %d): need n >= 0 and classes >= 1", n, classes))
	}
	ds := &Dataset{Name: "spirals", N: n, D: 2, Classes: classes,
		X: make([]float64, 0, 2*n), Y: make([]int, n), FeatureNames: []string{"x", "y"}}
	for c := range classes {
		ds.ClassNames = append(ds.ClassNames, strconv.Itoa(c))
		lo, hi := c*n/classes, (c+1)*n/classes
		for i := lo; i < hi; i++ {
			t := 0.0
			if hi-lo > 1 {
				t = float64(i-lo) / float64(hi-lo-1)
			}
			theta := 2*math.Pi*float64(c)/float64(classes) + 4*t + noise*rng.NormFloat64()
			ds.X = append(ds.X, t*math.Sin(theta), t*math.Cos(theta))
			ds.Y[i] = c
		}
	}
	return ds
}

// Moons returns two interleaving half circles, as scikit-learn's make_moons:
// n/2 points (rounded down) of class 0 on the upper unit half circle centred
// at (0, 0), the rest of class 1 on the lower one centred at (1, 0.5), each
// coordinate then perturbed by noise·N(0, 1). It panics if n < 0.
func Moons(n int, noise float64, rng *rand.Rand) *Dataset {
	if n < 0 {
		panic(fmt.Sprintf("data: Moons(%d): need n >= 0", n))
	}
	ds := &Dataset{Name: "moons", N: n, D: 2, Classes: 2, ClassNames: []string{"upper", "lower"},
		X: make([]float64, 0, 2*n), Y: make([]int, n), FeatureNames: []string{"x", "y"}}
	outer := n / 2
	arc := func(k, m int) float64 { // k-th of m evenly spaced angles over [0, π]
		if m < 2 {
			return 0
		}
		return math.Pi * float64(k) / float64(m-1)
	}
	for i := range n {
		var x, y float64
		if i < outer {
			a := arc(i, outer)
			x, y = math.Cos(a), math.Sin(a)
		} else {
			a := arc(i-outer, n-outer)
			x, y = 1-math.Cos(a), 0.5-math.Sin(a)
			ds.Y[i] = 1
		}
		ds.X = append(ds.X, x+noise*rng.NormFloat64(), y+noise*rng.NormFloat64())
	}
	return ds
}

// RegressionWeights returns the weights and bias that [Regression] uses for d
// features: w_j = (−1)^j·(j+1), that is 1, −2, 3, −4, …, and bias 0.5. They
// are fixed rather than random so that a test can compare a fitted model
// with them.
func RegressionWeights(d int) (w []float64, bias float64) {
	w = make([]float64, d)
	for j := range w {
		w[j] = float64(j + 1)
		if j%2 == 1 {
			w[j] = -w[j]
		}
	}
	return w, 0.5
}

// Regression returns n samples of a noisy linear model: features x ~ N(0, I)
// in d dimensions and target y = w·x + bias + noise·N(0, 1), with w and bias
// from [RegressionWeights]. It panics if n < 0 or d < 0.
func Regression(n, d int, noise float64, rng *rand.Rand) *Dataset {
	if n < 0 || d < 0 {
		panic(fmt.Sprintf("data: Regression(%d, %d): need n, d >= 0", n, d))
	}
	w, bias := RegressionWeights(d)
	ds := &Dataset{Name: "regression", N: n, D: d, X: make([]float64, n*d), Targets: make([]float64, n)}
	for i := range n {
		y, row := bias, ds.Row(i)
		for j := range row {
			row[j] = rng.NormFloat64()
			y += w[j] * row[j]
		}
		ds.Targets[i] = y + noise*rng.NormFloat64()
	}
	return ds
}
