package nn

import (
	"math"
	"slices"

	"github.com/nabla-go/nabla"
)

// Reduction says how a loss combines its per-element values.
type Reduction int

const (
	// Mean averages the per-element losses (weighted, for class weights). It is
	// the zero value, the default.
	Mean Reduction = iota
	// Sum adds them up.
	Sum
	// None returns them unreduced, one per element (per sample for the class
	// losses).
	None
)

// String returns "mean", "sum" or "none".
func (r Reduction) String() string {
	switch r {
	case Mean:
		return "mean"
	case Sum:
		return "sum"
	case None:
		return "none"
	}
	return "Reduction(?)"
}

func reduce(op string, loss *nabla.Tensor, r Reduction) *nabla.Tensor {
	switch r {
	case Mean:
		return nabla.Mean(loss)
	case Sum:
		return nabla.Sum(loss)
	case None:
		return loss
	}
	panicf(op, "unknown reduction %d", int(r))
	return nil
}

func checkPair(op string, pred, target *nabla.Tensor) {
	if !slices.Equal(pred.Shape(), target.Shape()) {
		panicf(op, "prediction of shape %v and target of shape %v differ", pred.Shape(), target.Shape())
	}
	if pred.DType() != target.DType() {
		panicf(op, "prediction is %s, target is %s", pred.DType(), target.DType())
	}
}

// MSELoss returns the squared error (pred − target)², reduced by r.
func MSELoss(pred, target *nabla.Tensor, r Reduction) *nabla.Tensor {
	checkPair("MSELoss", pred, target)
	return reduce("MSELoss", nabla.Square(nabla.Sub(pred, target)), r)
}

// L1Loss returns the absolute error |pred − target|, reduced by r.
func L1Loss(pred, target *nabla.Tensor, r Reduction) *nabla.Tensor {
	checkPair("L1Loss", pred, target)
	return reduce("L1Loss", nabla.Abs(nabla.Sub(pred, target)), r)
}

// HuberLoss returns, for d = |pred − target|, ½d² where d < delta and
// delta·(d − ½delta) beyond, reduced by r: quadratic near the target, linear
// (robust to outliers) far from it.
func HuberLoss(pred, target *nabla.Tensor, delta float64, r Reduction) *nabla.Tensor {
	checkPair("HuberLoss", pred, target)
	if !(delta > 0) {
		panicf("HuberLoss", "delta %v is not positive", delta)
	}
	d := nabla.Abs(nabla.Sub(pred, target))
	// With q = min(d, δ): ½q² + δ(d − q) is ½d² below δ and δ(d − ½δ) above,
	// with no branch to differentiate.
	q := nabla.Clamp(d, 0, delta)
	loss := nabla.Add(nabla.MulScalar(nabla.Square(q), 0.5), nabla.MulScalar(nabla.Sub(d, q), delta))
	return reduce("HuberLoss", loss, r)
}

// BCELoss returns the binary cross-entropy −[y·log p + (1−y)·log(1−p)] of
// probabilities p in [0, 1] against targets y, reduced by r. As in PyTorch,
// each log is clamped at −100, so that p = 0 or 1 gives a finite loss; where
// the clamp is active the gradient is 0 (the clamped function's derivative)
// rather than PyTorch's large finite value. Prefer BCEWithLogitsLoss, which
// needs no clamp.
func BCELoss(prob, target *nabla.Tensor, r Reduction) *nabla.Tensor {
	checkPair("BCELoss", prob, target)
	for i, p := range prob.Float64s() {
		if !(p >= 0 && p <= 1) {
			panicf("BCELoss", "probability %v at position %d is not in [0, 1]", p, i)
		}
	}
	pos := nabla.Mul(target, clampedLog(prob))
	neg := nabla.Mul(nabla.RSub(1, target), clampedLog(nabla.RSub(1, prob)))
	return reduce("BCELoss", nabla.Neg(nabla.Add(pos, neg)), r)
}

// clampedLog returns max(log p, −100) for p ≥ 0. Where p = 0 the log is
// taken of 1 instead and discarded (the "double where"), so that no 0/0 from
// log's derivative reaches the gradient.
func clampedLog(p *nabla.Tensor) *nabla.Tensor {
	pos := maskOf(p, func(v float64) bool { return v > 0 })
	safe := nabla.Where(pos, p, nabla.OnesLike(p))
	return nabla.Where(pos, nabla.Clamp(nabla.Log(safe), -100, math.Inf(1)), nabla.FullLike(p, -100))
}

// BCEWithLogitsLoss returns the binary cross-entropy of sigmoid(x) against
// targets y, computed from the logits x as y·softplus(−x) + (1−y)·softplus(x),
// reduced by r. It is exact for logits of any size: ±1000 gives the right
// finite loss, and ±Inf gives 0 where the label agrees and +Inf where it
// disagrees, never NaN; the gradient σ(x) − y stays finite throughout.
func BCEWithLogitsLoss(logits, target *nabla.Tensor, r Reduction) *nabla.Tensor {
	checkPair("BCEWithLogitsLoss", logits, target)
	// −log σ(x) = softplus(−x) and −log(1−σ(x)) = softplus(x).
	pos := mulNoNaN(target, nabla.Softplus(nabla.Neg(logits)))
	neg := mulNoNaN(nabla.RSub(1, target), nabla.Softplus(logits))
	return reduce("BCEWithLogitsLoss", nabla.Add(pos, neg), r)
}

// mulNoNaN returns a·b (same shapes), taken as 0 wherever a is 0 even if b
// is infinite; b is masked before the product too, so that the gradients stay
// free of 0·Inf as well.
func mulNoNaN(a, b *nabla.Tensor) *nabla.Tensor {
	nz := maskOf(a, func(v float64) bool { return v != 0 })
	zero := nabla.ZerosLike(a)
	return nabla.Where(nz, nabla.Mul(a, nabla.Where(nz, b, zero)), zero)
}

// maskOf returns a constant tensor like x holding 1 where keep(x) and 0
// elsewhere, for Where.
func maskOf(x *nabla.Tensor, keep func(float64) bool) *nabla.Tensor {
	m := nabla.ZerosLike(x)
	vals := x.Float64s()
	i := 0
	fill(m, func() float64 {
		v := vals[i]
		i++
		if keep(v) {
			return 1
		}
		return 0
	})
	return m
}
