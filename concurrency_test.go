package nabla_test

// The concurrency suite of issue 12: one test per row of the table,
// one per mix of its item 3 (the mixes live in internal/stress, which the
// stress command runs for longer), and the detection of misuse. Run it under
// the race detector:
//
//	go test -race -run Concurrent .

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/internal/stress"
)

// concurrentGoroutines is the suite's number of goroutines per mix.
const concurrentGoroutines = 8

// runConcurrentMix runs the named mix with 8 goroutines (and a serial check
// with one goroutine first, which must pass on any engine), with a tenth of
// the work under -short.
func runConcurrentMix(t *testing.T, name string) {
	t.Helper()
	m, ok := stress.Lookup(name)
	if !ok {
		t.Fatalf("no mix %s", name)
	}
	iters := m.Iters
	if testing.Short() {
		iters = max(1, iters/10)
	}
	t.Run("serial", func(t *testing.T) {
		if err := m.Run(stress.Config{Goroutines: 1, Iters: max(1, iters/4), Dir: t.TempDir()}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		if err := m.Run(stress.Config{Goroutines: concurrentGoroutines, Iters: iters, Dir: t.TempDir()}); err != nil {
			t.Fatal(err)
		}
	})
}

// The rows of issue 12's table.

func TestConcurrentPackageNoGradInSeveralGoroutines(t *testing.T) {
	runConcurrentMix(t, "PackageNoGradInSeveralGoroutines")
}

func TestConcurrentSharedWeightGradients(t *testing.T) {
	runConcurrentMix(t, "SharedWeightGradients")
}

func TestConcurrentGradOfIndependentFunctions(t *testing.T) {
	runConcurrentMix(t, "GradOfIndependentFunctions")
}

func TestConcurrentCompiledReplayBesideEagerArithmetic(t *testing.T) {
	runConcurrentMix(t, "CompiledReplayBesideEagerArithmetic")
}

// On the engine before issue 12 this one can end the test binary with
// "fatal error: concurrent map writes", which no recover catches.
func TestConcurrentFirstCallsOfCompiledValueAndGrad(t *testing.T) {
	runConcurrentMix(t, "FirstCallsOfCompiledValueAndGrad")
}

func TestConcurrentValueAndGradBesideNoGradEval(t *testing.T) {
	runConcurrentMix(t, "ValueAndGradBesideNoGradEval")
}

// The mixes of issue 12's item 3.

func TestConcurrentEagerBackwardSharedLeaves(t *testing.T) {
	runConcurrentMix(t, "EagerBackwardSharedLeaves")
}

func TestConcurrentTransforms(t *testing.T) {
	runConcurrentMix(t, "Transforms")
}

func TestConcurrentNoGradEvalBesideTraining(t *testing.T) {
	runConcurrentMix(t, "NoGradEvalBesideTraining")
}

func TestConcurrentCompiledFunctions(t *testing.T) {
	runConcurrentMix(t, "CompiledFunctions")
}

func TestConcurrentAnomalyInOneGoroutine(t *testing.T) {
	runConcurrentMix(t, "AnomalyInOneGoroutine")
}

func TestConcurrentTrainRun(t *testing.T) {
	runConcurrentMix(t, "TrainRun")
}

func TestConcurrentMinimize(t *testing.T) {
	runConcurrentMix(t, "Minimize")
}

// Every mix is tested above.
func TestConcurrentSuiteCoversEveryMix(t *testing.T) {
	tested := map[string]bool{
		"PackageNoGradInSeveralGoroutines": true, "SharedWeightGradients": true, "GradOfIndependentFunctions": true,
		"CompiledReplayBesideEagerArithmetic": true, "FirstCallsOfCompiledValueAndGrad": true,
		"ValueAndGradBesideNoGradEval": true, "EagerBackwardSharedLeaves": true, "Transforms": true,
		"NoGradEvalBesideTraining": true, "CompiledFunctions": true, "AnomalyInOneGoroutine": true,
		"TrainRun": true, "Minimize": true,
	}
	for _, m := range stress.Mixes() {
		if !tested[m.Name] {
			t.Errorf("mix %s has no test", m.Name)
		}
	}
}

// Misuse: the engine must detect it and raise a *nabla.Error, never crash or
// compute silently wrong gradients.

// blockingGraph returns a leaf w, a scalar y computed from it, and a hook
// registered on w that, the first time it runs, signals entered and waits
// for release (so that a backward pass is held in the middle, about to
// accumulate into w).
func blockingGraph(entered, release chan struct{}) (w, y *nabla.Tensor) {
	w = nabla.FromSlice([]float64{0.5, -1, 2}).SetRequiresGrad(true)
	var first atomic.Bool
	w.RegisterHook(func(g *nabla.Tensor) *nabla.Tensor {
		if first.CompareAndSwap(false, true) {
			close(entered)
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
		}
		return nil
	})
	h := nabla.Tanh(nabla.Mul(w, w))
	y = nabla.Sum(nabla.Add(nabla.Sin(h), h))
	return w, y
}

// catchAny runs f and returns the error it raised: the *nabla.Error, or an
// error describing any other panic.
func catchAny(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &otherPanic{r}
		}
	}()
	return nabla.Catch(f)
}

type otherPanic struct{ v any }

func (p *otherPanic) Error() string { return "not a *nabla.Error: " + anyString(p.v) }

func anyString(v any) string {
	if e, ok := v.(error); ok {
		return e.Error()
	}
	if s, ok := v.(string); ok {
		return s
	}
	return "panic"
}

// isNablaError reports whether err is a *nabla.Error.
func isNablaError(err error) bool {
	var ne *nabla.Error
	return errors.As(err, &ne)
}

// One graph's backward pass run from two goroutines at once: the second
// is a clear *nabla.Error (whichever of the two detects it), and once the
// first is over the graph is usable again.
func TestConcurrentMisuseTwoBackwardPassesOfOneGraph(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	w, y := blockingGraph(entered, release)
	var errA error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		errA = catchAny(func() { y.Backward(nabla.RetainGraph()) })
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first backward pass never reached the hook")
	}
	errB := catchAny(func() { y.Backward(nabla.RetainGraph()) })
	close(release)
	wg.Wait()
	for _, err := range []error{errA, errB} {
		if err != nil && !isNablaError(err) {
			t.Fatalf("misuse raised something other than a *nabla.Error: %v", err)
		}
	}
	if errA == nil && errB == nil {
		t.Fatal("two backward passes of one graph ran at once and neither raised a *nabla.Error")
	}
	t.Logf("detected: %v", errors.Join(errA, errB))
	// After the misuse, the graph (retained) serves a pass as usual.
	w.ZeroGrad()
	if err := catchAny(func() { y.Backward() }); err != nil {
		t.Fatalf("a backward pass after the detected misuse: %v", err)
	}
	if w.Grad() == nil {
		t.Fatal("no gradient after the backward pass that followed the misuse")
	}
}

// ZeroGrad on a leaf while a backward pass is accumulating into it: a clear
// *nabla.Error, and no crash.
func TestConcurrentMisuseZeroGradDuringBackward(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	w, y := blockingGraph(entered, release)
	var errA error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		errA = catchAny(func() { y.Backward() })
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the backward pass never reached the hook")
	}
	errB := catchAny(func() { w.ZeroGrad() })
	close(release)
	wg.Wait()
	for _, err := range []error{errA, errB} {
		if err != nil && !isNablaError(err) {
			t.Fatalf("misuse raised something other than a *nabla.Error: %v", err)
		}
	}
	if errA == nil && errB == nil {
		t.Fatal("ZeroGrad ran during a backward pass accumulating into the leaf and nothing raised a *nabla.Error")
	}
	t.Logf("detected: %v", errors.Join(errA, errB))
	// Once the pass is over, ZeroGrad works.
	if err := catchAny(func() { w.ZeroGrad() }); err != nil {
		t.Fatalf("ZeroGrad after the backward pass: %v", err)
	}
}

// The serial (non-concurrent) use of the misuse tests' graph is fine: a
// hook that does not block, then ZeroGrad, raises nothing. This checks the
// tests above fail for the right reason.
func TestConcurrentMisuseControl(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	close(release)
	w, y := blockingGraph(entered, release)
	if err := catchAny(func() { y.Backward(nabla.RetainGraph()) }); err != nil {
		t.Fatal(err)
	}
	if err := catchAny(func() { y.Backward(nabla.RetainGraph()) }); err != nil {
		t.Fatal(err)
	}
	if err := catchAny(func() { w.ZeroGrad() }); err != nil {
		t.Fatal(err)
	}
}

// A tape's modes take effect on the tensors bound to it, and only on them.
// The mixes check this of their serial references only when it holds (so
// that their one-goroutine runs also pass on an engine whose tapes are
// stubs); this test makes sure it holds.
func TestConcurrentTapeModesTakeEffect(t *testing.T) {
	if err := stress.TapeModes(); err != nil {
		t.Fatal(err)
	}
}
