package optim

import (
	"maps"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
)

// twin returns two identical parameter sets for algorithm runs to compare.
func twin(dt nabla.DType) (a, b []*nabla.Tensor) {
	r := nabla.NewRand(1)
	for _, shape := range [][]int{{2, 3}, {4}} {
		x := nabla.Randn(r, shape...).As(dt)
		a = append(a, x.Clone().SetRequiresGrad(true))
		b = append(b, x.Clone().SetRequiresGrad(true))
	}
	return a, b
}

// setGrads gives each parameter the gradient 2(x-3)+i, deterministic and
// different per step.
func setGrads(ps []*nabla.Tensor, i int) {
	for _, p := range ps {
		g := nabla.AddScalar(nabla.MulScalar(nabla.AddScalar(p.Detach(), -3), 2), float64(i))
		p.SetGrad(g)
	}
}

func TestStateRoundTrip(t *testing.T) {
	for _, c := range refCases() {
		for _, dt := range []nabla.DType{nabla.Float64, nabla.Float32} {
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				a, b := twin(dt)
				optA := New(a[:1], c.alg).AddGroup(Group{Params: a[1:], LR: 0.03, WeightDecay: 0.1})
				for i := range 3 {
					setGrads(a, i)
					optA.Step()
				}
				// b starts from a's current values and a's saved state.
				for i := range a {
					copy(b[i].RawFloat64(), a[i].RawFloat64())
					copy(b[i].RawFloat32(), a[i].RawFloat32())
				}
				optB := New(b[:1], c.alg).AddGroup(Group{Params: b[1:], LR: 1})
				if err := optB.LoadState(optA.State()); err != nil {
					t.Fatal(err)
				}
				if optB.Steps() != 3 || optB.LR(1) != 0.03 || optB.Groups()[1].WeightDecay != 0.1 {
					t.Errorf("restored Steps %d, LR(1) %v, group 1 %+v", optB.Steps(), optB.LR(1), optB.Groups()[1])
				}
				for i := 3; i < 5; i++ {
					setGrads(a, i)
					setGrads(b, i)
					optA.Step()
					optB.Step()
				}
				for i := range a {
					if !slices.Equal(a[i].Float64s(), b[i].Float64s()) {
						t.Errorf("param %d: resumed run %v differs from uninterrupted %v", i, b[i].Float64s(), a[i].Float64s())
					}
				}
			})
		}
	}
}

func TestStateNames(t *testing.T) {
	a, _ := twin(nabla.Float32)
	opt := New(a, Adam{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8, AMSGrad: true})
	setGrads(a[:1], 0)
	opt.Step()
	st := opt.State()
	want := []string{
		"group.0.initial_lr", "group.0.lr", "group.0.weight_decay",
		"state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq", "state.0.step",
		"step",
	}
	if got := slices.Sorted(maps.Keys(st)); !slices.Equal(got, want) {
		t.Fatalf("names %v, want %v", got, want)
	}
	if e := st["state.0.exp_avg"]; e.DType() != nabla.Float32 || !slices.Equal(e.Shape(), []int{2, 3}) {
		t.Errorf("exp_avg is %s %v, want float32 [2 3]", e.DType(), e.Shape())
	}
	// State is a copy: later steps do not change it.
	before := st["state.0.exp_avg"].Float64s()
	opt.Step()
	if !slices.Equal(before, st["state.0.exp_avg"].Float64s()) {
		t.Error("State shares memory with the optimizer")
	}
}

func TestLoadStateErrors(t *testing.T) {
	a, _ := twin(nabla.Float64)
	src := New(a, RMSprop{LR: 1e-2, Alpha: 0.99, Eps: 1e-8, Momentum: 0.9})
	setGrads(a, 0)
	src.Step()
	good := src.State()
	for _, c := range []struct {
		name string
		edit func(map[string]*nabla.Tensor)
		want string
	}{
		{"unknown_name", func(s map[string]*nabla.Tensor) { s["foo"] = nabla.Scalar(1) }, "unknown entry"},
		{"unknown_buffer", func(s map[string]*nabla.Tensor) { s["state.0.exp_avg"] = nabla.Zeros(2, 3) }, "not a buffer of RMSprop"},
		{"param_out_of_range", func(s map[string]*nabla.Tensor) { s["state.7.step"] = nabla.Scalar(1) }, "for 2 parameters"},
		{"group_out_of_range", func(s map[string]*nabla.Tensor) { s["group.1.lr"] = nabla.Scalar(1) }, "for 1 groups"},
		{"wrong_size", func(s map[string]*nabla.Tensor) { s["state.1.square_avg"] = nabla.Zeros(5) }, "has 5 elements"},
		{"missing_buffer", func(s map[string]*nabla.Tensor) { delete(s, "state.0.momentum_buffer") }, "both or neither"},
		{"buffer_without_step", func(s map[string]*nabla.Tensor) { delete(s, "state.1.step") }, "both or neither"},
		{"scalar_shape", func(s map[string]*nabla.Tensor) { s["step"] = nabla.Zeros(2) }, "want 1"},
		{"negative_lr", func(s map[string]*nabla.Tensor) { s["group.0.lr"] = nabla.Scalar(-1) }, "not a valid value"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, _ := twin(nabla.Float64)
			dst := New(b, RMSprop{LR: 1e-2, Alpha: 0.99, Eps: 1e-8, Momentum: 0.9})
			st := maps.Clone(good)
			c.edit(st)
			err := dst.LoadState(st)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
			if len(dst.State()) != 4 {
				t.Errorf("a failed LoadState changed the optimizer: %v", slices.Sorted(maps.Keys(dst.State())))
			}
		})
	}
}

// TestStateInto: StateInto gives State's names, shapes and values, reuses
// the tensors of the map it is given (the same pointers, no allocation for
// the buffers), and drops entries State would not return.
func TestStateInto(t *testing.T) {
	w := nabla.Ones(64, 16).SetRequiresGrad(true) // 8 KB a buffer
	b := nabla.FromSlice([]float64{0.5}).SetRequiresGrad(true)
	v := nabla.FromFloat32s([]float32{1, -2, 3}).SetRequiresGrad(true) // a float32 parameter's buffers
	opt := New([]*nabla.Tensor{w, b, v}, NewAdam(0.1))
	step := func() {
		opt.ZeroGrad()
		nabla.Sum(nabla.Mul(nabla.Add(w, b), nabla.Add(w, b))).Backward()
		nabla.Sum(nabla.Mul(v, v)).Backward()
		opt.Step()
	}
	step()
	dst := opt.StateInto(map[string]*nabla.Tensor{"stale": nabla.Scalar(1)})
	check := func() {
		t.Helper()
		want := opt.State()
		if len(dst) != len(want) {
			t.Fatalf("StateInto has %d entries, State %d", len(dst), len(want))
		}
		for name, v := range want {
			g := dst[name]
			if g == nil || g.DType() != v.DType() || !slices.Equal(g.Shape(), v.Shape()) || !slices.Equal(g.Float64s(), v.Float64s()) {
				t.Fatalf("%s: StateInto %v, State %v", name, g, v)
			}
		}
	}
	check()
	before := maps.Clone(dst)
	step()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for range 10 {
		opt.StateInto(dst)
	}
	runtime.ReadMemStats(&m1)
	if per := (m1.TotalAlloc - m0.TotalAlloc) / 10; per > 4<<10 {
		t.Errorf("StateInto into a filled map allocated %d bytes a call (the buffers are 8 KB each)", per)
	}
	check()
	for name, tn := range before {
		if dst[name] != tn {
			t.Errorf("%s: a new tensor instead of the one given", name)
		}
	}
}
