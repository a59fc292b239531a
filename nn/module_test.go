package nn

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
)

func TestOutputShapes(t *testing.T) {
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		rng := nabla.NewRand(1)
		tests := []struct {
			name string
			m    Module
			in   []int
			want []int
		}{
			{"Linear/matrix", NewLinear(3, 4, rng, WithDType(dt)), []int{5, 3}, []int{5, 4}},
			{"Linear/batch", NewLinear(3, 4, rng, WithDType(dt)), []int{2, 5, 3}, []int{2, 5, 4}},
			{"Linear/vector", NewLinear(3, 4, rng, WithDType(dt)), []int{3}, []int{4}},
			{"Linear/no-bias", NewLinear(3, 2, rng, WithDType(dt), NoBias()), []int{5, 3}, []int{5, 2}},
			{"MLP", MLP([]int{3, 8, 8, 2}, ReLU, rng, WithDType(dt)), []int{4, 3}, []int{4, 2}},
			{"LayerNorm", NewLayerNorm([]int{6}, 1e-5, WithDType(dt)), []int{4, 6}, []int{4, 6}},
			{"LayerNorm/2d", NewLayerNorm([]int{2, 3}, 1e-5, WithDType(dt)), []int{4, 2, 3}, []int{4, 2, 3}},
			{"Embedding", NewEmbedding(10, 4, rng, WithDType(dt)), []int{2, 3}, []int{2, 3, 4}},
			{"Flatten", Flatten{}, []int{2, 3, 4}, []int{2, 12}},
			{"Dropout", NewDropout(0.5, rng), []int{3, 4}, []int{3, 4}},
			{"GELU", GELU(), []int{3, 4}, []int{3, 4}},
			{"Softmax", Softmax(), []int{3, 4}, []int{3, 4}},
		}
		for _, tc := range tests {
			t.Run(dt.String()+"/"+tc.name, func(t *testing.T) {
				x := nabla.New(dt, tc.in...) // zeros are valid indices for Embedding too
				y := tc.m.Forward(x)
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

func TestLinearComputesXWtPlusB(t *testing.T) {
	l := NewLinear(3, 2, nabla.NewRand(7))
	x := nabla.FromSlice([]float64{1, 2, 3, -1, 0.5, 2}, 2, 3)
	y := l.Forward(x)
	for n := 0; n < 2; n++ {
		for o := 0; o < 2; o++ {
			want := l.Bias.At(o)
			for i := 0; i < 3; i++ {
				want += x.At(n, i) * l.Weight.At(o, i)
			}
			if got := y.At(n, o); math.Abs(got-want) > 1e-12 {
				t.Errorf("y[%d,%d] = %v, want %v", n, o, got, want)
			}
		}
	}
}

func TestLinearInit(t *testing.T) {
	l := NewLinear(16, 32, nabla.NewRand(3))
	bound := 1 / math.Sqrt(16)
	for _, p := range l.Parameters() {
		for _, v := range p.T.Float64s() {
			if math.Abs(v) > bound {
				t.Fatalf("%s value %v outside ±%v", p.Name, v, bound)
			}
		}
		if !p.T.RequiresGrad() {
			t.Errorf("%s does not require grad", p.Name)
		}
	}
	again := NewLinear(16, 32, nabla.NewRand(3))
	if !slices.Equal(l.Weight.Float64s(), again.Weight.Float64s()) {
		t.Error("the same seed gave different weights")
	}
}

func TestInitialisers(t *testing.T) {
	const in, out = 200, 300
	std := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x * x
		}
		return math.Sqrt(s / float64(len(v)))
	}
	tests := []struct {
		name    string
		init    func(w *nabla.Tensor)
		bound   float64 // 0: unbounded
		wantStd float64
	}{
		{"XavierUniform", func(w *nabla.Tensor) { XavierUniform(w, 1, nabla.NewRand(1)) }, math.Sqrt(6.0 / (in + out)), math.Sqrt(2.0 / (in + out))},
		{"XavierNormal", func(w *nabla.Tensor) { XavierNormal(w, 1, nabla.NewRand(1)) }, 0, math.Sqrt(2.0 / (in + out))},
		{"KaimingUniform", func(w *nabla.Tensor) { KaimingUniform(w, 0, nabla.NewRand(1)) }, math.Sqrt(6.0 / in), math.Sqrt(2.0 / in)},
		{"KaimingNormal", func(w *nabla.Tensor) { KaimingNormal(w, 0, nabla.NewRand(1)) }, 0, math.Sqrt(2.0 / in)},
		{"Zero", func(w *nabla.Tensor) { Zero(w) }, 1e-300, 0},
	}
	for _, tc := range tests {
		for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
			t.Run(tc.name+"/"+dt.String(), func(t *testing.T) {
				w := nabla.New(dt, out, in)
				tc.init(w)
				v := w.Float64s()
				if tc.bound > 0 {
					for _, x := range v {
						if math.Abs(x) > tc.bound {
							t.Fatalf("value %v outside ±%v", x, tc.bound)
						}
					}
				}
				if s := std(v); math.Abs(s-tc.wantStd) > 0.02*tc.wantStd+1e-12 {
					t.Errorf("std %v, want %v", s, tc.wantStd)
				}
			})
		}
	}
}

func TestParameterNames(t *testing.T) {
	m := NewSequential(MLP([]int{2, 3, 1}, Tanh, nabla.NewRand(1)), NewLayerNorm([]int{1}, 1e-5))
	var names []string
	for _, p := range m.Parameters() {
		names = append(names, p.Name)
	}
	want := []string{"0.0.weight", "0.0.bias", "0.2.weight", "0.2.bias", "1.weight", "1.bias"}
	if !slices.Equal(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
	if n := NumParams(m); n != 2*3+3+3+1+1+1 {
		t.Errorf("NumParams = %d", n)
	}
}

func TestStateDictRoundTrip(t *testing.T) {
	for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
		t.Run(dt.String(), func(t *testing.T) {
			a := MLP([]int{3, 5, 2}, ReLU, nabla.NewRand(1), WithDType(dt))
			b := MLP([]int{3, 5, 2}, ReLU, nabla.NewRand(2), WithDType(dt))
			x := nabla.Randn(nabla.NewRand(9), 4, 3).As(dt)
			if slices.Equal(a.Forward(x).Float64s(), b.Forward(x).Float64s()) {
				t.Fatal("different seeds gave the same network")
			}
			if err := LoadStateDict(b, StateDict(a)); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.Forward(x).Float64s(), b.Forward(x).Float64s()) {
				t.Error("outputs differ after loading the state dict")
			}
			// Loading copies values: b's tensors stay its own.
			if StateDict(b)["0.weight"] == StateDict(a)["0.weight"] {
				t.Error("LoadStateDict shared tensors instead of copying")
			}
		})
	}
}

func TestLoadStateDictErrors(t *testing.T) {
	m := MLP([]int{3, 2}, nil, nabla.NewRand(1))
	tests := []struct {
		name  string
		state map[string]*nabla.Tensor
		want  []string
	}{
		{"missing", map[string]*nabla.Tensor{"0.weight": nabla.Zeros(2, 3)}, []string{`missing key "0.bias"`}},
		{"unexpected", map[string]*nabla.Tensor{"0.weight": nabla.Zeros(2, 3), "0.bias": nabla.Zeros(2), "1.weight": nabla.Zeros(1)}, []string{`unexpected key "1.weight"`}},
		{"shape", map[string]*nabla.Tensor{"0.weight": nabla.Zeros(3, 2), "0.bias": nabla.Zeros(2)}, []string{`"0.weight" has shape [3 2]`, "[2 3]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := m.Layers[0].(*Linear).Weight.Float64s()
			err := LoadStateDict(m, tc.state)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if !slices.Equal(before, m.Layers[0].(*Linear).Weight.Float64s()) {
				t.Error("a failed load changed the parameters")
			}
		})
	}
}

func TestDropout(t *testing.T) {
	x := nabla.Ones(1000)
	t.Run("deterministic", func(t *testing.T) {
		a := NewDropout(0.3, nabla.NewRand(5)).Forward(x)
		b := NewDropout(0.3, nabla.NewRand(5)).Forward(x)
		if !slices.Equal(a.Float64s(), b.Float64s()) {
			t.Error("the same seed dropped different entries")
		}
	})
	t.Run("inverted-scaling", func(t *testing.T) {
		zeros := 0
		for _, v := range NewDropout(0.3, nabla.NewRand(5)).Forward(x).Float64s() {
			switch {
			case v == 0:
				zeros++
			case math.Abs(v-1/0.7) > 1e-12:
				t.Fatalf("kept entry %v, want 1/0.7", v)
			}
		}
		if zeros < 250 || zeros > 350 {
			t.Errorf("%d of 1000 dropped, want about 300", zeros)
		}
	})
	t.Run("eval-identity", func(t *testing.T) {
		m := NewSequential(NewDropout(0.9, nabla.NewRand(5)), Identity())
		Eval(m)
		if y := m.Forward(x); y != x {
			t.Error("eval-mode dropout changed its input")
		}
		Train(m)
		if !m.Layers[0].(*Dropout).Training() {
			t.Error("Train did not reach the dropout layer")
		}
	})
	t.Run("p=1", func(t *testing.T) {
		for _, v := range NewDropout(1, nabla.NewRand(5)).Forward(x).Float64s() {
			if v != 0 {
				t.Fatalf("entry %v survived p = 1", v)
			}
		}
	})
	t.Run("gradient-is-mask", func(t *testing.T) {
		x := nabla.Ones(50).SetRequiresGrad(true)
		y := NewDropout(0.5, nabla.NewRand(5)).Forward(x)
		nabla.Sum(y).Backward()
		if !slices.Equal(x.Grad().Float64s(), y.Float64s()) {
			t.Error("gradient differs from the mask")
		}
	})
}

func TestLayerNormNormalises(t *testing.T) {
	ln := NewLayerNorm([]int{5}, 1e-12)
	x := nabla.Randn(nabla.NewRand(2), 3, 5)
	y := ln.Forward(nabla.AddScalar(nabla.MulScalar(x, 10), 4))
	for n := 0; n < 3; n++ {
		mean, sq := 0.0, 0.0
		for i := 0; i < 5; i++ {
			mean += y.At(n, i) / 5
			sq += y.At(n, i) * y.At(n, i) / 5
		}
		if math.Abs(mean) > 1e-9 || math.Abs(sq-1) > 1e-9 {
			t.Errorf("row %d: mean %v, mean square %v", n, mean, sq)
		}
	}
}

func TestEmbeddingLookup(t *testing.T) {
	e := NewEmbedding(5, 3, nabla.NewRand(1))
	y := e.Forward(nabla.FromSlice([]float64{4, 0, 4}))
	for j := 0; j < 3; j++ {
		if y.At(0, j) != e.Weight.At(4, j) || y.At(1, j) != e.Weight.At(0, j) {
			t.Fatal("rows do not match the table")
		}
	}
	nabla.Sum(y).Backward()
	want := []float64{1, 0, 0, 0, 2} // row 4 was looked up twice
	for i, w := range want {
		if g := e.Weight.Grad().At(i, 0); g != w {
			t.Errorf("grad of row %d = %v, want %v", i, g, w)
		}
	}
}

func TestZeroGrad(t *testing.T) {
	m := MLP([]int{2, 3, 1}, Tanh, nabla.NewRand(1))
	nabla.Sum(m.Forward(nabla.Ones(4, 2))).Backward()
	ZeroGrad(m)
	for _, p := range m.Parameters() {
		for _, v := range p.T.Grad().Float64s() {
			if v != 0 {
				t.Fatalf("%s grad not cleared", p.Name)
			}
		}
	}
}

func TestMisusePanics(t *testing.T) {
	rng := nabla.NewRand(1)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"Linear/features", func() { NewLinear(3, 2, rng).Forward(nabla.Zeros(4, 5)) }, "nn.Linear"},
		{"Linear/nil-rng", func() { NewLinear(3, 2, nil) }, "random generator"},
		{"LayerNorm/shape", func() { NewLayerNorm([]int{4}, 1e-5).Forward(nabla.Zeros(2, 3)) }, "nn.LayerNorm"},
		{"Embedding/range", func() { NewEmbedding(3, 2, rng).Lookup([]int{3}) }, "out of range"},
		{"Embedding/fraction", func() { NewEmbedding(3, 2, rng).Forward(nabla.FromSlice([]float64{0.5})) }, "not an index"},
		{"Dropout/p", func() { NewDropout(1.5, rng) }, "nn.Dropout"},
		{"MLP/sizes", func() { MLP([]int{3}, ReLU, rng) }, "nn.MLP"},
		{"XavierUniform/vector", func() { XavierUniform(nabla.Zeros(3), 1, rng) }, "2 dimensions"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := nabla.Catch(tc.f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// TestDropoutRefusesTracing: a compiled function would reuse one mask.
func TestDropoutRefusesTracing(t *testing.T) {
	d := NewDropout(0.5, nabla.NewRand(1))
	f := nabla.Compile(func(xs ...*nabla.Tensor) *nabla.Tensor { return d.Forward(xs[0]) })
	err := nabla.Catch(func() { f(nabla.Ones(4)) })
	if err == nil || !strings.Contains(err.Error(), "compiled") {
		t.Fatalf("error %v", err)
	}
	d.SetTraining(false)
	if got := f(nabla.Ones(4)).Float64s(); got[0] != 1 {
		t.Errorf("evaluation mode: %v", got)
	}
}
