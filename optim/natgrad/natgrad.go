package natgrad

import (
	"fmt"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/nn"
)

// Settings are the optimizer's hyperparameters, used as given: a zero field
// means zero (Defaults gives working values).
type Settings struct {
	// LR scales the natural-gradient direction: 1 takes the full step.
	LR float64
	// Damping is λ in (F + λI)⁻¹g: it bounds the step where F is nearly
	// singular (directions the predictions do not depend on).
	Damping float64
	// CGIters caps the conjugate-gradient iterations of each step (at least
	// 1); CGTol stops them earlier, when the residual falls below CGTol·‖g‖.
	CGIters int
	CGTol   float64
	// Adapt adjusts the damping from step to step, Levenberg–Marquardt
	// style (Martens 2010): it compares the loss a step achieved with the
	// decrease the quadratic model predicted, shrinks λ by 2/3 when the
	// model was good (ratio above 3/4), grows it by 3/2 when it was poor
	// (below 1/4), and takes back a step that increased the loss, growing
	// λ until a step decreases it.
	Adapt bool
}

// Defaults returns LR 1, an initial Damping of 0.1 adapted from step to
// step, 10 CG iterations and a CG tolerance of 1e-4.
func Defaults() Settings {
	return Settings{LR: 1, Damping: 0.1, CGIters: 10, CGTol: 1e-4, Adapt: true}
}

// Optimizer takes natural-gradient steps on a set of parameters. It is not
// safe for concurrent use.
type Optimizer struct {
	params []*nabla.Tensor
	s      Settings
	steps  int
	cg     int // CG iterations run, in all
	lambda float64

	// The last step, for Adapt: the parameters before it (nil when there is
	// none to take back), the loss there and the decrease the quadratic
	// model predicted.
	last           []float64
	lastLoss, pred float64
}

// New returns an optimizer for params (leaf tensors requiring grad). It
// panics on a negative LR, Damping or CGTol, or CGIters below 1.
func New(params []*nabla.Tensor, s Settings) *Optimizer {
	switch {
	case !(s.LR >= 0):
		panicf("New", "LR %v is negative or NaN", s.LR)
	case !(s.Damping >= 0):
		panicf("New", "Damping %v is negative or NaN", s.Damping)
	case !(s.CGTol >= 0):
		panicf("New", "CGTol %v is negative or NaN", s.CGTol)
	case s.CGIters < 1:
		panicf("New", "CGIters %d: at least one conjugate-gradient iteration is needed", s.CGIters)
	}
	for i, p := range params {
		if !p.RequiresGrad() || !p.IsLeaf() {
			panicf("New", "parameter %d (shape %v) is not a leaf tensor requiring grad", i, p.Shape())
		}
	}
	return &Optimizer{params: append([]*nabla.Tensor(nil), params...), s: s, lambda: s.Damping}
}

// Damping returns the damping λ the next step uses: Settings.Damping, or
// where Adapt has taken it.
func (o *Optimizer) Damping() float64 { return o.lambda }

// Steps returns the number of steps taken.
func (o *Optimizer) Steps() int { return o.steps }

// CGIterations returns the conjugate-gradient iterations run by all steps
// so far: each costs one Fisher-vector product, about two backward passes.
func (o *Optimizer) CGIterations() int { return o.cg }

// Step evaluates logits() (the model's (N, C) logits for the batch, computed
// from the parameters with recording on), the mean cross-entropy with
// labels, its gradient g and the Fisher at the batch, solves (F + λI)d = g by
// conjugate gradients, and moves every parameter by −LR·d. It returns the
// loss before the step. The parameters' Grad is left alone. With Adapt, a
// step that increased the loss is taken back first (logits is then called
// again).
func (o *Optimizer) Step(logits func() *nabla.Tensor, labels []int) float64 {
	f := NewFisher(o.params, logits(), labels)
	for o.s.Adapt && o.last != nil {
		rho := (o.lastLoss - f.Loss()) / o.pred
		switch {
		case rho > 0.75:
			o.lambda *= 2. / 3
		case rho < 0.25:
			o.lambda *= 1.5
		}
		if f.Loss() <= o.lastLoss {
			break
		}
		// Worse than before: back to where the loss was lower, and a
		// shorter, more damped step from there.
		o.restore(o.last)
		o.last = nil
		f = NewFisher(o.params, logits(), labels)
	}
	g := f.Grad()
	lambda := o.lambda
	d, k := CG(func(v []float64) []float64 {
		fv := f.Apply(v)
		for i := range fv {
			fv[i] += lambda * v[i]
		}
		return fv
	}, g, o.s.CGIters, o.s.CGTol)
	o.cg += k
	if o.s.Adapt {
		o.last = o.snapshot(o.last)
	}
	o.move(d)
	// The quadratic model's decrease along −LR·d, with (F + λI)d ≈ g:
	// LR·g·d − ½LR²·dᵀ(F + λI)d ≈ (LR − LR²/2)·g·d.
	o.lastLoss, o.pred = f.Loss(), (o.s.LR-o.s.LR*o.s.LR/2)*dot(g, d)
	o.steps++
	return f.Loss()
}

// move moves every parameter by −LR·d.
func (o *Optimizer) move(d []float64) {
	off := 0
	for _, p := range o.params {
		if w := p.RawFloat64(); w != nil {
			for i := range w {
				w[i] -= o.s.LR * d[off+i]
			}
		} else {
			w := p.RawFloat32()
			for i := range w {
				w[i] -= float32(o.s.LR * d[off+i])
			}
		}
		off += p.Size()
	}
}

// snapshot copies the parameters' values into buf (grown as needed) and
// returns it.
func (o *Optimizer) snapshot(buf []float64) []float64 {
	buf = buf[:0]
	for _, p := range o.params {
		if w := p.RawFloat64(); w != nil {
			buf = append(buf, w...)
		} else {
			for _, v := range p.RawFloat32() {
				buf = append(buf, float64(v))
			}
		}
	}
	return buf
}

// restore sets the parameters to the values snapshot saved, exactly (a
// float32 round-trips through float64).
func (o *Optimizer) restore(buf []float64) {
	off := 0
	for _, p := range o.params {
		if w := p.RawFloat64(); w != nil {
			copy(w, buf[off:])
		} else {
			w := p.RawFloat32()
			for i := range w {
				w[i] = float32(buf[off+i])
			}
		}
		off += p.Size()
	}
}

// Fisher is the Fisher information matrix of a softmax classifier at one
// batch, with respect to its parameters, as products with vectors (see the
// package documentation). Vectors are flat: the parameters' elements one
// after another, in float64. A Fisher is not safe for concurrent use: its
// products run backward passes through one recorded graph.
type Fisher struct {
	params []*nabla.Tensor
	z      *nabla.Tensor   // the logits, recorded
	u      *nabla.Tensor   // the cotangent the recorded Jᵀu is a function of
	jtu    []*nabla.Tensor // Jᵀu per parameter, recorded (linear in u)
	p      []float64       // softmax probabilities, N×C
	n, c   int
	loss   float64
	grad   []float64
}

// NewFisher returns the Fisher of the classifier whose logits, of shape
// (N, C), were computed from params with recording on, at the batch whose
// labels are given; it also computes the mean cross-entropy and its gradient.
func NewFisher(params []*nabla.Tensor, logits *nabla.Tensor, labels []int) *Fisher {
	if logits.Dims() != 2 {
		panicf("NewFisher", "logits of shape %v: want (N, C)", logits.Shape())
	}
	if !logits.RequiresGrad() {
		panicf("NewFisher", "the logits do not require grad: compute them from the parameters with recording on (not under NoGrad)")
	}
	n, c := logits.Dim(0), logits.Dim(1)
	loss := nn.CrossEntropyLoss(logits, labels, nil)
	grads := nabla.Gradients([]*nabla.Tensor{loss}, params, nabla.RetainGraph(), nabla.AllowUnused())
	u := nabla.New(logits.DType(), n, c).SetRequiresGrad(true)
	jtu := nabla.Gradients([]*nabla.Tensor{logits}, params, nabla.Seed(u), nabla.CreateGraph(), nabla.AllowUnused())
	var p []float64
	nabla.NoGrad(func() { p = nabla.Softmax(logits.Detach(), 1).Float64s() })
	return &Fisher{params: params, z: logits, u: u, jtu: jtu, p: p, n: n, c: c,
		loss: loss.Item(), grad: flatten(params, grads)}
}

// Loss returns the mean cross-entropy at the batch.
func (f *Fisher) Loss() float64 { return f.loss }

// Grad returns the gradient of the mean cross-entropy, flat.
func (f *Fisher) Grad() []float64 { return append([]float64(nil), f.grad...) }

// Dim returns the number of parameters' elements, the length of the vectors.
func (f *Fisher) Dim() int { return len(f.grad) }

// JVP returns J·v, the change of the logits (N×C, row-major) along the flat
// parameter direction v.
func (f *Fisher) JVP(v []float64) []float64 {
	f.check("JVP", v)
	vs := unflatten(f.params, v)
	var s *nabla.Tensor
	for i, g := range f.jtu {
		if g == nil {
			continue
		}
		t := nabla.Sum(nabla.Mul(g, vs[i]))
		if s == nil {
			s = t
		} else {
			s = nabla.Add(s, t)
		}
	}
	if s == nil || !s.RequiresGrad() {
		return make([]float64, f.n*f.c)
	}
	return nabla.Gradients([]*nabla.Tensor{s}, []*nabla.Tensor{f.u}, nabla.RetainGraph(), nabla.AllowUnused())[0].Float64s()
}

// VJP returns Jᵀw, flat, for w of the logits' shape (N×C, row-major).
func (f *Fisher) VJP(w []float64) []float64 {
	if len(w) != f.n*f.c {
		panicf("VJP", "a vector of %d elements for logits of %d×%d", len(w), f.n, f.c)
	}
	seed := nabla.FromSlice(w, f.n, f.c).As(f.z.DType())
	gs := nabla.Gradients([]*nabla.Tensor{f.z}, f.params, nabla.Seed(seed), nabla.RetainGraph(), nabla.AllowUnused())
	return flatten(f.params, gs)
}

// Apply returns F·v = (1/N) Σₙ Jₙᵀ (diag pₙ − pₙpₙᵀ) Jₙ v.
func (f *Fisher) Apply(v []float64) []float64 {
	jv := f.JVP(v)
	for i := range f.n {
		p, a := f.p[i*f.c:(i+1)*f.c], jv[i*f.c:(i+1)*f.c]
		var pa float64
		for k := range a {
			pa += p[k] * a[k]
		}
		for k := range a {
			a[k] = p[k] * (a[k] - pa) / float64(f.n)
		}
	}
	return f.VJP(jv)
}

func (f *Fisher) check(who string, v []float64) {
	if len(v) != len(f.grad) {
		panicf(who, "a vector of %d elements for %d parameter elements", len(v), len(f.grad))
	}
}

// CG solves A·x = b for a symmetric positive definite A given by its product
// apply, by conjugate gradients from x = 0, and returns x and the iterations
// run: at most iters, fewer once the residual's norm is at most tol·‖b‖.
func CG(apply func(v []float64) []float64, b []float64, iters int, tol float64) (x []float64, k int) {
	x = make([]float64, len(b))
	r := append([]float64(nil), b...)
	d := append([]float64(nil), b...)
	rr := dot(r, r)
	stop := tol * tol * rr
	for k < iters && rr > stop && rr > 0 {
		ad := apply(d)
		dad := dot(d, ad)
		if !(dad > 0) {
			break // not positive definite along d (or NaN): keep what we have
		}
		alpha := rr / dad
		for i := range x {
			x[i] += alpha * d[i]
			r[i] -= alpha * ad[i]
		}
		k++
		rr2 := dot(r, r)
		beta := rr2 / rr
		rr = rr2
		for i := range d {
			d[i] = r[i] + beta*d[i]
		}
	}
	return x, k
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// flatten concatenates the values of ts (zeros for nil), shaped as params.
func flatten(params, ts []*nabla.Tensor) []float64 {
	var out []float64
	for i, p := range params {
		if ts[i] == nil {
			out = append(out, make([]float64, p.Size())...)
			continue
		}
		out = append(out, ts[i].Float64s()...)
	}
	return out
}

// unflatten splits v into tensors of the params' shapes and dtypes.
func unflatten(params []*nabla.Tensor, v []float64) []*nabla.Tensor {
	out := make([]*nabla.Tensor, len(params))
	off := 0
	for i, p := range params {
		out[i] = nabla.FromSlice(v[off:off+p.Size()], p.Shape()...).As(p.DType())
		off += p.Size()
	}
	return out
}

func panicf(who, format string, args ...any) {
	panic(&nabla.Error{Op: "natgrad." + who, Msg: fmt.Sprintf(format, args...), Where: nabla.CallerLocation()})
}
