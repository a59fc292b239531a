//go:build mpi

package dist

/*
#cgo pkg-config: ompi
#include <mpi.h>
#include <stdio.h>

// MPI_COMM_WORLD and MPI_DOUBLE are macros (addresses of library objects in
// OpenMPI), which cgo cannot name: these wrappers use them on Go's behalf.
static int nb_init(int *provided) {
	int done = 0;
	MPI_Initialized(&done);
	if (done) { MPI_Query_thread(provided); return MPI_SUCCESS; }
	return MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, provided);
}
static int nb_rank(int *r) { return MPI_Comm_rank(MPI_COMM_WORLD, r); }
static int nb_size(int *s) { return MPI_Comm_size(MPI_COMM_WORLD, s); }
#include <stdint.h>
#include <stdlib.h>

// nb_exchange posts n point-to-point messages, the receives (recv[k] != 0)
// first, then the sends, all with tag 0 (MPI keeps messages between two
// ranks in order, and both ranks list them in the same order), and waits
// for all of them: count[k] doubles at address ptr[k] from or to rank
// peer[k].
static int nb_exchange(int n, uintptr_t *ptr, int *count, int *peer, int *recv) {
	MPI_Request *req = malloc((size_t)n * sizeof(MPI_Request));
	if (req == NULL) return MPI_ERR_NO_MEM;
	int rc = MPI_SUCCESS, posted = 0;
	for (int pass = 1; pass >= 0 && rc == MPI_SUCCESS; pass--) {
		for (int k = 0; k < n && rc == MPI_SUCCESS; k++) {
			if ((recv[k] != 0) != (pass == 1)) continue;
			if (pass == 1)
				rc = MPI_Irecv((double *)ptr[k], count[k], MPI_DOUBLE, peer[k], 0, MPI_COMM_WORLD, &req[posted]);
			else
				rc = MPI_Isend((double *)ptr[k], count[k], MPI_DOUBLE, peer[k], 0, MPI_COMM_WORLD, &req[posted]);
			if (rc == MPI_SUCCESS) posted++;
		}
	}
	int wrc = MPI_Waitall(posted, req, MPI_STATUSES_IGNORE);
	free(req);
	return rc != MPI_SUCCESS ? rc : wrc;
}
static int nb_bcast(double *buf, int n, int root) { return MPI_Bcast(buf, n, MPI_DOUBLE, root, MPI_COMM_WORLD); }
static int nb_local_size(int *n) {
	MPI_Comm node;
	int rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
	if (rc != MPI_SUCCESS) return rc;
	rc = MPI_Comm_size(node, n);
	MPI_Comm_free(&node);
	return rc;
}
static int nb_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static void nb_abort(int code) { fflush(stdout); fflush(stderr); MPI_Abort(MPI_COMM_WORLD, code); }
static int nb_finalize(void) { return MPI_Finalize(); }
*/
import "C"

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"sync"
	"unsafe"
)

// MPIAvailable reports whether this binary was built with MPI (-tags mpi).
const MPIAvailable = true

// mpi is the rank of this process in MPI_COMM_WORLD.
//
// Its collectives move values with point-to-point messages straight from
// and into the callers' buffers (nb_exchange): a rank sends each other rank
// the pieces of that rank's segment where they lie and receives the pieces
// of its own segment into recv, or, in Allgather, straight into its
// buffers. No value is packed or unpacked, and on one host OpenMPI's
// shared-memory transport copies each message once (its single-copy
// mechanism, CMA by default). When every rank runs on this host, the
// Sharder collectives (and AllreduceSum, made of them) go through a
// shared-memory window instead (shm, mpi_shm.go). The sums are done here,
// in rank order, so that they are the same bits as Local's.
type mpi struct {
	rank, size int
	localSize  int       // ranks on this rank's host
	recv       []float64 // other ranks' parts of this rank's segment, rank by rank
	raux       []float64 // every rank's aux, rank by rank
	vals       []float64 // every rank's value in Allgather
	one        [1][]float64
	x          exchange
	shm        *shm // the Sharder collectives through shared memory, or nil
}

// exchange lists the messages of one nb_exchange in C memory, as the
// addresses of pinned Go buffers (runtime.Pinner: MPI holds them until the
// messages complete). The addresses are integers, not pointers: a pointer
// stored into C memory passes through the garbage collector's write
// barrier, which would mark the object that the slot's previous pointer,
// left from an earlier call, refers to, perhaps freed by now (the runtime
// stops with "found pointer to free object").
type exchange struct {
	pin    runtime.Pinner
	pinned map[*float64]bool // what pin holds, across calls (see keep)
	n      int
	ptr    []C.uintptr_t // C memory, as the next three
	cnt    []C.int
	peer   []C.int
	recv   []C.int
}

// add appends the message of the values v to or from rank peer.
func (x *exchange) add(v []float64, peer int, recv bool) {
	if len(v) == 0 {
		return
	}
	if x.n == len(x.ptr) {
		x.grow(max(16, 2*x.n))
	}
	x.keep(&v[0])
	x.ptr[x.n] = C.uintptr_t(uintptr(unsafe.Pointer(&v[0])))
	x.cnt[x.n], x.peer[x.n], x.recv[x.n] = C.int(len(v)), C.int(peer), 0
	if recv {
		x.recv[x.n] = 1
	}
	x.n++
}

// grow makes room for n messages.
func (x *exchange) grow(n int) {
	ptr := unsafe.Slice((*C.uintptr_t)(C.malloc(C.size_t(n)*C.size_t(unsafe.Sizeof(C.uintptr_t(0))))), n)
	ints := unsafe.Slice((*C.int)(C.malloc(C.size_t(3*n)*C.size_t(unsafe.Sizeof(C.int(0))))), 3*n)
	cnt, peer, recv := ints[:n:n], ints[n:2*n:2*n], ints[2*n:]
	copy(ptr, x.ptr[:x.n])
	copy(cnt, x.cnt[:x.n])
	copy(peer, x.peer[:x.n])
	copy(recv, x.recv[:x.n])
	if x.ptr != nil {
		C.free(unsafe.Pointer(&x.ptr[0]))
		C.free(unsafe.Pointer(&x.cnt[0]))
	}
	x.ptr, x.cnt, x.peer, x.recv = ptr, cnt, peer, recv
}

// maxPinned bounds how many buffers an exchange keeps pinned between calls.
const maxPinned = 256

// keep pins the buffer of p unless an earlier call pinned it already. A
// training step gives the same buffers at every step, so that after the
// first steps the collectives pin nothing: Pinner.Pin allocates once it
// holds more than a few pointers, and unpinning after every call made each
// collective allocate. A program that gives new buffers every time makes
// the set grow: past maxPinned, run unpins them all once the messages are
// done, so that no more than maxPinned buffers stay pinned (and alive).
func (x *exchange) keep(p *float64) {
	if x.pinned[p] {
		return
	}
	if x.pinned == nil {
		x.pinned = map[*float64]bool{}
	}
	x.pin.Pin(p)
	x.pinned[p] = true
}

// unpin unpins every buffer the exchange holds.
func (x *exchange) unpin() {
	x.pin.Unpin()
	clear(x.pinned)
}

// run sends and receives the listed messages, waits for all of them and
// empties the list.
func (x *exchange) run(op string) error {
	defer func() {
		if len(x.pinned) > maxPinned {
			x.unpin()
		}
		x.n = 0
	}()
	if x.n == 0 {
		return nil
	}
	return check(op, C.nb_exchange(C.int(x.n), &x.ptr[0], &x.cnt[0], &x.peer[0], &x.recv[0]))
}

var (
	mpiOnce sync.Once
	mpiComm *mpi
	mpiErr  error
)

// OpenMPI initialises MPI (once per process) and returns this process's
// rank of the job that mpirun started; a program started without mpirun is
// a job of one rank. MPI is initialised with MPI_THREAD_SERIALIZED: the
// collectives may be called from any goroutine, one call at a time.
func OpenMPI() (Comm, error) {
	mpiOnce.Do(func() {
		var provided C.int
		if rc := C.nb_init(&provided); rc != C.MPI_SUCCESS {
			mpiErr = fmt.Errorf("dist: MPI_Init_thread failed (code %d)", int(rc))
			return
		}
		if provided < C.MPI_THREAD_SERIALIZED {
			mpiErr = fmt.Errorf("dist: this MPI library does not support calls from several threads (MPI_THREAD_SERIALIZED)")
			return
		}
		var r, s C.int
		C.nb_rank(&r)
		C.nb_size(&s)
		mpiComm = &mpi{rank: int(r), size: int(s), localSize: 1}
		var l C.int
		if C.nb_local_size(&l) == C.MPI_SUCCESS && l > 0 {
			mpiComm.localSize = int(l)
		}
		mpiComm.shm = newSHM(mpiComm)
	})
	return mpiComm, mpiErr
}

// FinalizeMPI ends MPI after every rank has called it; call it once, at the
// end of the program, after the last collective.
func FinalizeMPI() {
	if mpiComm != nil {
		mpiComm.shm.free()
		mpiComm.x.unpin()
		C.nb_finalize()
	}
}

func (c *mpi) Rank() int { return c.rank }

// LocalSize returns the number of ranks of the job on this rank's host
// (MPI_Comm_split_type with MPI_COMM_TYPE_SHARED), found at OpenMPI.
func (c *mpi) LocalSize() int { return c.localSize }
func (c *mpi) Size() int      { return c.size }

func check(op string, rc C.int) error {
	if rc != C.MPI_SUCCESS {
		return fmt.Errorf("dist: %s failed (MPI error %d)", op, int(rc))
	}
	return nil
}

// AllreduceSum is ReduceScatterSum followed by Allgather, on the one
// buffer.
func (c *mpi) AllreduceSum(buf []float64) error {
	if c.size == 1 || len(buf) == 0 {
		return nil
	}
	c.one[0] = buf
	defer func() { c.one[0] = nil }()
	if err := c.ReduceScatterSum(c.one[:], nil); err != nil {
		return err
	}
	return c.allgather(c.one[:], 0, nil)
}

// Segment returns the bounds of this rank's segment of n values.
func (c *mpi) Segment(n int) (lo, hi int) { return segment(n, c.size, c.rank) }

// ReduceScatterSum sends every other rank its segment of bufs, piece by
// piece from where they lie, with aux; it receives the other ranks' pieces
// of its own segment and their aux, and adds them up in rank order into its
// segment of bufs and into aux.
func (c *mpi) ReduceScatterSum(bufs [][]float64, aux []float64) error {
	if c.size == 1 {
		return nil
	}
	if c.shm != nil {
		return c.shm.reduceScatterSum(bufs, aux)
	}
	n, a := total(bufs), len(aux)
	if n > math.MaxInt32 {
		return fmt.Errorf("dist: ReduceScatterSum of %d values; MPI counts stop at %d", n, math.MaxInt32)
	}
	lo, hi := segment(n, c.size, c.rank)
	m := hi - lo
	c.recv = grown(c.recv, c.size*m)
	c.raux = grown(c.raux, c.size*a)
	for q := range c.size {
		if q == c.rank {
			continue
		}
		in := c.recv[q*m : (q+1)*m]
		off := 0
		eachPart(bufs, lo, hi, func(k, from, to, _ int) {
			c.x.add(in[off:off+to-from], q, true)
			off += to - from
		})
		c.x.add(c.raux[q*a:(q+1)*a], q, true)
		qlo, qhi := segment(n, c.size, q)
		eachPart(bufs, qlo, qhi, func(k, from, to, _ int) { c.x.add(bufs[k][from:to], q, false) })
		c.x.add(aux, q, false)
	}
	err := c.x.run("ReduceScatterSum (MPI_Isend, MPI_Irecv)")
	runtime.KeepAlive(bufs)
	if err != nil {
		return err
	}
	off := 0
	eachPart(bufs, lo, hi, func(k, from, to, _ int) {
		sumInRankOrder(bufs[k][from:to], c.recv[off:], m, c.rank, c.size)
		off += to - from
	})
	if a > 0 {
		sumInRankOrder(aux, c.raux, a, c.rank, c.size)
	}
	return nil
}

// sumInRankOrder sets dst[i] to the sum over ranks q, in order, of rank q's
// value: dst[i] itself for q = rank, others[q·stride + i] for the others.
func sumInRankOrder(dst, others []float64, stride, rank, size int) {
	if size == 2 {
		// a + b and b + a are the same bits: one loop serves both ranks.
		o := others[(1-rank)*stride:][:len(dst)]
		for i, v := range o {
			dst[i] += v
		}
		return
	}
	for i, mine := range dst {
		var s float64
		for q := range size {
			v := mine
			if q != rank {
				v = others[q*stride+i]
			}
			if q == 0 {
				s = v
			} else {
				s += v
			}
		}
		dst[i] = s
	}
}

// grown returns b with length n, reallocated when it is too short.
func grown(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}

// Allgather sends every other rank this rank's segment of bufs, piece by
// piece from where they lie, and mine; it receives the other ranks'
// segments straight into bufs and their values into all.
func (c *mpi) Allgather(bufs [][]float64, mine float64, all []float64) error {
	if len(all) != c.size {
		return fmt.Errorf("dist: Allgather into %d values for %d ranks", len(all), c.size)
	}
	if c.size == 1 {
		all[0] = mine
		return nil
	}
	return c.allgather(bufs, mine, all)
}

// allgather is Allgather; with all nil it gathers no values.
func (c *mpi) allgather(bufs [][]float64, mine float64, all []float64) error {
	if c.shm != nil {
		return c.shm.allgather(bufs, mine, all)
	}
	n := total(bufs)
	if n > math.MaxInt32 {
		return fmt.Errorf("dist: Allgather of %d values; MPI counts stop at %d", n, math.MaxInt32)
	}
	gather := all != nil
	c.vals = grown(c.vals, c.size)
	c.vals[c.rank] = mine
	lo, hi := segment(n, c.size, c.rank)
	for q := range c.size {
		if q == c.rank {
			continue
		}
		qlo, qhi := segment(n, c.size, q)
		eachPart(bufs, qlo, qhi, func(k, from, to, _ int) { c.x.add(bufs[k][from:to], q, true) })
		eachPart(bufs, lo, hi, func(k, from, to, _ int) { c.x.add(bufs[k][from:to], q, false) })
		if gather {
			c.x.add(c.vals[q:q+1], q, true)
			c.x.add(c.vals[c.rank:c.rank+1], q, false)
		}
	}
	err := c.x.run("Allgather (MPI_Isend, MPI_Irecv)")
	runtime.KeepAlive(bufs)
	if err != nil {
		return err
	}
	copy(all, c.vals)
	return nil
}

// Broadcast is MPI_Bcast.
func (c *mpi) Broadcast(buf []float64, root int) error {
	if root < 0 || root >= c.size {
		return fmt.Errorf("dist: Broadcast from rank %d of %d", root, c.size)
	}
	if c.size == 1 || len(buf) == 0 {
		return nil
	}
	if len(buf) > math.MaxInt32 {
		return fmt.Errorf("dist: Broadcast of %d values; MPI counts stop at %d", len(buf), math.MaxInt32)
	}
	defer runtime.KeepAlive(buf)
	return check("MPI_Bcast", C.nb_bcast((*C.double)(unsafe.Pointer(&buf[0])), C.int(len(buf)), C.int(root)))
}

// Barrier is MPI_Barrier.
func (c *mpi) Barrier() error { return check("MPI_Barrier", C.nb_barrier()) }

// Abort prints err, prefixed by the rank, to standard error and ends every
// process of the job with exit status 1 (MPI_Abort); it does not return.
func (c *mpi) Abort(err error) {
	fmt.Fprintf(os.Stderr, "nabla: rank %d of %d: %v; stopping all %d ranks\n", c.rank, c.size, err, c.size)
	C.nb_abort(1)
	os.Exit(1)
}
