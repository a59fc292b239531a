package nabla_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/nabla-go/nabla"
)

// smallCNN is the loss of a small classifier of x (N, 2, 6, 6) into two
// classes: Conv2d (3×3, padding 1) → BatchNorm → Tanh → MaxPool2d (2×2) →
// AvgPool2d (3×3) → Linear → softmax cross-entropy against class[n]. Its
// parameters are the conv weight (3, 2, 3, 3), the batch norm's weight and
// bias (3) and the linear weight (3, 2).
func smallCNN(x *nabla.Tensor, class []int) nabla.Func {
	n := x.Shape()[0]
	onehot := make([]float64, 2*n)
	for i, c := range class {
		onehot[2*i+c] = 1
	}
	target := nabla.FromSlice(onehot, n, 2)
	return func(ps ...*nabla.Tensor) *nabla.Tensor {
		h := nabla.Conv2d(x, ps[0], nabla.ConvOptions{Padding: []int{1}})
		h = nabla.Tanh(nabla.BatchNorm(h, ps[1], ps[2], 1e-5))
		h = nabla.MaxPool2d(h, nabla.PoolOptions{Kernel: []int{2}})
		h = nabla.Reshape(nabla.AvgPool2d(h, nabla.PoolOptions{Kernel: []int{3}}), n, 3)
		logits := nabla.MatMul(h, ps[3])
		return nabla.Neg(nabla.Mean(nabla.Sum(nabla.Mul(nabla.LogSoftmax(logits, 1), target), 1)))
	}
}

// gradientsAt returns f's gradients with respect to every argument at ps + s·vs.
func gradientsAt(f nabla.Func, ps, vs []*nabla.Tensor, s float64) [][]float64 {
	at := make([]*nabla.Tensor, len(ps))
	argnums := make([]int, len(ps))
	for i := range ps {
		at[i] = nabla.Add(ps[i], nabla.MulScalar(vs[i], s))
		argnums[i] = i
	}
	_, gs := nabla.ValueAndGrad(f, argnums...)(at...)
	out := make([][]float64, len(gs))
	for i, g := range gs {
		out[i] = g.Float64s()
	}
	return out
}

// The Hessian-vector product of the small CNN's loss with respect to all its
// parameters, through conv, batch norm, max and average pooling, agrees with
// central differences of its gradient along v: (∇f(p + εv) − ∇f(p − εv))/2ε.
// Max pooling's windows keep their maxima over ±ε (no ties in random data).
func TestSmallConvNetHessianVectorProduct(t *testing.T) {
	r := nabla.NewRand(14)
	x := nabla.Randn(r, 4, 2, 6, 6)
	f := smallCNN(x, []int{0, 1, 1, 0})
	ps := []*nabla.Tensor{
		nabla.MulScalar(nabla.Randn(r, 3, 2, 3, 3), 0.4),
		nabla.AddScalar(nabla.MulScalar(nabla.Randn(r, 3), 0.3), 1),
		nabla.MulScalar(nabla.Randn(r, 3), 0.3),
		nabla.Randn(r, 3, 2),
	}
	vs := make([]*nabla.Tensor, len(ps))
	for i, p := range ps {
		vs[i] = nabla.Randn(r, p.Shape()...)
	}
	hv := nabla.HVP(f, ps, vs)
	const eps = 1e-5
	plus, minus := gradientsAt(f, ps, vs, eps), gradientsAt(f, ps, vs, -eps)
	names := []string{"conv weight", "batch norm weight", "batch norm bias", "linear weight"}
	for i, name := range names {
		fd := make([]float64, len(plus[i]))
		for k := range fd {
			fd[k] = (plus[i][k] - minus[i][k]) / (2 * eps)
		}
		if norm := nabla.Norm(hv[i]).Item(); !(norm > 1e-3) {
			t.Errorf("%s: the Hessian-vector product has norm %v", name, norm)
		}
		assertClose(t, "H·v, "+name, hv[i], fd, 1e-7)
	}
}

// The Hessian of a tiny conv net's loss with respect to its 8 conv weights,
// forward over reverse through Conv2d, BatchNorm, Tanh and MaxPool2d, is
// symmetric and agrees with central differences of the gradient, column by
// column.
func TestTinyConvNetHessian(t *testing.T) {
	r := nabla.NewRand(7)
	x := nabla.Randn(r, 3, 1, 5, 5)
	target := nabla.Randn(r, 3, 2, 2, 2)
	f := func(ps ...*nabla.Tensor) *nabla.Tensor {
		h := nabla.Conv2d(x, ps[0], nabla.ConvOptions{})
		h = nabla.MaxPool2d(nabla.Tanh(nabla.BatchNorm(h, nil, nil, 1e-5)), nabla.PoolOptions{Kernel: []int{2}})
		return nabla.Sum(nabla.Square(nabla.Sub(h, target)))
	}
	w := nabla.Randn(r, 2, 1, 2, 2)
	h := nabla.Hessian(f)(w)
	if got := fmt.Sprint(h.Shape()); got != "[2 1 2 2 2 1 2 2]" {
		t.Fatalf("Hessian of shape %s", got)
	}
	const n, eps = 8, 1e-5
	hv := h.Float64s()
	grad := nabla.Grad(f)
	for j := range n {
		e := make([]float64, n)
		e[j] = eps
		d := nabla.FromSlice(e, 2, 1, 2, 2)
		gp, gm := grad(nabla.Add(w, d)).Float64s(), grad(nabla.Sub(w, d)).Float64s()
		for i := range n {
			hij, hji := hv[i*n+j], hv[j*n+i]
			if math.Abs(hij-hji) > 1e-12*(1+math.Abs(hij)) {
				t.Errorf("H[%d][%d] = %v but H[%d][%d] = %v", i, j, hij, j, i, hji)
			}
			fd := (gp[i] - gm[i]) / (2 * eps)
			if math.Abs(hij-fd) > 1e-6*(1+math.Abs(fd)) {
				t.Errorf("H[%d][%d] = %v, central difference %v", i, j, hij, fd)
			}
		}
	}
}
