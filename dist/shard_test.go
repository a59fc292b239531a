package dist

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// TestLocalShardedMatchesAllreduce checks ReduceScatterSum and Allgather
// against AllreduceSum on the packed buffers: after a reduce-scatter, a
// change made to each rank's own segment only (here: none) and an
// allgather, every rank holds AllreduceSum's bits; the aux are summed in
// rank order and the gathered values arrive in rank order.
func TestLocalShardedMatchesAllreduce(t *testing.T) {
	sizes := []int{3, 0, 5, 1, 8} // buffer lengths, an empty one among them
	for _, n := range []int{1, 2, 3, 4} {
		vals := func(rank int) [][]float64 {
			bufs := make([][]float64, len(sizes))
			for k, m := range sizes {
				bufs[k] = make([]float64, m)
				for i := range bufs[k] {
					// Sums that depend on the order of addition.
					bufs[k][i] = []float64{1e16, 1, -1e16, 1}[rank%4] * float64(k*10+i+1)
				}
			}
			return bufs
		}
		want := make([][]float64, n)
		errs := runLocal(n, func(c Comm) error {
			var flat []float64
			for _, b := range vals(c.Rank()) {
				flat = append(flat, b...)
			}
			flat = append(flat, float64(c.Rank())+0.5)
			want[c.Rank()] = flat
			return c.AllreduceSum(flat)
		})
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got := make([][]float64, n)
		gathered := make([][]float64, n)
		errs = runLocal(n, func(c Comm) error {
			s := c.(Sharder)
			bufs := vals(c.Rank())
			for range 3 { // later calls must not see the earlier ones' state
				bufs = vals(c.Rank())
				aux := []float64{float64(c.Rank()) + 0.5}
				if err := s.ReduceScatterSum(bufs, aux); err != nil {
					return err
				}
				all := make([]float64, n)
				if err := s.Allgather(bufs, aux[0]*float64(c.Rank()+1), all); err != nil {
					return err
				}
				gathered[c.Rank()] = all
				var flat []float64
				for _, b := range bufs {
					flat = append(flat, b...)
				}
				got[c.Rank()] = append(flat, aux[0])
			}
			return nil
		})
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for r := range n {
			if !slices.Equal(got[r], want[r]) {
				t.Fatalf("n=%d rank %d: %v, AllreduceSum gives %v", n, r, got[r], want[r])
			}
			for q := range n {
				if g := gathered[r][q]; g != got[0][len(got[0])-1]*float64(q+1) {
					t.Fatalf("n=%d rank %d: gathered value of rank %d is %v", n, r, q, g)
				}
			}
		}
	}
}

// TestLocalShardedShapeMismatchIsAnError checks that lists of different
// shapes on different ranks fail on every rank instead of reading out of
// bounds.
func TestLocalShardedShapeMismatchIsAnError(t *testing.T) {
	errs := runLocal(2, func(c Comm) error {
		bufs := [][]float64{make([]float64, 4+c.Rank())}
		return c.(Sharder).ReduceScatterSum(bufs, nil)
	})
	for r, err := range errs {
		if err == nil {
			t.Fatalf("rank %d: no error", r)
		}
	}
}

// TestLocalBackToBackAllgathers checks collectives that follow each other
// without a reduce-scatter between them (as an optimizer's buffers are
// gathered after the last step's parameters): a rank released by one
// meeting must not overwrite what a slower rank still reads. Run with
// -race.
func TestLocalBackToBackAllgathers(t *testing.T) {
	const n, m, rounds = 3, 10, 50
	errs := runLocal(n, func(c Comm) error {
		s := c.(Sharder)
		all := make([]float64, n)
		lo, hi := s.Segment(m)
		for round := range rounds {
			for kind := range 3 {
				bufs := [][]float64{make([]float64, 4), make([]float64, m-4)}
				// Only this rank's segment holds its values.
				eachPart(bufs, lo, hi, func(k, from, to, _ int) {
					for i := from; i < to; i++ {
						bufs[k][i] = float64(round*100 + kind*10 + 4*k + i)
					}
				})
				if kind == 2 {
					bufs = nil
				}
				if err := s.Allgather(bufs, float64(round*10+kind+c.Rank()), all); err != nil {
					return err
				}
				for r, v := range all {
					if v != float64(round*10+kind+r) {
						return fmt.Errorf("round %d, gather %d: rank %d's value is %v", round, kind, r, v)
					}
				}
				for k, b := range bufs {
					for i, v := range b {
						if v != float64(round*100+kind*10+4*k+i) {
							return fmt.Errorf("round %d, gather %d: buffer %d value %d is %v", round, kind, k, i, v)
						}
					}
				}
			}
		}
		return nil
	})
	for r, err := range errs {
		if err != nil {
			t.Fatalf("rank %d: %v", r, err)
		}
	}
}

// TestLocalShardedStepsLargeBuffers runs steps of a sharded update (a
// reduce-scatter, a change to each rank's segment, an allgather) on buffers
// long enough for the staging copies' streamed stores, of lengths that put
// the segments' bounds inside lines, and checks every value against the
// sums computed in rank order, step after step (the staging buffers are
// reused every other collective).
func TestLocalShardedStepsLargeBuffers(t *testing.T) {
	sizes := []int{1000, 3, 777, 2048, 61}
	m := 0
	for _, s := range sizes {
		m += s
	}
	grad := func(rank, step, i int) float64 {
		// Large and small terms, so that the order of addition shows.
		return []float64{1e16, 1, -1e16, 3}[(rank+step)%4] * float64(i%97+1)
	}
	for _, n := range []int{2, 3} {
		errs := runLocal(n, func(c Comm) error {
			s := c.(Sharder)
			bufs := make([][]float64, len(sizes))
			for k, sz := range sizes {
				bufs[k] = make([]float64, sz)
			}
			params := make([]float64, m)
			pbufs := make([][]float64, len(sizes))
			off := 0
			for k, sz := range sizes {
				pbufs[k] = params[off : off+sz]
				off += sz
			}
			lo, hi := s.Segment(m)
			all := make([]float64, n)
			for step := range 6 {
				i := 0
				for _, b := range bufs {
					for j := range b {
						b[j] = grad(c.Rank(), step, i)
						i++
					}
				}
				if err := s.ReduceScatterSum(bufs, nil); err != nil {
					return err
				}
				i = 0
				for _, b := range bufs {
					for j := range b {
						if i >= lo && i < hi {
							want := grad(0, step, i)
							for r := 1; r < n; r++ {
								want += grad(r, step, i)
							}
							if b[j] != want {
								return fmt.Errorf("n %d, step %d: summed value %d is %v, want %v", n, step, i, b[j], want)
							}
							params[i] += b[j] // this rank's update of its segment
						}
						i++
					}
				}
				if err := s.Allgather(pbufs, 0, all); err != nil {
					return err
				}
			}
			// Every rank now holds the parameters every segment's owner
			// computed: the running sums of the batch gradients.
			for i, v := range params {
				var want float64
				for step := range 6 {
					w := grad(0, step, i)
					for r := 1; r < n; r++ {
						w += grad(r, step, i)
					}
					want += w
				}
				if v != want {
					return fmt.Errorf("n %d: parameter %d is %v, want %v", n, i, v, want)
				}
			}
			return nil
		})
		for r, err := range errs {
			if err != nil {
				t.Fatalf("rank %d: %v", r, err)
			}
		}
	}
}

// BenchmarkLocalSharedStep times what two workers' collectives add to a
// training step on the digits MLP's 19 210 parameters: each worker writes
// its whole gradient (as a backward pass does), reduce-scatters it, updates
// its segment of the parameters and allgathers them. "alone" is the same
// work with a barrier in place of each collective: what the step would cost
// if the values did not have to cross between the cores.
func BenchmarkLocalSharedStep(b *testing.B) {
	const m = 19210
	for _, mode := range []string{"alone", "shared"} {
		b.Run(mode, func(b *testing.B) {
			comms := Local(2)
			var wg sync.WaitGroup
			for _, c := range comms {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := c.(Sharder)
					src := make([]float64, m)
					for i := range src {
						src[i] = float64(i%13) * 1e-3
					}
					grads, params := make([]float64, m), make([]float64, m)
					gb, pb := [][]float64{grads}, [][]float64{params}
					lo, hi := s.Segment(m)
					all := make([]float64, 2)
					for range b.N {
						copy(grads, src)
						if mode == "shared" {
							_ = s.ReduceScatterSum(gb, nil)
						} else {
							_ = c.Barrier()
						}
						for i := lo; i < hi; i++ {
							params[i] -= 1e-3 * grads[i]
						}
						if mode == "shared" {
							_ = s.Allgather(pb, 0, all)
						} else {
							_ = c.Barrier()
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}
