package data

import (
	"slices"
	"strings"
	"testing"
)

func TestEmbeddedSizes(t *testing.T) {
	for _, tc := range []struct {
		load                func() (*Dataset, error)
		name                string
		n, d, classes       int
		firstRow            []float64
		firstLabel          int
		descriptionContains string
	}{
		{Digits, "digits", 1797, 64, 10, nil, 0, "Optical recognition"},
		{Iris, "iris", 150, 4, 3, []float64{5.1, 3.5, 1.4, 0.2}, 0, "Iris"},
		{BreastCancer, "breast_cancer", 569, 30, 2, nil, 0, "Breast cancer"},
		{Wine, "wine", 178, 13, 3, nil, 0, "Wine"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := tc.load()
			if err != nil {
				t.Fatal(err)
			}
			if ds.Name != tc.name || ds.N != tc.n || ds.D != tc.d || ds.Classes != tc.classes {
				t.Fatalf("got %s %d×%d, %d classes; want %s %d×%d, %d", ds.Name, ds.N, ds.D, ds.Classes, tc.name, tc.n, tc.d, tc.classes)
			}
			if err := ds.Validate(); err != nil {
				t.Fatal(err)
			}
			if ds.Targets != nil || len(ds.ClassNames) != tc.classes || len(ds.FeatureNames) != 0 && len(ds.FeatureNames) != tc.d {
				t.Errorf("Targets %v, %d class names, %d feature names", ds.Targets != nil, len(ds.ClassNames), len(ds.FeatureNames))
			}
			seen := make([]int, ds.Classes)
			for _, y := range ds.Y {
				seen[y]++
			}
			if slices.Contains(seen, 0) {
				t.Errorf("a class has no samples: %v", seen)
			}
			if tc.firstRow != nil && (!slices.Equal(ds.Row(0), tc.firstRow) || ds.Y[0] != tc.firstLabel) {
				t.Errorf("first sample %v label %d, want %v label %d", ds.Row(0), ds.Y[0], tc.firstRow, tc.firstLabel)
			}
			if !strings.Contains(strings.ToLower(ds.Description), strings.ToLower(tc.descriptionContains)) {
				t.Errorf("description does not mention %q", tc.descriptionContains)
			}
		})
	}
}

func TestDigitsPixels(t *testing.T) {
	ds, err := Digits()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.Shape, []int{8, 8}) || ds.Image != [3]int{1, 8, 8} {
		t.Errorf("Shape %v, Image %v, want [8 8] and [1 8 8]", ds.Shape, ds.Image)
	}
	if lo, hi := slices.Min(ds.X), slices.Max(ds.X); lo != 0 || hi != 16 {
		t.Errorf("pixels in [%v, %v], want [0, 16]", lo, hi)
	}
}

// Each call must return a fresh copy, so that one caller standardizing the
// data in place cannot change what the next caller sees.
func TestEmbeddedFreshCopies(t *testing.T) {
	a, _ := Iris()
	a.X[0] = -1
	b, _ := Iris()
	if b.X[0] != 5.1 {
		t.Fatalf("second Iris() sees the first caller's edit: %v", b.X[0])
	}
}
