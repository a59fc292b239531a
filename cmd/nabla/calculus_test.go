package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

func jsonLast(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(lastLine(out)), v); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func TestGradJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "grad", "x^2 * sin(y) + dot(w, w)", "--at", "x=2", "--at", "y=0.5", "--at", "w=[1, -3]", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Value float64
		Grad  struct {
			X, Y float64
			W    []float64
		}
	}
	jsonLast(t, out, &r)
	if !near(r.Value, 4*math.Sin(0.5)+10) || !near(r.Grad.X, 4*math.Sin(0.5)) || !near(r.Grad.Y, 4*math.Cos(0.5)) ||
		len(r.Grad.W) != 2 || r.Grad.W[0] != 2 || r.Grad.W[1] != -6 {
		t.Fatalf("%+v", r)
	}
}

func TestHessianJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "hessian", "y*x^3 + w[1]*x", "--at", "y=2", "--at", "x=1", "--at", "w=[5, 7]", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Vars    []string
		Hessian [][]float64
	}
	jsonLast(t, out, &r)
	// Alphabetical, the vector flattened: w[0] w[1] x y.
	want := [][]float64{{0, 0, 0, 0}, {0, 0, 1, 0}, {0, 1, 12, 3}, {0, 0, 3, 0}}
	if strings.Join(r.Vars, " ") != "w[0] w[1] x y" {
		t.Fatalf("vars %v", r.Vars)
	}
	for i := range want {
		for j := range want[i] {
			if !near(r.Hessian[i][j], want[i][j]) {
				t.Fatalf("hessian %v, want %v", r.Hessian, want)
			}
		}
	}
}

func TestJacobianJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "jacobian", "x*y; x+y; sin(x)", "--at", "x=1", "--at", "y=2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Value    []float64
		Vars     []string
		Jacobian [][]float64
	}
	jsonLast(t, out, &r)
	if len(r.Value) != 3 || r.Value[0] != 2 || strings.Join(r.Vars, " ") != "x y" ||
		r.Jacobian[0][0] != 2 || r.Jacobian[0][1] != 1 || !near(r.Jacobian[2][0], math.Cos(1)) || r.Jacobian[2][1] != 0 {
		t.Fatalf("%+v", r)
	}
}

func TestCheckExitCode(t *testing.T) {
	code, out, errOut := runCLI(t, "check", "sin(x) * exp(sum(w))", "--at", "x=1", "--at", "w=[0.1, 0.2]", "--json")
	var r struct {
		OK       bool
		MaxError float64 `json:"max_error"`
	}
	jsonLast(t, out, &r)
	if code != 0 || !r.OK || r.MaxError > 1e-8 {
		t.Fatalf("exit %d, %+v: %s%s", code, r, out, errOut)
	}
	// At relu's kink the one-sided derivative nabla uses (0) and the central
	// difference (0.5) disagree.
	code, out, _ = runCLI(t, "check", "relu(x)", "--at", "x=0")
	if code != 1 || !strings.Contains(out, "FAILED") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

// TestCalculusBadInput checks that mistakes in expressions and values exit
// with 2 and show the place, without a stack trace.
func TestCalculusBadInput(t *testing.T) {
	cases := []struct {
		args  []string
		caret int // column of the caret in the shown expression, 0 for none
	}{
		{[]string{"grad", "sin(x +", "--at", "x=1"}, 8},
		{[]string{"grad", "x + foo(x)", "--at", "x=1"}, 5},
		{[]string{"grad", "x * y", "--at", "x=1"}, 5},
		{[]string{"grad", "x", "--at", "x=1", "--at", "z=2"}, 0},
		{[]string{"grad", "dot(v, w)", "--at", "v=[1, 2]", "--at", "w=[1, 2, 3]"}, 1},
		{[]string{"hessian", "w[3]", "--at", "w=[1, 2, 3]"}, 2},
		{[]string{"grad", "w", "--at", "w=[1, 2, 3]"}, 1},
		{[]string{"grad", "log(x)", "--at", "x=-1"}, 1},
		{[]string{"grad", "x", "--at", "x=[1,,2]"}, 6},
		{[]string{"jacobian", "x; x +", "--at", "x=1"}, 7},
		{[]string{"check", "x", "--at", "x"}, 2},
		{[]string{"grad", "x"}, 1},
		{[]string{"graph", "x", "--at", "x=1", "-o", "g.pdf"}, 0},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, _, errOut := runCLI(t, c.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errOut)
			}
			if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, ".go:") {
				t.Fatalf("stack trace or source location: %s", errOut)
			}
			lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
			if c.caret == 0 {
				if len(lines) != 1 {
					t.Fatalf("want one line, got %q", errOut)
				}
				return
			}
			if len(lines) != 3 || strings.Index(lines[2], "^") != c.caret+1 {
				t.Fatalf("want the text and a caret under column %d, got\n%s", c.caret, errOut)
			}
		})
	}
}

func TestGraphFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"g.dot", "g.svg", "g.png"} {
		path := filepath.Join(dir, name)
		code, _, errOut := runCLI(t, "graph", "sigmoid(w[0]*x + w[1])^2 + logsumexp(w)", "--at", "x=0.5", "--at", "w=[2, -1]", "-o", path)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errOut)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		magic := map[string]string{"g.dot": "digraph", "g.svg": "<?xml", "g.png": "\x89PNG"}[name]
		if !bytes.HasPrefix(b, []byte(magic)) {
			t.Fatalf("%s starts with %q", name, b[:min(len(b), 16)])
		}
	}
	code, _, _ := runCLI(t, "graph", "x", "--at", "x=1", "-o", filepath.Join(dir, "missing", "g.svg"))
	if code != 2 {
		t.Fatalf("bad path: exit %d", code)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Fatalf("files left behind: %v", entries)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("output differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}

// TestGoldenOutput pins the text of grad and hessian and the DOT source of
// graph for a fixed expression.
func TestGoldenOutput(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
	}{
		{"grad", []string{"grad", "x^2 * sigmoid(y) + norm(w)", "--at", "x=1.5", "--at", "y=-0.5", "--at", "w=[3, 4]"}},
		{"hessian", []string{"hessian", "x^2 * sigmoid(y) + norm(w)", "--at", "x=1.5", "--at", "y=-0.5", "--at", "w=[3, 4]"}},
		{"graph.dot", []string{"graph", "sigmoid(w[0]*x + w[1])^2", "--at", "x=0.5", "--at", "w=[2, -1]"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, c.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden(t, c.name, out)
		})
	}
}

// TestTour runs the tour end to end and checks its key numbers.
func TestTour(t *testing.T) {
	code, out, errOut := runCLI(t, "tour")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"x^2 1.5 3 3 2x",
		"log(x) 1.5 0.6666666667 0.6666666667 1/x",
		"dL/dw autodiff = -7.85",
		"largest difference between the two: 0",
		"v3 = add(v2, x1)",
		"-- backward --",
		"return v6 (value), v10 (grad x0), v9 (grad x1)",
		"after backward pass 3 without ZeroGrad: d(w²)/dw = 18",
		"after ZeroGrad and one more pass: d(w²)/dw = 6",
		"global norm 42, clipped to max norm 5",
		"norm now 5",
		"minimum at (1.00000000, 1.00000000)",
		"H(1, 1) = [[802, -400], [-400, 200]]",
		"det J = 2 = r",
		"Newton's method on Rosenbrock's function",
		"step 6: solve H·s = ∇f",
		"x = (1.00000000, 1.00000000)",
	} {
		// Compared with runs of spaces collapsed, so that alignment may change.
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("tour output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}

// TestGradProgram: --program prints the forward and backward ops reverse
// mode runs; a function the tracer cannot replay would be an error.
func TestGradProgram(t *testing.T) {
	code, out, errOut := runCLI(t, "grad", "x^2 * sin(x) + dot(w, w)", "--at", "x=1", "--at", "w=[1, -3]", "--program")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"x0 = [w[0], w[1], x]", "sin(", "saves", "-- backward --", "return", "(grad x0)"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}
