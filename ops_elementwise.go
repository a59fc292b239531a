package nabla

import (
	"math"

	"github.com/nabla-go/nabla/internal/kernel"
)

// This file defines the elementwise primitives. Each op's forward, VJP (reverse
// rule) and JVP (forward rule) sit together; the math of a rule is in a comment
// when it is not obvious. Broadcasting is undone by the engine, not here.

func unaryForward(x *Tensor, f func(float64) float64) *Tensor {
	out := newTensorRaw(live(x.tape), x.dtype, x.shape)
	if x.dtype == Float32 {
		kernel.Map(out.f32, x.f32, f)
	} else {
		kernel.Map(out.f64, x.f64, f)
	}
	return out
}

// kernelForward applies an elementwise kernel of the given instances.
func kernelForward(x *Tensor, f32 func(dst, src []float32), f64 func(dst, src []float64)) *Tensor {
	out := newTensorRaw(live(x.tape), x.dtype, x.shape)
	if x.dtype == Float32 {
		f32(out.f32, x.f32)
	} else {
		f64(out.f64, x.f64)
	}
	return out
}

// fastUnary applies one of the kernel's hand-written elementwise loops.
func fastUnary(x *Tensor, op kernel.UnaryOp) *Tensor {
	out := newTensorRaw(live(x.tape), x.dtype, x.shape)
	if x.dtype == Float32 {
		kernel.Unary(op, out.f32, x.f32)
	} else {
		kernel.Unary(op, out.f64, x.f64)
	}
	return out
}

func binaryForward(name string, k kernel.BinOp, a, b *Tensor) *Tensor {
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
	out := newTensorRaw(tapeOf2(a, b), dt, shape)
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
	return opaqueElementwise("mask", func(xs []*Tensor) *Tensor {
		return unaryForward(xs[0], func(v float64) float64 {
			if pred(v) {
				return 1
			}
			return 0
		})
	}, x)
}

// valueOp returns an op without derivatives that applies one of the
// kernel's elementwise loops: the constant factors of rules (relu's mask).
func valueOp(name string, k kernel.UnaryOp) *Op {
	return &Op{Name: name, Forward: func(c *Ctx) *Tensor { return fastUnary(c.Inputs[0], k) }, Batch: batchUnary, constant: true}
}

// positiveOp is 1 where x > 0 and 0 elsewhere.
var positiveOp = valueOp("positive", kernel.Positive)

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

// unaryOp defines an elementwise op from its forward computation and its
// chain rule: chain(c, d) is d·f′(x), the derivative applied to d. The VJP
// is chain(g) and the JVP is chain(ẋ): one statement of the math serves
// both modes.
func unaryOp(name string, forward func(c *Ctx) *Tensor, chain func(c *Ctx, d *Tensor) *Tensor, cases []Case) *Op {
	return &Op{
		Name:          name,
		BroadcastGrad: true,
		Forward:       forward,
		VJP:           func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{chain(c, g)} },
		JVP:           func(c *Ctx, d []*Tensor) *Tensor { return chain(c, d[0]) },
		Batch:         batchUnary,
		Cases:         cases,
		elementwise:   true,
	}
}

// binaryOp defines an elementwise op of two inputs computed by one of the
// kernel's binary loops, with its VJP and JVP; an op whose loop the kernel
// does not define is an error at registration.
func binaryOp(name string, k kernel.BinOp, vjp func(c *Ctx, g *Tensor) []*Tensor, jvp func(c *Ctx, d []*Tensor) *Tensor, cases []Case) *Op {
	if !k.Defined() {
		panicf("Register", "op %q uses a binary kernel loop that internal/kernel does not define", name)
	}
	return &Op{
		Name:          name,
		BroadcastGrad: true,
		Forward:       func(c *Ctx) *Tensor { return binaryForward(name, k, c.Inputs[0], c.Inputs[1]) },
		VJP:           vjp,
		JVP:           jvp,
		Batch:         batchElementwise,
		Cases:         cases,
	}
}

type affineParams struct{ a, b float64 }

var affineOp *Op

func init() {
	affineOp = Register(&Op{
		Name:          "affine",
		Jet:           JetLinear,
		Batch:         batchUnary,
		BroadcastGrad: true,
		// a·x + b for constants a and b: negation and all scalar arithmetic in
		// one pass, without a scalar tensor to broadcast.
		Forward: func(c *Ctx) *Tensor {
			x, p := c.Inputs[0], c.Params.(*affineParams)
			out := newTensorRaw(c.tape, x.dtype, x.shape)
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

var subOp, addOp, mulOp, divOp, powOp, atan2Op *Op

func init() {
	subOp = Register(binaryOp("sub", kernel.Sub,
		func(c *Ctx, g *Tensor) []*Tensor {
			gs := []*Tensor{g, nil}
			if c.NeedsGrad(1) {
				gs[1] = Neg(g)
			}
			return gs
		},
		func(c *Ctx, d []*Tensor) *Tensor {
			if d[1] == nil {
				return d[0]
			}
			return tAdd(d[0], Neg(d[1]))
		},
		binaryCases(-2, 2)))
	subOp.Jet = JetLinear

	addOp = Register(binaryOp("add", kernel.Add,
		func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{g, g} },
		func(c *Ctx, d []*Tensor) *Tensor { return tAdd(d[0], d[1]) },
		binaryCases(-2, 2)))
	addOp.Jet = JetLinear

	// d(a·b) = da·b + a·db
	mulOp = Register(binaryOp("mul", kernel.Mul,
		func(c *Ctx, g *Tensor) []*Tensor {
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
		func(c *Ctx, d []*Tensor) *Tensor { return tAdd(tMul(d[0], c.Inputs[1]), tMul(d[1], c.Inputs[0])) },
		binaryCases(-2, 2)))
	mulOp.Jet = JetBilinear

	// d(a/b) = da/b - (a/b)·db/b
	divOp = Register(binaryOp("div", kernel.Div,
		func(c *Ctx, g *Tensor) []*Tensor {
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
		func(c *Ctx, d []*Tensor) *Tensor {
			b := c.Inputs[1]
			return tAdd(tMul(d[0], Reciprocal(b)), tMul(d[1], Neg(Div(c.Output, b))))
		},
		[]Case{
			{Name: "vector", Shapes: [][]int{{4}, {4}}, Lo: 0.5, Hi: 2, AwayFromZero: true},
			{Name: "row-broadcast", Shapes: [][]int{{2, 3}, {3}}, Lo: 0.5, Hi: 2, AwayFromZero: true},
			{Name: "scalar-broadcast", Shapes: [][]int{{}, {2, 3}}, Lo: 0.5, Hi: 2, AwayFromZero: true},
		}))
	divOp.Jet = jetDiv

	// d(a^b) = b·a^(b-1)·da + a^b·log(a)·db
	powOp = Register(binaryOp("pow", kernel.Pow,
		func(c *Ctx, g *Tensor) []*Tensor {
			gs := make([]*Tensor, 2)
			if c.NeedsGrad(0) {
				gs[0] = Mul(g, powDA(c))
			}
			if c.NeedsGrad(1) {
				gs[1] = Mul(g, powDB(c))
			}
			return gs
		},
		func(c *Ctx, d []*Tensor) *Tensor { return tAdd(tMul(d[0], powDA(c)), tMul(d[1], powDB(c))) },
		[]Case{
			{Name: "vector", Shapes: [][]int{{4}, {4}}, Lo: 0.5, Hi: 2},
			{Name: "row-broadcast", Shapes: [][]int{{2, 3}, {3}}, Lo: 0.5, Hi: 2},
		}))
	powOp.Jet = jetPow

	// d atan2(a, b) = (b·da − a·db) / (a² + b²)
	atan2Op = Register(binaryOp("atan2", kernel.Atan2,
		func(c *Ctx, g *Tensor) []*Tensor {
			gr := Div(g, atan2R2(c))
			return []*Tensor{Mul(gr, c.Inputs[1]), Neg(Mul(gr, c.Inputs[0]))}
		},
		func(c *Ctx, d []*Tensor) *Tensor {
			r2 := atan2R2(c)
			return tAdd(tMul(d[0], Div(c.Inputs[1], r2)), tMul(d[1], Neg(Div(c.Inputs[0], r2))))
		},
		[]Case{
			{Name: "vector", Shapes: [][]int{{4}, {4}}, Lo: 0.5, Hi: 2, AwayFromZero: true},
			{Name: "row-broadcast", Shapes: [][]int{{2, 3}, {3}}, Lo: 0.5, Hi: 2, AwayFromZero: true},
		}))
	atan2Op.Jet = jetAtan2
}

// Sub returns a - b, broadcasting.
func Sub(a, b *Tensor) *Tensor { return subOp.Apply(nil, a, b) }

// Add returns a + b, broadcasting.
func Add(a, b *Tensor) *Tensor { return addOp.Apply(nil, a, b) }

// Mul returns a * b elementwise, broadcasting.
func Mul(a, b *Tensor) *Tensor { return mulOp.Apply(nil, a, b) }

// Div returns a / b elementwise, broadcasting.
func Div(a, b *Tensor) *Tensor { return divOp.Apply(nil, a, b) }

func powDA(c *Ctx) *Tensor {
	a, b := c.Inputs[0], c.Inputs[1]
	return Mul(b, Pow(a, AddScalar(b, -1)))
}

// powDB is ∂(a^b)/∂b = a^b·log a, taken to be 0 where a = 0 and b ≥ 0 (the
// limit from above, as in PyTorch), not 0·(−∞): log reads 1 there, so that
// the derivatives of this one are finite too.
func powDB(c *Ctx) *Tensor {
	a, b := c.Inputs[0], c.Inputs[1]
	zero := opaqueElementwise("pow-zero-base", func(xs []*Tensor) *Tensor {
		a, b := xs[0], xs[1]
		shape := broadcastShapes("pow", a.shape, b.shape)
		ea, eb := Expand(a, shape...), Expand(b, shape...)
		m := newTensor(tapeOf2(a, b), a.dtype, shape)
		for i := 0; i < m.Size(); i++ {
			if ea.at(i) == 0 && eb.at(i) >= 0 {
				m.set(i, 1)
			}
		}
		return m
	}, a, b)
	return Mul(c.Output, Log(Where(zero, OnesLike(zero), a)))
}

// Pow returns a^b elementwise, broadcasting, by a vectorised kernel within
// 1 ulp of the exact value, with math.Pow's special cases. For a < 0 the
// result is NaN unless b is an integer; use PowScalar for a constant
// exponent.
func Pow(a, b *Tensor) *Tensor { return powOp.Apply(nil, a, b) }

func atan2R2(c *Ctx) *Tensor {
	a, b := c.Inputs[0], c.Inputs[1]
	return Add(Square(a), Square(b))
}

// Atan2 returns the angle of the point (b, a) elementwise, in [-π, π],
// broadcasting: atan(a/b) with the quadrant from the signs of both, as
// math.Atan2(a, b).
func Atan2(a, b *Tensor) *Tensor { return atan2Op.Apply(nil, a, b) }

var powScalarOp *Op

func init() {
	// d(x^p) = p·x^(p-1)·dx
	powScalarOp = unaryOp("pow_scalar",
		func(c *Ctx) *Tensor {
			p := c.Params.(float64)
			switch p {
			case 2:
				return fastUnary(c.Inputs[0], kernel.Square)
			case 0.5:
				return unaryForward(c.Inputs[0], math.Sqrt)
			}
			if x := c.Inputs[0]; x.dtype == Float32 && float64(float32(p)) != p {
				// p is not a float32: the float64 power, rounded once.
				return unaryForward(x, func(x float64) float64 { return kernel.PowScalar64(x, p) })
			}
			return kernelForward(c.Inputs[0], func(d, x []float32) { kernel.PowerScalar(d, x, float32(p)) },
				func(d, x []float64) { kernel.PowerScalar(d, x, p) })
		},
		func(c *Ctx, d *Tensor) *Tensor { return Mul(d, powScalarDeriv(c.Inputs[0], c.Params.(float64))) },
		[]Case{
			{Name: "square", Shapes: [][]int{{2, 3}}, Params: 2.0},
			{Name: "cube", Shapes: [][]int{{4}}, Params: 3.0},
			{Name: "sqrt", Shapes: [][]int{{4}}, Params: 0.5, Lo: 0.5, Hi: 2},
			{Name: "inverse", Shapes: [][]int{{4}}, Params: -1.0, Lo: 0.5, Hi: 2, AwayFromZero: true},
			{Name: "fractional", Shapes: [][]int{{}}, Params: 2.5, Lo: 0.5, Hi: 2},
		})
	powScalarOp.Jet = jetPowScalar
	// A square's gradient 2·g·x in one pass over x (g whole, or the one
	// value of a summed square's gradient).
	powScalarOp.FastVJP = func(c *Ctx, g *Tensor) []*Tensor {
		x := c.Inputs[0]
		if c.Params.(float64) != 2 || g.dtype != x.dtype || !(g.Size() == 1 || sameShape(g.shape, x.shape)) {
			return powScalarOp.VJP(c, g)
		}
		return []*Tensor{squareGradOp.Apply(nil, g, x)}
	}
	Register(powScalarOp)
}

// squareGradOp computes 2·g·x, for g of x's shape or of one element, rounded
// as g·(2x) is (doubling is exact).
var squareGradOp = &Op{
	Name:     "square_grad",
	Batch:    batchSquareGrad,
	constant: true,
	Forward: func(c *Ctx) *Tensor {
		g, x := c.Inputs[0], c.Inputs[1]
		out := newTensorRaw(c.tape, x.dtype, x.shape)
		switch {
		case x.dtype == Float32 && g.Size() == 1 && x.Size() != 1:
			kernel.Affine(out.f32, x.f32, 2*float64(g.f32[0]), 0)
		case x.dtype == Float32:
			kernel.Binary(kernel.Mul, out.f32, g.f32, x.f32, x.shape, nil, nil)
			kernel.Affine(out.f32, out.f32, 2, 0)
		case g.Size() == 1 && x.Size() != 1:
			kernel.Affine(out.f64, x.f64, 2*g.f64[0], 0)
		default:
			kernel.Binary(kernel.Mul, out.f64, g.f64, x.f64, x.shape, nil, nil)
			kernel.Affine(out.f64, out.f64, 2, 0)
		}
		return out
	},
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

var expOp, logOp, log1pOp, expm1Op, sqrtOp, absOp, sinOp, cosOp, tanOp, tanhOp, sigmoidOp, reluOp,
	leakyReluOp, eluOp, softplusOp, erfOp, atanOp *Op

func init() {
	expOp = Register(unaryOp("exp", func(c *Ctx) *Tensor { return expForward(c.Inputs[0]) },
		func(c *Ctx, d *Tensor) *Tensor { return Mul(d, c.Output) },
		unaryCases(-2, 2)))
	expOp.Jet = jetExp
	logOp = Register(unaryOp("log", func(c *Ctx) *Tensor { return kernelForward(c.Inputs[0], kernel.Log[float32], kernel.Log[float64]) },
		func(c *Ctx, d *Tensor) *Tensor { return Div(d, c.Inputs[0]) },
		unaryCases(0.2, 3)))
	logOp.Jet = jetLog
	log1pOp = Register(unaryOp("log1p", func(c *Ctx) *Tensor { return kernelForward(c.Inputs[0], kernel.Log1p[float32], kernel.Log1p[float64]) },
		func(c *Ctx, d *Tensor) *Tensor { return Div(d, AddScalar(c.Inputs[0], 1)) },
		unaryCases(-0.5, 2)))
	log1pOp.Jet = jetLog1p
	expm1Op = Register(unaryOp("expm1", func(c *Ctx) *Tensor { return kernelForward(c.Inputs[0], kernel.Expm1[float32], kernel.Expm1[float64]) },
		func(c *Ctx, d *Tensor) *Tensor { return Mul(d, AddScalar(c.Output, 1)) },
		unaryCases(-2, 2)))
	expm1Op.Jet = jetExpm1
	sqrtOp = Register(unaryOp("sqrt", func(c *Ctx) *Tensor { return unaryForward(c.Inputs[0], math.Sqrt) },
		func(c *Ctx, d *Tensor) *Tensor { return Div(d, MulScalar(c.Output, 2)) },
		unaryCases(0.2, 3)))
	sqrtOp.Jet = jetSqrt
	// abs'(0) = 0 by convention (sign(0) = 0), as in PyTorch.
	absOp = Register(unaryOp("abs", func(c *Ctx) *Tensor { return fastUnary(c.Inputs[0], kernel.Abs) },
		func(c *Ctx, d *Tensor) *Tensor { return Mul(d, Sign(c.Inputs[0])) },
		kinkedCases(0.1, 2)))
	absOp.Jet = JetLinear

	// sin' = cos. When the node is recorded, the forward pass computes sin
	// and cos together and the fast rules reuse the cos.
	sinOp = unaryOp("sin", func(c *Ctx) *Tensor { return kernelForward(c.Inputs[0], kernel.Sin[float32], kernel.Sin[float64]) },
		func(c *Ctx, d *Tensor) *Tensor { return Mul(d, Cos(c.Inputs[0])) },
		unaryCases(-3, 3))
	sinOp.SaveForward = func(c *Ctx) (*Tensor, *Tensor) {
		x := c.Inputs[0]
		out, cos := newTensorRaw(c.tape, x.dtype, x.shape), newTensorRaw(c.tape, x.dtype, x.shape)
		if x.dtype == Float32 {
			kernel.Sincos(out.f32, cos.f32, x.f32)
		} else {
			kernel.Sincos(out.f64, cos.f64, x.f64)
		}
		return out, cos
	}
	sinOp.FastVJP = func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Mul(g, c.Saved())} }
	sinOp.FastJVP = func(c *Ctx, d []*Tensor) *Tensor { return Mul(d[0], c.Saved()) }
	// d cos x = −sin x·dx
	sinOp.SavedJVP = func(c *Ctx, d []*Tensor) *Tensor { return Neg(Mul(c.Output, d[0])) }
	sinOp.Jet = jetSin
	Register(sinOp)

	cosOp = Register(unaryOp("cos", func(c *Ctx) *Tensor { return kernelForward(c.Inputs[0], kernel.Cos[float32], kernel.Cos[float64]) },
		func(c *Ctx, d *Tensor) *Tensor { return Neg(Mul(d, Sin(c.Inputs[0]))) },
		unaryCases(-3, 3)))
	cosOp.Jet = jetCos
	// tan' = 1 + tan²
	tanOp = Register(unaryOp("tan", func(c *Ctx) *Tensor { return kernelForward(c.Inputs[0], kernel.Tan[float32], kernel.Tan[float64]) },
		func(c *Ctx, d *Tensor) *Tensor { return Mul(d, AddScalar(Square(c.Output), 1)) },
		unaryCases(-1.2, 1.2)))
	tanOp.Jet = jetTan

	// tanh' = 1 - tanh²; the fast rule fuses it into one pass.
	tanhOp = unaryOp("tanh", func(c *Ctx) *Tensor { return kernelForward(c.Inputs[0], kernel.Tanh[float32], kernel.Tanh[float64]) },
		func(c *Ctx, d *Tensor) *Tensor { return Mul(d, RSub(1, Square(c.Output))) },
		unaryCases(-2, 2))
	tanhOp.FastVJP = fusedVJP(tanhOp, tanhGradOp)
	tanhOp.Jet = jetTanh
	Register(tanhOp)

	// σ' = σ(1-σ); the fast rule fuses it into one pass. The forward pass is
	// computed without overflow for any x: for x < 0 it uses e^x/(1+e^x),
	// where e^x cannot overflow (kernel.Sigmoid, one vectorised pass).
	sigmoidOp = unaryOp("sigmoid", func(c *Ctx) *Tensor { return sigmoidForward(c.Inputs[0]) },
		func(c *Ctx, d *Tensor) *Tensor { return Mul(d, Mul(c.Output, RSub(1, c.Output))) },
		unaryCases(-3, 3))
	sigmoidOp.FastVJP = fusedVJP(sigmoidOp, sigmoidGradOp)
	sigmoidOp.Jet = jetSigmoid
	Register(sigmoidOp)

	// relu'(0) = 0 by convention, as in PyTorch.
	// The fast rule masks g in one pass instead of making the mask.
	reluOp = unaryOp("relu", func(c *Ctx) *Tensor { return fastUnary(c.Inputs[0], kernel.Relu) },
		func(c *Ctx, d *Tensor) *Tensor { return Mul(d, positiveOp.Apply(nil, c.Inputs[0])) },
		kinkedCases(0.1, 2))
	reluOp.FastVJP = fusedVJP(reluOp, reluGradOp)
	reluOp.Jet = JetLinear
	Register(reluOp)

	leakyReluOp = Register(unaryOp("leaky_relu",
		func(c *Ctx) *Tensor {
			s := c.Params.(float64)
			return unaryForward(c.Inputs[0], func(x float64) float64 {
				if x > 0 {
					return x
				}
				return s * x
			})
		},
		func(c *Ctx, d *Tensor) *Tensor { return Mul(d, leakySlope(c)) },
		[]Case{{Name: "matrix", Shapes: [][]int{{2, 3}}, Params: 0.1, Lo: 0.1, Hi: 2, AwayFromZero: true}}))
	leakyReluOp.Jet = JetLinear

	// elu'(x) = 1 for x > 0, elu(x) + α otherwise
	eluOp = Register(unaryOp("elu",
		func(c *Ctx) *Tensor {
			a := c.Params.(float64)
			return unaryForward(c.Inputs[0], func(x float64) float64 {
				if x > 0 {
					return x
				}
				return a * math.Expm1(x)
			})
		},
		func(c *Ctx, d *Tensor) *Tensor { return Mul(d, eluDeriv(c)) },
		[]Case{{Name: "matrix", Shapes: [][]int{{2, 3}}, Params: 1.0, Lo: 0.1, Hi: 2, AwayFromZero: true}}))
	eluOp.Jet = jetElu

	// softplus' = σ. The forward pass is max(x,0) + log1p(e^-|x|): no
	// overflow, and exact for large |x| (kernel.Softplus).
	softplusOp = Register(unaryOp("softplus",
		func(c *Ctx) *Tensor {
			return kernelForward(c.Inputs[0], kernel.Softplus[float32], kernel.Softplus[float64])
		},
		func(c *Ctx, d *Tensor) *Tensor { return Mul(d, Sigmoid(c.Inputs[0])) },
		unaryCases(-3, 3)))
	softplusOp.Jet = jetSoftplus

	// atan' = 1/(1 + x²)
	atanOp = Register(unaryOp("atan", func(c *Ctx) *Tensor { return kernelForward(c.Inputs[0], kernel.Atan[float32], kernel.Atan[float64]) },
		func(c *Ctx, d *Tensor) *Tensor { return Div(d, AddScalar(Square(c.Inputs[0]), 1)) },
		unaryCases(-3, 3)))

	// erf'(x) = 2/√π · e^(-x²)
	erfOp = Register(unaryOp("erf", func(c *Ctx) *Tensor { return kernelForward(c.Inputs[0], kernel.Erf[float32], kernel.Erf[float64]) },
		func(c *Ctx, d *Tensor) *Tensor {
			return Mul(d, MulScalar(Exp(Neg(Square(c.Inputs[0]))), 2/math.SqrtPi))
		},
		unaryCases(-2, 2)))
	erfOp.Jet = jetErf
}

// expForward is e^x by kernel.Exp (vectorised; float32 computed in
// float32).
func expForward(x *Tensor) *Tensor { return kernelForward(x, kernel.Exp[float32], kernel.Exp[float64]) }

// Exp returns e^x elementwise, by a vectorised kernel (AVX2 or AVX-512
// assembly on amd64): float64 within 0.7 ulp of the exact value, float32
// computed in float32 within 1 ulp. On CPUs without a fused multiply-add it
// is math.Exp.
func Exp(x *Tensor) *Tensor { return expOp.Apply(nil, x) }

// Log returns the natural logarithm elementwise.
func Log(x *Tensor) *Tensor { return logOp.Apply(nil, x) }

// Log1p returns log(1+x) elementwise, accurate for small x.
func Log1p(x *Tensor) *Tensor { return log1pOp.Apply(nil, x) }

// Expm1 returns e^x - 1 elementwise, accurate for small x.
func Expm1(x *Tensor) *Tensor { return expm1Op.Apply(nil, x) }

// Sqrt returns the square root elementwise.
func Sqrt(x *Tensor) *Tensor { return sqrtOp.Apply(nil, x) }

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
		Jet:     JetLinear,
		Batch:   batchUnary,
		Forward: func(c *Ctx) *Tensor { return unaryForward(c.Inputs[0], sign) },
		VJP:     func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{nil} },
		JVP:     func(c *Ctx, d []*Tensor) *Tensor { return ZerosLike(c.Output) },
		Cases:   kinkedCases(0.1, 2),
	})
}

// Sign returns -1, 0 or 1 elementwise; its gradient is zero.
func Sign(x *Tensor) *Tensor { return signOp.Apply(nil, x) }

// Sin returns the sine elementwise.
func Sin(x *Tensor) *Tensor { return sinOp.Apply(nil, x) }

// Cos returns the cosine elementwise.
func Cos(x *Tensor) *Tensor { return cosOp.Apply(nil, x) }

// Tan returns the tangent elementwise, by a vectorised kernel within 1 ulp
// of the exact value (see internal/kernel).
func Tan(x *Tensor) *Tensor { return tanOp.Apply(nil, x) }

// Tanh returns the hyperbolic tangent elementwise.
func Tanh(x *Tensor) *Tensor { return tanhOp.Apply(nil, x) }

func sigmoidForward(x *Tensor) *Tensor {
	return kernelForward(x, kernel.Sigmoid[float32], kernel.Sigmoid[float64])
}

// Sigmoid returns 1/(1+e^-x) elementwise, without overflow at ±1000.
func Sigmoid(x *Tensor) *Tensor { return sigmoidOp.Apply(nil, x) }

// Relu returns max(x, 0) elementwise. Its derivative at 0 is taken to be 0.
func Relu(x *Tensor) *Tensor { return reluOp.Apply(nil, x) }

func leakySlope(c *Ctx) *Tensor {
	s := c.Params.(float64)
	return opaqueElementwise("leaky-slope", func(xs []*Tensor) *Tensor {
		return unaryForward(xs[0], func(x float64) float64 {
			if x > 0 {
				return 1
			}
			return s
		})
	}, c.Inputs[0])
}

// LeakyRelu returns x for x > 0 and slope·x otherwise.
func LeakyRelu(x *Tensor, slope float64) *Tensor { return leakyReluOp.Apply(slope, x) }

func eluDeriv(c *Ctx) *Tensor {
	pos := positiveOp.Apply(nil, c.Inputs[0])
	return Where(pos, OnesLike(pos), AddScalar(c.Output, c.Params.(float64)))
}

// Elu returns x for x > 0 and alpha·(e^x - 1) otherwise.
func Elu(x *Tensor, alpha float64) *Tensor { return eluOp.Apply(alpha, x) }

// Softplus returns log(1 + e^x) elementwise, computed stably.
func Softplus(x *Tensor) *Tensor { return softplusOp.Apply(nil, x) }

// Atan returns the arctangent elementwise, in [-π/2, π/2], by a
// vectorised kernel within 1 ulp of the exact value (see internal/kernel).
func Atan(x *Tensor) *Tensor { return atanOp.Apply(nil, x) }

// Erf returns the error function elementwise, by a vectorised kernel within
// 1 ulp of the exact value (see internal/kernel).
func Erf(x *Tensor) *Tensor { return erfOp.Apply(nil, x) }

type clampParams struct{ Lo, Hi float64 }

var clampOp *Op

func init() {
	clampOp = Register(&Op{
		Name:          "clamp",
		Jet:           JetLinear,
		Batch:         batchUnary,
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
	return opaqueElementwise("tie-mask", func(xs []*Tensor) *Tensor {
		a, b := xs[0], xs[1]
		dt := checkDType("maximum", a, b)
		shape := broadcastShapes("maximum", a.shape, b.shape)
		ea, eb := Expand(a, shape...), Expand(b, shape...)
		m := newTensor(tapeOf2(a, b), dt, shape)
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
	}, a, b)
}

// minMaxOp routes the gradient by the tie mask m: d max(a, b) = m·da + (1-m)·db.
func minMaxOp(name string, k kernel.BinOp, aWins func(x, y float64) bool) *Op {
	return binaryOp(name, k,
		func(c *Ctx, g *Tensor) []*Tensor {
			m := tieMask(c.Inputs[0], c.Inputs[1], aWins)
			return []*Tensor{Mul(g, m), Mul(g, RSub(1, m))}
		},
		func(c *Ctx, d []*Tensor) *Tensor {
			m := tieMask(c.Inputs[0], c.Inputs[1], aWins)
			return tAdd(tMul(d[0], m), tMul(d[1], RSub(1, m)))
		},
		binaryCases(-2, 2))
}

var maximumOp, minimumOp *Op

func init() {
	maximumOp = Register(minMaxOp("maximum", kernel.Max, func(x, y float64) bool { return x > y }))
	minimumOp = Register(minMaxOp("minimum", kernel.Min, func(x, y float64) bool { return x < y }))
	maximumOp.Jet, minimumOp.Jet = JetLinear, JetLinear
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
		Name:     "where",
		Jet:      JetLinear,
		Batch:    batchElementwise,
		anyDType: true,
		Forward: func(c *Ctx) *Tensor {
			cond, a, b := c.Inputs[0], c.Inputs[1], c.Inputs[2]
			dt := checkDType("where", a, b)
			shape := broadcastShapes("where", cond.shape, a.shape, b.shape)
			ec, ea, eb := Expand(cond.Detach(), shape...), Expand(a.Detach(), shape...), Expand(b.Detach(), shape...)
			out := newTensor(c.tape, dt, shape)
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
				// A float condition: gradcheck perturbs float64 inputs only.
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

// Where returns a where cond is true and b elsewhere, broadcasting all
// three. cond is a Bool mask, such as a comparison returns (Greater, Equal,
// ...); a condition of another dtype is taken as true where nonzero, as
// before Bool existed. cond is a constant: no gradient flows to it. a and b
// have one dtype, which the result has.
func Where(cond, a, b *Tensor) *Tensor { return whereOp.Apply(nil, cond, a, b) }

var castOp *Op

func init() {
	castOp = Register(&Op{
		Name:          "cast",
		Jet:           JetLinear,
		Batch:         batchUnary,
		BroadcastGrad: true,
		Forward: func(c *Ctx) *Tensor {
			x, dt := c.Inputs[0], c.Params.(DType)
			out := newTensor(c.tape, dt, x.shape)
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
// Between Float64 and Float32, gradients flow back through the conversion.
// A conversion to or from Int64 or Bool is a constant, cut from the graph:
// to Bool, nonzero is true; to Int64, values are truncated toward zero
// (NaN, or a magnitude beyond 2^53, panics); from Bool, true is 1.
func (t *Tensor) As(dt DType) *Tensor {
	switch {
	case t.dtype == dt:
		return t
	case dt > Bool:
		panicf("As", "unknown dtype %s", dt)
	case t.dtype.IsFloat() && dt.IsFloat():
		return castOp.Apply(dt, t)
	}
	return convertOp.Apply(dt, t)
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

// fusedVJP returns a fast rule computing an elementwise op's gradient from
// g and the op's output in one pass, by the fused op k, where g has the
// output's whole shape (and op's VJP elsewhere).
func fusedVJP(op, k *Op) func(c *Ctx, g *Tensor) []*Tensor {
	return func(c *Ctx, g *Tensor) []*Tensor {
		if y := c.Output; sameShape(g.shape, y.shape) && g.dtype == y.dtype {
			return []*Tensor{k.Apply(nil, g, y)}
		}
		return op.VJP(c, g)
	}
}

// gradKernelOp is an op without derivatives computing a rule's gradient
// from g and the op's output in one pass, for fast rules (see Op.FastVJP):
// the rules it serves are checked by the registry walk.
func gradKernelOp(name string, f32 func(d, g, y []float32), f64 func(d, g, y []float64)) *Op {
	return &Op{
		Name:     name,
		Batch:    batchSameShape,
		constant: true,
		Forward: func(c *Ctx) *Tensor {
			g, y := c.Inputs[0], c.Inputs[1]
			out := newTensorRaw(c.tape, y.dtype, y.shape)
			if y.dtype == Float32 {
				f32(out.f32, g.f32, y.f32)
			} else {
				f64(out.f64, g.f64, y.f64)
			}
			return out
		},
	}
}

var (
	tanhGradOp    = gradKernelOp("tanh_grad", kernel.TanhGrad[float32], kernel.TanhGrad[float64])
	sigmoidGradOp = gradKernelOp("sigmoid_grad", kernel.SigmoidGrad[float32], kernel.SigmoidGrad[float64])
	reluGradOp    = gradKernelOp("relu_grad", kernel.ReluGrad[float32], kernel.ReluGrad[float64])
)
