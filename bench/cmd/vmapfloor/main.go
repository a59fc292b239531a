// Command vmapfloor measures what per-example gradients of the MLP workload
// (784-256-10, batch 128) cost against what is physically possible on this
// machine: writing a result of their size once, into fresh memory and into
// reused memory, against one gradient of the batch. It reports, for each,
// the fastest of several runs in wall time and in CPU time (the process's,
// all threads), so that a loaded machine's figures can be read.
//
//	cd bench && go run ./cmd/vmapfloor            # GOMAXPROCS as the machine has
//	cd bench && GOMAXPROCS=1 go run ./cmd/vmapfloor
package main

import (
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/bench"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs f runs times after one warm-up run (prepare before each, not
// timed) and prints the fastest wall and CPU times.
func measure(name string, runs int, prepare, f func()) {
	if prepare == nil {
		prepare = func() {}
	}
	prepare()
	f()
	wall, cpu := time.Duration(1<<62), time.Duration(1<<62)
	for range runs {
		prepare()
		t0, c0 := time.Now(), cpuTime()
		f()
		wall, cpu = min(wall, time.Since(t0)), min(cpu, cpuTime()-c0)
	}
	fmt.Printf("| %s | %.2f ms | %.2f ms |\n", name, float64(wall)/1e6, float64(cpu)/1e6)
}

func main() {
	runs := flag.Int("runs", 15, "runs of each measurement (fewer for the slow ones)")
	flag.Parse()
	p := bench.NewPerExample()
	n := p.X.Shape()[0]
	fmt.Printf("GOMAXPROCS %d; fastest of %d runs (3 for Vmap and the loop)\n\n", runtime.GOMAXPROCS(0), *runs)
	fmt.Println("| what | wall | CPU |\n|---|--:|--:|")
	dts := []nabla.DType{nabla.Float64, nabla.Float32}
	for _, dt := range dts {
		q := p.As(dt)
		out := nabla.New(dt, n, q.Size())
		mb := float64(out.Size()*dt.Size()) / 1e6
		measure(fmt.Sprintf("%s: write %.0f MB once, reused memory", dt, mb), *runs, nil, func() { bench.WriteOnce(out) })
		measure(fmt.Sprintf("%s: one gradient of the batch", dt), *runs, nil, func() { q.BatchGradient() })
		measure(fmt.Sprintf("%s: per-example gradients, VmapInto", dt), *runs, nil, func() { q.VmapInto(out) })
	}
	// Fresh memory last: returning the heap to the operating system before
	// each run would make the measurements after it fault their pages in too.
	for _, dt := range dts {
		var fresh *nabla.Tensor
		size := n * p.Size()
		measure(fmt.Sprintf("%s: write %.0f MB once, fresh memory", dt, float64(size*dt.Size())/1e6), 5, func() {
			fresh = nil
			runtime.GC()
			debug.FreeOSMemory() // the next tensor's pages come from the OS
			fresh = nabla.New(dt, n, p.Size())
		}, func() { bench.WriteOnce(fresh) })
	}
	measure("float64: per-example gradients, Vmap (a new result each call)", 3, nil, func() { p.Vmap() })
	measure("float64: per-example gradients, a Go loop over the examples", 3, nil, func() { p.Loop() })
}
