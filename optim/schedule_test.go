package optim

import (
	"math"
	"testing"

	"github.com/nabla-go/nabla"
)

func TestSchedules(t *testing.T) {
	type point struct {
		step int
		want float64
	}
	const final = 1.0 / 25 / 1e4 // OneCycle's last rate for a maximum of 1
	for _, c := range []struct {
		name   string
		s      Schedule
		base   float64
		points []point
	}{
		{"StepDecay", StepDecay(10, 0.1), 2, []point{{0, 2}, {9, 2}, {10, 0.2}, {25, 0.02}}},
		{"ExponentialDecay", ExponentialDecay(0.5), 1, []point{{0, 1}, {1, 0.5}, {3, 0.125}}},
		// Half way through the period the rate is half way between base and etaMin.
		{"CosineAnnealing", CosineAnnealing(100, 0.1), 1, []point{
			{0, 1}, {50, 0.55}, {100, 0.1}, {25, 0.1 + 0.9*(1+math.Sqrt2/2)/2}, {150, 0.55}, {200, 1}}},
		{"CosineAnnealing/to_zero", CosineAnnealing(10, 0), 0.4, []point{{5, 0.2}, {10, 0}}},
		{"WarmupCosine", WarmupCosine(10, 110, 0), 1, []point{
			{0, 0}, {5, 0.5}, {10, 1}, {60, 0.5}, {110, 0}, {500, 0}}},
		{"WarmupCosine/eta_min", WarmupCosine(4, 8, 0.2), 1, []point{{2, 0.5}, {4, 1}, {6, 0.6}, {8, 0.2}, {9, 0.2}}},
		{"WarmupCosine/no_warmup", WarmupCosine(0, 10, 0), 1, []point{{0, 1}, {5, 0.5}}},
		// total 10: the rise ends at step 0.3·10-1 = 2, the fall at step 9.
		{"OneCycle", OneCycle(10, OneCycleConfig{}), 1, []point{
			{0, 0.04}, {1, 0.52}, {2, 1}, {9, final}, {20, final}}},
		// total 1000: the fall runs from step 299 to 999, half way at 649.
		{"OneCycle/half_way_down", OneCycle(1000, OneCycleConfig{}), 1, []point{{299, 1}, {649, (1 + final) / 2}}},
		{"OneCycle/linear", OneCycle(10, OneCycleConfig{Linear: true}), 1, []point{
			{0, 0.04}, {1, 0.52}, {2, 1}, {6, 1 + (final-1)*4/7}, {9, final}}},
		{"OneCycle/no_rise", OneCycle(10, OneCycleConfig{PctStart: 0.1}), 1, []point{{0, 1}, {9, final}}},
		{"OneCycle/options", OneCycle(10, OneCycleConfig{PctStart: 0.5, DivFactor: 10, FinalDivFactor: 100}), 2, []point{
			{0, 0.2}, {4, 2}, {9, 0.002}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range c.points {
				if got := c.s(p.step, c.base); !near(got, p.want, 1e-12) {
					t.Errorf("step %d: got %.17g, want %.17g", p.step, got, p.want)
				}
			}
		})
	}
}

func TestScheduler(t *testing.T) {
	a := nabla.Zeros(1).SetRequiresGrad(true)
	b := nabla.Zeros(1).SetRequiresGrad(true)
	opt := New([]*nabla.Tensor{a}, SGD{LR: 1})
	opt.AddGroup(Group{Params: []*nabla.Tensor{b}, LR: 0.1})
	s := NewScheduler(opt, StepDecay(2, 0.5))
	check := func(step int, want0 float64) {
		t.Helper()
		if s.Current() != step || !near(opt.LR(0), want0, 1e-15) || !near(opt.LR(1), want0/10, 1e-15) {
			t.Errorf("at step %d (Current %d): LRs %v, %v; want %v, %v", step, s.Current(), opt.LR(0), opt.LR(1), want0, want0/10)
		}
	}
	check(0, 1)
	s.Step()
	check(1, 1)
	s.Step()
	check(2, 0.5)
	opt.SetLR(0, 123) // a manual change is overwritten by the next step
	s.Step()
	check(3, 0.5)
	s.Seek(6)
	check(6, 0.125)

	// A scheduler made after LoadState scales the restored initial rates.
	opt2 := New([]*nabla.Tensor{nabla.Zeros(1)}, SGD{LR: 7})
	opt2.AddGroup(Group{Params: []*nabla.Tensor{nabla.Zeros(1)}, LR: 7})
	if err := opt2.LoadState(opt.State()); err != nil {
		t.Fatal(err)
	}
	if opt2.LR(0) != opt.LR(0) {
		t.Errorf("restored LR %v, want %v", opt2.LR(0), opt.LR(0))
	}
	s2 := NewScheduler(opt2, StepDecay(2, 0.5))
	s2.Seek(6)
	if opt2.LR(0) != 0.125 || opt2.LR(1) != 0.0125 {
		t.Errorf("resumed LRs %v, %v; want 0.125, 0.0125", opt2.LR(0), opt2.LR(1))
	}
}

func TestSchedulePanics(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"StepDecay", func() { StepDecay(0, 0.1) }},
		{"CosineAnnealing", func() { CosineAnnealing(0, 0) }},
		{"WarmupCosine", func() { WarmupCosine(10, 10, 0) }},
		{"OneCycle/total", func() { OneCycle(0, OneCycleConfig{}) }},
		{"OneCycle/pct", func() { OneCycle(10, OneCycleConfig{PctStart: 1}) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			c.f()
		})
	}
}
