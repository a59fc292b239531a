package dist

import (
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
