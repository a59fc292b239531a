package train

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/data"
	"github.com/nabla-go/nabla/dist"
	"github.com/nabla-go/nabla/nn"
	"github.com/nabla-go/nabla/optim"
)

// EpochMetrics are the figures recorded after each epoch.
type EpochMetrics struct {
	Epoch        int     `json:"epoch"`
	TrainLoss    float64 `json:"train_loss"`
	TestLoss     float64 `json:"test_loss"`
	TestAccuracy float64 `json:"test_accuracy"`
	LR           float64 `json:"lr"`
	GradNorm     float64 `json:"grad_norm"` // mean global gradient norm over the epoch's steps (before clipping)
	Seconds      float64 `json:"seconds"`
}

// Result summarises a finished (or interrupted) run.
type Result struct {
	Dataset      string         `json:"dataset"`
	Epochs       int            `json:"epochs"`
	TrainLoss    float64        `json:"train_loss"`
	TestLoss     float64        `json:"test_loss"`
	TestAccuracy float64        `json:"test_accuracy"`
	Seconds      float64        `json:"seconds"`
	Workers      int            `json:"workers"` // goroutines or MPI ranks that trained, each on a shard of every batch
	Checkpoint   string         `json:"checkpoint"`
	Interrupted  bool           `json:"interrupted,omitempty"`
	History      []EpochMetrics `json:"-"`
	Confusion    [][]int        `json:"-"`
}

// Progress receives events while a run trains; nil means silence.
type Progress interface {
	StartEpoch(epoch, epochs, batches int)
	Batch(done int, loss float64, samples int)
	EndEpoch(m EpochMetrics)
}

// Options are the settings of Run that are not part of the model's config.
type Options struct {
	// Resume continues from the checkpoint in Config.OutDir, with the
	// settings saved there; Config.Epochs, when not 0, is the new total.
	Resume    bool
	Overwrite bool     // start a new run in a directory that holds one, removing its files
	Progress  Progress // may be nil
	// Finish, when set, is called at the end of a run, completed or
	// interrupted, with the full history and the run directory still
	// locked, to write more files into it: nabla train draws the loss and
	// accuracy curves with train/plot's Write. Its error is Run's.
	Finish func(dir string, history []EpochMetrics) error
	// Comm, when set, makes this call one rank of a data-parallel job of
	// Comm.Size() processes (dist.OpenMPI under mpirun): every rank calls Run
	// with the same Config, reads the dataset and computes the gradient of
	// its shard of each batch; rank 0 alone locks and writes the run
	// directory and calls Progress and Finish. On resume every rank reads
	// the checkpoint from Config.OutDir. A rank that fails calls
	// Comm.Abort, which stops the whole job. Config.Workers must then be 0
	// or 1: one worker per rank.
	Comm dist.Comm
}

// ErrInterrupted is returned, with the partial result, when the context is
// cancelled; the checkpoint of the last completed epoch has been kept.
var ErrInterrupted = errors.New("training interrupted")

// job is the state of a run.
type job struct {
	cfg         Config
	train, test *data.Dataset
	scaler      data.Scaler
	model       nn.Module
	params      []*nabla.Tensor
	opt         *optim.Optimizer
	sched       *optim.Scheduler
	shuffle     *rand.Rand
	pcg         *rand.PCG
	augment     *augmenter            // nil when the run does not augment
	inputs      map[int]*nabla.Tensor // batch tensors by row count, refilled each step
	epoch       int
	history     []EpochMetrics
	tape        *nabla.Tape // the job's engine state: each batch is bound to it
	arena       nabla.Arena // recycles each training step's graph
	dropout     *rand.PCG   // the dropout masks' source, reseeded every epoch
	dropWidth   int         // random numbers the dropout layer draws per sample (0: no dropout)
	comm        dist.Comm   // the data-parallel group; nil: this job trains alone
	flat        []float64   // gradients, loss and stop flag, packed for AllreduceSum
	vec         [][]float64 // or the gradients where they lie, for dist.VecReducer
	tail        []float64   // then the loss and the stop flag
	// sharedStep's: the gradients and parameters where they lie, their
	// number, the loss and stop flag, and each worker's sum of squares.
	gviews, pviews [][]float64
	nparams        int
	aux, norms     []float64
	optState       map[string]*nabla.Tensor // the optimizer's state as the last save wrote it
}

// Run trains as configured and writes the run directory. Everything that
// can be checked (settings, dataset, model size, the directory) is checked
// before anything is written. The directory is locked for the run's
// duration, so two runs cannot share it; a new run refuses a directory that
// holds files unless Options.Overwrite is set, and a resumed run continues
// to the epochs it was started with unless Config.Epochs is set.
func Run(ctx context.Context, cfg Config, o Options) (res *Result, err error) {
	start := time.Now()
	comm := o.Comm
	if comm != nil && comm.Size() > 1 {
		// The other ranks would wait for this one forever.
		defer func() {
			if err != nil && !errors.Is(err, ErrInterrupted) {
				comm.Abort(err)
			}
		}()
	}
	lead := comm == nil || comm.Rank() == 0
	var saved *Checkpoint
	if o.Resume {
		saved, err = LoadCheckpoint(cfg.OutDir)
		if err != nil {
			return nil, inputErr(fmt.Errorf("cannot resume: %w", err))
		}
		var old Config
		if err := json.Unmarshal([]byte(saved.Metadata["config"]), &old); err != nil {
			return nil, inputErr(fmt.Errorf("cannot resume: checkpoint config: %w", err))
		}
		if err := old.Validate(); err != nil {
			return nil, inputErr(fmt.Errorf("cannot resume: checkpoint config: %w", err))
		}
		epoch, err := strconv.Atoi(saved.Metadata["epoch"])
		if err != nil || epoch < 0 || epoch > MaxEpochs {
			return nil, inputErr(fmt.Errorf("cannot resume: checkpoint epoch %q is not a count", saved.Metadata["epoch"]))
		}
		switch {
		case cfg.Epochs == 0 && epoch >= old.Epochs:
			return nil, inputErr(fmt.Errorf("cannot resume: the run in %s has finished its %d epochs; give --epochs above %d to train further", cfg.OutDir, old.Epochs, epoch))
		case cfg.Epochs != 0 && cfg.Epochs <= epoch:
			return nil, inputErr(fmt.Errorf("cannot resume: the run in %s is at epoch %d already; --epochs %d must be above it", cfg.OutDir, epoch, cfg.Epochs))
		case cfg.Epochs != 0:
			old.Epochs = cfg.Epochs
		}
		if cfg.Workers != 0 {
			// The number of workers changes the rounding, not the math.
			old.Workers = cfg.Workers
		}
		old.OutDir, old.DataDir = cfg.OutDir, cfg.DataDir
		cfg = old
	}
	if comm != nil && cfg.Workers > 1 {
		return nil, inputErr(fmt.Errorf("--workers %d with a distributed run: each rank is one worker; start more ranks instead", cfg.Workers))
	}
	j, err := newJob(cfg)
	if err != nil {
		return nil, err
	}
	if lead {
		unlock, err := j.claimDir(o)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	if saved != nil {
		if err := j.restore(saved); err != nil {
			return nil, inputErr(fmt.Errorf("cannot resume from %s: %w", cfg.OutDir, err))
		}
	} else if lead {
		// The epoch-0 checkpoint means an interrupted run always has one to
		// resume from.
		if err := j.save(); err != nil {
			return nil, err
		}
	}
	if comm != nil {
		j.comm = comm
		return j.run(ctx, o, start)
	}
	if n := j.workers(); n > 1 {
		return runLocal(ctx, j, saved, n, o, start)
	}
	return j.run(ctx, o, start)
}

// claimDir locks the run directory; a new run creates it, checks that it
// is writable and, with Overwrite, empties it.
func (j *job) claimDir(o Options) (unlock func(), err error) {
	dir := j.cfg.OutDir
	if o.Resume {
		unlock, err := claim(dir, true)
		if err != nil {
			return nil, inputErr(err)
		}
		return unlock, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, inputErr(fmt.Errorf("output directory: %w", err))
	}
	unlock, err = claim(dir, o.Overwrite)
	if err != nil {
		return nil, inputErr(err)
	}
	if err := checkWritable(dir); err != nil {
		unlock()
		return nil, inputErr(err)
	}
	if o.Overwrite {
		if err := removeRunFiles(dir); err != nil {
			unlock()
			return nil, inputErr(err)
		}
	}
	return unlock, nil
}

func newJob(cfg Config) (*job, error) {
	if err := cfg.Validate(); err != nil {
		return nil, inputErr(err)
	}
	train, test, sc, err := loadData(cfg)
	if err != nil {
		return nil, inputErr(err)
	}
	if train.Y == nil || train.Classes < 2 {
		return nil, inputErr(fmt.Errorf("dataset %s has no class labels", cfg.Data))
	}
	if train.N == 0 || test.N == 0 {
		return nil, inputErr(fmt.Errorf("dataset %s splits into %d training and %d test samples; both need at least one (--test-fraction %v)", cfg.Data, train.N, test.N, cfg.TestFraction))
	}
	if err := checkSize(cfg, train.D, train.Image, train.Classes); err != nil {
		return nil, inputErr(err)
	}
	return assemble(cfg, train, test, sc)
}

// assemble builds the model, optimizer and random streams of a job on
// loaded data; every replica of a data-parallel run has its own.
func assemble(cfg Config, train, test *data.Dataset, sc data.Scaler) (*job, error) {
	dropout := rand.NewPCG(cfg.dropoutSeed(0))
	model := buildModel(cfg, train.D, train.Image, train.Classes, dropout)
	params := nn.Tensors(model)
	opt := buildOptimizer(cfg, params)
	j := &job{cfg: cfg, train: train, test: test, scaler: sc, model: model, params: params, opt: opt, dropout: dropout}
	if s := buildSchedule(cfg, j.stepsPerEpoch()); s != nil {
		j.sched = optim.NewScheduler(opt, s)
	}
	j.pcg = rand.NewPCG(cfg.Seed, purposeShuffle)
	j.shuffle = rand.New(j.pcg)
	if len(cfg.Augment) > 0 {
		if !train.IsImage() {
			return nil, inputErr(fmt.Errorf("--augment %s: dataset %s is not made of images", strings.Join(cfg.Augment, ","), cfg.Data))
		}
		a, err := cfg.augmentation(train.Image)
		if err != nil {
			return nil, inputErr(err)
		}
		j.augment = newAugmenter(a, train.Image, sc, rand.NewPCG(cfg.Seed, purposeAugment))
	}
	if cfg.Dropout > 0 {
		j.dropWidth = dropoutWidth(model)
	}
	return j, nil
}

func (j *job) stepsPerEpoch() int { return (j.train.N + j.cfg.BatchSize - 1) / j.cfg.BatchSize }

// batch returns the rows idx of ds as a tensor of the run's dtype and their
// labels; aug, when not nil, transforms each row. The tensor is the job's
// own for that number of rows, refilled at each call (the values of the
// previous batch are gone): a step allocates no sample data, which keeps the
// garbage of an epoch, and so the memory a run needs, small.
func (j *job) batch(ds *data.Dataset, idx []int, aug *augmenter) (*nabla.Tensor, []int) {
	return j.shard(ds, idx, 0, len(idx), aug)
}

// shard is batch for the rows idx[lo:hi] of a batch idx, hi > lo: aug draws
// the transforms of all of idx, in order, and applies those of the shard,
// so that the shards of a batch are augmented as the whole batch would be.
func (j *job) shard(ds *data.Dataset, all []int, lo, hi int, aug *augmenter) (*nabla.Tensor, []int) {
	idx := all[lo:hi]
	labels := make([]int, len(idx))
	for r, i := range idx {
		labels[r] = ds.Y[i]
	}
	x := j.inputs[len(idx)]
	if x == nil {
		if j.inputs == nil {
			j.inputs = map[int]*nabla.Tensor{}
		}
		x = nabla.New(j.cfg.dtype(), len(idx), ds.D)
		j.inputs[len(idx)] = x
	}
	if x.DType() == nabla.Float32 {
		data.Gather(x.RawFloat32(), ds, idx)
		aug.apply32(x.RawFloat32(), ds.D, lo, len(all))
	} else {
		data.Gather(x.RawFloat64(), ds, idx)
		aug.apply64(x.RawFloat64(), ds.D, lo, len(all))
	}
	return x, labels
}

func (j *job) run(ctx context.Context, o Options, start time.Time) (*Result, error) {
	prog := o.Progress
	lead := j.rank() == 0
	if !lead {
		prog = nil
	}
	res := &Result{Dataset: j.cfg.Data, Workers: j.size(), Checkpoint: filepath.Join(j.cfg.OutDir, CheckpointFile)}
	steps := j.stepsPerEpoch()
	interrupted := false
	if j.size() > 1 {
		// Replicas built from one seed are equal already; the broadcast
		// makes sure, and waits for every rank to be ready.
		if err := j.broadcastState(); err != nil {
			return nil, err
		}
	}
	for j.epoch < j.cfg.Epochs && !interrupted {
		t0 := time.Now()
		if prog != nil {
			prog.StartEpoch(j.epoch+1, j.cfg.Epochs, steps)
		}
		// The RNG state at the start of the epoch is what a checkpoint saves,
		// so the snapshot is taken before the permutation is drawn.
		perm := j.shuffle.Perm(j.train.N)
		j.dropout.Seed(j.cfg.dropoutSeed(j.epoch))
		nn.Train(j.model)
		var lossSum, normSum float64
		seen := 0
		for b := 0; b < steps; b++ {
			idx := perm[b*j.cfg.BatchSize : min((b+1)*j.cfg.BatchSize, j.train.N)]
			l, norm, stop, err := j.trainStep(ctx, idx)
			if err != nil {
				return nil, fmt.Errorf("epoch %d, step %d: %w", j.epoch+1, b+1, err)
			}
			if stop {
				interrupted = true
				break
			}
			normSum += norm
			if j.sched != nil {
				j.sched.Step()
			}
			if math.IsNaN(l) || math.IsInf(l, 0) {
				return nil, fmt.Errorf("epoch %d, step %d: the loss is %v; lower the learning rate or set --clip", j.epoch+1, b+1, l)
			}
			lossSum += l * float64(len(idx))
			seen += len(idx)
			if prog != nil {
				prog.Batch(b+1, lossSum/float64(seen), len(idx))
			}
		}
		if interrupted {
			break
		}
		j.epoch++
		if s := j.sharder(); s != nil {
			if err := j.gatherOptimizer(s); err != nil {
				return nil, err
			}
		}
		if err := j.syncBuffers(); err != nil {
			return nil, err
		}
		testLoss, acc, _, err := j.evaluate(j.test)
		if err != nil {
			return nil, err
		}
		m := EpochMetrics{Epoch: j.epoch, TrainLoss: lossSum / float64(seen), TestLoss: testLoss, TestAccuracy: acc,
			LR: j.opt.LR(0), GradNorm: normSum / float64(steps), Seconds: time.Since(t0).Seconds()}
		j.history = append(j.history, m)
		if prog != nil {
			prog.EndEpoch(m)
		}
		if lead {
			if err := j.save(); err != nil {
				return nil, err
			}
		}
	}
	if interrupted {
		// The summary is the checkpoint's, not the half-trained model's.
		if lead {
			if err := j.reload(); err != nil {
				return nil, err
			}
		}
		if j.size() > 1 {
			if err := j.broadcastState(); err != nil {
				return nil, err
			}
		}
	}
	testLoss, acc, conf, err := j.evaluate(j.test)
	if err != nil {
		return nil, err
	}
	res.Epochs, res.TestLoss, res.TestAccuracy, res.Confusion = j.epoch, testLoss, acc, conf
	if len(j.history) > 0 {
		res.TrainLoss = j.history[len(j.history)-1].TrainLoss
	}
	res.History = j.history
	res.Seconds = time.Since(start).Seconds()
	if o.Finish != nil && lead {
		if err := o.Finish(j.cfg.OutDir, j.history); err != nil {
			return nil, err
		}
	}
	if interrupted {
		res.Interrupted = true
		return res, ErrInterrupted
	}
	return res, nil
}

// trainStep trains on the batch idx of the training set: it computes the
// gradient (this worker's shard of it, summed over the workers), clips it
// when the run clips, and updates the parameters (the whole update, or with
// workers that share it this worker's segment, see sharedStep). It returns
// the batch's mean loss and the gradient's global norm before clipping, or
// stop when the run is interrupted (every worker alike), before any update.
func (j *job) trainStep(ctx context.Context, idx []int) (loss, norm float64, stop bool, err error) {
	switch s := j.sharder(); {
	case s != nil:
		return j.sharedStep(s, idx, ctx.Err() != nil)
	case j.size() == 1:
		if ctx.Err() != nil {
			return 0, 0, true, nil
		}
		loss = j.step(j.train, idx)
	default:
		if loss, stop, err = j.parallelStep(idx, ctx.Err() != nil); err != nil || stop {
			return 0, 0, stop, err
		}
	}
	if j.cfg.Clip > 0 {
		if norm, err = optim.ClipGradNorm(j.params, j.cfg.Clip, true); err != nil {
			return 0, 0, false, err
		}
	} else {
		norm = optim.GradNorm(j.params)
	}
	j.opt.Step()
	return loss, norm, false, nil
}

// step computes the gradient of the mean loss over the rows idx of ds into
// the parameters' gradients and returns the loss.
func (j *job) step(ds *data.Dataset, idx []int) float64 {
	x, y := j.batch(ds, idx, j.augment)
	j.opt.ZeroGrad()
	// The step's graph lives in an arena: its buffers serve the next
	// step, released once the loss is read. The batch is bound to the
	// job's tape, so that the arena collects this job's work alone.
	if j.tape == nil {
		j.tape = nabla.NewTape()
	}
	j.tape.Bind(x)
	var loss *nabla.Tensor
	j.arena.Do(j.tape, func() {
		loss = nn.CrossEntropyLoss(j.model.Forward(x), y, j.lossOptions())
		loss.Backward()
	})
	l := loss.Item()
	j.arena.Release()
	return l
}

// evaluate returns the mean loss, the accuracy and the confusion matrix
// (rows: true class, columns: predicted) of the model on ds; the workers of
// a data-parallel run each evaluate a shard and add up their counts.
func (j *job) evaluate(ds *data.Dataset) (loss, acc float64, confusion [][]int, err error) {
	if j.size() == 1 {
		loss, acc, confusion = Evaluate(j.model, ds, j.cfg.dtype())
		return loss, acc, confusion, nil
	}
	return j.evaluateShared(ds)
}

// Evaluate runs model on ds in eval mode, in chunks, and returns the mean
// cross-entropy, the accuracy and the confusion matrix.
func Evaluate(model nn.Module, ds *data.Dataset, dt nabla.DType) (loss, acc float64, confusion [][]int) {
	sum, correct, confusion := evaluateRows(model, ds, dt, 0, ds.N, false)
	return sum / float64(ds.N), float64(correct) / float64(ds.N), confusion
}

// evaluateRows returns the summed loss, the number of correct predictions
// and the confusion matrix of model on the rows [lo, hi) of ds.
func evaluateRows(model nn.Module, ds *data.Dataset, dt nabla.DType, lo, hi int, serial bool) (loss float64, correct int, confusion [][]int) {
	nn.Eval(model)
	defer nn.Train(model)
	confusion = make([][]int, ds.Classes)
	for i := range confusion {
		confusion[i] = make([]int, ds.Classes)
	}
	j := &job{cfg: Config{DType: dt.String()}}
	// Chunks of 64 keep a CNN's activations small (32 channels of 28×28 in
	// float32 are 6.4 MB for 64 samples, and a forward pass holds several
	// such tensors until the chunk is done). The forward pass records on a
	// tape of its own (so that a training job in another goroutine is not
	// affected) and in an arena, which recycles each chunk's buffers for the
	// next: under NoGrad nothing would be recycled, and every chunk would
	// allocate afresh, a collection every chunk or two with the lean heap
	// nabla train sets. Nothing is differentiated.
	const chunk = 64
	tp := nabla.NewTape()
	tp.SetSerial(serial)
	var arena nabla.Arena
	for start := lo; start < hi; start += chunk {
		idx := make([]int, min(chunk, hi-start))
		for i := range idx {
			idx[i] = start + i
		}
		x, y := j.batch(ds, idx, nil)
		tp.Bind(x)
		var pred []int
		arena.Do(tp, func() {
			logits := model.Forward(x)
			loss += nn.CrossEntropyLoss(logits, y, &nn.ClassOptions{Reduction: nn.Sum}).Item()
			pred = nabla.Argmax(logits, 1).Ints()
		})
		arena.Release()
		for i, p := range pred {
			confusion[y[i]][p]++
			if p == y[i] {
				correct++
			}
		}
	}
	return loss, correct, confusion
}

// ClassAccuracy returns the accuracy on each class from a confusion matrix
// (rows: true class): the share of the class's samples predicted as that
// class, NaN for a class with no samples.
func ClassAccuracy(confusion [][]int) []float64 {
	acc := make([]float64, len(confusion))
	for c, row := range confusion {
		n := 0
		for _, v := range row {
			n += v
		}
		acc[c] = math.NaN()
		if n > 0 && c < len(row) {
			acc[c] = float64(row[c]) / float64(n)
		}
	}
	return acc
}

// save writes the checkpoint of the current epoch boundary and metrics.csv.
func (j *job) save() error {
	ck := &Checkpoint{Tensors: map[string]*nabla.Tensor{}, Int64: map[string]bool{}, Metadata: map[string]string{}}
	for name, t := range nn.StateDict(j.model) {
		ck.Tensors["model."+name] = t
	}
	for _, b := range nn.Buffers(j.model) {
		if b.Int64 {
			ck.Int64["model."+b.Name] = true
		}
	}
	// The optimizer's state goes into the tensors of the last save: no
	// new buffers every epoch for the collector to reclaim.
	j.optState = j.opt.StateInto(j.optState)
	for name, t := range j.optState {
		ck.Tensors["optim."+name] = t
	}
	ck.Tensors["scaler.mean"] = nabla.FromSlice(j.scaler.Mean)
	ck.Tensors["scaler.std"] = nabla.FromSlice(j.scaler.Std)
	cfg, err := json.Marshal(j.cfg)
	if err != nil {
		return err
	}
	rng, err := j.pcg.MarshalBinary()
	if err != nil {
		return err
	}
	hist, err := json.Marshal(j.history)
	if err != nil {
		return err
	}
	ck.Metadata["format"] = checkpointFormat
	ck.Metadata["config"] = string(cfg)
	ck.Metadata["epoch"] = strconv.Itoa(j.epoch)
	ck.Metadata["rng"] = base64.StdEncoding.EncodeToString(rng)
	ck.Metadata["history"] = string(hist)
	ck.Metadata["classes"] = strconv.Itoa(j.train.Classes)
	if j.train.ClassNames != nil {
		names, _ := json.Marshal(j.train.ClassNames)
		ck.Metadata["class_names"] = string(names)
	}
	if j.train.IsImage() {
		img, _ := json.Marshal(j.train.Image)
		ck.Metadata["image"] = string(img)
	}
	if j.augment != nil {
		st, err := j.augment.pcg.MarshalBinary()
		if err != nil {
			return err
		}
		ck.Metadata["rng_augment"] = base64.StdEncoding.EncodeToString(st)
	}
	if err := ck.Save(filepath.Join(j.cfg.OutDir, CheckpointFile)); err != nil {
		return fmt.Errorf("writing checkpoint: %w", err)
	}
	return writeMetrics(j.cfg.OutDir, j.history)
}

// reload puts back the model weights of the last saved checkpoint.
func (j *job) reload() error {
	ck, err := LoadCheckpoint(j.cfg.OutDir)
	if err != nil {
		return fmt.Errorf("reading back the checkpoint: %w", err)
	}
	return nn.LoadStateDict(j.model, ck.withPrefix("model."))
}

// restore loads the state saved at an epoch boundary.
func (j *job) restore(ck *Checkpoint) error {
	if err := nn.LoadStateDict(j.model, ck.withPrefix("model.")); err != nil {
		return err
	}
	if err := j.opt.LoadState(ck.withPrefix("optim.")); err != nil {
		return err
	}
	if c := ck.Metadata["classes"]; c != strconv.Itoa(j.train.Classes) {
		return fmt.Errorf("checkpoint class count %q does not match the %d classes of dataset %s", c, j.train.Classes, j.cfg.Data)
	}
	epoch, err := strconv.Atoi(ck.Metadata["epoch"])
	if err != nil || epoch < 0 {
		return fmt.Errorf("checkpoint epoch %q is not a count", ck.Metadata["epoch"])
	}
	rng, err := base64.StdEncoding.DecodeString(ck.Metadata["rng"])
	if err != nil {
		return fmt.Errorf("checkpoint RNG state: %w", err)
	}
	if err := j.pcg.UnmarshalBinary(rng); err != nil {
		return fmt.Errorf("checkpoint RNG state: %w", err)
	}
	if j.augment != nil {
		st, err := base64.StdEncoding.DecodeString(ck.Metadata["rng_augment"])
		if err == nil {
			err = j.augment.pcg.UnmarshalBinary(st)
		}
		if err != nil {
			return fmt.Errorf("checkpoint augmentation RNG state (rng_augment): %w", err)
		}
	}
	if err := json.Unmarshal([]byte(ck.Metadata["history"]), &j.history); err != nil {
		return fmt.Errorf("checkpoint history: %w", err)
	}
	j.epoch = epoch
	if j.sched != nil {
		j.sched.Seek(epoch * j.stepsPerEpoch())
	}
	return nil
}

// lossOptions returns the training loss's options: nil (the defaults)
// unless the run smooths its labels.
func (j *job) lossOptions() *nn.ClassOptions {
	if j.cfg.LabelSmoothing == 0 {
		return nil
	}
	return &nn.ClassOptions{LabelSmoothing: j.cfg.LabelSmoothing}
}
