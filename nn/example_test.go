package nn_test

import (
	"fmt"
	"maps"
	"slices"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/nn"
)

func ExampleNewLinear() {
	l := nn.NewLinear(3, 2, nabla.NewRand(1))
	nn.Constant(l.Weight, 0.5) // overwrite the random init to get round numbers
	nn.Zero(l.Bias)
	x := nabla.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(l.Forward(x))
	fmt.Println(l.Weight.Shape())
	// Output:
	// tensor([[3.0000, 3.0000],
	//         [7.5000, 7.5000]], grad_fn=linear)
	// [2 3]
}

func ExampleMLP() {
	net := nn.MLP([]int{2, 16, 1}, nn.ReLU, nabla.NewRand(1))
	for _, p := range net.Parameters() {
		fmt.Println(p.Name, p.T.Shape())
	}
	fmt.Println(nn.NumParams(net), "parameters")
	y := net.Forward(nabla.Zeros(5, 2))
	fmt.Println(y.Shape())
	// Output:
	// 0.weight [16 2]
	// 0.bias [16]
	// 2.weight [1 16]
	// 2.bias [1]
	// 65 parameters
	// [5 1]
}

func ExampleCrossEntropyLoss() {
	logits := nabla.FromSlice([]float64{
		2, 0.5, -1,
		0, 0, 3,
	}, 2, 3).SetRequiresGrad(true)
	labels := []int{0, 2}
	loss := nn.CrossEntropyLoss(logits, labels, nil)
	loss.Backward()
	fmt.Printf("loss %.4f\n", loss.Item())
	fmt.Printf("smoothed %.4f\n", nn.CrossEntropyLoss(logits, labels, &nn.ClassOptions{LabelSmoothing: 0.1}).Item())
	// The gradient is (softmax − onehot)/N.
	fmt.Printf("grad row 0: %.4f\n", logits.Grad().Float64s()[:3])
	// Output:
	// loss 0.1681
	// smoothed 0.3431
	// grad row 0: [-0.1072 0.0876 0.0196]
}

func ExampleBCEWithLogitsLoss() {
	inf := nabla.FromSlice([]float64{1000, -1000, 0})
	labels := nabla.FromSlice([]float64{1, 1, 0})
	fmt.Println(nn.BCEWithLogitsLoss(inf, labels, nn.None).Float64s())
	// Output:
	// [0 1000 0.6931471805599453]
}

func ExampleLoadStateDict() {
	a := nn.MLP([]int{3, 2}, nil, nabla.NewRand(1))
	b := nn.MLP([]int{3, 2}, nil, nabla.NewRand(2))
	fmt.Println(nn.LoadStateDict(b, nn.StateDict(a)))
	state := nn.StateDict(a)
	delete(state, "0.bias")
	state["0.weight"] = nabla.Zeros(3, 2)
	fmt.Println(nn.LoadStateDict(b, state))
	// Output:
	// <nil>
	// nn: LoadStateDict: key "0.weight" has shape [3 2], the parameter has shape [2 3]; missing key "0.bias"
}

func ExampleNewConv2d() {
	rng := nabla.NewRand(1)
	net := nn.NewSequential(
		nn.NewConv2d(1, 4, 3, rng, nn.Padding(1)), // (N, 1, 8, 8) → (N, 4, 8, 8)
		nn.NewBatchNorm2d(4),
		nn.ReLU(),
		nn.NewMaxPool2d(2), // → (N, 4, 4, 4)
		nn.NewConv2d(4, 8, 3, rng, nn.Stride(2), nn.Padding(1)), // → (N, 8, 2, 2)
		nn.NewAdaptiveAvgPool2d(1, 1),                           // → (N, 8, 1, 1)
		nn.Flatten{},
		nn.NewLinear(8, 10, rng),
	)
	for _, p := range net.Parameters() {
		fmt.Println(p.Name, p.T.Shape())
	}
	for _, b := range nn.Buffers(net) {
		fmt.Println(b.Name, b.T.Shape(), "(buffer)")
	}
	y := net.Forward(nabla.Randn(rng, 2, 1, 8, 8))
	fmt.Println(y.Shape())
	// Output:
	// 0.weight [4 1 3 3]
	// 0.bias [4]
	// 1.weight [4]
	// 1.bias [4]
	// 4.weight [8 4 3 3]
	// 4.bias [8]
	// 7.weight [10 8]
	// 7.bias [10]
	// 1.running_mean [4] (buffer)
	// 1.running_var [4] (buffer)
	// 1.num_batches_tracked [] (buffer)
	// [2 10]
}

func ExampleNewBatchNorm2d() {
	bn := nn.NewBatchNorm2d(2)
	// Two samples, two channels, 1×2 images: channel 0 holds 1, 2, 3, 4 and
	// channel 1 holds 10, 10, 20, 20.
	x := nabla.FromSlice([]float64{1, 2, 10, 10, 3, 4, 20, 20}, 2, 2, 1, 2)
	y := bn.Forward(x) // training mode: the batch's statistics
	fmt.Printf("train %.3f\n", y.Float64s())
	// The running statistics moved 10% of the way to the batch's mean and
	// unbiased variance.
	fmt.Printf("running mean %.3f, var %.3f, batches %v\n",
		bn.RunningMean.Float64s(), bn.RunningVar.Float64s(), bn.NumBatchesTracked.Item())
	nn.Eval(bn)
	fmt.Printf("eval %.3f\n", bn.Forward(x).Float64s()) // the same numbers as PyTorch's
	// Output:
	// train [-1.342 -0.447 -1.000 -1.000 0.447 1.342 1.000 1.000]
	// running mean [0.250 1.500], var [1.067 4.233], batches 1
	// eval [0.726 1.694 4.131 4.131 2.663 3.631 8.991 8.991]
}

func ExampleStateFile() {
	net := nn.NewSequential(nn.NewConv1d(2, 3, 3, nabla.NewRand(1)), nn.NewBatchNorm1d(3))
	f := nn.StateFile(net) // what nn.SaveFile writes, and PyTorch's save_file(net.state_dict()) too
	for _, name := range slices.Sorted(maps.Keys(f.Tensors)) {
		fmt.Println(name, f.Tensors[name].DType, f.Tensors[name].Shape)
	}
	// Output:
	// 0.bias F64 [3]
	// 0.weight F64 [3 2 3]
	// 1.bias F64 [3]
	// 1.num_batches_tracked I64 []
	// 1.running_mean F64 [3]
	// 1.running_var F64 [3]
	// 1.weight F64 [3]
}
