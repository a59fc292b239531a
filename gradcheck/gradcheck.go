package gradcheck

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/nabla-go/nabla"
)

// Func is a function of tensors checked by Check.
type Func func(xs ...*nabla.Tensor) *nabla.Tensor

// Options configures Check. A nil *Options means the defaults.
type Options struct {
	Eps  float64 // finite-difference step; default 1e-6
	Atol float64 // absolute tolerance; default 1e-5
	Rtol float64 // relative tolerance; default 1e-3
	// Fast uses the random-projection (dot-product) test instead of full
	// Jacobians.
	Fast bool
	// SkipForward leaves forward mode (JVP rules) unchecked.
	SkipForward bool
	// Constant lists inputs that are not differentiated.
	Constant []int
	// Seed seeds the random directions of the fast and second-order modes.
	Seed uint64
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Eps == 0 {
		c.Eps = 1e-6
	}
	if c.Atol == 0 {
		c.Atol = 1e-5
	}
	if c.Rtol == 0 {
		c.Rtol = 1e-3
	}
	return c
}

func (o Options) isConstant(i int) bool {
	for _, c := range o.Constant {
		if c == i {
			return true
		}
	}
	return false
}

// Mismatch is one entry that failed: which comparison (reverse, forward,
// reentrant), which input and element, which output element, and both values.
type Mismatch struct {
	Mode     string // "reverse", "forward" or "reentrant"
	Input    int
	Element  []int // index into the input, one entry per dimension
	Output   int   // flat index of the output element (-1 in fast mode)
	Analytic float64
	Numeric  float64
}

// Error returns |Analytic − Numeric|.
func (m Mismatch) Error() float64 { return math.Abs(m.Analytic - m.Numeric) }

// Report is the result of a check.
type Report struct {
	Mismatches []Mismatch
	// MaxError is the largest |analytic − numeric| over all compared entries.
	MaxError float64
	Compared int
}

// OK reports whether every entry agreed.
func (r *Report) OK() bool { return len(r.Mismatches) == 0 }

// Worst returns the mismatch with the largest |analytic − numeric| (NaN
// counting as infinite), and false when there is none.
func (r *Report) Worst() (Mismatch, bool) {
	if len(r.Mismatches) == 0 {
		return Mismatch{}, false
	}
	w := 0
	for i, m := range r.Mismatches {
		if errOrInf(m) > errOrInf(r.Mismatches[w]) {
			w = i
		}
	}
	return r.Mismatches[w], true
}

func errOrInf(m Mismatch) float64 {
	if e := m.Error(); !math.IsNaN(e) {
		return e
	}
	return math.Inf(1)
}

// Error describes the failures, the worst first, then up to four more in the
// order they were found; it makes *Report usable as an error.
func (r *Report) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gradcheck: %d of %d entries differ (max error %.3g)", len(r.Mismatches), r.Compared, r.MaxError)
	worst, ok := r.Worst()
	if !ok {
		return b.String()
	}
	describe := func(label string, m Mismatch) {
		out := fmt.Sprintf("output element %d", m.Output)
		if m.Output < 0 {
			out = "random projection"
		}
		fmt.Fprintf(&b, "\n  %s%s mode, input %d element %v, %s: analytic %.10g, numeric %.10g, error %.3g",
			label, m.Mode, m.Input, m.Element, out, m.Analytic, m.Numeric, m.Error())
	}
	label := ""
	if len(r.Mismatches) > 1 {
		label = "worst: "
	}
	describe(label, worst)
	shown := 1
	for _, m := range r.Mismatches {
		if shown == 5 {
			fmt.Fprintf(&b, "\n  ... %d more", len(r.Mismatches)-shown)
			break
		}
		if m.Mode == worst.Mode && m.Input == worst.Input && m.Output == worst.Output && slices.Equal(m.Element, worst.Element) {
			continue
		}
		describe("", m)
		shown++
	}
	return b.String()
}

// Check verifies f's derivatives at inputs (float64 tensors, left unchanged)
// and returns nil or the *Report of the failures. It returns an error too when
// the inputs or output are not float64.
func Check(f Func, inputs []*nabla.Tensor, opts *Options) error {
	_, err := Run(f, inputs, opts)
	return err
}

// Run performs Check and returns the full report, passing or not, and a
// non-nil error whenever the check did not pass: the *Report itself when
// derivatives disagree (its message leads with the worst entry), or the
// reason the check could not run (then the report is nil).
func Run(f Func, inputs []*nabla.Tensor, opts *Options) (*Report, error) {
	o := opts.withDefaults()
	for i, x := range inputs {
		if x.DType() != nabla.Float64 {
			return nil, fmt.Errorf("gradcheck: input %d is %s; finite differences need float64 (convert with As(nabla.Float64))", i, x.DType())
		}
	}
	c := &checker{f: f, o: o, inputs: inputs, rep: &Report{}}
	var err error
	if perr := nabla.Catch(func() {
		if o.Fast {
			err = c.fast()
		} else {
			err = c.full()
		}
	}); perr != nil {
		return nil, perr
	}
	if err != nil {
		return c.rep, err
	}
	if !c.rep.OK() {
		return c.rep, c.rep
	}
	return c.rep, nil
}

type checker struct {
	f      Func
	o      Options
	inputs []*nabla.Tensor
	rep    *Report
}

// vars returns fresh copies of the inputs, the differentiated ones requiring
// grad.
func (c *checker) vars() []*nabla.Tensor {
	xs := make([]*nabla.Tensor, len(c.inputs))
	for i, x := range c.inputs {
		xs[i] = x.Clone().SetRequiresGrad(!c.o.isConstant(i))
	}
	return xs
}

func (c *checker) eval(xs []*nabla.Tensor) (*nabla.Tensor, error) {
	y := c.f(xs...)
	if y.DType() != nabla.Float64 {
		return nil, fmt.Errorf("gradcheck: the function returned a %s tensor; it must return float64", y.DType())
	}
	return y, nil
}

// numericColumn returns (f(x + ε·e) − f(x − ε·e)) / 2ε for the direction e
// given per input (nil entries: no change).
func (c *checker) numericDirection(dirs []*nabla.Tensor) ([]float64, error) {
	var plus, minus []float64
	for _, sgn := range []float64{1, -1} {
		xs := make([]*nabla.Tensor, len(c.inputs))
		for i, x := range c.inputs {
			xs[i] = x.Clone()
			if dirs[i] != nil {
				raw, d := xs[i].RawFloat64(), dirs[i].RawFloat64()
				for k := range raw {
					raw[k] += sgn * c.o.Eps * d[k]
				}
			}
		}
		var y *nabla.Tensor
		var err error
		y, err = c.eval(xs) // the inputs require no grad: values only
		if err != nil {
			return nil, err
		}
		if sgn > 0 {
			plus = y.Float64s()
		} else {
			minus = y.Float64s()
		}
	}
	out := make([]float64, len(plus))
	for k := range out {
		out[k] = (plus[k] - minus[k]) / (2 * c.o.Eps)
	}
	return out, nil
}

func oneHot(x *nabla.Tensor, k int) *nabla.Tensor {
	e := nabla.New(x.DType(), x.Shape()...)
	e.RawFloat64()[k] = 1
	return e
}

// reverseRows returns J[out][in][elem] from one backward pass per output
// element.
func (c *checker) reverse(xs []*nabla.Tensor, y *nabla.Tensor) [][][]float64 {
	rows := make([][][]float64, y.Size())
	var vars []*nabla.Tensor
	var idx []int
	for i, x := range xs {
		if x.RequiresGrad() {
			vars = append(vars, x)
			idx = append(idx, i)
		}
	}
	for k := range rows {
		rows[k] = make([][]float64, len(xs))
		for i, x := range xs {
			rows[k][i] = make([]float64, x.Size())
		}
		if !y.RequiresGrad() || len(vars) == 0 {
			continue
		}
		gs := nabla.Gradients([]*nabla.Tensor{y}, vars, nabla.Seed(oneHot(y, k)), nabla.RetainGraph(), nabla.AllowUnused())
		for j, g := range gs {
			if g != nil {
				copy(rows[k][idx[j]], g.Float64s())
			}
		}
	}
	return rows
}

// forward returns the output tangent for the given input tangents.
func (c *checker) forward(dirs []*nabla.Tensor) ([]float64, error) {
	xs := c.vars()
	for i, d := range dirs {
		if d != nil {
			xs[i] = nabla.Dual(xs[i], d)
		}
	}
	y, err := c.eval(xs)
	if err != nil {
		return nil, err
	}
	if y.Tangent() == nil {
		return make([]float64, y.Size()), nil
	}
	return y.Tangent().Float64s(), nil
}

func (c *checker) compare(mode string, input int, x *nabla.Tensor, elem, out int, analytic, numeric float64) {
	c.rep.Compared++
	e := math.Abs(analytic - numeric)
	if math.IsNaN(e) && !(math.IsNaN(analytic) && math.IsNaN(numeric)) {
		e = math.Inf(1)
	}
	c.rep.MaxError = max(c.rep.MaxError, e)
	if e <= c.o.Atol+c.o.Rtol*math.Abs(numeric) {
		return
	}
	var index []int
	if x != nil && elem >= 0 {
		index = unravel(elem, x.Shape())
	}
	c.rep.Mismatches = append(c.rep.Mismatches, Mismatch{Mode: mode, Input: input, Element: index, Output: out, Analytic: analytic, Numeric: numeric})
}

func unravel(k int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = k % shape[d]
		k /= shape[d]
	}
	return idx
}

func (c *checker) full() error {
	xs := c.vars()
	y, err := c.eval(xs)
	if err != nil {
		return err
	}
	rev := c.reverse(xs, y)
	again := c.reverse(xs, y)
	for k := range rev {
		for i := range rev[k] {
			for j := range rev[k][i] {
				if rev[k][i][j] != again[k][i][j] && !(math.IsNaN(rev[k][i][j]) && math.IsNaN(again[k][i][j])) {
					c.rep.Mismatches = append(c.rep.Mismatches, Mismatch{Mode: "reentrant", Input: i, Element: unravel(j, xs[i].Shape()), Output: k, Analytic: again[k][i][j], Numeric: rev[k][i][j]})
				}
			}
		}
	}
	for i, x := range c.inputs {
		if c.o.isConstant(i) {
			continue
		}
		for j := 0; j < x.Size(); j++ {
			dirs := make([]*nabla.Tensor, len(c.inputs))
			dirs[i] = oneHot(x, j)
			num, err := c.numericDirection(dirs)
			if err != nil {
				return err
			}
			var fwd []float64
			if !c.o.SkipForward {
				if fwd, err = c.forward(dirs); err != nil {
					return err
				}
			}
			for k := range num {
				c.compare("reverse", i, x, j, k, rev[k][i][j], num[k])
				if fwd != nil {
					c.compare("forward", i, x, j, k, fwd[k], num[k])
				}
			}
		}
	}
	return nil
}

func (c *checker) fast() error {
	r := rand.New(rand.NewPCG(c.o.Seed, 1))
	dirs := make([]*nabla.Tensor, len(c.inputs))
	for i, x := range c.inputs {
		if !c.o.isConstant(i) {
			dirs[i] = nabla.Uniform(r, -1, 1, x.Shape()...)
		}
	}
	xs := c.vars()
	y, err := c.eval(xs)
	if err != nil {
		return err
	}
	v := nabla.Uniform(r, -1, 1, y.Shape()...)
	// ⟨Jᵀv, u⟩ from one backward pass.
	rev := 0.0
	if y.RequiresGrad() {
		var vars []*nabla.Tensor
		var idx []int
		for i, x := range xs {
			if x.RequiresGrad() {
				vars, idx = append(vars, x), append(idx, i)
			}
		}
		gs := nabla.Gradients([]*nabla.Tensor{y}, vars, nabla.Seed(v), nabla.AllowUnused())
		for j, g := range gs {
			if g != nil {
				rev += dot(g.Float64s(), dirs[idx[j]].Float64s())
			}
		}
	}
	num, err := c.numericDirection(dirs)
	if err != nil {
		return err
	}
	numv := dot(num, v.Float64s())
	c.compare("reverse", -1, nil, -1, -1, rev, numv)
	if !c.o.SkipForward {
		fwd, err := c.forward(dirs)
		if err != nil {
			return err
		}
		c.compare("forward", -1, nil, -1, -1, dot(fwd, v.Float64s()), numv)
	}
	return nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// CheckSecondOrder verifies the derivatives of f's gradient: it checks, with
// Check, the function x ↦ ∂⟨v, f(x)⟩/∂x for a fixed random v, whose gradient
// is computed with a recorded (CreateGraph) backward pass.
func CheckSecondOrder(f Func, inputs []*nabla.Tensor, opts *Options) error {
	o := opts.withDefaults()
	var v *nabla.Tensor
	perr := nabla.Catch(func() {
		y := f(inputs...)
		r := rand.New(rand.NewPCG(o.Seed, 2))
		v = nabla.Uniform(r, -1, 1, y.Shape()...)
	})
	if perr != nil {
		return perr
	}
	gradFn := func(xs ...*nabla.Tensor) *nabla.Tensor {
		var vars []*nabla.Tensor
		for i, x := range xs {
			if !o.isConstant(i) {
				vars = append(vars, x)
			}
		}
		y := f(xs...)
		parts := make([]*nabla.Tensor, len(vars))
		var gs []*nabla.Tensor
		if y.RequiresGrad() {
			gs = nabla.Gradients([]*nabla.Tensor{y}, vars, nabla.Seed(v), nabla.CreateGraph(), nabla.AllowUnused())
		}
		for j, x := range vars {
			var g *nabla.Tensor
			if gs != nil {
				g = gs[j]
			}
			if g == nil {
				g = nabla.ZerosLike(x)
			}
			parts[j] = nabla.Flatten(g)
		}
		if len(parts) == 1 {
			return parts[0]
		}
		return nabla.Concat(0, parts...)
	}
	// The gradient function needs its inputs to require grad even when it is
	// evaluated for finite differences: they are bound to a tape of their
	// own, which records whatever the caller's mode.
	wrapped := func(xs ...*nabla.Tensor) *nabla.Tensor {
		var out *nabla.Tensor
		func() {
			tp := nabla.NewTape()
			vs := make([]*nabla.Tensor, len(xs))
			for i, x := range xs {
				vs[i] = x
				if !o.isConstant(i) && !x.RequiresGrad() {
					leaf := x.Detach().SetRequiresGrad(true)
					tp.Bind(leaf)
					vs[i] = leaf
					if t := x.Tangent(); t != nil {
						vs[i] = nabla.Dual(leaf, t)
					}
				}
			}
			out = gradFn(vs...)
		}()
		return out
	}
	return Check(wrapped, inputs, &o)
}
