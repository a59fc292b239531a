package kernel

import "math"

// ReduceOp names a reduction.
type ReduceOp uint8

// The reductions.
const (
	Sum ReduceOp = iota
	Prod
	MaxOf
	MinOf
)

func identity(op ReduceOp) float64 {
	switch op {
	case Prod:
		return 1
	case MaxOf:
		return math.Inf(-1)
	case MinOf:
		return math.Inf(1)
	}
	return 0
}

func combine(op ReduceOp, acc, v float64) float64 {
	switch op {
	case Sum:
		return acc + v
	case Prod:
		return acc * v
	case MaxOf:
		// NaN wins, as in NumPy and PyTorch.
		if v > acc || v != v {
			return v
		}
		return acc
	default:
		if v < acc || v != v {
			return v
		}
		return acc
	}
}

// Reduce reduces src of shape over the axes marked in reduced into dst (whose
// length is the product of the kept dimensions), accumulating in float64.
func Reduce[T Float](op ReduceOp, dst, src []T, shape []int, reduced []bool) {
	if len(dst) == 1 {
		dst[0] = T(reduceAll(op, src))
		return
	}
	// Split the shape into [outer kept/reduced dims..., inner block]: the common
	// cases are "reduce the trailing axes" (rows) and "reduce the leading axes".
	rank := len(shape)
	trailing := 0 // number of trailing reduced axes
	for i := rank - 1; i >= 0 && reduced[i]; i-- {
		trailing++
	}
	inner := 1
	for _, d := range shape[rank-trailing:] {
		inner *= d
	}
	if trailing > 0 && noneReduced(reduced[:rank-trailing]) {
		// dst[r] = reduce(src[r*inner:(r+1)*inner])
		if !Big(len(dst), inner) {
			reduceRows(op, dst, src, inner, 0, len(dst))
			return
		}
		Parallel(len(dst), inner, func(lo, hi int) { reduceRows(op, dst, src, inner, lo, hi) })
		return
	}
	leading := 0 // number of leading reduced axes
	for leading < rank && reduced[leading] {
		leading++
	}
	if leading > 0 && trailing == 0 && noneReduced(reduced[leading:]) {
		// dst[j] = reduce over r of src[r*len(dst)+j]: whole rows at a time.
		w := len(dst)
		// The sums are float64: in dst itself for float64, else in acc.
		acc, in := any(dst).([]float64)
		if !in {
			acc = make([]float64, w)
		}
		for j := range acc {
			acc[j] = identity(op)
		}
		for r := 0; r < len(src)/w; r++ {
			row := src[r*w : (r+1)*w]
			if op == Sum {
				// The vectorised add where the sums are dst (float64): the
				// same additions, element by element.
				if in && vvAsm(Add, acc, acc, any(row).([]float64)) {
					continue
				}
				for j, v := range row {
					acc[j] += float64(v)
				}
				continue
			}
			for j, v := range row {
				acc[j] = combine(op, acc[j], float64(v))
			}
		}
		if !in {
			for j, v := range acc {
				dst[j] = T(v)
			}
		}
		return
	}
	if a, b, c, ok := outerMiddleInner(shape, reduced); ok {
		// dst[j] = reduce over i, k of src[(i*b+j)*c+k]: per-channel sums of
		// an (N, C, H, W) tensor. Each j reads a contiguous row per i.
		Parallel(b, a*c, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				acc := identity(op)
				for i := 0; i < a; i++ {
					acc = combine(op, acc, reduceSlice(op, src[(i*b+j)*c:(i*b+j+1)*c]))
				}
				dst[j] = T(acc)
			}
		})
		return
	}
	// General case: walk the source, map each element to its output offset.
	acc := make([]float64, len(dst))
	for i := range acc {
		acc[i] = identity(op)
	}
	outStride := make([]int, rank)
	s := 1
	for i := rank - 1; i >= 0; i-- {
		if !reduced[i] {
			outStride[i] = s
			s *= shape[i]
		}
	}
	idx := make([]int, rank)
	off := 0
	for _, v := range src {
		acc[off] = combine(op, acc[off], float64(v))
		for d := rank - 1; d >= 0; d-- {
			idx[d]++
			off += outStride[d]
			if idx[d] < shape[d] {
				break
			}
			off -= idx[d] * outStride[d]
			idx[d] = 0
		}
	}
	for i, v := range acc {
		dst[i] = T(v)
	}
}

// outerMiddleInner reports whether the axes fall into three runs, reduced,
// kept, reduced, and returns the runs' sizes.
func outerMiddleInner(shape []int, reduced []bool) (a, b, c int, ok bool) {
	a, b, c = 1, 1, 1
	i := 0
	for ; i < len(shape) && reduced[i]; i++ {
		a *= shape[i]
	}
	for ; i < len(shape) && !reduced[i]; i++ {
		b *= shape[i]
	}
	for ; i < len(shape) && reduced[i]; i++ {
		c *= shape[i]
	}
	return a, b, c, i == len(shape) && a > 1 && c > 1
}

func reduceRows[T Float](op ReduceOp, dst, src []T, inner, lo, hi int) {
	for r := lo; r < hi; r++ {
		dst[r] = T(reduceSlice(op, src[r*inner:(r+1)*inner]))
	}
}

func noneReduced(r []bool) bool {
	for _, x := range r {
		if x {
			return false
		}
	}
	return true
}

func reduceAll[T Float](op ReduceOp, src []T) float64 {
	if op != Sum || len(src) < 2*Grain {
		return reduceSlice(op, src)
	}
	parts := make([]float64, (len(src)+Grain-1)/Grain)
	Parallel(len(parts), Grain, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			parts[p] = reduceSlice(op, src[p*Grain:min((p+1)*Grain, len(src))])
		}
	})
	return reduceSlice(Sum, parts)
}

func reduceSlice[T Float](op ReduceOp, s []T) float64 {
	if op == Sum {
		return sum(s)
	}
	acc := identity(op)
	for _, v := range s {
		acc = combine(op, acc, float64(v))
	}
	return acc
}

// sumLeaf is the longest block sum adds with its accumulators.
const sumLeaf = 1024

// sum adds with four accumulators, pairwise over blocks, to keep rounding error
// near O(log n) instead of O(n). Long slices go to sumAsm, which gives the
// same bits faster.
func sum[T Float](s []T) float64 {
	if len(s) > sumLeaf {
		if v, ok := sumAsm(s); ok {
			return v
		}
		h := len(s) / 2
		return sum(s[:h]) + sum(s[h:])
	}
	var a0, a1, a2, a3 float64
	i := 0
	for ; i+4 <= len(s); i += 4 {
		a0 += float64(s[i])
		a1 += float64(s[i+1])
		a2 += float64(s[i+2])
		a3 += float64(s[i+3])
	}
	for ; i < len(s); i++ {
		a0 += float64(s[i])
	}
	return (a0 + a1) + (a2 + a3)
}
