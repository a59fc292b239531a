package expr

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"
)

// TestSympyTaylor compares the Taylor coefficients to order 6 of random and
// hand-written expressions (twelve to twenty-four operations) along random
// directions with the exact ones computed by sympy
// (testdata/sympy_taylor.py): 1e-12 relative to each exact coefficient, or
// to the largest coefficient where the exact one is (nearly) zero.
func TestSympyTaylor(t *testing.T) {
	b, err := os.ReadFile("testdata/sympy_taylor.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Order int
		Cases []struct {
			sympyCase
			Ops       int       `json:"ops"`
			Direction []float64 `json:"direction"`
			Coef      []float64 `json:"coef"`
		}
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) < 8 || file.Order < 6 {
		t.Fatalf("%d cases of order %d", len(file.Cases), file.Order)
	}
	const rtol = 1e-12
	worst, most := 0.0, 0
	for i, c := range file.Cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			e, err := Parse(c.Expr)
			if err != nil {
				t.Fatalf("%s: %v", c.Expr, err)
			}
			got, err := Taylor(e, c.point(t), c.Direction, file.Order)
			if err != nil {
				t.Fatalf("%s: %v", c.Expr, err)
			}
			most = max(most, c.Ops)
			scale := maxAbs(c.Coef)
			for j, want := range c.Coef {
				err := 0.0
				if d := math.Abs(got[j] - want); d > 0 {
					err = d / math.Max(math.Abs(want), 1e-3*scale)
				}
				worst = math.Max(worst, err)
				if !(err <= rtol) {
					t.Errorf("%s along %v\nc[%d] = %.17g, sympy %.17g (relative error %.2g)", c.Expr, c.Direction, j, got[j], want, err)
				}
			}
		})
	}
	t.Logf("%d expressions (up to %d operations), order %d: worst relative error %.2g", len(file.Cases), most, file.Order, worst)
}

func TestTaylorErrors(t *testing.T) {
	e, err := Parse("x * y")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePoint([]string{"x=1", "y=2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Taylor(e, p, []float64{1}, 3); err == nil {
		t.Error("a direction of the wrong length: no error")
	}
	v, err := Parse("w")
	if err != nil {
		t.Fatal(err)
	}
	q, _ := ParsePoint([]string{"w=[1, 2]"})
	if _, err := Taylor(v, q, []float64{1, 0}, 3); err == nil {
		t.Error("a vector expression: no error")
	}
	if c, err := Taylor(e, p, []float64{1, -1}, 3); err != nil || c[0] != 2 || c[1] != 1 || c[2] != -1 || c[3] != 0 {
		t.Errorf("x·y at (1, 2) along (1, −1): %v, %v; want [2 1 -1 0]", c, err)
	}
}
