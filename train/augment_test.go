package train

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla/data"
)

func digitsConfig(t *testing.T, augment ...string) Config {
	cfg := Defaults()
	cfg.Hidden = []int{16}
	cfg.Epochs = 3
	cfg.BatchSize = 128
	cfg.Augment = augment
	cfg.OutDir = t.TempDir()
	return cfg
}

func sameWeights(t *testing.T, a, b map[string][]float64) bool {
	t.Helper()
	for name, w := range a {
		for i := range w {
			if math.Float64bits(w[i]) != math.Float64bits(b[name][i]) {
				return false
			}
		}
	}
	return true
}

// stopAtBatch cancels the run's context after a batch of an epoch, as Ctrl-C
// in the middle of an epoch would.
type stopAtBatch struct {
	epoch, batch, at int
	cancel           func()
}

func (s *stopAtBatch) StartEpoch(epoch, _, _ int) { s.at = epoch }
func (s *stopAtBatch) EndEpoch(EpochMetrics)      {}
func (s *stopAtBatch) Batch(done int, _ float64, _ int) {
	if s.at == s.epoch && done == s.batch {
		s.cancel()
	}
}

// With augmentation on, a run stopped in its third epoch and resumed ends with
// the weights of an uninterrupted run, bit for bit; a second run with the
// same seed gives them too, and a run without augmentation does not.
func TestAugmentResumeIsExact(t *testing.T) {
	for _, dt := range []string{"float64", "float32"} {
		t.Run(dt, func(t *testing.T) {
			full := digitsConfig(t, "shift", "flip")
			full.DType = dt
			mustRun(t, full, Options{})
			again := full
			again.OutDir = t.TempDir()
			mustRun(t, again, Options{})
			part := full
			part.OutDir = t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// Stopped in the middle of epoch 3, after some augmented batches.
			if _, err := Run(ctx, part, Options{Progress: &stopAtBatch{epoch: 3, batch: 4, cancel: cancel}}); !errors.Is(err, ErrInterrupted) {
				t.Fatalf("interrupted run: %v", err)
			}
			res := mustRun(t, Config{OutDir: part.OutDir}, Options{Resume: true})
			if res.Epochs != 3 {
				t.Fatalf("resumed run reached epoch %d", res.Epochs)
			}
			plain := full
			plain.Augment, plain.OutDir = nil, t.TempDir()
			mustRun(t, plain, Options{})
			w := weights(t, full.OutDir)
			switch {
			case !sameWeights(t, w, weights(t, again.OutDir)):
				t.Error("two runs with the same seed and augmentation differ")
			case !sameWeights(t, w, weights(t, part.OutDir)):
				t.Error("the resumed run differs from the uninterrupted one")
			case sameWeights(t, w, weights(t, plain.OutDir)):
				t.Error("augmentation changed nothing")
			}
		})
	}
}

// A checkpoint of an augmented run without its augmentation RNG state
// cannot be resumed.
func TestAugmentResumeNeedsRNGState(t *testing.T) {
	cfg := digitsConfig(t, "flip")
	cfg.Epochs = 1
	mustRun(t, cfg, Options{})
	ck, err := LoadCheckpoint(cfg.OutDir)
	if err != nil {
		t.Fatal(err)
	}
	delete(ck.Metadata, "rng_augment")
	if err := ck.Save(filepath.Join(cfg.OutDir, CheckpointFile)); err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), Config{OutDir: cfg.OutDir, Epochs: 2}, Options{Resume: true})
	wantInputError(t, err, "augmentation RNG state")
}

func TestAugmentErrors(t *testing.T) {
	for _, tc := range []struct {
		data    string
		augment []string
		want    string
	}{
		{"iris", []string{"flip"}, "--augment flip: dataset iris is not made of images; augmentation needs one of digits, fashion-mnist"},
		{"digits", []string{"rotate"}, `--augment: unknown augmentation "rotate" (want shift, shift=N, flip, erase or erase=P)`},
		{"digits", []string{""}, `--augment: unknown augmentation ""`},
		{"digits", []string{"flip=1"}, `unknown augmentation "flip=1"`},
		{"digits", []string{"shift=0"}, "--augment shift=0: the shift must be a whole number of pixels in [1, 1024]"},
		{"digits", []string{"shift=x"}, "--augment shift=x: the shift must be"},
		{"digits", []string{"flip", "flip"}, `--augment: "flip" is given twice`},
		{"digits", []string{"erase=0"}, "--augment erase=0: the probability of erasing must be a number in (0, 1]"},
		{"digits", []string{"erase=1.5"}, "--augment erase=1.5: the probability of erasing must be"},
		{"digits", []string{"erase=NaN"}, "--augment erase=NaN: the probability of erasing must be"},
		{"digits", []string{"erase", "erase=0.2"}, `--augment: "erase" is given twice`},
		{"digits", []string{"shift", "shift=2"}, `--augment: "shift" is given twice`},
		{"digits", []string{"shift=8"}, "--augment shift=8: a shift of 8 pixels moves a 8×8 image out of sight; use at most 7"},
	} {
		cfg := digitsConfig(t, tc.augment...)
		cfg.Data = tc.data
		cfg.OutDir = filepath.Join(cfg.OutDir, "run")
		_, err := Run(context.Background(), cfg, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s --augment %q: got %v, want %q", tc.data, tc.augment, err, tc.want)
			continue
		}
		wantInputError(t, err, tc.want)
	}
}

func TestEraseSetting(t *testing.T) {
	for _, tc := range []struct {
		augment []string
		want    float64
	}{{[]string{"erase"}, 0.5}, {[]string{"flip", "erase=0.25"}, 0.25}, {[]string{"erase=1"}, 1}} {
		a, err := Config{Augment: tc.augment}.augmentation([3]int{1, 28, 28})
		if err != nil || a.Erase != tc.want {
			t.Errorf("--augment %v: erase %v (%v), want %v", tc.augment, a.Erase, err, tc.want)
		}
	}
}

func TestDefaultShift(t *testing.T) {
	for _, tc := range []struct {
		image [3]int
		want  int
	}{{[3]int{1, 8, 8}, 1}, {[3]int{1, 28, 28}, 2}, {[3]int{3, 32, 64}, 2}, {[3]int{1, 2, 2}, 1}} {
		a, err := Config{Augment: []string{"shift"}}.augmentation(tc.image)
		if err != nil || a.Shift != tc.want {
			t.Errorf("image %v: shift %d (%v), want %d", tc.image, a.Shift, err, tc.want)
		}
	}
}

// The augmenter transforms pixels, not standardised values: shifted-in
// pixels are black, and a row whose transform is the identity is untouched.
func TestAugmenterWorksOnPixels(t *testing.T) {
	ds, err := data.Digits()
	if err != nil {
		t.Fatal(err)
	}
	ds = ds.Subset([]int{0, 1, 2, 3, 4, 5, 6, 7})
	raw := slices.Clone(ds.X)
	sc, _ := data.Standardize(ds)
	pcg := rand.NewPCG(1, purposeAugment)
	a := newAugmenter(data.Augmentation{Shift: 1, Flip: true, Erase: 0.5}, ds.Image, sc, pcg)
	x := slices.Clone(ds.X)
	a.apply64(x, ds.D, 0, len(x)/ds.D)
	// Replay the draws and apply them to the raw pixels.
	replay := rand.New(rand.NewPCG(1, purposeAugment))
	for i := range ds.N {
		tr := a.aug.Draw(replay)
		want := make([]float64, ds.D)
		tr.Apply(want, raw[i*ds.D:(i+1)*ds.D], ds.Image)
		for k := range want {
			got := x[i*ds.D+k]*sc.Std[k] + sc.Mean[k]
			if math.Abs(got-want[k]) > 1e-12 {
				t.Fatalf("sample %d (%+v), pixel %d: %v, want %v", i, tr, k, got, want[k])
			}
		}
		if tr.Identity() && !slices.Equal(x[i*ds.D:(i+1)*ds.D], ds.Row(i)) {
			t.Errorf("sample %d: the identity changed the row", i)
		}
	}
	var nilAug *augmenter
	y := slices.Clone(ds.X)
	nilAug.apply64(y, ds.D, 0, len(y)/ds.D)
	if !slices.Equal(y, ds.X) {
		t.Error("a nil augmenter changed the rows")
	}
}

func TestClassAccuracy(t *testing.T) {
	got := ClassAccuracy([][]int{{3, 1, 0}, {0, 0, 0}, {2, 0, 6}})
	if got[0] != 0.75 || !math.IsNaN(got[1]) || got[2] != 0.75 {
		t.Errorf("got %v, want [0.75 NaN 0.75]", got)
	}
}

// The checkpoint carries the class names and the image shape, so that eval
// has them without the dataset.
func TestCheckpointKeepsClassNamesAndImage(t *testing.T) {
	cfg := digitsConfig(t)
	cfg.Epochs = 1
	mustRun(t, cfg, Options{})
	tr, err := Open(cfg.OutDir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tr.ClassNames, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}) || tr.Image != [3]int{1, 8, 8} {
		t.Errorf("class names %q, image %v", tr.ClassNames, tr.Image)
	}
	iris := smallConfig(t)
	iris.Epochs = 1
	mustRun(t, iris, Options{})
	if tr, err = Open(iris.OutDir); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tr.ClassNames, []string{"setosa", "versicolor", "virginica"}) || tr.Image != [3]int{} {
		t.Errorf("iris: class names %q, image %v", tr.ClassNames, tr.Image)
	}
	for name, tc := range map[string]struct {
		key, value, want string
	}{
		"too few names": {"class_names", `["a","b"]`, "class_names is not a list of 3 names"},
		"not a list":    {"class_names", `{}`, "class_names is not a list"},
		"escape":        {"class_names", `["a","\u001b[31m","c"]`, "class name 1 is not a printable name"},
		"long":          {"class_names", `["a","` + strings.Repeat("x", 300) + `","c"]`, "at most 256 bytes"},
		"image":         {"image", `[1,2,3]`, "image shape"},
		"image zero":    {"image", `[0,0,4]`, "image shape"},
	} {
		path := craft(t, iris.OutDir, func(ck *Checkpoint) { ck.Metadata[tc.key] = tc.value })
		_, err := Open(path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}
