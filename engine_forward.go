package nabla

// Forward mode. A dual tensor carries a tangent alongside its values; every op
// applied to it computes the output's tangent with the op's JVP rule, in the
// same forward pass and without a tape. Because JVP rules are written with
// nabla's ops, the tangent computation is itself recorded for reverse mode when
// its inputs require grad, which gives forward-over-reverse (Hessian-vector
// products) by composition.

// Dual returns a tensor with x's values (and x's place in the reverse-mode
// graph) carrying tangent, which must have x's shape and dtype.
func Dual(x, tangent *Tensor) *Tensor {
	checkSameShape("Dual", x, tangent)
	checkDType("Dual", x, tangent)
	if !x.dtype.IsFloat() {
		panicf("Dual", "a %s tensor cannot carry a tangent: only float64 and float32 tensors are differentiable", x.dtype)
	}
	if x.requiresGrad {
		// x stays the variable for reverse mode: route through an identity so
		// that gradients reach x, not the copy.
		d := identityOp.Apply(nil, x)
		d.tangent = tangent
		pinTangent(d)
		return d
	}
	var d *Tensor
	if x.traced() {
		d = opaqueElementwise("dual", detachValues, x) // a view the trace knows
	} else {
		d = viewOf(x, x.shape)
	}
	d.tangent = tangent
	pinTangent(d)
	return d
}

// Tangent returns the forward-mode tangent carried by t (nil when it carries
// none: a zero tangent).
func (t *Tensor) Tangent() *Tensor { return t.tangent }

var identityOp *Op

func init() {
	identityOp = Register(&Op{
		Name:  "identity",
		Jet:   JetLinear,
		Batch: batchUnary,
		Forward: func(c *Ctx) *Tensor {
			x := c.Inputs[0]
			return viewOf(x, x.shape)
		},
		VJP:   func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{g} },
		JVP:   func(c *Ctx, d []*Tensor) *Tensor { return d[0] },
		Cases: unaryCases(-2, 2),
	})
}
