// Package optim trains nabla models: it updates parameters from their
// gradients with SGD, Adam, AdamW, RMSprop or Adagrad, changes the learning
// rate along a schedule, and clips gradients.
//
// # A training step
//
// A parameter is a leaf tensor with SetRequiresGrad(true). After
// loss.Backward() its gradient is in p.Grad(); Step writes the new values into
// the parameter's own storage (p.RawFloat64 or p.RawFloat32), outside the
// autodiff graph:
//
//	opt := optim.New(params, optim.NewAdam(1e-3))
//	for range steps {
//		opt.ZeroGrad() // gradients accumulate across Backward calls
//		loss := model(x)
//		loss.Backward()
//		optim.ClipGradNorm(params, 1, false) // optional
//		opt.Step()
//	}
//
// Step skips a parameter whose Grad is nil, as PyTorch does, and that
// parameter's step count does not advance. ZeroGrad zeroes gradients in place
// (no allocation), so a parameter that the next backward pass does not reach
// still takes a step with a zero gradient (momentum and decay go on); ClearGrad
// sets them to nil instead, like PyTorch's default zero_grad. The first step of a parameter
// allocates its state buffers; later steps allocate nothing.
//
// # Algorithms and their defaults
//
// The algorithm is a plain struct of hyperparameters (SGD, Adam, AdamW,
// RMSprop, Adagrad); the Algorithm interface they satisfy is closed to other
// types. Every field is used as given and a zero field means zero:
// AdamW{WeightDecay: 0} has no decay and Adam{Eps: 0} no epsilon. PyTorch's
// defaults come from the constructors NewSGD, NewAdam, NewAdamW, NewRMSprop
// and NewAdagrad, which take the learning rate; change a field of the value
// they return to depart from a default:
//
//	alg := optim.NewAdamW(3e-4) // Betas {0.9, 0.999}, Eps 1e-8, WeightDecay 1e-2
//	alg.WeightDecay = 0.1
//	opt := optim.New(params, alg)
//
// Invalid values (a negative rate, a beta of 1) panic in New, with a message
// starting "optim:".
//
// These update rules read only the gradient. Second-order methods that need
// the model and the batch too, natural-gradient descent and K-FAC, are in
// package optim/natgrad.
//
// # Groups and learning rates
//
// New puts its parameters into group 0 with the algorithm's LR and
// WeightDecay. AddGroup adds a group with its own rate and decay, taken as given
// (a zero WeightDecay means none, which is how biases and norm layers are
// usually excluded from decay). LR and SetLR read and set a group's current
// rate; a Scheduler sets them from a Schedule, a closed-form function of the
// step and the group's initial rate: StepDecay, ExponentialDecay,
// CosineAnnealing, WarmupCosine, OneCycle, or any func you write.
//
// # State
//
// State returns everything a resumed run needs as flat named tensors
// ("state.0.exp_avg", "state.0.step", "group.0.lr", "step"), with PyTorch's
// buffer names, so it can be written to a safetensors checkpoint next to the
// model; LoadState reads it back and checks it.
//
// # Update equations
//
// Per element, with θ the parameter, g its gradient, t the parameter's step
// count starting at 1, γ the group's learning rate and λ its weight decay.
// These are PyTorch's equations, operation for operation; the scalars (bias
// corrections, step sizes) are computed in float64 and rounded once to the
// parameter's dtype, and all per-element arithmetic is done in that dtype, so a
// float32 model is updated in float32 as PyTorch would.
//
// SGD (momentum μ, dampening τ):
//
//	d = g + λθ
//	b = d                      on the first step
//	b = μb + (1-τ)d            afterwards            (only when μ ≠ 0)
//	d = d + μb  (Nesterov)     or d = b              (only when μ ≠ 0)
//	θ = θ - γd
//
// Adam (β1, β2, ε), with m, v and v̂ starting at 0:
//
//	d = g + λθ
//	m = m + (1-β1)(d - m)      (the same as β1·m + (1-β1)d)
//	v = β2·v + (1-β2)d²
//	v̂ = max(v̂, v)              with AMSGrad; otherwise v̂ = v
//	θ = θ - (γ/(1-β1^t)) · m / (√v̂/√(1-β2^t) + ε)
//
// AdamW is Adam with the decay taken out of the gradient (d = g) and applied
// to the parameter first: θ = θ(1 - γλ).
//
// RMSprop (α, ε, momentum μ), with v, ḡ and b starting at 0:
//
//	d = g + λθ
//	v = αv + (1-α)d²
//	ḡ = ḡ + (1-α)(d - ḡ);  r = √(v - ḡ²) + ε      when centered
//	r = √v + ε                                   otherwise
//	b = μb + d/r;  θ = θ - γb                    when μ > 0
//	θ = θ - γd/r                                 otherwise
//
// Adagrad (learning-rate decay η, ε), with s starting at InitialAccumulator:
//
//	d = g + λθ
//	s = s + d²
//	θ = θ - γ/(1+(t-1)η) · d/(√s + ε)
//
// # Schedules
//
// With b the group's initial rate and t the scheduler's step (0 when the
// Scheduler is created, +1 per Scheduler.Step):
//
//	StepDecay(n, γ)          b·γ^⌊t/n⌋
//	ExponentialDecay(γ)      b·γ^t
//	CosineAnnealing(T, η)    η + (b-η)(1+cos(πt/T))/2
//	WarmupCosine(w, T, η)    b·t/w for t < w, then η + (b-η)(1+cos(π·min(1, (t-w)/(T-w))))/2
//	OneCycle(T, cfg)         b/25 up to b at step 0.3T-1, then down to b/25/1e4 at step T-1,
//	                         each along half a cosine (PyTorch's OneCycleLR defaults)
//
// # Gradient clipping
//
// ClipGradNorm scales all gradients together by maxNorm/(‖g‖+1e-6) when that
// factor is below 1, where ‖g‖ is the L2 norm of every gradient element of
// every parameter; it returns ‖g‖ before clipping. ClipGradValue clamps each
// element to [-v, v]. GradNorm and GradNorms report the global and
// per-parameter norms for monitoring.
package optim
