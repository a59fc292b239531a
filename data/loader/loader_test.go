package loader_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/data"
	"github.com/nabla-go/nabla/data/loader"
)

func iris(t *testing.T) *data.Dataset {
	t.Helper()
	ds, err := data.Iris()
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// epoch collects one epoch: the rows (as float64) and labels of every batch.
func epoch(l *loader.Loader) (sizes []int, rows [][]float64, labels []int) {
	for x, y := range l.Epoch() {
		sizes = append(sizes, len(y))
		v := x.Float64s()
		d := x.Size() / len(y)
		for r := range y {
			rows = append(rows, v[r*d:(r+1)*d])
		}
		labels = append(labels, y...)
	}
	return
}

// TestEveryRowOnce checks, for both storages, both dtypes and with and
// without shuffling, that an epoch yields each sample once with its own
// label, in batches of the asked size.
func TestEveryRowOnce(t *testing.T) {
	for _, storage := range []data.Storage{data.Float64, data.Float32} {
		for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
			for _, shuffle := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/shuffle=%v", storage, dt, shuffle), func(t *testing.T) {
					ds := iris(t)
					ds.SetStorage(storage)
					o := loader.Options{BatchSize: 32, DType: dt}
					if shuffle {
						o.Rand = rand.New(rand.NewPCG(1, 2))
					}
					l := loader.New(ds, o)
					sizes, rows, labels := epoch(l)
					if want := []int{32, 32, 32, 32, 22}; !slices.Equal(sizes, want) || l.Len() != 5 {
						t.Fatalf("batch sizes %v (Len %d), want %v", sizes, l.Len(), want)
					}
					seen := make([]bool, ds.N)
					inOrder := true
					for r, row := range rows {
						i := -1
						for k := range ds.N { // find the sample this row is
							if slices.Equal(row, rounded(ds.RowFloat64(k), dt)) && !seen[k] {
								i = k
								break
							}
						}
						if i < 0 {
							t.Fatalf("row %d %v is no unseen sample of the dataset", r, row)
						}
						seen[i] = true
						inOrder = inOrder && i == r
						if labels[r] != ds.Y[i] {
							t.Errorf("row %d: label %d, sample %d has %d", r, labels[r], i, ds.Y[i])
						}
					}
					if inOrder == shuffle {
						t.Errorf("shuffle=%v but the rows came in order: %v", shuffle, inOrder)
					}
				})
			}
		}
	}
}

// rounded returns v as the loader stores it in dt.
func rounded(v []float64, dt nabla.DType) []float64 {
	if dt == nabla.Float32 {
		for i := range v {
			v[i] = float64(float32(v[i]))
		}
	}
	return v
}

// TestSeeded checks that epochs differ from each other and repeat with the
// seed.
func TestSeeded(t *testing.T) {
	run := func() [][]int {
		l := loader.New(iris(t), loader.Options{BatchSize: 150, Rand: rand.New(rand.NewPCG(7, 7))})
		var out [][]int
		for range 3 {
			_, _, labels := epoch(l)
			out = append(out, labels)
		}
		return out
	}
	a, b := run(), run()
	for e := range a {
		if !slices.Equal(a[e], b[e]) {
			t.Errorf("epoch %d differs between two runs with one seed", e)
		}
	}
	if slices.Equal(a[0], a[1]) {
		t.Error("two epochs in the same order")
	}
}

func TestImageShapeAndDropLast(t *testing.T) {
	ds, err := data.Digits()
	if err != nil {
		t.Fatal(err)
	}
	l := loader.New(ds, loader.Options{BatchSize: 500, DropLast: true, DType: nabla.Float32})
	n := 0
	for x, y := range l.Epoch() {
		if !slices.Equal(x.Shape(), []int{500, 1, 8, 8}) || x.DType() != nabla.Float32 || len(y) != 500 {
			t.Fatalf("batch %v %s with %d labels", x.Shape(), x.DType(), len(y))
		}
		n++
	}
	if n != ds.N/500 || l.Len() != n {
		t.Errorf("%d batches (Len %d), want %d", n, l.Len(), ds.N/500)
	}
}

func TestBreakStopsEarly(t *testing.T) {
	l := loader.New(iris(t), loader.Options{BatchSize: 10})
	n := 0
	for range l.Epoch() {
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("%d batches after break", n)
	}
}

func TestPanics(t *testing.T) {
	reg := data.Regression(10, 2, 0.1, rand.New(rand.NewPCG(1, 1)))
	for name, f := range map[string]func(){
		"negative_batch": func() { loader.New(iris(t), loader.Options{BatchSize: -1}) },
		"dtype":          func() { loader.New(iris(t), loader.Options{DType: nabla.DType(99)}) },
		"regression":     func() { loader.New(reg, loader.Options{}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "loader: ") {
					t.Errorf("panic %v, want one starting \"loader: \"", r)
				}
			}()
			f()
		})
	}
}
