//go:build race

package kernel

// raceBuild reports a -race build. Its instrumentation spills and reloads
// values around each memory access, and the Go compiler then picks other
// operands as destinations of the scalar adds and multiplies: where both are
// NaNs the Go loop returns the other payload. The Adam tests accept any NaN
// for a NaN there; all other bits must still agree.
const raceBuild = true
