package natgrad

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/nn"
	"gonum.org/v1/gonum/mat"
)

// tiny is a small tanh MLP on a batch of five, in float64.
func tiny() (params []*nabla.Tensor, logits func() *nabla.Tensor, labels []int) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := nn.MLP([]int{3, 4, 3}, nn.Tanh, rng)
	x := nabla.Randn(rng, 5, 3)
	return nn.Tensors(m), func() *nabla.Tensor { return m.Forward(x) }, []int{0, 1, 2, 1, 0}
}

// explicitFisher forms J (one reverse pass per logit) and
// F = (1/N) Σₙ Jₙᵀ (diag pₙ − pₙpₙᵀ) Jₙ element by element.
func explicitFisher(params []*nabla.Tensor, z *nabla.Tensor) (jac, fisher *mat.Dense) {
	n, c := z.Dim(0), z.Dim(1)
	var dim int
	for _, p := range params {
		dim += p.Size()
	}
	jac = mat.NewDense(n*c, dim, nil)
	for r := range n * c {
		seed := make([]float64, n*c)
		seed[r] = 1
		gs := nabla.Gradients([]*nabla.Tensor{z}, params, nabla.Seed(nabla.FromSlice(seed, n, c)), nabla.RetainGraph(), nabla.AllowUnused())
		jac.SetRow(r, flatten(params, gs))
	}
	p := nabla.Softmax(z.Detach(), 1).Float64s()
	fisher = mat.NewDense(dim, dim, nil)
	for i := range n {
		h := mat.NewDense(c, c, nil)
		for a := range c {
			for b := range c {
				v := -p[i*c+a] * p[i*c+b]
				if a == b {
					v += p[i*c+a]
				}
				h.Set(a, b, v/float64(n))
			}
		}
		jn := jac.Slice(i*c, (i+1)*c, 0, dim)
		var t, f mat.Dense
		t.Mul(h, jn)
		f.Mul(jn.T(), &t)
		fisher.Add(fisher, &f)
	}
	return jac, fisher
}

func TestFisherVectorProductAgainstExplicitFisher(t *testing.T) {
	params, logits, labels := tiny()
	z := logits()
	f := NewFisher(params, z, labels)
	jac, fisher := explicitFisher(params, z)
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 3 {
		v := make([]float64, f.Dim())
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		var jv, fv mat.VecDense
		jv.MulVec(jac, mat.NewVecDense(len(v), v))
		fv.MulVec(fisher, mat.NewVecDense(len(v), v))
		closeTo(t, "J·v", trial, f.JVP(v), jv.RawVector().Data, 1e-12)
		closeTo(t, "F·v", trial, f.Apply(v), fv.RawVector().Data, 1e-12)
	}
	// The gradient of the loss is Jᵀ(p − onehot)/N.
	want := make([]float64, len(f.p))
	for i := range f.n {
		for k := range f.c {
			want[i*f.c+k] = f.p[i*f.c+k] / float64(f.n)
		}
		want[i*f.c+labels[i]] -= 1 / float64(f.n)
	}
	closeTo(t, "gradient", 0, f.Grad(), f.VJP(want), 1e-12)
}

func closeTo(t *testing.T, what string, trial int, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s (trial %d): %d elements, want %d", what, trial, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol*(1+math.Abs(want[i])) {
			t.Fatalf("%s (trial %d)[%d] = %v, want %v", what, trial, i, got[i], want[i])
		}
	}
}

func TestCGAgainstDirectSolve(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 12
	b := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			b.Set(i, j, rng.NormFloat64())
		}
	}
	var a mat.Dense
	a.Mul(b.T(), b)
	for i := range n {
		a.Set(i, i, a.At(i, i)+0.1)
	}
	rhs := make([]float64, n)
	for i := range rhs {
		rhs[i] = rng.NormFloat64()
	}
	var want mat.VecDense
	if err := want.SolveVec(&a, mat.NewVecDense(n, rhs)); err != nil {
		t.Fatal(err)
	}
	apply := func(v []float64) []float64 {
		var av mat.VecDense
		av.MulVec(&a, mat.NewVecDense(n, v))
		return av.RawVector().Data
	}
	x, k := CG(apply, rhs, 10*n, 1e-13)
	closeTo(t, "CG solution", 0, x, want.RawVector().Data, 1e-8)
	t.Logf("CG converged in %d iterations (n=%d)", k, n)
	// Exact arithmetic would need at most n iterations; a budget of 3 stops
	// early with a residual smaller than b's.
	x3, k3 := CG(apply, rhs, 3, 0)
	if k3 != 3 {
		t.Errorf("CG with 3 iterations ran %d", k3)
	}
	if r := residual(apply, x3, rhs); !(r < norm(rhs)) {
		t.Errorf("after 3 iterations the residual %v is not below ‖b‖ = %v", r, norm(rhs))
	}
}

func residual(apply func([]float64) []float64, x, b []float64) float64 {
	ax := apply(x)
	for i := range ax {
		ax[i] = b[i] - ax[i]
	}
	return norm(ax)
}

func norm(v []float64) float64 { return math.Sqrt(dot(v, v)) }

func TestStepDecreasesLossFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	m := nn.MLP([]int{4, 8, 3}, nn.Tanh, rng, nn.WithDType(nabla.Float32))
	x := nabla.Randn(rng, 16, 4).As(nabla.Float32)
	labels := make([]int, 16)
	for i := range labels {
		labels[i] = i % 3
	}
	opt := New(nn.Tensors(m), Defaults())
	first := opt.Step(func() *nabla.Tensor { return m.Forward(x) }, labels)
	var last float64
	for range 10 {
		last = opt.Step(func() *nabla.Tensor { return m.Forward(x) }, labels)
	}
	if !(last < first/2) {
		t.Errorf("loss %v after 11 steps, from %v", last, first)
	}
	if opt.Steps() != 11 || opt.CGIterations() == 0 {
		t.Errorf("Steps %d, CGIterations %d", opt.Steps(), opt.CGIterations())
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	p := nabla.Zeros(2).SetRequiresGrad(true)
	for name, s := range map[string]Settings{
		"negative LR":      {LR: -1, CGIters: 1},
		"negative damping": {LR: 1, Damping: -1, CGIters: 1},
		"no CG iterations": {LR: 1},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			New([]*nabla.Tensor{p}, s)
		}()
	}
}

// For one example and one Linear layer the Kronecker factorisation is exact:
// A ⊗ G is the layer's Fisher block.
func TestKFACFactorsAreTheFisherForOneExample(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	lin := nn.NewLinear(3, 4, rng)
	x := nabla.Randn(rng, 1, 3)
	params := nn.Tensors(lin)
	_, fisher := explicitFisher(params, lin.Forward(x))
	k := NewKFAC(lin, KFACSettings{LR: 0, Damping: 1e-3})
	k.Step(x, []int{2})
	a, g := k.Factors(0)
	in, out := 3, 4
	idx := func(o, i int) int { // position of W[o,i], or of b[o] for i == in
		if i == in {
			return out*in + o
		}
		return o*in + i
	}
	for o := range out {
		for i := range in + 1 {
			for o2 := range out {
				for i2 := range in + 1 {
					got, want := a.At(i, i2)*g.At(o, o2), fisher.At(idx(o, i), idx(o2, i2))
					if math.Abs(got-want) > 1e-12 {
						t.Fatalf("(A⊗G)[(%d,%d),(%d,%d)] = %v, Fisher %v", o, i, o2, i2, got, want)
					}
				}
			}
		}
	}
}

// K-FAC steps, with running factors, train a small tanh MLP.
func TestKFACStepDecreasesLoss(t *testing.T) {
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		t.Run(dt.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			m := nn.MLP([]int{4, 8, 3}, nn.Tanh, rng, nn.WithDType(dt))
			x := nabla.Randn(rng, 32, 4).As(dt)
			labels := make([]int, 32)
			for i := range labels {
				labels[i] = i % 3
			}
			k := NewKFAC(m, KFACSettings{LR: 0.5, Damping: 1e-2, Decay: 0.9})
			first := k.Step(x, labels)
			var last float64
			for range 20 {
				last = k.Step(x, labels)
			}
			if !(last < first/2) {
				t.Errorf("loss %v after 21 K-FAC steps, from %v", last, first)
			}
		})
	}
}

func TestNewKFACRejectsOtherLayers(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	m := nn.NewSequential(nn.NewLinear(3, 4, rng), nn.NewLayerNorm([]int{4}, 1e-5), nn.NewLinear(4, 2, rng))
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "layer 1") {
			t.Errorf("panic %v, want one naming layer 1", r)
		}
	}()
	NewKFAC(m, KFACDefaults())
}
