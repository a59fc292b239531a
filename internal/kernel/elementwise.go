package kernel

import (
	"math"
	"os"
)

// Float is the set of element types kernels work on.
type Float interface{ ~float32 | ~float64 }

// Map sets dst[i] = f(src[i]), computing in float64.
func Map[T Float](dst, src []T, f func(float64) float64) {
	if !Big(len(dst), 8) {
		mapRange(dst, src, f)
		return
	}
	Parallel(len(dst), 8, func(lo, hi int) { mapRange(dst[lo:hi], src[lo:hi], f) })
}

func mapRange[T Float](d, s []T, f func(float64) float64) {
	s = s[:len(d)]
	for i := range d {
		d[i] = T(f(float64(s[i])))
	}
}

// Map2 sets dst[i] = f(a[i], b[i]) for equal-length slices, computing in float64.
func Map2[T Float](dst, a, b []T, f func(x, y float64) float64) {
	if !Big(len(dst), 8) {
		map2Range(dst, a, b, f)
		return
	}
	Parallel(len(dst), 8, func(lo, hi int) { map2Range(dst[lo:hi], a[lo:hi], b[lo:hi], f) })
}

func map2Range[T Float](d, x, y []T, f func(x, y float64) float64) {
	for i := range d {
		d[i] = T(f(float64(x[i]), float64(y[i])))
	}
}

// BinOp names a broadcasting binary operation with a hand-written inner loop.
type BinOp uint8

// The binary operations.
const (
	Add BinOp = iota
	Sub
	Mul
	Div
	Pow
	Max
	Min
	Atan2
)

// scalarFuncs are the binary operations on one pair of values: the
// reference the loops follow, and the loop of the operations that have no
// hand-written one.
var scalarFuncs = [...]func(x, y float64) float64{
	Add:   func(x, y float64) float64 { return x + y },
	Sub:   func(x, y float64) float64 { return x - y },
	Mul:   func(x, y float64) float64 { return x * y },
	Div:   func(x, y float64) float64 { return x / y },
	Pow:   pow64, // math.Pow's special cases, within 1 ulp (trans.go)
	Max:   math.Max,
	Min:   math.Min,
	Atan2: math.Atan2,
}

// Defined reports whether op is a binary operation the kernels compute: an
// op that uses one that is not is an error when it is registered, never a
// silently wrong loop.
func (op BinOp) Defined() bool { return int(op) < len(scalarFuncs) && scalarFuncs[op] != nil }

// Binary sets dst = a OP b where a and b are read with the given strides over
// the output shape (stride 0 along broadcast dimensions; the last stride of
// each is 0 or 1 because inputs are contiguous).
func Binary[T Float](op BinOp, dst, a, b []T, shape, sa, sb []int) {
	n := len(dst)
	if n == 0 {
		return
	}
	big := Big(n, 1)
	switch {
	case !big && len(a) == n && len(b) == n:
		vv(op, dst, a, b)
		return
	case !big && len(b) == 1 && len(a) == n:
		vs(op, dst, a, b[0])
		return
	case !big && len(a) == 1 && len(b) == n:
		sv(op, dst, a[0], b)
		return
	case len(a) == n && len(b) == n:
		Parallel(n, 1, func(lo, hi int) { vv(op, dst[lo:hi], a[lo:hi], b[lo:hi]) })
		return
	case len(b) == 1 && len(a) == n:
		Parallel(n, 1, func(lo, hi int) { vs(op, dst[lo:hi], a[lo:hi], b[0]) })
		return
	case len(a) == 1 && len(b) == n:
		Parallel(n, 1, func(lo, hi int) { sv(op, dst[lo:hi], a[0], b[lo:hi]) })
		return
	}
	rank := len(shape)
	inner := shape[rank-1]
	rows := n / inner
	if !Big(rows, inner) {
		binaryRows(op, dst, a, b, shape, sa, sb, 0, rows)
		return
	}
	Parallel(rows, inner, func(lo, hi int) { binaryRows(op, dst, a, b, shape, sa, sb, lo, hi) })
}

func binaryRows[T Float](op BinOp, dst, a, b []T, shape, sa, sb []int, lo, hi int) {
	rank := len(shape)
	inner := shape[rank-1]
	ia, ib := sa[rank-1], sb[rank-1]
	eachRow(shape, sa, sb, lo, hi, func(row, oa, ob int) {
		out := dst[row*inner : (row+1)*inner]
		switch {
		case ia == 1 && ib == 1:
			vv(op, out, a[oa:oa+inner], b[ob:ob+inner])
		case ia == 1:
			vs(op, out, a[oa:oa+inner], b[ob])
		case ib == 1:
			sv(op, out, a[oa], b[ob:ob+inner])
		default:
			Fill(out, scalar(op, a[oa], b[ob]))
		}
	})
}

// eachRow calls f for the rows lo..hi-1 of shape (every dimension but the
// last), with the offsets of each row's start in two inputs read with strides
// sa and sb.
func eachRow(shape, sa, sb []int, lo, hi int, f func(row, oa, ob int)) {
	rank := len(shape)
	var buf [8]int
	idx := buf[:0]
	if rank-1 > len(buf) {
		idx = make([]int, 0, rank-1)
	}
	idx = idx[:rank-1]
	r := lo
	for d := rank - 2; d >= 0; d-- {
		idx[d] = r % shape[d]
		r /= shape[d]
	}
	for row := lo; row < hi; row++ {
		oa, ob := 0, 0
		for d, i := range idx {
			oa += i * sa[d]
			ob += i * sb[d]
		}
		f(row, oa, ob)
		for d := rank - 2; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
}

func scalar[T Float](op BinOp, x, y T) T {
	switch op {
	case Add:
		return x + y
	case Sub:
		return x - y
	case Mul:
		return x * y
	case Div:
		return x / y
	}
	return T(scalarFuncs[op](float64(x), float64(y))) // an undefined op panics here
}

// bitsOf returns the bits of x, zero-extended for float32.
func bitsOf[T Float](x T) uint64 {
	switch x := any(x).(type) {
	case float64:
		return math.Float64bits(x)
	case float32:
		return uint64(math.Float32bits(x))
	}
	panic("kernel: bitsOf: not float32 or float64")
}

// asmMin is the shortest slice handed to an assembly loop: below it the
// call and the dispatch cost more than they save.
const asmMin = 16

// useAsm reports whether vv, vs, sv, affineRange and unaryRange call the
// assembly loops (elementwise_amd64.s) where the CPU has them; the
// environment variable NABLA_KERNEL=portable turns them off, leaving the Go
// loops, which give bit-identical results.
var useAsm = haveAsm && os.Getenv("NABLA_KERNEL") != "portable"

func vv[T Float](op BinOp, d, a, b []T) {
	if op == Pow {
		powRange(d, a, b) // the vectorised loop of trans.go
		return
	}
	if useAsm && len(d) >= asmMin && vvAsm(op, d, a, b) {
		return
	}
	vvGo(op, d, a, b)
}

// vvGo, vsGo, svGo, affineGo and unaryGo are the portable loops.
func vvGo[T Float](op BinOp, d, a, b []T) {
	b = b[:len(d)]
	a = a[:len(d)]
	switch op {
	case Add:
		for i := range d {
			d[i] = a[i] + b[i]
		}
	case Sub:
		for i := range d {
			d[i] = a[i] - b[i]
		}
	case Mul:
		for i := range d {
			d[i] = a[i] * b[i]
		}
	case Div:
		for i := range d {
			d[i] = a[i] / b[i]
		}
	default:
		for i := range d {
			d[i] = scalar(op, a[i], b[i])
		}
	}
}

func vs[T Float](op BinOp, d, a []T, s T) {
	if useAsm && len(d) >= asmMin && vsAsm(op, d, a, s) {
		return
	}
	vsGo(op, d, a, s)
}

func vsGo[T Float](op BinOp, d, a []T, s T) {
	a = a[:len(d)]
	switch op {
	case Add:
		for i := range d {
			d[i] = a[i] + s
		}
	case Sub:
		for i := range d {
			d[i] = a[i] - s
		}
	case Mul:
		for i := range d {
			d[i] = a[i] * s
		}
	case Div:
		for i := range d {
			d[i] = a[i] / s
		}
	default:
		for i := range d {
			d[i] = scalar(op, a[i], s)
		}
	}
}

func sv[T Float](op BinOp, d []T, s T, b []T) {
	if useAsm && len(d) >= asmMin && svAsm(op, d, s, b) {
		return
	}
	svGo(op, d, s, b)
}

func svGo[T Float](op BinOp, d []T, s T, b []T) {
	b = b[:len(d)]
	switch op {
	case Add:
		for i := range d {
			d[i] = s + b[i]
		}
	case Sub:
		for i := range d {
			d[i] = s - b[i]
		}
	case Mul:
		for i := range d {
			d[i] = s * b[i]
		}
	case Div:
		for i := range d {
			d[i] = s / b[i]
		}
	default:
		for i := range d {
			d[i] = scalar(op, s, b[i])
		}
	}
}

// AddTo sets dst[i] += src[i] on the calling goroutine (AddInPlace may
// spread a long slice over the cores).
func AddTo[T Float](dst, src []T) { vv(Add, dst, dst, src) }

// AddInPlace sets dst[i] += src[i].
func AddInPlace[T Float](dst, src []T) {
	if !Big(len(dst), 1) {
		vv(Add, dst, dst, src)
		return
	}
	Parallel(len(dst), 1, func(lo, hi int) { vv(Add, dst[lo:hi], dst[lo:hi], src[lo:hi]) })
}

// Fill sets every element of dst to v. Past a few elements it copies the
// filled prefix onto the rest, doubling it each time: memmove's vector loop
// then does the writing.
func Fill[T Float](dst []T, v T) {
	if len(dst) < 16 {
		for i := range dst {
			dst[i] = v
		}
		return
	}
	for i := range dst[:16] {
		dst[i] = v
	}
	for k := 16; k < len(dst); k *= 2 {
		copy(dst[k:], dst[:k])
	}
}

// Strided fills the contiguous dst of the given shape from src, reading the
// element at index (i0, i1, ...) from src[i0*st[0] + i1*st[1] + ...]. Stride 0
// broadcasts; permuted strides transpose.
func Strided[T Float](dst, src []T, shape, st []int) {
	n := len(dst)
	if n == 0 {
		return
	}
	rank := len(shape)
	if rank == 0 {
		dst[0] = src[0]
		return
	}
	inner := shape[rank-1]
	is := st[rank-1]
	if is == 1 && inner == n {
		copy(dst, src[:n])
		return
	}
	rows := n / inner
	if !Big(rows, inner) {
		stridedRows(dst, src, shape, st, 0, rows)
		return
	}
	Parallel(rows, inner, func(lo, hi int) { stridedRows(dst, src, shape, st, lo, hi) })
}

func stridedRows[T Float](dst, src []T, shape, st []int, lo, hi int) {
	inner := shape[len(shape)-1]
	is := st[len(shape)-1]
	eachRow(shape, st, st, lo, hi, func(row, o, _ int) {
		out := dst[row*inner : (row+1)*inner]
		switch is {
		case 0:
			Fill(out, src[o])
		case 1:
			copy(out, src[o:o+inner])
		default:
			for i := range out {
				out[i] = src[o+i*is]
			}
		}
	})
}

// ScaleAddZero sets dst[i] = src[i]·a + 0, the product rounded on its own
// (no fused multiply-add): what a blocked matrix product of one inner step
// writes, where a zero product of either sign, or one that underflows,
// comes out as +0. It is the row of an outer product.
func ScaleAddZero[T Float](dst, src []T, a T) {
	// affineAsm multiplies, then adds, unfused: one pass.
	if useAsm && len(dst) >= asmMin && affineAsm(dst, src, a, 0) {
		return
	}
	for i, v := range src[:len(dst)] {
		dst[i] = T(v*a) + 0 // the conversion keeps the compiler from fusing
	}
}

// Affine sets dst[i] = a·src[i] + b.
func Affine[T Float](dst, src []T, a, b float64) {
	if !Big(len(dst), 1) {
		affineRange(dst, src, T(a), T(b))
		return
	}
	Parallel(len(dst), 1, func(lo, hi int) { affineRange(dst[lo:hi], src[lo:hi], T(a), T(b)) })
}

func affineRange[T Float](d, s []T, a, b T) {
	if useAsm && len(d) >= asmMin {
		var ok bool
		switch {
		case b == 0:
			ok = vsAsm(Mul, d, s, a)
		case a == 1:
			ok = vsAsm(Add, d, s, b)
		default:
			ok = affineAsm(d, s, a, b)
		}
		if ok {
			return
		}
	}
	affineGo(d, s, a, b)
}

func affineGo[T Float](d, s []T, a, b T) {
	s = s[:len(d)]
	switch {
	case b == 0:
		for i := range d {
			d[i] = a * s[i]
		}
	case a == 1:
		for i := range d {
			d[i] = s[i] + b
		}
	default:
		// The conversion rounds the product: no fused multiply-add, whatever
		// GOAMD64 allows, so the result is the assembly loop's.
		for i := range d {
			d[i] = T(a*s[i]) + b
		}
	}
}

// UnaryOp names an elementwise function with a hand-written loop, for the
// hot cases where calling a func value per element would dominate.
type UnaryOp uint8

// The unary operations.
const (
	Relu     UnaryOp = iota // max(x, 0)
	Positive                // 1 where x > 0, else 0
	Square                  // x²
	Abs                     // |x|
)

// Unary sets dst[i] = op(src[i]).
func Unary[T Float](op UnaryOp, dst, src []T) {
	if !Big(len(dst), 1) {
		unaryRange(op, dst, src)
		return
	}
	Parallel(len(dst), 1, func(lo, hi int) { unaryRange(op, dst[lo:hi], src[lo:hi]) })
}

func unaryRange[T Float](op UnaryOp, d, s []T) {
	if useAsm && len(d) >= asmMin && unaryAsm(op, d, s) {
		return
	}
	unaryGo(op, d, s)
}

func unaryGo[T Float](op UnaryOp, d, s []T) {
	s = s[:len(d)]
	// Relu, Positive and Abs work on the bits, without branches: with random
	// signs a branch per element is mispredicted half the time.
	switch d := any(d).(type) {
	case []float64:
		s := any(s).([]float64)
		switch op {
		case Relu:
			for i, v := range s {
				b := math.Float64bits(v)
				d[i] = math.Float64frombits(b &^ uint64(int64(b)>>63))
			}
			return
		case Positive:
			for i, v := range s {
				b := math.Float64bits(v)
				d[i] = float64((^b >> 63) & ((b | -b) >> 63))
			}
			return
		case Abs:
			for i, v := range s {
				d[i] = math.Float64frombits(math.Float64bits(v) &^ (1 << 63))
			}
			return
		}
	case []float32:
		s := any(s).([]float32)
		switch op {
		case Relu:
			for i, v := range s {
				b := math.Float32bits(v)
				d[i] = math.Float32frombits(b &^ uint32(int32(b)>>31))
			}
			return
		case Positive:
			for i, v := range s {
				b := math.Float32bits(v)
				d[i] = float32((^b >> 31) & ((b | -b) >> 31))
			}
			return
		case Abs:
			for i, v := range s {
				d[i] = math.Float32frombits(math.Float32bits(v) &^ (1 << 31))
			}
			return
		}
	}
	for i, v := range s { // Square
		d[i] = v * v
	}
}

// TanhGrad sets dst[i] = g[i]·(1 − y[i]²): the gradient of tanh from its
// output y, rounded as the three separate operations are.
func TanhGrad[T Float](dst, g, y []T) {
	body := func(lo, hi int) {
		d, gs, ys := dst[lo:hi], g[lo:hi], y[lo:hi]
		for i := range d {
			d[i] = gs[i] * (1 - T(ys[i]*ys[i])) // T(): rounded, never fused into an FMA
		}
	}
	Parallel(len(dst), 2, body)
}

// ReluGrad sets dst[i] = g[i]·(y[i] > 0): the gradient of relu from its
// output y (y > 0 exactly where the input is), in one pass. The choice is a
// conditional move of the bits, not a branch: after a ReLU the sign of y is
// random, and a branch would be mispredicted half the time.
func ReluGrad[T Float](dst, g, y []T) {
	body := func(lo, hi int) {
		switch d := any(dst[lo:hi]).(type) {
		case []float32:
			gs, ys := any(g[lo:hi]).([]float32), any(y[lo:hi]).([]float32)
			if reluGradAsm {
				reluGrad32(d, gs, ys)
				n := len(d) / 16 * 16
				d, gs, ys = d[n:], gs[n:], ys[n:]
			}
			for i := range d {
				keep, zero := math.Float32bits(gs[i]), math.Float32bits(gs[i]*0) // g·0 keeps NaN and Inf NaN
				if !(ys[i] > 0) {
					keep = zero
				}
				d[i] = math.Float32frombits(keep)
			}
		case []float64:
			gs, ys := any(g[lo:hi]).([]float64), any(y[lo:hi]).([]float64)
			if reluGradAsm {
				reluGrad64(d, gs, ys)
				n := len(d) / 8 * 8
				d, gs, ys = d[n:], gs[n:], ys[n:]
			}
			for i := range d {
				keep, zero := math.Float64bits(gs[i]), math.Float64bits(gs[i]*0)
				if !(ys[i] > 0) {
					keep = zero
				}
				d[i] = math.Float64frombits(keep)
			}
		}
	}
	Parallel(len(dst), 2, body)
}

// SigmoidGrad sets dst[i] = g[i]·(y[i]·(1 − y[i])): the gradient of the
// logistic sigmoid from its output y, rounded as the separate operations are.
func SigmoidGrad[T Float](dst, g, y []T) {
	body := func(lo, hi int) {
		d, gs, ys := dst[lo:hi], g[lo:hi], y[lo:hi]
		for i := range d {
			d[i] = gs[i] * (ys[i] * (1 - ys[i]))
		}
	}
	Parallel(len(dst), 2, body)
}
