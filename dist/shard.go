package dist

import (
	"fmt"
	"unsafe"

	"github.com/nabla-go/nabla/internal/kernel"
)

// Sharder is implemented by a Comm whose ranks can share the work of one
// update: ReduceScatterSum leaves each rank the sums of its own segment of
// the gradients, the rank updates that segment of the parameters, and
// Allgather gives every rank every segment. That is the work of
// AllreduceSum on the gradients, with the update done once instead of on
// every rank. Local and OpenMPI implement it.
//
// The segments are those of AllreduceSum: of n values laid end to end (the
// buffers of a list, concatenated), rank r owns [r·n/size, (r+1)·n/size),
// which Segment returns.
//
// Concurrency: as for every collective, all ranks call the same sequence of
// collectives with lists of the same shape. The other ranks read a rank's
// buffers during its ReduceScatterSum and Allgather calls and until its
// next collective call returns: until then a rank may change its own
// segment of them, nothing else.
type Sharder interface {
	// Segment returns the bounds of this rank's segment of n values.
	Segment(n int) (lo, hi int)
	// ReduceScatterSum replaces, in this rank's bufs, the values of its
	// segment of their concatenation by their sums over all ranks, added
	// in rank order, and every rank's aux (the same length on every rank)
	// by the element-wise sum of all ranks' aux, in rank order. The values
	// of bufs outside the segment are left as they are.
	ReduceScatterSum(bufs [][]float64, aux []float64) error
	// Allgather copies into this rank's bufs every other rank's segment of
	// its bufs, and sets all[r] to rank r's mine for every rank r
	// (len(all) = Size()). bufs may be empty: it then gathers one value
	// per rank.
	Allgather(bufs [][]float64, mine float64, all []float64) error
}

// total returns the number of values in bufs.
func total(bufs [][]float64) int {
	n := 0
	for _, b := range bufs {
		n += len(b)
	}
	return n
}

// eachPart calls f(k, from, to, at) for each buffer k of bufs that has
// values in [lo, hi) of their concatenation, with the bounds of those
// values in buffer k and the offset of the first in the concatenation.
func eachPart(bufs [][]float64, lo, hi int, f func(k, from, to, at int)) {
	off := 0
	for k, b := range bufs {
		from, to := max(lo-off, 0), min(hi-off, len(b))
		if from < to {
			f(k, from, to, off+from)
		}
		off += len(b)
		if off >= hi {
			return
		}
	}
}

// Segment returns the bounds of this rank's segment of n values.
func (c *local) Segment(n int) (lo, hi int) { return segment(n, c.h.n, c.rank) }

// ReduceScatterSum: every rank copies into its staging buffer the parts of
// its buffers that are the others' segments, the ranks meet once, and each
// then sums its own segment from its buffers and the others' staging
// buffers (see stage).
func (c *local) ReduceScatterSum(bufs [][]float64, aux []float64) error {
	return c.reduceScatter("ReduceScatterSum", bufs, aux)
}

func (c *local) reduceScatter(op string, bufs [][]float64, aux []float64) error {
	h := c.h
	if h.n == 1 {
		return nil
	}
	sl := c.slots()
	n := total(bufs)
	st := c.stage(sl, n)
	for q := range h.n {
		if q != c.rank {
			lo, hi := segment(n, h.n, q)
			eachPart(bufs, lo, hi, func(k, from, to, at int) { kernel.CopyStream(st[at:at+to-from], bufs[k][from:to]) })
		}
	}
	sl.vecs[c.rank] = bufs
	sl.aux[c.rank] = append(sl.aux[c.rank][:0], aux...)
	if err := h.meet(c.rank, nil, func() error { return h.sameShape(op, sl.vecs, sl.aux) }); err != nil {
		return err
	}
	for i := range aux {
		s := sl.aux[0][i]
		for _, a := range sl.aux[1:] {
			s += a[i]
		}
		aux[i] = s
	}
	lo, hi := segment(n, h.n, c.rank)
	eachPart(bufs, lo, hi, func(k, from, to, at int) {
		dst := bufs[k][from:to]
		if h.n == 2 {
			// The common case, with the vectorised add: a+b is b+a to
			// the bit.
			kernel.AddTo(dst, sl.stage[1-c.rank][at:at+len(dst)])
			return
		}
		for i := range dst {
			s := dst[i]
			if c.rank != 0 {
				s = sl.stage[0][at+i]
			}
			for r := 1; r < h.n; r++ {
				if r == c.rank {
					s += dst[i]
				} else {
					s += sl.stage[r][at+i]
				}
			}
			dst[i] = s
		}
	})
	return nil
}

// Allgather: every rank copies its segment into its staging buffer, the
// ranks meet once, and each copies the others' segments from their staging
// buffers into its own buffers.
func (c *local) Allgather(bufs [][]float64, mine float64, all []float64) error {
	return c.allgather("Allgather", bufs, mine, all)
}

func (c *local) allgather(op string, bufs [][]float64, mine float64, all []float64) error {
	h := c.h
	if len(all) != h.n {
		return fmt.Errorf("dist: %s into %d values for %d ranks", op, len(all), h.n)
	}
	if h.n == 1 {
		all[0] = mine
		return nil
	}
	sl := c.slots()
	n := total(bufs)
	st := c.stage(sl, n)
	lo, hi := segment(n, h.n, c.rank)
	eachPart(bufs, lo, hi, func(k, from, to, at int) { kernel.CopyStream(st[at:at+to-from], bufs[k][from:to]) })
	sl.vecs[c.rank] = bufs
	sl.mine[c.rank] = mine
	if err := h.meet(c.rank, nil, func() error { return h.sameShape(op, sl.vecs, nil) }); err != nil {
		return err
	}
	copy(all, sl.mine)
	for r, src := range sl.stage {
		if r == c.rank {
			continue
		}
		lo, hi := segment(n, h.n, r)
		eachPart(bufs, lo, hi, func(k, from, to, at int) { copy(bufs[k][from:to], src[at:at+to-from]) })
	}
	return nil
}

// stage returns this rank's staging buffer in sl, of n values (more when
// an earlier collective needed more).
//
// The others read a rank's values from this copy, not from its buffers,
// and the copy is written with non-temporal stores (kernel.CopyStream).
// Reading a rank's gradients or parameters where they lie leaves the reader
// a copy of each cache line, which the owner must take back, a cross-core
// round trip a line, when it next writes them (the backward pass, the
// update). Streamed staging copies cost the owner a copy, and no round
// trips (see docs/DISTRIBUTED.md, "Staging copies that bypass the cache").
func (c *local) stage(sl *shardSlots, n int) []float64 {
	st := sl.stage[c.rank]
	if len(st) < n {
		st = alignedFloats(n)
		sl.stage[c.rank] = st
	}
	return st[:n]
}

// alignedFloats returns n zero values starting on a 64-byte boundary, so
// that staged lines line up with the values' offsets.
func alignedFloats(n int) []float64 {
	b := make([]float64, n+8)
	off := int((64-uintptr(unsafe.Pointer(&b[0]))%64)%64) / 8
	return b[off : off+n : off+n]
}

// slots returns the hub's slots for this rank's next Sharder collective
// (see shardSlots).
func (c *local) slots() *shardSlots {
	c.calls++
	return &c.h.sh[c.calls%2]
}

// sameShape checks that every rank gave lists of buffers of the same
// lengths, and aux of the same length.
func (h *hub) sameShape(op string, vecs [][][]float64, aux [][]float64) error {
	for r, v := range vecs {
		if len(v) != len(vecs[0]) {
			return fmt.Errorf("dist: %s: rank %d gave %d buffers, rank 0 %d", op, r, len(v), len(vecs[0]))
		}
		for k := range v {
			if len(v[k]) != len(vecs[0][k]) {
				return fmt.Errorf("dist: %s: buffer %d has %d values on rank %d, %d on rank 0", op, k, len(v[k]), r, len(vecs[0][k]))
			}
		}
	}
	for r, a := range aux {
		if len(a) != len(aux[0]) {
			return fmt.Errorf("dist: %s: rank %d gave %d aux values, rank 0 %d", op, r, len(a), len(aux[0]))
		}
	}
	return nil
}
