package nabla_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nabla-go/nabla"
)

func TestCompileRosenbrock(t *testing.T) {
	vg := nabla.CompileValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor { return extendedRosenbrock(xs[0]) })
	for seed := uint64(1); seed < 5; seed++ {
		x := nabla.Uniform(nabla.NewRand(seed), -2, 2, 1000)
		y, gs := vg(x)
		want := make([]float64, 1000)
		f := extendedRosenbrockGrad(x.Float64s(), want)
		if math.Abs(y.Item()-f) > 1e-12*math.Abs(f) {
			t.Fatalf("value %v, want %v", y.Item(), f)
		}
		assertClose(t, "gradient", gs[0], want, 1e-14)
	}
}

// TestCompileRegisteredOps walks the op registry: for every op and case, the
// compiled value and gradient of Σ w·op(x), traced at one input and replayed
// at others (new values, new indices), must match ValueAndGrad there. A rule
// that computed something from values outside an op would be replayed with
// the traced values and fail here.
func TestCompileRegisteredOps(t *testing.T) {
	for _, op := range nabla.Ops() {
		for _, cs := range op.Cases {
			t.Run(op.Name+"/"+cs.Name, func(t *testing.T) {
				first := cs.Inputs(nabla.NewRand(7))
				var argnums []int
				for i := range first {
					if !cs.IsConstant(i) {
						argnums = append(argnums, i)
					}
				}
				if len(argnums) == 0 {
					t.Fatal("case has no differentiable input")
				}
				w := nabla.Uniform(nabla.NewRand(9), -1, 1, op.Apply(cs.Params, first...).Shape()...)
				f := func(xs ...*nabla.Tensor) *nabla.Tensor {
					return nabla.Sum(nabla.Mul(op.Apply(cs.Params, xs...), w))
				}
				compiled := nabla.CompileValueAndGrad(f, argnums...)
				into := nabla.CompileValueAndGradInto(f, argnums...)
				eager := nabla.ValueAndGrad(f, argnums...)
				err := nabla.Catch(func() {
					for k, seed := range []uint64{7, 8, 8, 10} {
						xs := cs.Inputs(nabla.NewRand(seed))
						y, gs := compiled(xs...)
						wy, wgs := eager(xs...)
						assertClose(t, fmt.Sprintf("call %d: value", k), y, wy.Float64s(), 1e-12)
						for i := range gs {
							assertClose(t, fmt.Sprintf("call %d: gradient %d", k, i), gs[i], wgs[i].Float64s(), 1e-12)
						}
						bufs := make([]*nabla.Tensor, len(argnums))
						for i, a := range argnums {
							bufs[i] = nabla.New(xs[a].DType(), xs[a].Shape()...)
						}
						y = into(bufs, xs...)
						assertClose(t, fmt.Sprintf("call %d: value (into)", k), y, wy.Float64s(), 1e-12)
						for i := range bufs {
							assertClose(t, fmt.Sprintf("call %d: gradient %d (into)", k, i), bufs[i], wgs[i].Float64s(), 1e-12)
						}
					}
				})
				if err != nil {
					t.Error(err)
				}
				// Forward mode and forward over reverse, compiled: the JVP
				// along v and the HVP with v (zero along constant inputs).
				k := len(first)
				split := func(all []*nabla.Tensor) (xs, vs []*nabla.Tensor) {
					xs, vs = all[:k], slices.Clone(all[k:])
					for i := range vs {
						if cs.IsConstant(i) {
							vs[i] = nabla.ZerosLike(xs[i])
						}
					}
					return xs, vs
				}
				jvp := func(all ...*nabla.Tensor) *nabla.Tensor {
					xs, vs := split(all)
					_, d := nabla.JVP(f, xs, vs)
					return d
				}
				hvp := func(all ...*nabla.Tensor) *nabla.Tensor {
					xs, vs := split(all)
					return nabla.Stack(0, nabla.HVP(f, xs, vs)[argnums[0]])
				}
				cjvp, chvp := nabla.Compile(jvp), nabla.Compile(hvp)
				err = nabla.Catch(func() {
					for k, seed := range []uint64{7, 8, 10} {
						all := cs.Inputs(nabla.NewRand(seed))
						for _, x := range cs.Inputs(nabla.NewRand(seed + 100)) {
							all = append(all, nabla.Uniform(nabla.NewRand(seed+200), -1, 1, x.Shape()...).As(x.DType()))
						}
						assertClose(t, fmt.Sprintf("call %d: JVP", k), cjvp(all...), jvp(all...).Float64s(), 1e-12)
						assertClose(t, fmt.Sprintf("call %d: HVP", k), chvp(all...), hvp(all...).Float64s(), 1e-12)
					}
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
	}
}

func sumCubes(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.PowScalar(xs[0], 3)) }

func TestCompileSignaturesAndResults(t *testing.T) {
	vg := nabla.CompileValueAndGrad(sumCubes)
	for _, n := range []int{3, 300, 3, 5, 300} {
		for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
			x := nabla.Uniform(nabla.NewRand(uint64(n)), -2, 2, n).As(dt)
			y, gs := vg(x)
			if gs[0].DType() != dt || y.DType() != dt {
				t.Fatalf("n=%d %s: results of dtype %s, %s", n, dt, y.DType(), gs[0].DType())
			}
			want := make([]float64, n)
			for i, v := range x.Float64s() {
				want[i] = 3 * v * v
			}
			tol := 1e-14
			if dt == nabla.Float32 {
				tol = 1e-6
			}
			assertClose(t, fmt.Sprintf("n=%d %s gradient", n, dt), gs[0], want, tol)
		}
	}
	// Results belong to the caller: the next call does not overwrite them.
	a := nabla.Full(1, 300)
	_, ga := vg(a)
	_, gb := vg(nabla.Full(2, 300))
	assertClose(t, "first result after a second call", ga[0], slices.Repeat([]float64{3}, 300), 0)
	assertClose(t, "second result", gb[0], slices.Repeat([]float64{12}, 300), 0)
}

func TestCompileForward(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.Softmax(nabla.MatMul(xs[0], xs[1]), -1)
	}
	cf := nabla.Compile(f)
	for seed := uint64(1); seed <= 3; seed++ {
		r := nabla.NewRand(seed)
		a, b := nabla.Randn(r, 4, 300), nabla.Randn(r, 300, 3)
		assertClose(t, "compiled forward", cf(a, b), f(a, b).Float64s(), 0)
	}
}

func TestCompileInto(t *testing.T) {
	vg := nabla.CompileValueAndGradInto(func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.Sum(nabla.Mul(nabla.Sin(xs[0]), xs[1]))
	}, 0, 1)
	gx, gw := nabla.Zeros(400), nabla.Zeros(400)
	for seed := uint64(1); seed <= 3; seed++ {
		r := nabla.NewRand(seed)
		x, w := nabla.Uniform(r, -3, 3, 400), nabla.Uniform(r, -1, 1, 400)
		y := vg([]*nabla.Tensor{gx, gw}, x, w)
		wx, ww := make([]float64, 400), make([]float64, 400)
		want := 0.0
		for i, v := range x.Float64s() {
			wx[i] = math.Cos(v) * w.At(i)
			ww[i] = math.Sin(v)
			want += ww[i] * w.At(i)
		}
		assertClose(t, "value", y, []float64{want}, 1e-13)
		assertClose(t, "gradient x", gx, wx, 1e-15)
		assertClose(t, "gradient w", gw, ww, 1e-15)
	}
	err := nabla.Catch(func() { vg([]*nabla.Tensor{gx, nabla.Zeros(3)}, nabla.Zeros(400), nabla.Zeros(400)) })
	if err == nil || !strings.Contains(err.Error(), "gradient tensor 1 is (3,)") {
		t.Fatalf("wrong gradient shape: error %v", err)
	}
}

// TestCompileRejectsValueReads: Go code that reads traced values could not
// be replayed; it is an error naming the accessor, not a silent constant.
func TestCompileRejectsValueReads(t *testing.T) {
	cases := map[string]nabla.Func{
		"Item": func(xs ...*nabla.Tensor) *nabla.Tensor {
			return nabla.MulScalar(nabla.Sum(xs[0]), nabla.Sum(xs[0]).Item())
		},
		"Float64s": func(xs ...*nabla.Tensor) *nabla.Tensor {
			return nabla.Sum(nabla.FromSlice(xs[0].Float64s(), 3))
		},
		"RegisterHook": func(xs ...*nabla.Tensor) *nabla.Tensor {
			return nabla.Sum(nabla.Square(xs[0]).RegisterHook(func(g *nabla.Tensor) *nabla.Tensor { return g }))
		},
	}
	for name, f := range cases {
		err := nabla.Catch(func() { nabla.CompileValueAndGrad(f)(nabla.FromSlice([]float64{1, 2, 3}, 3)) })
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "compiled") {
			t.Errorf("%s: error %v", name, err)
		}
	}
	// Gradients stored in a tensor the function does not compute would be
	// stored once, at tracing.
	w := nabla.FromSlice([]float64{1, 2, 3}, 3).SetRequiresGrad(true)
	err := nabla.Catch(func() {
		nabla.Compile(func(xs ...*nabla.Tensor) *nabla.Tensor {
			loss := nabla.Sum(nabla.Mul(w, xs[0]))
			loss.Backward()
			return loss
		})(nabla.FromSlice([]float64{1, 2, 3}, 3))
	})
	if err == nil || !strings.Contains(err.Error(), "cannot store gradients") {
		t.Errorf("Backward into a closed-over leaf: error %v", err)
	}
}

// TestCompileNestedTransforms: transforms inside a compiled function are
// traced (their backward passes recorded as ops); a compiled function inside
// a transform runs uncompiled, so it can be differentiated.
func TestCompileNestedTransforms(t *testing.T) {
	inner := nabla.Grad(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Sin(xs[0])) })
	// f(x) = Σ cos x, computed as the sum of a gradient: ∇f = −sin x.
	vg := nabla.CompileValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(inner(xs[0])) })
	for seed := uint64(1); seed <= 3; seed++ {
		x := nabla.Uniform(nabla.NewRand(seed), -3, 3, 300)
		y, gs := vg(x)
		want, wantY := make([]float64, 300), 0.0
		for i, v := range x.Float64s() {
			want[i], wantY = -math.Sin(v), wantY+math.Cos(v)
		}
		assertClose(t, "value", y, []float64{wantY}, 1e-13)
		assertClose(t, "gradient", gs[0], want, 1e-15)
	}
	// Grad of Σ ∂/∂x Σ x³ = Σ 3x² is 6x: the compiled function runs eagerly
	// on a variable.
	cvg := nabla.CompileValueAndGrad(sumCubes)
	h := nabla.Grad(func(xs ...*nabla.Tensor) *nabla.Tensor {
		_, gs := cvg(xs[0])
		return nabla.Sum(gs[0])
	})
	x := nabla.FromSlice([]float64{-1, 0.5, 2}, 3)
	assertClose(t, "second derivative", h(x), []float64{-6, 3, 12}, 1e-15)
}

// TestCompileConstants: a tensor the function closes over is a constant of
// the program, read at each call: changed in place, the new values are used.
func TestCompileConstants(t *testing.T) {
	w := nabla.Full(2, 300)
	vg := nabla.CompileValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Mul(w, xs[0])) })
	x := nabla.Full(1, 300)
	_, gs := vg(x)
	assertClose(t, "gradient", gs[0], slices.Repeat([]float64{2}, 300), 0)
	for i := range w.RawFloat64() {
		w.RawFloat64()[i] = 5
	}
	_, gs = vg(x)
	assertClose(t, "gradient after w changed in place", gs[0], slices.Repeat([]float64{5}, 300), 0)
}

var calls int

// counterOp returns how many times it has run: not a function of its input.
var counterOp = &nabla.Op{
	Name: "counter",
	Forward: func(c *nabla.Ctx) *nabla.Tensor {
		calls++
		return nabla.FullLike(c.Inputs[0], float64(calls))
	},
	VJP: func(c *nabla.Ctx, g *nabla.Tensor) []*nabla.Tensor { return []*nabla.Tensor{nil} },
}

func TestCompileDetectsImpureFunction(t *testing.T) {
	f := nabla.Compile(func(xs ...*nabla.Tensor) *nabla.Tensor { return counterOp.Apply(nil, xs[0]) })
	err := nabla.Catch(func() { f(nabla.Zeros(3)) })
	if err == nil || !strings.Contains(err.Error(), "does not reproduce") {
		t.Fatalf("error %v", err)
	}
}

func TestCompileAnomalyModeRunsEagerly(t *testing.T) {
	vg := nabla.CompileValueAndGrad(sumCubes)
	var gs []*nabla.Tensor
	nabla.DetectAnomaly(func() { _, gs = vg(nabla.FromSlice([]float64{1, 2}, 2)) })
	assertClose(t, "gradient", gs[0], []float64{3, 12}, 0)
}

// TestCompileConcurrentCalls: calls from several goroutines (run with -race).
func TestCompileConcurrentCalls(t *testing.T) {
	vg := nabla.CompileValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor { return extendedRosenbrock(xs[0]) })
	xs := make([]*nabla.Tensor, 8)
	want := make([][]float64, len(xs))
	for i := range xs {
		xs[i] = nabla.Uniform(nabla.NewRand(uint64(i)), -2, 2, 1000)
		want[i] = make([]float64, 1000)
		extendedRosenbrockGrad(xs[i].Float64s(), want[i])
	}
	vg(xs[0]) // traced
	var wg sync.WaitGroup
	got := make([]*nabla.Tensor, len(xs))
	for i := range xs {
		wg.Go(func() {
			for range 20 {
				_, gs := vg(xs[i])
				got[i] = gs[0]
			}
		})
	}
	wg.Wait()
	for i := range xs {
		assertClose(t, fmt.Sprintf("goroutine %d", i), got[i], want[i], 1e-14)
	}
}

// TestCompileErrorWhileTracing: an error inside the function surfaces as the
// usual *Error, and leaves nothing behind: the next compiled call works.
func TestCompileErrorWhileTracing(t *testing.T) {
	bad := nabla.CompileValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.Sum(nabla.Add(xs[0], nabla.Zeros(4)))
	})
	err := nabla.Catch(func() { bad(nabla.Zeros(3)) })
	if err == nil || !strings.Contains(err.Error(), "(3,)") || !strings.Contains(err.Error(), "(4,)") {
		t.Fatalf("error %v", err)
	}
	_, gs := nabla.CompileValueAndGrad(sumCubes)(nabla.FromSlice([]float64{1, 2}, 2))
	assertClose(t, "gradient after a failed trace", gs[0], []float64{3, 12}, 0)
	y := nabla.Sum(nabla.Square(nabla.FromSlice([]float64{3}, 1).SetRequiresGrad(true)))
	y.Backward() // eager autodiff is unaffected
}

// TestCompileRecoveredError: a function that catches an op's error and goes
// on is still traced whole.
func TestCompileRecoveredError(t *testing.T) {
	vg := nabla.CompileValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor {
		if err := nabla.Catch(func() { nabla.Add(xs[0], nabla.Zeros(7)) }); err == nil {
			t.Error("shapes (3,) and (7,) broadcast")
		}
		return nabla.Sum(nabla.Square(xs[0]))
	})
	for _, x := range [][]float64{{1, 2, 3}, {-1, 0, 4}} {
		_, gs := vg(nabla.FromSlice(x))
		assertClose(t, "gradient", gs[0], []float64{2 * x[0], 2 * x[1], 2 * x[2]}, 0)
	}
}

// TestCompileForwardMode: forward-mode transforms inside a compiled function
// (their tangents are computed by the JVP rules' ops, which the trace
// records), alone and under reverse mode, against the same transforms run
// eagerly, at inputs other than the traced one.
func TestCompileForwardMode(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		x := xs[0]
		return nabla.Sum(nabla.Add(nabla.Mul(nabla.Sin(x), nabla.Square(x)), nabla.LogSumExp(x)))
	}
	hvp := func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.HVP(f, []*nabla.Tensor{xs[0]}, []*nabla.Tensor{xs[1]})[0]
	}
	jvp := func(xs ...*nabla.Tensor) *nabla.Tensor {
		_, d := nabla.JVP(f, []*nabla.Tensor{xs[0]}, []*nabla.Tensor{xs[1]})
		return d
	}
	hess := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Hessian(f)(xs[0]) }
	// Reverse over forward: the gradient of the directional derivative.
	revFwd := func(xs ...*nabla.Tensor) *nabla.Tensor { return jvp(xs...) }
	chvp, cjvp, chess := nabla.Compile(hvp), nabla.Compile(jvp), nabla.Compile(hess)
	crf := nabla.CompileValueAndGrad(revFwd)
	erf := nabla.ValueAndGrad(revFwd)
	for seed := uint64(1); seed <= 3; seed++ {
		r := nabla.NewRand(seed)
		x, v := nabla.Uniform(r, -2, 2, 5), nabla.Uniform(r, -1, 1, 5)
		assertClose(t, "HVP", chvp(x, v), hvp(x, v).Float64s(), 1e-13)
		assertClose(t, "JVP", cjvp(x, v), jvp(x, v).Float64s(), 1e-13)
		assertClose(t, "Hessian", chess(x), hess(x).Float64s(), 1e-13)
		y, gs := crf(x, v)
		wy, wgs := erf(x, v)
		assertClose(t, "reverse over forward: value", y, wy.Float64s(), 1e-13)
		assertClose(t, "reverse over forward: gradient", gs[0], wgs[0].Float64s(), 1e-13)
	}
}

// TestCompileProdAtZero: the gradient of a product takes one formula where
// an entry is 0 and another elsewhere; a compiled program traced at one kind
// of input must be right at the other, to second order. (Eager second
// derivatives at a 0 were 0 until this test: the rule's zero branch was not
// differentiable.)
func TestCompileProdAtZero(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Prod(xs[0]) }
	vg := nabla.CompileValueAndGrad(f)
	hvp := nabla.Compile(func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.HVP(f, xs[:1], xs[1:])[0]
	})
	e := nabla.FromSlice([]float64{1, 0, 0}) // Hessian columns, one at a time
	for _, x := range [][]float64{{1, 2, 3}, {2, 0, 3}, {0, 0, 5}, {0, 4, 5}} {
		_, gs := vg(nabla.FromSlice(x))
		assertClose(t, fmt.Sprint("gradient at ", x), gs[0], []float64{x[1] * x[2], x[0] * x[2], x[0] * x[1]}, 0)
		if x[0] == 0 && x[1] == 0 {
			continue // two zeros in the slice: second derivatives are not exact (documented on Prod)
		}
		assertClose(t, fmt.Sprint("Hessian column 0 at ", x), hvp(nabla.FromSlice(x), e), []float64{0, x[2], x[1]}, 0)
		eager := nabla.HVP(f, []*nabla.Tensor{nabla.FromSlice(x)}, []*nabla.Tensor{e})[0]
		assertClose(t, fmt.Sprint("eager Hessian column 0 at ", x), eager, []float64{0, x[2], x[1]}, 0)
		hess := nabla.Hessian(f)(nabla.FromSlice(x))
		assertClose(t, fmt.Sprint("eager Hessian at ", x), hess, []float64{0, x[2], x[1], x[2], 0, x[0], x[1], x[0], 0}, 0)
	}
}

// TestCompileEdgeShapes: empty tensors, scalars and float32, with the Into
// variant, traced and replayed.
func TestCompileEdgeShapes(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.Add(nabla.Sum(nabla.Square(xs[0])), nabla.Mul(xs[1], xs[1]))
	}
	vg := nabla.CompileValueAndGradInto(f, 0, 1)
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		for _, n := range []int{0, 1, 300} {
			for call := range 2 {
				x := nabla.Uniform(nabla.NewRand(uint64(call)), -1, 1, n).As(dt)
				s := nabla.Scalar(float64(call) + 0.5).As(dt)
				gx, gs := nabla.New(dt, n), nabla.New(dt, s.Shape()...)
				y := vg([]*nabla.Tensor{gx, gs}, x, s)
				want, wantY := make([]float64, n), 2*(float64(call)+0.5)*(float64(call)+0.5)/2
				for i, v := range x.Float64s() {
					want[i] = 2 * v
					wantY += v * v
				}
				tol := 1e-14
				if dt == nabla.Float32 {
					tol = 1e-6
				}
				assertClose(t, fmt.Sprintf("%s n=%d call %d value", dt, n, call), y, []float64{wantY}, tol)
				assertClose(t, fmt.Sprintf("%s n=%d call %d gradient", dt, n, call), gx, want, tol)
				assertClose(t, fmt.Sprintf("%s n=%d call %d scalar gradient", dt, n, call), gs, []float64{2 * (float64(call) + 0.5)}, tol)
			}
		}
	}
}

func TestMakeProgram(t *testing.T) {
	rosen := func(xs ...*nabla.Tensor) *nabla.Tensor { return extendedRosenbrock(xs[0]) }
	p := nabla.MakeValueAndGradProgram(rosen, nil, nabla.Zeros(1000))
	if p.Len() != 20 || !strings.Contains(p.String(), "-- backward --") || !strings.Contains(p.String(), "unslice[axis 0, 1:1000:2]") {
		t.Errorf("%d ops:\n%s", p.Len(), p)
	}
	fwd := nabla.MakeProgram(rosen, nabla.Zeros(1000))
	if fwd.Len() != 10 || strings.Contains(fwd.String(), "backward") {
		t.Errorf("%d ops:\n%s", fwd.Len(), fwd)
	}
	err := nabla.Catch(func() {
		nabla.MakeProgram(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Scalar(xs[0].Item()) }, nabla.Zeros(1))
	})
	if err == nil || !strings.Contains(err.Error(), "Item") {
		t.Errorf("error %v", err)
	}
}

// TestCompileResultsThatAreNotFresh: a result that is an argument, a
// constant, or a view of an intermediate is the caller's own memory, call
// after call.
func TestCompileResultsThatAreNotFresh(t *testing.T) {
	ident := nabla.Compile(func(xs ...*nabla.Tensor) *nabla.Tensor { return xs[0] })
	x := nabla.FromSlice([]float64{1, 2, 3})
	y := ident(x)
	y.RawFloat64()[0] = 9
	assertClose(t, "argument after writing into the result", x, []float64{1, 2, 3}, 0)

	constant := nabla.CompileValueAndGrad(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Ones(3)) })
	v, gs := constant(x)
	v.RawFloat64()[0], gs[0].RawFloat64()[0] = 7, 7
	v, gs = constant(x)
	assertClose(t, "constant value on the next call", v, []float64{3}, 0)
	assertClose(t, "zero gradient on the next call", gs[0], []float64{0, 0, 0}, 0)

	view := nabla.Compile(func(xs ...*nabla.Tensor) *nabla.Tensor {
		return nabla.Reshape(nabla.Exp(xs[0]), 2, 150)
	})
	a := view(nabla.Zeros(300))
	b := view(nabla.Full(1, 300))
	if a.At(0, 0) != 1 || b.At(1, 149) != math.E || !slices.Equal(a.Shape(), []int{2, 150}) {
		t.Errorf("views: %v %v", a.At(0, 0), b.At(1, 149))
	}
}
