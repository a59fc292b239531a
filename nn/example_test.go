package nn_test

import (
	"fmt"

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
	//         [7.5000, 7.5000]], grad_fn=add)
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
