package nabla_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nabla-go/nabla"
)

// randomProgram returns a function of two vectors of length n (n even) made
// of steps ops drawn by r from a menu of elementwise, shape, reduction and
// selection ops, so that intermediates of several shapes are live at once
// and die at different times: what the compiled plan's buffer sharing must
// get right.
func randomProgram(r *rand.Rand, steps, n int) nabla.Func {
	type pick func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor
	any1 := func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor { return vs[r.IntN(len(vs))] }
	menu := []pick{
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor { return nabla.Add(any1(vs, r), any1(vs, r)) },
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor { return nabla.Sub(any1(vs, r), any1(vs, r)) },
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor { return nabla.Mul(any1(vs, r), any1(vs, r)) },
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor {
			return nabla.Div(any1(vs, r), nabla.AddScalar(nabla.Square(any1(vs, r)), 1))
		},
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor { return nabla.Sin(any1(vs, r)) },
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor { return nabla.Tanh(any1(vs, r)) },
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor { return nabla.MulScalar(any1(vs, r), 0.5) },
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor { return nabla.Square(any1(vs, r)) },
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor { return nabla.Relu(any1(vs, r)) },
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor {
			return nabla.Maximum(any1(vs, r), any1(vs, r))
		},
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor {
			// the halves swapped: two strided slices and a concatenation
			x := any1(vs, r)
			return nabla.Concat(0, nabla.Slice(x, 0, 1, n, 2), nabla.Slice(x, 0, 0, n, 2))
		},
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor {
			// a contiguous slice (a view) and its mirror
			x := any1(vs, r)
			return nabla.Concat(0, nabla.Slice(x, 0, n/2, n, 1), nabla.Slice(x, 0, 0, n/2, 1))
		},
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor {
			// through a matrix: transpose, row sums broadcast back
			m := nabla.Reshape(any1(vs, r), 2, n/2)
			t := nabla.Transpose(m, 0, 1)
			return nabla.Reshape(nabla.Add(t, nabla.SumKeep(t, 1)), n)
		},
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor { return nabla.Softmax(any1(vs, r), 0) },
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor {
			a, b := any1(vs, r), any1(vs, r)
			return nabla.Where(nabla.Relu(nabla.Sub(a, b)), nabla.Exp(nabla.Clamp(a, -3, 3)), b)
		},
		func(vs []*nabla.Tensor, r *rand.Rand) *nabla.Tensor {
			return nabla.Mul(any1(vs, r), nabla.Max(any1(vs, r)))
		},
	}
	ops := make([]pick, steps)
	seeds := make([]uint64, steps)
	for i := range ops {
		ops[i], seeds[i] = menu[r.IntN(len(menu))], r.Uint64()
	}
	return func(xs ...*nabla.Tensor) *nabla.Tensor {
		vs := []*nabla.Tensor{xs[0], xs[1]}
		for i, op := range ops {
			vs = append(vs, op(vs, rand.New(rand.NewPCG(seeds[i], 1))))
		}
		// Σ of the last few values, weighted so that none cancels
		y := nabla.Sum(vs[len(vs)-1])
		for k, v := range vs[max(2, len(vs)-4) : len(vs)-1] {
			y = nabla.Add(y, nabla.MulScalar(nabla.Sum(nabla.Sin(v)), float64(k+2)))
		}
		return y
	}
}

// TestCompileRandomPrograms compiles random programs and checks value and
// gradients (and the Into variant) against ValueAndGrad, and the compiled
// Hessian-vector product against HVP, at inputs other than the traced one,
// at a small and a pooled size.
func TestCompileRandomPrograms(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 11))
	for prog := range 120 {
		n := []int{6, 300}[prog%2]
		steps := 3 + r.IntN(18)
		f := randomProgram(r, steps, n)
		t.Run(fmt.Sprintf("%d/n=%d/steps=%d", prog, n, steps), func(t *testing.T) {
			compiled := nabla.CompileValueAndGrad(f, 0, 1)
			into := nabla.CompileValueAndGradInto(f, 0, 1)
			eager := nabla.ValueAndGrad(f, 0, 1)
			hvp := func(xs ...*nabla.Tensor) *nabla.Tensor {
				return nabla.HVP(f, xs[:2], xs[2:])[0]
			}
			chvp := nabla.Compile(hvp)
			gx, gw := nabla.Zeros(n), nabla.Zeros(n)
			for call := range 4 {
				in := nabla.NewRand(uint64(100*prog + call))
				x, w := nabla.Uniform(in, -2, 2, n), nabla.Uniform(in, -2, 2, n)
				wy, wgs := eager(x, w)
				y, gs := compiled(x, w)
				assertClose(t, fmt.Sprintf("call %d value", call), y, wy.Float64s(), 1e-12)
				assertClose(t, fmt.Sprintf("call %d gradient x", call), gs[0], wgs[0].Float64s(), 1e-11)
				assertClose(t, fmt.Sprintf("call %d gradient w", call), gs[1], wgs[1].Float64s(), 1e-11)
				y = into([]*nabla.Tensor{gx, gw}, x, w)
				assertClose(t, fmt.Sprintf("call %d value (into)", call), y, wy.Float64s(), 1e-12)
				assertClose(t, fmt.Sprintf("call %d gradient x (into)", call), gx, wgs[0].Float64s(), 1e-11)
				assertClose(t, fmt.Sprintf("call %d gradient w (into)", call), gw, wgs[1].Float64s(), 1e-11)
				u, v := nabla.Uniform(in, -1, 1, n), nabla.Uniform(in, -1, 1, n)
				assertClose(t, fmt.Sprintf("call %d HVP", call), chvp(x, w, u, v), hvp(x, w, u, v).Float64s(), 1e-10)
			}
		})
	}
}
