//go:build mpi

package dist

/*
#include <mpi.h>
#include <stdint.h>
#include <unistd.h>
#include <time.h>

// One shared-memory window (MPI_Win_allocate_shared) over the ranks of the
// job, which all run on this host: each rank's part is its own pages
// (alloc_shared_noncontig), and every rank may load and store anywhere in
// it. The window is locked for all ranks once (MPI_Win_lock_all with
// MPI_MODE_NOCHECK), as the standard asks of direct loads and stores;
// ranks order their accesses with their own atomic flags.
static MPI_Comm nb_node = MPI_COMM_NULL;
static MPI_Win nb_win = MPI_WIN_NULL;

static int nb_shm_alloc(long bytes, int n, void **base) {
	int rc;
	if (nb_node == MPI_COMM_NULL) {
		rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &nb_node);
		if (rc != MPI_SUCCESS) return rc;
	}
	MPI_Info info;
	MPI_Info_create(&info);
	MPI_Info_set(info, "alloc_shared_noncontig", "true");
	void *mine;
	rc = MPI_Win_allocate_shared((MPI_Aint)bytes, 1, info, nb_node, &mine, &nb_win);
	MPI_Info_free(&info);
	if (rc != MPI_SUCCESS) return rc;
	rc = MPI_Win_lock_all(MPI_MODE_NOCHECK, nb_win);
	for (int q = 0; q < n && rc == MPI_SUCCESS; q++) {
		MPI_Aint size;
		int unit;
		void *p;
		rc = MPI_Win_shared_query(nb_win, q, &size, &unit, &p);
		base[q] = p;
	}
	return rc;
}

static int nb_shm_free(void) {
	if (nb_win == MPI_WIN_NULL) return MPI_SUCCESS;
	MPI_Win_unlock_all(nb_win);
	return MPI_Win_free(&nb_win);
}

static int nb_shm_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static int nb_allreduce_max(long *v) { return MPI_Allreduce(MPI_IN_PLACE, v, 1, MPI_LONG, MPI_MAX, MPI_COMM_WORLD); }
// nb_shm_wait returns 0 once *seq is at least call, or 1 if *grow becomes
// call first, sleeping 20 µs between polls: the wait of a rank that has
// polled (in Go, shm.poll) for as long as polling pays, which leaves the
// core to the other ranks and processes.
static int nb_shm_wait(uint64_t *seq, uint64_t *grow, uint64_t call) {
	struct timespec d = {0, 20000};
	for (;;) {
		if (__atomic_load_n(seq, __ATOMIC_ACQUIRE) >= call) return 0;
		if (__atomic_load_n(grow, __ATOMIC_ACQUIRE) == call) return 1;
		nanosleep(&d, NULL);
	}
}

static long nb_cores(void) { return sysconf(_SC_NPROCESSORS_ONLN); }
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/nabla-go/nabla/internal/kernel"
)

// shm runs the Sharder collectives of a job whose ranks all share this
// host through one MPI shared-memory window instead of messages, as Local
// does between goroutines: each rank writes what the others need into its
// part of the window, raises its flag, waits for the others' flags and
// reads their parts where they lie. A message costs two copies through
// OpenMPI's shared buffers or a system call (CMA) and a handshake; this
// costs one copy into the window, one read out of it and one flag, and
// the ranks meet once per collective. The sums are in rank order, the same
// bits as Local's and as the messages'.
//
// Each rank's part of the window is a header (its flags) and two slots:
// collective number k uses slot k%2. A rank reads a peer's slot of
// collective k only after the peer's flag says that it has written it,
// and the peer writes that slot again only at collective k+2, which it
// reaches only after this rank has raised its flag of collective k+1,
// that is, after this rank's reads of collective k.
type shm struct {
	rank, size int
	base       []unsafe.Pointer // each rank's part of the window
	slotLen    int              // float64 values per slot
	calls      uint64           // collectives made on the window
	slots      [][]float64      // scratch: every rank's slot of a collective
	spin       time.Duration    // how long a waiting rank polls before it sleeps
	noYield    bool             // poll without yielding (see poll)
}

// shmHeader is the start of each rank's part of the window, in its own
// cache lines. seq is the number of the last collective whose slot the
// rank has written; meta[k%2] the shape it gave collective k, for the
// others to check; grow the number of a collective at which the rank
// needed a larger window (which makes a shape mismatch an error, not a
// hang).
type shmHeader struct {
	seq  atomic.Uint64
	grow atomic.Uint64
	meta [2][2]atomic.Uint64
}

const shmHeaderBytes = 256

// newSHM returns the window's collectives for c, or nil when they do not
// apply: a job of one rank, ranks on more than one host, or
// NABLA_MPI_SHM=0 in the environment (which keeps the messages).
func newSHM(c *mpi) *shm {
	if c.size == 1 || c.localSize != c.size || os.Getenv("NABLA_MPI_SHM") == "0" {
		return nil
	}
	s := &shm{rank: c.rank, size: c.size, spin: spinFor}
	if cores := int(C.nb_cores()); cores > 0 && c.size > cores {
		// More ranks than cores: a polling rank would take the core of a
		// rank that has not arrived.
		s.spin = 0
	}
	return s
}

func (s *shm) header(q int) *shmHeader { return (*shmHeader)(s.base[q]) }

// slot returns rank q's slot of collective call.
func (s *shm) slot(q int, call uint64) []float64 {
	p := unsafe.Add(s.base[q], shmHeaderBytes+int(call%2)*s.slotLen*8)
	return unsafe.Slice((*float64)(p), s.slotLen)
}

// begin starts collective number call, which needs slots of need values:
// it grows the window first when needed (a collective call of MPI: every
// rank needs the same, since all give the same shapes).
func (s *shm) begin(need int) (uint64, error) {
	s.calls++
	call := s.calls
	if need <= s.slotLen {
		return call, nil
	}
	if s.base != nil {
		s.header(s.rank).grow.Store(call)
	}
	v := C.long(need)
	if err := check("MPI_Allreduce", C.nb_allreduce_max(&v)); err != nil {
		return call, err
	}
	if err := check("MPI_Win_free", C.nb_shm_free()); err != nil {
		return call, err
	}
	n := max(int(v), 2*s.slotLen, 1024)
	s.base = make([]unsafe.Pointer, s.size)
	s.slots = make([][]float64, s.size)
	if err := check("MPI_Win_allocate_shared", C.nb_shm_alloc(C.long(shmHeaderBytes+2*8*n), C.int(s.size), &s.base[0])); err != nil {
		s.base = nil
		return call, err
	}
	s.slotLen = n
	// The window's memory is not zeroed: each rank clears its header, and
	// the barrier keeps the others from reading it before.
	h := s.header(s.rank)
	h.seq.Store(call - 1)
	h.grow.Store(0)
	if err := check("MPI_Barrier", C.nb_shm_barrier()); err != nil {
		return call, err
	}
	return call, nil
}

// poll reports whether h's flag reaches call within s.spin, polling it
// and yielding its processor to the process's other goroutines between
// polls (the garbage collector's workers use that time). But a busy
// goroutine that gets the processor keeps it until the runtime preempts
// it, 10 ms later: with one processor (a rank bound to one core) one such
// goroutine would make every collective last 10 ms. So once a yield has
// lasted more than a millisecond, this rank polls without yielding, as
// the runtime preempts a polling goroutine too, when the collector stops
// the world or after 10 ms.
func (s *shm) poll(h *shmHeader, call uint64) bool {
	if s.spin == 0 {
		return h.seq.Load() >= call
	}
	var start time.Time
	for i := 0; ; i++ {
		if h.seq.Load() >= call {
			return true
		}
		if h.grow.Load() == call {
			return false
		}
		if i%16 == 0 {
			if i == 0 {
				start = time.Now()
			} else if time.Since(start) > s.spin {
				return false
			}
		}
		if !s.noYield {
			t := time.Now()
			runtime.Gosched()
			s.noYield = time.Since(t) > time.Millisecond
		}
	}
}

// publish raises this rank's flag for call, with the shape it gave.
func (s *shm) publish(call uint64, n, a int) {
	h := s.header(s.rank)
	h.meta[call%2][0].Store(uint64(n))
	h.meta[call%2][1].Store(uint64(a))
	h.seq.Store(call)
}

// wait returns once every other rank has raised its flag for call, and
// checks that they gave the same shape. A waiting rank polls for up to
// s.spin, and then sleeps between polls (nb_shm_wait).
func (s *shm) wait(op string, call uint64, n, a int) error {
	for q := range s.size {
		if q == s.rank {
			continue
		}
		h := s.header(q)
		if !s.poll(h, call) && C.nb_shm_wait((*C.uint64_t)(unsafe.Pointer(&h.seq)), (*C.uint64_t)(unsafe.Pointer(&h.grow)), C.uint64_t(call)) != 0 {
			return fmt.Errorf("dist: %s: rank %d needed a larger window than rank %d: the ranks gave buffers of different lengths", op, q, s.rank)
		}
		m := &h.meta[call%2]
		if qn, qa := int(m[0].Load()), int(m[1].Load()); qn != n || qa != a {
			return fmt.Errorf("dist: %s: rank %d gave %d values and %d aux, rank %d %d and %d", op, q, qn, qa, s.rank, n, a)
		}
	}
	return nil
}

// reduceScatterSum is mpi.ReduceScatterSum through the window: the rank
// writes the values outside its segment, at their offsets in the
// concatenation, and aux after them; then it adds up, in rank order, its
// segment from every rank's slot and the aux.
func (s *shm) reduceScatterSum(bufs [][]float64, aux []float64) error {
	n, a := total(bufs), len(aux)
	call, err := s.begin(n + a)
	if err != nil {
		return err
	}
	me := s.slot(s.rank, call)
	lo, hi := segment(n, s.size, s.rank)
	in := func(part []float64, g int) { kernel.CopyStream(me[g:g+len(part)], part) }
	parts(bufs, 0, lo, in)
	parts(bufs, hi, n, in)
	copy(me[n:], aux)
	s.publish(call, n, a)
	if err := s.wait("ReduceScatterSum", call, n, a); err != nil {
		return err
	}
	slots := s.slots
	for q := range slots {
		slots[q] = s.slot(q, call)
	}
	parts(bufs, lo, hi, func(part []float64, g int) { sumSlots(part, slots, g, s.rank) })
	sumSlots(aux, slots, n, s.rank)
	return nil
}

// parts calls f(part, g) for each part of bufs inside [lo, hi) of their
// concatenation, g the part's offset in it.
func parts(bufs [][]float64, lo, hi int, f func(part []float64, g int)) {
	eachPart(bufs, lo, hi, func(k, from, to, at int) { f(bufs[k][from:to], at) })
}

// sumSlots sets dst[i] to the sum over ranks q, in order, of rank q's
// value: dst[i] itself for q = rank, slots[q][g+i] for the others.
func sumSlots(dst []float64, slots [][]float64, g, rank int) {
	if len(dst) == 0 {
		return
	}
	if len(slots) == 2 {
		// a + b and b + a are the same bits: one loop serves both ranks.
		kernel.AddTo(dst, slots[1-rank][g:g+len(dst)])
		return
	}
	for i, mine := range dst {
		var t float64
		for q, sl := range slots {
			v := mine
			if q != rank {
				v = sl[g+i]
			}
			if q == 0 {
				t = v
			} else {
				t += v
			}
		}
		dst[i] = t
	}
}

// allgather is mpi.Allgather through the window: the rank writes its
// segment at its offset and mine after the values; then it copies every
// other rank's segment out of that rank's slot.
func (s *shm) allgather(bufs [][]float64, mine float64, all []float64) error {
	n := total(bufs)
	call, err := s.begin(n + 1)
	if err != nil {
		return err
	}
	me := s.slot(s.rank, call)
	lo, hi := segment(n, s.size, s.rank)
	parts(bufs, lo, hi, func(part []float64, g int) { kernel.CopyStream(me[g:g+len(part)], part) })
	me[n] = mine
	s.publish(call, n, 1)
	if err := s.wait("Allgather", call, n, 1); err != nil {
		return err
	}
	for q := range s.size {
		if q == s.rank {
			if all != nil {
				all[q] = mine
			}
			continue
		}
		sl := s.slot(q, call)
		if all != nil {
			all[q] = sl[n]
		}
		qlo, qhi := segment(n, s.size, q)
		parts(bufs, qlo, qhi, func(part []float64, g int) { copy(part, sl[g:]) })
	}
	return nil
}

// free releases the window (a collective call: every rank's FinalizeMPI).
func (s *shm) free() {
	if s != nil && s.base != nil {
		C.nb_shm_free()
		s.base = nil
	}
}
