package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMinimizeRosenbrock(t *testing.T) {
	plotFile := filepath.Join(t.TempDir(), "path.svg")
	for _, m := range []string{"bfgs", "newton", "trust-ncg", "l-bfgs-b"} {
		code, out, errOut := runCLI(t, "minimize", "(1-x)^2 + 100*(y-x^2)^2", "--from", "x=-1.2", "--from", "y=1",
			"--method", m, "--json", "--plot", plotFile)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", m, code, errOut)
		}
		var res struct {
			X       map[string]float64 `json:"x"`
			Fun     float64            `json:"fun"`
			Nit     int                `json:"nit"`
			Nfev    int                `json:"nfev"`
			Status  int                `json:"status"`
			Success bool               `json:"success"`
			Message string             `json:"message"`
		}
		if err := json.Unmarshal([]byte(lastLine(out)), &res); err != nil {
			t.Fatalf("%s: last line is not JSON: %v\n%s", m, err, out)
		}
		if !res.Success || res.Status != 0 || math.Abs(res.X["x"]-1) > 1e-4 || math.Abs(res.X["y"]-1) > 1e-4 || res.Nit == 0 {
			t.Errorf("%s: %+v", m, res)
		}
		if !strings.Contains(out, "iter") || !strings.Contains(out, "Optimization terminated successfully.") {
			t.Errorf("%s: no iteration table or message:\n%s", m, out)
		}
	}
	if b, err := os.ReadFile(plotFile); err != nil || !strings.Contains(string(b), "<svg") {
		t.Errorf("plot: %v", err)
	}
}

func TestMinimizeBadInput(t *testing.T) {
	cases := [][]string{
		{"minimize", "x^2 +", "--from", "x=1"},
		{"minimize", "x^2 + y^2", "--from", "x=1"},
		{"minimize", "x^2", "--from", "x=1", "--from", "z=1"},
		{"minimize", "x^2", "--from", "x=1", "--method", "simplex"},
		{"minimize", "x^2", "--from", "x=abc"},
		{"minimize", "x^2", "--from", "x=1", "--plot", "a.pdf"},
		{"minimize", "x^2", "--from", "x=1", "--plot", "a.png"}, // one variable
		{"minimize", "log(x)", "--from", "x=-1"},
		{"minimize", "x^2", "--from", "x=1", "--bounds", "x=2:1"},
		{"minimize", "x^2", "--from", "x=1", "--bounds", "y=0:1"},
		{"minimize", "x^2", "--from", "x=1", "--bounds", "x=a:1"},
		{"minimize", "x^2", "--from", "x=1", "--bounds", "x0:1"},
		{"minimize", "x^2", "--from", "x=1", "--bounds", "x=0:1", "--bounds", "x=0:2"},
		{"minimize", "x^2", "--from", "x=1", "--bounds", "x=0:1", "--method", "bfgs"},
	}
	for _, args := range cases {
		code, _, errOut := runCLI(t, args...)
		if code != 2 || strings.Count(strings.TrimSpace(errOut), "\n") > 3 || strings.Contains(errOut, "goroutine") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// A NaN mid-run is a result with status 3, printed in full; since issue 13
// (row 18) a minimisation that did not succeed exits with code 1.
func TestMinimizeNaNMidRun(t *testing.T) {
	code, out, errOut := runCLI(t, "minimize", "sqrt(3-x) + (x-5)^2", "--from", "x=0", "--json")
	if code != 1 || !strings.Contains(lastLine(out), `"status":3`) || !strings.Contains(errOut, "did not converge (status 3)") {
		t.Errorf("exit %d, %s%s", code, lastLine(out), errOut)
	}
}

// --bounds keeps the variables in a box, with l-bfgs-b unless told
// otherwise: Rosenbrock with x ≤ 0.5 ends at (0.5, 0.25) on the bound, and a
// vector variable takes the bounds elementwise, one side open.
func TestMinimizeBounds(t *testing.T) {
	code, out, errOut := runCLI(t, "minimize", "(1-x)^2 + 100*(y-x^2)^2", "--from", "x=-1.2", "--from", "y=1",
		"--bounds", "x=-2:0.5", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		X       map[string]float64 `json:"x"`
		Success bool               `json:"success"`
	}
	if err := json.Unmarshal([]byte(lastLine(out)), &res); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out)
	}
	if !res.Success || res.X["x"] != 0.5 || math.Abs(res.X["y"]-0.25) > 1e-6 || !strings.Contains(out, "l-bfgs-b") {
		t.Errorf("%+v\n%s", res, out)
	}

	code, out, errOut = runCLI(t, "minimize", "(v[0]-3)^2 + (v[1]+1)^2 + (v[2]-0.5)^2", "--from", "v=[0, 0, 0]",
		"--bounds", "v=:1", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var vec struct {
		X map[string][]float64 `json:"x"`
	}
	if err := json.Unmarshal([]byte(lastLine(out)), &vec); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out)
	}
	want := []float64{1, -1, 0.5}
	for i, w := range want {
		if math.Abs(vec.X["v"][i]-w) > 1e-6 {
			t.Errorf("v = %v, want %v", vec.X["v"], want)
			break
		}
	}
}
