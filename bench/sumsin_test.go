package bench

import (
	"math"
	"testing"

	"github.com/nabla-go/nabla"
	"gorgonia.org/tensor"
)

const sumSinN = 1_000_000

// sumSinInput returns the 10⁶ inputs, uniform in [−3, 3], as a nabla tensor
// of dtype dt and as a Gorgonia tensor holding a copy of the same values.
func sumSinInput(dt nabla.DType) (*nabla.Tensor, *tensor.Dense) {
	x := nabla.Uniform(nabla.NewRand(1), -3, 3, sumSinN).As(dt)
	if dt == nabla.Float32 {
		return x, tensor.New(tensor.WithShape(sumSinN), tensor.WithBacking(x.Float32s()))
	}
	return x, tensor.New(tensor.WithShape(sumSinN), tensor.WithBacking(x.Float64s()))
}

// TestSumX2SinX checks that the three implementations agree on the value and
// the gradient before any of them is timed.
func TestSumX2SinX(t *testing.T) {
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		t.Run(dt.String(), func(t *testing.T) {
			x, xg := sumSinInput(dt)
			tol := 1e-9
			if dt == nabla.Float32 {
				tol = 1e-3 // float32 sums of 10⁶ terms
			}
			g := make([]float64, sumSinN)
			want := SumX2SinXGradLoop(x.Float64s(), g)
			if got := SumX2SinXLoop(x.Float64s()); !close(got, want, tol) {
				t.Errorf("forward loop: %v, want %v", got, want)
			}

			v := x.Detach().SetRequiresGrad(true)
			y := SumX2SinX(v)
			if !close(y.Item(), want, tol) {
				t.Errorf("nabla: f = %v, want %v", y.Item(), want)
			}
			y.Backward()
			checkSlice(t, "nabla gradient", v.Grad().Float64s(), g, 1e-5)

			m, err := NewGorgoniaSumX2SinX(xg, true)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if err := m.Run(); err != nil {
				t.Fatal(err)
			}
			if got := scalarOf(m.Y.Value().Data()); !close(got, want, tol) {
				t.Errorf("Gorgonia: f = %v, want %v", got, want)
			}
			checkSlice(t, "Gorgonia gradient", floats(m.Grad.Value().Data()), g, 1e-5)
		})
	}
}

// BenchmarkSumX2SinX times f(x) = sum(x²·sin x) on 10⁶ elements, forward
// alone and forward+backward, for nabla, Gorgonia and a plain Go loop.
func BenchmarkSumX2SinX(b *testing.B) {
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		x, xg := sumSinInput(dt)
		b.Run(dt.String()+"/forward/nabla", func(b *testing.B) {
			for b.Loop() {
				nabla.NoGrad(func() { SumX2SinX(x) })
			}
		})
		b.Run(dt.String()+"/forward/gorgonia", func(b *testing.B) {
			benchGorgoniaSumSin(b, xg, false)
		})
		b.Run(dt.String()+"/forward/hand-written", func(b *testing.B) {
			if dt == nabla.Float32 {
				xs := x.Float32s()
				for b.Loop() {
					SumX2SinXLoop(xs)
				}
				return
			}
			xs := x.Float64s()
			for b.Loop() {
				SumX2SinXLoop(xs)
			}
		})

		b.Run(dt.String()+"/forward+backward/nabla", func(b *testing.B) {
			v := x.Detach().SetRequiresGrad(true)
			for b.Loop() {
				v.ZeroGrad()
				SumX2SinX(v).Backward()
			}
		})
		b.Run(dt.String()+"/forward+backward/gorgonia", func(b *testing.B) {
			benchGorgoniaSumSin(b, xg, true)
		})
		b.Run(dt.String()+"/forward+backward/hand-written", func(b *testing.B) {
			if dt == nabla.Float32 {
				xs, g := x.Float32s(), make([]float32, sumSinN)
				for b.Loop() {
					SumX2SinXGradLoop(xs, g)
				}
				return
			}
			xs, g := x.Float64s(), make([]float64, sumSinN)
			for b.Loop() {
				SumX2SinXGradLoop(xs, g)
			}
		})
	}
}

func benchGorgoniaSumSin(b *testing.B, x *tensor.Dense, grad bool) {
	m, err := NewGorgoniaSumX2SinX(x, grad)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	for b.Loop() {
		if err := m.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// close reports whether a and b agree to a relative tolerance tol.
func close(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func checkSlice(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !close(got[i], want[i], tol) {
			t.Fatalf("%s[%d] = %v, want %v (tolerance %g)", what, i, got[i], want[i], tol)
		}
	}
}

// floats converts a Gorgonia value's backing slice to float64s.
func floats(data any) []float64 {
	switch d := data.(type) {
	case []float64:
		return d
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out
	}
	panic("bench: not a float slice")
}

// scalarOf returns a Gorgonia scalar value's data as a float64.
func scalarOf(data any) float64 {
	switch d := data.(type) {
	case float64:
		return d
	case float32:
		return float64(d)
	}
	return floats(data)[0]
}
