package dist

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// runLocal runs f on each rank of a Local group and returns their errors.
func runLocal(n int, f func(c Comm) error) []error {
	comms := Local(n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r, c := range comms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[r] = f(c)
		}()
	}
	wg.Wait()
	return errs
}

func TestLocalAllreduceSumInRankOrder(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4} {
		for _, length := range []int{1, 2, 7, 100} {
			got := make([][]float64, n)
			errs := runLocal(n, func(c Comm) error {
				buf := make([]float64, length)
				for i := range buf {
					// Values whose sum depends on the order of addition.
					buf[i] = []float64{1e16, 1, -1e16, 1}[c.Rank()%4] * float64(i+1)
				}
				for range 3 { // a second call must not see the first's state
					b := append([]float64(nil), buf...)
					if err := c.AllreduceSum(b); err != nil {
						return err
					}
					got[c.Rank()] = b
				}
				return nil
			})
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			for i := range length {
				want := 1e16 * float64(i+1)
				for r := 1; r < n; r++ {
					want += []float64{1e16, 1, -1e16, 1}[r%4] * float64(i+1)
				}
				for r := range n {
					if got[r][i] != want {
						t.Fatalf("n=%d len=%d: rank %d element %d = %v, want %v (rank order)", n, length, r, i, got[r][i], want)
					}
				}
			}
		}
	}
}

func TestLocalBroadcastAndBarrier(t *testing.T) {
	errs := runLocal(3, func(c Comm) error {
		buf := []float64{float64(c.Rank()), float64(c.Rank())}
		if err := c.Broadcast(buf, 2); err != nil {
			return err
		}
		if buf[0] != 2 || buf[1] != 2 {
			return errors.New("broadcast did not copy root's values")
		}
		return c.Barrier()
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestLocalAbortReleasesWaiters: a rank that fails must not leave the
// others waiting forever in a collective.
func TestLocalAbortReleasesWaiters(t *testing.T) {
	errs := runLocal(3, func(c Comm) error {
		if c.Rank() == 1 {
			err := errors.New("disk on fire")
			c.Abort(err)
			return err
		}
		return c.AllreduceSum(make([]float64, 4))
	})
	for r, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "disk on fire") {
			t.Errorf("rank %d: error %v, want one naming the abort's reason", r, err)
		}
	}
}

func TestLocalLengthMismatchIsAnError(t *testing.T) {
	errs := runLocal(2, func(c Comm) error {
		return c.AllreduceSum(make([]float64, 3+c.Rank()))
	})
	for r, err := range errs {
		if err == nil {
			t.Errorf("rank %d: no error for buffers of different lengths", r)
		}
	}
}

func BenchmarkLocalAllreduceSum(b *testing.B) {
	for _, n := range []int{2, 4} {
		b.Run(map[int]string{2: "workers=2", 4: "workers=4"}[n], func(b *testing.B) {
			const length = 203530 // the Fashion-MNIST MLP 784-256-10
			b.SetBytes(length * 8)
			runLocal(n, func(c Comm) error {
				buf := make([]float64, length)
				for range b.N {
					if err := c.AllreduceSum(buf); err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
}

// TestLocalAllreduceSumVecMatchesPacked: summing buffers where they lie
// gives the bits of summing their concatenation.
func TestLocalAllreduceSumVecMatchesPacked(t *testing.T) {
	for _, n := range []int{2, 3} {
		lens := []int{5, 0, 1, 17, 2}
		packed := make([][]float64, n)
		vec := make([][]float64, n)
		errs := runLocal(n, func(c Comm) error {
			var flat []float64
			var bufs [][]float64
			for k, l := range lens {
				b := make([]float64, l)
				for i := range b {
					b[i] = []float64{1e16, 1.5, -1e16}[c.Rank()%3] * float64(k+i+1) / 3
				}
				bufs = append(bufs, b)
				flat = append(flat, b...)
			}
			if err := c.AllreduceSum(flat); err != nil {
				return err
			}
			if err := c.(VecReducer).AllreduceSumVec(bufs); err != nil {
				return err
			}
			packed[c.Rank()] = flat
			for _, b := range bufs {
				vec[c.Rank()] = append(vec[c.Rank()], b...)
			}
			return nil
		})
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for r := range n {
			for i := range packed[0] {
				if vec[r][i] != packed[0][i] {
					t.Fatalf("n=%d rank %d value %d: %v, packed %v", n, r, i, vec[r][i], packed[0][i])
				}
			}
		}
	}
}

// BenchmarkLocalMeeting times a meeting of 1, 2 or 4 ranks that each do
// the same work between meetings (about work µs of dependent arithmetic),
// the shape of a training step: ns/op is the work plus the meeting, so the
// meeting's cost is the difference from workers=1.
func BenchmarkLocalMeeting(b *testing.B) {
	perUS := itersPerMicrosecond()
	for _, n := range []int{1, 2, 4} {
		for _, work := range []int{0, 20, 100} {
			b.Run(fmt.Sprintf("workers=%d/work=%dus", n, work), func(b *testing.B) {
				runLocal(n, func(c Comm) error {
					for range b.N {
						spinWork(work * perUS)
						if err := c.Barrier(); err != nil {
							return err
						}
					}
					return nil
				})
			})
		}
	}
}

// itersPerMicrosecond calibrates spinWork: the fastest of five runs.
func itersPerMicrosecond() int {
	const n = 1 << 20
	best := time.Hour
	for range 5 {
		t := time.Now()
		spinWork(n)
		best = min(best, time.Since(t))
	}
	return max(1, int(n/best.Microseconds()))
}

var sink float64

// spinWork runs n dependent multiply-adds.
func spinWork(n int) {
	x := 1.0
	for range n {
		x = x*0.999999 + 1e-9
	}
	sink += x
}
