package bench

import "github.com/nabla-go/nabla"

// The Vmap workloads: Jacobians computed in one batched pass against a
// pass per row (column), and per-example gradients of the MLP workload's
// network through Vmap(Grad(…)) against a Go loop over the examples and
// against one gradient of the batch's mean loss.

// JacobianWorkload returns f(x) = tanh(W·x + b), from R^in to R^out, and a
// point x.
func JacobianWorkload(in, out int) (f nabla.Func, x *nabla.Tensor) {
	r := nabla.NewRand(6)
	w := nabla.MulScalar(nabla.Randn(r, out, in), 1/float64(in))
	b := nabla.Randn(r, out)
	f = func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Tanh(nabla.Add(nabla.MatMul(w, xs[0]), b)) }
	return f, nabla.Randn(r, in)
}

// JacobianRowByRow is the reverse-mode Jacobian as nabla.JacobianRev
// computed it before Vmap: one forward pass, then one backward pass per
// output element.
func JacobianRowByRow(f nabla.Func, x *nabla.Tensor) *nabla.Tensor {
	y, pull := nabla.VJP(f, x)
	m := y.Size()
	rows := make([]*nabla.Tensor, m)
	for k := range rows {
		e := nabla.Zeros(m)
		e.RawFloat64()[k] = 1
		rows[k] = pull(e)[0]
	}
	return nabla.Stack(0, rows...)
}

// JacobianColumnByColumn is the forward-mode Jacobian as
// nabla.JacobianFwd computed it before Vmap: one dual evaluation per input
// element.
func JacobianColumnByColumn(f nabla.Func, x *nabla.Tensor) *nabla.Tensor {
	n := x.Size()
	cols := make([]*nabla.Tensor, n)
	for j := range cols {
		e := nabla.Zeros(n)
		e.RawFloat64()[j] = 1
		_, cols[j] = nabla.JVP(f, []*nabla.Tensor{x}, []*nabla.Tensor{e})
	}
	return nabla.Stack(1, cols...)
}

// PerExample holds the MLP workload's network (784-256-10, ReLU,
// cross-entropy) as plain tensors, and its batch with one-hot labels.
type PerExample struct {
	X, Y   *nabla.Tensor   // (128, 784) inputs, (128, 10) one-hot labels
	Params []*nabla.Tensor // W1 (784, 256), b1, W2 (256, 10), b2
}

// NewPerExample returns the workload with the MLP benchmark's batch.
func NewPerExample() *PerExample {
	x, labels := MLPBatch()
	y := nabla.Zeros(mlpBatch, mlpOut)
	for i, l := range labels {
		y.RawFloat64()[i*mlpOut+l] = 1
	}
	r := nabla.NewRand(8)
	ps := []*nabla.Tensor{
		nabla.MulScalar(nabla.Randn(r, mlpIn, mlpHidden), 0.05), nabla.Zeros(mlpHidden),
		nabla.MulScalar(nabla.Randn(r, mlpHidden, mlpOut), 0.1), nabla.Zeros(mlpOut),
	}
	return &PerExample{X: x, Y: y, Params: ps}
}

// exampleLoss is the cross-entropy of the network on examples x (one
// example of shape (784,), or a batch) with one-hot labels y, summed.
func exampleLoss(xs ...*nabla.Tensor) *nabla.Tensor {
	x, y, w1, b1, w2, b2 := xs[0], xs[1], xs[2], xs[3], xs[4], xs[5]
	h := nabla.Relu(nabla.Add(nabla.MatMul(x, w1), b1))
	logits := nabla.Add(nabla.MatMul(h, w2), b2)
	return nabla.Neg(nabla.Sum(nabla.Mul(y, nabla.LogSoftmax(logits, -1))))
}

// allGrads returns the gradients of exampleLoss with respect to every
// parameter, flattened and joined into one vector.
func allGrads(xs ...*nabla.Tensor) *nabla.Tensor {
	_, gs := nabla.ValueAndGrad(exampleLoss, 2, 3, 4, 5)(xs...)
	for i, g := range gs {
		gs[i] = nabla.Flatten(g)
	}
	return nabla.Concat(0, gs...)
}

func (p *PerExample) args(x, y *nabla.Tensor) []*nabla.Tensor {
	return append([]*nabla.Tensor{x, y}, p.Params...)
}

// Vmap returns the per-example gradients, (128, P) for P parameters,
// through Vmap(ValueAndGrad(…)).
func (p *PerExample) Vmap() *nabla.Tensor {
	m := nabla.NotMapped
	return nabla.Vmap(allGrads, 0, 0, m, m, m, m)(p.args(p.X, p.Y)...)
}

// Loop returns the per-example gradients computed one example at a time.
func (p *PerExample) Loop() *nabla.Tensor {
	n := p.X.Shape()[0]
	rows := make([]*nabla.Tensor, n)
	for i := range rows {
		rows[i] = allGrads(p.args(nabla.Index(p.X, i), nabla.Index(p.Y, i))...)
	}
	return nabla.Stack(0, rows...)
}

// BatchGradient returns the gradient of the batch's summed loss: what a
// training step computes, the baseline for per-example gradients.
func (p *PerExample) BatchGradient() *nabla.Tensor { return allGrads(p.args(p.X, p.Y)...) }

// As returns the workload with its batch and parameters converted to dt.
func (p *PerExample) As(dt nabla.DType) *PerExample {
	q := &PerExample{X: p.X.As(dt), Y: p.Y.As(dt)}
	for _, w := range p.Params {
		q.Params = append(q.Params, w.As(dt))
	}
	return q
}

// VmapInto is Vmap writing the per-example gradients into out, (128, P),
// whose memory the next call reuses.
func (p *PerExample) VmapInto(out *nabla.Tensor) *nabla.Tensor {
	m := nabla.NotMapped
	return nabla.VmapInto(allGrads, 0, 0, m, m, m, m)(out, p.args(p.X, p.Y)...)
}

// WriteOnce sets every element of out to zero with Go's clear (the
// runtime's fastest store loop), as VmapInto's result is written once: the
// memory traffic any way of computing per-example gradients into out has
// to pay, the floor for VmapInto.
func WriteOnce(out *nabla.Tensor) {
	if out.DType() == nabla.Float32 {
		clear(out.RawFloat32())
		return
	}
	clear(out.RawFloat64())
}

// Size returns the number of parameters, P.
func (p *PerExample) Size() int {
	n := 0
	for _, w := range p.Params {
		n += w.Size()
	}
	return n
}
