package stress

import (
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/nabla-go/nabla"
)

// Config sizes one run of a mix.
type Config struct {
	// Goroutines is the number of goroutines run at once (default 8). With
	// 1, a mix compares a serial run with another serial run.
	Goroutines int
	// Iters is the number of work items each goroutine does; 0 means the
	// mix's own default (Mix.Iters).
	Iters int
	// Dir is where mixes that write files (train.Run) make their run
	// directories; empty means a new temporary directory, removed afterwards.
	Dir string
}

func (c Config) withDefaults(iters int) Config {
	if c.Goroutines <= 0 {
		c.Goroutines = 8
	}
	if c.Iters <= 0 {
		c.Iters = iters
	}
	return c
}

// Failure is what a mix returns when any goroutine's result differs from the
// serial reference, or a goroutine failed.
type Failure struct {
	Mix        string
	Items      int      // work items done concurrently
	Mismatches int      // results not bit-identical to the serial reference
	Errors     int      // *nabla.Error (or other errors) where the reference had none, and vice versa
	Panics     int      // panics with anything other than a *nabla.Error
	Messages   []string // the first few failures, in detail
}

// Error summarises the failure.
func (f *Failure) Error() string {
	return fmt.Sprintf("%s: %d items, %d mismatches, %d errors, %d panics; first: %s",
		f.Mix, f.Items, f.Mismatches, f.Errors, f.Panics, strings.Join(f.Messages, "; "))
}

const maxMessages = 5

// failures collects the outcome of a concurrent phase.
type failures struct {
	mu sync.Mutex
	Failure
}

func (fs *failures) add(kind *int, format string, args ...any) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	*kind++
	if len(fs.Messages) < maxMessages {
		fs.Messages = append(fs.Messages, fmt.Sprintf(format, args...))
	}
}

func (fs *failures) result() error {
	if fs.Mismatches+fs.Errors+fs.Panics == 0 {
		return nil
	}
	f := fs.Failure
	return &f
}

// outcome is the result of one work item: the values it computed, or the
// nabla error it raised (errors are part of the expected outcome in the
// anomaly mix), or another panic.
type outcome struct {
	vals  []float64
	err   error  // a *nabla.Error, or an error the work returned
	panic string // any other panic, with its stack
}

// work computes item number item, on tensors bound to tp where it builds
// graphs.
type work func(tp *nabla.Tape, item int) ([]float64, error)

// do runs w once and recovers what it panics with.
func do(w work, tp *nabla.Tape, item int) (o outcome) {
	defer func() {
		if r := recover(); r != nil {
			var ne *nabla.Error
			if e, ok := r.(error); ok && errors.As(e, &ne) {
				o = outcome{err: ne}
				return
			}
			o = outcome{panic: fmt.Sprintf("%v\n%s", r, debug.Stack())}
		}
	}()
	vals, err := w(tp, item)
	return outcome{vals: vals, err: err}
}

// errText is what two errors must agree on: the *nabla.Error's op and
// message (its Where may differ), or the error's text.
func errText(err error) string {
	var ne *nabla.Error
	if errors.As(err, &ne) {
		return ne.Op + ": " + ne.Msg
	}
	return err.Error()
}

// compare checks got against want and records a failure.
func (fs *failures) compare(who string, want, got outcome) {
	switch {
	case got.panic != "":
		fs.add(&fs.Panics, "%s: panic: %s", who, got.panic)
	case want.err != nil && got.err == nil:
		fs.add(&fs.Errors, "%s: no error, the serial run raised %v", who, want.err)
	case got.err != nil && want.err == nil:
		fs.add(&fs.Errors, "%s: %v", who, got.err)
	case got.err != nil:
		if errText(got.err) != errText(want.err) {
			fs.add(&fs.Errors, "%s: error %q, the serial run raised %q", who, errText(got.err), errText(want.err))
		}
	default:
		if msg := diff(want.vals, got.vals); msg != "" {
			fs.add(&fs.Mismatches, "%s: %s", who, msg)
		}
	}
}

// diff describes the first difference between two results, bit for bit.
func diff(want, got []float64) string {
	if len(want) != len(got) {
		return fmt.Sprintf("%d values, the serial run computed %d", len(got), len(want))
	}
	for i := range want {
		if math.Float64bits(want[i]) != math.Float64bits(got[i]) {
			return fmt.Sprintf("value %d is %v (%#x), the serial run computed %v (%#x)",
				i, got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
	return ""
}

// runMix computes the reference outcome of items 0..nitems-1 serially with
// the work newWork returns, then has cfg.Goroutines goroutines, each with its
// own tape and sharing a second work from newWork, do cfg.Iters items each,
// and compares. Goroutine g's i-th item is (i·G + g) mod nitems, so that the
// goroutines work on different items at any moment. check, if not nil, runs
// after the concurrent phase and reports a failure of its own.
func runMix(name string, cfg Config, nitems int, newWork func() work, check func() error) error {
	return runMixChecked(name, cfg, nitems, newWork, nil, check)
}

// runMixChecked is runMix with checkRef, which validates each reference
// outcome before the concurrent phase (a reference that is wrong by itself
// fails the mix even with one goroutine).
func runMixChecked(name string, cfg Config, nitems int, newWork func() work,
	checkRef func(item int, o outcome) error, check func() error) error {
	ref := newWork()
	tp := nabla.NewTape()
	want := make([]outcome, nitems)
	for i := range want {
		want[i] = do(ref, tp, i)
		if want[i].panic != "" {
			return fmt.Errorf("%s: serial reference, item %d: panic: %s", name, i, want[i].panic)
		}
		if checkRef != nil {
			if err := checkRef(i, want[i]); err != nil {
				return fmt.Errorf("%s: serial reference: %w", name, err)
			}
		} else if want[i].err != nil {
			return fmt.Errorf("%s: serial reference, item %d: %w", name, i, want[i].err)
		}
	}
	fs := &failures{Failure: Failure{Mix: name, Items: cfg.Goroutines * cfg.Iters}}
	w := newWork()
	var wg sync.WaitGroup
	for g := 0; g < cfg.Goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tp := nabla.NewTape()
			for i := 0; i < cfg.Iters; i++ {
				item := (i*cfg.Goroutines + g) % nitems
				fs.compare(fmt.Sprintf("goroutine %d, item %d", g, item), want[item], do(w, tp, item))
			}
		}()
	}
	wg.Wait()
	if check != nil {
		if err := check(); err != nil {
			fs.add(&fs.Errors, "after the concurrent phase: %v", err)
		}
	}
	return fs.result()
}

// values returns the values of ts, flat, one after the other.
func values(ts ...*nabla.Tensor) []float64 {
	var out []float64
	for _, t := range ts {
		out = append(out, t.Float64s()...)
	}
	return out
}

// randn is a tensor of normal values from seed.
func randn(seed uint64, shape ...int) *nabla.Tensor {
	return nabla.Randn(nabla.NewRand(seed), shape...)
}

// TapeModes reports whether a Tape's modes take effect on the tensors bound
// to it: tp.NoGrad stops recording of ops on them (even when they meet a
// requires-grad tensor bound to no tape), and tp.DetectAnomaly raises on a
// NaN they produce, while the default tape's modes are unchanged. It returns
// nil if so, or what does not hold. The mixes check that a tape's modes held
// in their serial reference only when TapeModes is nil, so that their
// one-goroutine configurations also run on an engine whose tapes are stubs;
// the test suite checks TapeModes itself.
func TapeModes() error {
	var errs []error
	tp := nabla.NewTape()
	x := nabla.FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	shared := nabla.FromSlice([]float64{3, 4}).SetRequiresGrad(true)
	tp.Bind(x)
	var y, z *nabla.Tensor
	tp.NoGrad(func() {
		y = nabla.Mul(x, x)
		z = nabla.Mul(x, shared)
		if tp.GradEnabled() {
			errs = append(errs, errors.New("tp.GradEnabled() is true inside tp.NoGrad"))
		}
	})
	if y.RequiresGrad() || z.RequiresGrad() {
		errs = append(errs, errors.New("ops on a tensor bound to a tape recorded inside the tape's NoGrad"))
	}
	if !tp.GradEnabled() || !nabla.GradEnabled() {
		errs = append(errs, errors.New("recording is off after tp.NoGrad returned"))
	}
	if y.Tape() != tp && y.Tape() != nil {
		errs = append(errs, errors.New("a tensor computed from a bound one belongs to another tape"))
	}
	if x.Tape() != tp {
		errs = append(errs, errors.New("x.Tape() is not the tape x was bound to"))
	}
	var inside bool
	tp.NoGrad(func() { inside = nabla.Mul(shared, shared).RequiresGrad() })
	if !inside {
		errs = append(errs, errors.New("tp.NoGrad stopped recording of ops on tensors bound to no tape"))
	}
	a := nabla.FromSlice([]float64{-1, 1})
	tp.Bind(a)
	err := nabla.Catch(func() { tp.DetectAnomaly(func() { nabla.Log(a) }) })
	if err == nil {
		errs = append(errs, errors.New("tp.DetectAnomaly did not raise on a NaN made from a tensor bound to tp"))
	}
	if err := nabla.Catch(func() {
		tp.DetectAnomaly(func() { nabla.Log(nabla.FromSlice([]float64{-1})) })
	}); err != nil {
		errs = append(errs, fmt.Errorf("tp.DetectAnomaly raised on a NaN made from a tensor bound to no tape: %v", err))
	}
	return errors.Join(errs...)
}
