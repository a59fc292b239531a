package nabla

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// ckptMLP is a deep tanh MLP of the given widths whose layers may be
// checkpointed k at a time (k = 0: none).
type ckptMLP struct {
	ws, bs []*Tensor
}

func newCkptMLP(r *rand.Rand, dt DType, widths ...int) *ckptMLP {
	m := &ckptMLP{}
	for i := 0; i+1 < len(widths); i++ {
		w := MulScalar(Randn(r, widths[i], widths[i+1]), 0.5).As(dt).SetRequiresGrad(true)
		b := MulScalar(Randn(r, widths[i+1]), 0.1).As(dt).SetRequiresGrad(true)
		m.ws, m.bs = append(m.ws, w), append(m.bs, b)
	}
	return m
}

func (m *ckptMLP) layers(lo, hi int) Func {
	return func(xs ...*Tensor) *Tensor {
		x := xs[0]
		for i := lo; i < hi; i++ {
			x = Tanh(Add(MatMul(x, m.ws[i]), m.bs[i]))
		}
		return x
	}
}

func (m *ckptMLP) forward(x *Tensor, k int) *Tensor {
	n := len(m.ws)
	if k == 0 {
		return m.layers(0, n)(x)
	}
	for lo := 0; lo < n; lo += k {
		x = Checkpoint(m.layers(lo, min(lo+k, n)))(x)
	}
	return x
}

func (m *ckptMLP) params() []*Tensor { return append(append([]*Tensor(nil), m.ws...), m.bs...) }

func TestCheckpointGradientsBitForBit(t *testing.T) {
	for _, dt := range []DType{Float64, Float32} {
		for _, k := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/k=%d", dt, k), func(t *testing.T) {
				r := rand.New(rand.NewPCG(1, 2))
				m := newCkptMLP(r, dt, 5, 8, 8, 8, 8, 3)
				x := Randn(r, 4, 5).As(dt)
				loss := func(k int) (*Tensor, []*Tensor) {
					y := Sum(Square(m.forward(x, k)))
					return y, Gradients([]*Tensor{y}, m.params())
				}
				y0, g0 := loss(0)
				y1, g1 := loss(k)
				sameBits(t, "loss", y1, y0)
				for i := range g0 {
					sameBits(t, fmt.Sprintf("grad %d", i), g1[i], g0[i])
				}
			})
		}
	}
}

func TestCheckpointArgumentGradientAndBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	m := newCkptMLP(r, Float64, 3, 6, 6, 2)
	x := Randn(r, 2, 3).SetRequiresGrad(true)
	f := func(k int) []*Tensor {
		for _, p := range m.params() {
			p.ZeroGrad()
		}
		x.ZeroGrad()
		Sum(Square(m.forward(x, k))).Backward()
		out := []*Tensor{x.Grad().Clone()}
		for _, p := range m.params() {
			out = append(out, p.Grad().Clone())
		}
		return out
	}
	want, got := f(0), f(1)
	for i := range want {
		sameBits(t, fmt.Sprintf("grad %d", i), got[i], want[i])
	}
}

func TestCheckpointGradOfGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	w := Randn(r, 3, 3).SetRequiresGrad(true)
	inner := func(x *Tensor) *Tensor { return Sin(MatMul(Tanh(MatMul(x, w)), w)) }
	f := func(ck bool) Func {
		g := func(xs ...*Tensor) *Tensor { return inner(xs[0]) }
		if ck {
			g = Checkpoint(g)
		}
		return func(xs ...*Tensor) *Tensor { return Sum(Square(g(xs...))) }
	}
	x := Randn(r, 2, 3)
	// The gradient of a function of the gradient: second order through the
	// checkpointed node, for the argument and for the captured weight.
	second := func(ck bool) []*Tensor {
		h := func(xs ...*Tensor) *Tensor { return Sum(Square(Grad(f(ck))(xs...))) }
		gx := Grad(h)(x)
		y := h(x.Detach().SetRequiresGrad(true))
		gw := Gradients([]*Tensor{y}, []*Tensor{w})[0]
		return []*Tensor{gx, gw}
	}
	// The recorded VJP is itself a checkpointed node.
	xv := x.Detach().SetRequiresGrad(true)
	if n := countOps(Grad(f(true))(xv), "checkpoint"); n == 0 {
		t.Errorf("the gradient recorded for a second derivative holds no checkpoint node")
	}
	want, got := second(false), second(true)
	for i := range want {
		if !closeTo(got[i], want[i], 1e-12) {
			t.Errorf("second-order gradient %d: got %v, want %v", i, got[i].Float64s(), want[i].Float64s())
		}
	}
	// Hessian (forward over reverse) evaluates the checkpointed function inline.
	hw := Hessian(f(false))(x)
	hc := Hessian(f(true))(x)
	if !closeTo(hc, hw, 1e-12) {
		t.Errorf("Hessian through Checkpoint differs")
	}
}

// closeTo reports whether a and b differ by at most tol everywhere.
func closeTo(a, b *Tensor, tol float64) bool {
	x, y := a.Float64s(), b.Float64s()
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		d := x[i] - y[i]
		if d < -tol || d > tol {
			return false
		}
	}
	return true
}

func TestCheckpointUnderNoGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	m := newCkptMLP(r, Float64, 3, 4, 2)
	x := Randn(r, 2, 3)
	var y *Tensor
	NoGrad(func() { y = m.forward(x, 1) })
	if y.RequiresGrad() || !y.IsLeaf() {
		t.Fatalf("under NoGrad the checkpointed result is recorded (op %q)", y.OpName())
	}
	sameBits(t, "NoGrad value", y, m.forward(x, 0).Detach())
	tp := NewTape()
	xb := x.Clone()
	tp.Bind(xb)
	tp.NoGrad(func() { y = Checkpoint(func(xs ...*Tensor) *Tensor { return Tanh(xs[0]) })(xb) })
	if y.OpName() == "checkpoint" {
		t.Fatalf("under Tape.NoGrad the checkpointed result is recorded")
	}
}

func TestCheckpointInValueAndGradArena(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	m := newCkptMLP(r, Float32, 6, 16, 16, 16, 4)
	x := Randn(r, 8, 6).As(Float32)
	f := func(k int) func(xs ...*Tensor) (*Tensor, []*Tensor) {
		return ValueAndGrad(func(xs ...*Tensor) *Tensor { return Mean(Square(m.forward(xs[0], k))) }, 0)
	}
	for step := 0; step < 3; step++ { // arenas recycle across steps
		y0, g0 := f(0)(x)
		y1, g1 := f(2)(x)
		sameBits(t, "value", y1, y0)
		sameBits(t, "grad", g1[0], g0[0])
	}
}

func TestCheckpointConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	m := newCkptMLP(r, Float64, 4, 8, 8, 8, 2)
	xs := make([]*Tensor, 8)
	want := make([][]*Tensor, len(xs))
	for i := range xs {
		xs[i] = Randn(r, 3, 4)
		y := Sum(Square(m.forward(xs[i], 0)))
		want[i] = Gradients([]*Tensor{y}, m.params())
	}
	var wg sync.WaitGroup
	got := make([][]*Tensor, len(xs))
	for i := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tp := NewTape()
			x := xs[i].Clone()
			tp.Bind(x)
			y := Sum(Square(m.forward(x, 1)))
			got[i] = Gradients([]*Tensor{y}, m.params())
		}()
	}
	wg.Wait()
	for i := range xs {
		for j := range want[i] {
			sameBits(t, fmt.Sprintf("goroutine %d grad %d", i, j), got[i][j], want[i][j])
		}
	}
}

// retainedBytes sums the bytes of the distinct buffers that the graph of y
// holds for its backward pass: node outputs, inputs and saved by-products.
func retainedBytes(y *Tensor) int {
	seen := map[*Tensor]bool{}
	bufs := map[any]int{}
	var visit func(t *Tensor)
	stack := []*Tensor{y}
	visit = func(t *Tensor) {
		if t == nil || seen[t] {
			return
		}
		seen[t] = true
		switch {
		case len(t.f64) > 0:
			bufs[&t.f64[len(t.f64)-1]] = 8 * len(t.f64)
		case len(t.f32) > 0:
			bufs[&t.f32[len(t.f32)-1]] = 4 * len(t.f32)
		}
		if t.node != nil {
			stack = append(stack, t.node.Inputs...)
			stack = append(stack, t.node.saved)
		}
	}
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		visit(t)
	}
	n := 0
	for _, b := range bufs {
		n += b
	}
	return n
}

func TestCheckpointSavesMemory(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	widths := []int{64}
	for range 16 {
		widths = append(widths, 64)
	}
	m := newCkptMLP(r, Float32, widths...)
	x := Randn(r, 32, 64).As(Float32)
	params := 0
	for _, p := range m.params() {
		params += 4 * p.Size()
	}
	full := retainedBytes(m.forward(x, 0)) - params
	ck := retainedBytes(m.forward(x, 4)) - params
	t.Logf("activations kept: %d bytes without checkpointing, %d with (every 4 of 16 layers)", full, ck)
	// 16 layers keep ~4 activation-sized tensors each; checkpointing every 4
	// keeps 5 boundaries.
	if ck*4 > full {
		t.Errorf("checkpointing keeps %d bytes of activations, more than a quarter of %d", ck, full)
	}
}

func TestCheckpointInsideCompile(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	m := newCkptMLP(r, Float64, 3, 5, 5, 2)
	x := Randn(r, 4, 3)
	loss := func(k int) Func {
		return func(xs ...*Tensor) *Tensor { return Sum(Square(m.forward(xs[0], k))) }
	}
	want, gw := ValueAndGrad(loss(0))(x)
	c := CompileValueAndGrad(loss(1))
	for range 2 { // the trace, then a replay
		got, gg := c(x)
		sameBits(t, "compiled value", got, want)
		sameBits(t, "compiled gradient", gg[0], gw[0])
	}
}

// countOps counts the nodes named op in the graph of t.
func countOps(t *Tensor, op string) int {
	seen := map[*Tensor]bool{}
	stack := []*Tensor{t}
	n := 0
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x == nil || seen[x] {
			continue
		}
		seen[x] = true
		if x.OpName() == op {
			n++
		}
		stack = append(stack, x.Inputs()...)
	}
	return n
}

func TestCheckpointRetainGraphTwice(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	m := newCkptMLP(r, Float64, 3, 4, 4, 2)
	x := Randn(r, 2, 3)
	y := Sum(Square(m.forward(x, 1)))
	once := Gradients([]*Tensor{y}, m.params(), RetainGraph())
	again := Gradients([]*Tensor{y}, m.params())
	for i := range once {
		sameBits(t, fmt.Sprintf("grad %d, second pass", i), again[i], once[i])
	}
}

// An HVP whose direction reaches f only through a tensor f reads (not an
// argument) evaluates f inline, with the gradient still reaching the
// argument.
func TestCheckpointHVPThroughCapturedTangent(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	x, w, v := Randn(r, 2, 3), Randn(r, 3, 3), Randn(r, 3, 3)
	g := func(ck bool) Func {
		return func(ps ...*Tensor) *Tensor {
			x, w := ps[0], ps[1]
			f := func(xs ...*Tensor) *Tensor { return Tanh(MatMul(Sin(xs[0]), w)) }
			if ck {
				f = Checkpoint(f)
			}
			return Sum(Square(f(x)))
		}
	}
	want := HVP(g(false), []*Tensor{x, w}, []*Tensor{nil, v})
	got := HVP(g(true), []*Tensor{x, w}, []*Tensor{nil, v})
	for i := range want {
		if !closeTo(got[i], want[i], 1e-12) {
			t.Errorf("HVP %d: got %v, want %v", i, got[i].Float64s(), want[i].Float64s())
		}
	}
}

func TestCheckpointNested(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	m := newCkptMLP(r, Float64, 3, 4, 4, 4, 4, 2)
	x := Randn(r, 2, 3)
	plain := Sum(Square(m.forward(x, 0)))
	want := Gradients([]*Tensor{plain}, m.params())
	// Two checkpointed halves inside one checkpointed whole.
	outer := Checkpoint(func(xs ...*Tensor) *Tensor {
		h := Checkpoint(m.layers(0, 2))(xs[0])
		return Checkpoint(m.layers(2, 5))(h)
	})
	y := Sum(Square(outer(x)))
	sameBits(t, "loss", y, plain)
	got := Gradients([]*Tensor{y}, m.params())
	for i := range want {
		sameBits(t, fmt.Sprintf("grad %d", i), got[i], want[i])
	}
}

func TestCheckpointTrivialFunctions(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	w := Randn(r, 2, 3).SetRequiresGrad(true)
	x := Randn(r, 2, 3).SetRequiresGrad(true)
	for name, f := range map[string]Func{
		"identity":       func(xs ...*Tensor) *Tensor { return xs[0] },
		"reshape":        func(xs ...*Tensor) *Tensor { return Reshape(xs[0], 3, 2) },
		"captured only":  func(xs ...*Tensor) *Tensor { return w },
		"argument twice": func(xs ...*Tensor) *Tensor { return Mul(xs[0], Add(xs[0], w)) },
	} {
		t.Run(name, func(t *testing.T) {
			want := Gradients([]*Tensor{Sum(Sin(f(x)))}, []*Tensor{x, w}, AllowUnused())
			got := Gradients([]*Tensor{Sum(Sin(Checkpoint(f)(x)))}, []*Tensor{x, w}, AllowUnused())
			for i := range want {
				if (want[i] == nil) != (got[i] == nil) {
					t.Fatalf("gradient %d: nil %v, want nil %v", i, got[i] == nil, want[i] == nil)
				}
				if want[i] != nil {
					sameBits(t, fmt.Sprintf("gradient %d", i), got[i], want[i])
				}
			}
		})
	}
}
