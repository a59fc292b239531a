package data

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func toFloat32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// Every operation on a float32 dataset gives the float64 operation's values
// rounded to float32, and keeps the storage.
func TestFloat32StorageMatchesFloat64(t *testing.T) {
	a, b := toy(50), toy(50)
	b.SetStorage(Float32)
	if a.Storage() != Float64 || b.Storage() != Float32 || b.X != nil || len(b.X32) != 100 {
		t.Fatalf("storage %v and %v, X %v", a.Storage(), b.Storage(), b.X)
	}
	same := func(what string, x *Dataset, y *Dataset) {
		t.Helper()
		if y.Storage() != Float32 {
			t.Fatalf("%s: the float32 dataset came back in %v", what, y.Storage())
		}
		if !slices.Equal(toFloat32(x.X), y.X32) || !slices.Equal(x.Y, y.Y) || !slices.Equal(x.Targets, y.Targets) {
			t.Fatalf("%s: float64 %v, float32 %v", what, x.X, y.X32)
		}
		if err := y.Validate(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	same("Subset", a.Subset([]int{4, 0, 4}), b.Subset([]int{4, 0, 4}))
	a.Shuffle(rand.New(rand.NewPCG(1, 2)))
	b.Shuffle(rand.New(rand.NewPCG(1, 2)))
	same("Shuffle", a, b)
	atr, ate := a.Split(0.2, rand.New(rand.NewPCG(3, 4)))
	btr, bte := b.Split(0.2, rand.New(rand.NewPCG(3, 4)))
	same("Split train", atr, btr)
	same("Split test", ate, bte)
	sa, _ := Standardize(atr, ate)
	sb, _ := Standardize(btr, bte)
	if !slices.Equal(sa.Mean, sb.Mean) || !slices.Equal(sa.Std, sb.Std) {
		t.Errorf("scalers differ: %v %v and %v %v", sa.Mean, sa.Std, sb.Mean, sb.Std)
	}
	same("Standardize train", atr, btr)
	same("Standardize test", ate, bte)
	var ba []*Dataset
	for x := range atr.Batches(7) {
		ba = append(ba, x)
	}
	k := 0
	for y := range btr.Batches(7) {
		same("Batches", ba[k], y)
		k++
	}
	if k != len(ba) {
		t.Errorf("%d float32 batches, %d float64 ones", k, len(ba))
	}
	for i := range btr.N {
		if got, want := btr.RowFloat64(i), atr.Row(i); !slices.Equal(toFloat32(want), toFloat32(got)) {
			t.Fatalf("RowFloat64(%d) = %v, want %v", i, got, want)
		}
	}
	b.SetStorage(Float64)
	a = toy(50)
	a.Shuffle(rand.New(rand.NewPCG(1, 2)))
	if b.X32 != nil || !slices.Equal(a.X, b.X) {
		t.Errorf("float32 and back: %v, want %v", b.X, a.X)
	}
}

func TestStorageMisuse(t *testing.T) {
	ds := toy(3)
	ds.X32 = toFloat32(ds.X)
	if err := ds.Validate(); err == nil || !strings.Contains(err.Error(), "both X and X32") {
		t.Errorf("Validate with both storages: %v", err)
	}
	ds.X = nil
	ds.X32 = ds.X32[:5]
	if err := ds.Validate(); err == nil || !strings.Contains(err.Error(), "len(X32)=5") {
		t.Errorf("Validate with a short X32: %v", err)
	}
	for name, f := range map[string]func(){
		"Row of float32":   func() { ds.Row(0) },
		"Row32 of float64": func() { toy(3).Row32(0) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "data: toy:") {
					t.Errorf("%s: panic %v", name, r)
				}
			}()
			f()
		}()
	}
	img := toy(3)
	img.Image = [3]int{1, 2, 2}
	if err := img.Validate(); err == nil || !strings.Contains(err.Error(), "image shape") {
		t.Errorf("Validate with an image of 4 pixels for D=2: %v", err)
	}
}

// LoadIDXPairAs decodes straight into float32: the same pixels as float64,
// rounded, and an image shape.
func TestLoadIDXPairAsFloat32(t *testing.T) {
	dir := t.TempDir()
	pixels := make([]float64, 256)
	for i := range pixels {
		pixels[i] = float64(i)
	}
	images := writeFile(t, dir, "img.gz", gz(idxBytes(t, IDXUint8, []int{4, 8, 8}, pixels)))
	labels := writeFile(t, dir, "lab", idxBytes(t, IDXUint8, []int{4}, []float64{1, 0, 3, 2}))
	d64, err := LoadIDXPairAs(images, labels, Float64)
	if err != nil {
		t.Fatal(err)
	}
	d32, err := LoadIDXPairAs(images, labels, Float32)
	if err != nil {
		t.Fatal(err)
	}
	if d32.Storage() != Float32 || d32.X != nil || !slices.Equal(d32.X32, toFloat32(d64.X)) {
		t.Errorf("float32 pixels %v, want %v", d32.X32, toFloat32(d64.X))
	}
	for _, ds := range []*Dataset{d64, d32} {
		if ds.Image != [3]int{1, 8, 8} || !slices.Equal(ds.Y, []int{1, 0, 3, 2}) || ds.Classes != 4 {
			t.Errorf("%v: image %v, labels %v, %d classes", ds.Storage(), ds.Image, ds.Y, ds.Classes)
		}
		if err := ds.Validate(); err != nil {
			t.Error(err)
		}
	}
}

// Reading an IDX file holds one copy of the data, in the target type: no
// buffer of the file's bytes, no float64 values on the way to float32.
func TestReadIDXFileAllocatesOneCopy(t *testing.T) {
	const n = 1 << 20
	dir := t.TempDir()
	path := filepath.Join(dir, "img")
	raw := idxBytes(t, IDXUint8, []int{n}, make([]float64, n))
	for name, b := range map[string][]byte{"raw": raw, "gzip": gz(raw)} {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			s    Storage
			size uint64
			read func() error
		}{
			{Float32, 4 * n, func() error { _, _, _, err := readIDXFile[float32](path); return err }},
			{Float64, 8 * n, func() error { _, _, _, err := readIDXFile[float64](path); return err }},
		} {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			if err := tc.read(); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			// The values, plus the reader's buffers and the gzip decoder.
			if grown := after.TotalAlloc - before.TotalAlloc; grown > tc.size+256<<10 {
				t.Errorf("%s %v: allocated %d bytes for %d bytes of values", name, tc.s, grown, tc.size)
			}
		}
	}
}
