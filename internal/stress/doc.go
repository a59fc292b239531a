// Package stress holds nabla's concurrency mixes: workloads that run the
// engine from several goroutines at once and compare every result, bit for
// bit, with the same work done serially beforehand (issue 12, "What to
// build" item 3).
//
// Each mix computes a reference in the calling goroutine, then runs
// Config.Goroutines goroutines, each with its own *nabla.Tape, doing
// Config.Iters work items apiece; every result is compared with
// math.Float64bits against the reference, every nabla error and every other
// panic is recovered in its goroutine and counted. A mix returns nil, or a
// *Failure with the counts and the first few messages.
//
// The concurrency test suite (concurrency_test.go in the root package) calls
// every mix once; the command in internal/stress/cmd/stress runs them all in
// a loop for a given duration. Run either under -race.
package stress
