package dist

import (
	"fmt"
	"sync"
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

// segment returns the bounds of rank r's part of a buffer of n values split
// among size ranks: the reduce-scatter's unit of work.
func segment(n, size, r int) (lo, hi int) {
	return r * n / size, (r + 1) * n / size
}

// Local returns the communicators of n workers in one process, one per
// goroutine: Local(n)[r] is rank r's. n must be at least 1.
func Local(n int) []Comm {
	if n < 1 {
		panic(fmt.Sprintf("dist.Local: %d workers; need at least 1", n))
	}
	h := &hub{n: n, bufs: make([][]float64, n)}
	h.cond = sync.NewCond(&h.mu)
	comms := make([]Comm, n)
	for r := range comms {
		comms[r] = &local{h: h, rank: r}
	}
	return comms
}

// hub is the state the local ranks share: a cyclic barrier and the buffers
// registered for the current collective.
type hub struct {
	n       int
	mu      sync.Mutex
	cond    *sync.Cond
	arrived int
	gen     uint64
	err     error       // set by Abort; every later wait fails with it
	bufs    [][]float64 // each rank's buffer in the current collective
}

// wait blocks until all n ranks have arrived, or the group is aborted.
func (h *hub) wait() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return h.err
	}
	h.arrived++
	if h.arrived == h.n {
		h.arrived = 0
		h.gen++
		h.cond.Broadcast()
		return nil
	}
	for g := h.gen; g == h.gen && h.err == nil; {
		h.cond.Wait()
	}
	return h.err
}

type local struct {
	h    *hub
	rank int
}

func (c *local) Rank() int { return c.rank }
func (c *local) Size() int { return c.h.n }

// Barrier returns once all ranks have called it.
func (c *local) Barrier() error { return c.h.wait() }

// AllreduceSum sums in place: each rank adds up its own segment over all
// ranks' buffers and writes the sum into all of them; segments are
// disjoint, so no element is read or written by two ranks.
func (c *local) AllreduceSum(buf []float64) error {
	h := c.h
	if h.n == 1 {
		return nil
	}
	h.bufs[c.rank] = buf
	if err := h.wait(); err != nil {
		return err
	}
	for r, b := range h.bufs {
		if len(b) != len(buf) {
			err := fmt.Errorf("dist: AllreduceSum: rank %d gave %d values, rank %d gave %d", r, len(b), c.rank, len(buf))
			c.Abort(err)
			return err
		}
	}
	lo, hi := segment(len(buf), h.n, c.rank)
	for i := lo; i < hi; i++ {
		s := h.bufs[0][i]
		for _, b := range h.bufs[1:] {
			s += b[i]
		}
		for _, b := range h.bufs {
			b[i] = s
		}
	}
	return h.wait()
}

// Broadcast copies root's buffer into the others' once all have arrived.
func (c *local) Broadcast(buf []float64, root int) error {
	h := c.h
	if root < 0 || root >= h.n {
		return fmt.Errorf("dist: Broadcast from rank %d of %d", root, h.n)
	}
	if h.n == 1 {
		return nil
	}
	h.bufs[c.rank] = buf
	if err := h.wait(); err != nil {
		return err
	}
	if c.rank != root {
		if len(h.bufs[root]) != len(buf) {
			err := fmt.Errorf("dist: Broadcast: rank %d gave %d values, rank %d gave %d", root, len(h.bufs[root]), c.rank, len(buf))
			c.Abort(err)
			return err
		}
		copy(buf, h.bufs[root])
	}
	return h.wait()
}

// Abort makes every pending and later collective call of every rank return
// an error naming this rank and err; the first Abort wins.
func (c *local) Abort(err error) {
	h := c.h
	h.mu.Lock()
	if h.err == nil {
		h.err = &AbortError{Rank: c.rank, Err: err}
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
