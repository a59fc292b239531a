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
static int nb_alltoallv(double *send, int *scounts, int *sdispls, double *recv, int *rcounts, int *rdispls) {
	return MPI_Alltoallv(send, scounts, sdispls, MPI_DOUBLE, recv, rcounts, rdispls, MPI_DOUBLE, MPI_COMM_WORLD);
}
static int nb_allgatherv(double *buf, int *counts, int *displs) {
	return MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, counts, displs, MPI_DOUBLE, MPI_COMM_WORLD);
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
type mpi struct {
	rank, size       int
	localSize        int     // ranks on this rank's host
	counts, displs   []C.int // segment sizes and starts, for the current length
	rcounts, rdispls []C.int
	recv             []float64            // this rank's segment from every rank
	n                int                  // the length counts describe
	rs               map[[2]int]*rsLayout // by values and aux values
	ag               map[int]*agLayout    // by values
}

// rsLayout is the message layout of ReduceScatterSum for n values and a aux
// values: each rank sends segment r followed by its aux to rank r, so that
// every rank receives, and sums, all the aux.
type rsLayout struct {
	sc, sd, rc, rd []C.int // send and receive counts and offsets
	send, recv     []float64
}

// agLayout is the message layout of Allgather for n values: each rank
// contributes its segment followed by its value.
type agLayout struct {
	gc, gd []C.int // counts and offsets
	gath   []float64
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
	})
	return mpiComm, mpiErr
}

// FinalizeMPI ends MPI after every rank has called it; call it once, at the
// end of the program, after the last collective.
func FinalizeMPI() {
	if mpiComm != nil {
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

// layout sets the segment counts for buffers of n values.
func (c *mpi) layout(n int) {
	if c.n == n && c.counts != nil {
		return
	}
	c.n = n
	c.counts, c.displs = make([]C.int, c.size), make([]C.int, c.size)
	c.rcounts, c.rdispls = make([]C.int, c.size), make([]C.int, c.size)
	mlo, mhi := segment(n, c.size, c.rank)
	m := mhi - mlo
	for r := range c.size {
		lo, hi := segment(n, c.size, r)
		c.counts[r], c.displs[r] = C.int(hi-lo), C.int(lo)
		c.rcounts[r], c.rdispls[r] = C.int(m), C.int(r*m)
	}
	c.recv = make([]float64, max(1, c.size*m))
}

// AllreduceSum is a reduce-scatter (MPI_Alltoallv: rank r receives segment
// r of every buffer and adds them in rank order) followed by an allgather
// of the summed segments (MPI_Allgatherv, in place).
func (c *mpi) AllreduceSum(buf []float64) error {
	if c.size == 1 || len(buf) == 0 {
		return nil
	}
	if len(buf) > math.MaxInt32 {
		return fmt.Errorf("dist: AllreduceSum of %d values; MPI counts stop at %d", len(buf), math.MaxInt32)
	}
	c.layout(len(buf))
	defer runtime.KeepAlive(buf)
	if err := check("MPI_Alltoallv", C.nb_alltoallv((*C.double)(unsafe.Pointer(&buf[0])), &c.counts[0], &c.displs[0],
		(*C.double)(unsafe.Pointer(&c.recv[0])), &c.rcounts[0], &c.rdispls[0])); err != nil {
		return err
	}
	lo, hi := segment(len(buf), c.size, c.rank)
	m := hi - lo
	for i := range m {
		s := c.recv[i]
		for r := 1; r < c.size; r++ {
			s += c.recv[r*m+i]
		}
		buf[lo+i] = s
	}
	return check("MPI_Allgatherv", C.nb_allgatherv((*C.double)(unsafe.Pointer(&buf[0])), &c.counts[0], &c.displs[0]))
}

// Segment returns the bounds of this rank's segment of n values.
func (c *mpi) Segment(n int) (lo, hi int) { return segment(n, c.size, c.rank) }

// rsLayout returns ReduceScatterSum's layout for n values and a aux
// values, made once per shape.
func (c *mpi) rsLayout(n, a int) *rsLayout {
	if l := c.rs[[2]int{n, a}]; l != nil {
		return l
	}
	l := &rsLayout{sc: make([]C.int, c.size), sd: make([]C.int, c.size), rc: make([]C.int, c.size), rd: make([]C.int, c.size)}
	mlo, mhi := segment(n, c.size, c.rank)
	m := mhi - mlo
	off := 0
	for r := range c.size {
		lo, hi := segment(n, c.size, r)
		l.sc[r], l.sd[r] = C.int(hi-lo+a), C.int(off)
		off += hi - lo + a
		l.rc[r], l.rd[r] = C.int(m+a), C.int(r*(m+a))
	}
	l.send = make([]float64, max(1, off))
	l.recv = make([]float64, max(1, c.size*(m+a)))
	if c.rs == nil {
		c.rs = map[[2]int]*rsLayout{}
	}
	c.rs[[2]int{n, a}] = l
	return l
}

// agLayout returns Allgather's layout for n values, made once per length.
func (c *mpi) agLayout(n int) *agLayout {
	if l := c.ag[n]; l != nil {
		return l
	}
	l := &agLayout{gc: make([]C.int, c.size), gd: make([]C.int, c.size)}
	off := 0
	for r := range c.size {
		lo, hi := segment(n, c.size, r)
		l.gc[r], l.gd[r] = C.int(hi-lo+1), C.int(off)
		off += hi - lo + 1
	}
	l.gath = make([]float64, off)
	if c.ag == nil {
		c.ag = map[int]*agLayout{}
	}
	c.ag[n] = l
	return l
}

// ReduceScatterSum packs segment r of bufs and aux for every rank r,
// exchanges them with MPI_Alltoallv and adds up what it receives in rank
// order.
func (c *mpi) ReduceScatterSum(bufs [][]float64, aux []float64) error {
	if c.size == 1 {
		return nil
	}
	n, a := total(bufs), len(aux)
	if n+c.size*a > math.MaxInt32 {
		return fmt.Errorf("dist: ReduceScatterSum of %d values; MPI counts stop at %d", n, math.MaxInt32)
	}
	l := c.rsLayout(n, a)
	for r := range c.size {
		lo, hi := segment(n, c.size, r)
		off := int(l.sd[r])
		eachPart(bufs, lo, hi, func(k, from, to int) { off += copy(l.send[off:], bufs[k][from:to]) })
		copy(l.send[off:], aux)
	}
	if err := check("MPI_Alltoallv", C.nb_alltoallv((*C.double)(unsafe.Pointer(&l.send[0])), &l.sc[0], &l.sd[0],
		(*C.double)(unsafe.Pointer(&l.recv[0])), &l.rc[0], &l.rd[0])); err != nil {
		return err
	}
	lo, hi := segment(n, c.size, c.rank)
	w := hi - lo + a // one rank's message
	for i := range w {
		s := l.recv[i]
		for r := 1; r < c.size; r++ {
			s += l.recv[r*w+i]
		}
		l.recv[i] = s
	}
	off := 0
	eachPart(bufs, lo, hi, func(k, from, to int) { off += copy(bufs[k][from:to], l.recv[off:]) })
	copy(aux, l.recv[off:off+a])
	return nil
}

// Allgather packs this rank's segment and value at its place in one buffer,
// gathers it in place with MPI_Allgatherv and unpacks the other ranks'.
func (c *mpi) Allgather(bufs [][]float64, mine float64, all []float64) error {
	if len(all) != c.size {
		return fmt.Errorf("dist: Allgather into %d values for %d ranks", len(all), c.size)
	}
	if c.size == 1 {
		all[0] = mine
		return nil
	}
	n := total(bufs)
	if n+c.size > math.MaxInt32 {
		return fmt.Errorf("dist: Allgather of %d values; MPI counts stop at %d", n, math.MaxInt32)
	}
	l := c.agLayout(n)
	lo, hi := segment(n, c.size, c.rank)
	off := int(l.gd[c.rank])
	eachPart(bufs, lo, hi, func(k, from, to int) { off += copy(l.gath[off:], bufs[k][from:to]) })
	l.gath[off] = mine
	if err := check("MPI_Allgatherv", C.nb_allgatherv((*C.double)(unsafe.Pointer(&l.gath[0])), &l.gc[0], &l.gd[0])); err != nil {
		return err
	}
	for r := range c.size {
		lo, hi := segment(n, c.size, r)
		off := int(l.gd[r])
		if r != c.rank {
			eachPart(bufs, lo, hi, func(k, from, to int) { off += copy(bufs[k][from:to], l.gath[off:]) })
		} else {
			off += hi - lo
		}
		all[r] = l.gath[off]
	}
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
