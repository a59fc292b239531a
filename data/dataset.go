package data

import (
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
)

// Dataset is a table of N samples with D features each, plus either a class
// label or a real-valued target per sample.
//
// The features are stored once, in float64 (X) or in float32 (X32): exactly
// one of the two slices is non-nil (both are nil only for a zero Dataset).
// Loaders return float64 unless asked for float32 ([LoadIDXPairAs],
// [FashionMNISTAs]); [Dataset.SetStorage] converts. Every method works on
// either storage, and batches, subsets and standardisation keep it, so a
// large image set can be held and trained on in float32 without a float64
// copy.
//
// The zero values of the optional fields mean "unknown": a dataset read from a
// headerless CSV has no FeatureNames, a regression dataset has no Y.
type Dataset struct {
	X       []float64 // features in float64, row-major N×D: sample i is X[i*D : (i+1)*D]; nil when stored in float32
	X32     []float32 // features in float32, row-major N×D; nil when stored in float64
	Y       []int     // class labels in [0, Classes), or nil for regression
	Targets []float64 // regression targets, or nil for classification

	N, D    int // samples and features per sample
	Classes int // number of classes; 0 for regression

	Name         string
	ClassNames   []string // len Classes when known
	FeatureNames []string // len D when known
	Shape        []int    // per-sample shape when a sample is not a flat vector, e.g. [8 8] for digits
	// Image is (channels, height, width) when each sample is an image stored
	// channel by channel, row by row (so a batch of n rows reshapes to
	// (n, C, H, W)); all zero when samples are not images. Digits have
	// (1, 8, 8), Fashion-MNIST (1, 28, 28).
	Image       [3]int
	Description string // the dataset's own documentation, for embedded datasets
}

// Storage is the element type a [Dataset] holds its features in.
type Storage int

const (
	Float64 Storage = iota // features in Dataset.X
	Float32                // features in Dataset.X32
)

func (s Storage) String() string {
	if s == Float32 {
		return "float32"
	}
	return "float64"
}

// Storage reports whether ds holds its features in X (Float64) or X32
// (Float32).
func (ds *Dataset) Storage() Storage {
	if ds.X32 != nil {
		return Float32
	}
	return Float64
}

// SetStorage converts the features of ds to s in place, dropping the old
// slice; it does nothing when ds is already stored in s. Converting to
// float32 rounds each value to the nearest float32.
func (ds *Dataset) SetStorage(s Storage) {
	switch {
	case s == ds.Storage():
	case s == Float32:
		ds.X32 = make([]float32, len(ds.X))
		for i, v := range ds.X {
			ds.X32[i] = float32(v)
		}
		ds.X = nil
	default:
		ds.X = make([]float64, len(ds.X32))
		for i, v := range ds.X32 {
			ds.X[i] = float64(v)
		}
		ds.X32 = nil
	}
}

// IsImage reports whether the samples of ds are images (Image is set).
func (ds *Dataset) IsImage() bool { return ds.Image != [3]int{} }

// Row returns sample i's features. The slice shares memory with ds.X. It
// panics if ds is stored in float32: use [Dataset.Row32] or
// [Dataset.RowFloat64] then.
func (ds *Dataset) Row(i int) []float64 {
	if ds.X32 != nil {
		panic(fmt.Sprintf("data: %s: Row of a dataset stored in float32; use Row32 or RowFloat64", ds.Name))
	}
	return ds.X[i*ds.D : (i+1)*ds.D : (i+1)*ds.D]
}

// Row32 returns sample i's features. The slice shares memory with ds.X32. It
// panics if ds is stored in float64: use [Dataset.Row] then.
func (ds *Dataset) Row32(i int) []float32 {
	if ds.X32 == nil && ds.X != nil {
		panic(fmt.Sprintf("data: %s: Row32 of a dataset stored in float64; use Row", ds.Name))
	}
	return ds.X32[i*ds.D : (i+1)*ds.D : (i+1)*ds.D]
}

// RowFloat64 returns a copy of sample i's features as float64, whatever the
// storage of ds.
func (ds *Dataset) RowFloat64(i int) []float64 {
	if ds.X32 == nil {
		return slices.Clone(ds.Row(i))
	}
	out := make([]float64, ds.D)
	for k, v := range ds.Row32(i) {
		out[k] = float64(v)
	}
	return out
}

// Validate reports whether the fields of ds agree with each other, so that a
// Dataset assembled by hand can be checked before it reaches a model.
func (ds *Dataset) Validate() error {
	switch {
	case ds.N < 0 || ds.D < 0:
		return fmt.Errorf("data: %s: negative size N=%d D=%d", ds.Name, ds.N, ds.D)
	case ds.X != nil && ds.X32 != nil:
		return fmt.Errorf("data: %s: both X and X32 are set; a dataset holds its features once", ds.Name)
	case ds.X32 == nil && len(ds.X) != ds.N*ds.D:
		return fmt.Errorf("data: %s: len(X)=%d, want N×D = %d×%d", ds.Name, len(ds.X), ds.N, ds.D)
	case ds.X32 != nil && len(ds.X32) != ds.N*ds.D:
		return fmt.Errorf("data: %s: len(X32)=%d, want N×D = %d×%d", ds.Name, len(ds.X32), ds.N, ds.D)
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
	if c, h, w := ds.Image[0], ds.Image[1], ds.Image[2]; ds.IsImage() && (c < 1 || h < 1 || w < 1 || c*h*w != ds.D) {
		return fmt.Errorf("data: %s: image shape (C, H, W) = %v, want positive sizes with C×H×W = D = %d", ds.Name, ds.Image, ds.D)
	}
	for i, y := range ds.Y {
		if y < 0 || y >= ds.Classes {
			return fmt.Errorf("data: %s: sample %d has label %d, outside [0, %d)", ds.Name, i, y, ds.Classes)
		}
	}
	return nil
}

// Subset returns a new dataset holding copies of the samples idx, in that
// order, in the storage of ds; an index may repeat (as in bootstrap
// resampling). The descriptive fields (names, shape) are shared with ds. It
// panics if an index is out of range.
func (ds *Dataset) Subset(idx []int) *Dataset {
	out := *ds
	out.N = len(idx)
	if ds.X32 != nil {
		out.X32 = make([]float32, 0, len(idx)*ds.D)
	} else {
		out.X = make([]float64, 0, len(idx)*ds.D)
	}
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
		if ds.X32 != nil {
			out.X32 = append(out.X32, ds.Row32(i)...)
		} else {
			out.X = append(out.X, ds.Row(i)...)
		}
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
	swap := swapRows(ds.X, ds.D)
	if ds.X32 != nil {
		swap = swapRows(ds.X32, ds.D)
	}
	rng.Shuffle(ds.N, func(i, j int) {
		swap(i, j)
		if ds.Y != nil {
			ds.Y[i], ds.Y[j] = ds.Y[j], ds.Y[i]
		}
		if ds.Targets != nil {
			ds.Targets[i], ds.Targets[j] = ds.Targets[j], ds.Targets[i]
		}
	})
}

// swapRows returns a function that swaps rows i and j of the row-major
// matrix x with d columns.
func swapRows[T float32 | float64](x []T, d int) func(i, j int) {
	tmp := make([]T, d)
	return func(i, j int) {
		a, b := x[i*d:(i+1)*d], x[j*d:(j+1)*d]
		copy(tmp, a)
		copy(a, b)
		copy(b, tmp)
	}
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
			if ds.X32 != nil {
				b.X32 = ds.X32[lo*ds.D : hi*ds.D : hi*ds.D]
			} else {
				b.X = ds.X[lo*ds.D : hi*ds.D : hi*ds.D]
			}
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
// feature of ds, in float64 whatever the storage. A constant feature gets Std
// 1 rather than 0, so applying the scaler maps it to 0 instead of NaN.
func FitScaler(ds *Dataset) Scaler {
	s := Scaler{Mean: make([]float64, ds.D), Std: make([]float64, ds.D)}
	if ds.N == 0 {
		for j := range s.Std {
			s.Std[j] = 1
		}
		return s
	}
	if ds.X32 != nil {
		fitScaler(s, ds.X32, ds.N)
	} else {
		fitScaler(s, ds.X, ds.N)
	}
	return s
}

// FitChannelScaler computes, for a dataset of images, the mean and
// (population) standard deviation of each channel over all its pixels and
// samples, in float64, as torchvision's Normalize uses them: the Scaler
// repeats each channel's two numbers for every pixel of the channel, so that
// standardising keeps the images' spatial structure (a pixel near the border
// that is almost always black is not scaled up by its own tiny spread). A
// constant channel gets Std 1. It panics if ds is not made of images.
func FitChannelScaler(ds *Dataset) Scaler {
	if !ds.IsImage() {
		panic("data: FitChannelScaler: the dataset is not made of images")
	}
	c, hw := ds.Image[0], ds.Image[1]*ds.Image[2]
	s := Scaler{Mean: make([]float64, ds.D), Std: make([]float64, ds.D)}
	for ch := range c {
		var mean, ss float64
		if ds.N > 0 {
			if ds.X32 != nil {
				mean, ss = channelMoments(ds.X32, ds.N, ds.D, ch*hw, hw)
			} else {
				mean, ss = channelMoments(ds.X, ds.N, ds.D, ch*hw, hw)
			}
		}
		std := math.Sqrt(ss)
		if std == 0 || math.IsNaN(std) {
			std = 1
		}
		for k := ch * hw; k < (ch+1)*hw; k++ {
			s.Mean[k], s.Std[k] = mean, std
		}
	}
	return s
}

// channelMoments returns the mean and the population variance of the
// values [off, off+hw) of each of the n rows of d values of x, two passes.
func channelMoments[T float32 | float64](x []T, n, d, off, hw int) (mean, variance float64) {
	for i := range n {
		for _, v := range x[i*d+off : i*d+off+hw] {
			mean += float64(v)
		}
	}
	count := float64(n) * float64(hw)
	mean /= count
	for i := range n {
		for _, v := range x[i*d+off : i*d+off+hw] {
			dv := float64(v) - mean
			variance += dv * dv
		}
	}
	return mean, variance / count
}

func fitScaler[T float32 | float64](s Scaler, x []T, n int) {
	d := len(s.Mean)
	for i := range n {
		for j, v := range x[i*d : (i+1)*d] {
			s.Mean[j] += float64(v)
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= float64(n)
	}
	// Two passes rather than sum of squares: the one-pass formula loses
	// precision when features have a large mean and a small spread.
	for i := range n {
		for j, v := range x[i*d : (i+1)*d] {
			dv := float64(v) - s.Mean[j]
			s.Std[j] += dv * dv
		}
	}
	for j := range s.Std {
		s.Std[j] = math.Sqrt(s.Std[j] / float64(n))
		if s.Std[j] == 0 || math.IsNaN(s.Std[j]) {
			s.Std[j] = 1
		}
	}
}

// Apply standardizes the features of ds in place: x ← (x − Mean) / Std,
// computed in float64 and stored back in the storage of ds.
func (s Scaler) Apply(ds *Dataset) error {
	if len(s.Mean) != ds.D || len(s.Std) != ds.D {
		return fmt.Errorf("data: %s: scaler fitted on %d features, dataset has %d", ds.Name, len(s.Mean), ds.D)
	}
	if ds.X32 != nil {
		applyScaler(s, ds.X32)
	} else {
		applyScaler(s, ds.X)
	}
	return nil
}

func applyScaler[T float32 | float64](s Scaler, x []T) {
	d := len(s.Mean)
	for i := 0; i+d <= len(x) && d > 0; i += d {
		r := x[i : i+d]
		for j := range r {
			r[j] = T((float64(r[j]) - s.Mean[j]) / s.Std[j])
		}
	}
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

// StandardizeChannels is Standardize with the scaler of FitChannelScaler:
// one mean and standard deviation per channel of the images of train.
func StandardizeChannels(train *Dataset, others ...*Dataset) (Scaler, error) {
	s := FitChannelScaler(train)
	for _, ds := range append([]*Dataset{train}, others...) {
		if err := s.Apply(ds); err != nil {
			return s, err
		}
	}
	return s, nil
}

// Gather copies the features of samples idx into dst, row after row,
// converted to T: the rows of a batch, whatever dtype ds is stored in.
// dst needs len(idx)·ds.D elements.
func Gather[T float32 | float64](dst []T, ds *Dataset, idx []int) {
	d := ds.D
	for r, i := range idx {
		out := dst[r*d : (r+1)*d]
		if ds.Storage() == Float32 {
			for k, v := range ds.Row32(i) {
				out[k] = T(v)
			}
		} else {
			for k, v := range ds.Row(i) {
				out[k] = T(v)
			}
		}
	}
}
