package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The files are kept byte-for-byte as scikit-learn ships them (see
// embedded/README.md), so their provenance can be checked by hash.
//
//go:embed embedded/*.csv embedded/*.csv.gz embedded/*.rst
var embedded embed.FS

// Digits returns the UCI optical digits: 1797 images of 8×8 pixels with
// integer intensities 0..16 (not rescaled, as in scikit-learn), 10 classes
// "0".."9". Shape is [8 8], Image (1, 8, 8).
func Digits() (*Dataset, error) {
	raw, err := embedded.ReadFile("embedded/digits.csv.gz")
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("data: digits.csv.gz: %w", err)
	}
	ds, err := ReadCSV(zr, CSVOptions{Name: "digits", LabelColumn: -1})
	if err != nil {
		return nil, err
	}
	ds.Classes = 10
	for c := range 10 {
		ds.ClassNames = append(ds.ClassNames, strconv.Itoa(c))
	}
	ds.Shape = []int{8, 8}
	ds.Image = [3]int{1, 8, 8}
	return withDescription(ds, "digits.rst")
}

// Iris returns Fisher's iris data: 150 flowers, 4 measurements in cm
// (sepal length and width, petal length and width), 3 species.
func Iris() (*Dataset, error) {
	return loadSklearn("iris", "iris.csv", "iris.rst",
		"sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")
}

// BreastCancer returns the Wisconsin diagnostic breast cancer data: 569
// tumours, 30 real-valued features of cell nuclei, classes "malignant" (0)
// and "benign" (1).
func BreastCancer() (*Dataset, error) {
	// The 30 features are the mean, standard error and worst value of ten
	// measurements, in that order (see the description).
	var names []string
	for _, kind := range []string{"mean %s", "%s error", "worst %s"} {
		for _, m := range []string{"radius", "texture", "perimeter", "area", "smoothness",
			"compactness", "concavity", "concave points", "symmetry", "fractal dimension"} {
			names = append(names, fmt.Sprintf(kind, m))
		}
	}
	return loadSklearn("breast_cancer", "breast_cancer.csv", "breast_cancer.rst", names...)
}

// Wine returns the UCI wine recognition data: 178 wines, 13 results of
// chemical analysis, 3 cultivars.
func Wine() (*Dataset, error) {
	return loadSklearn("wine", "wine_data.csv", "wine_data.rst",
		"alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols",
		"flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
		"od280/od315_of_diluted_wines", "proline")
}

// loadSklearn reads scikit-learn's layout, whose first line is
// "n_samples,n_features,class names..." and whose rows end with the label.
// The counts in that line are checked against the rows, which catches a
// truncated or edited copy.
func loadSklearn(name, file, desc string, features ...string) (*Dataset, error) {
	raw, err := embedded.ReadFile("embedded/" + file)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(bytes.NewReader(raw))
	first, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		return nil, err
	}
	head := strings.Split(strings.TrimSpace(first), ",")
	if len(head) < 3 {
		return nil, fmt.Errorf("data: %s: first line %q lacks counts and class names", file, first)
	}
	n, err1 := strconv.Atoi(head[0])
	d, err2 := strconv.Atoi(head[1])
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("data: %s: first line %q does not start with two counts", file, first)
	}
	ds, err := ReadCSV(br, CSVOptions{Name: name, LabelColumn: -1})
	if err != nil {
		return nil, err
	}
	if ds.N != n || ds.D != d {
		return nil, fmt.Errorf("data: %s: header promises %d×%d, rows give %d×%d", file, n, d, ds.N, ds.D)
	}
	ds.ClassNames = head[2:]
	if ds.Classes > len(ds.ClassNames) {
		return nil, fmt.Errorf("data: %s: label %d but only %d class names", file, ds.Classes-1, len(ds.ClassNames))
	}
	ds.Classes = len(ds.ClassNames)
	if features != nil {
		ds.FeatureNames = features
	}
	return withDescription(ds, desc)
}

func withDescription(ds *Dataset, file string) (*Dataset, error) {
	desc, err := embedded.ReadFile("embedded/" + file)
	if err != nil {
		return nil, err
	}
	ds.Description = string(desc)
	return ds, ds.Validate()
}
