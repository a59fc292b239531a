package data_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/nabla-go/nabla/data"
)

func ExampleDigits() {
	ds, err := data.Digits()
	if err != nil {
		panic(err)
	}
	fmt.Println(ds.N, ds.D, ds.Classes, ds.Shape)
	// Output: 1797 64 10 [8 8]
}

func ExampleIris() {
	ds, err := data.Iris()
	if err != nil {
		panic(err)
	}
	fmt.Println(ds.N, ds.D, ds.ClassNames)
	fmt.Println(ds.FeatureNames[0], ds.Row(0), ds.ClassNames[ds.Y[0]])
	// Output:
	// 150 4 [setosa versicolor virginica]
	// sepal length (cm) [5.1 3.5 1.4 0.2] setosa
}

func ExampleBreastCancer() {
	ds, err := data.BreastCancer()
	if err != nil {
		panic(err)
	}
	fmt.Println(ds.N, ds.D, ds.ClassNames)
	// Output: 569 30 [malignant benign]
}

func ExampleWine() {
	ds, err := data.Wine()
	if err != nil {
		panic(err)
	}
	fmt.Println(ds.N, ds.D, ds.Classes)
	// Output: 178 13 3
}

// A typical preparation: split with a fixed seed, then standardize with
// statistics from the training part only.
func ExampleDataset_Split() {
	ds, _ := data.Wine()
	rng := rand.New(rand.NewPCG(1, 2))
	train, test := ds.Split(0.2, rng)
	if _, err := data.Standardize(train, test); err != nil {
		panic(err)
	}
	fmt.Println(train.N, test.N)
	// Output: 142 36
}

func ExampleDataset_Batches() {
	ds := data.Moons(10, 0.1, rand.New(rand.NewPCG(1, 2)))
	for b := range ds.Batches(4) {
		fmt.Println(b.N, b.Y)
	}
	// Output:
	// 4 [0 0 0 0]
	// 4 [0 1 1 1]
	// 2 [1 1]
}

func ExampleSpirals() {
	ds := data.Spirals(300, 3, 0.2, rand.New(rand.NewPCG(1, 2)))
	fmt.Println(ds.N, ds.D, ds.Classes)
	// Output: 300 2 3
}

func ExampleRegression() {
	ds := data.Regression(100, 3, 0.1, rand.New(rand.NewPCG(1, 2)))
	w, b := data.RegressionWeights(3)
	fmt.Println(ds.N, ds.D, len(ds.Targets), w, b)
	// Output: 100 3 100 [1 -2 3] 0.5
}

func ExampleReadCSV() {
	in := "height,weight,species\n1.5,60,0\n1.8,80,1\n"
	ds, err := data.ReadCSV(strings.NewReader(in), data.CSVOptions{Name: "animals.csv", Header: true, LabelColumn: -1})
	if err != nil {
		panic(err)
	}
	fmt.Println(ds.N, ds.D, ds.Classes, ds.FeatureNames, ds.X, ds.Y)

	_, err = data.ReadCSV(strings.NewReader("1,2,0\n1,two,1\n"), data.CSVOptions{Name: "bad.csv", LabelColumn: -1})
	fmt.Println(err)
	// Output:
	// 2 2 2 [height weight] [1.5 60 1.8 80] [0 1]
	// data: bad.csv: line 2, column 2: "two" is not a finite number
}

func ExampleFashionMNIST() {
	train, test, err := data.FashionMNIST("") // /usr/share/datasets/fashion-mnist
	if err != nil {
		fmt.Println(err) // says how to install it
		return
	}
	fmt.Println(train.N, test.N, train.Shape)
}

// A dataset held in float32 takes half the memory; every method works on
// either storage.
func ExampleDataset_SetStorage() {
	ds, _ := data.Digits()
	ds.SetStorage(data.Float32)
	train, test := ds.Split(0.2, rand.New(rand.NewPCG(1, 2)))
	if _, err := data.Standardize(train, test); err != nil {
		panic(err)
	}
	fmt.Println(train.Storage(), len(train.X32), train.X == nil, train.Image)
	// Output: float32 92032 true [1 8 8]
}

// Shift a 1×3×3 image one pixel right and mirror it; the column shifted in
// is zero.
func ExampleImageTransform() {
	img := []float64{
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
	}
	out := make([]float64, 9)
	data.ImageTransform{DX: 1, Flip: true}.Apply(out, img, [3]int{1, 3, 3})
	fmt.Println(out[0:3], out[3:6], out[6:9])
	// Output: [0 3 2] [0 6 5] [0 9 8]
}
