package dist

import (
	"fmt"
	"slices"
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
