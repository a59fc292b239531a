package dist

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Comm is one rank's handle on a group of workers that train together.
type Comm interface {
	// Rank returns this worker's index in [0, Size()).
	Rank() int
	// Size returns the number of workers.
	Size() int
	// AllreduceSum replaces buf, on every rank, by the element-wise sum of
	// all ranks' buffers, added in rank order; every rank gets the same bits.
	AllreduceSum(buf []float64) error
	// Broadcast copies root's buf into every other rank's buf.
	Broadcast(buf []float64, root int) error
	// Barrier returns once every rank has called it.
	Barrier() error
	// Abort stops the group because this rank failed with err: see the
	// package documentation for what each implementation does.
	Abort(err error)
}

// VecReducer is implemented by a Comm that can sum a list of buffers in
// place without packing them into one: AllreduceSumVec(bufs) has the effect,
// bit for bit, of AllreduceSum on their concatenation. Local's ranks do;
// train uses it to sum gradients where they lie.
type VecReducer interface {
	AllreduceSumVec(bufs [][]float64) error
}

// LocalSizer is implemented by a Comm that knows how many of its ranks run
// on this rank's host (all of Local's; under MPI, those sharing its node).
// Ranks that share a host share its cores: a trainer then keeps each rank's
// kernels on one goroutine.
type LocalSizer interface {
	LocalSize() int
}

// segment returns the bounds of rank r's part of a buffer of n values split
// among size ranks: the reduce-scatter's unit of work.
func segment(n, size, r int) (lo, hi int) {
	return r * n / size, (r + 1) * n / size
}

// Local returns the communicators of n workers in one process, one per
// goroutine: Local(n)[r] is rank r's. n must be at least 1. Each
// communicator belongs to one goroutine at a time; a rank that reaches a
// collective before the others polls for up to spinFor (10 ms), yielding
// to other goroutines, and then parks until the last rank releases it, so
// that a group of no more ranks than cores meets in about a µs past its
// slowest rank at the price of a busy core while it waits.
func Local(n int) []Comm {
	if n < 1 {
		panic(fmt.Sprintf("dist.Local: %d workers; need at least 1", n))
	}
	h := &hub{n: n, bufs: make([][]float64, n)}
	for i := range h.sh {
		h.sh[i] = shardSlots{vecs: make([][][]float64, n), stage: make([][]float64, n), aux: make([][]float64, n), mine: make([]float64, n)}
	}
	h.cond = sync.NewCond(&h.mu)
	comms := make([]Comm, n)
	for r := range comms {
		comms[r] = &local{h: h, rank: r}
	}
	return comms
}

// hub is the state the local ranks share: the buffers registered for the
// current collective and a cyclic barrier. The last rank to arrive at a
// meeting checks what the ranks gave (and, for Broadcast, copies the
// root's buffer) and releases the others: one meeting per collective, two
// for an allreduce (a reduce-scatter and an allgather, whose work each rank
// does on its segment), which matters on a loaded machine, where waking a
// parked thread can take milliseconds. A waiting rank polls
// (yielding) for up to spinFor before it parks.
type hub struct {
	n       int
	mu      sync.Mutex
	cond    *sync.Cond
	arrived int
	gen     atomic.Uint64 // completed collectives; changes under mu
	err     error         // set by Abort; every later wait fails with it
	aborted atomic.Bool
	bufs    [][]float64 // each rank's buffer in the current collective

	// Sharder's collectives, alternately in sh[0] and sh[1] (see
	// local.calls).
	sh [2]shardSlots
}

// shardSlots holds what each rank gives one Sharder collective: its list
// of buffers (for their shape), its staging buffer (the values it gives the
// others, at their offsets in the concatenation of its buffers), a copy of
// its aux and its gathered value; entry r is written by rank r alone,
// before the collective's meeting, and read by the others after it. The
// others may still read it when rank r, released by that meeting, enters
// its next collective: so consecutive collectives use the two sets of
// slots in turn. Rank r cannot reach the one after (which
// reuses these) before the next meeting, which every rank reaches only
// once done reading.
type shardSlots struct {
	vecs  [][][]float64
	stage [][]float64
	aux   [][]float64
	mine  []float64
}

// spinFor bounds how long a waiting rank polls for the end of a meeting
// (yielding its processor to any other goroutine between polls) before it
// parks. A rank that parks costs the meeting a wake-up: the releasing rank
// readies it on its own processor, and an idle thread must be woken (a
// futex, tens of µs on an idle core, milliseconds on a loaded machine) to
// take it over. The ranks of a training step (a shard's step is 0.1–2 ms
// on a 2-core machine) arrive up to hundreds of µs apart: the earlier
// bound, 200 yields (20 µs), parked 27–42 % of the waits of a two-worker
// digits run, this one 11 % (measured on a loaded machine, load average
// 2–9, where the ranks lose their cores to other processes; on a quiet
// one fewer). A rank that is released while polling resumes within a µs
// or so. Since a millisecond still parked the waits that span rank 0's
// end of an epoch (its evaluation's share and the checkpoint it writes),
// and the wake-up then delayed the next step's meeting by about 200 µs,
// the poll lasts 10 ms: that took the two-worker digits epoch at batch 128
// from 0.64–0.75× of one worker's to 0.58× (alternating runs). While no other goroutine is ready the poll occupies the waiting
// rank's core, which has nothing else to do when the ranks are no more
// than the cores; with more ranks than GOMAXPROCS the yields let the
// ranks that have not arrived run.
const spinFor = 10 * time.Millisecond

// meet registers buf as rank's buffer and waits for all ranks; the last to
// arrive calls last (with the lock held and every buffer registered) and
// releases the others. last's error aborts the group.
func (h *hub) meet(rank int, buf []float64, last func() error) error {
	h.mu.Lock()
	if h.err != nil {
		h.mu.Unlock()
		return h.err
	}
	h.bufs[rank] = buf
	h.arrived++
	if h.arrived == h.n {
		var err error
		if last != nil {
			err = last()
		}
		if err != nil && h.err == nil {
			h.err = err
			h.aborted.Store(true)
		}
		h.arrived = 0
		h.gen.Add(1)
		h.cond.Broadcast()
		h.mu.Unlock()
		return err
	}
	g := h.gen.Load()
	h.mu.Unlock()
	h.spin(g)
	h.mu.Lock()
	defer h.mu.Unlock()
	for g == h.gen.Load() && h.err == nil {
		h.cond.Wait()
	}
	return h.err
}

// spin polls h.gen until it differs from g, the group is aborted or
// spinFor has passed, yielding between polls; it reads the clock every 16
// polls (a poll with nothing else to run costs about 0.1 µs).
func (h *hub) spin(g uint64) {
	start := time.Now()
	for i := 1; h.gen.Load() == g && !h.aborted.Load(); i++ {
		if i%16 == 0 && time.Since(start) > spinFor {
			return
		}
		runtime.Gosched()
	}
}

type local struct {
	h     *hub
	rank  int
	calls int       // Sharder collectives made: calls%2 picks hub.sh's slots
	all   []float64 // where allreduce's allgather puts the values it gathers (none)
}

func (c *local) Rank() int { return c.rank }
func (c *local) Size() int { return c.h.n }

// LocalSize returns Size(): every rank runs in this process.
func (c *local) LocalSize() int { return c.h.n }

// Barrier returns once all ranks have called it.
func (c *local) Barrier() error { return c.h.meet(c.rank, nil, nil) }

// AllreduceSum sums in place, as a reduce-scatter and an allgather (see
// ReduceScatterSum): each rank adds up its segment in rank order, and the
// work and the copies are split n ways.
func (c *local) AllreduceSum(buf []float64) error {
	return c.allreduce("AllreduceSum", [][]float64{buf})
}

// AllreduceSumVec sums the lists of buffers of all ranks in place, as
// AllreduceSum sums their concatenation.
func (c *local) AllreduceSumVec(bufs [][]float64) error {
	return c.allreduce("AllreduceSumVec", bufs)
}

func (c *local) allreduce(op string, bufs [][]float64) error {
	if c.h.n == 1 {
		return nil
	}
	if err := c.reduceScatter(op, bufs, nil); err != nil {
		return err
	}
	if len(c.all) != c.h.n {
		c.all = make([]float64, c.h.n)
	}
	return c.allgather(op, bufs, 0, c.all)
}

// Broadcast copies root's buffer into the others'.
func (c *local) Broadcast(buf []float64, root int) error {
	h := c.h
	if root < 0 || root >= h.n {
		return fmt.Errorf("dist: Broadcast from rank %d of %d", root, h.n)
	}
	if h.n == 1 {
		return nil
	}
	return h.meet(c.rank, buf, func() error {
		if err := h.sameLength("Broadcast", len(buf)); err != nil {
			return err
		}
		for r, b := range h.bufs {
			if r != root {
				copy(b, h.bufs[root])
			}
		}
		return nil
	})
}

// sameLength checks that every rank gave n values.
func (h *hub) sameLength(op string, n int) error {
	for r, b := range h.bufs {
		if len(b) != n {
			return fmt.Errorf("dist: %s: rank %d gave %d values, another rank %d", op, r, len(b), n)
		}
	}
	return nil
}

// Abort makes every pending and later collective call of every rank return
// an error naming this rank and err; the first Abort wins.
func (c *local) Abort(err error) {
	h := c.h
	h.mu.Lock()
	if h.err == nil {
		h.err = &AbortError{Rank: c.rank, Err: err}
		h.aborted.Store(true)
	}
	h.cond.Broadcast()
	h.mu.Unlock()
}

// AbortError is what the collectives return once a rank has aborted.
type AbortError struct {
	Rank int   // the rank that called Abort
	Err  error // its reason
}

func (e *AbortError) Error() string {
	return fmt.Sprintf("worker %d stopped the job: %v", e.Rank, e.Err)
}

func (e *AbortError) Unwrap() error { return e.Err }
