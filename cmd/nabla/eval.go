package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nabla-go/nabla/data"
	"github.com/nabla-go/nabla/train"
)

func newEvalCmd() *cobra.Command {
	var asJSON bool
	var ckpt string
	cmd := &cobra.Command{
		Use:   "eval RUN_DIR | --checkpoint RUN_DIR",
		Short: "Evaluate a run's checkpoint on its held-out set: accuracy per class and a confusion matrix",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := openRun(ckpt, args)
			if err != nil {
				return err
			}
			test, err := t.TestSet()
			if err != nil {
				return classify(err)
			}
			loss, acc, conf := t.Evaluate(test)
			names := t.ClassNames
			if names == nil { // a checkpoint from before names were saved
				names = test.ClassNames
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s, epoch %d: test accuracy %.4f, test loss %.4f on %d samples\n", t.Config.Data, t.Epoch, acc, loss, test.N)
			perClass := train.ClassAccuracy(conf)
			writeClassAccuracy(out, perClass, conf, names)
			writeConfusion(out, conf, names)
			if asJSON {
				if err := writeJSON(out, map[string]any{"dataset": t.Config.Data, "epoch": t.Epoch, "test_loss": num(loss),
					"test_accuracy": num(acc), "samples": test.N, "confusion": conf,
					"class_names": names, "class_accuracy": nums(perClass)}); err != nil {
					return err
				}
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return fmt.Errorf("the test loss is %v: the model's outputs overflow", loss)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON summary as the last line")
	cmd.Flags().StringVar(&ckpt, "checkpoint", "", "run directory or checkpoint file (instead of the argument)")
	return cmd
}

// openRun restores the model of the run directory given as --checkpoint or
// as the argument.
func openRun(flag string, args []string) (*train.Trained, error) {
	dir := flag
	switch {
	case flag != "" && len(args) > 0:
		return nil, usagef("give the run directory either as an argument or with --checkpoint, not both")
	case len(args) == 1:
		dir = args[0]
	case flag == "":
		return nil, usagef("no run directory: give it as an argument or with --checkpoint")
	}
	t, err := train.Open(dir)
	return t, classify(err)
}

// className returns the name of class i, or its number when it has none.
func className(names []string, i int) string {
	if i < len(names) && names[i] != "" {
		return names[i]
	}
	return fmt.Sprint(i)
}

// writeClassAccuracy prints the accuracy on each class, with the class's
// number, its name (when it is not the number) and its count of test
// samples.
func writeClassAccuracy(w io.Writer, acc []float64, conf [][]int, names []string) {
	fmt.Fprintln(w, "accuracy per class:")
	label := func(i int) string {
		if n := className(names, i); n != fmt.Sprint(i) {
			return n
		}
		return ""
	}
	width := 0
	for i := range acc {
		width = max(width, len(label(i)))
	}
	for i, a := range acc {
		n := 0
		for _, v := range conf[i] {
			n += v
		}
		if n == 0 {
			fmt.Fprintf(w, "  %3d %-*s       -  (no samples)\n", i, width, label(i))
		} else {
			fmt.Fprintf(w, "  %3d %-*s  %.4f  (%d/%d)\n", i, width, label(i), a, conf[i][i], n)
		}
	}
}

// writeConfusion prints the confusion matrix: rows are true classes, columns
// predicted ones.
func writeConfusion(w io.Writer, conf [][]int, names []string) {
	fmt.Fprintln(w, "confusion matrix (rows: true class, columns: predicted):")
	label := func(i int) string { return className(names, i) }
	width := 5
	for i := range conf {
		width = max(width, len(label(i))+1)
	}
	fmt.Fprintf(w, "%*s", width, "")
	for j := range conf {
		fmt.Fprintf(w, "%*s", width, label(j))
	}
	fmt.Fprintln(w)
	for i, row := range conf {
		fmt.Fprintf(w, "%*s", width, label(i))
		for _, v := range row {
			fmt.Fprintf(w, "%*d", width, v)
		}
		fmt.Fprintln(w)
	}
}

func newPredictCmd() *cobra.Command {
	var input, ckpt string
	var header, asJSON bool
	cmd := &cobra.Command{
		Use:   "predict RUN_DIR | --checkpoint RUN_DIR",
		Short: "Classify feature rows (CSV) with a run's checkpoint",
		Long: `Classify feature rows with a run's checkpoint. --input names a CSV file of raw
(unstandardised) features, one row per sample, no label column ("-" reads
standard input). Without --input, the first 10 held-out samples are classified
and shown with their true class.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := openRun(ckpt, args)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			var rows [][]float64
			var truth []int
			if input == "" {
				test, err := t.TestSet()
				if err != nil {
					return classify(err)
				}
				for i := 0; i < min(10, test.N); i++ {
					r := test.RowFloat64(i)
					for k, v := range r {
						r[k] = v*t.Scaler.Std[k] + t.Scaler.Mean[k]
					}
					rows, truth = append(rows, r), append(truth, test.Y[i])
				}
			} else {
				rows, err = readRows(input, header)
				if err != nil {
					return usageError{err}
				}
			}
			classes, probs, err := t.Predict(rows)
			if err != nil {
				return classify(err)
			}
			named := func(c int) string { // "3 (Dress)", or "3" when the name is the number
				if n := className(t.ClassNames, c); n != fmt.Sprint(c) {
					return fmt.Sprintf("%d (%s)", c, n)
				}
				return fmt.Sprint(c)
			}
			for i, c := range classes {
				line := fmt.Sprintf("row %d: class %s, p=%.4f", i+1, named(c), probs[i][c])
				if truth != nil {
					line += fmt.Sprintf(", true class %s", named(truth[i]))
				}
				fmt.Fprintln(out, line)
			}
			if asJSON {
				return writeJSON(out, map[string]any{"classes": classes, "probabilities": nums2(probs)})
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&input, "input", "i", "", "CSV file of feature rows (- for standard input)")
	cmd.Flags().BoolVar(&header, "header", false, "the CSV file has a header line")
	cmd.Flags().StringVar(&ckpt, "checkpoint", "", "run directory or checkpoint file (instead of the argument)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON summary as the last line")
	return cmd
}

// maxInput bounds what predict reads: a device such as /dev/zero never ends.
const maxInput = 256 << 20

func readRows(path string, header bool) ([][]float64, error) {
	var r io.Reader = os.Stdin
	name := "standard input"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("--input %s: %w", path, errors.Unwrap(err))
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, fmt.Errorf("--input %s is a directory, not a CSV file", path)
		}
		r, name = f, path
	}
	ds, err := data.ReadCSV(&textReader{r: io.LimitReader(r, maxInput+1), name: name}, data.CSVOptions{Name: name, Header: header, NoLabel: true})
	if err != nil {
		return nil, err
	}
	rows := make([][]float64, ds.N)
	for i := range rows {
		rows[i] = ds.Row(i)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s has no rows", strings.TrimSpace(name))
	}
	return rows, nil
}

// textReader stops at the first NUL byte (binary data is no CSV) and past
// maxInput bytes, with an error naming the input.
type textReader struct {
	r    io.Reader
	name string
	n    int64
}

func (t *textReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if i := bytes.IndexByte(p[:n], 0); i >= 0 {
		return 0, fmt.Errorf("%s is not a text file: a NUL byte at offset %d", t.name, t.n+int64(i))
	}
	t.n += int64(n)
	if t.n > maxInput {
		return 0, fmt.Errorf("%s is larger than %d MiB", t.name, maxInput>>20)
	}
	return n, err
}
