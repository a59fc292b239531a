package expr

import (
	"fmt"
	"math"
	"strings"

	"github.com/nabla-go/nabla"
)

// Result is a scalar expression's value and derivatives at a point. Coords
// names the point's coordinates (x, w[0], w[1], ...; see Point.Coords); Grad
// and the rows and columns of Hessian follow that order.
type Result struct {
	Value   float64
	Coords  []string
	Grad    []float64
	Hessian [][]float64 // nil unless asked for
}

// Derivatives evaluates e at p with nabla's reverse mode and returns its
// value, its gradient and, when hessian is set, its Hessian, built row by row
// by differentiating each gradient entry again (a backward pass recorded with
// CreateGraph). p must give exactly the variables e uses, and e must be a
// number, not a vector.
func Derivatives(e *Expr, p Point, hessian bool) (*Result, error) {
	if err := bind([]*Expr{e}, p); err != nil {
		return nil, err
	}
	env, vars := p.Tensors(true)
	y, err := e.Eval(env)
	if err != nil {
		return nil, err
	}
	if err := scalar(e, y); err != nil {
		return nil, err
	}
	r := &Result{Value: y.Item(), Coords: p.Coords()}
	if !y.RequiresGrad() {
		// A constant (no variable, or none it depends on): zero derivatives.
		r.Grad = flatten(nil, vars)
		if hessian {
			r.Hessian = make([][]float64, len(r.Grad))
			for i := range r.Hessian {
				r.Hessian[i] = make([]float64, len(r.Grad))
			}
		}
		return r, nil
	}
	err = nabla.Catch(func() {
		opts := []nabla.BackwardOption{nabla.AllowUnused()}
		if hessian {
			opts = append(opts, nabla.CreateGraph())
		}
		gs := nabla.Gradients([]*nabla.Tensor{y}, vars, opts...)
		r.Grad = flatten(gs, vars)
		if hessian {
			r.Hessian = secondDerivatives(gs, vars)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("differentiating %s: %w", e, err)
	}
	return r, nil
}

// secondDerivatives returns the Hessian from the gradients gs of a scalar
// with respect to vars, computed with a recorded backward pass: row k is the
// gradient of the k-th gradient entry.
func secondDerivatives(gs, vars []*nabla.Tensor) [][]float64 {
	var rows [][]float64
	for i, g := range gs {
		n := vars[i].Size()
		for k := range n {
			var row []float64
			if g != nil && g.RequiresGrad() {
				seed := nabla.Zeros(g.Shape()...)
				seed.RawFloat64()[k] = 1
				hs := nabla.Gradients([]*nabla.Tensor{g}, vars, nabla.Seed(seed), nabla.RetainGraph(), nabla.AllowUnused())
				row = flatten(hs, vars)
			} else {
				row = make([]float64, len(flatten(nil, vars)))
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// flatten concatenates the gradients of vars (nil ones are zero) into one
// row in the order of Point.Coords.
func flatten(gs, vars []*nabla.Tensor) []float64 {
	var out []float64
	for i, v := range vars {
		if gs == nil || gs[i] == nil {
			out = append(out, make([]float64, v.Size())...)
			continue
		}
		out = append(out, gs[i].Float64s()...)
	}
	return out
}

func scalar(e *Expr, y *nabla.Tensor) error {
	if y.Size() != 1 {
		return errorf(e.whole, e.root.pos, "the expression is a vector of %d values: expected a number (wrap it in sum(...), or index it)", y.Size())
	}
	return nil
}

// Jacobian evaluates the expressions at p and returns their values and the
// matrix of their partial derivatives: row i is the gradient of es[i], in the
// order of p.Coords(). p must give exactly the variables the expressions use
// together; a variable one of them does not use has zeros in its row.
func Jacobian(es []*Expr, p Point) (values []float64, jac [][]float64, err error) {
	if err := bind(es, p); err != nil {
		return nil, nil, err
	}
	for _, e := range es {
		env, vars := p.Tensors(true)
		y, err := e.Eval(env)
		if err != nil {
			return nil, nil, err
		}
		if err := scalar(e, y); err != nil {
			return nil, nil, err
		}
		values = append(values, y.Item())
		row := flatten(nil, vars)
		if y.RequiresGrad() {
			err = nabla.Catch(func() {
				row = flatten(nabla.Gradients([]*nabla.Tensor{y}, vars, nabla.AllowUnused()), vars)
			})
			if err != nil {
				return nil, nil, fmt.Errorf("differentiating %s: %w", e, err)
			}
		}
		jac = append(jac, row)
	}
	return values, jac, nil
}

// Value evaluates a scalar expression at p without recording a graph.
func Value(e *Expr, p Point) (float64, error) {
	env, _ := p.Tensors(false) // no variable requires grad: nothing records
	y, err := e.Eval(env)
	if err != nil {
		return 0, err
	}
	if err := scalar(e, y); err != nil {
		return 0, err
	}
	return y.Item(), nil
}

// CentralDifferences approximates the gradient of a scalar expression at p
// by (f(x+hᵢeᵢ) − f(x−hᵢeᵢ)) / 2hᵢ with hᵢ = h·max(1, |xᵢ|), in the order
// of p.Coords(). It evaluates no derivative rule, so it checks them.
func CentralDifferences(e *Expr, p Point, h float64) ([]float64, error) {
	if err := bind([]*Expr{e}, p); err != nil {
		return nil, err
	}
	x := p.Flat()
	grad := make([]float64, len(x))
	for i := range x {
		hi := h * math.Max(1, math.Abs(x[i]))
		xs := append([]float64(nil), x...)
		xs[i] = x[i] + hi
		fp, err := Value(e, p.With(xs))
		if err != nil {
			return nil, err
		}
		xs[i] = x[i] - hi
		fm, err := Value(e, p.With(xs))
		if err != nil {
			return nil, err
		}
		grad[i] = (fp - fm) / (2 * hi)
	}
	return grad, nil
}

// Taylor returns the Taylor coefficients c₀…c_order of t ↦ e(p + t·dir) at
// t = 0 (see nabla.TaylorCoefficients): dir gives one number per coordinate,
// in the order of p.Coords(), so that e(p + h·dir) ≈ Σⱼ cⱼ·hʲ. e must be a
// number, not a vector.
func Taylor(e *Expr, p Point, dir []float64, order int) ([]float64, error) {
	if err := bind([]*Expr{e}, p); err != nil {
		return nil, err
	}
	x := p.Flat()
	if len(dir) != len(x) {
		return nil, fmt.Errorf("the direction has %d numbers, the point %d coordinates (%s)", len(dir), len(x), strings.Join(p.Coords(), ", "))
	}
	var out []float64
	var evalErr error
	err := nabla.Catch(func() {
		f := func(xt *nabla.Tensor) *nabla.Tensor {
			// The variables are pieces of the flat point, so that the
			// direction moves them all along one line.
			env := make(map[string]*nabla.Tensor, len(p))
			k := 0
			for _, v := range p {
				if v.Vector {
					env[v.Name] = nabla.Slice(xt, 0, k, k+len(v.Data), 1)
				} else {
					env[v.Name] = nabla.Index(xt, k)
				}
				k += len(v.Data)
			}
			y, err := e.Eval(env)
			if err == nil {
				err = scalar(e, y)
			}
			if err != nil {
				evalErr = err
				return nabla.Scalar(math.NaN())
			}
			return y
		}
		cs := nabla.TaylorCoefficients(f, nabla.FromSlice(x, len(x)), nabla.FromSlice(dir, len(dir)), order)
		if evalErr != nil {
			return
		}
		out = make([]float64, len(cs))
		for j, c := range cs {
			out[j] = c.Item()
		}
	})
	if evalErr != nil {
		return nil, evalErr
	}
	if err != nil {
		return nil, fmt.Errorf("expanding %s: %w", e, err)
	}
	return out, nil
}
