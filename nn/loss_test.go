package nn

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
)

var dtypes = []nabla.DType{nabla.Float64, nabla.Float32}

// tol is the agreement expected of a computation in dtype dt.
func tol(dt nabla.DType) float64 {
	if dt == nabla.Float32 {
		return 1e-5
	}
	return 1e-12
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*(1+math.Abs(b)) }

func allFinite(t *testing.T, what string, x *nabla.Tensor) {
	t.Helper()
	for i, v := range x.Float64s() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s[%d] = %v", what, i, v)
		}
	}
}

func TestRegressionLossValues(t *testing.T) {
	pred := []float64{1, -2, 0.5, 4}
	target := []float64{0, 1, 0, 0}
	// d = 1, 3, 0.5, 4
	tests := []struct {
		name string
		f    func(p, y *nabla.Tensor, r Reduction) *nabla.Tensor
		each []float64
	}{
		{"MSE", MSELoss, []float64{1, 9, 0.25, 16}},
		{"L1", L1Loss, []float64{1, 3, 0.5, 4}},
		{"Huber/delta=1", func(p, y *nabla.Tensor, r Reduction) *nabla.Tensor { return HuberLoss(p, y, 1, r) },
			[]float64{0.5, 2.5, 0.125, 3.5}},
		{"Huber/delta=2", func(p, y *nabla.Tensor, r Reduction) *nabla.Tensor { return HuberLoss(p, y, 2, r) },
			[]float64{0.5, 4, 0.125, 6}},
	}
	for _, tc := range tests {
		for _, dt := range dtypes {
			t.Run(tc.name+"/"+dt.String(), func(t *testing.T) {
				p, y := nabla.FromSlice(pred).As(dt), nabla.FromSlice(target).As(dt)
				sum := 0.0
				for _, v := range tc.each {
					sum += v
				}
				if got := tc.f(p, y, None).Float64s(); !slices.Equal(got, tc.each) {
					t.Errorf("none: %v, want %v", got, tc.each)
				}
				if got := tc.f(p, y, Sum).Item(); !near(got, sum, tol(dt)) {
					t.Errorf("sum: %v, want %v", got, sum)
				}
				if got := tc.f(p, y, Mean).Item(); !near(got, sum/4, tol(dt)) {
					t.Errorf("mean: %v, want %v", got, sum/4)
				}
			})
		}
	}
}

func TestBCEValues(t *testing.T) {
	p := []float64{0.9, 0.2, 0.6}
	y := []float64{1, 0, 0.3}
	logits := []float64{2, -1, 0.5}
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			want := 0.0
			for i := range p {
				want -= y[i]*math.Log(p[i]) + (1-y[i])*math.Log(1-p[i])
			}
			got := BCELoss(nabla.FromSlice(p).As(dt), nabla.FromSlice(y).As(dt), Sum).Item()
			if !near(got, want, tol(dt)) {
				t.Errorf("BCELoss = %v, want %v", got, want)
			}
			want = 0
			for i, x := range logits {
				s := 1 / (1 + math.Exp(-x))
				want -= y[i]*math.Log(s) + (1-y[i])*math.Log(1-s)
			}
			got = BCEWithLogitsLoss(nabla.FromSlice(logits).As(dt), nabla.FromSlice(y).As(dt), Sum).Item()
			if !near(got, want, tol(dt)) {
				t.Errorf("BCEWithLogitsLoss = %v, want %v", got, want)
			}
		})
	}
}

func TestBCEExtremes(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name     string
		logits   []float64
		target   []float64
		wantLoss []float64
		wantGrad []float64 // σ(x) − y
	}{
		{"agreeing-1000", []float64{1000, -1000}, []float64{1, 0}, []float64{0, 0}, []float64{0, 0}},
		{"disagreeing-1000", []float64{1000, -1000}, []float64{0, 1}, []float64{1000, 1000}, []float64{1, -1}},
		{"agreeing-inf", []float64{inf, -inf}, []float64{1, 0}, []float64{0, 0}, []float64{0, 0}},
		{"disagreeing-inf", []float64{inf, -inf}, []float64{0, 1}, []float64{inf, inf}, []float64{1, -1}},
		{"soft-1000", []float64{1000, -1000}, []float64{0.25, 0.25}, []float64{750, 250}, []float64{0.75, -0.25}},
	}
	for _, tc := range tests {
		for _, dt := range dtypes {
			t.Run(tc.name+"/"+dt.String(), func(t *testing.T) {
				x := nabla.FromSlice(tc.logits).As(dt).SetRequiresGrad(true)
				loss := BCEWithLogitsLoss(x, nabla.FromSlice(tc.target).As(dt), None)
				if got := loss.Float64s(); !slices.Equal(got, tc.wantLoss) {
					t.Errorf("loss %v, want %v", got, tc.wantLoss)
				}
				nabla.Sum(loss).Backward()
				allFinite(t, "grad", x.Grad())
				if got := x.Grad().Float64s(); !slices.Equal(got, tc.wantGrad) {
					t.Errorf("grad %v, want %v", got, tc.wantGrad)
				}
			})
		}
	}
}

func TestBCEClampsLogs(t *testing.T) {
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			p := nabla.FromSlice([]float64{0, 1, 0, 1}).As(dt).SetRequiresGrad(true)
			y := nabla.FromSlice([]float64{0, 1, 1, 0}).As(dt)
			loss := BCELoss(p, y, None)
			if got, want := loss.Float64s(), []float64{0, 0, 100, 100}; !slices.Equal(got, want) {
				t.Errorf("loss %v, want %v", got, want)
			}
			nabla.Mean(loss).Backward()
			allFinite(t, "grad", p.Grad())
		})
	}
}

// crossEntropyByHand computes PyTorch's weighted, label-smoothed
// cross-entropy with plain float64 arithmetic from its definition: the target
// distribution q = (1−ε)·onehot + ε/C, sample loss −Σ_c w_c·q_c·log softmax_c,
// mean divided by Σ w_y.
func crossEntropyByHand(logits [][]float64, labels []int, w []float64, eps float64) (each []float64, mean float64) {
	totalW := 0.0
	for n, row := range logits {
		c := len(row)
		z := 0.0
		for _, v := range row {
			z += math.Exp(v)
		}
		l := 0.0
		for k, v := range row {
			q := eps / float64(c)
			if k == labels[n] {
				q += 1 - eps
			}
			l -= w[k] * q * math.Log(math.Exp(v)/z)
		}
		each = append(each, l)
		mean += l
		totalW += w[labels[n]]
	}
	return each, mean / totalW
}

func TestCrossEntropyValues(t *testing.T) {
	logits := [][]float64{{1, 2, 3}, {1, -1, 0.5}}
	flat := append(slices.Clone(logits[0]), logits[1]...)
	labels := []int{2, 0}
	ones := []float64{1, 1, 1}
	tests := []struct {
		name string
		w    []float64
		eps  float64
	}{
		{"plain", nil, 0},
		{"smoothing", nil, 0.1},
		{"weights", []float64{0.2, 1, 2}, 0},
		{"weights+smoothing", []float64{0.2, 1, 2}, 0.3},
	}
	for _, tc := range tests {
		for _, dt := range dtypes {
			t.Run(tc.name+"/"+dt.String(), func(t *testing.T) {
				w := tc.w
				if w == nil {
					w = ones
				}
				each, mean := crossEntropyByHand(logits, labels, w, tc.eps)
				x := nabla.FromSlice(flat, 2, 3).As(dt)
				opts := func(r Reduction) *ClassOptions {
					return &ClassOptions{Reduction: r, Weight: tc.w, LabelSmoothing: tc.eps}
				}
				if got := CrossEntropyLoss(x, labels, opts(Mean)).Item(); !near(got, mean, tol(dt)) {
					t.Errorf("mean %v, want %v", got, mean)
				}
				if got := CrossEntropyLoss(x, labels, opts(Sum)).Item(); !near(got, each[0]+each[1], tol(dt)) {
					t.Errorf("sum %v, want %v", got, each[0]+each[1])
				}
				got := CrossEntropyLoss(x, labels, opts(None)).Float64s()
				for i := range each {
					if !near(got[i], each[i], tol(dt)) {
						t.Errorf("none[%d] = %v, want %v", i, got[i], each[i])
					}
				}
				// NLLLoss of log-probabilities is the same loss.
				if got := NLLLoss(nabla.LogSoftmax(x, 1), labels, opts(Mean)).Item(); !near(got, mean, tol(dt)) {
					t.Errorf("NLLLoss mean %v, want %v", got, mean)
				}
			})
		}
	}
	t.Run("pytorch", func(t *testing.T) {
		// torch.nn.functional.cross_entropy(torch.tensor([[1., 2., 3.]]), torch.tensor([2]))
		got := CrossEntropyLoss(nabla.FromSlice([]float64{1, 2, 3}, 1, 3), []int{2}, nil).Item()
		if !near(got, 0.40760596444438, 1e-12) {
			t.Errorf("got %v", got)
		}
	})
}

func TestCrossEntropyExtremes(t *testing.T) {
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			x := nabla.FromSlice([]float64{1000, 0, -1000, 1000, 0, -1000, 1000, 0, -1000}, 3, 3).As(dt).SetRequiresGrad(true)
			loss := CrossEntropyLoss(x, []int{0, 1, 2}, &ClassOptions{Reduction: None})
			if got, want := loss.Float64s(), []float64{0, 1000, 2000}; !slices.Equal(got, want) {
				t.Errorf("loss %v, want %v", got, want)
			}
			nabla.Sum(loss).Backward()
			// softmax − onehot: each row is (1,0,0) − onehot.
			want := []float64{0, 0, 0, 1, -1, 0, 1, 0, -1}
			if got := x.Grad().Float64s(); !slices.Equal(got, want) {
				t.Errorf("grad %v, want %v", got, want)
			}
			smooth := CrossEntropyLoss(x.Detach(), []int{0, 1, 2}, &ClassOptions{LabelSmoothing: 0.1})
			allFinite(t, "smoothed loss", smooth)
		})
	}
}

func TestLossMisuse(t *testing.T) {
	x := nabla.Zeros(2, 3)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"label-range", func() { CrossEntropyLoss(x, []int{0, 3}, nil) }, "label 3 of sample 1"},
		{"label-negative", func() { CrossEntropyLoss(x, []int{-1, 0}, nil) }, "label -1 of sample 0"},
		{"label-count", func() { CrossEntropyLoss(x, []int{0}, nil) }, "1 labels for 2 samples"},
		{"weight-count", func() { NLLLoss(x, []int{0, 1}, &ClassOptions{Weight: []float64{1, 2}}) }, "2 class weights for 3 classes"},
		{"smoothing", func() { CrossEntropyLoss(x, []int{0, 1}, &ClassOptions{LabelSmoothing: 1.5}) }, "label smoothing"},
		{"not-matrix", func() { CrossEntropyLoss(nabla.Zeros(3), []int{0}, nil) }, "is not (N, C)"},
		{"reduction", func() { MSELoss(x, x, Reduction(7)) }, "unknown reduction"},
		{"shape", func() { MSELoss(x, nabla.Zeros(3), Mean) }, "differ"},
		{"dtype", func() { L1Loss(x, x.As(nabla.Float32), Mean) }, "float32"},
		{"probability", func() { BCELoss(nabla.FromSlice([]float64{1.5}), nabla.Zeros(1), Mean) }, "not in [0, 1]"},
		{"huber-delta", func() { HuberLoss(x, x, 0, Mean) }, "not positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := nabla.Catch(tc.f)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "nn.") {
				t.Errorf("got %v, want an nn error mentioning %q", err, tc.want)
			}
		})
	}
}
