package expr

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func at(t *testing.T, assignments ...string) Point {
	t.Helper()
	p, err := ParsePoint(assignments)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValues(t *testing.T) {
	cases := []struct {
		src  string
		at   []string
		want float64
	}{
		{"-x^2", []string{"x=3"}, -9},
		{"2^3^2", []string{"x=0"}, 512},
		{"2**3**2 + 0*x", []string{"x=0"}, 512},
		{"(-x)^2", []string{"x=3"}, 9},
		{"1e-3 * x + 0.5", []string{"x=1000"}, 1.5},
		{"x - y - 1", []string{"x=5", "y=1"}, 3},
		{"x / y / 2", []string{"x=8", "y=2"}, 2},
		{"x^-1", []string{"x=4"}, 0.25},
		{"pow(x, y)", []string{"x=2", "y=10"}, 1024},
		{"max(x, y) - min(x, y)", []string{"x=2", "y=-1"}, 3},
		{"sum(w) + mean(w)", []string{"w=[1, 2, 3]"}, 8},
		{"dot(w, w) - norm(w)^2", []string{"w=[1, 2, 3]"}, 0},
		{"w[0] + w[2]*10", []string{"w=[1, 2, 3]"}, 31},
		{"logsumexp(w)", []string{"w=[0, 0]"}, math.Log(2)},
		{"sigmoid(x) + relu(-x) + softplus(0*x)", []string{"x=0"}, 0.5 + math.Log(2)},
		{"sum(exp(w) * x)", []string{"w=[0, 0]", "x=2"}, 4},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			e, err := Parse(c.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Value(e, at(t, c.at...))
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-c.want) > 1e-12 {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

// TestErrors checks that every error points at the right column and says
// what was expected.
func TestErrors(t *testing.T) {
	cases := []struct {
		src  string
		at   []string
		col  int // 1-based
		text string
	}{
		{"sin(x +", []string{"x=1"}, 8, "unexpected end of expression: expected a number"},
		{"x * * 2", []string{"x=1"}, 5, `unexpected "*": expected a number`},
		{"x y", []string{"x=1"}, 3, `unexpected "y": expected an operator`},
		{"(x", []string{"x=1"}, 3, `expected an operator or ")"`},
		{"x % 2", []string{"x=1"}, 3, `unsupported operator "%"`},
		{"x + foo(x)", []string{"x=1"}, 5, `unknown function "foo"`},
		{"1 + pow(x)", []string{"x=1"}, 5, "pow takes 2 arguments, not 1"},
		{"sin + 1", nil, 1, "sin is a function"},
		{`x + "a"`, []string{"x=1"}, 5, "unsupported syntax"},
		{"x + y", []string{"x=1"}, 5, "variable y has no value"},
		{"dot(v, w)", []string{"v=[1, 2]", "w=[1, 2, 3]"}, 1, "dot(...): "},
		{"1 + w[3]", []string{"w=[1, 2, 3]"}, 6, "indexing: "},
		{"x[0]", []string{"x=1"}, 2, "indexing needs a vector"},
		{"2 * log(x)", []string{"x=-1"}, 5, "log(...) gives NaN at this point"},
		{"v + w", []string{"v=[1, 2]", "w=[1, 2, 3]"}, 3, "addition: "},
		{"w * 2", []string{"w=[1, 2]"}, 3, "vector of 2 values"},
		{"", nil, 1, "empty expression"},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			e, err := Parse(c.src)
			if err == nil {
				_, err = Derivatives(e, at(t, c.at...), true)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if pe.Pos+1 != c.col || !strings.Contains(pe.Msg, c.text) {
				t.Fatalf("got column %d %q, want column %d %q", pe.Pos+1, pe.Msg, c.col, c.text)
			}
			lines := strings.Split(pe.Error(), "\n")
			if len(lines) != 3 || strings.Index(lines[2], "^") != c.col+1 {
				t.Fatalf("caret misplaced:\n%s", pe.Error())
			}
		})
	}
}

func TestUnusedVariable(t *testing.T) {
	e, _ := Parse("x^2")
	_, err := Derivatives(e, at(t, "x=1", "y=2"), false)
	if err == nil || !strings.Contains(err.Error(), "no variable y") {
		t.Fatalf("got %v", err)
	}
}

func TestParsePoint(t *testing.T) {
	p := at(t, "w=[1, 2.5, -3]", "x= -0.5", "a=[7]")
	if got := strings.Join(p.Coords(), " "); got != "a[0] w[0] w[1] w[2] x" {
		t.Fatalf("coords %q", got)
	}
	for _, bad := range []string{"x", "x=", "x=abc", "w=[1, 2", "w=[1,,2]", "w=[]", "2x=1", "=1"} {
		if _, err := ParsePoint([]string{bad}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if _, err := ParsePoint([]string{"x=1", "x=2"}); err == nil {
		t.Error("a variable given twice is accepted")
	}
}

func TestListPositions(t *testing.T) {
	_, err := ParseList("x*y; x+; y")
	var pe *Error
	if !errors.As(err, &pe) || pe.Pos != 7 {
		t.Fatalf("got %v", err)
	}
}

func TestHessian(t *testing.T) {
	e, _ := Parse("x^2*y + sum(w^3) + w[0]*x")
	r, err := Derivatives(e, at(t, "x=2", "y=3", "w=[1, 2]"), true)
	if err != nil {
		t.Fatal(err)
	}
	// coords: w[0] w[1] x y
	want := [][]float64{{6, 0, 1, 0}, {0, 12, 0, 0}, {1, 0, 6, 4}, {0, 0, 4, 0}}
	for i := range want {
		for j := range want[i] {
			if math.Abs(r.Hessian[i][j]-want[i][j]) > 1e-12 {
				t.Fatalf("H = %v, want %v", r.Hessian, want)
			}
		}
	}
	if g := r.Grad; g[0] != 3+2 || g[1] != 12 || g[2] != 2*2*3+1 || g[3] != 4 {
		t.Fatalf("grad %v", g)
	}
}
