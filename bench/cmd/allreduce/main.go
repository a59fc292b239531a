// Command allreduce times dist's AllreduceSum on buffers of the sizes of
// nabla's models' gradients. Under mpirun (a binary built with -tags mpi)
// it times the MPI ranks; with -local N, N goroutines of one process.
// Rank 0 prints one line per size: "values seconds-per-call".
//
//	go build -tags mpi -o /tmp/allreduce ./cmd/allreduce
//	mpirun -np 2 /tmp/allreduce
//	go run ./cmd/allreduce -local 2
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/nabla-go/nabla/dist"
)

// Sizes are the gradients of the digits MLP 64-256-10, the Fashion-MNIST
// MLP 784-256-10 and the Fashion-MNIST CNN of `nabla train --model cnn`
// (3×3 convolutions of 32 and 64 channels, dense 3136-256-10), plus the
// loss and stop slots train adds.
var sizes = []int{19210 + 2, 203530 + 2, 824458 + 2}

func main() {
	local := flag.Int("local", 0, "time N goroutines of this process instead of MPI ranks")
	calls := flag.Duration("time", time.Second, "time spent on each size")
	flag.Parse()
	var comms []dist.Comm
	if *local > 0 {
		comms = dist.Local(*local)
	} else {
		c, err := dist.OpenMPI()
		if err != nil {
			fmt.Fprintln(os.Stderr, "allreduce:", err)
			os.Exit(2)
		}
		defer dist.FinalizeMPI()
		comms = []dist.Comm{c}
	}
	var wg sync.WaitGroup
	for _, c := range comms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := timeSizes(c, *calls); err != nil {
				c.Abort(err)
			}
		}()
	}
	wg.Wait()
}

// timeSizes runs AllreduceSum on each size for about d; rank 0 decides when
// to stop (a broadcast), so that all ranks make the same number of calls.
func timeSizes(c dist.Comm, d time.Duration) error {
	for _, n := range sizes {
		buf := make([]float64, n)
		flag := []float64{0}
		calls := 0
		start := time.Now()
		for {
			if err := c.AllreduceSum(buf); err != nil {
				return err
			}
			calls++
			if calls%10 == 0 {
				if c.Rank() == 0 && time.Since(start) > d {
					flag[0] = 1
				}
				if err := c.Broadcast(flag, 0); err != nil {
					return err
				}
				if flag[0] == 1 {
					break
				}
			}
		}
		if c.Rank() == 0 {
			fmt.Printf("%d %g\n", n, time.Since(start).Seconds()/float64(calls))
		}
	}
	return nil
}
