package data

import (
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
)

// Dataset is a table of N samples with D features each, plus either a class
// label or a real-valued target per sample.
//
// The zero values of the optional fields mean "unknown": a dataset read from a
// headerless CSV has no FeatureNames, a regression dataset has no Y.
type Dataset struct {
	X       []float64 // features, row-major N×D: sample i is X[i*D : (i+1)*D]
	Y       []int     // class labels in [0, Classes), or nil for regression
	Targets []float64 // regression targets, or nil for classification

	N, D    int // samples and features per sample
	Classes int // number of classes; 0 for regression

	Name         string
	ClassNames   []string // len Classes when known
	FeatureNames []string // len D when known
	Shape        []int    // per-sample shape when a sample is not a flat vector, e.g. [8 8] for digits
	Description  string   // the dataset's own documentation, for embedded datasets
}

// Row returns sample i's features. The slice shares memory with ds.X.
func (ds *Dataset) Row(i int) []float64 { return ds.X[i*ds.D : (i+1)*ds.D : (i+1)*ds.D] }

// Validate reports whether the fields of ds agree with each other, so that a
// Dataset assembled by hand can be checked before it reaches a model.
func (ds *Dataset) Validate() error {
	switch {
	case ds.N < 0 || ds.D < 0:
		return fmt.Errorf("data: %s: negative size N=%d D=%d", ds.Name, ds.N, ds.D)
	case len(ds.X) != ds.N*ds.D:
		return fmt.Errorf("data: %s: len(X)=%d, want N×D = %d×%d", ds.Name, len(ds.X), ds.N, ds.D)
	case ds.Y != nil && len(ds.Y) != ds.N:
		return fmt.Errorf("data: %s: len(Y)=%d, want N=%d", ds.Name, len(ds.Y), ds.N)
	case ds.Targets != nil && len(ds.Targets) != ds.N:
		return fmt.Errorf("data: %s: len(Targets)=%d, want N=%d", ds.Name, len(ds.Targets), ds.N)
	case ds.FeatureNames != nil && len(ds.FeatureNames) != ds.D:
		return fmt.Errorf("data: %s: %d feature names for D=%d", ds.Name, len(ds.FeatureNames), ds.D)
	case ds.ClassNames != nil && len(ds.ClassNames) != ds.Classes:
		return fmt.Errorf("data: %s: %d class names for %d classes", ds.Name, len(ds.ClassNames), ds.Classes)
	}
	if ds.Shape != nil {
		p := 1
		for _, s := range ds.Shape {
			p *= s
		}
		if p != ds.D {
			return fmt.Errorf("data: %s: sample shape %v has %d elements, want D=%d", ds.Name, ds.Shape, p, ds.D)
		}
	}
	for i, y := range ds.Y {
		if y < 0 || y >= ds.Classes {
			return fmt.Errorf("data: %s: sample %d has label %d, outside [0, %d)", ds.Name, i, y, ds.Classes)
		}
	}
	return nil
}

// Subset returns a new dataset holding copies of the samples idx, in that
// order; an index may repeat (as in bootstrap resampling). The descriptive
// fields (names, shape) are shared with ds. It panics if an index is out of
// range.
func (ds *Dataset) Subset(idx []int) *Dataset {
	out := *ds
	out.N = len(idx)
	out.X = make([]float64, 0, len(idx)*ds.D)
	if ds.Y != nil {
		out.Y = make([]int, len(idx))
	}
	if ds.Targets != nil {
		out.Targets = make([]float64, len(idx))
	}
	for k, i := range idx {
		if i < 0 || i >= ds.N {
			panic(fmt.Sprintf("data: Subset index %d out of range [0, %d)", i, ds.N))
		}
		out.X = append(out.X, ds.Row(i)...)
		if ds.Y != nil {
			out.Y[k] = ds.Y[i]
		}
		if ds.Targets != nil {
			out.Targets[k] = ds.Targets[i]
		}
	}
	return &out
}

// Shuffle permutes the samples of ds in place, keeping each row with its
// label or target. Shuffling in place lets an epoch loop reshuffle without
// allocating a copy of the data.
func (ds *Dataset) Shuffle(rng *rand.Rand) {
	tmp := make([]float64, ds.D)
	rng.Shuffle(ds.N, func(i, j int) {
		a, b := ds.Row(i), ds.Row(j)
		copy(tmp, a)
		copy(a, b)
		copy(b, tmp)
		if ds.Y != nil {
			ds.Y[i], ds.Y[j] = ds.Y[j], ds.Y[i]
		}
		if ds.Targets != nil {
			ds.Targets[i], ds.Targets[j] = ds.Targets[j], ds.Targets[i]
		}
	})
}

// Split returns a random partition of ds into a training set and a test set
// holding round(testFraction×N) samples, both copies in random order; ds is
// left unchanged. The split is not stratified. It panics unless
// 0 <= testFraction <= 1.
func (ds *Dataset) Split(testFraction float64, rng *rand.Rand) (train, test *Dataset) {
	if !(testFraction >= 0 && testFraction <= 1) {
		panic(fmt.Sprintf("data: Split fraction %v outside [0, 1]", testFraction))
	}
	perm := rng.Perm(ds.N)
	nTest := int(math.Round(testFraction * float64(ds.N)))
	return ds.Subset(perm[nTest:]), ds.Subset(perm[:nTest])
}

// Batches yields consecutive batches of up to size samples, the last one
// possibly smaller. Each batch is a Dataset whose slices are views into ds,
// not copies, so iterating costs no allocation of sample data; call
// [Dataset.Shuffle] between epochs for a new order. It panics if size < 1.
func (ds *Dataset) Batches(size int) iter.Seq[*Dataset] {
	if size < 1 {
		panic(fmt.Sprintf("data: batch size %d < 1", size))
	}
	return func(yield func(*Dataset) bool) {
		for lo := 0; lo < ds.N; lo += size {
			hi := min(lo+size, ds.N)
			b := *ds
			b.N = hi - lo
			b.X = ds.X[lo*ds.D : hi*ds.D : hi*ds.D]
			if ds.Y != nil {
				b.Y = ds.Y[lo:hi:hi]
			}
			if ds.Targets != nil {
				b.Targets = ds.Targets[lo:hi:hi]
			}
			if !yield(&b) {
				return
			}
		}
	}
}

// Scaler holds per-feature statistics for standardization, fitted on training
// data only so that no information from the test set leaks into training.
type Scaler struct {
	Mean, Std []float64
}

// FitScaler computes the mean and (population) standard deviation of each
// feature of ds. A constant feature gets Std 1 rather than 0, so applying the
// scaler maps it to 0 instead of NaN.
func FitScaler(ds *Dataset) Scaler {
	s := Scaler{Mean: make([]float64, ds.D), Std: make([]float64, ds.D)}
	if ds.N == 0 {
		for j := range s.Std {
			s.Std[j] = 1
		}
		return s
	}
	for i := range ds.N {
		for j, v := range ds.Row(i) {
			s.Mean[j] += v
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= float64(ds.N)
	}
	// Two passes rather than sum of squares: the one-pass formula loses
	// precision when features have a large mean and a small spread.
	for i := range ds.N {
		for j, v := range ds.Row(i) {
			d := v - s.Mean[j]
			s.Std[j] += d * d
		}
	}
	for j := range s.Std {
		s.Std[j] = math.Sqrt(s.Std[j] / float64(ds.N))
		if s.Std[j] == 0 || math.IsNaN(s.Std[j]) {
			s.Std[j] = 1
		}
	}
	return s
}

// Apply standardizes the features of ds in place: x ← (x − Mean) / Std.
func (s Scaler) Apply(ds *Dataset) error {
	if len(s.Mean) != ds.D || len(s.Std) != ds.D {
		return fmt.Errorf("data: %s: scaler fitted on %d features, dataset has %d", ds.Name, len(s.Mean), ds.D)
	}
	for i := range ds.N {
		r := ds.Row(i)
		for j := range r {
			r[j] = (r[j] - s.Mean[j]) / s.Std[j]
		}
	}
	return nil
}

// Standardize fits a [Scaler] on train and applies it, in place, to train and
// to each of others (typically the validation and test sets).
func Standardize(train *Dataset, others ...*Dataset) (Scaler, error) {
	s := FitScaler(train)
	for _, ds := range append([]*Dataset{train}, others...) {
		if err := s.Apply(ds); err != nil {
			return s, err
		}
	}
	return s, nil
}
