package gradcheck_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/gradcheck"
)

// wrongSquare computes x² but claims its derivative is 1 (it should be 2x).
var wrongSquare = &nabla.Op{
	Name:    "wrong_square",
	Forward: func(c *nabla.Ctx) *nabla.Tensor { return nabla.Square(c.Inputs[0].Detach()) },
	VJP:     func(c *nabla.Ctx, g *nabla.Tensor) []*nabla.Tensor { return []*nabla.Tensor{g} },
}

// TestRunFailureIsAnError checks that a failed check cannot be mistaken for a
// passing one: Run returns the report and a non-nil error that leads with the
// worst entry.
func TestRunFailureIsAnError(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return wrongSquare.Apply(nil, xs[0]) }
	// Errors |1 − 2x|: 1 at x = 0 (within no tolerance), 9 at x = 5, 3 at x = 2.
	x := nabla.FromSlice([]float64{0, 5, 2})
	for _, fast := range []bool{false, true} {
		rep, err := gradcheck.Run(f, []*nabla.Tensor{x}, &gradcheck.Options{SkipForward: true, Fast: fast})
		if err == nil {
			t.Fatalf("fast=%v: Run returned a nil error for a wrong derivative", fast)
		}
		if rep == nil || rep.OK() {
			t.Fatalf("fast=%v: Run returned report %v with the error", fast, rep)
		}
		var asReport *gradcheck.Report
		if !errors.As(err, &asReport) || asReport != rep {
			t.Errorf("fast=%v: the error is %T, not the report", fast, err)
		}
		if fast {
			continue
		}
		w, ok := rep.Worst()
		if !ok || w.Element[0] != 1 || w.Error() < 8.9 {
			t.Errorf("worst mismatch %+v, want input element [1] with error 9", w)
		}
		first := strings.SplitN(err.Error(), "\n", 3)
		if len(first) < 3 || !strings.Contains(first[1], "worst: reverse mode, input 0 element [1]") {
			t.Errorf("error does not lead with the worst entry:\n%v", err)
		}
	}
}

func TestRunPassIsNil(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(nabla.Tanh(xs[0])) }
	rep, err := gradcheck.Run(f, []*nabla.Tensor{nabla.FromSlice([]float64{0.3, -1})}, nil)
	if err != nil || rep == nil || !rep.OK() || rep.Compared == 0 {
		t.Fatalf("Run = %v, %v; want a passing report and nil", rep, err)
	}
	if _, ok := rep.Worst(); ok {
		t.Error("Worst found a mismatch in a passing report")
	}
}

func TestRunBadInput(t *testing.T) {
	f := func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Sum(xs[0]) }
	rep, err := gradcheck.Run(f, []*nabla.Tensor{nabla.Zeros(2).As(nabla.Float32)}, nil)
	if err == nil || rep != nil {
		t.Fatalf("Run on float32 input = %v, %v; want nil and an error", rep, err)
	}
}
