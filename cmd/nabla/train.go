package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/nabla-go/nabla/dist"
	"github.com/nabla-go/nabla/train"
	trainplot "github.com/nabla-go/nabla/train/plot"
)

func newTrainCmd() *cobra.Command {
	cfg := train.Defaults()
	var resume, overwrite, asJSON, quiet bool
	var distributed string
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train a classifier, an MLP or (--model cnn) a CNN (default: the embedded digits dataset)",
		Long: `Train a classifier (an MLP, or with --model cnn a convolutional network)
and write a run directory with the checkpoint, metrics.csv and loss/accuracy
plots (PNG and SVG).

Datasets: digits, iris, wine, breast-cancer (embedded), spirals, moons
(synthetic), fashion-mnist (apt-get install dataset-fashion-mnist).
A run directory that already holds a run is refused unless --resume (continue
it) or --overwrite (start over) says what to do; two runs cannot share one.
Ctrl-C stops after the current batch; the checkpoint of the last completed
epoch is kept, and --resume continues from it exactly, with the settings it
was started with, up to its --epochs unless --epochs is given again.

--augment transforms the training images (never the test images) of digits
and fashion-mnist at random, seeded by --seed:
  shift     translate by up to 2 pixels (28×28) or 1 pixel (8×8) in each
            direction, filling with zeros (the background)
  shift=N   translate by up to N pixels
  flip      mirror left to right with probability ½; right for clothes, wrong
            for digits (a mirrored 3 is no digit), but allowed
  erase     random erasing: with probability ½, set a rectangle of 2–40 %
            of the image (aspect ratio 0.3 to 3.3) at a random place to zero
  erase=P   random erasing with probability P
e.g. --augment shift,flip. A resumed run augments as it was started.

--workers N trains data-parallel on N goroutines, each on a shard of every
batch, each updating a segment of the parameters (default: chosen from
the model's size and the batch, two on two cores for the Fashion-MNIST MLP
and for digits from batch 64 (float32: 128), one for smaller steps and
batch-norm models; see docs/DISTRIBUTED.md); the weights are those of one worker
up to rounding (1e-12 relative); with --batchnorm each shard is normalised by
its own statistics.
--distributed mpi makes each process started by mpirun one worker (a binary
built with -tags mpi): mpirun -np 4 nabla train --distributed mpi ...
Rank 0 writes the run directory; see docs/DISTRIBUTED.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("out") {
				cfg.OutDir = filepath.Join("runs", cfg.Data)
			}
			defer leanHeap()()
			if resume && overwrite {
				return usagef("--resume and --overwrite contradict each other: choose one")
			}
			if resume {
				// A resumed run keeps its saved settings: say which flags
				// that ignores, and keep its epochs unless asked.
				cmd.Flags().Visit(func(f *pflag.Flag) {
					switch f.Name {
					case "out", "epochs", "resume", "json", "quiet", "data-dir", "workers", "distributed":
					case "data":
						if cmd.Flags().Changed("out") {
							fmt.Fprintf(cmd.ErrOrStderr(), "nabla: warning: --data is ignored: a resumed run keeps the dataset it was started with\n")
						}
					default:
						fmt.Fprintf(cmd.ErrOrStderr(), "nabla: warning: --%s is ignored: a resumed run keeps the settings it was started with\n", f.Name)
					}
				})
				if !cmd.Flags().Changed("epochs") {
					cfg.Epochs = 0
				} else if cfg.Epochs < 1 || cfg.Epochs > train.MaxEpochs {
					return usagef("epochs (--epochs) must be in [1, %d], got %d", train.MaxEpochs, cfg.Epochs)
				}
			} else if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			if cfg.Workers < 0 || cfg.Workers > train.MaxWorkers {
				return usagef("workers (--workers) must be in [1, %d] (0: automatic), got %d", train.MaxWorkers, cfg.Workers)
			}
			var comm dist.Comm
			switch distributed {
			case "":
			case "mpi":
				if cfg.Workers > 1 {
					return usagef("--workers %d with --distributed mpi: each rank is one worker; start more ranks (mpirun -np N) instead", cfg.Workers)
				}
				c, err := dist.OpenMPI()
				if err != nil {
					return usagef("--distributed mpi: %v", err)
				}
				defer dist.FinalizeMPI()
				comm = c
			default:
				return usagef("unknown --distributed %q (want mpi)", distributed)
			}
			if cpuProfile != "" {
				path := cpuProfile
				if comm != nil && comm.Rank() != 0 {
					// One profile per process: the ranks would write one file.
					path = fmt.Sprintf("%s.rank%d", cpuProfile, comm.Rank())
				}
				stop, err := startCPUProfile(path)
				if err != nil {
					return err
				}
				defer stop()
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			if comm != nil && comm.Rank() != 0 {
				// Rank 0 reports for the job.
				out, quiet, asJSON = io.Discard, true, false
			}
			var prog train.Progress
			if !quiet {
				prog = newProgress(out, os.Stderr)
			}
			res, err := train.Run(ctx, cfg, train.Options{Resume: resume, Overwrite: overwrite, Progress: prog, Finish: trainplot.Write, Comm: comm})
			if err != nil && !errors.Is(err, train.ErrInterrupted) {
				return classify(err)
			}
			if res.Interrupted {
				fmt.Fprintf(out, "interrupted: the checkpoint of epoch %d is in %s; continue with --resume --out %s\n", res.Epochs, res.Checkpoint, cfg.OutDir)
			}
			workers := ""
			switch {
			case comm != nil && res.Workers == 1:
				workers = ", 1 MPI rank"
			case comm != nil:
				workers = fmt.Sprintf(", %d MPI ranks", res.Workers)
			case res.Workers > 1:
				workers = fmt.Sprintf(", %d workers", res.Workers)
			}
			fmt.Fprintf(out, "test accuracy %.4f, test loss %.4f (%s, %d epochs%s, %.1f s)\n", res.TestAccuracy, res.TestLoss, res.Dataset, res.Epochs, workers, res.Seconds)
			fmt.Fprintf(out, "run directory %s: %s, metrics.csv, loss.png/svg, accuracy.png/svg\n", cfg.OutDir, train.CheckpointFile)
			if asJSON {
				if err := writeJSON(out, map[string]any{"dataset": res.Dataset, "epochs": res.Epochs, "train_loss": num(res.TrainLoss),
					"test_loss": num(res.TestLoss), "test_accuracy": num(res.TestAccuracy), "seconds": res.Seconds,
					"workers": res.Workers, "checkpoint": res.Checkpoint, "interrupted": res.Interrupted}); err != nil {
					return err
				}
			}
			if res.Interrupted {
				return errors.New("interrupted")
			}
			if bad := math.IsNaN(res.TestLoss) || math.IsInf(res.TestLoss, 0); bad {
				return fmt.Errorf("the test loss is %v", res.TestLoss)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Data, "data", cfg.Data, "dataset: digits, iris, wine, breast-cancer, spirals, moons, fashion-mnist")
	f.StringVar(&cfg.DataDir, "data-dir", "", "directory of the fashion-mnist files (default: the Debian package's)")
	f.StringVar(&cfg.Model, "model", "mlp", "mlp or cnn (convolutions, for digits and fashion-mnist)")
	f.IntSliceVar(&cfg.Channels, "channels", nil, "cnn: output channels of each convolution block (default 32,64)")
	f.IntSliceVar(&cfg.Convs, "convs", nil, "cnn: convolutions in each block, one count per block or one for all (default 1); e.g. 1,1,2")
	f.IntVar(&cfg.Kernel, "kernel", 0, "cnn: kernel size of the convolutions, odd (default 3)")
	f.BoolVar(&cfg.BatchNorm, "batchnorm", false, "cnn: batch normalisation after each convolution")
	f.Float64Var(&cfg.Dropout, "dropout", 0, "dropout probability before the last layer")
	f.Float64Var(&cfg.LabelSmoothing, "label-smoothing", 0, "mix each training target with the uniform distribution, weight ε (as PyTorch's label_smoothing); 0: off")
	f.IntSliceVar(&cfg.Hidden, "hidden", cfg.Hidden, "hidden layer sizes, e.g. 256,128 (cnn: of the dense layers after the convolutions)")
	f.StringVar(&cfg.Activation, "activation", cfg.Activation, "relu, tanh, sigmoid, gelu, elu, leaky-relu")
	f.StringVar(&cfg.Optimizer, "optimizer", cfg.Optimizer, "adam, adamw, sgd, rmsprop, adagrad")
	f.Float64Var(&cfg.LR, "lr", cfg.LR, "learning rate")
	f.Float64Var(&cfg.Momentum, "momentum", 0, "momentum (sgd, rmsprop)")
	f.Float64Var(&cfg.WeightDecay, "weight-decay", 0, "weight decay (0: none, adamw included)")
	f.StringVar(&cfg.Schedule, "schedule", cfg.Schedule, "learning-rate schedule: none, step, exp, cosine, warmup-cosine, onecycle")
	f.IntVar(&cfg.BatchSize, "batch-size", cfg.BatchSize, "samples per step")
	f.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "epochs (with --resume: the new total to reach; default the run's own)")
	f.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed (split, initial weights, batch order)")
	f.Float64Var(&cfg.Clip, "clip", 0, "clip gradients to this global norm (0: off)")
	f.StringVar(&cfg.DType, "dtype", cfg.DType, "float64 or float32")
	f.Float64Var(&cfg.TestFraction, "test-fraction", cfg.TestFraction, "held-out share of the data")
	f.StringSliceVar(&cfg.Augment, "augment", nil, "augment training images (digits, fashion-mnist): shift, shift=N, flip (flip is wrong for digits), erase, erase=P; e.g. shift,flip")
	f.StringVarP(&cfg.OutDir, "out", "o", "", "run directory (default runs/DATASET)")
	f.BoolVar(&resume, "resume", false, "continue the run in --out from its checkpoint, with its saved settings")
	f.BoolVar(&overwrite, "overwrite", false, "start a new run in --out even if it holds one (its files are replaced)")
	f.BoolVar(&asJSON, "json", false, "print a JSON summary as the last line")
	f.BoolVarP(&quiet, "quiet", "q", false, "no per-epoch output")
	f.IntVar(&cfg.Workers, "workers", 0, "data-parallel goroutines, each on a shard of every batch (0: automatic: one per ½ M multiply-adds of a step (float32: 1 M) and per 32 rows of a batch, up to the cores, for models without batch normalisation)")
	f.StringVar(&distributed, "distributed", "", "mpi: this process is one rank of an mpirun job (needs a binary built with -tags mpi)")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (read it with go tool pprof); under --distributed mpi, rank N > 0 writes FILE.rankN")
	return cmd
}

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, usagef("--cpuprofile: %v", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, usagef("--cpuprofile: %v", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// leanHeap lets the heap grow by 10 % of the live data between collections
// instead of Go's default 100 %, unless GOGC says otherwise, but by at least
// minHeadroom: a large run's live heap is mostly the dataset, hundreds of
// megabytes of floats the collector need not scan, and a step recycles its
// buffers, allocating a few megabytes a second, so collecting more often
// costs little and keeps the resident size near what the run needs (a
// Fashion-MNIST CNN run peaked at 1017 MB with the default; with 25 % at
// 398 MB for an epoch, with 10 % at 372 MB). A small run's live heap is a
// few megabytes, and 10 % of it made the collector run every few steps: a
// digits epoch took 2.2× as long (15 against 6.8 ms at batch 128). The
// percentage follows the live heap (read twice a second) as the data load.
// It returns the function that stops following and restores the setting.
func leanHeap() (stop func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	last := -1
	adjust := func() {
		metrics.Read(sample)
		p := gcPercentFor(sample[0].Value.Uint64())
		if p != last {
			debug.SetGCPercent(p)
			last = p
		}
	}
	prev := debug.SetGCPercent(100)
	adjust()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				adjust()
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		debug.SetGCPercent(prev)
	}
}

// minHeadroom is the least growth of the heap between collections that
// leanHeap allows.
const minHeadroom = 32 << 20

// gcPercentFor returns the GOGC percentage for a live heap of live bytes:
// 10, or enough for minHeadroom, at most Go's default 100.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return 100
	}
	return int(max(10, min(100, 100*minHeadroom/live)))
}

// classify marks errors about the input (dataset missing or malformed,
// output directory unwritable, bad checkpoint) as usage errors.
func classify(err error) error {
	var ie *train.InputError
	if errors.As(err, &ie) {
		return usageError{err}
	}
	return err
}

// progress shows a bar per epoch on a terminal and plain lines otherwise.
type progress struct {
	out     io.Writer
	bar     *progressbar.ProgressBar
	tty     bool
	epoch   int
	epochs  int
	samples int
	start   time.Time
}

func newProgress(out io.Writer, errOut *os.File) *progress {
	return &progress{out: out, tty: term.IsTerminal(int(errOut.Fd()))}
}

func (p *progress) StartEpoch(epoch, epochs, batches int) {
	p.epoch, p.epochs, p.samples, p.start = epoch, epochs, 0, time.Now()
	if p.tty {
		p.bar = progressbar.NewOptions(batches,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription(fmt.Sprintf("epoch %d/%d", epoch, epochs)),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond))
	}
}

func (p *progress) Batch(done int, loss float64, samples int) {
	p.samples += samples
	if p.bar != nil {
		rate := float64(p.samples) / time.Since(p.start).Seconds()
		p.bar.Describe(fmt.Sprintf("epoch %d/%d  loss %.4f  %.0f samples/s", p.epoch, p.epochs, loss, rate))
		_ = p.bar.Set(done)
	}
}

func (p *progress) EndEpoch(m train.EpochMetrics) {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
	fmt.Fprintf(p.out, "epoch %3d/%d  train loss %.4f  test loss %.4f  test acc %.4f  lr %.2e  |g| %.3f  %.2fs\n",
		m.Epoch, p.epochs, m.TrainLoss, m.TestLoss, m.TestAccuracy, m.LR, m.GradNorm, m.Seconds)
}
