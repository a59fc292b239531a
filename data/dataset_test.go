package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// toy returns n samples whose row i is [i, 10i] with label i%3 and target
// -i, so any mix-up between rows and labels is visible.
func toy(n int) *Dataset {
	ds := &Dataset{Name: "toy", N: n, D: 2, Classes: 3, Y: make([]int, n), Targets: make([]float64, n)}
	for i := range n {
		ds.X = append(ds.X, float64(i), float64(10*i))
		ds.Y[i] = i % 3
		ds.Targets[i] = -float64(i)
	}
	return ds
}

// checkPaired fails if some row no longer matches its label and target.
func checkPaired(t *testing.T, ds *Dataset) {
	t.Helper()
	for i := range ds.N {
		r := ds.Row(i)
		k := int(r[0])
		if r[1] != 10*r[0] || ds.Y[i] != k%3 || ds.Targets[i] != -r[0] {
			t.Fatalf("sample %d: row %v, label %d, target %v do not belong together", i, r, ds.Y[i], ds.Targets[i])
		}
	}
}

func firstColumn(ds *Dataset) []int {
	var ids []int
	for i := range ds.N {
		ids = append(ids, int(ds.Row(i)[0]))
	}
	return ids
}

func TestSubset(t *testing.T) {
	ds := toy(5)
	s := ds.Subset([]int{4, 0, 4})
	if s.N != 3 || !slices.Equal(firstColumn(s), []int{4, 0, 4}) {
		t.Fatalf("Subset gave %v", firstColumn(s))
	}
	checkPaired(t, s)
	s.X[0] = 99
	if ds.X[8] == 99 {
		t.Error("Subset shares memory with its source")
	}
	defer func() {
		if recover() == nil {
			t.Error("Subset with index 5 of 5 did not panic")
		}
	}()
	ds.Subset([]int{5})
}

func TestShuffle(t *testing.T) {
	a, b := toy(50), toy(50)
	a.Shuffle(rand.New(rand.NewPCG(1, 2)))
	b.Shuffle(rand.New(rand.NewPCG(1, 2)))
	checkPaired(t, a)
	if !slices.Equal(a.X, b.X) {
		t.Error("same seed, different order")
	}
	ids := firstColumn(a)
	if slices.IsSorted(ids) {
		t.Error("Shuffle left the rows in order")
	}
	slices.Sort(ids)
	if !slices.Equal(ids, firstColumn(toy(50))) {
		t.Error("Shuffle lost or duplicated rows")
	}
}

func TestSplit(t *testing.T) {
	ds := toy(10)
	train, test := ds.Split(0.25, rand.New(rand.NewPCG(3, 4)))
	if train.N != 7 || test.N != 3 { // round(2.5) = 3
		t.Fatalf("split 10 into %d + %d, want 7 + 3", train.N, test.N)
	}
	checkPaired(t, train)
	checkPaired(t, test)
	all := append(firstColumn(train), firstColumn(test)...)
	slices.Sort(all)
	if !slices.Equal(all, firstColumn(ds)) {
		t.Errorf("train ∪ test = %v", all)
	}
	if !slices.Equal(firstColumn(ds), []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Error("Split modified its receiver")
	}
	for _, f := range []float64{-0.1, 1.1, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Split(%v) did not panic", f)
				}
			}()
			ds.Split(f, rand.New(rand.NewPCG(1, 1)))
		}()
	}
}

func TestBatches(t *testing.T) {
	ds := toy(7)
	var sizes []int
	var seen []int
	for b := range ds.Batches(3) {
		sizes = append(sizes, b.N)
		seen = append(seen, firstColumn(b)...)
		checkPaired(t, b)
		if err := b.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(sizes, []int{3, 3, 1}) || !slices.Equal(seen, firstColumn(ds)) {
		t.Fatalf("batch sizes %v, rows %v", sizes, seen)
	}
	for b := range ds.Batches(3) {
		b.X[0] = 42 // batches are views
		break
	}
	if ds.X[0] != 42 {
		t.Error("batch is not a view of the dataset")
	}
	defer func() {
		if recover() == nil {
			t.Error("Batches(0) did not panic")
		}
	}()
	ds.Batches(0)
}

func TestScaler(t *testing.T) {
	train := &Dataset{Name: "train", N: 4, D: 3, X: []float64{
		1, 5, 100,
		2, 5, 200,
		3, 5, 300,
		4, 5, 400,
	}}
	test := &Dataset{Name: "test", N: 1, D: 3, X: []float64{2.5, 7, 0}}
	s, err := Standardize(train, test)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Mean, []float64{2.5, 5, 250}) || s.Std[1] != 1 {
		t.Errorf("fitted %+v", s)
	}
	for j := range 3 {
		var m, v float64
		for i := range 4 {
			m += train.X[i*3+j] / 4
		}
		for i := range 4 {
			v += (train.X[i*3+j] - m) * (train.X[i*3+j] - m) / 4
		}
		want := 1.0
		if j == 1 {
			want = 0 // constant column: centred, not divided by zero
		}
		if math.Abs(m) > 1e-12 || math.Abs(v-want) > 1e-12 {
			t.Errorf("column %d: mean %v variance %v after scaling", j, m, v)
		}
	}
	// The test sample is scaled with the training statistics.
	if test.X[0] != 0 || test.X[1] != 2 || math.Abs(test.X[2]+250/math.Sqrt(12500)) > 1e-12 {
		t.Errorf("test scaled to %v", test.X)
	}
	if err := s.Apply(toy(2)); err == nil || !strings.Contains(err.Error(), "3 features") {
		t.Errorf("width mismatch: %v", err)
	}
	empty := FitScaler(&Dataset{D: 2})
	if !slices.Equal(empty.Std, []float64{1, 1}) {
		t.Errorf("scaler of no samples: %+v", empty)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		ds   Dataset
		want string
	}{
		{Dataset{N: 2, D: 2, X: make([]float64, 3)}, "len(X)=3"},
		{Dataset{N: 1, D: 1, X: []float64{0}, Y: []int{2}, Classes: 2}, "label 2"},
		{Dataset{N: 1, D: 4, X: make([]float64, 4), Shape: []int{3, 3}}, "shape [3 3]"},
		{Dataset{N: 1, D: 1, X: []float64{0}, Targets: []float64{}}, "len(Targets)=0"},
	} {
		if err := tc.ds.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want mention of %q", tc.ds, err, tc.want)
		}
	}
}

// FitChannelScaler takes one mean and standard deviation per channel over
// every pixel and sample, in float64 whatever the storage, and repeats them
// over the channel's pixels.
func TestChannelScaler(t *testing.T) {
	// Two samples of 2 channels of 2×1 pixels.
	x := []float64{
		1, 3, 10, 10,
		5, 7, 10, 10,
	}
	ds := &Dataset{X: x, N: 2, D: 4, Image: [3]int{2, 2, 1}}
	s := FitChannelScaler(ds)
	// Channel 0: values 1 3 5 7, mean 4, variance (9+1+1+9)/4 = 5.
	// Channel 1: constant, so Std 1.
	want := Scaler{Mean: []float64{4, 4, 10, 10}, Std: []float64{math.Sqrt(5), math.Sqrt(5), 1, 1}}
	if !slices.Equal(s.Mean, want.Mean) || !slices.Equal(s.Std, want.Std) {
		t.Errorf("got %+v, want %+v", s, want)
	}
	ds32 := &Dataset{X32: []float32{1, 3, 10, 10, 5, 7, 10, 10}, N: 2, D: 4, Image: [3]int{2, 2, 1}}
	if s32 := FitChannelScaler(ds32); !slices.Equal(s32.Mean, want.Mean) || !slices.Equal(s32.Std, want.Std) {
		t.Errorf("float32 storage: got %+v, want %+v", s32, want)
	}
	other := &Dataset{X: []float64{4, 4 + math.Sqrt(5), 11, 9}, N: 1, D: 4, Image: [3]int{2, 2, 1}}
	if _, err := StandardizeChannels(ds, other); err != nil {
		t.Fatal(err)
	}
	if got := other.X; math.Abs(got[0]) > 1e-15 || math.Abs(got[1]-1) > 1e-15 || got[2] != 1 || got[3] != -1 {
		t.Errorf("standardised with the training set's channel statistics: %v, want [0 1 1 -1]", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("FitChannelScaler of a dataset without images did not panic")
		}
	}()
	FitChannelScaler(&Dataset{X: x, N: 2, D: 4})
}
