//go:build mpi

package dist

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The MPI collectives are tested in a real job: TestMPICollectivesMatchLocal
// runs this test binary under `mpirun -np 3` with mpiHelperEnv set, and
// TestMPIHelper, in each rank, checks that every collective gives the bits
// that Local(3) gives from the same inputs.

const mpiHelperEnv = "NABLA_DIST_MPI_HELPER"

func TestMPICollectivesMatchLocal(t *testing.T) {
	if os.Getenv(mpiHelperEnv) != "" {
		t.Skip("inside the MPI job")
	}
	mpirun, err := exec.LookPath("mpirun")
	if err != nil {
		t.Skip("no mpirun on PATH (apt-get install openmpi-bin libopenmpi-dev)")
	}
	for _, run := range []struct {
		np  string
		env []string
	}{
		// The ranks share this host: the Sharder collectives go through the
		// shared-memory window (with 3 ranks on 2 cores, sleeping between
		// polls).
		{"2", nil},
		{"3", nil},
		// Messages (as between hosts), and, with 3 ranks, without the
		// single-copy mechanism (CMA) too, as in containers that forbid
		// it: messages then go through OpenMPI's shared buffers.
		{"2", []string{"NABLA_MPI_SHM=0"}},
		{"3", []string{"NABLA_MPI_SHM=0", "OMPI_MCA_btl_vader_single_copy_mechanism=none"}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, mpirun, "--allow-run-as-root", "--oversubscribe", "-np", run.np,
			os.Args[0], "-test.run", "^TestMPIHelper$", "-test.v")
		cmd.Env = append(append(os.Environ(), mpiHelperEnv+"=1"), run.env...)
		out, err := cmd.CombinedOutput()
		hung := ctx.Err() != nil
		cancel()
		if hung {
			t.Fatalf("mpirun -np %s %v did not end within a minute (a hang)\n%s", run.np, run.env, out)
		}
		if err != nil || strings.Count(string(out), "--- PASS: TestMPIHelper") != atoi(run.np) {
			t.Fatalf("mpirun -np %s %v: %v\n%s", run.np, run.env, err, out)
		}
	}
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

// collectiveInputs returns rank r's buffers for the tests: pieces of uneven
// lengths (some empty) whose values' sums depend on the order of addition.
func collectiveInputs(r int) (bufs [][]float64, aux []float64) {
	lengths := []int{5, 0, 1, 130, 7, 0, 33}
	for k, n := range lengths {
		b := make([]float64, n)
		for i := range b {
			b[i] = []float64{1e16, 1.5, 1.25, -3e15, 0.7}[(2*r+k+i)%5] * float64(i+k+1)
		}
		bufs = append(bufs, b)
	}
	return bufs, []float64{float64(r) + 0.5, 1e16 * float64(r%2), 1}
}

// collectives runs, on c, an AllreduceSum, a ReduceScatterSum followed by
// a change of the rank's segment and an Allgather, and an Allgather of
// values alone, and returns everything they gave.
func collectives(c Comm) ([]float64, error) {
	s := c.(Sharder)
	var got []float64
	bufs, aux := collectiveInputs(c.Rank())
	flat := []float64{}
	for _, b := range bufs {
		flat = append(flat, b...)
	}
	if err := c.AllreduceSum(flat); err != nil {
		return nil, err
	}
	got = append(got, flat...)
	if err := s.ReduceScatterSum(bufs, aux); err != nil {
		return nil, err
	}
	got = append(got, aux...)
	n := total(bufs)
	lo, hi := s.Segment(n)
	eachPart(bufs, lo, hi, func(k, from, to, _ int) {
		for i := from; i < to; i++ {
			bufs[k][i] = math.Sqrt(math.Abs(bufs[k][i])) // an "update" of the segment
		}
	})
	all := make([]float64, c.Size())
	if err := s.Allgather(bufs, float64(hi-lo)/3, all); err != nil {
		return nil, err
	}
	for _, b := range bufs {
		got = append(got, b...)
	}
	got = append(got, all...)
	if err := s.Allgather(nil, float64(c.Rank())*1.5, all); err != nil {
		return nil, err
	}
	return append(got, all...), nil
}

func TestMPIHelper(t *testing.T) {
	if os.Getenv(mpiHelperEnv) == "" {
		t.Skip("run by TestMPICollectivesMatchLocal under mpirun")
	}
	c, err := OpenMPI()
	if err != nil {
		t.Fatal(err)
	}
	defer FinalizeMPI()
	got, err := collectives(c)
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]float64, c.Size())
	errs := runLocal(c.Size(), func(l Comm) (err error) {
		want[l.Rank()], err = collectives(l)
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	w := want[c.Rank()]
	if len(got) != len(w) {
		t.Fatalf("rank %d: %d values, Local gives %d", c.Rank(), len(got), len(w))
	}
	for i := range w {
		if math.Float64bits(got[i]) != math.Float64bits(w[i]) {
			t.Fatalf("rank %d of %d: value %d is %v, Local gives %v", c.Rank(), c.Size(), i, got[i], w[i])
		}
	}
	// A sharded step's collectives allocate nothing once the buffers have
	// been seen (so a rank's step allocates what one worker's does), through
	// the window and through messages alike.
	{
		s := c.(Sharder)
		bufs, aux := collectiveInputs(c.Rank())
		all := make([]float64, c.Size())
		step := func() {
			if err := s.ReduceScatterSum(bufs, aux); err != nil {
				t.Fatal(err)
			}
			if err := s.Allgather(bufs, 1, all); err != nil {
				t.Fatal(err)
			}
			if err := c.AllreduceSum(aux); err != nil {
				t.Fatal(err)
			}
		}
		step()
		if n := testing.AllocsPerRun(20, step); n > 0 {
			t.Errorf("rank %d: a reduce-scatter, an allgather and an allreduce allocated %v times", c.Rank(), n)
		}
	}
	// Collectives on fresh buffers between garbage collections: the
	// buffers of earlier calls are garbage, and nothing of them may
	// survive in the library's state (addresses kept as pointers in C
	// memory once made the collector mark freed objects and stop).
	stop := make(chan struct{})
	defer close(stop)
	go func() { // garbage, so that collections overlap the collectives
		var keep [][]byte
		for {
			select {
			case <-stop:
				return
			default:
				keep = append(keep, make([]byte, 1000))
				if len(keep) > 1000 {
					keep = nil
				}
			}
		}
	}()
	for i := range 400 {
		bufs := [][]float64{make([]float64, 100+i%7), make([]float64, 3)}
		if err := c.AllreduceSum(bufs[0]); err != nil {
			t.Fatal(err)
		}
		if err := c.(Sharder).ReduceScatterSum(bufs, []float64{1}); err != nil {
			t.Fatal(err)
		}
		if err := c.(Sharder).Allgather(bufs, 1, make([]float64, c.Size())); err != nil {
			t.Fatal(err)
		}
		if i%100 == 0 {
			runtime.GC()
		}
	}
	if err := c.Barrier(); err != nil {
		t.Fatal(err)
	}
	// Through the window, buffers of different lengths are an error on
	// every rank, not a hang (messages have no such check).
	if c.(*mpi).shm != nil {
		bufs := [][]float64{make([]float64, 10+c.Rank())}
		err := c.(Sharder).ReduceScatterSum(bufs, nil)
		if err == nil || !strings.Contains(err.Error(), "gave") {
			t.Fatalf("rank %d: ReduceScatterSum of different lengths: %v", c.Rank(), err)
		}
		// The ranks stay in step: the next collective works.
		if err := c.(Sharder).Allgather(nil, 1, make([]float64, c.Size())); err != nil {
			t.Fatal(err)
		}
	}
}
