package nabla_test

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/nabla-go/nabla"
)

// convPipeline computes, for seed, the outputs and the gradients of a
// Conv2d → BatchNorm → MaxPool2d → ConvTranspose2d pipeline on data of its
// own, in float32 when f32, and returns all their bits. The sizes are large
// enough that each convolution spreads its samples over the cores and the
// weight gradient sums in several blocks.
func convPipeline(seed uint64, f32 bool) [][]uint64 {
	r := nabla.NewRand(seed)
	in := []*nabla.Tensor{
		nabla.Randn(r, 11, 8, 16, 16),                     // x
		nabla.MulScalar(nabla.Randn(r, 16, 8, 3, 3), 0.2), // conv weight
		nabla.AddScalar(nabla.Randn(r, 16), 1),            // batch norm weight
		nabla.Randn(r, 16),                                // batch norm bias
		nabla.MulScalar(nabla.Randn(r, 16, 8, 3, 3), 0.2), // transposed conv weight
	}
	gy := nabla.Randn(r, 11, 8, 16, 16)
	if f32 {
		for i, x := range in {
			in[i] = nabla.FromFloat32s(x.Float32s(), x.Shape()...)
		}
		gy = nabla.FromFloat32s(gy.Float32s(), gy.Shape()...)
	}
	f := func(xs ...*nabla.Tensor) (*nabla.Tensor, *nabla.Tensor) {
		h := nabla.Conv2d(xs[0], xs[1], nabla.ConvOptions{Padding: []int{1}})
		h = nabla.MaxPool2d(nabla.BatchNorm(h, xs[2], xs[3], 1e-5), nabla.PoolOptions{Kernel: []int{2}})
		y := nabla.ConvTranspose2d(h, xs[4], nabla.ConvOptions{Stride: []int{2}, Padding: []int{1}, OutputPadding: []int{1}})
		return nabla.Sum(nabla.Mul(y, gy)), y
	}
	loss, gs, y := nabla.ValueAndGradAux(f, 0, 1, 2, 3, 4)(in...)
	out := [][]uint64{bitsOf(loss), bitsOf(y)}
	for _, g := range gs {
		out = append(out, bitsOf(g))
	}
	return out
}

// bitsOf returns the bits of t's values in t's own dtype.
func bitsOf(t *nabla.Tensor) []uint64 {
	var out []uint64
	if t.DType() == nabla.Float32 {
		for _, v := range t.Float32s() {
			out = append(out, uint64(math.Float32bits(v)))
		}
		return out
	}
	for _, v := range t.Float64s() {
		out = append(out, math.Float64bits(v))
	}
	return out
}

func sameBits(a, b [][]uint64) bool {
	return slices.EqualFunc(a, b, func(x, y []uint64) bool { return slices.Equal(x, y) })
}

// Sixteen goroutines each running convolutions, batch norm and max pooling
// forward and backward on data of their own give, bit for bit, what one
// goroutine gives running them one after the other. Run with -race.
func TestConcurrentConvPoolBatchNorm(t *testing.T) {
	const goroutines = 16
	want := make([][][]uint64, goroutines)
	for i := range want {
		want[i] = convPipeline(uint64(i), i%4 == 3)
	}
	got := make([][][]uint64, goroutines)
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = convPipeline(uint64(i), i%4 == 3)
		}()
	}
	wg.Wait()
	for i := range got {
		if !sameBits(got[i], want[i]) {
			t.Errorf("goroutine %d: results differ from the serial run's", i)
		}
	}
}

// The results of convolutions, their weight gradients included, batch norm
// and pooling do not depend on GOMAXPROCS: samples are independent, the
// weight gradient sums over a fixed number of blocks of samples in a fixed
// order, and the statistics are one channel per task.
func TestConvResultsDoNotDependOnGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var want [][][]uint64
	for _, procs := range []int{1, 2, 3, 4, 8} {
		runtime.GOMAXPROCS(procs)
		got := [][][]uint64{convPipeline(1, false), convPipeline(2, true)}
		if want == nil {
			want = got
			continue
		}
		for k, dt := range []string{"float64", "float32"} {
			for j, what := range []string{"loss", "output", "input gradient", "conv weight gradient", "batch norm weight gradient",
				"batch norm bias gradient", "transposed conv weight gradient"} {
				if !slices.Equal(got[k][j], want[k][j]) {
					t.Errorf("%s: %s with GOMAXPROCS %d differs from GOMAXPROCS 1", dt, what, procs)
				}
			}
		}
	}
}
