// Package dist holds the collectives of data-parallel training: a Comm sums
// gradients across workers (AllreduceSum), copies values from one worker to
// the others (Broadcast) and waits for all of them (Barrier).
//
// Two implementations share the interface and the order of summation:
//
//   - Local(n) returns n communicators for n goroutines of one process;
//   - OpenMPI() (build tag mpi, a thin cgo binding to the MPI C API) joins
//     the job that mpirun started, one process per rank.
//
// AllreduceSum adds the ranks' buffers element by element in rank order,
// ((b₀ + b₁) + b₂) + …, and gives every rank the same bits. Under MPI the rank
// that owns a segment of the buffer sums it and sends the result to the
// others (a reduce-scatter, then an allgather: 2·(n−1)/n of the buffer per
// rank, as a ring allreduce moves), with point-to-point messages
// (MPI_Isend, MPI_Irecv) straight from and into the callers' buffers, so
// that nothing is packed or unpacked, or, when every rank runs on one host,
// through a shared-memory window (MPI_Win_allocate_shared, mpi_shm.go):
// each rank writes what the others need into its part, raises a flag and
// reads the others' parts where they lie (NABLA_MPI_SHM=0 keeps the
// messages). In one process, Local does the same with the goroutines:
// each rank copies what the others need into a staging buffer of its own,
// with stores that bypass the cache (see local.stage), the ranks meet, and
// each sums its segment, then the segments are gathered the same way;
// AllreduceSumVec (the VecReducer interface) does it on a list of buffers
// in place. The order is the same everywhere, so Local and MPI produce
// bit-identical sums from the same inputs, and replicas that apply the
// same update to the same sums stay bit-identical.
// MPI_Allreduce is not used because MPI does not promise an order.
//
// Both also implement Sharder, the two halves of AllreduceSum apart: a
// reduce-scatter (each rank gets the sums of its own segment) and an
// allgather (each rank's segment to every rank), so that replicas can
// share the work of an update, each updating its segment of the
// parameters in between. The sums are AllreduceSum's, bit for bit.
// LocalSizer tells how many ranks share this rank's host.
//
// Concurrency: each Comm belongs to one goroutine (its rank); the
// collectives are blocking and every rank must call the same collectives in
// the same order with buffers of the same length. Abort, unlike the others,
// may be called from any goroutine at any time.
//
// Failure: a rank that cannot go on calls Abort. With Local, every pending
// and later collective call of every rank then returns an error naming the
// aborting rank and its reason; with MPI, Abort prints the reason and ends
// every process of the job (MPI_Abort), so that no rank waits forever for a
// peer that is gone.
package dist
