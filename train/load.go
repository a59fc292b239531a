package train

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/data"
	"github.com/nabla-go/nabla/nn"
)

// InputError is an error caused by the job's input: a bad setting, a missing
// or malformed dataset, an unwritable output directory, an unreadable
// checkpoint. The command line reports it with exit code 2.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputErr(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*InputError); ok {
		return err
	}
	return &InputError{err}
}

// maxClassName bounds the length of a class name read from a checkpoint.
const maxClassName = 256

// Trained is a model restored from a run directory's checkpoint.
type Trained struct {
	Config     Config
	Model      nn.Module
	Scaler     data.Scaler
	Classes    int
	ClassNames []string // len Classes; nil in checkpoints written before names were saved
	Image      [3]int   // (C, H, W) of the samples of an image dataset, zero otherwise
	Epoch      int
}

// Open restores the model saved in a run directory (or checkpoint file).
func Open(path string) (*Trained, error) {
	ck, err := LoadCheckpoint(path)
	if err != nil {
		return nil, inputErr(err)
	}
	var cfg Config
	if err := json.Unmarshal([]byte(ck.Metadata["config"]), &cfg); err != nil {
		return nil, inputErr(fmt.Errorf("%s: checkpoint config: %w", path, err))
	}
	if err := cfg.Validate(); err != nil {
		return nil, inputErr(fmt.Errorf("%s: checkpoint config: %w", path, err))
	}
	classes, err := strconv.Atoi(ck.Metadata["classes"])
	if err != nil || classes < 2 || classes > MaxClasses {
		return nil, inputErr(fmt.Errorf("%s: checkpoint class count %q is not a number in [2, %d]", path, ck.Metadata["classes"], MaxClasses))
	}
	mean, std := ck.Tensors["scaler.mean"], ck.Tensors["scaler.std"]
	if mean == nil || std == nil || mean.Dims() != 1 || mean.Size() != std.Size() {
		return nil, inputErr(fmt.Errorf("%s: checkpoint has no valid scaler", path))
	}
	for i, s := range std.Float64s() {
		if !(s > 0) {
			return nil, inputErr(fmt.Errorf("%s: checkpoint scaler.std[%d] is %v, not positive", path, i, s))
		}
	}
	var image [3]int
	if img, ok := ck.Metadata["image"]; ok {
		if err := json.Unmarshal([]byte(img), &image); err != nil || image[0] < 1 || image[1] < 1 || image[2] < 1 ||
			int64(image[0])*int64(image[1])*int64(image[2]) != int64(mean.Size()) {
			return nil, inputErr(fmt.Errorf("%s: checkpoint image shape %q is not (C, H, W) with C×H×W = %d features", path, img, mean.Size()))
		}
	}
	if cfg.model() == "cnn" && image == [3]int{} {
		return nil, inputErr(fmt.Errorf("%s: checkpoint of a cnn has no image shape", path))
	}
	if err := checkSize(cfg, mean.Size(), image, classes); err != nil {
		return nil, inputErr(fmt.Errorf("%s: checkpoint: %w", path, err))
	}
	var names []string
	if raw, ok := ck.Metadata["class_names"]; ok {
		if err := json.Unmarshal([]byte(raw), &names); err != nil || len(names) != classes {
			return nil, inputErr(fmt.Errorf("%s: checkpoint class_names is not a list of %d names", path, classes))
		}
		for i, n := range names {
			// Names are printed: no terminal escapes from a crafted file.
			if len(n) > maxClassName || strings.ContainsFunc(n, func(r rune) bool { return !unicode.IsPrint(r) }) {
				return nil, inputErr(fmt.Errorf("%s: checkpoint class name %d is not a printable name of at most %d bytes", path, i, maxClassName))
			}
		}
	}
	model := buildModel(cfg, mean.Size(), image, classes, nil)
	if err := nn.LoadStateDict(model, ck.withPrefix("model.")); err != nil {
		return nil, inputErr(fmt.Errorf("%s: %w", path, err))
	}
	epoch, err := strconv.Atoi(ck.Metadata["epoch"])
	if err != nil || epoch < 0 || epoch > MaxEpochs {
		return nil, inputErr(fmt.Errorf("%s: checkpoint epoch %q is not a count", path, ck.Metadata["epoch"]))
	}
	return &Trained{Config: cfg, Model: model, Scaler: data.Scaler{Mean: mean.Float64s(), Std: std.Float64s()},
		Classes: classes, ClassNames: names, Image: image, Epoch: epoch}, nil
}

// TestSet rebuilds the held-out set of the run (same seed, same split,
// standardised as in training).
func (t *Trained) TestSet() (*data.Dataset, error) {
	_, test, _, err := loadData(t.Config)
	if err != nil {
		return nil, inputErr(err)
	}
	if test.D != len(t.Scaler.Mean) || test.Classes != t.Classes {
		return nil, inputErr(fmt.Errorf("the checkpoint's config names dataset %s (%d features, %d classes), but its model takes %d features and %d classes",
			t.Config.Data, test.D, test.Classes, len(t.Scaler.Mean), t.Classes))
	}
	return test, nil
}

// Evaluate returns the mean loss, accuracy and confusion matrix on ds.
func (t *Trained) Evaluate(ds *data.Dataset) (loss, acc float64, confusion [][]int) {
	return Evaluate(t.Model, ds, t.Config.dtype())
}

// Predict classifies raw (unstandardised) feature rows, returning each row's
// class and class probabilities.
func (t *Trained) Predict(rows [][]float64) (classes []int, probs [][]float64, err error) {
	d := len(t.Scaler.Mean)
	flat := make([]float64, 0, len(rows)*d)
	for i, r := range rows {
		if len(r) != d {
			return nil, nil, inputErr(fmt.Errorf("row %d has %d features, the model takes %d", i+1, len(r), d))
		}
		for k, v := range r {
			z := (v - t.Scaler.Mean[k]) / t.Scaler.Std[k]
			if math.IsNaN(z) || math.IsInf(z, 0) {
				return nil, nil, inputErr(fmt.Errorf("row %d, feature %d: %v is not a finite number on the model's scale", i+1, k+1, v))
			}
			flat = append(flat, z)
		}
	}
	nn.Eval(t.Model)
	x := nabla.FromSlice(flat, len(rows), d).As(t.Config.dtype())
	var p *nabla.Tensor
	tp := nabla.NewTape() // records nothing, and concerns this call alone
	tp.Bind(x)
	tp.NoGrad(func() { p = nabla.Softmax(t.Model.Forward(x), 1) })
	classes = nabla.Argmax(p, 1).Ints()
	pv := p.Float64s()
	for i := range rows {
		probs = append(probs, pv[i*t.Classes:(i+1)*t.Classes])
		if j := nonFinite(probs[i]); j >= 0 {
			return nil, nil, fmt.Errorf("row %d: the model's probability of class %d is %v (the numbers overflow in the model)", i+1, j, probs[i][j])
		}
	}
	return classes, probs, nil
}
