//go:build !mpi

package dist

import "errors"

// MPIAvailable reports whether this binary was built with MPI (-tags mpi).
const MPIAvailable = false

// OpenMPI reports that this binary was built without MPI: build with
// `-tags mpi` (needs libopenmpi-dev and cgo) for the real one.
func OpenMPI() (Comm, error) {
	return nil, errors.New("this nabla was built without MPI; rebuild it with `go build -tags mpi` (needs cgo and libopenmpi-dev)")
}

// FinalizeMPI does nothing without MPI.
func FinalizeMPI() {}
