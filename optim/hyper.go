package optim

import "fmt"

// checkRange panics unless lo <= v < hi (hi is excluded only when open is
// true), naming the algorithm and the hyperparameter.
func checkRange(alg, field string, v, lo, hi float64, open bool) {
	ok := v >= lo && v <= hi
	if open {
		ok = ok && v < hi
	}
	if !ok {
		bound := "]"
		if open {
			bound = ")"
		}
		panic(fmt.Sprintf("optim: %s: %s = %v is outside [%v, %v%s", alg, field, v, lo, hi, bound))
	}
}

// checkNonNeg panics unless v >= 0 (NaN included), naming the algorithm and
// the hyperparameter.
func checkNonNeg(alg, field string, v float64) {
	if !(v >= 0) {
		panic(fmt.Sprintf("optim: %s: %s = %v must be non-negative", alg, field, v))
	}
}
