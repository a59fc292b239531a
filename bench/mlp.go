package bench

import (
	"math"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/nn"
	"github.com/nabla-go/nabla/optim"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The network of the MLP workload: 784 inputs, 256 hidden units with ReLU,
// 10 classes, cross-entropy on a batch of 128, plain SGD.
const (
	mlpIn, mlpHidden, mlpOut = 784, 256, 10
	mlpBatch                 = 128
	mlpLR                    = 0.01
)

// MLPBatch returns a fixed batch: inputs uniform in [0, 1) of shape
// (128, 784) and 128 labels in [0, 10).
func MLPBatch() (x *nabla.Tensor, labels []int) {
	rng := nabla.NewRand(2)
	x = nabla.Rand(rng, mlpBatch, mlpIn)
	labels = make([]int, mlpBatch)
	for i := range labels {
		labels[i] = rng.IntN(mlpOut)
	}
	return x, labels
}

// NablaMLP is the network as nabla's users write it: nn.MLP,
// nn.CrossEntropyLoss and optim.SGD.
type NablaMLP struct {
	Net    *nn.Sequential
	Params []*nabla.Tensor
	Opt    *optim.Optimizer
	X      *nabla.Tensor
	Labels []int
	tape   *nabla.Tape
	arena  nabla.Arena
}

// NewNablaMLP returns the network with PyTorch's initialisation drawn from a
// fixed seed, in dtype dt, with the batch converted to dt.
func NewNablaMLP(dt nabla.DType) *NablaMLP {
	net := nn.MLP([]int{mlpIn, mlpHidden, mlpOut}, nn.ReLU, nabla.NewRand(1), nn.WithDType(dt))
	x, labels := MLPBatch()
	params := nn.Tensors(net)
	m := &NablaMLP{Net: net, Params: params, Opt: optim.New(params, optim.SGD{LR: mlpLR}),
		X: x.As(dt).Clone(), Labels: labels, tape: nabla.NewTape()}
	m.tape.Bind(m.X) // the step's work is collected by the arena: as train.Run does it
	return m
}

// LossAndGrad zeroes the gradients, runs the forward and backward passes and
// returns the loss; the gradients are then in each parameter's Grad.
func (m *NablaMLP) LossAndGrad() float64 {
	m.Opt.ZeroGrad()
	// As train.Run does it: the step's graph in an arena, so that its
	// buffers serve the next step.
	var loss *nabla.Tensor
	m.arena.Do(m.tape, func() {
		loss = nn.CrossEntropyLoss(m.Net.Forward(m.X), m.Labels, nil)
		loss.Backward()
	})
	l := loss.Item()
	m.arena.Release()
	return l
}

// Update takes one SGD step, p −= lr·∂loss/∂p, on every parameter.
func (m *NablaMLP) Update() { m.Opt.Step() }

// Step is one training step: forward, backward, update. It returns the loss.
func (m *NablaMLP) Step() float64 {
	loss := m.LossAndGrad()
	m.Update()
	return loss
}

// HandMLP is the same network and training step written by hand: the
// backward pass derived on paper, its five matrix products (two forward,
// three backward) through gonum's blas64/blas32 Gemm (nabla has its own
// kernels), and no allocation after construction. Weights are stored as nn.Linear stores
// them, W1 as hidden×in and W2 as out×hidden.
type HandMLP[T float32 | float64] struct {
	W1, B1, W2, B2     []T
	GW1, GB1, GW2, GB2 []T // gradients of the loss
	h, dz, dh          []T // hidden activations, ∂loss/∂logits, ∂loss/∂h
}

// NewHandMLP returns a HandMLP with copies of the weights of a nabla
// nn.MLP of the same sizes and dtype.
func NewHandMLP[T float32 | float64](net *nn.Sequential) *HandMLP[T] {
	l1, l2 := net.Layers[0].(*nn.Linear), net.Layers[2].(*nn.Linear)
	return &HandMLP[T]{
		W1: values[T](l1.Weight), B1: values[T](l1.Bias),
		W2: values[T](l2.Weight), B2: values[T](l2.Bias),
		GW1: make([]T, mlpHidden*mlpIn), GB1: make([]T, mlpHidden),
		GW2: make([]T, mlpOut*mlpHidden), GB2: make([]T, mlpOut),
		h:  make([]T, mlpBatch*mlpHidden),
		dz: make([]T, mlpBatch*mlpOut),
		dh: make([]T, mlpBatch*mlpHidden),
	}
}

// values returns a copy of t's values as a []T.
func values[T float32 | float64](t *nabla.Tensor) []T {
	var s []T
	switch d := any(&s).(type) {
	case *[]float64:
		*d = t.Float64s()
	case *[]float32:
		*d = t.Float32s()
	}
	return s
}

// LossAndGrad returns the mean cross-entropy of the batch x (128×784, row
// major) with its labels and writes the gradients into GW1, GB1, GW2, GB2.
func (m *HandMLP[T]) LossAndGrad(x []T, labels []int) float64 {
	const n, in, hid, out = mlpBatch, mlpIn, mlpHidden, mlpOut
	// Forward: h = relu(x·W1ᵀ + b1), z = h·W2ᵀ + b2 (z is kept in dz).
	h, z := m.h, m.dz
	broadcastRows(h, m.B1)
	gemm(blas.NoTrans, blas.Trans, n, hid, in, x, m.W1, 1, h)
	for i, v := range h {
		h[i] = max(v, 0)
	}
	broadcastRows(z, m.B2)
	gemm(blas.NoTrans, blas.Trans, n, out, hid, h, m.W2, 1, z)

	// Loss −log softmax(z)[y], averaged; its gradient with respect to z is
	// (softmax(z) − onehot(y)) / n, written over z.
	loss := 0.0
	for i, y := range labels {
		row := z[i*out : (i+1)*out]
		mx := float64(row[0])
		for _, v := range row {
			mx = max(mx, float64(v))
		}
		s := 0.0
		for _, v := range row {
			s += math.Exp(float64(v) - mx)
		}
		lse := mx + math.Log(s)
		loss += lse - float64(row[y])
		for j, v := range row {
			row[j] = T(math.Exp(float64(v)-lse) / n)
		}
		row[y] -= 1.0 / n
	}
	dz := z

	// Backward: ∂W2 = dzᵀ·h, ∂b2 = Σ rows of dz, dh = dz·W2 where h > 0,
	// ∂W1 = dhᵀ·x, ∂b1 = Σ rows of dh.
	gemm(blas.Trans, blas.NoTrans, out, hid, n, dz, h, 0, m.GW2)
	sumRows(m.GB2, dz)
	gemm(blas.NoTrans, blas.NoTrans, n, hid, out, dz, m.W2, 0, m.dh)
	for i, v := range h {
		if v <= 0 {
			m.dh[i] = 0
		}
	}
	gemm(blas.Trans, blas.NoTrans, hid, in, n, m.dh, x, 0, m.GW1)
	sumRows(m.GB1, m.dh)
	return loss / n
}

// Update takes one SGD step on every weight.
func (m *HandMLP[T]) Update() {
	for _, p := range [][2][]T{{m.W1, m.GW1}, {m.B1, m.GB1}, {m.W2, m.GW2}, {m.B2, m.GB2}} {
		w, g := p[0], p[1]
		for i := range w {
			w[i] -= mlpLR * g[i]
		}
	}
}

// Step is one training step: forward, backward, update. It returns the loss.
func (m *HandMLP[T]) Step(x []T, labels []int) float64 {
	loss := m.LossAndGrad(x, labels)
	m.Update()
	return loss
}

// broadcastRows copies the vector b into every row of the matrix c.
func broadcastRows[T float32 | float64](c, b []T) {
	for i := 0; i < len(c); i += len(b) {
		copy(c[i:], b)
	}
}

// sumRows writes the sum of the rows of the matrix a into s.
func sumRows[T float32 | float64](s, a []T) {
	clear(s)
	for i := 0; i < len(a); i += len(s) {
		for j, v := range a[i : i+len(s)] {
			s[j] += v
		}
	}
}

// gemm sets c = op(a)·op(b) + beta·c for c of size m×n and inner dimension
// k, through blas64.Gemm or blas32.Gemm. The matrices are dense and row
// major; op transposes when the flag is blas.Trans.
func gemm[T float32 | float64](ta, tb blas.Transpose, m, n, k int, a, b []T, beta T, c []T) {
	ar, ac := m, k
	if ta == blas.Trans {
		ar, ac = k, m
	}
	br, bc := k, n
	if tb == blas.Trans {
		br, bc = n, k
	}
	switch a := any(a).(type) {
	case []float64:
		blas64.Gemm(ta, tb, 1,
			blas64.General{Rows: ar, Cols: ac, Stride: ac, Data: a},
			blas64.General{Rows: br, Cols: bc, Stride: bc, Data: any(b).([]float64)},
			float64(beta), blas64.General{Rows: m, Cols: n, Stride: n, Data: any(c).([]float64)})
	case []float32:
		blas32.Gemm(ta, tb, 1,
			blas32.General{Rows: ar, Cols: ac, Stride: ac, Data: a},
			blas32.General{Rows: br, Cols: bc, Stride: bc, Data: any(b).([]float32)},
			float32(beta), blas32.General{Rows: m, Cols: n, Stride: n, Data: any(c).([]float32)})
	}
}

// GorgoniaMLP is the same network and step in Gorgonia: a graph with its
// symbolic gradient, compiled once into a tape machine that every Step
// reuses, and Gorgonia's VanillaSolver (plain SGD). Gorgonia multiplies
// x·W, so its weights are the transposes of nabla's, W1 in×hidden and W2
// hidden×out; its matrix products go through gonum's BLAS too.
type GorgoniaMLP struct {
	W1, B1, W2, B2 *G.Node
	Loss           *G.Node
	vm             G.VM
	solver         G.Solver
}

// NewGorgoniaMLP builds the network with the weights of a nabla nn.MLP of
// the same sizes (transposed), in the same dtype, for the batch x and its
// labels.
func NewGorgoniaMLP(net *nn.Sequential, x *nabla.Tensor, labels []int) (*GorgoniaMLP, error) {
	l1, l2 := net.Layers[0].(*nn.Linear), net.Layers[2].(*nn.Linear)
	dt := tensor.Float64
	if x.DType() == nabla.Float32 {
		dt = tensor.Float32
	}
	oh := make([]float64, mlpBatch*mlpOut)
	for i, y := range labels {
		oh[i*mlpOut+y] = 1
	}
	onehot := nabla.FromSlice(oh, mlpBatch, mlpOut).As(x.DType())
	g := G.NewGraph()
	node := func(name string, t *nabla.Tensor) *G.Node {
		return G.NewTensor(g, dt, t.Dims(), G.WithName(name), G.WithShape(t.Shape()...), G.WithValue(dense(t)))
	}
	m := &GorgoniaMLP{
		W1: node("w1", nabla.Transpose(l1.Weight.Detach(), 0, 1)),
		B1: node("b1", l1.Bias.Detach()),
		W2: node("w2", nabla.Transpose(l2.Weight.Detach(), 0, 1)),
		B2: node("b2", l2.Bias.Detach()),
	}
	xn, yn := node("x", x), node("y", onehot)
	affine := func(in, w, b *G.Node) *G.Node {
		return G.Must(G.BroadcastAdd(G.Must(G.Mul(in, w)), b, nil, []byte{0}))
	}
	h := G.Must(G.Rectify(affine(xn, m.W1, m.B1)))
	logp := G.Must(G.LogSoftMax(affine(h, m.W2, m.B2)))
	// Mean over the batch of −Σ_c onehot·log p.
	m.Loss = G.Must(G.Neg(G.Must(G.Mean(G.Must(G.Sum(G.Must(G.HadamardProd(yn, logp)), 1))))))
	learnables := G.Nodes{m.W1, m.B1, m.W2, m.B2}
	if _, err := G.Grad(m.Loss, learnables...); err != nil {
		return nil, err
	}
	m.vm = G.NewTapeMachine(g, G.BindDualValues(learnables...))
	m.solver = G.NewVanillaSolver(G.WithLearnRate(mlpLR))
	return m, nil
}

// LossAndGrad runs the forward and backward passes and returns the loss;
// the gradients are then in the learnable nodes' Grad.
func (m *GorgoniaMLP) LossAndGrad() (float64, error) {
	defer m.vm.Reset()
	if err := m.vm.RunAll(); err != nil {
		return 0, err
	}
	switch v := m.Loss.Value().Data().(type) {
	case float32:
		return float64(v), nil
	default:
		return v.(float64), nil
	}
}

// Update takes one step of the solver on every weight.
func (m *GorgoniaMLP) Update() error {
	return m.solver.Step(G.NodesToValueGrads(G.Nodes{m.W1, m.B1, m.W2, m.B2}))
}

// Step is one training step: forward, backward and the solver's update. It
// returns the loss.
func (m *GorgoniaMLP) Step() (float64, error) {
	loss, err := m.LossAndGrad()
	if err != nil {
		return 0, err
	}
	return loss, m.Update()
}

// Close releases the tape machine.
func (m *GorgoniaMLP) Close() error { return m.vm.Close() }

// dense returns a Gorgonia tensor holding a copy of t's values.
func dense(t *nabla.Tensor) *tensor.Dense {
	if t.DType() == nabla.Float32 {
		return tensor.New(tensor.WithShape(t.Shape()...), tensor.WithBacking(t.Float32s()))
	}
	return tensor.New(tensor.WithShape(t.Shape()...), tensor.WithBacking(t.Float64s()))
}
