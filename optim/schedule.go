package optim

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate at a step (or epoch) from the group's
// initial learning rate. Schedules are closed-form and deterministic, so a
// resumed run can jump to any step. Any func of this type is a schedule, like
// PyTorch's LambdaLR.
type Schedule func(step int, baseLR float64) float64

// StepDecay multiplies the rate by gamma every stepSize steps:
// lr = base·gamma^⌊t/stepSize⌋, like torch.optim.lr_scheduler.StepLR.
func StepDecay(stepSize int, gamma float64) Schedule {
	if stepSize <= 0 {
		panic(fmt.Sprintf("optim: StepDecay: step size %d must be positive", stepSize))
	}
	return func(t int, base float64) float64 {
		return base * math.Pow(gamma, float64(t/stepSize))
	}
}

// ExponentialDecay multiplies the rate by gamma every step: lr = base·gamma^t,
// like torch.optim.lr_scheduler.ExponentialLR.
func ExponentialDecay(gamma float64) Schedule {
	return func(t int, base float64) float64 { return base * math.Pow(gamma, float64(t)) }
}

// CosineAnnealing follows half a cosine from the base rate down to etaMin over
// tMax steps: lr = etaMin + (base-etaMin)(1+cos(πt/tMax))/2, the closed form of
// torch.optim.lr_scheduler.CosineAnnealingLR. Like it, past tMax the cosine
// carries on and the rate rises again.
func CosineAnnealing(tMax int, etaMin float64) Schedule {
	if tMax <= 0 {
		panic(fmt.Sprintf("optim: CosineAnnealing: tMax %d must be positive", tMax))
	}
	return func(t int, base float64) float64 {
		return cosine(base, etaMin, float64(t)/float64(tMax))
	}
}

// cosine goes from hi at pct 0 to lo at pct 1 along half a cosine.
func cosine(hi, lo, pct float64) float64 {
	return lo + (hi-lo)*(1+math.Cos(math.Pi*pct))/2
}

// WarmupCosine rises linearly from 0 to the base rate over the first warmup
// steps (lr = base·t/warmup), then anneals along half a cosine to etaMin at
// step total and stays there: for t ≥ warmup,
// lr = etaMin + (base-etaMin)(1+cos(π·min(1, (t-warmup)/(total-warmup))))/2.
// It is the schedule of Hugging Face's get_cosine_schedule_with_warmup with a
// floor of etaMin.
func WarmupCosine(warmup, total int, etaMin float64) Schedule {
	if warmup < 0 || total <= warmup {
		panic(fmt.Sprintf("optim: WarmupCosine: need 0 <= warmup < total, have warmup %d and total %d", warmup, total))
	}
	return func(t int, base float64) float64 {
		if t < warmup {
			return base * float64(t) / float64(warmup)
		}
		return cosine(base, etaMin, min(1, float64(t-warmup)/float64(total-warmup)))
	}
}

// OneCycleConfig holds the options of OneCycle; zero fields take the defaults
// of torch.optim.lr_scheduler.OneCycleLR. Unlike an Algorithm's fields, no
// valid value is lost: OneCycle needs each of the three to be positive.
type OneCycleConfig struct {
	PctStart       float64 // fraction of the steps spent rising; default 0.3
	DivFactor      float64 // initial rate = max/DivFactor; default 25
	FinalDivFactor float64 // final rate = initial/FinalDivFactor; default 1e4
	Linear         bool    // anneal linearly instead of along a cosine
}

// OneCycle is the learning-rate part of the one-cycle policy of
// torch.optim.lr_scheduler.OneCycleLR (two phases), with the group's base rate
// as the maximum: the rate rises from max/DivFactor to max until step
// PctStart·total-1, then falls to max/(DivFactor·FinalDivFactor) at step
// total-1, each phase along half a cosine (or a line). Past total-1 it stays at
// the final rate, where PyTorch raises an error. Unlike PyTorch it does not
// cycle the momentum.
func OneCycle(total int, cfg OneCycleConfig) Schedule {
	orDefault := func(v, def float64) float64 {
		if v == 0 {
			return def
		}
		return v
	}
	pct := orDefault(cfg.PctStart, 0.3)
	div := orDefault(cfg.DivFactor, 25)
	finalDiv := orDefault(cfg.FinalDivFactor, 1e4)
	if total <= 0 || !(pct > 0 && pct < 1) || !(div > 0) || !(finalDiv > 0) {
		panic(fmt.Sprintf("optim: OneCycle: invalid total %d or config %+v", total, cfg))
	}
	anneal := cosine
	if cfg.Linear {
		anneal = func(start, end, pct float64) float64 { return start + (end-start)*pct }
	}
	up := pct*float64(total) - 1 // last step of the rising phase
	last := float64(total - 1)
	return func(t int, max float64) float64 {
		initial := max / div
		final := initial / finalDiv
		s := math.Min(float64(t), last)
		if s <= up && up > 0 { // up ≤ 0 leaves no rising phase (PyTorch divides by zero)
			return anneal(initial, max, s/up)
		}
		return anneal(max, final, (s-up)/(last-up))
	}
}

// Scheduler sets the learning rates of an optimizer's groups from a Schedule,
// like a PyTorch LRScheduler: creating it applies step 0, and each call to Step
// advances one step (call it once per epoch or once per batch, as the schedule
// was designed for).
type Scheduler struct {
	opt   *Optimizer
	sched Schedule
	step  int
}

// NewScheduler binds a schedule to opt and sets every group's learning rate
// for step 0 from the group's initial rate.
func NewScheduler(opt *Optimizer, s Schedule) *Scheduler {
	sc := &Scheduler{opt: opt, sched: s}
	sc.apply()
	return sc
}

// Step advances the schedule by one step and updates the learning rates.
func (s *Scheduler) Step() {
	s.step++
	s.apply()
}

// Seek moves the schedule to step t and updates the learning rates; use it to
// resume a run from a checkpoint.
func (s *Scheduler) Seek(t int) {
	if t < 0 {
		panic(fmt.Sprintf("optim: Scheduler.Seek: negative step %d", t))
	}
	s.step = t
	s.apply()
}

// Current returns the current step of the schedule.
func (s *Scheduler) Current() int { return s.step }

func (s *Scheduler) apply() {
	for i := range s.opt.groups {
		g := &s.opt.groups[i]
		g.lr = s.sched(s.step, g.initialLR)
	}
}
