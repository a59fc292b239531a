package nn

import (
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/gradcheck"
)

// channelStats returns the mean, biased variance and count per channel of x
// (N, C, ...), computed with plain loops as the reference.
func channelStats(x *nabla.Tensor) (mean, biased []float64, n int) {
	s, v := x.Shape(), x.Float64s()
	c := s[1]
	inner := x.Size() / (s[0] * c)
	mean, biased = make([]float64, c), make([]float64, c)
	n = s[0] * inner
	for ch := range c {
		for i := range s[0] {
			for j := range inner {
				mean[ch] += v[(i*c+ch)*inner+j]
			}
		}
		mean[ch] /= float64(n)
		for i := range s[0] {
			for j := range inner {
				d := v[(i*c+ch)*inner+j] - mean[ch]
				biased[ch] += d * d
			}
		}
		biased[ch] /= float64(n)
	}
	return mean, biased, n
}

func close(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestBatchNormTraining(t *testing.T) {
	for _, tc := range []struct {
		name  string
		bn    *BatchNorm
		shape []int
	}{
		{"1d/NC", NewBatchNorm1d(3), []int{5, 3}},
		{"1d/NCL", NewBatchNorm1d(3), []int{4, 3, 6}},
		{"2d", NewBatchNorm2d(3), []int{4, 3, 2, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := nabla.NewRand(1)
			bn := tc.bn
			Normal(bn.Weight, 1, 0.3, rng)
			Normal(bn.Bias, 0, 0.3, rng)
			x := nabla.Randn(rng, tc.shape...)
			mean, biased, n := channelStats(x)
			y := bn.Forward(x)
			// y = (x − mean)/√(var+eps)·w + b, so (y − b)/w has the batch's
			// statistics 0 and var/(var+eps).
			w, b := bn.Weight.Float64s(), bn.Bias.Float64s()
			c := channelShape(x)
			z := nabla.Div(nabla.Sub(y, nabla.Reshape(bn.Bias, c...)), nabla.Reshape(bn.Weight, c...))
			zm, zv, _ := channelStats(z)
			for ch := range 3 {
				if math.Abs(zm[ch]) > 1e-14 || math.Abs(zv[ch]-biased[ch]/(biased[ch]+1e-5)) > 1e-13 {
					t.Errorf("channel %d (w %v, b %v): normalised mean %v, variance %v", ch, w[ch], b[ch], zm[ch], zv[ch])
				}
			}
			wantMean, wantVar := make([]float64, 3), make([]float64, 3)
			for ch := range 3 {
				wantMean[ch] = 0.1 * mean[ch]
				wantVar[ch] = 0.9 + 0.1*biased[ch]*float64(n)/float64(n-1) // unbiased
			}
			close(t, "running_mean", bn.RunningMean.Float64s(), wantMean, 1e-15)
			close(t, "running_var", bn.RunningVar.Float64s(), wantVar, 1e-15)
			if got := bn.NumBatchesTracked.Item(); got != 1 {
				t.Errorf("num_batches_tracked = %v, want 1", got)
			}
			if bn.RunningMean.RequiresGrad() || !bn.RunningMean.IsLeaf() || !bn.RunningVar.IsLeaf() {
				t.Error("the running statistics were recorded")
			}
		})
	}
}

func TestBatchNormEvalUsesRunningStatistics(t *testing.T) {
	bn := NewBatchNorm2d(2)
	copy(bn.RunningMean.RawFloat64(), []float64{1, -2})
	copy(bn.RunningVar.RawFloat64(), []float64{4, 0.25})
	copy(bn.Weight.RawFloat64(), []float64{2, 3})
	copy(bn.Bias.RawFloat64(), []float64{0.5, -1})
	Eval(bn)
	x := nabla.Randn(nabla.NewRand(2), 3, 2, 2, 2)
	got := bn.Forward(x).Float64s()
	want := x.Float64s()
	for i := range want {
		ch := (i / 4) % 2
		m, v, w, b := bn.RunningMean.At(ch), bn.RunningVar.At(ch), bn.Weight.At(ch), bn.Bias.At(ch)
		want[i] = (want[i]-m)/math.Sqrt(v+1e-5)*w + b
	}
	close(t, "y", got, want, 1e-15)
	if bn.NumBatchesTracked.Item() != 0 || bn.RunningMean.At(0) != 1 {
		t.Error("evaluation mode changed the buffers")
	}
}

// momentum=None in PyTorch: the running statistics are the average of every
// batch's, the initial values forgotten at the first batch.
func TestBatchNormCumulativeAverage(t *testing.T) {
	bn := NewBatchNorm1d(2, CumulativeAverage())
	rng := nabla.NewRand(3)
	sumMean, sumVar := make([]float64, 2), make([]float64, 2)
	for k := 1; k <= 3; k++ {
		x := nabla.Randn(rng, 4+k, 2)
		mean, biased, n := channelStats(x)
		for ch := range 2 {
			sumMean[ch] += mean[ch]
			sumVar[ch] += biased[ch] * float64(n) / float64(n-1)
		}
		bn.Forward(x)
		want := func(s []float64) []float64 { return []float64{s[0] / float64(k), s[1] / float64(k)} }
		close(t, "running_mean", bn.RunningMean.Float64s(), want(sumMean), 1e-14)
		close(t, "running_var", bn.RunningVar.Float64s(), want(sumVar), 1e-14)
		if got := bn.NumBatchesTracked.Item(); got != float64(k) {
			t.Errorf("num_batches_tracked = %v, want %d", got, k)
		}
	}
}

func TestBatchNormOptions(t *testing.T) {
	bn := NewBatchNorm2d(3, Eps(1e-3), Momentum(0.5), NoAffine())
	if bn.Eps != 1e-3 || bn.Momentum != 0.5 || bn.Parameters() != nil || len(bn.Buffers()) != 3 {
		t.Errorf("options not applied: %+v", bn)
	}
	x := nabla.Randn(nabla.NewRand(4), 2, 3, 2, 2)
	mean, _, _ := channelStats(x)
	bn.Forward(x)
	close(t, "running_mean", bn.RunningMean.Float64s(), []float64{mean[0] / 2, mean[1] / 2, mean[2] / 2}, 1e-15)

	// Without running statistics: no buffers, batch statistics in both modes.
	free := NewBatchNorm1d(3, NoRunningStats())
	if free.Buffers() != nil || free.RunningMean != nil {
		t.Error("NoRunningStats kept buffers")
	}
	x = nabla.Randn(nabla.NewRand(5), 4, 3)
	train := free.Forward(x).Float64s()
	Eval(free)
	close(t, "eval", free.Forward(x).Float64s(), train, 0)

	// float32: buffers follow the dtype, the count stays a float64.
	f32 := NewBatchNorm1d(2, WithDType(nabla.Float32))
	y := f32.Forward(nabla.Randn(nabla.NewRand(6), 3, 2).As(nabla.Float32))
	if y.DType() != nabla.Float32 || f32.RunningVar.DType() != nabla.Float32 || f32.NumBatchesTracked.DType() != nabla.Float64 {
		t.Errorf("dtypes: y %s, running_var %s, count %s", y.DType(), f32.RunningVar.DType(), f32.NumBatchesTracked.DType())
	}
}

// A training Forward inside a tape's NoGrad still updates the running
// statistics, as PyTorch's does under torch.no_grad().
func TestBatchNormUpdatesUnderNoGrad(t *testing.T) {
	bn := NewBatchNorm1d(2)
	tp := nabla.NewTape()
	x := nabla.Randn(nabla.NewRand(7), 4, 2)
	tp.Bind(x)
	tp.NoGrad(func() { bn.Forward(x) })
	if bn.NumBatchesTracked.Item() != 1 || bn.RunningMean.At(0) == 0 {
		t.Error("no update under NoGrad")
	}
}

func TestNormLayerErrors(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"1d/rank", func() { NewBatchNorm1d(3).Forward(nabla.Zeros(2, 3, 4, 4)) }, "not (N, C) or (N, C, L) with C = 3"},
		{"2d/rank", func() { NewBatchNorm2d(3).Forward(nabla.Zeros(2, 3, 4)) }, "not (N, C, H, W) with C = 3"},
		{"channels", func() { NewBatchNorm2d(3).Forward(nabla.Zeros(2, 4, 1, 1)) }, "C = 3"},
		{"one value", func() { NewBatchNorm2d(3).Forward(nabla.Zeros(1, 3, 1, 1)) }, "more than one value per channel"},
		{"features", func() { NewBatchNorm1d(0) }, "positive number of features"},
		{"option", func() { NewBatchNorm1d(2, NoBias()) }, "does not take the option NoBias"},
		{"momentum", func() { Momentum(1.5) }, "not in [0, 1]"},
		{"groups", func() { NewGroupNorm(3, 8, 1e-5) }, "do not split into 3 groups"},
		{"group input", func() { NewGroupNorm(2, 8, 1e-5).Forward(nabla.Zeros(2, 6, 3)) }, "not (N, 8, ...)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := nabla.Catch(tc.f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if e, ok := err.(*nabla.Error); !ok || !strings.HasPrefix(e.Op, "nn.") || !strings.Contains(e.Where, "norm_test.go") {
				t.Errorf("error %#v does not name an nn op and this file", err)
			}
		})
	}
}

func TestGroupNorm(t *testing.T) {
	rng := nabla.NewRand(8)
	g := NewGroupNorm(2, 6, 1e-5)
	Normal(g.Weight, 1, 0.3, rng)
	Normal(g.Bias, 0, 0.3, rng)
	x := nabla.Randn(rng, 3, 6, 2, 2)
	got := g.Forward(x).Float64s()
	// Reference: each sample's group of 3 consecutive channels is one block
	// of 12 values.
	v := x.Float64s()
	want := make([]float64, len(v))
	for blk := 0; blk < len(v); blk += 12 {
		var m, s float64
		for _, a := range v[blk : blk+12] {
			m += a
		}
		m /= 12
		for _, a := range v[blk : blk+12] {
			s += (a - m) * (a - m)
		}
		s /= 12
		for i := blk; i < blk+12; i++ {
			ch := (i / 4) % 6
			want[i] = (v[i]-m)/math.Sqrt(s+1e-5)*g.Weight.At(ch) + g.Bias.At(ch)
		}
	}
	close(t, "y", got, want, 1e-14)
	if p := NewGroupNorm(3, 6, 1e-5, NoAffine()); p.Parameters() != nil {
		t.Error("NoAffine kept parameters")
	}
	if y := NewGroupNorm(2, 4, 1e-5).Forward(nabla.Randn(rng, 2, 4)); !slices.Equal(y.Shape(), []int{2, 4}) {
		t.Errorf("(N, C) input gives shape %v", y.Shape())
	}
}

// The layers are compositions of nabla's ops: first and second derivatives
// with respect to the input and the affine parameters come from the engine.
func TestNormGradients(t *testing.T) {
	rng := nabla.NewRand(9)
	bn := NewBatchNorm2d(2)
	bn1 := NewBatchNorm1d(3, NoRunningStats())
	gn := NewGroupNorm(2, 4, 1e-5)
	tests := []struct {
		name   string
		f      gradcheck.Func
		inputs []*nabla.Tensor
	}{
		{"BatchNorm2d/train", func(xs ...*nabla.Tensor) *nabla.Tensor {
			bn.Weight, bn.Bias = xs[1], xs[2]
			return bn.Forward(xs[0])
		}, []*nabla.Tensor{nabla.Randn(rng, 3, 2, 2, 2), nabla.Randn(rng, 2), nabla.Randn(rng, 2)}},
		{"BatchNorm1d/batch-stats", func(xs ...*nabla.Tensor) *nabla.Tensor {
			bn1.Weight, bn1.Bias = xs[1], xs[2]
			return bn1.Forward(xs[0])
		}, []*nabla.Tensor{nabla.Randn(rng, 4, 3), nabla.Randn(rng, 3), nabla.Randn(rng, 3)}},
		{"GroupNorm", func(xs ...*nabla.Tensor) *nabla.Tensor {
			gn.Weight, gn.Bias = xs[1], xs[2]
			return gn.Forward(xs[0])
		}, []*nabla.Tensor{nabla.Randn(rng, 2, 4, 3), nabla.Randn(rng, 4), nabla.Randn(rng, 4)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := gradcheck.Check(tc.f, tc.inputs, nil); err != nil {
				t.Error(err)
			}
			if err := gradcheck.CheckSecondOrder(tc.f, tc.inputs, nil); err != nil {
				t.Error("second order:", err)
			}
		})
	}
	// Evaluation mode is affine in x.
	Eval(bn)
	f := func(xs ...*nabla.Tensor) *nabla.Tensor {
		bn.Weight, bn.Bias = xs[1], xs[2]
		return bn.Forward(xs[0])
	}
	if err := gradcheck.Check(f, []*nabla.Tensor{nabla.Randn(rng, 2, 2, 1, 3), nabla.Randn(rng, 2), nabla.Randn(rng, 2)}, nil); err != nil {
		t.Error("eval:", err)
	}
}

// Evaluation-mode Forward only reads the layer: many goroutines may run it at
// once (run with -race), and each gets what one goroutine alone gets.
func TestBatchNormEvalConcurrent(t *testing.T) {
	rng := nabla.NewRand(10)
	bn := NewBatchNorm2d(3)
	for range 3 {
		bn.Forward(nabla.Randn(rng, 4, 3, 2, 2)) // non-trivial running statistics
	}
	Eval(bn)
	xs := make([]*nabla.Tensor, 8)
	want := make([][]float64, len(xs))
	for i := range xs {
		xs[i] = nabla.Randn(rng, 2, 3, 4, 4).SetRequiresGrad(true)
		y := bn.Forward(xs[i])
		want[i] = append(y.Float64s(), nabla.Gradients([]*nabla.Tensor{nabla.Sum(nabla.Square(y))}, []*nabla.Tensor{xs[i]})[0].Float64s()...)
	}
	var wg sync.WaitGroup
	got := make([][]float64, len(xs))
	for i := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				tp := nabla.NewTape()
				x := xs[i].Clone().SetRequiresGrad(true)
				tp.Bind(x)
				y := bn.Forward(x)
				g := nabla.Gradients([]*nabla.Tensor{nabla.Sum(nabla.Square(y))}, []*nabla.Tensor{x})[0]
				got[i] = append(y.Float64s(), g.Float64s()...)
			}
		}()
	}
	wg.Wait()
	for i := range xs {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("goroutine %d differs from the single-goroutine result", i)
		}
	}
	if bn.NumBatchesTracked.Item() != 3 {
		t.Error("evaluation changed num_batches_tracked")
	}
}

// A compiled function would update the running statistics once, when traced:
// training mode refuses, evaluation mode compiles.
func TestBatchNormRefusesTracing(t *testing.T) {
	bn := NewBatchNorm1d(2)
	f := nabla.Compile(func(xs ...*nabla.Tensor) *nabla.Tensor { return bn.Forward(xs[0]) })
	x := nabla.Randn(nabla.NewRand(11), 4, 2)
	err := nabla.Catch(func() { f(x) })
	if err == nil || !strings.Contains(err.Error(), "compiled") {
		t.Fatalf("error %v", err)
	}
	if bn.NumBatchesTracked.Item() != 0 {
		t.Error("the refused call counted a batch")
	}
	Eval(bn)
	g := nabla.Compile(func(xs ...*nabla.Tensor) *nabla.Tensor { return bn.Forward(xs[0]) })
	want := bn.Forward(x).Float64s()
	for range 2 { // trace, then replay
		if got := g(x).Float64s(); !slices.Equal(got, want) {
			t.Errorf("compiled evaluation %v, want %v", got, want)
		}
	}
	free := NewBatchNorm1d(2, NoRunningStats())
	h := nabla.Compile(func(xs ...*nabla.Tensor) *nabla.Tensor { return free.Forward(xs[0]) })
	if got := h(x).Float64s(); !slices.Equal(got, free.Forward(x).Float64s()) {
		t.Error("compiled batch statistics differ")
	}
}
