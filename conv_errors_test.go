package nabla_test

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
)

// Misused convolutions, poolings and batch normalisations panic with a
// *nabla.Error that names the op and the shapes or settings at fault, located
// at the call in this file: on its closure's line, or on the next one where
// gofmt breaks a long closure.
func TestConvPoolBatchNormErrors(t *testing.T) {
	z := nabla.Zeros
	type opt = nabla.ConvOptions
	type popt = nabla.PoolOptions
	cases := []struct {
		name string
		f    func()
		op   string
		want []string // substrings of the message
	}{
		// Conv2d.
		{"conv2d/input-smaller-than-kernel", func() { nabla.Conv2d(z(1, 1, 2, 5), z(1, 1, 3, 3), opt{}) }, "Conv2d", []string{"(1, 1, 2, 5)", "kernel [3 3]", "output size would be [0 3]"}},
		{"conv2d/input-smaller-than-dilated-kernel", func() { nabla.Conv2d(z(1, 1, 4, 4), z(1, 1, 3, 3), opt{Dilation: []int{2}}) }, "Conv2d", []string{"(1, 1, 4, 4)", "kernel [3 3]", "dilated by [2 2]"}},
		{"conv2d/padding-does-not-rescue", func() { nabla.Conv2d(z(1, 1, 1, 1), z(1, 1, 4, 4), opt{Padding: []int{1}}) }, "Conv2d", []string{"(1, 1, 1, 1)", "kernel [4 4]", "padding [1 1]"}},
		{"conv2d/channels", func() { nabla.Conv2d(z(1, 3, 5, 5), z(2, 2, 3, 3), opt{}) }, "Conv2d", []string{"(1, 3, 5, 5)", "(2, 2, 3, 3)", "1 groups"}},
		{"conv2d/groups-do-not-divide-filters", func() { nabla.Conv2d(z(1, 4, 5, 5), z(3, 2, 3, 3), opt{Groups: 2}) }, "Conv2d", []string{"(1, 4, 5, 5)", "(3, 2, 3, 3)", "2 groups"}},
		{"conv2d/groups-do-not-divide-channels", func() { nabla.Conv2d(z(1, 3, 5, 5), z(2, 1, 3, 3), opt{Groups: 2}) }, "Conv2d", []string{"(1, 3, 5, 5)", "(2, 1, 3, 3)", "2 groups"}},
		{"conv2d/weight-channels-not-per-group", func() { nabla.Conv2d(z(1, 4, 5, 5), z(4, 4, 3, 3), opt{Groups: 2}) }, "Conv2d", []string{"(1, 4, 5, 5)", "(4, 4, 3, 3)", "C/groups = 2"}},
		{"conv2d/negative-groups", func() { nabla.Conv2d(z(1, 2, 5, 5), z(2, 2, 3, 3), opt{Groups: -1}) }, "Conv2d", []string{"groups -1"}},
		{"conv2d/input-rank", func() { nabla.Conv2d(z(1, 5, 5), z(1, 1, 3, 3), opt{}) }, "Conv2d", []string{"(1, 5, 5)", "(1, 1, 3, 3)", "(N, C, H, W)"}},
		{"conv2d/weight-rank", func() { nabla.Conv2d(z(1, 1, 5, 5), z(1, 3, 3), opt{}) }, "Conv2d", []string{"(1, 1, 5, 5)", "(1, 3, 3)"}},
		{"conv2d/empty-kernel", func() { nabla.Conv2d(z(1, 1, 5, 5), z(1, 1, 0, 3), opt{}) }, "Conv2d", []string{"(1, 1, 0, 3)", "only the batch may be empty"}},
		{"conv2d/no-channels", func() { nabla.Conv2d(z(1, 0, 5, 5), z(3, 0, 3, 3), opt{}) }, "Conv2d", []string{"(1, 0, 5, 5)", "(3, 0, 3, 3)", "only the batch"}},
		{"conv2d/no-filters", func() { nabla.Conv2d(z(1, 2, 5, 5), z(0, 2, 3, 3), opt{}) }, "Conv2d", []string{"(0, 2, 3, 3)", "only the batch"}},
		{"conv2d/empty-plane", func() { nabla.Conv2d(z(1, 2, 0, 7), z(3, 2, 1, 3), opt{Padding: []int{1}}) }, "Conv2d", []string{"(1, 2, 0, 7)", "only the batch"}},
		{"conv2d/stride-length", func() { nabla.Conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), opt{Stride: []int{1, 1, 1}}) }, "Conv2d", []string{"stride [1 1 1]", "1 or 2 values"}},
		{"conv2d/stride-zero", func() { nabla.Conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), opt{Stride: []int{1, 0}}) }, "Conv2d", []string{"stride [1 0]", "at least 1"}},
		{"conv2d/negative-padding", func() { nabla.Conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), opt{Padding: []int{-1}}) }, "Conv2d", []string{"padding [-1]", "at least 0"}},
		{"conv2d/padding-length", func() { nabla.Conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), opt{Padding: []int{1, 1, 1, 1}}) }, "Conv2d", []string{"padding [1 1 1 1]", "1 or 2 values"}},
		{"conv2d/dilation-zero", func() { nabla.Conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), opt{Dilation: []int{0}}) }, "Conv2d", []string{"dilation [0]", "at least 1"}},
		{"conv2d/same-with-stride-2", func() { nabla.Conv2d(z(1, 1, 6, 6), z(1, 1, 2, 2), opt{Same: true, Stride: []int{2}}) }, "Conv2d", []string{"\"same\"", "stride [2]"}},
		{"conv2d/same-with-padding", func() { nabla.Conv2d(z(1, 1, 6, 6), z(1, 1, 3, 3), opt{Same: true, Padding: []int{1}}) }, "Conv2d", []string{"\"same\"", "padding [1]"}},
		{"conv2d/output-padding", func() { nabla.Conv2d(z(1, 1, 6, 6), z(1, 1, 3, 3), opt{OutputPadding: []int{1}}) }, "Conv2d", []string{"OutputPadding", "ConvTranspose2d"}},
		{"conv2d/dtypes", func() { nabla.Conv2d(z(1, 1, 3, 3), nabla.New(nabla.Float32, 1, 1, 2, 2), opt{}) }, "conv2d", []string{"float64", "float32"}},

		// Conv1d.
		{"conv1d/input-smaller-than-kernel", func() { nabla.Conv1d(z(1, 1, 3), z(1, 1, 5), opt{}) }, "Conv1d", []string{"(1, 1, 3)", "kernel [5]", "output size would be [0]"}},
		{"conv1d/input-smaller-than-dilated-kernel", func() { nabla.Conv1d(z(1, 1, 6), z(1, 1, 3), opt{Dilation: []int{3}}) }, "Conv1d", []string{"(1, 1, 6)", "kernel [3]", "dilated by [3]"}},
		{"conv1d/rank", func() { nabla.Conv1d(z(1, 1, 5, 5), z(1, 1, 3), opt{}) }, "Conv1d", []string{"(1, 1, 5, 5)", "(1, 1, 3)", "(N, C, L)"}},
		{"conv1d/channels", func() { nabla.Conv1d(z(2, 3, 8), z(4, 2, 3), opt{}) }, "Conv1d", []string{"(2, 3, 8)", "(4, 2, 3)"}},
		{"conv1d/stride-length", func() { nabla.Conv1d(z(1, 1, 8), z(1, 1, 3), opt{Stride: []int{1, 2}}) }, "Conv1d", []string{"stride [1 2]", "one value"}},
		{"conv1d/stride-zero", func() { nabla.Conv1d(z(1, 1, 8), z(1, 1, 3), opt{Stride: []int{0}}) }, "Conv1d", []string{"stride [0]", "at least 1"}},
		{"conv1d/padding-length", func() { nabla.Conv1d(z(1, 1, 8), z(1, 1, 3), opt{Padding: []int{1, 1}}) }, "Conv1d", []string{"padding [1 1]", "one value"}},
		{"conv1d/same-with-stride-2", func() { nabla.Conv1d(z(1, 1, 8), z(1, 1, 4), opt{Same: true, Stride: []int{2}}) }, "Conv1d", []string{"\"same\"", "stride [2]"}},

		// ConvTranspose2d.
		{"convT/output-padding-not-below-stride-or-dilation", func() {
			nabla.ConvTranspose2d(z(1, 1, 3, 3), z(1, 1, 3, 3), opt{Stride: []int{2}, OutputPadding: []int{2}})
		}, "ConvTranspose2d", []string{"output padding [2 2]", "stride [2 2]", "dilation [1 1]"}},
		{"convT/output-padding-stride-1", func() { nabla.ConvTranspose2d(z(1, 1, 3, 3), z(1, 1, 3, 3), opt{OutputPadding: []int{0, 1}}) }, "ConvTranspose2d", []string{"output padding [0 1]", "stride [1 1]"}},
		{"convT/output-padding-length", func() {
			nabla.ConvTranspose2d(z(1, 1, 3, 3), z(1, 1, 3, 3), opt{Stride: []int{2}, OutputPadding: []int{1, 1, 1}})
		}, "ConvTranspose2d", []string{"output padding [1 1 1]"}},
		{"convT/channels", func() { nabla.ConvTranspose2d(z(1, 3, 4, 4), z(2, 2, 3, 3), opt{}) }, "ConvTranspose2d", []string{"(1, 3, 4, 4)", "(2, 2, 3, 3)"}},
		{"convT/groups", func() { nabla.ConvTranspose2d(z(1, 4, 4, 4), z(4, 1, 3, 3), opt{Groups: 3}) }, "ConvTranspose2d", []string{"(1, 4, 4, 4)", "(4, 1, 3, 3)", "3 groups"}},
		{"convT/rank", func() { nabla.ConvTranspose2d(z(4, 4, 4), z(4, 1, 3, 3), opt{}) }, "ConvTranspose2d", []string{"(4, 4, 4)", "(4, 1, 3, 3)"}},
		{"convT/same", func() { nabla.ConvTranspose2d(z(1, 1, 4, 4), z(1, 1, 3, 3), opt{Same: true}) }, "ConvTranspose2d", []string{"\"same\""}},
		{"convT/empty-output", func() { nabla.ConvTranspose2d(z(1, 1, 1, 1), z(1, 1, 1, 1), opt{Padding: []int{1}}) }, "ConvTranspose2d", []string{"(1, 1, 1, 1)", "padding [1 1]", "-1×-1"}},
		{"convT/no-filters", func() { nabla.ConvTranspose2d(z(1, 2, 3, 3), z(2, 0, 3, 3), opt{}) }, "ConvTranspose2d", []string{"(2, 0, 3, 3)", "only the batch"}},
		{"convT/empty-plane", func() { nabla.ConvTranspose2d(z(1, 2, 0, 3), z(2, 1, 3, 3), opt{}) }, "ConvTranspose2d", []string{"(1, 2, 0, 3)", "only the batch"}},
		{"convT/empty-kernel", func() { nabla.ConvTranspose2d(z(1, 2, 3, 3), z(2, 1, 3, 0), opt{}) }, "ConvTranspose2d", []string{"(2, 1, 3, 0)", "only the batch"}},
		{"convT/stride-zero", func() { nabla.ConvTranspose2d(z(1, 1, 3, 3), z(1, 1, 3, 3), opt{Stride: []int{0}}) }, "ConvTranspose2d", []string{"stride [0]", "at least 1"}},

		// MaxPool2d.
		{"maxpool/no-kernel", func() { nabla.MaxPool2d(z(1, 1, 4, 4), popt{}) }, "MaxPool2d", []string{"kernel"}},
		{"maxpool/padding-over-half-kernel", func() { nabla.MaxPool2d(z(1, 1, 6, 6), popt{Kernel: []int{3}, Padding: []int{2}}) }, "MaxPool2d", []string{"padding [2 2]", "kernel size [3 3]"}},
		// PyTorch's rule ignores the dilation: pad ≤ k/2 although the dilated kernel spans 5.
		{"maxpool/padding-over-half-undilated-kernel", func() { nabla.MaxPool2d(z(1, 1, 9, 9), popt{Kernel: []int{3}, Dilation: []int{2}, Padding: []int{2}}) }, "MaxPool2d", []string{"padding [2 2]", "kernel size [3 3]"}},
		{"maxpool/padding-one-axis", func() { nabla.MaxPool2d(z(1, 1, 9, 9), popt{Kernel: []int{3, 2}, Padding: []int{1, 2}}) }, "MaxPool2d", []string{"padding [1 2]", "kernel size [3 2]"}},
		{"maxpool/kernel-1-padded", func() { nabla.MaxPool2d(z(1, 1, 4, 4), popt{Kernel: []int{1}, Padding: []int{1}}) }, "MaxPool2d", []string{"padding [1 1]", "kernel size [1 1]"}},
		{"maxpool/input-smaller-than-kernel", func() { nabla.MaxPool2d(z(2, 3, 2, 5), popt{Kernel: []int{3}}) }, "MaxPool2d", []string{"(2, 3, 2, 5)", "[3 3]", "0×1"}},
		{"maxpool/input-smaller-than-dilated-kernel", func() { nabla.MaxPool2d(z(1, 1, 4, 4), popt{Kernel: []int{3}, Dilation: []int{2}}) }, "MaxPool2d", []string{"(1, 1, 4, 4)", "dilation [2 2]"}},
		{"maxpool/empty-plane", func() { nabla.MaxPool2d(z(1, 1, 0, 2), popt{Kernel: []int{2}, Padding: []int{1}}) }, "MaxPool2d", []string{"(1, 1, 0, 2)", "empty plane"}},
		{"maxpool/3d-input", func() { nabla.MaxPool2d(z(3, 2, 5), popt{Kernel: []int{3}}) }, "MaxPool2d", []string{"(3, 2, 5)", "[3 3]"}},
		{"maxpool/divisor", func() { nabla.MaxPool2d(z(1, 1, 4, 4), popt{Kernel: []int{2}, Divisor: 3}) }, "MaxPool2d", []string{"Divisor (3)", "AvgPool2d"}},
		{"maxpool/exclude-pad", func() { nabla.MaxPool2d(z(1, 1, 4, 4), popt{Kernel: []int{2}, ExcludePad: true}) }, "MaxPool2d", []string{"ExcludePad"}},
		{"maxpool/window-in-padding-only", func() {
			nabla.MaxPool2d(z(1, 1, 1, 1), popt{Kernel: []int{2}, Padding: []int{1}, Dilation: []int{3}, CeilMode: true})
		}, "MaxPool2d", []string{"(1, 1, 1, 1)", "window 0 along axis 2", "padding only"}},
		{"maxpool/rank-2", func() { nabla.MaxPool2d(z(4, 4), popt{Kernel: []int{2}}) }, "MaxPool2d", []string{"(4, 4)", "(N, C, H, W) or (C, H, W)"}},
		{"maxpool/rank-5", func() { nabla.MaxPool2d(z(1, 1, 1, 4, 4), popt{Kernel: []int{2}}) }, "MaxPool2d", []string{"(1, 1, 1, 4, 4)"}},
		{"maxpool/kernel-zero", func() { nabla.MaxPool2d(z(1, 1, 4, 4), popt{Kernel: []int{0}}) }, "MaxPool2d", []string{"kernel [0]", "at least 1"}},
		{"maxpool/kernel-length", func() { nabla.MaxPool2d(z(1, 1, 4, 4), popt{Kernel: []int{2, 2, 2}}) }, "MaxPool2d", []string{"kernel [2 2 2]", "1 or 2 values"}},
		{"maxpool/stride-zero", func() { nabla.MaxPool2d(z(1, 1, 4, 4), popt{Kernel: []int{2}, Stride: []int{0}}) }, "MaxPool2d", []string{"stride [0]", "at least 1"}},
		{"maxpool/dilation-zero", func() { nabla.MaxPool2d(z(1, 1, 4, 4), popt{Kernel: []int{2}, Dilation: []int{0, 1}}) }, "MaxPool2d", []string{"dilation [0 1]", "at least 1"}},
		{"maxpool/negative-padding", func() { nabla.MaxPool2d(z(1, 1, 4, 4), popt{Kernel: []int{2}, Padding: []int{-1}}) }, "MaxPool2d", []string{"padding [-1]", "at least 0"}},

		// AvgPool2d.
		{"avgpool/padding-over-half-kernel", func() { nabla.AvgPool2d(z(1, 1, 6, 6), popt{Kernel: []int{2}, Padding: []int{2}}) }, "AvgPool2d", []string{"padding [2 2]", "kernel size [2 2]"}},
		{"avgpool/dilation", func() { nabla.AvgPool2d(z(1, 1, 6, 6), popt{Kernel: []int{2}, Dilation: []int{2}}) }, "AvgPool2d", []string{"dilation"}},
		{"avgpool/negative-divisor", func() { nabla.AvgPool2d(z(1, 1, 6, 6), popt{Kernel: []int{2}, Divisor: -2}) }, "AvgPool2d", []string{"divisor -2"}},
		{"avgpool/input-smaller-than-kernel", func() { nabla.AvgPool2d(z(1, 2, 3, 1), popt{Kernel: []int{2}}) }, "AvgPool2d", []string{"(1, 2, 3, 1)", "[2 2]", "1×0"}},
		{"avgpool/empty-plane", func() { nabla.AvgPool2d(z(2, 0, 2), popt{Kernel: []int{2}, Padding: []int{1}}) }, "AvgPool2d", []string{"(2, 0, 2)", "empty plane"}},
		{"avgpool/rank", func() { nabla.AvgPool2d(z(6), popt{Kernel: []int{2}}) }, "AvgPool2d", []string{"(6,)"}},

		// AdaptiveAvgPool2d.
		{"adaptive/size-0", func() { nabla.AdaptiveAvgPool2d(z(1, 1, 4, 4), 0, 2) }, "AdaptiveAvgPool2d", []string{"0×2"}},
		{"adaptive/negative-size", func() { nabla.AdaptiveAvgPool2d(z(1, 1, 4, 4), 2, -1) }, "AdaptiveAvgPool2d", []string{"2×-1"}},
		{"adaptive/rank", func() { nabla.AdaptiveAvgPool2d(z(4, 4), 2, 2) }, "AdaptiveAvgPool2d", []string{"(4, 4)"}},
		{"adaptive/empty-plane", func() { nabla.AdaptiveAvgPool2d(z(1, 1, 0, 4), 2, 2) }, "AdaptiveAvgPool2d", []string{"(1, 1, 0, 4)", "empty"}},

		// BatchNorm.
		{"batchnorm/one-value-per-channel", func() { nabla.BatchNorm(z(1, 3), nil, nil, 1e-5) }, "batch_norm", []string{"(1, 3)", "1 value(s) per channel"}},
		{"batchnorm/one-pixel-one-sample", func() { nabla.BatchNorm(z(1, 2, 1, 1), nil, nil, 1e-5) }, "batch_norm", []string{"(1, 2, 1, 1)", "1 value(s) per channel"}},
		{"batchnorm/empty-batch", func() { nabla.BatchNorm(z(0, 2, 3, 3), nil, nil, 1e-5) }, "batch_norm", []string{"(0, 2, 3, 3)", "0 value(s) per channel"}},
		{"batchnorm/rank", func() { nabla.BatchNorm(z(4), nil, nil, 1e-5) }, "BatchNorm", []string{"(4,)"}},
		{"batchnorm/weight-shape", func() { nabla.BatchNorm(z(4, 3), z(2), nil, 1e-5) }, "batch_norm", []string{"(4, 3)", "(2,)"}},
		{"batchnorm/bias-shape", func() { nabla.BatchNorm(z(4, 3, 2), nil, z(3, 1), 1e-5) }, "batch_norm", []string{"(4, 3, 2)", "(3, 1)"}},
		{"batchnorm/negative-eps", func() { nabla.BatchNorm(z(4, 3), nil, nil, -1e-5) }, "BatchNorm", []string{"eps -1e-05"}},
		{"channel-mean-var/rank", func() { nabla.ChannelMeanVar(z(4)) }, "ChannelMeanVar", []string{"(4,)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := mustPanic(t, c.f)
			t.Log(e)
			if e.Op != c.op {
				t.Errorf("error %q: op %q, want %q", e, e.Op, c.op)
			}
			for _, w := range c.want {
				if !strings.Contains(e.Msg, w) {
					t.Errorf("error %q does not mention %q", e, w)
				}
			}
			pc := reflect.ValueOf(c.f).Pointer()
			_, line := runtime.FuncForPC(pc).FileLine(pc)
			at, next := fmt.Sprintf("/conv_errors_test.go:%d", line), fmt.Sprintf("/conv_errors_test.go:%d", line+1)
			if !strings.HasSuffix(e.Where, at) && !strings.HasSuffix(e.Where, next) {
				t.Errorf("error located at %q, want …%s", e.Where, at)
			}
		})
	}
}
