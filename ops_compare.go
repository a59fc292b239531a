package nabla

import "math"

// Comparison and logical ops. They return Bool tensors and are constants of
// the graph: never recorded, no tangent, no gradient to their inputs (their
// derivative is zero wherever it exists). Their inputs may have any dtype
// and broadcast against each other; values are compared as float64.

// compareOp returns a constant op computing pred elementwise over its
// broadcast inputs as a Bool tensor.
func compareOp(name string, pred func(x, y float64) bool) *Op {
	return &Op{
		Name:     name,
		Batch:    batchElementwise,
		constant: true,
		Forward: func(c *Ctx) *Tensor {
			a, b := c.Inputs[0], c.Inputs[1]
			shape := broadcastShapes(name, a.shape, b.shape)
			ea, eb := values64(Expand(a.Detach(), shape...)), values64(Expand(b.Detach(), shape...))
			out := newTensor(c.tape, Bool, shape)
			for i := range out.f64 {
				if pred(ea[i], eb[i]) {
					out.f64[i] = 1
				}
			}
			return out
		},
	}
}

func truth(v float64) bool { return v != 0 }

// values64 returns t's values as float64: its own storage, or a copy of a
// float32 tensor's, to be read only.
func values64(t *Tensor) []float64 {
	guardRead("values64", t)
	if t.dtype != Float32 {
		return t.f64
	}
	v := make([]float64, len(t.f32))
	for i, x := range t.f32 {
		v[i] = float64(x)
	}
	return v
}

var (
	greaterOp      = compareOp("greater", func(x, y float64) bool { return x > y })
	greaterEqualOp = compareOp("greater_equal", func(x, y float64) bool { return x >= y })
	lessOp         = compareOp("less", func(x, y float64) bool { return x < y })
	lessEqualOp    = compareOp("less_equal", func(x, y float64) bool { return x <= y })
	equalOp        = compareOp("equal", func(x, y float64) bool { return x == y })
	notEqualOp     = compareOp("not_equal", func(x, y float64) bool { return x != y })
	logicalAndOp   = compareOp("logical_and", func(x, y float64) bool { return truth(x) && truth(y) })
	logicalOrOp    = compareOp("logical_or", func(x, y float64) bool { return truth(x) || truth(y) })
	logicalXorOp   = compareOp("logical_xor", func(x, y float64) bool { return truth(x) != truth(y) })
	logicalNotOp   = &Op{
		Name:     "logical_not",
		Batch:    batchUnary,
		constant: true,
		Forward: func(c *Ctx) *Tensor {
			x := c.Inputs[0]
			xv := values64(x)
			out := newTensor(c.tape, Bool, x.shape)
			for i := range out.f64 {
				if xv[i] == 0 {
					out.f64[i] = 1
				}
			}
			return out
		},
	}
)

// Greater returns the Bool mask a > b, broadcasting (torch.gt). NaN compares
// false.
func Greater(a, b *Tensor) *Tensor { return greaterOp.Apply(nil, a, b) }

// GreaterEqual returns the Bool mask a ≥ b, broadcasting (torch.ge).
func GreaterEqual(a, b *Tensor) *Tensor { return greaterEqualOp.Apply(nil, a, b) }

// Less returns the Bool mask a < b, broadcasting (torch.lt).
func Less(a, b *Tensor) *Tensor { return lessOp.Apply(nil, a, b) }

// LessEqual returns the Bool mask a ≤ b, broadcasting (torch.le).
func LessEqual(a, b *Tensor) *Tensor { return lessEqualOp.Apply(nil, a, b) }

// Equal returns the Bool mask a == b, broadcasting (torch.eq): elementwise,
// unlike torch.equal. NaN equals nothing.
func Equal(a, b *Tensor) *Tensor { return equalOp.Apply(nil, a, b) }

// NotEqual returns the Bool mask a ≠ b, broadcasting (torch.ne).
func NotEqual(a, b *Tensor) *Tensor { return notEqualOp.Apply(nil, a, b) }

// LogicalAnd returns the Bool mask of a and b both nonzero, broadcasting.
func LogicalAnd(a, b *Tensor) *Tensor { return logicalAndOp.Apply(nil, a, b) }

// LogicalOr returns the Bool mask of a or b nonzero, broadcasting.
func LogicalOr(a, b *Tensor) *Tensor { return logicalOrOp.Apply(nil, a, b) }

// LogicalXor returns the Bool mask of exactly one of a and b nonzero,
// broadcasting.
func LogicalXor(a, b *Tensor) *Tensor { return logicalXorOp.Apply(nil, a, b) }

// LogicalNot returns the Bool mask of x equal to zero (false for a Bool x).
func LogicalNot(x *Tensor) *Tensor { return logicalNotOp.Apply(nil, x) }

// Greater returns t > y as a Bool mask; see the function Greater.
func (t *Tensor) Greater(y *Tensor) *Tensor { return Greater(t, y) }

// GreaterEqual returns t ≥ y as a Bool mask; see the function GreaterEqual.
func (t *Tensor) GreaterEqual(y *Tensor) *Tensor { return GreaterEqual(t, y) }

// Less returns t < y as a Bool mask; see the function Less.
func (t *Tensor) Less(y *Tensor) *Tensor { return Less(t, y) }

// LessEqual returns t ≤ y as a Bool mask; see the function LessEqual.
func (t *Tensor) LessEqual(y *Tensor) *Tensor { return LessEqual(t, y) }

// Equal returns t == y elementwise as a Bool mask; see the function Equal.
func (t *Tensor) Equal(y *Tensor) *Tensor { return Equal(t, y) }

// NotEqual returns t ≠ y as a Bool mask; see the function NotEqual.
func (t *Tensor) NotEqual(y *Tensor) *Tensor { return NotEqual(t, y) }

// LogicalAnd returns t && y as a Bool mask; see the function LogicalAnd.
func (t *Tensor) LogicalAnd(y *Tensor) *Tensor { return LogicalAnd(t, y) }

// LogicalOr returns t || y as a Bool mask; see the function LogicalOr.
func (t *Tensor) LogicalOr(y *Tensor) *Tensor { return LogicalOr(t, y) }

// LogicalXor returns t != y as booleans; see the function LogicalXor.
func (t *Tensor) LogicalXor(y *Tensor) *Tensor { return LogicalXor(t, y) }

// LogicalNot returns !t as a Bool mask; see the function LogicalNot.
func (t *Tensor) LogicalNot() *Tensor { return LogicalNot(t) }

// convertOp converts to or from Int64 and Bool: a constant (no gradient
// flows through a conversion to or from data).
var convertOp = &Op{
	Name:     "convert",
	Batch:    batchUnary,
	constant: true,
	Forward: func(c *Ctx) *Tensor {
		x, dt := c.Inputs[0], c.Params.(DType)
		out := newTensor(c.tape, dt, x.shape)
		for i := 0; i < out.Size(); i++ {
			v := x.at(i)
			switch dt {
			case Bool:
				if v != 0 {
					v = 1
				}
			case Int64:
				if math.IsNaN(v) || math.Abs(v) > maxExactInt {
					panicf("As", "element %d is %v, which has no Int64 value (Int64 holds integers up to ±2^53)", i, v)
				}
				v = math.Trunc(v)
			}
			out.set(i, v)
		}
		return out
	},
}

// argExtremumOp is Argmax or Argmin as a constant op, so that compiled
// functions replay it.
func argExtremumOp(name string, better func(a, b float64) bool) *Op {
	return &Op{
		Name:     name,
		Batch:    batchAxisParam,
		constant: true,
		Forward: func(c *Ctx) *Tensor {
			x, ax := c.Inputs[0], c.Params.(int)
			n := x.shape[ax]
			outer, inner := numel(x.shape[:ax]), numel(x.shape[ax+1:])
			shape := append(append([]int(nil), x.shape[:ax]...), x.shape[ax+1:]...)
			out := newTensor(c.tape, Int64, shape)
			for o := 0; o < outer; o++ {
				for i := 0; i < inner; i++ {
					best := 0
					bv := x.at(o*n*inner + i)
					for j := 1; j < n; j++ {
						v := x.at((o*n+j)*inner + i)
						if better(v, bv) {
							best, bv = j, v
						}
					}
					out.f64[o*inner+i] = float64(best)
				}
			}
			return out
		},
	}
}

var (
	argmaxOp = argExtremumOp("argmax", func(a, b float64) bool { return a > b || (a != a && b == b) })
	argminOp = argExtremumOp("argmin", func(a, b float64) bool { return a < b || (a != a && b == b) })
)

func argExtremum(op *Op, x *Tensor, axis int) *Tensor {
	ax := normAxis(op.Name, axis, len(x.shape))
	if x.shape[ax] == 0 {
		panicf(op.Name, "axis %d of shape %s is empty", axis, fmtShape(x.shape))
	}
	return op.Apply(ax, x)
}

// Argmax returns, as an Int64 tensor of x's shape without axis, the index of
// the largest entry along axis (the first one on ties; a NaN counts as the
// largest), like torch.argmax. It is not differentiable; Ints gives the
// indices as a Go slice.
func Argmax(x *Tensor, axis int) *Tensor { return argExtremum(argmaxOp, x, axis) }

// Argmin returns the index of the smallest entry along axis, like Argmax.
func Argmin(x *Tensor, axis int) *Tensor { return argExtremum(argminOp, x, axis) }
