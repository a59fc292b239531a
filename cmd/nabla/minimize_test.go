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
	}
	for _, args := range cases {
		code, _, errOut := runCLI(t, args...)
		if code != 2 || strings.Count(strings.TrimSpace(errOut), "\n") > 3 || strings.Contains(errOut, "goroutine") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// A NaN mid-run is a result with status 3, not a failure of the command.
func TestMinimizeNaNMidRun(t *testing.T) {
	code, out, errOut := runCLI(t, "minimize", "sqrt(3-x) + (x-5)^2", "--from", "x=0", "--json")
	if code != 0 || !strings.Contains(lastLine(out), `"status":3`) {
		t.Errorf("exit %d, %s%s", code, lastLine(out), errOut)
	}
}
