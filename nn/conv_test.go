package nn

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/gradcheck"
)

func TestConvAndPoolShapes(t *testing.T) {
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		rng := nabla.NewRand(1)
		tests := []struct {
			name string
			m    Module
			in   []int
			want []int
		}{
			{"Conv1d", NewConv1d(3, 5, 3, rng, WithDType(dt)), []int{2, 3, 10}, []int{2, 5, 8}},
			{"Conv1d/stride-pad", NewConv1d(3, 6, 4, rng, Stride(2), Padding(1), Groups(3), WithDType(dt)), []int{2, 3, 10}, []int{2, 6, 5}},
			{"Conv1d/unbatched", NewConv1d(3, 5, 3, rng, PaddingSame(), WithDType(dt)), []int{3, 10}, []int{5, 10}},
			{"Conv2d", NewConv2d(3, 4, 3, rng, WithDType(dt)), []int{2, 3, 8, 9}, []int{2, 4, 6, 7}},
			{"Conv2d/same-dilated", NewConv2d(3, 4, 3, rng, PaddingSame(), Dilation(2), WithDType(dt)), []int{2, 3, 8, 9}, []int{2, 4, 8, 9}},
			{"Conv2d/rect", NewConv2d(2, 4, 0, rng, Kernel2(1, 3), Stride(1, 2), Padding(0, 1), WithDType(dt)), []int{1, 2, 5, 9}, []int{1, 4, 5, 5}},
			{"Conv2d/depthwise", NewConv2d(4, 4, 3, rng, Groups(4), NoBias(), WithDType(dt)), []int{2, 4, 5, 5}, []int{2, 4, 3, 3}},
			{"Conv2d/unbatched", NewConv2d(3, 4, 3, rng, Padding(1), WithDType(dt)), []int{3, 6, 6}, []int{4, 6, 6}},
			{"ConvTranspose2d", NewConvTranspose2d(4, 2, 3, rng, Stride(2), Padding(1), OutputPadding(1), WithDType(dt)), []int{2, 4, 5, 5}, []int{2, 2, 10, 10}},
			{"ConvTranspose2d/groups", NewConvTranspose2d(4, 6, 2, rng, Groups(2), WithDType(dt)), []int{1, 4, 3, 3}, []int{1, 6, 4, 4}},
			{"MaxPool2d", NewMaxPool2d(2), []int{2, 3, 8, 9}, []int{2, 3, 4, 4}},
			{"MaxPool2d/ceil", NewMaxPool2d(2, CeilMode()), []int{2, 3, 8, 9}, []int{2, 3, 4, 5}},
			{"MaxPool2d/unbatched", NewMaxPool2d(3, Stride(1), Padding(1)), []int{3, 8, 9}, []int{3, 8, 9}},
			{"AvgPool2d", NewAvgPool2d(0, Kernel2(2, 3)), []int{2, 3, 8, 9}, []int{2, 3, 4, 3}},
			{"AdaptiveAvgPool2d", NewAdaptiveAvgPool2d(3, 2), []int{2, 3, 8, 9}, []int{2, 3, 3, 2}},
			{"AdaptiveAvgPool2d/global", NewAdaptiveAvgPool2d(1, 1), []int{3, 7, 5}, []int{3, 1, 1}},
		}
		for _, tc := range tests {
			t.Run(dt.String()+"/"+tc.name, func(t *testing.T) {
				y := tc.m.Forward(nabla.Randn(rng, tc.in...).As(dt))
				if !slices.Equal(y.Shape(), tc.want) {
					t.Errorf("shape %v, want %v", y.Shape(), tc.want)
				}
				if y.DType() != dt {
					t.Errorf("dtype %s, want %s", y.DType(), dt)
				}
			})
		}
	}
}

// PyTorch's weight shapes and default initialisation: U(−b, b) with
// b = 1/√fanIn for weight and bias; a transposed convolution's fanIn comes
// from its weight's dimension 1, out/groups·kH·kW.
func TestConvInit(t *testing.T) {
	rng := nabla.NewRand(2)
	tests := []struct {
		name  string
		c     *Conv
		shape []int
		fanIn int
	}{
		{"Conv1d", NewConv1d(4, 6, 5, rng, Groups(2)), []int{6, 2, 5}, 10},
		{"Conv2d", NewConv2d(3, 8, 3, rng), []int{8, 3, 3, 3}, 27},
		{"Conv2d/rect", NewConv2d(6, 4, 0, rng, Kernel2(2, 5), Groups(2)), []int{4, 3, 2, 5}, 30},
		{"ConvTranspose2d", NewConvTranspose2d(6, 4, 3, rng, Groups(2)), []int{6, 2, 3, 3}, 18},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !slices.Equal(tc.c.Weight.Shape(), tc.shape) {
				t.Errorf("weight shape %v, want %v", tc.c.Weight.Shape(), tc.shape)
			}
			if tc.c.Bias.Dim(0) != tc.c.OutChannels() {
				t.Errorf("bias of %d, want %d", tc.c.Bias.Dim(0), tc.c.OutChannels())
			}
			b := 1 / math.Sqrt(float64(tc.fanIn))
			for _, p := range tc.c.Parameters() {
				lo, hi := slices.Min(p.T.Float64s()), slices.Max(p.T.Float64s())
				// Inside the bound, and a weight's many values spread over
				// most of it.
				if lo < -b || hi > b || p.Name == "weight" && hi-lo < b {
					t.Errorf("%s in [%v, %v], want U(−%v, %v)", p.Name, lo, hi, b, b)
				}
				if !p.T.RequiresGrad() {
					t.Errorf("%s does not require grad", p.Name)
				}
			}
		})
	}
	if c := NewConv2d(2, 3, 3, rng, NoBias()); c.Bias != nil || len(c.Parameters()) != 1 {
		t.Error("NoBias kept a bias")
	}
}

// A convolution layer is the op plus a bias per output channel, with
// gradients flowing to the input and both parameters.
func TestConvLayerGradients(t *testing.T) {
	rng := nabla.NewRand(3)
	c2 := NewConv2d(2, 3, 2, rng, Padding(1), Stride(2))
	c1 := NewConv1d(2, 4, 3, rng, Groups(2), PaddingSame())
	ct := NewConvTranspose2d(2, 2, 2, rng, Stride(2))
	tests := []struct {
		name   string
		c      *Conv
		inputs []*nabla.Tensor
	}{
		{"Conv2d", c2, []*nabla.Tensor{nabla.Randn(rng, 2, 2, 3, 3), c2.Weight, c2.Bias}},
		{"Conv1d", c1, []*nabla.Tensor{nabla.Randn(rng, 2, 2, 5), c1.Weight, c1.Bias}},
		{"ConvTranspose2d", ct, []*nabla.Tensor{nabla.Randn(rng, 1, 2, 2, 2), ct.Weight, ct.Bias}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := func(xs ...*nabla.Tensor) *nabla.Tensor {
				tc.c.Weight, tc.c.Bias = xs[1], xs[2]
				return tc.c.Forward(xs[0])
			}
			if err := gradcheck.Check(f, tc.inputs, nil); err != nil {
				t.Error(err)
			}
		})
	}
	// The bias is added to every position of its channel.
	c := NewConv2d(1, 2, 1, rng)
	Zero(c.Weight)
	y := c.Forward(nabla.Randn(rng, 1, 1, 2, 2)).Float64s()
	b := c.Bias.Float64s()
	if !slices.Equal(y, []float64{b[0], b[0], b[0], b[0], b[1], b[1], b[1], b[1]}) {
		t.Errorf("zero weight gives %v, want the bias %v per channel", y, b)
	}
}

func TestConvAndPoolErrors(t *testing.T) {
	rng := nabla.NewRand(4)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"channels", func() { NewConv2d(3, 4, 3, rng).Forward(nabla.Zeros(1, 2, 5, 5)) }, "not (N, C, H, W) with C = 3"},
		{"rank", func() { NewConv1d(3, 4, 3, rng).Forward(nabla.Zeros(1, 3, 5, 5)) }, "not (N, C, L) with C = 3"},
		{"groups", func() { NewConv2d(3, 4, 3, rng, Groups(2)) }, "do not split into 2 groups"},
		{"same-stride", func() { NewConv2d(3, 4, 3, rng, PaddingSame(), Stride(2)) }, `padding "same" needs stride 1`},
		{"output-padding", func() { NewConvTranspose2d(3, 4, 3, rng, OutputPadding(2), Stride(2)) }, "must be smaller than the stride"},
		{"stride-values", func() { NewConv2d(3, 4, 3, rng, Stride(1, 2, 3)) }, "has 3 values"},
		{"negative-padding", func() { NewConv1d(3, 4, 3, rng, Padding(-1)) }, "must be at least 0"},
		{"kernel", func() { NewConv2d(3, 4, 0, rng) }, "kernel size [0 0] is not positive"},
		{"rng", func() { NewConv2d(3, 4, 3, nil) }, "needs a random generator"},
		{"option", func() { NewConv1d(3, 4, 3, rng, Kernel2(1, 2)) }, "does not take the option Kernel2"},
		{"same-transpose", func() { NewConvTranspose2d(3, 4, 3, rng, PaddingSame()) }, "does not take the option PaddingSame"},
		{"pool-padding", func() { NewMaxPool2d(3, Padding(2)) }, "more than half the kernel size"},
		{"pool-dilation", func() { NewAvgPool2d(3, Dilation(2)) }, "does not take the option Dilation"},
		{"pool-rank", func() { NewMaxPool2d(2).Forward(nabla.Zeros(4, 4)) }, "MaxPool2d"},
		{"adaptive", func() { NewAdaptiveAvgPool2d(0, 1) }, "not positive"},
		{"divisor", func() { DivisorOverride(0) }, "not positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := nabla.Catch(tc.f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestPoolDefaults(t *testing.T) {
	mp := NewMaxPool2d(3)
	if !slices.Equal(mp.Stride, []int{3, 3}) || !slices.Equal(mp.Padding, []int{0, 0}) || !slices.Equal(mp.Dilation, []int{1, 1}) {
		t.Errorf("MaxPool2d defaults %+v", mp)
	}
	ap := NewAvgPool2d(0, Kernel2(2, 4), Stride(1))
	if !slices.Equal(ap.Kernel, []int{2, 4}) || !slices.Equal(ap.Stride, []int{1, 1}) {
		t.Errorf("AvgPool2d settings %+v", ap)
	}
	// count_include_pad: the corner window of a 3×3 pooling padded by 1
	// covers 4 inputs of 9 positions.
	x := nabla.Ones(1, 1, 3, 3)
	if got := NewAvgPool2d(3, Stride(1), Padding(1)).Forward(x).At(0, 0, 0, 0); math.Abs(got-4.0/9) > 1e-15 {
		t.Errorf("corner with padding counted: %v, want 4/9", got)
	}
	if got := NewAvgPool2d(3, Stride(1), Padding(1), ExcludePadding()).Forward(x).At(0, 0, 0, 0); got != 1 {
		t.Errorf("corner without padding counted: %v, want 1", got)
	}
	if got := NewAvgPool2d(3, Stride(1), Padding(1), DivisorOverride(2)).Forward(x).At(0, 0, 0, 0); got != 2 {
		t.Errorf("corner with divisor 2: %v, want 2", got)
	}
}
