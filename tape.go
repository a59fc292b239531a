package nabla

// A Tape is the engine state of one line of computation: whether operations
// record the graph (NoGrad, EnableGrad), whether they are checked for NaN and
// Inf (DetectAnomaly), and which Arena collects what they compute. Its modes
// travel with the data: a tensor bound to a tape (Bind), and every tensor
// computed from one, computes in that tape's modes, whichever goroutine runs
// the operation. Tensors bound to no tape (every tensor a constructor makes)
// compute in the default tape's modes, which the package-level NoGrad,
// EnableGrad and DetectAnomaly set.
//
// A Tape is not safe for concurrent use: give each goroutine that builds or
// evaluates graphs its own (NewTape), and bind to it the tensors that
// goroutine creates (its inputs, its batches). Tensors that goroutines only
// read — weights, constants, data — may be shared by any number of them.
type Tape struct {
	noGrad  bool
	anomaly bool
}

// NewTape returns a new tape: recording on, anomaly mode off, no arena.
func NewTape() *Tape { return &Tape{} }

// Bind makes each of ts belong to tp: the operations that read them run in
// tp's modes, and what they compute belongs to tp too. A tensor already bound
// to another tape is an error.
func (tp *Tape) Bind(ts ...*Tensor) {}

// NoGrad runs f with graph recording off for the operations on tp's tensors,
// as torch.no_grad does for one thread. Scopes nest.
func (tp *Tape) NoGrad(f func()) {
	prev := tp.noGrad
	tp.noGrad = true
	defer func() { tp.noGrad = prev }()
	f()
}

// EnableGrad runs f with graph recording on for the operations on tp's
// tensors, even inside tp.NoGrad.
func (tp *Tape) EnableGrad(f func()) {
	prev := tp.noGrad
	tp.noGrad = false
	defer func() { tp.noGrad = prev }()
	f()
}

// GradEnabled reports whether operations on tp's tensors record the graph.
func (tp *Tape) GradEnabled() bool { return !tp.noGrad }

// SetAnomalyDetection switches anomaly mode on or off for the operations on
// tp's tensors and returns the previous setting (see the package-level
// SetAnomalyDetection).
func (tp *Tape) SetAnomalyDetection(on bool) bool {
	prev := tp.anomaly
	tp.anomaly = on
	return prev
}

// DetectAnomaly runs f with anomaly mode on for the operations on tp's
// tensors.
func (tp *Tape) DetectAnomaly(f func()) {
	prev := tp.SetAnomalyDetection(true)
	defer tp.SetAnomalyDetection(prev)
	f()
}

// Tape returns the tape t belongs to, or nil for the default tape.
func (t *Tensor) Tape() *Tape { return nil }
