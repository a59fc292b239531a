package data

import (
	"slices"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	ds, err := ReadCSV(strings.NewReader("label;a;b\n1;0.5;2\n0; -1;3e2\n2;4;5\n"),
		CSVOptions{Name: "t.csv", Comma: ';', Header: true, LabelColumn: 0})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Name != "t.csv" || ds.N != 3 || ds.D != 2 || ds.Classes != 3 {
		t.Fatalf("got %+v", ds)
	}
	if !slices.Equal(ds.X, []float64{0.5, 2, -1, 300, 4, 5}) || !slices.Equal(ds.Y, []int{1, 0, 2}) ||
		!slices.Equal(ds.FeatureNames, []string{"a", "b"}) || ds.Targets != nil {
		t.Errorf("got X %v Y %v names %v", ds.X, ds.Y, ds.FeatureNames)
	}

	ds, err = ReadCSV(strings.NewReader("1,2,0.5\n3,4,-1.5\n"), CSVOptions{LabelColumn: -1, Regression: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.X, []float64{1, 2, 3, 4}) || !slices.Equal(ds.Targets, []float64{0.5, -1.5}) || ds.Y != nil {
		t.Errorf("regression: X %v targets %v Y %v", ds.X, ds.Targets, ds.Y)
	}

	ds, err = ReadCSV(strings.NewReader("1,2\n3,4\n"), CSVOptions{NoLabel: true})
	if err != nil || ds.D != 2 || ds.Y != nil || ds.Targets != nil {
		t.Errorf("no label: %+v %v", ds, err)
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		opts CSVOptions
		want string
	}{
		{"1,2,0\n3,4\n", CSVOptions{LabelColumn: -1}, "line 2 has 2 fields, want 3 as on line 1"},
		{"a,b,y\n1,2,0\n1,x,1\n", CSVOptions{Header: true, LabelColumn: -1}, `line 3, column 2 ("b"): "x" is not a finite number`},
		{"1,,0\n", CSVOptions{LabelColumn: -1}, `line 1, column 2: "" is not a finite number`},
		{"1,NaN,0\n", CSVOptions{LabelColumn: -1}, `"NaN" is not a finite number`},
		{"1,2,-1\n", CSVOptions{LabelColumn: -1}, `line 1, column 3: label "-1" is not an integer`},
		{"1,2,0.5\n", CSVOptions{LabelColumn: -1}, `label "0.5" is not an integer`},
		{"1,2,1e9\n", CSVOptions{LabelColumn: -1}, `label "1e9" is not an integer in [0, 1048576)`},
		{"1,2\n", CSVOptions{LabelColumn: 2}, "label column 2 out of range for 2 columns"},
		{"1,2\n", CSVOptions{LabelColumn: -3}, "label column -3 out of range"},
		{"", CSVOptions{Name: "empty.csv"}, "empty.csv: no data rows"},
		{"a,b\n", CSVOptions{Header: true}, "no data rows"},
		{"1,\"2\n", CSVOptions{Name: "q.csv"}, "q.csv: line 1, column"},
	} {
		ds, err := ReadCSV(strings.NewReader(tc.in), tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadCSV(%q) = %v, %v; want error containing %q", tc.in, ds, err, tc.want)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("a,b,y\n1,2,0\n3,4,1\n", true, -1, false)
	f.Add("1,2,0\n3,4\n", false, -1, false)
	f.Add("1;2;0.5\n", false, 0, true)
	f.Add("\"1\",\"2\"\n\"", false, 1, false)
	f.Add("1,2,99999999999999999999\n", false, 2, false)
	f.Fuzz(func(t *testing.T, in string, header bool, label int, regression bool) {
		ds, err := ReadCSV(strings.NewReader(in), CSVOptions{Header: header, LabelColumn: label, Regression: regression})
		if err != nil {
			return
		}
		if err := ds.Validate(); err != nil {
			t.Fatalf("ReadCSV(%q) returned an inconsistent dataset: %v", in, err)
		}
	})
}
