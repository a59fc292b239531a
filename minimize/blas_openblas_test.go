//go:build openblas

package minimize_test

// openBLAS reports whether the tests run on OpenBLAS (the openblas build
// tag), whose rounding of gonum/mat's small products differs from gonum's
// pure-Go BLAS in the last bits.
const openBLAS = true
