package nabla_test

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/safetensors"
)

// torchSettings are a fixture case's settings: the functional op's name and
// the keyword arguments PyTorch was called with (testdata/conv_fixtures.py).
type torchSettings struct {
	Op              string          `json:"op"`
	Stride          []int           `json:"stride"`
	Padding         json.RawMessage `json:"padding"` // a list, or "same"
	Dilation        []int           `json:"dilation"`
	Groups          int             `json:"groups"`
	OutputPadding   []int           `json:"output_padding"`
	KernelSize      []int           `json:"kernel_size"`
	CeilMode        bool            `json:"ceil_mode"`
	CountIncludePad *bool           `json:"count_include_pad"`
	DivisorOverride int             `json:"divisor_override"`
	OutputSize      []int           `json:"output_size"`
	Eps             float64         `json:"eps"`
	Tol             float64         `json:"tol"` // the comparison's, when not the default
}

func (s torchSettings) conv(t *testing.T) nabla.ConvOptions {
	o := nabla.ConvOptions{Stride: s.Stride, Dilation: s.Dilation, OutputPadding: s.OutputPadding, Groups: s.Groups}
	if string(s.Padding) == `"same"` {
		o.Same = true
	} else if s.Padding != nil {
		if err := json.Unmarshal(s.Padding, &o.Padding); err != nil {
			t.Fatalf("padding %s: %v", s.Padding, err)
		}
	}
	return o
}

func (s torchSettings) pool(t *testing.T) nabla.PoolOptions {
	o := nabla.PoolOptions{Kernel: s.KernelSize, Stride: s.Stride, Dilation: s.Dilation, CeilMode: s.CeilMode,
		ExcludePad: s.CountIncludePad != nil && !*s.CountIncludePad, Divisor: s.DivisorOverride}
	if s.Padding != nil {
		if err := json.Unmarshal(s.Padding, &o.Padding); err != nil {
			t.Fatalf("padding %s: %v", s.Padding, err)
		}
	}
	return o
}

// The function a fixture case computes, of the inputs named in the file, in
// the order PyTorch's functional op takes them.
func (s torchSettings) fn(t *testing.T) (f nabla.Func, inputs []string) {
	switch s.Op {
	case "conv1d":
		o := s.conv(t)
		return func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Conv1d(xs[0], xs[1], o) }, []string{"x", "w"}
	case "conv2d":
		o := s.conv(t)
		return func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Conv2d(xs[0], xs[1], o) }, []string{"x", "w"}
	case "conv_transpose2d":
		o := s.conv(t)
		return func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.ConvTranspose2d(xs[0], xs[1], o) }, []string{"x", "w"}
	case "max_pool2d":
		o := s.pool(t)
		return func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.MaxPool2d(xs[0], o) }, []string{"x"}
	case "avg_pool2d":
		o := s.pool(t)
		return func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.AvgPool2d(xs[0], o) }, []string{"x"}
	case "adaptive_avg_pool2d":
		h, w := s.OutputSize[0], s.OutputSize[1]
		return func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.AdaptiveAvgPool2d(xs[0], h, w) }, []string{"x"}
	case "batch_norm":
		return func(xs ...*nabla.Tensor) *nabla.Tensor {
			var w, b *nabla.Tensor
			if len(xs) > 1 {
				w, b = xs[1], xs[2]
			}
			return nabla.BatchNorm(xs[0], w, b, s.Eps)
		}, []string{"x", "w", "b"}
	}
	t.Fatalf("unknown op %q", s.Op)
	return nil, nil
}

// fixtureTensor returns the F64 tensor name of f as a nabla tensor, or nil.
func fixtureTensor(t *testing.T, f *safetensors.File, name string) *nabla.Tensor {
	t.Helper()
	st, ok := f.Tensors[name]
	if !ok {
		return nil
	}
	v, err := st.Float64()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return nabla.FromSlice(v, st.Shape...)
}

// agreeWith fails unless got has want's shape and values to tol, relative to
// 1 + |want|, NaN where want is NaN and the same infinities.
func agreeWith(t *testing.T, what string, got, want *nabla.Tensor, tol float64) {
	t.Helper()
	if !slices.Equal(got.Shape(), want.Shape()) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
	}
	g, w := got.Float64s(), want.Float64s()
	for i := range w {
		ok := math.Abs(g[i]-w[i]) <= tol*(1+math.Abs(w[i])) || g[i] == w[i] || math.IsNaN(g[i]) && math.IsNaN(w[i])
		if !ok {
			t.Fatalf("%s: element %d (of shape %v) is %v, want %v (difference %.3g)", what, i, want.Shape(), g[i], w[i], g[i]-w[i])
		}
	}
}

// Convolutions, poolings and batch normalisation give PyTorch's outputs and
// gradients (of sum(y·gy) for random gy) to 1e-12, in float64, on the cases
// of testdata/conv_fixtures.py. Batch normalisation also gives PyTorch's
// channel means and variances through ChannelMeanVar. Max pooling's cases
// have ties and NaNs: each window's gradient must go to the one position
// PyTorch chooses.
func TestConvPoolBatchNormMatchPyTorch(t *testing.T) {
	const tol = 1e-12
	f, err := safetensors.ReadFile("testdata/conv_fixtures.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	settings := map[string]torchSettings{}
	ops := map[string]int{}
	for name, m := range f.Metadata {
		if name == "format" || name == "torch" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(m))
		dec.DisallowUnknownFields()
		var s torchSettings
		if err := dec.Decode(&s); err != nil {
			t.Fatalf("%s: settings %s: %v", name, m, err)
		}
		names = append(names, name)
		settings[name] = s
		ops[s.Op]++
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			s := settings[name]
			tol := tol
			if s.Tol != 0 {
				tol = s.Tol
			}
			fn, inputNames := s.fn(t)
			var xs []*nabla.Tensor
			for _, in := range inputNames {
				if x := fixtureTensor(t, f, name+"."+in); x != nil {
					xs = append(xs, x)
				}
			}
			y, pullback := nabla.VJP(fn, xs...)
			agreeWith(t, "output", y, fixtureTensor(t, f, name+".y"), tol)
			gs := pullback(fixtureTensor(t, f, name+".gy"))
			for i, g := range gs {
				agreeWith(t, "gradient with respect to "+inputNames[i], g, fixtureTensor(t, f, name+".g"+inputNames[i]), tol)
			}
			if s.Op == "batch_norm" {
				mean, variance := nabla.ChannelMeanVar(xs[0])
				agreeWith(t, "ChannelMeanVar's mean", nabla.FromSlice(mean), fixtureTensor(t, f, name+".mean"), tol)
				agreeWith(t, "ChannelMeanVar's variance", nabla.FromSlice(variance), fixtureTensor(t, f, name+".var"), tol)
			}
		})
	}
	for _, op := range []string{"conv1d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm"} {
		if ops[op] == 0 {
			t.Errorf("the fixtures have no case of %s", op)
		}
	}
	t.Logf("%d cases of %d ops, from PyTorch %s", len(names), len(ops), f.Metadata["torch"])
}

// Max pooling's gradient goes to one position per window, as PyTorch's: the
// first maximum in row-major order where the window ties, the last NaN where
// it has NaNs (the values below are PyTorch's). Both the loops for windows
// inside the plane (no padding) and the general ones (padding) are checked.
func TestMaxPool2dGradientAtTiesAndNaNs(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name   string
		x      []float64
		h, w   int
		opt    nabla.PoolOptions
		gy     []float64
		y, gx  []float64
		ySizes []int
	}{
		{"ties", []float64{3, 1, 3, 3, 3, 0}, 2, 3, nabla.PoolOptions{Kernel: []int{2}, Stride: []int{1}},
			[]float64{1, 10}, []float64{3, 3}, []float64{1, 0, 10, 0, 0, 0}, []int{1, 2}},
		{"nans", []float64{nan, 1, nan, 3, nan, 0, nan, 0, 3}, 3, 3, nabla.PoolOptions{Kernel: []int{2}, Stride: []int{1}},
			[]float64{1, 10, 100, 1000}, []float64{nan, nan, nan, nan}, []float64{0, 0, 0, 0, 1011, 0, 100, 0, 0}, []int{2, 2}},
		{"nans-padded", []float64{nan, 1, nan, 3, nan, 0, nan, 0, 3}, 3, 3, nabla.PoolOptions{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}},
			[]float64{1, 10, 100, 1000}, []float64{nan, nan, nan, nan}, []float64{0, 0, 0, 0, 1011, 0, 100, 0, 0}, []int{2, 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := nabla.FromSlice(c.x, 1, c.h, c.w)
			y, pullback := nabla.VJP(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.MaxPool2d(xs[0], c.opt) }, x)
			agreeWith(t, "output", y, nabla.FromSlice(c.y, 1, c.ySizes[0], c.ySizes[1]), 0)
			agreeWith(t, "gradient", pullback(nabla.FromSlice(c.gy, 1, c.ySizes[0], c.ySizes[1]))[0], nabla.FromSlice(c.gx, 1, c.h, c.w), 0)
		})
	}
}
