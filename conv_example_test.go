package nabla_test

import (
	"fmt"

	"github.com/nabla-go/nabla"
)

// A horizontal difference kernel finds the vertical edge of a 1×1×3×4 image;
// the gradient of the sum of the output with respect to the kernel is the sum
// of the pixels each kernel entry saw.
func ExampleConv2d() {
	x := nabla.FromSlice([]float64{
		0, 0, 1, 1,
		0, 0, 1, 1,
		0, 0, 1, 1,
	}, 1, 1, 3, 4)
	w := nabla.FromSlice([]float64{-1, 1}, 1, 1, 1, 2).SetRequiresGrad(true)
	y := nabla.Conv2d(x, w, nabla.ConvOptions{})
	fmt.Println(y.Detach())
	nabla.Sum(y).Backward()
	fmt.Println(w.Grad())

	// Stride 2 and padding 1 halve a 3×3 kernel's output.
	k := nabla.Ones(1, 1, 3, 3)
	fmt.Println(nabla.Conv2d(x, k, nabla.ConvOptions{Stride: []int{2}, Padding: []int{1}}).Shape())
	// Output:
	// tensor([[[[0., 1., 0.],
	//           [0., 1., 0.],
	//           [0., 1., 0.]]]])
	// tensor([[[[3., 6.]]]])
	// [1 1 2 2]
}

// Max pooling keeps the largest value of each 2×2 window; its gradient goes
// to the position of that value, one per window.
func ExampleMaxPool2d() {
	x := nabla.FromSlice([]float64{
		1, 5, 2, 0,
		3, 4, 8, 1,
		0, 2, 1, 1,
		7, 1, 3, 6,
	}, 1, 4, 4).SetRequiresGrad(true)
	y := nabla.MaxPool2d(x, nabla.PoolOptions{Kernel: []int{2}})
	fmt.Println(y.Detach())
	nabla.Sum(y).Backward()
	fmt.Println(x.Grad())
	// Output:
	// tensor([[[5., 8.],
	//          [7., 6.]]])
	// tensor([[[0., 1., 0., 0.],
	//          [0., 0., 1., 0.],
	//          [0., 0., 0., 0.],
	//          [1., 0., 0., 1.]]])
}

// A transposed convolution with stride 2 spreads each input value over a
// 2×2 block: the gradient of a 2×2 convolution with stride 2.
func ExampleConvTranspose2d() {
	x := nabla.FromSlice([]float64{1, 2, 3, 4}, 1, 1, 2, 2)
	w := nabla.FromSlice([]float64{1, 1, 1, 10}, 1, 1, 2, 2)
	fmt.Println(nabla.ConvTranspose2d(x, w, nabla.ConvOptions{Stride: []int{2}}))
	// Output:
	// tensor([[[[ 1.,  1.,  2.,  2.],
	//           [ 1., 10.,  2., 20.],
	//           [ 3.,  3.,  4.,  4.],
	//           [ 3., 30.,  4., 40.]]]])
}

// Average pooling with padding divides by the window's size, padding
// included, unless ExcludePad is set.
func ExampleAvgPool2d() {
	x := nabla.FromSlice([]float64{2, 4, 6, 8}, 1, 1, 4)
	opt := nabla.PoolOptions{Kernel: []int{1, 2}, Padding: []int{0, 1}}
	fmt.Println(nabla.AvgPool2d(x, opt))
	opt.ExcludePad = true
	fmt.Println(nabla.AvgPool2d(x, opt))
	// Output:
	// tensor([[[1., 5., 4.]]])
	// tensor([[[2., 5., 8.]]])
}

// Adaptive pooling of 5 columns onto 2 averages columns 0 to 2 and 2 to 4:
// the windows overlap when the sizes do not divide.
func ExampleAdaptiveAvgPool2d() {
	x := nabla.FromSlice([]float64{1, 2, 3, 4, 5}, 1, 1, 5)
	fmt.Println(nabla.AdaptiveAvgPool2d(x, 1, 2))
	// Output:
	// tensor([[[2., 4.]]])
}

// Batch normalisation gives each channel (column) zero mean and unit
// variance over the batch; ChannelMeanVar returns the statistics it used.
func ExampleBatchNorm() {
	x := nabla.FromSlice([]float64{
		1, 10,
		3, 30,
	}, 2, 2)
	fmt.Printf("%.4f\n", nabla.BatchNorm(x, nil, nil, 0).Float64s())
	mean, variance := nabla.ChannelMeanVar(x)
	fmt.Println(mean, variance)
	// Output:
	// [-1.0000 -1.0000 1.0000 1.0000]
	// [2 20] [1 100]
}
