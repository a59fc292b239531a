package expr

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"testing"

	"github.com/nabla-go/nabla"
)

type sympyCase struct {
	Expr    string         `json:"expr"`
	At      map[string]any `json:"at"`
	Coords  []string       `json:"coords"`
	Value   float64        `json:"value"`
	Grad    []float64      `json:"grad"`
	Hessian [][]float64    `json:"hessian"`
}

// TestSympyGolden compares the value, gradient and Hessian of a few hundred
// random expressions with the exact ones computed by sympy
// (testdata/sympy_golden.py): 1e-9 relative to each exact entry, or to the
// largest entry of its gradient or Hessian where the exact entry is (nearly)
// zero. Central differences give a second, looser check of the gradient.
func TestSympyGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/sympy_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Cases []sympyCase }
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) < 200 {
		t.Fatalf("only %d cases", len(file.Cases))
	}
	const rtol = 1e-9
	worst := 0.0
	for i, c := range file.Cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			e, err := Parse(c.Expr)
			if err != nil {
				t.Fatalf("%s: %v", c.Expr, err)
			}
			p := c.point(t)
			r, err := Derivatives(e, p, true)
			if err != nil {
				t.Fatalf("%s: %v", c.Expr, err)
			}
			if fmt.Sprint(r.Coords) != fmt.Sprint(c.Coords) {
				t.Fatalf("coords %v, want %v", r.Coords, c.Coords)
			}
			check := func(what string, got, want []float64, scale float64) {
				for j := range want {
					err := 0.0
					if d := math.Abs(got[j] - want[j]); d > 0 {
						err = d / math.Max(math.Abs(want[j]), 1e-3*scale)
					}
					worst = math.Max(worst, err)
					if !(err <= rtol) {
						t.Errorf("%s\n%s[%d] = %.17g, sympy %.17g (relative error %.2g)", c.Expr, what, j, got[j], want[j], err)
					}
				}
			}
			check("value", []float64{r.Value}, []float64{c.Value}, 0)
			check("grad", r.Grad, c.Grad, maxAbs(c.Grad))
			hs := 0.0
			for _, row := range c.Hessian {
				hs = math.Max(hs, maxAbs(row))
			}
			for k := range c.Hessian {
				check(fmt.Sprintf("hessian[%d]", k), r.Hessian[k], c.Hessian[k], hs)
			}
			num, err := CentralDifferences(e, p, 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			for j := range num {
				if d := math.Abs(num[j] - c.Grad[j]); d > 1e-5*math.Max(1, math.Abs(c.Grad[j])) {
					t.Errorf("%s\ncentral difference [%d] = %g, sympy %g", c.Expr, j, num[j], c.Grad[j])
				}
			}
		})
	}
	t.Logf("%d expressions, largest relative error %.2g", len(file.Cases), worst)
}

func (c sympyCase) point(t *testing.T) Point {
	var names []string
	for n := range c.At {
		names = append(names, n)
	}
	sort.Strings(names)
	var assignments []string
	for _, n := range names {
		v, _ := json.Marshal(c.At[n])
		assignments = append(assignments, n+"="+string(v))
	}
	p, err := ParsePoint(assignments)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func maxAbs(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// TestHessianForwardOverReverse compares the Hessian that Derivatives builds
// by reverse over reverse with nabla.Hessian's forward over reverse, block by
// block on the diagonal (one variable at a time), on the sympy cases.
func TestHessianForwardOverReverse(t *testing.T) {
	b, err := os.ReadFile("testdata/sympy_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Cases []sympyCase }
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	for i, c := range file.Cases[:100] {
		e, err := Parse(c.Expr)
		if err != nil {
			t.Fatal(err)
		}
		p := c.point(t)
		r, err := Derivatives(e, p, true)
		if err != nil {
			t.Fatal(err)
		}
		_, vars := p.Tensors(false)
		f := func(xs ...*nabla.Tensor) *nabla.Tensor {
			env := map[string]*nabla.Tensor{}
			for k, v := range p {
				env[v.Name] = xs[k]
			}
			y, err := e.Eval(env)
			if err != nil {
				panic(err)
			}
			return y
		}
		off := 0
		for k, v := range p {
			block := nabla.Hessian(f, k)(vars...).Float64s()
			n := len(v.Data)
			for a := range n {
				for b := range n {
					got, want := block[a*n+b], r.Hessian[off+a][off+b]
					if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
						t.Errorf("case %d %s: d²/d%s²[%d][%d]: forward over reverse %.17g, reverse over reverse %.17g", i, c.Expr, v.Name, a, b, got, want)
					}
				}
			}
			off += n
		}
	}
}
