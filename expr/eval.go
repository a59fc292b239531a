package expr

import (
	"errors"
	"fmt"
	"math"

	"github.com/nabla-go/nabla"
)

// binaryOps maps the operators onto nabla's ops; "^" (and the function pow)
// with a constant exponent use PowScalar instead (see eval). The functions
// are those of nabla.Functions, which each call node holds.
var binaryOps = map[string]func(a, b *nabla.Tensor) *nabla.Tensor{
	"+": nabla.Add, "-": nabla.Sub, "*": nabla.Mul, "/": nabla.Div, "^": nabla.Pow,
}

// Eval evaluates the expression with the variables bound to the tensors of
// env (float64 scalars or vectors) and returns the result, a nabla graph when
// a variable requires gradients. Every variable the expression uses must be
// in env. A misuse found while evaluating — a shape mismatch, an index out of
// range, a result that is NaN or infinite where its operands were finite — is
// an *Error at the operation's place, never a panic.
func (e *Expr) Eval(env map[string]*nabla.Tensor) (*nabla.Tensor, error) {
	for _, v := range e.Vars() {
		if env[v] == nil {
			return nil, errorf(e.whole, e.vars[v], "variable %s has no value: give it with --at %s=VALUE", v, v)
		}
	}
	return e.eval(e.root, env)
}

func (e *Expr) eval(n *node, env map[string]*nabla.Tensor) (*nabla.Tensor, error) {
	switch n.kind {
	case number:
		return nabla.Scalar(n.num), nil
	case variable:
		return env[n.op], nil
	}
	if (n.op == "^" || n.op == "pow") && !hasVariable(n.args[1]) {
		return e.powScalar(n, env)
	}
	args := make([]*nabla.Tensor, len(n.args))
	for i, a := range n.args {
		x, err := e.eval(a, env)
		if err != nil {
			return nil, err
		}
		args[i] = x
	}
	return e.apply(n, args, func() *nabla.Tensor {
		switch n.kind {
		case neg:
			return nabla.Neg(args[0])
		case index:
			if args[0].Dims() != 1 {
				panic(&nabla.Error{Op: "Index", Msg: fmt.Sprintf("indexing needs a vector, not a value of shape %v", args[0].Shape())})
			}
			return nabla.Index(args[0], int(n.num))
		case binary:
			return binaryOps[n.op](args[0], args[1])
		}
		return n.fn(args...)
	})
}

// powScalar evaluates a^c for an exponent c without variables as
// nabla.PowScalar, whose derivative needs no log(a) and so holds for a ≤ 0.
func (e *Expr) powScalar(n *node, env map[string]*nabla.Tensor) (*nabla.Tensor, error) {
	base, err := e.eval(n.args[0], env)
	if err != nil {
		return nil, err
	}
	exp, err := e.eval(n.args[1], nil)
	if err != nil {
		return nil, err
	}
	if exp.Size() != 1 {
		return nil, errorf(e.whole, n.args[1].pos, "exponent must be a number")
	}
	c := exp.Item()
	return e.apply(n, []*nabla.Tensor{base}, func() *nabla.Tensor { return nabla.PowScalar(base, c) })
}

// apply runs f, the op of node n, turning a nabla error into an *Error at
// n's place and refusing a non-finite result computed from finite operands.
func (e *Expr) apply(n *node, args []*nabla.Tensor, f func() *nabla.Tensor) (*nabla.Tensor, error) {
	var out *nabla.Tensor
	if err := nabla.Catch(func() { out = f() }); err != nil {
		msg := err.Error()
		var ne *nabla.Error
		if errors.As(err, &ne) {
			msg = ne.Msg
		}
		return nil, errorf(e.whole, n.pos, "%s: %s", describe(n), msg)
	}
	if out.Traced() {
		return out, nil // values are not read while a program is traced
	}
	if bad, v := nonFinite(out); bad && !anyNonFinite(args) {
		return nil, errorf(e.whole, n.pos, "%s gives %v at this point: an argument is outside its domain", describe(n), v)
	}
	return out, nil
}

func describe(n *node) string {
	switch n.kind {
	case call:
		return n.op + "(...)"
	case index:
		return "indexing"
	case neg:
		return "negation"
	}
	return map[string]string{"+": "addition", "-": "subtraction", "*": "multiplication", "/": "division", "^": "power"}[n.op]
}

func hasVariable(n *node) bool {
	if n.kind == variable {
		return true
	}
	for _, a := range n.args {
		if hasVariable(a) {
			return true
		}
	}
	return false
}

func nonFinite(t *nabla.Tensor) (bool, float64) {
	for _, v := range t.Float64s() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return true, v
		}
	}
	return false, 0
}

func anyNonFinite(ts []*nabla.Tensor) bool {
	for _, t := range ts {
		if bad, _ := nonFinite(t); bad {
			return true
		}
	}
	return false
}
