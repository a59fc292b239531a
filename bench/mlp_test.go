package bench

import (
	"runtime"
	"testing"

	"github.com/nabla-go/nabla"
	G "gorgonia.org/gorgonia"
)

// TestMLPSameStep checks, in float64 from the same initial weights, that
// nabla, the hand-written step and Gorgonia compute the same loss and
// gradients, and that after one SGD update all three agree again.
func TestMLPSameStep(t *testing.T) {
	const tol = 1e-10
	nm := NewNablaMLP(nabla.Float64)
	hm := NewHandMLP[float64](nm.Net)
	gm, err := NewGorgoniaMLP(nm.Net, nm.X, nm.Labels)
	if err != nil {
		t.Fatal(err)
	}
	defer gm.Close()
	x := nm.X.Float64s()

	for step := range 2 {
		loss := nm.LossAndGrad()
		if want := hm.LossAndGrad(x, nm.Labels); !close(loss, want, tol) {
			t.Fatalf("step %d: nabla loss %v, hand-written %v", step, loss, want)
		}
		gLoss, err := gm.LossAndGrad()
		if err != nil {
			t.Fatal(err)
		}
		if !close(gLoss, loss, tol) {
			t.Fatalf("step %d: Gorgonia loss %v, nabla %v", step, gLoss, loss)
		}
		hand := [][]float64{hm.GW1, hm.GB1, hm.GW2, hm.GB2}
		gorgonia := []*G.Node{gm.W1, gm.B1, gm.W2, gm.B2}
		for i, p := range nm.Params {
			name := []string{"W1", "b1", "W2", "b2"}[i]
			checkSlice(t, "hand-written ∂"+name, hand[i], p.Grad().Float64s(), tol)
			gg, err := gorgonia[i].Grad()
			if err != nil {
				t.Fatal(err)
			}
			// Gorgonia's weights are nabla's transposed.
			want := p.Grad()
			if want.Dims() == 2 {
				want = nabla.Transpose(want, 0, 1)
			}
			checkSlice(t, "Gorgonia ∂"+name, floats(gg.Data()), want.Float64s(), tol)
		}
		nm.Update()
		hm.Update()
		if err := gm.Update(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMLPAllocs reports the allocations of one training step after warm-up
// for each implementation, and checks that nabla's count and bytes do not
// grow with the number of steps taken.
func TestMLPAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a few hundred training steps")
	}
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		t.Run(dt.String(), func(t *testing.T) {
			nm := NewNablaMLP(dt)
			steps := 0
			step := func() { nm.Step(); steps++ }
			for range 5 {
				step()
			}
			early, earlyBytes := testing.AllocsPerRun(20, step), bytesPerRun(20, step)
			earlySteps := steps
			for range 200 {
				step()
			}
			late, lateBytes := testing.AllocsPerRun(20, step), bytesPerRun(20, step)
			t.Logf("nabla: %v allocations (%.0f bytes) per step around step %d, %v (%.0f bytes) around step %d",
				early, earlyBytes, earlySteps, late, lateBytes, steps)
			// The backward pass recycles buffers through sync.Pools, which
			// the garbage collector empties now and then: a few allocations
			// more in one sample is that, not growth.
			if late > early*1.03+2 {
				t.Errorf("nabla's allocations per step grew from %v to %v", early, late)
			}
			if lateBytes > earlyBytes*1.10 {
				t.Errorf("nabla's bytes allocated per step grew from %.0f to %.0f", earlyBytes, lateBytes)
			}

			var hand float64
			if dt == nabla.Float32 {
				hm, x := NewHandMLP[float32](nm.Net), nm.X.Float32s()
				hand = testing.AllocsPerRun(20, func() { hm.Step(x, nm.Labels) })
			} else {
				hm, x := NewHandMLP[float64](nm.Net), nm.X.Float64s()
				hand = testing.AllocsPerRun(20, func() { hm.Step(x, nm.Labels) })
			}
			t.Logf("hand-written: %v allocations per step", hand)

			gm, err := NewGorgoniaMLP(nm.Net, nm.X, nm.Labels)
			if err != nil {
				t.Fatal(err)
			}
			defer gm.Close()
			gstep := func() {
				if _, err := gm.Step(); err != nil {
					t.Fatal(err)
				}
			}
			for range 5 {
				gstep()
			}
			t.Logf("Gorgonia: %v allocations per step", testing.AllocsPerRun(20, gstep))
		})
	}
}

// bytesPerRun returns the average number of bytes allocated by f over runs
// calls, after one warm-up call, as testing.AllocsPerRun counts allocations.
func bytesPerRun(runs int, f func()) float64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / float64(runs)
}

// BenchmarkMLPStep times one SGD training step (forward, backward, update)
// of the 784-256-10 network on a batch of 128.
func BenchmarkMLPStep(b *testing.B) {
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		b.Run(dt.String()+"/nabla", func(b *testing.B) {
			m := NewNablaMLP(dt)
			m.Step() // warm-up: the first step allocates the gradient and optimizer buffers
			b.ReportAllocs()
			for b.Loop() {
				m.Step()
			}
		})
		b.Run(dt.String()+"/hand-written", func(b *testing.B) {
			nm := NewNablaMLP(dt)
			b.ReportAllocs()
			if dt == nabla.Float32 {
				m, x := NewHandMLP[float32](nm.Net), nm.X.Float32s()
				for b.Loop() {
					m.Step(x, nm.Labels)
				}
				return
			}
			m, x := NewHandMLP[float64](nm.Net), nm.X.Float64s()
			for b.Loop() {
				m.Step(x, nm.Labels)
			}
		})
		b.Run(dt.String()+"/gorgonia", func(b *testing.B) {
			nm := NewNablaMLP(dt)
			m, err := NewGorgoniaMLP(nm.Net, nm.X, nm.Labels)
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			if _, err := m.Step(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Step(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
