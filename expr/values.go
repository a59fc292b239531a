package expr

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/nabla-go/nabla"
)

// Var is a variable's value: a number, or a vector when Vector is set (a
// list of one number is a vector of length 1).
type Var struct {
	Name   string
	Data   []float64
	Vector bool
}

// Point is the values of the variables, sorted by name.
type Point []Var

// Coords returns the names of the point's coordinates in order: a number's
// name, and w[0], w[1], ... for a vector w.
func (p Point) Coords() []string {
	var names []string
	for _, v := range p {
		if !v.Vector {
			names = append(names, v.Name)
			continue
		}
		for i := range v.Data {
			names = append(names, fmt.Sprintf("%s[%d]", v.Name, i))
		}
	}
	return names
}

// Flat returns the coordinates' values in the order of Coords.
func (p Point) Flat() []float64 {
	var xs []float64
	for _, v := range p {
		xs = append(xs, v.Data...)
	}
	return xs
}

// With returns a copy of p whose coordinates are xs, in the order of Coords.
func (p Point) With(xs []float64) Point {
	q := make(Point, len(p))
	k := 0
	for i, v := range p {
		q[i] = Var{Name: v.Name, Vector: v.Vector, Data: append([]float64(nil), xs[k:k+len(v.Data)]...)}
		k += len(v.Data)
	}
	return q
}

// Tensors returns one float64 tensor per variable (a scalar or a vector),
// requiring gradients when grad is set, named after the variable.
func (p Point) Tensors(grad bool) (map[string]*nabla.Tensor, []*nabla.Tensor) {
	env := make(map[string]*nabla.Tensor, len(p))
	list := make([]*nabla.Tensor, len(p))
	for i, v := range p {
		var t *nabla.Tensor
		if v.Vector {
			t = nabla.FromSlice(append([]float64(nil), v.Data...))
		} else {
			t = nabla.Scalar(v.Data[0])
		}
		t.SetName(v.Name).SetRequiresGrad(grad)
		env[v.Name], list[i] = t, t
	}
	return env, list
}

// ParsePoint reads assignments NAME=VALUE, where VALUE is a number (2,
// -0.5, 1e-3) or a list of numbers [1, 2.5, -3]. A name given twice is an
// error.
func ParsePoint(assignments []string) (Point, error) {
	var p Point
	seen := map[string]bool{}
	for _, a := range assignments {
		v, err := parseVar(a)
		if err != nil {
			return nil, err
		}
		if seen[v.Name] {
			return nil, errorf(a, 0, "%s is given twice", v.Name)
		}
		seen[v.Name] = true
		p = append(p, v)
	}
	sort.Slice(p, func(i, j int) bool { return p[i].Name < p[j].Name })
	return p, nil
}

func parseVar(a string) (Var, error) {
	name, val, ok := strings.Cut(a, "=")
	if !ok {
		return Var{}, errorf(a, len([]rune(a)), `expected NAME=VALUE, such as x=2 or w=[1, 2]`)
	}
	name = strings.TrimSpace(name)
	if !isIdent(name) {
		return Var{}, errorf(a, 0, "expected a variable name (letters, digits, _) before =")
	}
	start := len([]rune(a)) - len([]rune(val)) // rune offset of VALUE
	lead := len([]rune(val)) - len([]rune(strings.TrimLeft(val, " ")))
	val = strings.TrimSpace(val)
	if !strings.HasPrefix(val, "[") {
		x, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return Var{}, errorf(a, start+lead, "expected a number or a list like [1, 2.5, -3]")
		}
		return Var{Name: name, Data: []float64{x}}, nil
	}
	if !strings.HasSuffix(val, "]") {
		return Var{}, errorf(a, len([]rune(a)), `expected "]" to close the list`)
	}
	body := val[1 : len(val)-1]
	v := Var{Name: name, Vector: true}
	if strings.TrimSpace(body) == "" {
		return Var{}, errorf(a, start+lead, "empty list: expected at least one number")
	}
	off := start + lead + 1
	for _, item := range strings.Split(body, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(item), 64)
		if err != nil {
			pad := len([]rune(item)) - len([]rune(strings.TrimLeft(item, " ")))
			return Var{}, errorf(a, off+pad, "expected a number")
		}
		v.Data = append(v.Data, x)
		off += len([]rune(item)) + 1
	}
	return v, nil
}

func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}

// bind checks that the point gives exactly the variables the expressions
// use: a missing one is an error at its first use, an extra one an error
// naming it.
func bind(es []*Expr, p Point) error {
	given := map[string]bool{}
	for _, v := range p {
		given[v.Name] = true
	}
	used := map[string]bool{}
	for _, e := range es {
		for _, v := range e.Vars() {
			used[v] = true
			if !given[v] {
				return errorf(e.whole, e.vars[v], "variable %s has no value: expected --at %s=VALUE", v, v)
			}
		}
	}
	for _, v := range p {
		if !used[v.Name] {
			return &Error{Pos: -1, Msg: fmt.Sprintf("--at %s: the expression has no variable %s", v.Name, v.Name)}
		}
	}
	return nil
}
