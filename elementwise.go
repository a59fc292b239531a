package nabla

import (
	"math"

	"github.com/nabla-go/nabla/internal/kernel"
)

// This file defines the elementwise primitives. Each op's forward, VJP (reverse
// rule) and JVP (forward rule) sit together; the math of a rule is in a comment
// when it is not obvious. Broadcasting is undone by the engine, not here.

func unaryForward(x *Tensor, f func(float64) float64) *Tensor {
	if tracingAtTop() { // a rule's helper: replay it as an op
		return opaque("map", func(xs []*Tensor) *Tensor { return unaryForward(xs[0], f) }, x)
	}
	out := newTensorRaw(x.dtype, x.shape)
	if x.dtype == Float32 {
		kernel.Map(out.f32, x.f32, f)
	} else {
		kernel.Map(out.f64, x.f64, f)
	}
	return out
}

// kernelForward applies an elementwise kernel of the given instances.
func kernelForward(x *Tensor, f32 func(dst, src []float32), f64 func(dst, src []float64)) *Tensor {
	if tracingAtTop() {
		return opaque("kernel", func(xs []*Tensor) *Tensor { return kernelForward(xs[0], f32, f64) }, x)
	}
	out := newTensorRaw(x.dtype, x.shape)
	if x.dtype == Float32 {
		f32(out.f32, x.f32)
	} else {
		f64(out.f64, x.f64)
	}
	return out
}

// fastUnary applies one of the kernel's hand-written elementwise loops.
func fastUnary(x *Tensor, op kernel.UnaryOp) *Tensor {
	if tracingAtTop() {
		return opaque("unary", func(xs []*Tensor) *Tensor { return fastUnary(xs[0], op) }, x)
	}
	out := newTensorRaw(x.dtype, x.shape)
	if x.dtype == Float32 {
		kernel.Unary(op, out.f32, x.f32)
	} else {
		kernel.Unary(op, out.f64, x.f64)
	}
	return out
}

func binaryForward(name string, k kernel.BinOp, a, b *Tensor) *Tensor {
	if tracingAtTop() {
		return opaque(name, func(xs []*Tensor) *Tensor { return binaryForward(name, k, xs[0], xs[1]) }, a, b)
	}
	dt := checkDType(name, a, b)
	shape := a.shape
	switch {
	case sameShape(a.shape, b.shape):
	case len(a.shape) == 0:
		shape = b.shape // a scalar broadcasts to anything
	case len(b.shape) == 0:
	default:
		shape = broadcastShapes(name, a.shape, b.shape)
	}
	out := newTensorRaw(dt, shape)
	n := out.Size()
	var sa, sb []int
	if !(a.Size() == n || a.Size() == 1) || !(b.Size() == n || b.Size() == 1) {
		sa, sb = broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)
	}
	if dt == Float32 {
		kernel.Binary(k, out.f32, a.f32, b.f32, shape, sa, sb)
	} else {
		kernel.Binary(k, out.f64, a.f64, b.f64, shape, sa, sb)
	}
	return out
}

// maskOf returns a constant tensor (outside the graph) holding pred(x) as 1 or
// 0: the locally constant factors of rules.
func maskOf(x *Tensor, pred func(float64) bool) *Tensor {
	if tracingAtTop() {
		return opaque("mask", func(xs []*Tensor) *Tensor { return maskOf(xs[0], pred) }, x)
	}
	return unaryForward(x, func(v float64) float64 {
		if pred(v) {
			return 1
		}
		return 0
	})
}

// Nil-aware helpers for JVP rules, where a nil tangent means zero.
func tMul(d, f *Tensor) *Tensor {
	if d == nil {
		return nil
	}
	return Mul(d, f)
}

func tAdd(a, b *Tensor) *Tensor {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return Add(a, b)
}

func unaryCases(lo, hi float64) []Case {
	return []Case{
		{Name: "scalar", Shapes: [][]int{{}}, Lo: lo, Hi: hi},
		{Name: "vector", Shapes: [][]int{{4}}, Lo: lo, Hi: hi},
		{Name: "matrix", Shapes: [][]int{{2, 3}}, Lo: lo, Hi: hi},
	}
}

func kinkedCases(lo, hi float64) []Case {
	cs := unaryCases(lo, hi)
	for i := range cs {
		cs[i].AwayFromZero = true
	}
	return cs
}

func binaryCases(lo, hi float64) []Case {
	return []Case{
		{Name: "scalar", Shapes: [][]int{{}, {}}, Lo: lo, Hi: hi},
		{Name: "vector", Shapes: [][]int{{4}, {4}}, Lo: lo, Hi: hi},
		{Name: "matrix", Shapes: [][]int{{2, 3}, {2, 3}}, Lo: lo, Hi: hi},
		{Name: "row-broadcast", Shapes: [][]int{{2, 3}, {3}}, Lo: lo, Hi: hi},
		{Name: "outer-broadcast", Shapes: [][]int{{3, 1}, {1, 2}}, Lo: lo, Hi: hi},
		{Name: "scalar-broadcast", Shapes: [][]int{{}, {2, 3}}, Lo: lo, Hi: hi},
		{Name: "batch-broadcast", Shapes: [][]int{{2, 1, 3}, {2, 1}}, Lo: lo, Hi: hi},
	}
}

type affineParams struct{ a, b float64 }

var affineOp *Op

func init() {
	affineOp = Register(&Op{
		Name:          "affine",
		BroadcastGrad: true,
		// a·x + b for constants a and b: negation and all scalar arithmetic in
		// one pass, without a scalar tensor to broadcast.
		Forward: func(c *Ctx) *Tensor {
			x, p := c.Inputs[0], c.Params.(*affineParams)
			out := newTensorRaw(x.dtype, x.shape)
			if x.dtype == Float32 {
				kernel.Affine(out.f32, x.f32, p.a, p.b)
			} else {
				kernel.Affine(out.f64, x.f64, p.a, p.b)
			}
			return out
		},
		VJP: func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{scale(g, c.Params.(*affineParams).a)} },
		JVP: func(c *Ctx, d []*Tensor) *Tensor { return scale(d[0], c.Params.(*affineParams).a) },
		Cases: []Case{
			{Name: "neg", Shapes: [][]int{{2, 3}}, Params: &affineParams{-1, 0}},
			{Name: "scale-shift", Shapes: [][]int{{4}}, Params: &affineParams{2.5, -1}},
			{Name: "scalar", Shapes: [][]int{{}}, Params: &affineParams{-0.5, 3}},
		},
	})
}

// affine returns a·x + b.
func affine(x *Tensor, a, b float64) *Tensor {
	if a == 1 && b == 0 {
		return x
	}
	p := affineParams{a, b}
	return affineOp.apply(nil, &p, []*Tensor{x})
}

func scale(x *Tensor, a float64) *Tensor { return affine(x, a, 0) }

// Neg returns -x.
func Neg(x *Tensor) *Tensor { return affine(x, -1, 0) }

var subOp *Op

func init() {
	subOp = Register(&Op{
		Name:          "sub",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return binaryForward("sub", kernel.Sub, c.Inputs[0], c.Inputs[1]) },
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			gs := []*Tensor{g, nil}
			if c.NeedsGrad(1) {
				gs[1] = Neg(g)
			}
			return gs
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			if d[1] == nil {
				return d[0]
			}
			return tAdd(d[0], Neg(d[1]))
		},
		Cases: binaryCases(-2, 2),
	})
}

// Sub returns a - b, broadcasting.
func Sub(a, b *Tensor) *Tensor { return subOp.Apply(nil, a, b) }

var addOp *Op

func init() {
	addOp = Register(&Op{
		Name:          "add",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return binaryForward("add", kernel.Add, c.Inputs[0], c.Inputs[1]) },
		VJP:           func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{g, g} },
		JVP:           func(c *Ctx, d []*Tensor) *Tensor { return tAdd(d[0], d[1]) },
		Cases:         binaryCases(-2, 2),
	})
}

// Add returns a + b, broadcasting.
func Add(a, b *Tensor) *Tensor { return addOp.Apply(nil, a, b) }

var mulOp *Op

func init() {
	mulOp = Register(&Op{
		Name:          "mul",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return binaryForward("mul", kernel.Mul, c.Inputs[0], c.Inputs[1]) },
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			a, b := c.Inputs[0], c.Inputs[1]
			gs := make([]*Tensor, 2)
			if c.NeedsGrad(0) {
				gs[0] = Mul(g, b)
			}
			if c.NeedsGrad(1) {
				gs[1] = Mul(g, a)
			}
			return gs
		},
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return tAdd(tMul(d[0], c.Inputs[1]), tMul(d[1], c.Inputs[0])) },
		Cases: binaryCases(-2, 2),
	})
}

// Mul returns a * b elementwise, broadcasting.
func Mul(a, b *Tensor) *Tensor { return mulOp.Apply(nil, a, b) }

var divOp *Op

func init() {
	divOp = Register(&Op{
		Name:          "div",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return binaryForward("div", kernel.Div, c.Inputs[0], c.Inputs[1]) },
		// d(a/b) = da/b - (a/b)·db/b
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			b := c.Inputs[1]
			gs := make([]*Tensor, 2)
			gb := Div(g, b)
			if c.NeedsGrad(0) {
				gs[0] = gb
			}
			if c.NeedsGrad(1) {
				gs[1] = Neg(Mul(gb, c.Output))
			}
			return gs
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			b := c.Inputs[1]
			return tAdd(tMul(d[0], Reciprocal(b)), tMul(d[1], Neg(Div(c.Output, b))))
		},
		Cases: []Case{
			{Name: "vector", Shapes: [][]int{{4}, {4}}, Lo: 0.5, Hi: 2, AwayFromZero: true},
			{Name: "row-broadcast", Shapes: [][]int{{2, 3}, {3}}, Lo: 0.5, Hi: 2, AwayFromZero: true},
			{Name: "scalar-broadcast", Shapes: [][]int{{}, {2, 3}}, Lo: 0.5, Hi: 2, AwayFromZero: true},
		},
	})
}

// Div returns a / b elementwise, broadcasting.
func Div(a, b *Tensor) *Tensor { return divOp.Apply(nil, a, b) }

var powOp *Op

func init() {
	powOp = Register(&Op{
		Name:          "pow",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return binaryForward("pow", kernel.Pow, c.Inputs[0], c.Inputs[1]) },
		// d(a^b) = b·a^(b-1)·da + a^b·log(a)·db
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			a, b := c.Inputs[0], c.Inputs[1]
			gs := make([]*Tensor, 2)
			if c.NeedsGrad(0) {
				gs[0] = Mul(g, Mul(b, Pow(a, AddScalar(b, -1))))
			}
			if c.NeedsGrad(1) {
				gs[1] = Mul(g, Mul(c.Output, Log(a)))
			}
			return gs
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			a, b := c.Inputs[0], c.Inputs[1]
			var da, db *Tensor
			if d[0] != nil {
				da = Mul(d[0], Mul(b, Pow(a, AddScalar(b, -1))))
			}
			if d[1] != nil {
				db = Mul(d[1], Mul(c.Output, Log(a)))
			}
			return tAdd(da, db)
		},
		Cases: []Case{
			{Name: "vector", Shapes: [][]int{{4}, {4}}, Lo: 0.5, Hi: 2},
			{Name: "row-broadcast", Shapes: [][]int{{2, 3}, {3}}, Lo: 0.5, Hi: 2},
		},
	})
}

// Pow returns a^b elementwise, broadcasting. For a < 0 the result is NaN
// unless b is an integer; use PowScalar for a constant exponent.
func Pow(a, b *Tensor) *Tensor { return powOp.Apply(nil, a, b) }

var powScalarOp *Op

func init() {
	powScalarOp = Register(&Op{
		Name:          "pow_scalar",
		BroadcastGrad: true,
		Forward: func(c *Ctx) *Tensor {
			p := c.Params.(float64)
			switch p {
			case 2:
				return fastUnary(c.Inputs[0], kernel.Square)
			case 0.5:
				return unaryForward(c.Inputs[0], math.Sqrt)
			}
			return unaryForward(c.Inputs[0], func(x float64) float64 { return math.Pow(x, p) })
		},
		// d(x^p) = p·x^(p-1)·dx
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			x, p := c.Inputs[0], c.Params.(float64)
			if gv, ok := constantScalar(g, x); ok && p == 2 {
				// A summed square's gradient: one pass over x, not three,
				// rounded as g·(2x) is (doubling is exact).
				return []*Tensor{scale(x, 2*gv)}
			}
			if p == 2 && !GradEnabled() && !traceScratch && g.tangent == nil && x.tangent == nil {
				// 2·(g·x) with the doubling in place: one tensor, not two.
				d := Mul(g, x)
				scaleInPlace(d, 2)
				return []*Tensor{d}
			}
			return []*Tensor{Mul(g, powScalarDeriv(x, p))}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			return Mul(d[0], powScalarDeriv(c.Inputs[0], c.Params.(float64)))
		},
		Cases: []Case{
			{Name: "square", Shapes: [][]int{{2, 3}}, Params: 2.0},
			{Name: "cube", Shapes: [][]int{{4}}, Params: 3.0},
			{Name: "sqrt", Shapes: [][]int{{4}}, Params: 0.5, Lo: 0.5, Hi: 2},
			{Name: "inverse", Shapes: [][]int{{4}}, Params: -1.0, Lo: 0.5, Hi: 2, AwayFromZero: true},
			{Name: "fractional", Shapes: [][]int{{}}, Params: 2.5, Lo: 0.5, Hi: 2},
		},
	})
}

// constantScalar returns the value of g when it is a one-element gradient
// that a rule may fold into a constant: nothing records the pass and neither
// g nor x carries a forward-mode tangent.
func constantScalar(g, x *Tensor) (float64, bool) {
	if g.Size() != 1 || GradEnabled() || g.tangent != nil || x.tangent != nil || tracingAtTop() {
		return 0, false
	}
	return g.at(0), true
}

func powScalarDeriv(x *Tensor, p float64) *Tensor {
	switch p {
	case 0:
		return ZerosLike(x)
	case 1:
		return OnesLike(x)
	case 2:
		return MulScalar(x, 2)
	}
	return MulScalar(PowScalar(x, p-1), p)
}

// PowScalar returns x^p elementwise for a constant exponent p.
func PowScalar(x *Tensor, p float64) *Tensor { return powScalarOp.Apply(p, x) }

var expOp *Op

func init() {
	expOp = Register(&Op{
		Name:          "exp",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return expForward(c.Inputs[0]) },
		VJP:           func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Mul(g, c.Output)} },
		JVP:           func(c *Ctx, d []*Tensor) *Tensor { return Mul(d[0], c.Output) },
		Cases:         unaryCases(-2, 2),
	})
}

// expForward is e^x by kernel.Exp (vectorised; float32 computed in float64
// and rounded once).
func expForward(x *Tensor) *Tensor { return kernelForward(x, kernel.Exp[float32], kernel.Exp[float64]) }

// Exp returns e^x elementwise, by a vectorised kernel (AVX2 assembly on
// amd64) within 0.7 ulp of the exact value; float32 is correctly rounded.
// On CPUs without a fused multiply-add it is math.Exp.
func Exp(x *Tensor) *Tensor { return expOp.Apply(nil, x) }

var logOp *Op

func init() {
	logOp = Register(&Op{
		Name:          "log",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return unaryForward(c.Inputs[0], math.Log) },
		VJP:           func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Div(g, c.Inputs[0])} },
		JVP:           func(c *Ctx, d []*Tensor) *Tensor { return Div(d[0], c.Inputs[0]) },
		Cases:         unaryCases(0.2, 3),
	})
}

// Log returns the natural logarithm elementwise.
func Log(x *Tensor) *Tensor { return logOp.Apply(nil, x) }

var log1pOp *Op

func init() {
	log1pOp = Register(&Op{
		Name:          "log1p",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return unaryForward(c.Inputs[0], math.Log1p) },
		VJP:           func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Div(g, AddScalar(c.Inputs[0], 1))} },
		JVP:           func(c *Ctx, d []*Tensor) *Tensor { return Div(d[0], AddScalar(c.Inputs[0], 1)) },
		Cases:         unaryCases(-0.5, 2),
	})
}

// Log1p returns log(1+x) elementwise, accurate for small x.
func Log1p(x *Tensor) *Tensor { return log1pOp.Apply(nil, x) }

var expm1Op *Op

func init() {
	expm1Op = Register(&Op{
		Name:          "expm1",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return unaryForward(c.Inputs[0], math.Expm1) },
		VJP:           func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Mul(g, AddScalar(c.Output, 1))} },
		JVP:           func(c *Ctx, d []*Tensor) *Tensor { return Mul(d[0], AddScalar(c.Output, 1)) },
		Cases:         unaryCases(-2, 2),
	})
}

// Expm1 returns e^x - 1 elementwise, accurate for small x.
func Expm1(x *Tensor) *Tensor { return expm1Op.Apply(nil, x) }

var sqrtOp *Op

func init() {
	sqrtOp = Register(&Op{
		Name:          "sqrt",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return unaryForward(c.Inputs[0], math.Sqrt) },
		VJP:           func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Div(g, MulScalar(c.Output, 2))} },
		JVP:           func(c *Ctx, d []*Tensor) *Tensor { return Div(d[0], MulScalar(c.Output, 2)) },
		Cases:         unaryCases(0.2, 3),
	})
}

// Sqrt returns the square root elementwise.
func Sqrt(x *Tensor) *Tensor { return sqrtOp.Apply(nil, x) }

var absOp *Op

func init() {
	absOp = Register(&Op{
		Name:          "abs",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return fastUnary(c.Inputs[0], kernel.Abs) },
		// abs'(0) = 0 by convention (sign(0) = 0), as in PyTorch.
		VJP:   func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Mul(g, Sign(c.Inputs[0]))} },
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return Mul(d[0], Sign(c.Inputs[0])) },
		Cases: kinkedCases(0.1, 2),
	})
}

// Abs returns |x| elementwise. Its derivative at 0 is taken to be 0.
func Abs(x *Tensor) *Tensor { return absOp.Apply(nil, x) }

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return x // keeps 0, -0 and NaN
}

var signOp *Op

func init() {
	signOp = Register(&Op{
		Name:    "sign",
		Forward: func(c *Ctx) *Tensor { return unaryForward(c.Inputs[0], sign) },
		VJP:     func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{nil} },
		JVP:     func(c *Ctx, d []*Tensor) *Tensor { return ZerosLike(c.Output) },
		Cases:   kinkedCases(0.1, 2),
	})
}

// Sign returns -1, 0 or 1 elementwise; its gradient is zero.
func Sign(x *Tensor) *Tensor { return signOp.Apply(nil, x) }

var sinOp *Op

func init() {
	sinOp = Register(&Op{
		Name:          "sin",
		BroadcastGrad: true,
		// When recording, the forward pass computes sin and cos together and
		// keeps cos for the rule, which saves the backward pass a cos.
		Forward: func(c *Ctx) *Tensor {
			x := c.Inputs[0]
			if !c.Recording() && x.tangent == nil {
				return unaryForward(x, math.Sin)
			}
			out, cos := newTensorRaw(x.dtype, x.shape), newTensorRaw(x.dtype, x.shape)
			if x.dtype == Float32 {
				kernel.Sincos(out.f32, cos.f32, x.f32)
			} else {
				kernel.Sincos(out.f64, cos.f64, x.f64)
			}
			c.saved = cos
			return out
		},
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			x := c.Inputs[0]
			if x.tangent != nil && c.saved != nil && !GradEnabled() {
				// Forward over reverse (an HVP): cos x as a dual number built
				// from what the forward pass has, cos x and sin x, rather
				// than computed again: d cos x = −sin x·dx.
				cos := Dual(c.saved, Neg(Mul(c.Output.Detach(), x.tangent)))
				return []*Tensor{Mul(g, cos)}
			}
			return []*Tensor{Mul(g, savedOr(c, Cos))}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			if c.saved != nil && (!GradEnabled() || !c.Inputs[0].requiresGrad) {
				// cos x from the forward pass, when the tangent needs no
				// graph of its own (reverse over forward differentiates it).
				return Mul(d[0], c.saved)
			}
			return Mul(d[0], Cos(c.Inputs[0]))
		},
		Cases: unaryCases(-3, 3),
	})
}

// savedOr returns the by-product the forward pass saved, or f(input) when it
// saved none, when the backward pass is being recorded, or when the input
// carries a forward-mode tangent (the saved values are constants and would
// hide the second derivative, or the tangent of the gradient).
func savedOr(c *Ctx, f func(*Tensor) *Tensor) *Tensor {
	if c.saved != nil && !GradEnabled() && c.Inputs[0].tangent == nil {
		return c.saved
	}
	return f(c.Inputs[0])
}

// Sin returns the sine elementwise.
func Sin(x *Tensor) *Tensor { return sinOp.Apply(nil, x) }

var cosOp *Op

func init() {
	cosOp = Register(&Op{
		Name:          "cos",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return unaryForward(c.Inputs[0], math.Cos) },
		VJP:           func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Neg(Mul(g, Sin(c.Inputs[0])))} },
		JVP:           func(c *Ctx, d []*Tensor) *Tensor { return Neg(Mul(d[0], Sin(c.Inputs[0]))) },
		Cases:         unaryCases(-3, 3),
	})
}

// Cos returns the cosine elementwise.
func Cos(x *Tensor) *Tensor { return cosOp.Apply(nil, x) }

var tanOp *Op

func init() {
	tanOp = Register(&Op{
		Name:          "tan",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return unaryForward(c.Inputs[0], math.Tan) },
		// tan' = 1 + tan²
		VJP:   func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Mul(g, AddScalar(Square(c.Output), 1))} },
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return Mul(d[0], AddScalar(Square(c.Output), 1)) },
		Cases: unaryCases(-1.2, 1.2),
	})
}

// Tan returns the tangent elementwise.
func Tan(x *Tensor) *Tensor { return tanOp.Apply(nil, x) }

var tanhOp *Op

func init() {
	tanhOp = Register(&Op{
		Name:          "tanh",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return unaryForward(c.Inputs[0], math.Tanh) },
		// tanh' = 1 - tanh²
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			if y := c.Output; fusedGrad(g, y) {
				return []*Tensor{tanhGradOp.Apply(nil, g, y)}
			}
			return []*Tensor{Mul(g, RSub(1, Square(c.Output)))}
		},
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return Mul(d[0], RSub(1, Square(c.Output))) },
		Cases: unaryCases(-2, 2),
	})
}

// Tanh returns the hyperbolic tangent elementwise.
func Tanh(x *Tensor) *Tensor { return tanhOp.Apply(nil, x) }

// sigmoidForward is computed without overflow for any x: for x < 0 it uses
// e^x/(1+e^x), where e^x cannot overflow (kernel.Sigmoid, with kernel.Exp's
// e^-|x|).
func sigmoidForward(x *Tensor) *Tensor {
	return kernelForward(x, kernel.Sigmoid[float32], kernel.Sigmoid[float64])
}

var sigmoidOp *Op

func init() {
	sigmoidOp = Register(&Op{
		Name:          "sigmoid",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return sigmoidForward(c.Inputs[0]) },
		// σ' = σ(1-σ)
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			if y := c.Output; fusedGrad(g, y) {
				return []*Tensor{sigmoidGradOp.Apply(nil, g, y)}
			}
			return []*Tensor{Mul(g, Mul(c.Output, RSub(1, c.Output)))}
		},
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return Mul(d[0], Mul(c.Output, RSub(1, c.Output))) },
		Cases: unaryCases(-3, 3),
	})
}

// Sigmoid returns 1/(1+e^-x) elementwise, without overflow at ±1000.
func Sigmoid(x *Tensor) *Tensor { return sigmoidOp.Apply(nil, x) }

var reluOp *Op

func init() {
	reluOp = Register(&Op{
		Name:          "relu",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return fastUnary(c.Inputs[0], kernel.Relu) },
		// relu'(0) = 0 by convention, as in PyTorch.
		VJP:   func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Mul(g, fastUnary(c.Inputs[0], kernel.Positive))} },
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return Mul(d[0], fastUnary(c.Inputs[0], kernel.Positive)) },
		Cases: kinkedCases(0.1, 2),
	})
}

// Relu returns max(x, 0) elementwise. Its derivative at 0 is taken to be 0.
func Relu(x *Tensor) *Tensor { return reluOp.Apply(nil, x) }

var leakyReluOp *Op

func init() {
	leakyReluOp = Register(&Op{
		Name:          "leaky_relu",
		BroadcastGrad: true,
		Forward: func(c *Ctx) *Tensor {
			s := c.Params.(float64)
			return unaryForward(c.Inputs[0], func(x float64) float64 {
				if x > 0 {
					return x
				}
				return s * x
			})
		},
		VJP:   func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Mul(g, leakySlope(c))} },
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return Mul(d[0], leakySlope(c)) },
		Cases: []Case{{Name: "matrix", Shapes: [][]int{{2, 3}}, Params: 0.1, Lo: 0.1, Hi: 2, AwayFromZero: true}},
	})
}

func leakySlope(c *Ctx) *Tensor {
	s := c.Params.(float64)
	return unaryForward(c.Inputs[0], func(x float64) float64 {
		if x > 0 {
			return 1
		}
		return s
	})
}

// LeakyRelu returns x for x > 0 and slope·x otherwise.
func LeakyRelu(x *Tensor, slope float64) *Tensor { return leakyReluOp.Apply(slope, x) }

var eluOp *Op

func init() {
	eluOp = Register(&Op{
		Name:          "elu",
		BroadcastGrad: true,
		Forward: func(c *Ctx) *Tensor {
			a := c.Params.(float64)
			return unaryForward(c.Inputs[0], func(x float64) float64 {
				if x > 0 {
					return x
				}
				return a * math.Expm1(x)
			})
		},
		// elu'(x) = 1 for x > 0, elu(x) + α otherwise
		VJP:   func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Mul(g, eluDeriv(c))} },
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return Mul(d[0], eluDeriv(c)) },
		Cases: []Case{{Name: "matrix", Shapes: [][]int{{2, 3}}, Params: 1.0, Lo: 0.1, Hi: 2, AwayFromZero: true}},
	})
}

func eluDeriv(c *Ctx) *Tensor {
	pos := fastUnary(c.Inputs[0], kernel.Positive)
	return Where(pos, OnesLike(pos), AddScalar(c.Output, c.Params.(float64)))
}

// Elu returns x for x > 0 and alpha·(e^x - 1) otherwise.
func Elu(x *Tensor, alpha float64) *Tensor { return eluOp.Apply(alpha, x) }

// softplusForward is max(x,0) + log1p(e^-|x|): no overflow, and exact for
// large |x| (kernel.Softplus, with kernel.Exp's e^-|x|).
func softplusForward(x *Tensor) *Tensor {
	return kernelForward(x, kernel.Softplus[float32], kernel.Softplus[float64])
}

var softplusOp *Op

func init() {
	softplusOp = Register(&Op{
		Name:          "softplus",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return softplusForward(c.Inputs[0]) },
		VJP:           func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Mul(g, Sigmoid(c.Inputs[0]))} },
		JVP:           func(c *Ctx, d []*Tensor) *Tensor { return Mul(d[0], Sigmoid(c.Inputs[0])) },
		Cases:         unaryCases(-3, 3),
	})
}

// Softplus returns log(1 + e^x) elementwise, computed stably.
func Softplus(x *Tensor) *Tensor { return softplusOp.Apply(nil, x) }

var erfOp *Op

func init() {
	erfOp = Register(&Op{
		Name:          "erf",
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return unaryForward(c.Inputs[0], math.Erf) },
		// erf'(x) = 2/√π · e^(-x²)
		VJP:   func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Mul(g, erfDeriv(c.Inputs[0]))} },
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return Mul(d[0], erfDeriv(c.Inputs[0])) },
		Cases: unaryCases(-2, 2),
	})
}

func erfDeriv(x *Tensor) *Tensor { return MulScalar(Exp(Neg(Square(x))), 2/math.SqrtPi) }

// Erf returns the error function elementwise.
func Erf(x *Tensor) *Tensor { return erfOp.Apply(nil, x) }

type clampParams struct{ Lo, Hi float64 }

var clampOp *Op

func init() {
	clampOp = Register(&Op{
		Name:          "clamp",
		BroadcastGrad: true,
		Forward: func(c *Ctx) *Tensor {
			p := c.Params.(clampParams)
			return unaryForward(c.Inputs[0], func(x float64) float64 { return math.Min(math.Max(x, p.Lo), p.Hi) })
		},
		// The gradient passes where lo ≤ x ≤ hi (bounds included, as in PyTorch).
		VJP:   func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Mul(g, clampMask(c))} },
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return Mul(d[0], clampMask(c)) },
		Cases: []Case{{Name: "matrix", Shapes: [][]int{{3, 4}}, Params: clampParams{-1, 1}, Lo: -2, Hi: 2}},
	})
}

func clampMask(c *Ctx) *Tensor {
	p := c.Params.(clampParams)
	return maskOf(c.Inputs[0], func(x float64) bool { return x >= p.Lo && x <= p.Hi })
}

// Clamp limits x elementwise to [lo, hi] (use ±Inf for one-sided limits).
func Clamp(x *Tensor, lo, hi float64) *Tensor {
	if lo > hi {
		panicf("clamp", "lower bound %v is above upper bound %v", lo, hi)
	}
	return clampOp.Apply(clampParams{lo, hi}, x)
}

// maximumMask gives the share of the gradient that goes to a in max(a, b):
// 1 where a wins, 0 where b wins, and ½ each on ties, as PyTorch does.
func tieMask(a, b *Tensor, aWins func(x, y float64) bool) *Tensor {
	if tracingAtTop() {
		return opaque("tie-mask", func(xs []*Tensor) *Tensor { return tieMask(xs[0], xs[1], aWins) }, a, b)
	}
	dt := checkDType("maximum", a, b)
	shape := broadcastShapes("maximum", a.shape, b.shape)
	ea, eb := Expand(a.Detach(), shape...), Expand(b.Detach(), shape...)
	m := newTensor(dt, shape)
	for i := 0; i < m.Size(); i++ {
		x, y := ea.at(i), eb.at(i)
		switch {
		case x == y:
			m.set(i, 0.5)
		case aWins(x, y):
			m.set(i, 1)
		}
	}
	return m
}

func minMaxOp(name string, k kernel.BinOp, aWins func(x, y float64) bool) *Op {
	return &Op{
		Name:          name,
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return binaryForward(name, k, c.Inputs[0], c.Inputs[1]) },
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			m := tieMask(c.Inputs[0], c.Inputs[1], aWins)
			return []*Tensor{Mul(g, m), Mul(g, RSub(1, m))}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			m := tieMask(c.Inputs[0], c.Inputs[1], aWins)
			return tAdd(tMul(d[0], m), tMul(d[1], RSub(1, m)))
		},
		Cases: binaryCases(-2, 2),
	}
}

var maximumOp *Op

func init() {
	maximumOp = Register(minMaxOp("maximum", kernel.Max, func(x, y float64) bool { return x > y }))
}

var minimumOp *Op

func init() {
	minimumOp = Register(minMaxOp("minimum", kernel.Min, func(x, y float64) bool { return x < y }))
}

// Maximum returns the elementwise maximum of a and b, broadcasting. On ties the
// gradient is split equally between a and b.
func Maximum(a, b *Tensor) *Tensor { return maximumOp.Apply(nil, a, b) }

// Minimum returns the elementwise minimum of a and b, broadcasting. On ties the
// gradient is split equally between a and b.
func Minimum(a, b *Tensor) *Tensor { return minimumOp.Apply(nil, a, b) }

var whereOp *Op

func init() {
	whereOp = Register(&Op{
		Name: "where",
		Forward: func(c *Ctx) *Tensor {
			cond, a, b := c.Inputs[0], c.Inputs[1], c.Inputs[2]
			dt := checkDType("where", a, b)
			shape := broadcastShapes("where", cond.shape, a.shape, b.shape)
			ec, ea, eb := Expand(cond.Detach(), shape...), Expand(a.Detach(), shape...), Expand(b.Detach(), shape...)
			out := newTensor(dt, shape)
			keep := ec.f64 == nil // a float32 condition
			if dt == Float32 {
				selectInto(out.f32, ea.f32, eb.f32, ec.f64, ec.f32, keep)
			} else {
				selectInto(out.f64, ea.f64, eb.f64, ec.f64, ec.f32, keep)
			}
			return out
		},
		// The gradient is routed, not multiplied, so a NaN or Inf in the branch not
		// taken never leaks into the other branch's gradient.
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			cond := c.Inputs[0].Detach()
			z := ZerosLike(g)
			gs := []*Tensor{nil, nil, nil}
			if c.NeedsGrad(1) {
				gs[1] = Where(cond, g, z)
			}
			if c.NeedsGrad(2) {
				gs[2] = Where(cond, z, g)
			}
			return gs
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			cond := c.Inputs[0].Detach()
			da, db := d[1], d[2]
			if da == nil {
				da = ZerosLike(c.Output)
			}
			if db == nil {
				db = ZerosLike(c.Output)
			}
			return Where(cond, da, db)
		},
		Cases: []Case{{
			Name: "broadcast", Constant: []int{0},
			Make: func(r *randSource) []*Tensor {
				cond := Zeros(2, 3)
				for i := range cond.f64 {
					cond.f64[i] = float64(r.IntN(2))
				}
				return []*Tensor{cond, Uniform(r, -2, 2, 2, 3), Uniform(r, -2, 2, 3)}
			},
		}},
	})
}

// selectInto sets dst[i] to a[i] where the condition (c64 or, when use32,
// c32) is nonzero and to b[i] elsewhere.
func selectInto[T kernel.Float](dst, a, b []T, c64 []float64, c32 []float32, use32 bool) {
	for i := range dst {
		if use32 && c32[i] != 0 || !use32 && c64[i] != 0 {
			dst[i] = a[i]
		} else {
			dst[i] = b[i]
		}
	}
}

// Where returns a where cond is nonzero and b elsewhere, broadcasting all
// three. cond is a constant: no gradient flows to it.
func Where(cond, a, b *Tensor) *Tensor { return whereOp.Apply(nil, cond, a, b) }

var castOp *Op

func init() {
	castOp = Register(&Op{
		Name:          "cast",
		BroadcastGrad: true,
		Forward: func(c *Ctx) *Tensor {
			x, dt := c.Inputs[0], c.Params.(DType)
			out := newTensor(dt, x.shape)
			for i := 0; i < out.Size(); i++ {
				out.set(i, x.at(i))
			}
			return out
		},
		VJP:   func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{g.As(c.Inputs[0].dtype)} },
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return d[0].As(c.Params.(DType)) },
		Cases: []Case{{Name: "to-float64", Shapes: [][]int{{3}}, Params: Float64}},
	})
}

// As returns t converted to dtype dt (t itself if it already has that dtype).
// Gradients flow back through the conversion.
func (t *Tensor) As(dt DType) *Tensor {
	if t.dtype == dt {
		return t
	}
	return castOp.Apply(dt, t)
}

// scaleInPlace multiplies the values of t, a tensor its caller just made
// and nothing else holds, by a.
func scaleInPlace(t *Tensor, a float64) {
	if t.dtype == Float32 {
		kernel.Affine(t.f32, t.f32, a, 0)
	} else {
		kernel.Affine(t.f64, t.f64, a, 0)
	}
}

func addInPlace(dst, src *Tensor) {
	checkSameShape("accumulate", dst, src)
	checkDType("accumulate", dst, src)
	if dst.dtype == Float32 {
		kernel.AddInPlace(dst.f32, src.f32)
	} else {
		kernel.AddInPlace(dst.f64, src.f64)
	}
}

// fusedGrad reports whether a rule may compute its gradient from g and its
// output y in one fused op: the pass is not recorded (the fused op has no
// derivative), nothing carries a tangent, and g has y's whole shape.
func fusedGrad(g, y *Tensor) bool {
	return !GradEnabled() && g.tangent == nil && y.tangent == nil && sameShape(g.shape, y.shape) && g.dtype == y.dtype
}

// gradKernelOp is an unregistered op computing a rule's gradient from g and
// the op's output in one pass, for passes that are not recorded. It is
// never differentiated (fusedGrad), so it has no rules of its own; the
// rules it serves are checked by the registry walk through their ops.
func gradKernelOp(name string, f32 func(d, g, y []float32), f64 func(d, g, y []float64)) *Op {
	return &Op{
		Name: name,
		Forward: func(c *Ctx) *Tensor {
			g, y := c.Inputs[0], c.Inputs[1]
			out := newTensorRaw(y.dtype, y.shape)
			if y.dtype == Float32 {
				f32(out.f32, g.f32, y.f32)
			} else {
				f64(out.f64, g.f64, y.f64)
			}
			return out
		},
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			panicf(name, "internal error: a fused gradient was recorded")
			return nil
		},
	}
}

var (
	tanhGradOp    = gradKernelOp("tanh_grad", kernel.TanhGrad[float32], kernel.TanhGrad[float64])
	sigmoidGradOp = gradKernelOp("sigmoid_grad", kernel.SigmoidGrad[float32], kernel.SigmoidGrad[float64])
)
