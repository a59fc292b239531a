//go:build mpi

package main

import (
	"compress/gzip"
	"context"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nabla-go/nabla/nn"
	"github.com/nabla-go/nabla/train"
)

// The tests of `nabla train --distributed mpi` start real MPI jobs: they
// build this command with -tags mpi and run it under
// `mpirun --allow-run-as-root --oversubscribe -np 2` (CI runs as root on one
// machine), and skip where mpirun is missing.

// mpiBinary builds nabla with MPI into a temporary directory.
func mpiBinary(t *testing.T) (mpirun, bin string) {
	t.Helper()
	mpirun, err := exec.LookPath("mpirun")
	if err != nil {
		t.Skip("no mpirun on PATH (apt-get install openmpi-bin libopenmpi-dev)")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	bin = filepath.Join(t.TempDir(), "nabla")
	if out, err := exec.Command(gobin, "build", "-tags", "mpi", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags mpi: %v\n%s", err, out)
	}
	return mpirun, bin
}

// mpiRun runs `mpirun … args` (MPMD with ":" among args), failing after a
// minute: a hang is a failure too.
func mpiRun(t *testing.T, mpirun string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mpirun, append([]string{"--allow-run-as-root", "--oversubscribe"}, args...)...)
	cmd.Env = append(os.Environ(), "OMPI_MCA_btl_vader_single_copy_mechanism=none")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("mpirun %s did not end within a minute (a hang)\n%s", strings.Join(args, " "), out)
	}
	return string(out), err
}

func stateOf(t *testing.T, dir string) map[string][]float64 {
	t.Helper()
	tr, err := train.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float64{}
	for name, p := range nn.StateDict(tr.Model) {
		out[name] = p.Float64s()
	}
	return out
}

// maxRelDiff returns max|a−b| / max|a| over the tensors.
func maxRelDiff(a, b map[string][]float64) float64 {
	worst := 0.0
	for name, x := range a {
		y := b[name]
		if len(y) != len(x) {
			return math.Inf(1)
		}
		var d, m float64
		for i := range x {
			d, m = max(d, math.Abs(x[i]-y[i])), max(m, math.Abs(x[i]))
		}
		if m > 0 {
			worst = max(worst, d/m)
		}
	}
	return worst
}

var mpiTrainArgs = []string{"train", "--hidden", "32", "--batch-size", "30", "--augment", "shift", "--dropout", "0.2", "--quiet"}

// TestMPIMatchesWorkers: two MPI ranks end with the weights of two
// goroutine workers bit for bit (the same sums in the same order), and of
// one worker to 1e-12; an MPI run resumed from its first epoch ends where
// the uninterrupted one does.
func TestMPIMatchesWorkers(t *testing.T) {
	mpirun, bin := mpiBinary(t)
	root := t.TempDir()
	dir := func(name string) string { return filepath.Join(root, name) }
	args := func(out string, more ...string) []string {
		return append(append(append([]string{}, mpiTrainArgs...), "-o", out), more...)
	}
	for _, w := range []string{"1", "2"} {
		if code, _, errOut := runCLI(t, args(dir("workers"+w), "--epochs", "2", "--workers", w)...); code != 0 {
			t.Fatalf("--workers %s: exit %d: %s", w, code, errOut)
		}
	}
	mpi := append([]string{"-np", "2", bin}, args(dir("mpi"), "--epochs", "2", "--distributed", "mpi")...)
	if out, err := mpiRun(t, mpirun, mpi...); err != nil {
		t.Fatalf("mpirun: %v\n%s", err, out)
	}
	got := stateOf(t, dir("mpi"))
	if d := maxRelDiff(stateOf(t, dir("workers2")), got); d != 0 {
		t.Errorf("2 MPI ranks differ from 2 goroutine workers by %.3g relative; want bit-identical", d)
	}
	if d := maxRelDiff(stateOf(t, dir("workers1")), got); d > 1e-12 {
		t.Errorf("2 MPI ranks differ from 1 worker by %.3g relative; want at most 1e-12", d)
	}

	// Epoch 1, then --resume to epoch 2.
	first := append([]string{"-np", "2", bin}, args(dir("resumed"), "--epochs", "1", "--distributed", "mpi")...)
	if out, err := mpiRun(t, mpirun, first...); err != nil {
		t.Fatalf("mpirun: %v\n%s", err, out)
	}
	again := []string{"-np", "2", bin, "train", "--resume", "--epochs", "2", "--distributed", "mpi", "--quiet", "-o", dir("resumed")}
	if out, err := mpiRun(t, mpirun, again...); err != nil {
		t.Fatalf("mpirun --resume: %v\n%s", err, out)
	}
	if d := maxRelDiff(got, stateOf(t, dir("resumed"))); d != 0 {
		t.Errorf("the resumed MPI run differs from the uninterrupted one by %.3g relative", d)
	}
}

// TestMPIRankFailureStopsTheJob: a rank that fails (here rank 1 of a
// resumed run finds no checkpoint) stops the whole job with a message
// naming it, instead of leaving rank 0 waiting; the checkpoint stays as it
// was.
func TestMPIRankFailureStopsTheJob(t *testing.T) {
	mpirun, bin := mpiBinary(t)
	good := filepath.Join(t.TempDir(), "run")
	first := append([]string{"-np", "2", bin}, append(append([]string{}, mpiTrainArgs...), "-o", good, "--epochs", "1", "--distributed", "mpi")...)
	if out, err := mpiRun(t, mpirun, first...); err != nil {
		t.Fatalf("mpirun: %v\n%s", err, out)
	}
	before, err := os.ReadFile(filepath.Join(good, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	resume := func(dir string) []string {
		return []string{"-np", "1", bin, "train", "--resume", "--epochs", "3", "--distributed", "mpi", "--quiet", "-o", dir}
	}
	// MPMD: rank 0 resumes the run, rank 1 a directory that does not exist.
	out, err := mpiRun(t, mpirun, append(append(resume(good), ":"), resume(filepath.Join(good, "missing"))...)...)
	if err == nil {
		t.Fatalf("the job succeeded with a failing rank:\n%s", out)
	}
	if !strings.Contains(out, "rank 1 of 2") || !strings.Contains(out, "cannot resume") {
		t.Errorf("the output does not say which rank failed and why:\n%s", out)
	}
	after, err := os.ReadFile(filepath.Join(good, train.CheckpointFile))
	if err != nil || string(after) != string(before) {
		t.Errorf("the checkpoint changed (err %v)", err)
	}
}

// TestMPICPUProfilePerRank: under mpirun every rank profiles itself into a
// file of its own (rank 0 the path given, rank N path.rankN), each one a
// whole gzip stream as pprof writes them, instead of all ranks writing one
// file (whose interleaved writes gzip rejects).
func TestMPICPUProfilePerRank(t *testing.T) {
	mpirun, bin := mpiBinary(t)
	root := t.TempDir()
	prof := filepath.Join(root, "cpu.prof")
	args := append([]string{"-np", "2", bin}, append(append([]string{}, mpiTrainArgs...),
		"-o", filepath.Join(root, "run"), "--epochs", "1", "--distributed", "mpi", "--cpuprofile", prof)...)
	if out, err := mpiRun(t, mpirun, args...); err != nil {
		t.Fatalf("mpirun: %v\n%s", err, out)
	}
	for _, p := range []string{prof, prof + ".rank1"} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err == nil {
			var n int64
			n, err = io.Copy(io.Discard, zr)
			if err == nil && n == 0 {
				err = io.ErrUnexpectedEOF
			}
		}
		f.Close()
		if err != nil {
			t.Errorf("%s: not a CPU profile: %v", p, err)
		}
	}
}
