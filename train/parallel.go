package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/data"
	"github.com/nabla-go/nabla/dist"
	"github.com/nabla-go/nabla/nn"
	"github.com/nabla-go/nabla/optim"
)

// Data-parallel training. Each worker (a goroutine of runLocal, or a
// process under mpirun) holds a replica of the job: model, optimizer,
// scheduler and random streams, its own tape and arena. At each step every
// worker draws the same permutation, takes its shard of the global batch
// (rows [r·B/n, (r+1)·B/n) of a batch of B rows), computes the gradient of
// its part of the batch's mean loss, Σ_shard ℓᵢ / B, and the workers add up
// their gradients with dist.Comm.AllreduceSum, in rank order. Every replica
// then holds the gradient of the whole batch, bit for bit the same, and
// applies the same update; the math is the one-worker math, the rounding of
// the sums differs (1e-15 relative per step, well inside 1e-12 after
// epochs; see TestWorkersMatchOneWorker).
//
// What is and is not the one-worker run:
//   - augmentation: every worker draws the transforms of the whole batch
//     and applies those of its shard: the same images as one worker;
//   - dropout: every worker skips the random numbers of the shards before
//     its own and after it: the same masks as one worker;
//   - batch normalisation: each worker normalises its shard with the
//     shard's statistics, as PyTorch's DistributedDataParallel does without
//     SyncBatchNorm; that is a different model from one worker's for the
//     whole batch (a batch of 128 on 4 workers normalises over 32 samples).
//     The running statistics are rank 0's, copied to the others before each
//     evaluation (PyTorch broadcasts them at every forward pass).

// MaxWorkers bounds Config.Workers.
const MaxWorkers = 256

// workers returns the number of goroutines that train j: Config.Workers,
// or when 0 the automatic choice, autoWorkers(GOMAXPROCS).
func (j *job) workers() int {
	if j.cfg.Workers > 0 {
		return j.cfg.Workers
	}
	return j.autoWorkers(runtime.GOMAXPROCS(0))
}

// macsPerWorker is the least work, in multiply-adds of a step's forward
// pass, that the automatic choice gives each worker, and minShardRows the
// fewest rows of a batch. Measured on a 2-core machine (bench report, dist
// section, and alternating CLI runs, docs/DISTRIBUTED.md), two workers
// against one: the Fashion-MNIST MLP at batch 128 (26 M multiply-adds a
// step, 64-row shards) 0.58–0.60×; the digits MLP at batch 256 (4.9 M)
// 0.39–0.51×, at 128 (2.4 M) 0.55–0.57×, at 64 (1.2 M, 32-row shards)
// 0.85–0.89×, but at batch 32 (0.6 M, 16-row shards) 0.83–1.04×: a
// shard's step has costs that do not shrink with its rows (the operations'
// own, packing a weight matrix for each product), which 16 rows do not
// repay dependably.
const (
	macsPerWorker = 1 << 19
	minShardRows  = 32
)

// autoWorkers returns the number of workers that --workers 0 trains j
// with on procs cores: one per macsPerWorker multiply-adds of a step's
// forward pass and per minShardRows rows of a batch, at most procs, and one
// when the model has buffers (batch normalisation's statistics would be
// those of a shard, a different model). Workers with float32 parameters
// do not share the update (see sharder): each runs all of it, and their
// gradients are packed into float64 for the allreduce, so they get twice
// the work each. Measured two against one, float32: the Fashion-MNIST MLP
// at batch 128 0.70×, digits at 128 0.63–0.65×, but at 64 1.12× and at 32
// 1.45× (CLI runs, docs/DISTRIBUTED.md).
func (j *job) autoWorkers(procs int) int {
	if procs < 2 || len(nn.Buffers(j.model)) > 0 {
		return 1
	}
	per := macsPerWorker
	if j.cfg.dtype() != nabla.Float64 {
		per *= 2
	}
	// A matrix parameter of r×c values costs r·c multiply-adds a sample
	// (exactly for a Linear layer; a convolution's kernel costs that at
	// every output position, so this undercounts a CNN).
	perSample := 0
	for _, p := range j.params {
		if len(p.Shape()) >= 2 {
			perSample += p.Size()
		}
	}
	n := perSample * j.cfg.BatchSize / per
	return max(1, min(n, procs, j.cfg.BatchSize/minShardRows))
}

// validWorkers checks Config.Workers.
func (c Config) validWorkers() error {
	switch {
	case c.Workers < 0 || c.Workers > MaxWorkers:
		return fmt.Errorf("workers (--workers) must be in [1, %d] (0: automatic), got %d", MaxWorkers, c.Workers)
	case c.Workers > c.BatchSize:
		return fmt.Errorf("--workers %d is more than --batch-size %d: each worker needs at least one sample of every batch", c.Workers, c.BatchSize)
	}
	return nil
}

func (j *job) rank() int {
	if j.comm == nil {
		return 0
	}
	return j.comm.Rank()
}

func (j *job) size() int {
	if j.comm == nil {
		return 1
	}
	return j.comm.Size()
}

// runLocal trains j with n goroutines: j is rank 0, which reports progress
// and writes the run directory; the others are replicas built from the same
// data (shared, read only) and, when resuming, the same checkpoint.
func runLocal(ctx context.Context, j *job, saved *Checkpoint, n int, o Options, start time.Time) (*Result, error) {
	comms := dist.Local(n)
	jobs := []*job{j}
	for range n - 1 {
		r, err := assemble(j.cfg, j.train, j.test, j.scaler)
		if err != nil {
			return nil, err
		}
		if saved != nil {
			if err := r.restore(saved); err != nil {
				return nil, inputErr(fmt.Errorf("cannot resume from %s: %w", j.cfg.OutDir, err))
			}
		}
		jobs = append(jobs, r)
	}
	results := make([]*Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r, w := range jobs {
		w.comm = comms[r]
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				// A panic in one worker must stop the others, not leave
				// them waiting in a collective.
				if p := recover(); p != nil {
					errs[r] = fmt.Errorf("worker %d: %v", r, p)
					w.comm.Abort(errs[r])
				}
			}()
			opts := o
			if r != 0 {
				opts = Options{}
			}
			results[r], errs[r] = w.run(ctx, opts, start)
			if errs[r] != nil && !errors.Is(errs[r], ErrInterrupted) {
				w.comm.Abort(errs[r])
			}
		}()
	}
	wg.Wait()
	// The cause, not the echo of an abort in the other workers.
	for _, err := range errs {
		var ae *dist.AbortError
		if err != nil && !errors.As(err, &ae) && !errors.Is(err, ErrInterrupted) {
			return nil, err
		}
	}
	return results[0], errs[0]
}

// parallelStep computes this worker's part of the gradient of the batch
// idx, sums the parts of all workers into every replica's gradients and
// returns the batch's mean loss. stop is this worker's wish to stop
// (interrupted); the step stops, on every worker alike, when any wishes it,
// before the update.
func (j *job) parallelStep(idx []int, stop bool) (loss float64, stopAll bool, err error) {
	loss = j.shardGrad(idx)
	if vr, ok := j.comm.(dist.VecReducer); ok {
		if bufs := j.gradSlices(); bufs != nil {
			// Goroutine workers sum float64 gradients where they lie.
			tail := bufs[len(bufs)-1]
			tail[0], tail[1] = loss, 0
			if stop {
				tail[1] = 1
			}
			if err := vr.AllreduceSumVec(bufs); err != nil {
				return 0, false, err
			}
			return tail[0], tail[1] > 0, nil
		}
	}
	buf := j.packGrads()
	buf[len(buf)-2] = loss
	buf[len(buf)-1] = 0
	if stop {
		buf[len(buf)-1] = 1
	}
	if err := j.comm.AllreduceSum(buf); err != nil {
		return 0, false, err
	}
	j.unpackGrads()
	return buf[len(buf)-2], buf[len(buf)-1] > 0, nil
}

// shardGrad computes this worker's part of the gradient of the batch idx
// (the gradient of its shard's share of the batch's mean loss) into the
// parameters' gradients and returns that share of the loss, keeping the
// dropout stream in step with one worker's. When the workers share a host,
// the step's kernels keep to this worker's goroutine (Tape.SetSerial): the
// other workers occupy the other cores.
func (j *job) shardGrad(idx []int) float64 {
	n, r := j.size(), j.rank()
	lo, hi := r*len(idx)/n, (r+1)*len(idx)/n
	j.opt.ZeroGrad()
	j.skipDropout(lo)
	var loss float64
	if hi > lo {
		x, y := j.shard(j.train, idx, lo, hi, j.augment)
		if j.tape == nil {
			j.tape = nabla.NewTape()
			j.tape.SetSerial(j.serial())
		}
		j.tape.Bind(x)
		var l *nabla.Tensor
		j.arena.Do(j.tape, func() {
			// This shard's share of the batch's mean loss.
			l = nn.CrossEntropyLoss(j.model.Forward(x), y, &nn.ClassOptions{Reduction: nn.Sum, LabelSmoothing: j.cfg.LabelSmoothing})
			l = nabla.DivScalar(l, float64(len(idx)))
			l.Backward()
		})
		loss = l.Item()
		j.arena.Release()
	}
	j.skipDropout(len(idx) - hi)
	return loss
}

// serial reports whether this worker's kernels should keep to its own
// goroutine: when the workers of the group that share this host are at
// least as many as the cores this process may use (GOMAXPROCS), so that
// they occupy every core already. One worker splits its matrix products
// across the cores; two workers that each do fight for them (measured in
// docs/DISTRIBUTED.md). With fewer workers than cores (one MPI rank per
// socket, say) the kernels split as usual.
func (j *job) serial() bool {
	local := j.size()
	if ls, ok := j.comm.(dist.LocalSizer); ok {
		local = ls.LocalSize()
	}
	return local > 1 && local >= runtime.GOMAXPROCS(0)
}

// sharder returns the group's dist.Sharder when the workers share the work
// of each update (sharedStep): the Comm implements it, the group has more
// than one worker and every parameter is float64 (the collectives move
// float64 values where they lie). Otherwise nil, and every worker runs the
// whole update after an AllreduceSum (parallelStep).
func (j *job) sharder() dist.Sharder {
	s, ok := j.comm.(dist.Sharder)
	if !ok || j.size() == 1 {
		return nil
	}
	for _, p := range j.params {
		if p.DType() != nabla.Float64 {
			return nil
		}
	}
	return s
}

// sharedStep is a training step whose update the workers share, one
// segment of the parameters (laid end to end) each, as ZeRO stage 1 and
// PyTorch's ZeroRedundancyOptimizer do:
//
//  1. each worker computes its shard's gradient (shardGrad);
//  2. ReduceScatterSum leaves each worker the sum over workers, in rank
//     order, of its segment of the gradients, and every worker the
//     batch's loss and the stop flags;
//  3. with --clip, one more collective gathers each segment's sum of
//     squares, so that every worker computes the same global norm;
//  4. each worker applies the optimizer to its segment (StepRange);
//  5. Allgather copies every segment of the parameters to every worker,
//     with each segment's sum of squares (the norm, without --clip).
//
// Every worker ends with the bits one AllreduceSum and a whole Step on
// every worker would give, but the update is done once, not on each
// worker, and the ranks meet twice per step (three times with --clip).
// The optimizer's buffers are current only in each worker's own segment:
// gatherOptimizer completes them before a checkpoint.
//
// It returns the batch's mean loss and the gradient's global norm (before
// clipping), or stopAll when any worker wished to stop (stop), before any
// update.
func (j *job) sharedStep(s dist.Sharder, idx []int, stop bool) (loss, norm float64, stopAll bool, err error) {
	loss = j.shardGrad(idx)
	grads, params := j.views()
	aux := j.aux[:2]
	aux[0], aux[1] = loss, 0
	if stop {
		aux[1] = 1
	}
	if err := s.ReduceScatterSum(grads, aux); err != nil {
		return 0, 0, false, err
	}
	if aux[1] > 0 {
		return 0, 0, true, nil
	}
	lo, hi := s.Segment(j.nparams)
	var sq float64
	eachPart(grads, lo, hi, func(g []float64) { sq += sumSquares(g) })
	if j.cfg.Clip > 0 {
		if err := s.Allgather(nil, sq, j.norms); err != nil {
			return 0, 0, false, err
		}
		norm = rootSum(j.norms)
		if math.IsNaN(norm) || math.IsInf(norm, 0) {
			return 0, 0, false, fmt.Errorf("optim: ClipGradNorm: total norm %v of %d parameters: %w", norm, len(j.params), optim.ErrNonFiniteNorm)
		}
		// As optim.ClipGradNorm, on this worker's segment.
		if c := j.cfg.Clip / (norm + 1e-6); c < 1 {
			eachPart(grads, lo, hi, func(g []float64) {
				for i := range g {
					g[i] *= c
				}
			})
		}
	}
	j.opt.StepRange(lo, hi)
	if err := s.Allgather(params, sq, j.norms); err != nil {
		return 0, 0, false, err
	}
	if j.cfg.Clip == 0 {
		norm = rootSum(j.norms)
	}
	return aux[0], norm, false, nil
}

// sumSquares returns Σ g[i]², in four interleaved partial sums added at
// the end, ((s₀ + s₁) + s₂) + s₃, with s_k the sum of g[i]² over i ≡ k
// (mod 4) in order: a fixed order, so every worker and every MPI rank that
// sums a segment gets the same bits, and four chains of additions instead
// of one, which waits on each addition's latency (0.8 ns a value: 8 µs per
// step on a digits MLP worker's half of the parameters, 4 µs in four
// chains, measured in thread CPU time).
func sumSquares(g []float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(g); i += 4 {
		v := g[i : i+4 : i+4]
		s0 += v[0] * v[0]
		s1 += v[1] * v[1]
		s2 += v[2] * v[2]
		s3 += v[3] * v[3]
	}
	for ; i < len(g); i++ {
		s0 += g[i] * g[i]
	}
	return ((s0 + s1) + s2) + s3
}

// rootSum returns the square root of the sum of v, added in order.
func rootSum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return math.Sqrt(s)
}

// eachPart calls f on the parts of bufs inside [lo, hi) of their
// concatenation.
func eachPart(bufs [][]float64, lo, hi int, f func([]float64)) {
	off := 0
	for _, b := range bufs {
		from, to := max(lo-off, 0), min(hi-off, len(b))
		off += len(b)
		if from < to {
			f(b[from:to])
		}
	}
}

// views returns the parameters' float64 gradients and values as slices, in
// j.params's order (the optimizer's), giving a zero gradient to a parameter
// the backward pass did not reach. The lists are made once: the other
// workers read them between collectives (see dist.Sharder).
func (j *job) views() (grads, params [][]float64) {
	if j.gviews == nil {
		j.aux = make([]float64, 2)
		j.norms = make([]float64, j.size())
		for _, p := range j.params {
			j.nparams += p.Size()
			j.pviews = append(j.pviews, p.RawFloat64())
		}
		j.gviews = make([][]float64, len(j.params))
	}
	for i, p := range j.params {
		if p.Grad() == nil {
			p.SetGrad(nabla.New(p.DType(), p.Shape()...))
		}
		j.gviews[i] = p.Grad().RawFloat64()
	}
	return j.gviews, j.pviews
}

// gatherOptimizer completes every worker's optimizer buffers from the
// segments the other workers updated (see sharedStep), so that the state a
// checkpoint saves is one worker's; every worker calls it at the end of an
// epoch of shared steps.
func (j *job) gatherOptimizer(s dist.Sharder) error {
	if j.norms == nil {
		j.norms = make([]float64, j.size())
	}
	for _, bufs := range j.opt.StateViews() {
		if slices.ContainsFunc(bufs, func(b []float64) bool { return b == nil }) {
			continue // not stepped yet: the same on every worker
		}
		if err := s.Allgather(bufs, 0, j.norms); err != nil {
			return err
		}
	}
	return nil
}

// gradSlices returns the parameters' float64 gradients as slices, and a
// last slice of two for the loss and the stop flag, or nil when a gradient
// is missing or float32 (then packGrads serves). The list is reused.
func (j *job) gradSlices() [][]float64 {
	j.vec = j.vec[:0]
	for _, p := range j.params {
		g := p.Grad()
		if g == nil || g.DType() != nabla.Float64 {
			return nil
		}
		j.vec = append(j.vec, g.RawFloat64())
	}
	if j.tail == nil {
		j.tail = make([]float64, 2)
	}
	return append(j.vec, j.tail)
}

// packGrads copies the parameters' gradients (zero where a parameter has
// none) into j.flat, which keeps two more slots for the loss and the stop
// flag; it is allocated once.
func (j *job) packGrads() []float64 {
	if j.flat == nil {
		n := 2
		for _, p := range j.params {
			n += p.Size()
		}
		j.flat = make([]float64, n)
	}
	off := 0
	for _, p := range j.params {
		m := p.Size()
		dst := j.flat[off : off+m]
		switch g := p.Grad(); {
		case g == nil:
			clear(dst)
		case g.DType() == nabla.Float32:
			for i, v := range g.RawFloat32() {
				dst[i] = float64(v)
			}
		default:
			copy(dst, g.RawFloat64())
		}
		off += m
	}
	return j.flat
}

// unpackGrads writes the summed gradients of j.flat back.
func (j *job) unpackGrads() {
	off := 0
	for _, p := range j.params {
		m := p.Size()
		src := j.flat[off : off+m]
		g := p.Grad()
		if g == nil {
			g = nabla.New(p.DType(), p.Shape()...)
			p.SetGrad(g)
			g = p.Grad()
		}
		if g.DType() == nabla.Float32 {
			dst := g.RawFloat32()
			for i, v := range src {
				dst[i] = float32(v)
			}
		} else {
			copy(g.RawFloat64(), src)
		}
		off += m
	}
}

// dropoutWidth returns the number of random numbers the model's dropout
// layer draws per sample: the inputs of the last layer, a Linear that the
// dropout layer precedes (see buildModel and buildCNN).
func dropoutWidth(m nn.Module) int {
	if s, ok := m.(*nn.Sequential); ok && len(s.Layers) > 0 {
		if l, ok := s.Layers[len(s.Layers)-1].(*nn.Linear); ok {
			return l.Weight.Shape()[1]
		}
	}
	panic("train: the model with dropout does not end in a Linear layer")
}

// skipDropout advances the dropout stream past the masks of rows samples,
// one Float64 (one Uint64 of the source) per value.
func (j *job) skipDropout(rows int) {
	for range rows * j.dropWidth {
		j.dropout.Uint64()
	}
}

// stateTensors returns the tensors every replica must hold equal: the
// parameters and the buffers (running statistics), in a fixed order.
func (j *job) stateTensors(buffersOnly bool) []*nabla.Tensor {
	var ts []*nabla.Tensor
	if !buffersOnly {
		ts = append(ts, j.params...)
	}
	bufs := nn.Buffers(j.model)
	sort.Slice(bufs, func(a, b int) bool { return bufs[a].Name < bufs[b].Name })
	for _, b := range bufs {
		ts = append(ts, b.T)
	}
	return ts
}

// broadcastState copies rank 0's parameters and buffers to every rank.
func (j *job) broadcastState() error { return j.broadcast(j.stateTensors(false)) }

// syncBuffers copies rank 0's buffers (batch normalisation's running
// statistics, which each rank updates from its own shards) to every rank.
func (j *job) syncBuffers() error {
	if j.size() == 1 {
		return nil
	}
	return j.broadcast(j.stateTensors(true))
}

func (j *job) broadcast(ts []*nabla.Tensor) error {
	if len(ts) == 0 {
		return nil
	}
	n := 0
	for _, t := range ts {
		n += t.Size()
	}
	buf := make([]float64, n)
	off := 0
	for _, t := range ts {
		off += copy(buf[off:], t.Float64s())
	}
	if err := j.comm.Broadcast(buf, 0); err != nil {
		return err
	}
	off = 0
	for _, t := range ts {
		m := t.Size()
		if t.DType() == nabla.Float32 {
			dst := t.RawFloat32()
			for i, v := range buf[off : off+m] {
				dst[i] = float32(v)
			}
		} else {
			copy(t.RawFloat64(), buf[off:off+m])
		}
		off += m
	}
	return nil
}

// evaluateShared evaluates rank r's share of ds and adds up the losses and
// confusion counts of all ranks (counts are whole numbers, exact in
// float64).
func (j *job) evaluateShared(ds *data.Dataset) (loss, acc float64, confusion [][]int, err error) {
	n, r := j.size(), j.rank()
	sum, _, conf := evaluateRows(j.model, ds, j.cfg.dtype(), r*ds.N/n, (r+1)*ds.N/n, j.serial())
	k := ds.Classes
	buf := make([]float64, 1+k*k)
	buf[0] = sum
	for a := range k {
		for b := range k {
			buf[1+a*k+b] = float64(conf[a][b])
		}
	}
	if err := j.comm.AllreduceSum(buf); err != nil {
		return 0, 0, nil, err
	}
	correct := 0
	for a := range k {
		for b := range k {
			conf[a][b] = int(buf[1+a*k+b])
		}
		correct += conf[a][a]
	}
	return buf[0] / float64(ds.N), float64(correct) / float64(ds.N), conf, nil
}
