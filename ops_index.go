package nabla

import (
	"cmp"
	"math"
	"slices"
	"strconv"
)

// Sorting, padding and scattering by index. Each is a composition of the
// gather and scatter_add primitives (ops_shape.go), whose rules move
// gradients back along the same indices: their derivatives of every order
// come from those two ops, which the registry test checks. Pad's indices
// follow from shapes alone; Sort and TopK find theirs from x's values, and
// ScatterAdd and IndexAdd read their index tensor, in Go: inside a compiled
// function (Compile) Sort and TopK are an error, as are ScatterAdd and
// IndexAdd with an index computed from the function's arguments.

// Sort sorts x along axis, ascending or, with descending, descending, and
// returns the sorted values and, as an Int64 tensor of x's shape, where each
// came from (torch.sort with stable=True). Equal values keep their order;
// NaN sorts as the largest value. The gradient flows back to the positions
// the values came from.
func Sort(x *Tensor, axis int, descending bool) (values, indices *Tensor) {
	checkLive("sort", x)
	checkTraced("sort", x)
	if len(x.shape) == 0 {
		if axis != 0 && axis != -1 {
			panicf("sort", "axis %d is out of range for a scalar", axis)
		}
		return x, New(Int64)
	}
	ax := normAxis("sort", axis, len(x.shape))
	n := x.shape[ax]
	outer, inner := numel(x.shape[:ax]), numel(x.shape[ax+1:])
	idx := make([]int, x.Size())
	perm := make([]int, n)
	vals := make([]float64, n)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			for j := range perm {
				perm[j] = j
				vals[j] = x.at((o*n+j)*inner + i)
			}
			slices.SortStableFunc(perm, func(a, b int) int {
				c := cmp.Compare(vals[a], vals[b]) // NaN is the least for cmp
				if math.IsNaN(vals[a]) != math.IsNaN(vals[b]) {
					c = -c
				}
				if descending {
					return -c
				}
				return c
			})
			for j, p := range perm {
				idx[(o*n+j)*inner+i] = p
			}
		}
	}
	indices = New(Int64, x.shape...)
	for k, p := range idx {
		indices.f64[k] = float64(p)
	}
	return TakeAlongAxis(x, ax, idx), indices
}

// TopK returns the k largest values of x along axis (the k smallest when
// largest is false), in order, with their indices as an Int64 tensor, like
// torch.topk. Ties keep the lower index first.
func TopK(x *Tensor, k, axis int, largest bool) (values, indices *Tensor) {
	if len(x.shape) == 0 {
		panicf("topk", "cannot take the top k of a scalar")
	}
	ax := normAxis("topk", axis, len(x.shape))
	if k < 0 || k > x.shape[ax] {
		panicf("topk", "k = %d is out of range for axis %d of size %d", k, axis, x.shape[ax])
	}
	v, i := Sort(x, ax, largest)
	return Slice(v, ax, 0, k, 1), Slice(i, ax, 0, k, 1)
}

// PadMode selects how Pad fills the new entries. It is a plain value, safe
// to share between goroutines.
type PadMode uint8

// The padding modes of torch.nn.functional.pad.
const (
	PadConstant  PadMode = iota // a given value
	PadReflect                  // mirrored at the edge, the edge not repeated: 2 1 | 0 1 2 | 1 0
	PadReplicate                // the edge value repeated: 0 0 | 0 1 2 | 2 2
	PadCircular                 // wrapped around: 1 2 | 0 1 2 | 0 1
)

// String returns the mode's name as PyTorch spells it.
func (m PadMode) String() string {
	switch m {
	case PadConstant:
		return "constant"
	case PadReflect:
		return "reflect"
	case PadReplicate:
		return "replicate"
	case PadCircular:
		return "circular"
	}
	return "PadMode(" + strconv.Itoa(int(m)) + ")"
}

// Pad pads x as torch.nn.functional.pad(x, pads, mode, value) does: pads
// holds (before, after) pairs for the last axis, then the one before it,
// and so on. A negative amount crops. In PadConstant mode the new entries
// are value (which is ignored by the other modes); PadReflect needs each
// amount smaller than its axis, PadCircular at most its axis. The gradient
// of a repeated entry is the sum over its copies.
func Pad(x *Tensor, pads []int, mode PadMode, value float64) *Tensor {
	r := len(x.shape)
	if len(pads)%2 != 0 || len(pads) > 2*r {
		panicf("pad", "%d padding amounts for a tensor of shape %s: want (before, after) pairs, at most %d", len(pads), fmtShape(x.shape), 2*r)
	}
	if mode > PadCircular {
		panicf("pad", "unknown mode %s", mode)
	}
	// src[d][o] is the coordinate along d that output coordinate o reads,
	// or -1 for a constant entry.
	shape := slices.Clone(x.shape)
	src := make([][]int, r)
	for d := 0; d < r; d++ {
		n, lo, hi := x.shape[d], 0, 0
		if k := r - 1 - d; 2*k < len(pads) {
			lo, hi = pads[2*k], pads[2*k+1]
		}
		shape[d] = n + lo + hi
		if shape[d] < 0 {
			panicf("pad", "padding (%d, %d) leaves axis %d of size %d with a negative size", lo, hi, d, n)
		}
		switch {
		case mode == PadReflect && (max(lo, hi) >= n && max(lo, hi) > 0):
			panicf("pad", "reflect padding (%d, %d) of axis %d must be smaller than its size %d", lo, hi, d, n)
		case mode == PadCircular && max(lo, hi) > n:
			panicf("pad", "circular padding (%d, %d) of axis %d must be at most its size %d", lo, hi, d, n)
		case mode == PadReplicate && n == 0 && shape[d] > 0:
			panicf("pad", "cannot replicate the edge of axis %d of size 0", d)
		}
		src[d] = make([]int, shape[d])
		for o := range src[d] {
			s := o - lo
			switch {
			case s >= 0 && s < n:
			case mode == PadConstant:
				s = -1
			case mode == PadReflect && s < 0:
				s = -s
			case mode == PadReflect:
				s = 2*(n-1) - s
			case mode == PadReplicate:
				s = min(max(s, 0), n-1)
			case mode == PadCircular:
				s = ((s % n) + n) % n
			}
			src[d][o] = s
		}
	}
	// Walk the output in row-major order.
	total := numel(shape)
	inSt := stridesOf(x.shape)
	from, to := make([]int, 0, total), make([]int, 0, total)
	coord := make([]int, r)
	for k := 0; k < total; k++ {
		off := 0
		for d := 0; d < r; d++ {
			s := src[d][coord[d]]
			if s < 0 {
				off = -1
				break
			}
			off += s * inSt[d]
		}
		if off >= 0 {
			from, to = append(from, off), append(to, k)
		}
		for d := r - 1; d >= 0; d-- {
			coord[d]++
			if coord[d] < shape[d] {
				break
			}
			coord[d] = 0
		}
	}
	if len(from) == total {
		return gather(x, from, shape)
	}
	out := scatterAddOp.Apply(gatherParams{to, shape}, gather(x, from, []int{len(from)}))
	if value == 0 {
		return out
	}
	mask := New(Bool, shape...)
	mask.fill(1)
	for _, k := range to {
		mask.f64[k] = 0
	}
	return Where(mask, FullLike(out, value), out)
}

// checkIndex returns the values of an Int64 index tensor, each in [0, n).
func checkIndex(op string, index *Tensor, n, axis int) []int {
	if index.dtype != Int64 {
		panicf(op, "index is a %s tensor; indices are Int64 (convert with As(nabla.Int64))", index.dtype)
	}
	checkLive(op, index)
	checkTraced(op, index)
	idx := index.Ints()
	for p, v := range idx {
		if v < 0 || v >= n {
			panicf(op, "index %d at position %d is out of range for axis %d of size %d", v, p, axis, n)
		}
	}
	return idx
}

// ScatterAdd returns x with src's entries added at the positions index
// names along axis, like torch.scatter_add(x, axis, index, src): for a
// matrix and axis 0, out[index[i][j]][j] += src[i][j]. index is an Int64
// tensor of x's rank whose every dimension is at most src's, and at most
// x's except along axis; only the entries of src that index covers are
// used. Repeated indices add up. The gradient flows to x and src.
func ScatterAdd(x *Tensor, axis int, index, src *Tensor) *Tensor {
	r := len(x.shape)
	if len(index.shape) != r || len(src.shape) != r {
		panicf("scatter_add", "x %s, index %s and src %s must have the same number of dimensions", fmtShape(x.shape), fmtShape(index.shape), fmtShape(src.shape))
	}
	ax := normAxis("scatter_add", axis, r)
	for d := 0; d < r; d++ {
		if index.shape[d] > src.shape[d] || d != ax && index.shape[d] > x.shape[d] {
			panicf("scatter_add", "index %s does not fit src %s and x %s along axis %d", fmtShape(index.shape), fmtShape(src.shape), fmtShape(x.shape), d)
		}
	}
	checkDType("scatter_add", x, src)
	idx := checkIndex("scatter_add", index, x.shape[ax], axis)
	xSt, sSt := stridesOf(x.shape), stridesOf(src.shape)
	to, from := make([]int, len(idx)), make([]int, len(idx))
	coord := make([]int, r)
	for p, v := range idx {
		for d := 0; d < r; d++ {
			c := coord[d]
			from[p] += c * sSt[d]
			if d == ax {
				c = v
			}
			to[p] += c * xSt[d]
		}
		for d := r - 1; d >= 0; d-- {
			coord[d]++
			if coord[d] < index.shape[d] {
				break
			}
			coord[d] = 0
		}
	}
	part := src
	if !sameShape(index.shape, src.shape) {
		part = gather(src, from, []int{len(from)})
	}
	return Add(x, scatterAddOp.Apply(gatherParams{to, x.shape}, Reshape(part, len(to))))
}

// IndexAdd returns x with source added at the indices along axis, like
// torch.index_add(x, axis, index, source): source has x's shape with axis
// of length len(index), and source's slice i is added to x's slice
// index[i]. index is a vector of Int64; repeated indices add up. The
// gradient flows to x and source.
func IndexAdd(x *Tensor, axis int, index, source *Tensor) *Tensor {
	r := len(x.shape)
	if r == 0 {
		panicf("index_add", "cannot index a scalar")
	}
	ax := normAxis("index_add", axis, r)
	if len(index.shape) != 1 {
		panicf("index_add", "index has shape %s; want a vector", fmtShape(index.shape))
	}
	want := slices.Clone(x.shape)
	want[ax] = index.shape[0]
	if !sameShape(source.shape, want) {
		panicf("index_add", "source has shape %s; want %s for x %s and %d indices along axis %d", fmtShape(source.shape), fmtShape(want), fmtShape(x.shape), index.shape[0], axis)
	}
	checkDType("index_add", x, source)
	idx := checkIndex("index_add", index, x.shape[ax], axis)
	n := x.shape[ax]
	outer, inner := numel(x.shape[:ax]), numel(x.shape[ax+1:])
	to := make([]int, 0, source.Size())
	for o := 0; o < outer; o++ {
		for _, v := range idx {
			for i := 0; i < inner; i++ {
				to = append(to, (o*n+v)*inner+i)
			}
		}
	}
	return Add(x, scatterAddOp.Apply(gatherParams{to, x.shape}, Reshape(source, len(to))))
}
