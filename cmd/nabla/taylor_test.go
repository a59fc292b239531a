package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTaylorCommand(t *testing.T) {
	code, out, errOut := runCLI(t, "taylor", "exp(x) * sin(x)", "--at", "x=0", "--order", "5", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"c1        1\n", "c3        0.3333333333\n", "c5        -0.03333333333\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var js struct{ Coefficients []float64 }
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &js); err != nil {
		t.Fatal(err)
	}
	want := []float64{0, 1, 1, 1.0 / 3, 0, -1.0 / 30}
	for j, w := range want {
		if math.Abs(js.Coefficients[j]-w) > 1e-15 {
			t.Errorf("c%d = %v, want %v", j, js.Coefficients[j], w)
		}
	}

	// Two variables along a direction: (1+t)(2−t) = 2 + t − t².
	code, out, errOut = runCLI(t, "taylor", "x*y", "--at", "x=1", "--at", "y=2", "--direction", "1,-1", "--order", "3")
	if code != 0 || !strings.Contains(out, "c2        -1\n") || !strings.Contains(out, "c3        0\n") {
		t.Errorf("x*y along (1, −1): exit %d\n%s%s", code, out, errOut)
	}

	dir := t.TempDir()
	for _, ext := range []string{"svg", "png"} {
		plot := filepath.Join(dir, "t."+ext)
		code, _, errOut = runCLI(t, "taylor", "log(1 + x^2)", "--at", "x=1", "--plot", plot, "--radius", "1.5")
		if st, err := os.Stat(plot); code != 0 || err != nil || st.Size() < 1000 {
			t.Errorf("--plot %s: exit %d, %v: %s", ext, code, err, errOut)
		}
	}
}

func TestTaylorCommandErrors(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"order":          {[]string{"x", "--at", "x=1", "--order", "13"}, "--order 13"},
		"negative order": {[]string{"x", "--at", "x=1", "--order", "-1"}, "--order -1"},
		"no direction":   {[]string{"x*y", "--at", "x=1", "--at", "y=1"}, "--direction: the point has 2 coordinates"},
		"direction size": {[]string{"x*y", "--at", "x=1", "--at", "y=1", "--direction", "1"}, "has 1 numbers"},
		"direction NaN":  {[]string{"x", "--at", "x=1", "--direction", "nan"}, "not a finite number"},
		"radius":         {[]string{"x", "--at", "x=1", "--radius", "0"}, "--radius"},
		"plot extension": {[]string{"x", "--at", "x=1", "--plot", filepath.Join(dir, "t.pdf")}, ".svg or .png"},
		"plot directory": {[]string{"x", "--at", "x=1", "--plot", filepath.Join(dir, "no", "t.svg")}, "does not exist"},
		"vector":         {[]string{"w", "--at", "w=[1, 2]", "--direction", "1,0"}, "expression"},
		"missing var":    {[]string{"x*y", "--at", "x=1", "--direction", "1"}, "y"},
	} {
		code, _, errOut := runCLI(t, append([]string{"taylor"}, tc.args...)...)
		if code == 0 || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "goroutine") {
			t.Errorf("%s: exit %d, %q (want it to mention %q)", name, code, errOut, tc.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed commands left files: %v", entries)
	}
}
