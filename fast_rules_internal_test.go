package nabla

import (
	"math"
	"strings"
	"testing"

	"github.com/nabla-go/nabla/internal/kernel"
)

// TestFastRulesAgree walks the registry: every op's faster variants
// (SaveForward, FastVJP, FastJVP) compute what the rules they replace
// compute, on each of the op's cases, with a gradient of the output's shape
// and, for ops that accept one, a gradient of one element (a summed
// output's). The engine chooses them; this is what makes the choice safe.
func TestFastRulesAgree(t *testing.T) {
	checked := 0
	for _, op := range Ops() {
		if op.SaveForward == nil && op.FastVJP == nil && op.FastJVP == nil {
			continue
		}
		for _, cs := range op.Cases {
			t.Run(op.Name+"/"+cs.Name, func(t *testing.T) {
				r := NewRand(5)
				xs := cs.Inputs(r)
				plain := &Ctx{Inputs: xs, Params: cs.Params}
				plain.Output = op.Forward(plain)
				fast := &Ctx{Inputs: xs, Params: cs.Params, recording: true}
				fast.Output = op.forward(fast)
				agree(t, "SaveForward", fast.Output, plain.Output, 0)
				if op.SaveForward != nil && fast.saved == nil {
					t.Fatal("SaveForward saved nothing")
				}
				gs := []*Tensor{Uniform(r, -1, 1, plain.Output.shape...)}
				if op.BroadcastGrad {
					gs = append(gs, Uniform(r, -1, 1))
				}
				for _, g := range gs {
					if op.FastVJP != nil {
						want, got := op.VJP(plain, g), op.FastVJP(fast, g)
						for i := range want {
							agree(t, "FastVJP", got[i], want[i], fastTolerance(op.Name))
						}
					}
				}
				if op.FastJVP != nil {
					ds := make([]*Tensor, len(xs))
					for i, x := range xs {
						ds[i] = Uniform(r, -1, 1, x.shape...)
					}
					agree(t, "FastJVP", op.FastJVP(fast, ds), op.JVP(plain, ds), 1e-15)
				}
				if op.SavedJVP != nil {
					checkSavedJVP(t, op, cs, xs, r)
				}
				checked++
			})
		}
	}
	if checked < 8 {
		t.Fatalf("only %d cases of ops with fast rules checked", checked)
	}
}

// fastTolerance is the relative tolerance of an op's FastVJP: 1e-15, the
// same operations in another order, except for rules whose fast form is a
// different formula for the same value (batch_norm's fused backward folds
// the centring into per-channel constants), where rounding differs by some
// units in the last place of a sum over the batch.
func fastTolerance(op string) float64 {
	if op == "batch_norm" {
		return 1e-12
	}
	if op == "solve" || op == "cholesky" { // LAPACK-style kernels, blocked differently
		return 1e-12
	}
	if op == "logsoftmax" {
		// The rule's softmax is exp(out), and out = x − logsumexp carries an
		// absolute rounding error of about |x|·ε, which exp makes relative
		// (1e-14 for the logits of ±40 of the far-apart case); the saved
		// softmax, the exponentials over their sum, has none of it.
		return 1e-13
	}
	return 1e-15
}

func agree(t *testing.T, what string, got, want *Tensor, tol float64) {
	t.Helper()
	if got == nil || want == nil {
		if got != want {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
		return
	}
	w := Expand(want, got.shape...)
	for i := 0; i < got.Size(); i++ {
		a, b := got.at(i), w.at(i)
		if math.Abs(a-b) > tol*(1+math.Abs(b)) {
			t.Fatalf("%s: element %d is %v, the rule it replaces gives %v", what, i, a, b)
		}
	}
}

// An op whose kernel loop internal/kernel does not define is refused when it
// is made, not computed as some other operation.
func TestBinaryOpNeedsAKernelLoop(t *testing.T) {
	err := Catch(func() {
		binaryOp("no-such-loop", kernel.Atan2+1, nil, nil, nil)
	})
	if err == nil || !strings.Contains(err.Error(), "does not define") {
		t.Fatalf("an op without a kernel loop: %v", err)
	}
	for _, op := range []kernel.BinOp{kernel.Add, kernel.Sub, kernel.Mul, kernel.Div, kernel.Pow, kernel.Max, kernel.Min, kernel.Atan2} {
		if !op.Defined() {
			t.Errorf("kernel op %d is not defined", op)
		}
	}
}

// checkSavedJVP checks an op's SavedJVP through what it serves: an HVP
// (forward over reverse, with the fast rule reading the by-product and its
// tangent) against central differences of the gradient.
func checkSavedJVP(t *testing.T, op *Op, cs Case, xs []*Tensor, r *randSource) {
	t.Helper()
	w := Uniform(r, -1, 1, op.Apply(cs.Params, xs...).shape...)
	f := func(in ...*Tensor) *Tensor { return Sum(Mul(w, op.Apply(cs.Params, in...))) }
	v := Uniform(r, -1, 1, xs[0].shape...)
	hv := HVP(f, xs[:1], []*Tensor{v})[0]
	const h = 1e-5
	grad := Grad(f)
	plus := grad(Add(xs[0], MulScalar(v, h)))
	minus := grad(Sub(xs[0], MulScalar(v, h)))
	agree(t, "SavedJVP (an HVP)", hv, DivScalar(Sub(plus, minus), 2*h), 1e-6)
}

// TestMaxPoolSavedPositions checks max pooling's fast backward rule, which
// scatters to the positions the forward pass saved, on the inputs it serves
// (select(x, x), which the registry's random cases never are).
func TestMaxPoolSavedPositions(t *testing.T) {
	for _, dt := range []DType{Float64, Float32} {
		r := NewRand(7)
		x := Uniform(r, -1, 1, 2, 3, 7, 6).As(dt)
		m := maxPoolParams{poolGeom("MaxPool2d", x, PoolOptions{Kernel: []int{3, 2}, Stride: []int{2}, Padding: []int{1}}, true)}
		plain := &Ctx{Inputs: []*Tensor{x, x.Detach()}, Params: m}
		plain.Output = maxPoolSelectOp.Forward(plain)
		fast := &Ctx{Inputs: plain.Inputs, Params: m, recording: true}
		fast.Output = maxPoolSelectOp.forward(fast)
		if fast.saved == nil {
			t.Fatal("MaxPool2d's forward pass saved no positions")
		}
		agree(t, "SaveForward", fast.Output, plain.Output, 0)
		g := Uniform(r, -1, 1, plain.Output.shape...).As(dt)
		agree(t, "FastVJP", maxPoolSelectOp.FastVJP(fast, g)[0], maxPoolSelectOp.VJP(plain, g)[0], 0)
	}
}
