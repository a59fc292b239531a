package minimize

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/nabla-go/nabla"
)

// GradDiff compares a gradient written by hand with a reference at one
// point, like scipy.optimize.check_grad: the reference is nabla's exact
// gradient for CheckGrad and Options.CheckJac, central differences for
// CheckGradFunc.
type GradDiff struct {
	// Norm is ‖user − reference‖₂, the number scipy.optimize.check_grad
	// returns.
	Norm float64
	// Index is the flat index of the worst component, the one with the
	// largest |user − reference| / max(1, |reference|) (a NaN counts as
	// infinite).
	Index int
	// User and Reference are the two gradients' values at Index.
	User, Reference float64
}

// RelErr returns |User − Reference| / max(1, |Reference|), the error of the
// worst component, or +Inf when either is NaN.
func (d GradDiff) RelErr() float64 {
	e := math.Abs(d.User-d.Reference) / math.Max(1, math.Abs(d.Reference))
	if math.IsNaN(e) {
		return math.Inf(1)
	}
	return e
}

// String describes the worst component and the norm of the difference.
func (d GradDiff) String() string {
	return fmt.Sprintf("component %d is %.10g, reference %.10g (relative error %.3g; ‖user − reference‖₂ = %.3g)",
		d.Index, d.User, d.Reference, d.RelErr(), d.Norm)
}

// CheckGrad compares jac, a gradient written by hand, with nabla's reverse-
// mode gradient of f at x, like scipy.optimize.check_grad but against the
// exact derivative instead of finite differences, so that any difference
// beyond rounding is a mistake in jac. jac receives x flat, in row-major
// order. It returns an error when f fails at x or does not return a scalar,
// or when jac returns the wrong number of values.
func CheckGrad(f Func, jac func(x []float64) []float64, x *nabla.Tensor) (GradDiff, error) {
	if f == nil || jac == nil {
		return GradDiff{}, errors.New("minimize: CheckGrad: nil function")
	}
	if x == nil || x.Size() == 0 {
		return GradDiff{}, errors.New("minimize: CheckGrad: empty point")
	}
	x = x.As(nabla.Float64).Detach()
	var g *nabla.Tensor
	err := nabla.Catch(func() {
		g = nabla.Grad(func(xs ...*nabla.Tensor) *nabla.Tensor { return f(xs[0]) })(x)
	})
	if err != nil {
		return GradDiff{}, fmt.Errorf("minimize: CheckGrad: nabla's gradient of f failed at x of shape %v: %w", x.Shape(), err)
	}
	return compareGrad(jac(x.Float64s()), g.Float64s())
}

// CheckGradFunc compares jac with central differences of a plain function f
// at x, like scipy.optimize.check_grad (which takes forward differences):
// component i is (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / 2hᵢ with hᵢ = ∛ε·max(1, |xᵢ|),
// accurate to about 1e-10 relative for a smooth f of moderate size, so a
// RelErr above 1e-6 or so points at a mistake. It returns an error when jac
// returns the wrong number of values.
func CheckGradFunc(f func(x []float64) float64, jac func(x []float64) []float64, x []float64) (GradDiff, error) {
	if f == nil || jac == nil {
		return GradDiff{}, errors.New("minimize: CheckGradFunc: nil function")
	}
	if len(x) == 0 {
		return GradDiff{}, errors.New("minimize: CheckGradFunc: empty point")
	}
	ref := make([]float64, len(x))
	xp := slices.Clone(x)
	for i, xi := range x {
		h := math.Cbrt(eps) * math.Max(1, math.Abs(xi))
		xp[i] = xi + h
		hi := xp[i] - xi // the step actually taken, after rounding
		fp := f(slices.Clone(xp))
		xp[i] = xi - h
		lo := xi - xp[i]
		fm := f(slices.Clone(xp))
		xp[i] = xi
		ref[i] = (fp - fm) / (hi + lo)
	}
	return compareGrad(jac(slices.Clone(x)), ref)
}

// compareGrad builds the GradDiff of user against ref.
func compareGrad(user, ref []float64) (GradDiff, error) {
	if len(user) != len(ref) {
		return GradDiff{}, fmt.Errorf("minimize: the gradient given returned %d values for %d variables", len(user), len(ref))
	}
	d := GradDiff{Index: -1}
	worst, sq := -1.0, 0.0
	for i := range user {
		diff := user[i] - ref[i]
		sq += diff * diff
		c := GradDiff{Index: i, User: user[i], Reference: ref[i]}
		if e := c.RelErr(); e > worst {
			worst, d.Index, d.User, d.Reference = e, i, user[i], ref[i]
		}
	}
	d.Norm = math.Sqrt(sq)
	return d, nil
}
