package nabla_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/nabla-go/nabla"
)

// Two goroutines share the weights w: one trains (its graph records), the
// other evaluates under NoGrad on its own tape, which concerns it alone.
func ExampleTape() {
	w := nabla.FromSlice([]float64{0.5, -1}).SetRequiresGrad(true)
	var wg sync.WaitGroup
	wg.Add(2)
	var loss, pred float64
	var recorded bool
	go func() { // training: tensors bound to no tape record as usual
		defer wg.Done()
		x := nabla.FromSlice([]float64{1, 2})
		l := nabla.Sum(nabla.Square(nabla.Mul(w, x)))
		l.Backward()
		loss = l.Item()
	}()
	go func() { // evaluation: its inputs bound to its own tape
		defer wg.Done()
		tp := nabla.NewTape()
		x := nabla.FromSlice([]float64{3, 4})
		tp.Bind(x)
		tp.NoGrad(func() {
			y := nabla.Sum(nabla.Mul(w, x))
			pred, recorded = y.Item(), y.RequiresGrad()
		})
	}()
	wg.Wait()
	fmt.Println(loss, w.Grad(), pred, recorded)
	// Output: 4.25 tensor([ 1., -8.]) -2.5 false
}

func TestTapeNoGradNestsAndConcernsItsTapeOnly(t *testing.T) {
	w := nabla.FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	a, b := nabla.NewTape(), nabla.NewTape()
	xa, xb := nabla.FromSlice([]float64{1, 1}), nabla.FromSlice([]float64{1, 1})
	a.Bind(xa)
	b.Bind(xb)
	a.NoGrad(func() {
		if nabla.Mul(w, xa).RequiresGrad() {
			t.Error("recorded under a.NoGrad")
		}
		if !nabla.Mul(w, xb).RequiresGrad() || !nabla.Mul(w, w).RequiresGrad() {
			t.Error("a.NoGrad stopped another tape, or the default one, from recording")
		}
		a.EnableGrad(func() {
			if !nabla.Mul(w, xa).RequiresGrad() || !a.GradEnabled() {
				t.Error("EnableGrad inside NoGrad does not record")
			}
			a.NoGrad(func() {
				if nabla.Mul(w, xa).RequiresGrad() {
					t.Error("nested NoGrad records")
				}
			})
		})
		if nabla.Mul(w, xa).RequiresGrad() {
			t.Error("NoGrad did not come back after EnableGrad")
		}
	})
	if !nabla.Mul(w, xa).RequiresGrad() || !a.GradEnabled() {
		t.Error("recording did not come back after NoGrad")
	}
	// What is computed from a tape's tensors belongs to it.
	if y := nabla.Exp(nabla.Mul(w, xa)); y.Tape() != a {
		t.Error("a result does not belong to its inputs' tape")
	}
	if err := nabla.Catch(func() { b.Bind(xa) }); err == nil {
		t.Error("binding a tensor of another tape: no error")
	}
}

// Row 1 of the concurrency issue: two goroutines evaluating under the
// package-level NoGrad at once leave recording on once both are done,
// whatever order their scopes end in.
func TestDefaultNoGradScopesInSeveralGoroutines(t *testing.T) {
	for run := 0; run < 200; run++ {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				nabla.NoGrad(func() {
					nabla.NoGrad(func() { _ = nabla.Sum(nabla.Ones(3)).Item() })
				})
			}()
		}
		close(start)
		wg.Wait()
		if !nabla.GradEnabled() {
			t.Fatalf("run %d: recording stayed off after every NoGrad scope ended", run)
		}
	}
}

// Anomaly mode on one tape checks that tape's ops only.
func TestTapeAnomalyConcernsItsTapeOnly(t *testing.T) {
	tp := nabla.NewTape()
	x := nabla.FromSlice([]float64{-1})
	tp.Bind(x)
	y := nabla.FromSlice([]float64{-1})
	tp.DetectAnomaly(func() {
		if err := nabla.Catch(func() { nabla.Log(x) }); err == nil {
			t.Error("no anomaly on the tape in anomaly mode")
		}
		if err := nabla.Catch(func() { nabla.Log(y) }); err != nil {
			t.Errorf("anomaly raised for a tensor of the default tape: %v", err)
		}
	})
}
