package bench

import (
	"testing"

	"gonum.org/v1/gonum/optimize"
)

// TestLBFGS checks that both minimisers converge on the gradient tolerance
// to the minimum f = 0 (f < 1e-8), in about the same number of iterations.
func TestLBFGS(t *testing.T) {
	if testing.Short() {
		t.Skip("about a second")
	}
	x0 := LBFGSStart(LBFGSN)
	nr, err := NablaLBFGS(x0)
	if err != nil {
		t.Fatal(err)
	}
	if !nr.Success || nr.Fun >= 1e-8 {
		t.Errorf("nabla: %s, f = %g after %d iterations", nr.Message, nr.Fun, nr.Nit)
	}
	cr, err := NablaLBFGSCompiled(x0)
	if err != nil {
		t.Fatal(err)
	}
	if !cr.Success || cr.Fun >= 1e-8 {
		t.Errorf("nabla, compiled: %s, f = %g after %d iterations", cr.Message, cr.Fun, cr.Nit)
	}
	gr, err := GonumLBFGS(x0)
	if err != nil {
		t.Fatal(err)
	}
	if gr.Status != optimize.GradientThreshold || gr.F >= 1e-8 {
		t.Errorf("gonum: %v, f = %g after %d iterations", gr.Status, gr.F, gr.MajorIterations)
	}
	t.Logf("nabla: f = %.3g, %d iterations, %d gradients; gonum: f = %.3g, %d iterations, %d gradients",
		nr.Fun, nr.Nit, nr.Njev, gr.F, gr.MajorIterations, gr.GradEvaluations)
	if d := nr.Nit - gr.MajorIterations; d < -gr.MajorIterations/10 || d > gr.MajorIterations/10 {
		t.Errorf("nabla took %d iterations, gonum %d: the runs took different paths", nr.Nit, gr.MajorIterations)
	}
}

// BenchmarkLBFGSRosenbrock times one whole L-BFGS minimisation of gonum's
// chained extended Rosenbrock at n = 1000 from (−1.2, 1, …): minimize with
// nabla's gradient against gonum's optimize with the hand-written gradient
// (see lbfgs.go). A run takes 0.2–0.7 s; cmd/report runs it with
// -benchtime 3x.
func BenchmarkLBFGSRosenbrock(b *testing.B) {
	x0 := LBFGSStart(LBFGSN)
	b.Run("n=1000/nabla", func(b *testing.B) {
		for b.Loop() {
			if r, err := NablaLBFGS(x0); err != nil || !r.Success {
				b.Fatal(err, r.Message)
			}
		}
	})
	b.Run("n=1000/gonum", func(b *testing.B) {
		for b.Loop() {
			if r, err := GonumLBFGS(x0); err != nil || r.Status != optimize.GradientThreshold {
				b.Fatal(err, r.Status)
			}
		}
	})
	b.Run("n=1000-compiled/nabla", func(b *testing.B) {
		for b.Loop() {
			if r, err := NablaLBFGSCompiled(x0); err != nil || !r.Success {
				b.Fatal(err, r.Message)
			}
		}
	})
	b.Run("n=1000-compiled/gonum", func(b *testing.B) {
		for b.Loop() {
			if r, err := GonumLBFGS(x0); err != nil || r.Status != optimize.GradientThreshold {
				b.Fatal(err, r.Status)
			}
		}
	})
}
