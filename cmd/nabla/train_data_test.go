package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla/data"
	"github.com/nabla-go/nabla/train"
)

// fakeFashionMNIST writes a Fashion-MNIST directory of small random images
// of 10×10 pixels in the 10 classes, so the command line can be tested
// without the real files.
func fakeFashionMNIST(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 1))
	for part, n := range map[string]int{"train": 200, "t10k": 50} {
		pixels, labels := make([]float64, n*100), make([]float64, n)
		for i := range labels {
			labels[i] = float64(i % 10)
			for k := range 100 {
				// Class c lights up row c, so there is something to learn.
				if k/10 == i%10 || rng.IntN(8) == 0 {
					pixels[i*100+k] = float64(rng.IntN(256))
				}
			}
		}
		for name, f := range map[string]struct {
			dims   []int
			values []float64
		}{part + "-images-idx3-ubyte.gz": {[]int{n, 10, 10}, pixels}, part + "-labels-idx1-ubyte.gz": {[]int{n}, labels}} {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			if err := data.WriteIDX(zw, data.IDXUint8, f.dims, f.values); err != nil {
				t.Fatal(err)
			}
			zw.Close()
			if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// eval prints the accuracy on each class with the dataset's class names,
// from the checkpoint, and the JSON summary carries them.
func TestEvalPerClassAccuracy(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if code, _, errOut := runCLI(t, "train", "--data", "iris", "--hidden", "8", "--epochs", "3", "--lr", "0.02", "-q", "-o", dir); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errOut)
	}
	code, out, errOut := runCLI(t, "eval", dir, "--json")
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, errOut)
	}
	_, table, ok := strings.Cut(out, "accuracy per class:\n")
	if !ok {
		t.Fatalf("no per-class accuracy in %s", out)
	}
	lines := strings.Split(table, "\n")
	for i, name := range []string{"setosa", "versicolor", "virginica"} {
		if f := strings.Fields(lines[i]); len(f) != 4 || f[0] != string(rune('0'+i)) || f[1] != name {
			t.Errorf("line %d of the table is %q, want class %d, %s, accuracy, count", i, lines[i], i, name)
		}
	}
	var res struct {
		Names    []string  `json:"class_names"`
		Accuracy []float64 `json:"class_accuracy"`
	}
	if err := json.Unmarshal([]byte(lastLine(out)), &res); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Names, []string{"setosa", "versicolor", "virginica"}) || len(res.Accuracy) != 3 {
		t.Errorf("JSON class names %q, accuracies %v", res.Names, res.Accuracy)
	}
}

// Fashion-MNIST in float32 with --augment shift,flip trains, resumes and
// evaluates with the clothing names.
func TestFashionMNISTAugmentEval(t *testing.T) {
	fm := fakeFashionMNIST(t)
	dir := filepath.Join(t.TempDir(), "run")
	args := []string{"train", "--data", "fashion-mnist", "--data-dir", fm, "--dtype", "float32", "--hidden", "16",
		"--augment", "shift,flip", "--batch-size", "16", "-q", "-o", dir}
	if code, _, errOut := runCLI(t, append(args, "--epochs", "2")...); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "train", "--resume", "--data-dir", fm, "--epochs", "3", "-q", "-o", dir); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errOut)
	}
	code, out, errOut := runCLI(t, "eval", dir)
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, errOut)
	}
	for _, name := range []string{"epoch 3", "accuracy per class:", "  0 T-shirt/top", "  9 Ankle boot"} {
		if !strings.Contains(out, name) {
			t.Errorf("eval output does not say %q:\n%s", name, out)
		}
	}
	code, out, errOut = runCLI(t, "predict", dir)
	if code != 0 || !strings.Contains(out, "true class 0 (T-shirt/top)") {
		t.Errorf("predict: exit %d: %s%s", code, out, errOut)
	}
}

// A bad --augment is a one-line usage error naming the flag, and nothing is
// written.
func TestAugmentFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", "iris", "--augment", "flip"}, "--augment flip: dataset iris is not made of images"},
		{[]string{"--augment", "rotate"}, `--augment: unknown augmentation "rotate"`},
		{[]string{"--augment", "shift=-1"}, "--augment shift=-1: the shift must be a whole number of pixels"},
		{[]string{"--augment", "shift=8"}, "--augment shift=8: a shift of 8 pixels moves a 8×8 image out of sight"},
		{[]string{"--augment", "flip,flip"}, `--augment: "flip" is given twice`},
	} {
		dir := filepath.Join(t.TempDir(), "run")
		code, _, errOut := runCLI(t, append([]string{"train", "-q", "-o", dir}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%q: %s was created", tc.args, dir)
		}
	}
}

// nabla train writes the plots (through train/plot, which package train no
// longer imports) beside the checkpoint and the metrics.
func TestTrainWritesPlots(t *testing.T) {
	dir := trainSmall(t)
	for _, f := range []string{train.CheckpointFile, "metrics.csv", "loss.png", "loss.svg", "accuracy.png", "accuracy.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// --cpuprofile writes a profile pprof reads; an unwritable path is a usage
// error before anything trains.
func TestTrainCPUProfile(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "cpu.prof")
	if code, _, errOut := runCLI(t, "train", "--epochs", "1", "-q", "-o", filepath.Join(dir, "run"), "--cpuprofile", prof); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if st, err := os.Stat(prof); err != nil || st.Size() == 0 {
		t.Errorf("profile: %v", err)
	}
	code, _, errOut := runCLI(t, "train", "--epochs", "1", "-q", "-o", filepath.Join(dir, "run2"), "--cpuprofile", filepath.Join(dir, "no", "such", "dir", "p"))
	if code != 2 || !strings.Contains(errOut, "--cpuprofile") {
		t.Errorf("unwritable profile: exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "run2")); err == nil {
		t.Errorf("the run directory was created although the profile could not be")
	}
}
