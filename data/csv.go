package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// maxClasses bounds the label values accepted from files: a label is used as
// an index (one-hot encoding, confusion matrices), so a stray huge value would
// otherwise turn into a huge allocation far from the file that caused it.
const maxClasses = 1 << 20

// CSVOptions describes the layout of a CSV file for [ReadCSV].
type CSVOptions struct {
	// Name identifies the input in error messages and becomes Dataset.Name;
	// use the file name.
	Name string
	// Comma is the field separator; 0 means ','.
	Comma rune
	// Header says the first record holds column names rather than numbers.
	Header bool
	// LabelColumn is the 0-based index of the label or target column.
	// Negative values count from the end: -1 is the last column.
	LabelColumn int
	// NoLabel makes every column a feature (LabelColumn is ignored).
	NoLabel bool
	// Regression reads the label column into Dataset.Targets as real numbers
	// instead of into Dataset.Y as class indices.
	Regression bool
}

// ReadCSV reads a dataset with one sample per record. Every cell must be a
// finite number; class labels must be integers in [0, 2^20) and Classes is
// set to the largest label plus one. An empty cell, a non-numeric cell or a
// record with the wrong number of fields is an error naming the line and the
// column.
func ReadCSV(r io.Reader, opts CSVOptions) (*Dataset, error) {
	name := opts.Name
	if name == "" {
		name = "csv"
	}
	cr := csv.NewReader(r)
	if opts.Comma != 0 {
		cr.Comma = opts.Comma
	}
	cr.FieldsPerRecord = -1 // checked here, to report both widths
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true

	ds := &Dataset{Name: name}
	width, label, firstLine := -1, -1, 0
	var header []string
	for rec, err := cr.Read(); err != io.EOF; rec, err = cr.Read() {
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("data: %s: line %d, column %d: %v", name, pe.Line, pe.Column, pe.Err)
			}
			return nil, fmt.Errorf("data: %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if width < 0 {
			width, firstLine = len(rec), line
			label = opts.LabelColumn
			if label < 0 {
				label += width
			}
			switch {
			case opts.NoLabel:
				label, ds.D = -1, width
			case label < 0 || label >= width:
				return nil, fmt.Errorf("data: %s: label column %d out of range for %d columns", name, opts.LabelColumn, width)
			default:
				ds.D = width - 1
			}
			if opts.Header {
				header = append([]string(nil), rec...)
				continue
			}
		}
		if len(rec) != width {
			return nil, fmt.Errorf("data: %s: line %d has %d fields, want %d as on line %d", name, line, len(rec), width, firstLine)
		}
		for j, cell := range rec {
			v, err := strconv.ParseFloat(cell, 64)
			if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
				col := fmt.Sprintf("column %d", j+1)
				if header != nil {
					col += fmt.Sprintf(" (%q)", header[j])
				}
				return nil, fmt.Errorf("data: %s: line %d, %s: %q is not a finite number", name, line, col, cell)
			}
			switch {
			case j != label:
				ds.X = append(ds.X, v)
			case opts.Regression:
				ds.Targets = append(ds.Targets, v)
			default:
				if v != math.Trunc(v) || v < 0 || v >= maxClasses {
					return nil, fmt.Errorf("data: %s: line %d, column %d: label %q is not an integer in [0, %d)", name, line, j+1, cell, maxClasses)
				}
				ds.Y = append(ds.Y, int(v))
				ds.Classes = max(ds.Classes, int(v)+1)
			}
		}
		ds.N++
	}
	if ds.N == 0 {
		return nil, fmt.Errorf("data: %s: no data rows", name)
	}
	for j, h := range header {
		if j != label {
			ds.FeatureNames = append(ds.FeatureNames, h)
		}
	}
	return ds, nil
}
