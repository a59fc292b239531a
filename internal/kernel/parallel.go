package kernel

import (
	"runtime"
	"sync"
)

// Grain is the smallest number of elements worth handing to another goroutine:
// below it, starting goroutines costs more than the work.
const Grain = 1 << 15

// Big reports whether n indices of the given cost are worth splitting across
// cores. Kernels test it first and call their loop directly when it is false,
// so that small tensors pay for no goroutine and no closure.
func Big(n, cost int) bool { return n >= 2 && n*cost >= 2*Grain && runtime.GOMAXPROCS(0) > 1 }

// Parallel calls f on consecutive chunks [lo, hi) covering [0, n), one chunk per
// core when n*cost is large, and inline otherwise. cost is the work per index in
// elements (1 for an elementwise op on one element, a row length for a row).
func Parallel(n, cost int, f func(lo, hi int)) {
	if !Big(n, cost) {
		f(0, n)
		return
	}
	workers := runtime.GOMAXPROCS(0)
	workers = min(workers, max(1, n*cost/Grain))
	workers = min(workers, n)
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		if hi == n {
			f(lo, hi) // the calling goroutine takes the last chunk
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}
