package stress

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/minimize"
	"github.com/nabla-go/nabla/nn"
	"github.com/nabla-go/nabla/optim"
	"github.com/nabla-go/nabla/train"
)

// A Mix is one concurrent workload.
type Mix struct {
	Name  string
	Iters int // work items per goroutine by default
	Run   func(Config) error
}

// Mixes returns every mix: first the rows of issue 12's table, then the
// mixes of its item 3.
func Mixes() []Mix {
	return []Mix{
		{"PackageNoGradInSeveralGoroutines", 500, PackageNoGradInSeveralGoroutines},
		{"SharedWeightGradients", 400, SharedWeightGradients},
		{"GradOfIndependentFunctions", 500, GradOfIndependentFunctions},
		{"CompiledReplayBesideEagerArithmetic", 400, CompiledReplayBesideEagerArithmetic},
		{"FirstCallsOfCompiledValueAndGrad", 100, FirstCallsOfCompiledValueAndGrad},
		{"ValueAndGradBesideNoGradEval", 400, ValueAndGradBesideNoGradEval},
		{"EagerBackwardSharedLeaves", 400, EagerBackwardSharedLeaves},
		{"Transforms", 400, Transforms},
		{"NoGradEvalBesideTraining", 80, NoGradEvalBesideTraining},
		{"CompiledFunctions", 500, CompiledFunctions},
		{"AnomalyInOneGoroutine", 250, AnomalyInOneGoroutine},
		{"TrainRun", 1, TrainRun},
		{"Minimize", 20, Minimize},
	}
}

// Lookup returns the mix named name.
func Lookup(name string) (Mix, bool) {
	for _, m := range Mixes() {
		if m.Name == name {
			return m, true
		}
	}
	return Mix{}, false
}

func iters(name string) int {
	m, _ := Lookup(name)
	return m.Iters
}

// mlp is a small fixed model shared read-only by goroutines.
func mlp(seed uint64, sizes ...int) nn.Module {
	return nn.MLP(sizes, nn.Tanh, nabla.NewRand(seed))
}

// checkRecording reports whether the default tape records the graph, as
// it must once every NoGrad scope has ended.
func checkRecording() error {
	if !nabla.GradEnabled() {
		return errors.New("nabla.GradEnabled() is false: recording stayed off after the NoGrad scopes ended")
	}
	w := nabla.Ones(3).SetRequiresGrad(true)
	if y := nabla.Sum(nabla.Mul(w, w)); !y.RequiresGrad() {
		return errors.New("an op on a requires-grad leaf did not record: recording stayed off")
	}
	return nil
}

// PackageNoGradInSeveralGoroutines is the table's first row: goroutines
// each evaluate a shared model under the package-level NoGrad (which the
// package doc calls safe). The values must match a serial run, nothing
// computed inside may record, and recording must be back on afterwards.
func PackageNoGradInSeveralGoroutines(cfg Config) error {
	cfg = cfg.withDefaults(iters("PackageNoGradInSeveralGoroutines"))
	model := mlp(1, 12, 32, 5)
	newWork := func() work {
		return func(_ *nabla.Tape, item int) ([]float64, error) {
			x := randn(uint64(100+item), 16, 12)
			var out *nabla.Tensor
			nabla.NoGrad(func() { out = model.Forward(x) })
			if out.RequiresGrad() {
				return nil, errors.New("an output computed under NoGrad requires grad")
			}
			return out.Float64s(), nil
		}
	}
	return runMix("PackageNoGradInSeveralGoroutines", cfg, 32, newWork, checkRecording)
}

// SharedWeightGradients is the table's second row and item 3's shared
// weights: separate losses, each on its goroutine's own batch, share the
// weights W and v (which require grad); Gradients gives each goroutine its
// gradients without touching W.Grad.
func SharedWeightGradients(cfg Config) error {
	cfg = cfg.withDefaults(iters("SharedWeightGradients"))
	W := randn(1, 16, 8).SetRequiresGrad(true)
	v := randn(2, 8).SetRequiresGrad(true)
	newWork := func() work {
		return func(tp *nabla.Tape, item int) ([]float64, error) {
			x := randn(uint64(100+item), 32, 16)
			tp.Bind(x)
			loss := nabla.Sum(nabla.Mul(nabla.Sigmoid(nabla.MatMul(x, W)), v))
			gs := nabla.Gradients([]*nabla.Tensor{loss}, []*nabla.Tensor{W, v})
			return values(loss, gs[0], gs[1]), nil
		}
	}
	return runMix("SharedWeightGradients", cfg, 32, newWork, func() error {
		if W.Grad() != nil || v.Grad() != nil {
			return errors.New("Gradients stored into the shared weights' Grad")
		}
		return nil
	})
}

// functions are four different scalar functions of one vector, computed
// with the constant matrix a.
func functions(a *nabla.Tensor) []nabla.Func {
	return []nabla.Func{
		func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Mul(xs[0], nabla.Sin(xs[0]))) },
		func(xs ...*nabla.Tensor) *nabla.Tensor {
			return nabla.Sum(nabla.Square(nabla.Tanh(nabla.MatMul(a, xs[0]))))
		},
		func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.LogSumExp(nabla.MulScalar(xs[0], 3)) },
		func(xs ...*nabla.Tensor) *nabla.Tensor {
			x := xs[0]
			return nabla.Add(nabla.Sum(nabla.PowScalar(x, 4)), nabla.Dot(x, nabla.Exp(nabla.MulScalar(x, 0.5))))
		},
	}
}

// GradOfIndependentFunctions is the table's third row: Grad of different
// functions in several goroutines.
func GradOfIndependentFunctions(cfg Config) error {
	cfg = cfg.withDefaults(iters("GradOfIndependentFunctions"))
	fs := functions(randn(3, 6, 6))
	newWork := func() work {
		return func(_ *nabla.Tape, item int) ([]float64, error) {
			x := randn(uint64(100+item), 6)
			return nabla.Grad(fs[item%len(fs)])(x).Float64s(), nil
		}
	}
	return runMix("GradOfIndependentFunctions", cfg, 32, newWork, nil)
}

// CompiledReplayBesideEagerArithmetic is the table's fourth row: goroutines
// of even number call one compiled function (traced by the first of them,
// replayed by the others), those of odd number do plain eager arithmetic
// with no graph.
func CompiledReplayBesideEagerArithmetic(cfg Config) error {
	cfg = cfg.withDefaults(iters("CompiledReplayBesideEagerArithmetic"))
	a := randn(3, 6, 6)
	f := functions(a)[1]
	newWork := func() work {
		cf := nabla.Compile(f)
		return func(_ *nabla.Tape, item int) ([]float64, error) {
			if item%2 == 0 {
				return cf(randn(uint64(100+item), 6, 3)).Float64s(), nil
			}
			x, y := randn(uint64(100+item), 40, 10), randn(uint64(200+item), 10)
			return nabla.Add(nabla.Mul(x, y), nabla.Exp(nabla.Sin(x))).Float64s(), nil
		}
	}
	return runMix("CompiledReplayBesideEagerArithmetic", cfg, 32, newWork, nil)
}

// FirstCallsOfCompiledValueAndGrad is the table's fifth row: each item
// makes two different CompileValueAndGrad functions and calls each twice
// (a trace, then a replay), so that goroutines trace at the same time.
func FirstCallsOfCompiledValueAndGrad(cfg Config) error {
	cfg = cfg.withDefaults(iters("FirstCallsOfCompiledValueAndGrad"))
	fs := functions(randn(3, 6, 6))
	newWork := func() work {
		return func(_ *nabla.Tape, item int) ([]float64, error) {
			var out []float64
			for k := range 2 {
				vg := nabla.CompileValueAndGrad(fs[(item+k)%len(fs)])
				for call := range 2 {
					v, g := vg(randn(uint64(100+10*item+call), 6))
					out = append(out, values(v, g[0])...)
				}
			}
			return out, nil
		}
	}
	return runMix("FirstCallsOfCompiledValueAndGrad", cfg, 32, newWork, nil)
}

// ValueAndGradBesideNoGradEval is the table's sixth row: ValueAndGrad (which
// runs its function in an arena) in goroutines of even number, a
// tape-scoped NoGrad evaluation of a shared model in the others.
func ValueAndGradBesideNoGradEval(cfg Config) error {
	cfg = cfg.withDefaults(iters("ValueAndGradBesideNoGradEval"))
	strict := TapeModes() == nil
	model := mlp(1, 12, 32, 5)
	fs := functions(randn(3, 24, 24))
	newWork := func() work {
		return func(tp *nabla.Tape, item int) ([]float64, error) {
			if item%2 == 0 {
				v, g := nabla.ValueAndGrad(fs[(item/2)%len(fs)])(randn(uint64(100+item), 24))
				return values(v, g[0]), nil
			}
			return evalNoGrad(tp, model, randn(uint64(100+item), 64, 12), strict)
		}
	}
	return runMix("ValueAndGradBesideNoGradEval", cfg, 32, newWork, checkRecording)
}

// evalNoGrad evaluates model on x (bound to tp) under tp.NoGrad. When
// strict (the tapes' modes take effect, see TapeModes), it checks that
// nothing recorded and that tp records again afterwards.
func evalNoGrad(tp *nabla.Tape, model nn.Module, x *nabla.Tensor, strict bool) ([]float64, error) {
	tp.Bind(x)
	var out *nabla.Tensor
	tp.NoGrad(func() { out = nabla.Softmax(model.Forward(x), 1) })
	if strict && out.RequiresGrad() {
		return nil, errors.New("an output computed under tp.NoGrad requires grad")
	}
	if !tp.GradEnabled() {
		return nil, errors.New("tp.GradEnabled() is false after tp.NoGrad returned")
	}
	return out.Float64s(), nil
}

// EagerBackwardSharedLeaves is item 3's first mix: each item makes its own
// requires-grad leaves (bound to the goroutine's tape), computes a loss with
// them and the shared constant data X, and runs Backward; the result is the
// loss and the leaves' Grad. The intermediates have 512 elements, above the
// size at which buffers are pooled.
func EagerBackwardSharedLeaves(cfg Config) error {
	cfg = cfg.withDefaults(iters("EagerBackwardSharedLeaves"))
	X := randn(1, 64, 16)
	newWork := func() work {
		return func(tp *nabla.Tape, item int) ([]float64, error) {
			w := randn(uint64(100+item), 16, 8).SetRequiresGrad(true)
			b := randn(uint64(200+item), 8).SetRequiresGrad(true)
			tp.Bind(w, b)
			h := nabla.Tanh(nabla.Add(nabla.MatMul(X, w), b))
			loss := nabla.Add(nabla.Mean(nabla.Mul(h, h)), nabla.Sum(nabla.Sin(w)))
			loss.Backward()
			return values(loss, w.Grad(), b.Grad()), nil
		}
	}
	return runMix("EagerBackwardSharedLeaves", cfg, 32, newWork, nil)
}

// Transforms is item 3's mix of Grad, ValueAndGrad, HVP and Hessian, on
// functions sharing the constant matrix a.
func Transforms(cfg Config) error {
	cfg = cfg.withDefaults(iters("Transforms"))
	fs := functions(randn(3, 6, 6))
	newWork := func() work {
		return func(_ *nabla.Tape, item int) ([]float64, error) {
			f := fs[(item/4)%len(fs)]
			x, v := randn(uint64(100+item), 6), randn(uint64(200+item), 6)
			switch item % 4 {
			case 0:
				return nabla.Grad(f)(x).Float64s(), nil
			case 1:
				y, g := nabla.ValueAndGrad(f)(x)
				return values(y, g[0]), nil
			case 2:
				return nabla.HVP(f, []*nabla.Tensor{x}, []*nabla.Tensor{v})[0].Float64s(), nil
			default:
				return nabla.Hessian(f)(x).Float64s(), nil
			}
		}
	}
	return runMix("Transforms", cfg, 32, newWork, nil)
}

// NoGradEvalBesideTraining is item 3's NoGrad mix: goroutines of even
// number evaluate a shared model under their tape's NoGrad; the others each
// train a model of their own for a few SGD steps, each step's graph
// collected by an arena on their tape, and return the trained weights.
func NoGradEvalBesideTraining(cfg Config) error {
	cfg = cfg.withDefaults(iters("NoGradEvalBesideTraining"))
	strict := TapeModes() == nil
	shared := mlp(1, 12, 32, 5)
	newWork := func() work {
		return func(tp *nabla.Tape, item int) ([]float64, error) {
			if item%2 == 0 {
				return evalNoGrad(tp, shared, randn(uint64(100+item), 64, 12), strict)
			}
			return trainSteps(tp, item, 5)
		}
	}
	return runMix("NoGradEvalBesideTraining", cfg, 32, newWork, checkRecording)
}

// trainSteps trains a small model of its own, seeded by item, for steps SGD
// steps, and returns its weights and losses.
func trainSteps(tp *nabla.Tape, item, steps int) ([]float64, error) {
	model := mlp(uint64(1000+item), 12, 32, 5)
	params := nn.Tensors(model)
	tp.Bind(params...)
	opt := optim.New(params, optim.SGD{LR: 0.1, Momentum: 0.9})
	var arena nabla.Arena
	var out []float64
	for s := range steps {
		x := randn(uint64(100*item+s), 32, 12)
		tp.Bind(x)
		labels := make([]int, 32)
		for i := range labels {
			labels[i] = (i*7 + s + item) % 5
		}
		opt.ZeroGrad()
		var loss *nabla.Tensor
		arena.Do(tp, func() {
			loss = nn.CrossEntropyLoss(model.Forward(x), labels, nil)
			loss.Backward()
		})
		out = append(out, loss.Item())
		arena.Release()
		opt.Step()
	}
	return append(out, values(params...)...), nil
}

// compiledFuncs are the compiled functions of CompiledFunctions, made anew
// for each phase so that the concurrent phase makes their first calls.
type compiledFuncs struct {
	value nabla.Func
	vg    func(xs ...*nabla.Tensor) (*nabla.Tensor, []*nabla.Tensor)
	into  func(grads []*nabla.Tensor, xs ...*nabla.Tensor) *nabla.Tensor
	hvp   nabla.Func
}

func makeCompiled(fs []nabla.Func) compiledFuncs {
	return compiledFuncs{
		value: nabla.Compile(fs[0]),
		vg:    nabla.CompileValueAndGrad(fs[1]),
		into:  nabla.CompileValueAndGradInto(fs[2]),
		hvp: nabla.Compile(func(xs ...*nabla.Tensor) *nabla.Tensor {
			return nabla.HVP(fs[3], xs[:1], xs[1:])[0]
		}),
	}
}

// CompiledFunctions is item 3's compiled mix: four different compiled
// functions (Compile, CompileValueAndGrad, CompileValueAndGradInto, a
// compiled HVP), each shared by all goroutines and called with arguments of
// four sizes, so that first calls (traces) of one signature race with
// replays of another; every eighth item also makes a compiled function of
// its own and calls it twice.
func CompiledFunctions(cfg Config) error {
	cfg = cfg.withDefaults(iters("CompiledFunctions"))
	fs := functions(nil)
	fs[1] = func(xs ...*nabla.Tensor) *nabla.Tensor { // the matrix one needs a fixed size: use a sum of squares
		return nabla.Sum(nabla.Square(nabla.Tanh(nabla.AddScalar(xs[0], 0.3))))
	}
	newWork := func() work {
		c := makeCompiled(fs)
		return func(_ *nabla.Tape, item int) ([]float64, error) {
			n := 3 + (item/4)%4
			x, v := randn(uint64(100+item), n), randn(uint64(200+item), n)
			var out []float64
			switch item % 4 {
			case 0:
				out = c.value(x).Float64s()
			case 1:
				y, g := c.vg(x)
				out = values(y, g[0])
			case 2:
				g := nabla.New(nabla.Float64, n)
				y := c.into([]*nabla.Tensor{g}, x)
				out = values(y, g)
			default:
				out = c.hvp(x, v).Float64s()
			}
			if item%8 == 7 {
				own := nabla.CompileValueAndGrad(fs[item%len(fs)])
				for call := range 2 {
					y, g := own(randn(uint64(300+10*item+call), n))
					out = append(out, values(y, g[0])...)
				}
			}
			return out, nil
		}
	}
	return runMix("CompiledFunctions", cfg, 64, newWork, nil)
}

// AnomalyInOneGoroutine is item 3's anomaly mix: goroutine 0 computes with
// anomaly mode on (on its tape, with tp.DetectAnomaly), the others with it
// off. Every other item of goroutine 0 produces a NaN, which must raise an
// anomaly *nabla.Error there; the same computations in the other goroutines
// give NaN values and no error, and the NaN-free items of goroutine 0 give
// the same values as without anomaly mode.
func AnomalyInOneGoroutine(cfg Config) error {
	cfg = cfg.withDefaults(iters("AnomalyInOneGoroutine"))
	g := cfg.Goroutines
	nitems := 4 * g // item ≡ goroutine (mod g)
	strict := TapeModes() == nil
	newWork := func() work {
		return func(tp *nabla.Tape, item int) ([]float64, error) {
			x := randn(uint64(100+item), 300).SetRequiresGrad(true)
			tp.Bind(x)
			c := 10.0
			if (item/g)%2 == 1 {
				c = -10 // log of negative numbers: NaN
			}
			var y *nabla.Tensor
			body := func() {
				y = nabla.Sum(nabla.Log(nabla.AddScalar(x, c)))
				y.Backward()
			}
			if item%g == 0 {
				tp.DetectAnomaly(body)
			} else {
				body()
			}
			return values(y, x.Grad()), nil
		}
	}
	checkRef := func(item int, o outcome) error {
		nan := (item/g)%2 == 1
		switch {
		case strict && item%g == 0 && nan && (o.err == nil || !strings.Contains(o.err.Error(), "anomaly")):
			return fmt.Errorf("item %d: anomaly mode on the tape did not raise an anomaly error for a NaN (got %v)", item, o.err)
		case o.err != nil && !(strict && item%g == 0 && nan):
			return fmt.Errorf("item %d: unexpected error %v", item, o.err)
		}
		return nil
	}
	return runMixChecked("AnomalyInOneGoroutine", cfg, nitems, newWork, checkRef, nil)
}

// TrainRun is item 3's train.Run mix: two runs of train.Run at once (one
// when cfg.Goroutines is 1), on embedded data with tiny configurations, each
// in a run directory of its own under cfg.Dir. The results compared are the
// metrics of the result and the saved weights.
func TrainRun(cfg Config) error {
	g := min(cfg.Goroutines, 2)
	if cfg.Goroutines <= 0 {
		g = 2
	}
	cfg = cfg.withDefaults(iters("TrainRun"))
	cfg.Goroutines = g
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "nabla-stress-train-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	newWork := func() work {
		return func(_ *nabla.Tape, item int) ([]float64, error) {
			c := train.Defaults()
			c.Hidden = []int{8}
			c.Epochs = 2
			c.BatchSize = 16
			c.Seed = uint64(item + 1)
			if item%2 == 0 {
				c.Data, c.Optimizer, c.LR = "iris", "adam", 0.02
			} else {
				c.Data, c.Optimizer, c.LR, c.Momentum, c.Clip = "wine", "sgd", 0.05, 0.9, 1
			}
			out, err := os.MkdirTemp(dir, "run-")
			if err != nil {
				return nil, err
			}
			c.OutDir = out
			res, err := train.Run(context.Background(), c, train.Options{})
			if err != nil {
				return nil, err
			}
			vals := []float64{res.TrainLoss, res.TestLoss, res.TestAccuracy, float64(res.Epochs)}
			for _, m := range res.History {
				vals = append(vals, m.TrainLoss, m.TestLoss, m.TestAccuracy, m.LR, m.GradNorm)
			}
			tr, err := train.Open(out)
			if err != nil {
				return nil, err
			}
			sd := nn.StateDict(tr.Model)
			names := make([]string, 0, len(sd))
			for name := range sd {
				names = append(names, name)
			}
			slices.Sort(names)
			for _, name := range names {
				vals = append(vals, sd[name].Float64s()...)
			}
			return vals, nil
		}
	}
	return runMix("TrainRun", cfg, 2, newWork, nil)
}

// rosen is the extended Rosenbrock function.
func rosen(v *nabla.Tensor) *nabla.Tensor {
	n := v.Size()
	x, y := nabla.Slice(v, 0, 0, n-1, 1), nabla.Slice(v, 0, 1, n, 1)
	return nabla.Sum(nabla.Add(nabla.MulScalar(nabla.Square(nabla.Sub(y, nabla.Square(x))), 100), nabla.Square(nabla.RSub(1, x))))
}

// Minimize is item 3's minimize mix: minimize.Minimize of Rosenbrock
// functions in several goroutines, with a different method, size and
// start, compiled or not, per item. The results compared are X, Fun, the
// gradient, the counts and the status.
func Minimize(cfg Config) error {
	cfg = cfg.withDefaults(iters("Minimize"))
	methods := []minimize.Method{minimize.BFGS, minimize.LBFGS, minimize.NewtonCG, minimize.TrustNCG, minimize.LBFGSB, minimize.CG}
	newWork := func() work {
		return func(_ *nabla.Tape, item int) ([]float64, error) {
			n := 2 + 2*(item%3)
			x0 := make([]float64, n)
			for i := range x0 {
				x0[i] = []float64{-1.2, 1}[i%2] + 0.01*float64(item)
			}
			opts := &minimize.Options{Compile: item%2 == 1}
			res, err := minimize.Minimize(rosen, nabla.FromSlice(x0), methods[item%len(methods)], opts)
			if err != nil {
				return nil, err
			}
			vals := append(values(res.X, res.Grad), res.Fun, float64(res.Nit), float64(res.Nfev),
				float64(res.Njev), float64(res.Nhev), float64(res.Status))
			if math.IsNaN(res.Fun) {
				return nil, fmt.Errorf("minimize returned NaN: %s", res.Message)
			}
			return vals, nil
		}
	}
	return runMix("Minimize", cfg, 12, newWork, nil)
}
