package bench

import (
	"testing"

	"github.com/nabla-go/nabla"
)

// TestVmapWorkloads checks the batched results against the loops.
func TestVmapWorkloads(t *testing.T) {
	f, x := JacobianWorkload(100, 30)
	if d := maxAbsDiff(nabla.JacobianRev(f)(x).Float64s(), JacobianRowByRow(f, x).Float64s()); d != 0 {
		t.Errorf("JacobianRev differs from the row-by-row loop by %g", d)
	}
	if d := maxAbsDiff(nabla.JacobianFwd(f)(x).Float64s(), JacobianColumnByColumn(f, x).Float64s()); d != 0 {
		t.Errorf("JacobianFwd differs from the column-by-column loop by %g", d)
	}
	p := NewPerExample()
	p.X, p.Y = nabla.Slice(p.X, 0, 0, 8, 1), nabla.Slice(p.Y, 0, 0, 8, 1)
	loop := p.Loop()
	if d := maxAbsDiff(p.Vmap().Float64s(), loop.Float64s()); d > 1e-12 {
		t.Errorf("per-example gradients differ from the loop by %g", d)
	}
	out := nabla.Full(7, loop.Shape()...)
	for range 2 { // the second call reuses out
		if d := maxAbsDiff(p.VmapInto(out).Float64s(), loop.Float64s()); d > 1e-12 {
			t.Errorf("per-example gradients written in place differ from the loop by %g", d)
		}
	}
	q := p.As(nabla.Float32)
	out32 := nabla.Zeros(loop.Shape()...).As(nabla.Float32)
	if d := maxAbsDiff(q.VmapInto(out32).Float64s(), loop.Float64s()); d > 1e-4 {
		t.Errorf("float32 per-example gradients differ from the float64 loop by %g", d)
	}
}

// BenchmarkVmap measures Jacobians computed in one batched pass (Vmap
// inside JacobianRev and JacobianFwd) against a pass per row or column,
// and per-example gradients through Vmap against a loop over examples and
// against one gradient of the whole batch.
func BenchmarkVmap(b *testing.B) {
	for _, c := range []struct {
		name    string
		in, out int
	}{{"jacrev-100to100", 100, 100}, {"jacrev-1000to100", 1000, 100}} {
		f, x := JacobianWorkload(c.in, c.out)
		b.Run(c.name+"/vmap", func(b *testing.B) {
			jac := nabla.JacobianRev(f)
			for b.Loop() {
				jac(x)
			}
		})
		b.Run(c.name+"/loop", func(b *testing.B) {
			for b.Loop() {
				JacobianRowByRow(f, x)
			}
		})
	}
	f, x := JacobianWorkload(100, 100)
	b.Run("jacfwd-100to100/vmap", func(b *testing.B) {
		jac := nabla.JacobianFwd(f)
		for b.Loop() {
			jac(x)
		}
	})
	b.Run("jacfwd-100to100/loop", func(b *testing.B) {
		for b.Loop() {
			JacobianColumnByColumn(f, x)
		}
	})
	p := NewPerExample()
	b.Run("perexample-mlp/vmap", func(b *testing.B) {
		for b.Loop() {
			p.Vmap()
		}
	})
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		name, q := "perexample-mlp", p
		if dt == nabla.Float32 {
			name, q = "perexample-mlp-f32", p.As(dt)
		}
		// out's pages are faulted in here, before the timings: fresh
		// memory is what VmapInto exists to avoid.
		out := nabla.New(dt, q.X.Shape()[0], q.Size())
		q.VmapInto(out)
		b.Run(name+"/vmap-into", func(b *testing.B) {
			for b.Loop() {
				q.VmapInto(out)
			}
		})
		b.Run(name+"/fill", func(b *testing.B) {
			for b.Loop() {
				WriteOnce(out)
			}
		})
		b.Run(name+"/batch-gradient", func(b *testing.B) {
			for b.Loop() {
				q.BatchGradient()
			}
		})
	}
	b.Run("perexample-mlp/loop", func(b *testing.B) {
		for b.Loop() {
			p.Loop()
		}
	})
}
