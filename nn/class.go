package nn

import (
	"github.com/nabla-go/nabla"
)

// ClassOptions configures CrossEntropyLoss and NLLLoss. A nil *ClassOptions
// means the defaults: mean reduction, no class weights, no label smoothing.
type ClassOptions struct {
	Reduction Reduction
	// Weight, when set, holds one weight per class: sample n's loss is
	// multiplied by Weight[label n], and the Mean reduction divides by the sum
	// of those weights rather than by the number of samples.
	Weight []float64
	// LabelSmoothing ε in [0, 1] mixes the one-hot target with the uniform
	// distribution: the target becomes (1−ε)·onehot + ε/C.
	LabelSmoothing float64
}

// CrossEntropyLoss returns the cross-entropy between softmax(logits) and
// integer class labels, for logits of shape (N, C) and N labels in [0, C). It
// is NLLLoss of LogSoftmax(logits), which stays exact for logits far apart
// (even 1000 apart). With weights w and smoothing ε, sample n with label y
// contributes
//
//	ℓₙ = (1−ε)·w_y·(−log pₙ,y) + (ε/C)·Σ_c w_c·(−log pₙ,c)
//
// and the Mean reduction returns Σₙ ℓₙ / Σₙ w_yₙ, exactly as PyTorch's
// torch.nn.CrossEntropyLoss with weight and label_smoothing.
func CrossEntropyLoss(logits *nabla.Tensor, labels []int, opts *ClassOptions) *nabla.Tensor {
	checkClasses("CrossEntropyLoss", logits, labels, opts)
	return nll("CrossEntropyLoss", nabla.LogSoftmax(logits, 1), labels, opts)
}

// NLLLoss returns the negative log-likelihood −log pₙ,yₙ of log-probabilities
// of shape (N, C) (from LogSoftmax) at N integer labels, weighted and
// reduced as CrossEntropyLoss describes. It accepts LabelSmoothing too, with
// the same formula.
func NLLLoss(logProbs *nabla.Tensor, labels []int, opts *ClassOptions) *nabla.Tensor {
	checkClasses("NLLLoss", logProbs, labels, opts)
	return nll("NLLLoss", logProbs, labels, opts)
}

func checkClasses(op string, x *nabla.Tensor, labels []int, opts *ClassOptions) {
	if x.Dims() != 2 {
		panicf(op, "input of shape %v is not (N, C)", x.Shape())
	}
	n, c := x.Dim(0), x.Dim(1)
	if len(labels) != n {
		panicf(op, "%d labels for %d samples", len(labels), n)
	}
	for i, y := range labels {
		if y < 0 || y >= c {
			panicf(op, "label %d of sample %d is not a class in [0, %d)", y, i, c)
		}
	}
	if opts == nil {
		return
	}
	if opts.Weight != nil && len(opts.Weight) != c {
		panicf(op, "%d class weights for %d classes", len(opts.Weight), c)
	}
	if e := opts.LabelSmoothing; !(e >= 0 && e <= 1) {
		panicf(op, "label smoothing %v is not in [0, 1]", e)
	}
}

func nll(op string, logp *nabla.Tensor, labels []int, opts *ClassOptions) *nabla.Tensor {
	var o ClassOptions
	if opts != nil {
		o = *opts
	}
	n, c := logp.Dim(0), logp.Dim(1)
	dt := logp.DType()

	// wy[n] = weight of sample n's label (1 without weights).
	wy := make([]float64, n)
	for i, y := range labels {
		wy[i] = 1
		if o.Weight != nil {
			wy[i] = o.Weight[y]
		}
	}
	picked := nabla.Reshape(nabla.TakeAlongAxis(logp, 1, labels), n)
	var loss *nabla.Tensor
	if o.Weight != nil {
		loss = nabla.Neg(nabla.Mul(nabla.FromSlice(wy).As(dt), picked))
	} else {
		loss = nabla.Neg(picked) // the weights are all 1: the same values, two ops fewer
	}

	if e := o.LabelSmoothing; e > 0 {
		all := logp
		if o.Weight != nil {
			all = nabla.Mul(logp, nabla.FromSlice(o.Weight).As(dt))
		}
		smooth := nabla.Neg(nabla.Sum(all, 1))
		loss = nabla.Add(nabla.MulScalar(loss, 1-e), nabla.MulScalar(smooth, e/float64(c)))
	}

	switch o.Reduction {
	case Mean:
		total := 0.0
		for _, w := range wy {
			total += w
		}
		return nabla.DivScalar(nabla.Sum(loss), total)
	case Sum:
		return nabla.Sum(loss)
	case None:
		return loss
	}
	panicf(op, "unknown reduction %d", int(o.Reduction))
	return nil
}
