package safetensors_test

import (
	"bytes"
	"fmt"

	"github.com/nabla-go/nabla/safetensors"
)

// A checkpoint with weights, an optimizer step counter and metadata.
func ExampleEncode() {
	f := &safetensors.File{
		Tensors: map[string]safetensors.Tensor{
			"layer.weight": safetensors.FromFloat32([]int{2, 2}, []float32{1, 2, 3, 4}),
			"optim.step":   safetensors.FromInt64(nil, []int64{100}),
		},
		Metadata: map[string]string{"format": "nabla"},
	}
	var buf bytes.Buffer
	if err := safetensors.Encode(&buf, f); err != nil {
		panic(err)
	}
	g, err := safetensors.Decode(buf.Bytes())
	if err != nil {
		panic(err)
	}
	w, _ := g.Tensors["layer.weight"].Float64()
	step, _ := g.Tensors["optim.step"].Int64()
	fmt.Println(g.Tensors["layer.weight"].Shape, w, step, g.Metadata["format"])
	// Output: [2 2] [1 2 3 4] [100] nabla
}

// Malformed files are reported, naming the tensor at fault.
func ExampleDecode_error() {
	header := `{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`
	file := append([]byte{byte(len(header)), 0, 0, 0, 0, 0, 0, 0}, header...)
	file = append(file, make([]byte, 8)...)
	_, err := safetensors.Decode(file)
	fmt.Println(err)
	// Output: safetensors: tensor "w": shape [3] of F32 needs 12 bytes, data_offsets [0 8] span 8
}
