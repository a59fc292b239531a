package expr

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
)

// Every function of nabla.Functions, and no other, can be called in an
// expression, and evaluating it gives what calling the nabla function
// directly gives, bit for bit.
func TestFunctionsFromNablaTable(t *testing.T) {
	table := nabla.Functions()
	if got, want := strings.Join(Functions(), " "), strings.Join(names(table), " "); got != want {
		t.Fatalf("Functions() = %s, want nabla's %s", got, want)
	}
	samples := []*nabla.Tensor{
		nabla.FromSlice([]float64{0.3, 0.7, 1.2}),
		nabla.FromSlice([]float64{1.5, 0.5, 2}),
	}
	for _, f := range table {
		vars := []string{"a", "b"}[:f.Arity]
		env := map[string]*nabla.Tensor{}
		for i, v := range vars {
			env[v] = samples[i]
		}
		src := fmt.Sprintf("%s(%s)", f.Name, strings.Join(vars, ", "))
		e, err := Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got, err := e.Eval(env)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		want := f.Call(samples[:f.Arity]...)
		if !sameFloats(got.Float64s(), want.Float64s()) || fmt.Sprint(got.Shape()) != fmt.Sprint(want.Shape()) {
			t.Errorf("%s = %v, calling nabla gives %v", src, got, want)
		}
	}
}

// A function added to the table is available in expressions, with its arity
// checked and its derivative taken, with no other change to this package.
func TestFunctionAddedToTable(t *testing.T) {
	hypot := nabla.Function{
		Name: "hypot", Arity: 2, Doc: "sqrt(a^2 + b^2)",
		Call: func(xs ...*nabla.Tensor) *nabla.Tensor {
			return nabla.Sqrt(nabla.Add(nabla.Mul(xs[0], xs[0]), nabla.Mul(xs[1], xs[1])))
		},
	}
	fns := newTable(append(nabla.Functions(), hypot))
	parse := func(src string) (*Expr, error) { return parseAt(src, src, 0, fns) }

	e, err := parse("hypot(x, y) + sin(x)")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Derivatives(e, at(t, "x=3", "y=4"), false)
	if err != nil {
		t.Fatal(err)
	}
	if r.Value != 5+math.Sin(3) || math.Abs(r.Grad[0]-(0.6+math.Cos(3))) > 1e-15 || math.Abs(r.Grad[1]-0.8) > 1e-15 {
		t.Errorf("value %v, gradient %v", r.Value, r.Grad)
	}
	for src, msg := range map[string]string{
		"hypot(x)":   "hypot takes 2 arguments, not 1",
		"hypot + 1":  "hypot is a function: expected hypot(...)",
		"hypo(x, y)": `expm1, hypot, log,`,
	} {
		var pe *Error
		if _, err := parse(src); !errors.As(err, &pe) || !strings.Contains(pe.Msg, msg) {
			t.Errorf("%s: got %v, want %q", src, err, msg)
		}
	}
	// The package's own table is nabla's, untouched.
	if _, err := Parse("hypot(x, y)"); err == nil || !strings.Contains(err.Error(), `unknown function "hypot"`) {
		t.Errorf("hypot(x, y) with nabla's table: %v", err)
	}
}

func names(fs []nabla.Function) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}
