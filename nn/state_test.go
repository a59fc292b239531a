package nn

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/safetensors"
)

// bnNet is Linear, BatchNorm1d, ReLU, Linear: a network with buffers.
func bnNet(seed uint64, opts ...Option) *Sequential {
	rng := nabla.NewRand(seed)
	return NewSequential(NewLinear(3, 4, rng, opts...), NewBatchNorm1d(4, opts...), ReLU(), NewLinear(4, 2, rng, opts...))
}

func TestStateDictHasBuffers(t *testing.T) {
	net := bnNet(1)
	want := []string{"0.bias", "0.weight", "1.bias", "1.num_batches_tracked", "1.running_mean", "1.running_var", "1.weight", "3.bias", "3.weight"}
	if got := slices.Sorted(maps.Keys(StateDict(net))); !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	// Optimizers get parameters only.
	if n := len(Tensors(net)); n != 6 {
		t.Errorf("Tensors gives %d tensors, want the 6 parameters", n)
	}
	for _, p := range net.Parameters() {
		if strings.Contains(p.Name, "running") || strings.Contains(p.Name, "num_batches") {
			t.Errorf("parameter %s is a buffer", p.Name)
		}
	}
	bs := Buffers(net)
	if len(bs) != 3 || bs[2].Name != "1.num_batches_tracked" || !bs[2].Int64 || bs[0].Int64 {
		t.Errorf("buffers %+v", bs)
	}
	if Buffers(NewLinear(2, 2, nabla.NewRand(1))) != nil {
		t.Error("a Linear layer has buffers")
	}
}

func TestTrainEvalReachBatchNorm(t *testing.T) {
	net := bnNet(1)
	bn := net.Layers[1].(*BatchNorm)
	Eval(net)
	if bn.Training() {
		t.Error("Eval did not reach the BatchNorm")
	}
	Train(net)
	if !bn.Training() {
		t.Error("Train did not reach the BatchNorm")
	}
}

func TestLoadStateDictBuffers(t *testing.T) {
	a, b := bnNet(1), bnNet(2)
	a.Forward(nabla.Randn(nabla.NewRand(3), 5, 3)) // moves a's running statistics
	if err := LoadStateDict(b, StateDict(a)); err != nil {
		t.Fatal(err)
	}
	for name, ta := range StateDict(a) {
		if tb := StateDict(b)[name]; !slices.Equal(ta.Float64s(), tb.Float64s()) {
			t.Errorf("%s not copied", name)
		}
	}
	state := StateDict(a)
	delete(state, "1.running_var")
	state["1.running_mean"] = nabla.Zeros(3)
	err := LoadStateDict(b, state)
	want := `nn: LoadStateDict: key "1.running_mean" has shape [3], the buffer has shape [4]; missing key "1.running_var"`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestSaveFileLoadFile(t *testing.T) {
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		t.Run(dt.String(), func(t *testing.T) {
			a := bnNet(1, WithDType(dt))
			x := nabla.Randn(nabla.NewRand(3), 5, 3).As(dt)
			a.Forward(x)
			a.Forward(x)
			path := filepath.Join(t.TempDir(), "model.safetensors")
			if err := SaveFile(path, a); err != nil {
				t.Fatal(err)
			}
			f, err := safetensors.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			wantDT := map[nabla.DType]string{nabla.Float64: "F64", nabla.Float32: "F32"}[dt]
			for name, st := range f.Tensors {
				want := wantDT
				if name == "1.num_batches_tracked" {
					want = "I64"
				}
				if st.DType != want {
					t.Errorf("%s stored as %s, want %s", name, st.DType, want)
				}
			}
			if n, err := f.Tensors["1.num_batches_tracked"].Int64(); err != nil || !slices.Equal(n, []int64{2}) || len(f.Tensors["1.num_batches_tracked"].Shape) != 0 {
				t.Errorf("num_batches_tracked %v %v, shape %v; want the scalar 2", n, err, f.Tensors["1.num_batches_tracked"].Shape)
			}
			b := bnNet(2, WithDType(dt))
			if err := LoadFile(path, b); err != nil {
				t.Fatal(err)
			}
			Eval(a)
			Eval(b)
			if !slices.Equal(a.Forward(x).Float64s(), b.Forward(x).Float64s()) {
				t.Error("the loaded model computes something else")
			}
		})
	}
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	if err := LoadFile(filepath.Join(dir, "missing.safetensors"), bnNet(1)); err == nil || !strings.HasPrefix(err.Error(), "nn: LoadFile:") {
		t.Errorf("missing file: %v", err)
	}
	f := StateFile(bnNet(1))
	f.Tensors["extra"] = safetensors.FromFloat64([]int{1}, []float64{1})
	f.Tensors["1.num_batches_tracked"] = safetensors.FromInt64(nil, []int64{1 << 60})
	path := filepath.Join(dir, "bad.safetensors")
	if err := safetensors.WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	err := LoadFile(path, bnNet(1))
	if err == nil || !strings.Contains(err.Error(), "num_batches_tracked") {
		t.Errorf("huge count: %v", err)
	}
	f.Tensors["1.num_batches_tracked"] = safetensors.FromInt64(nil, []int64{7})
	net := bnNet(2)
	before := StateDict(net)["0.weight"].Float64s()
	err = LoadStateFile(net, f)
	if err == nil || err.Error() != `nn: LoadStateFile: unexpected key "extra"` {
		t.Errorf("extra key: %v", err)
	}
	if !slices.Equal(before, StateDict(net)["0.weight"].Float64s()) {
		t.Error("a failed load changed the model")
	}
	os.Remove(path)
}
