package nabla

import (
	"fmt"
	"strings"
)

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func fmtShape(s []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, d)
	}
	if len(s) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func checkSameShape(op string, a, b *Tensor) {
	if !sameShape(a.shape, b.shape) {
		panicf(op, "shapes %s and %s differ", fmtShape(a.shape), fmtShape(b.shape))
	}
}

func checkDType(op string, ts ...*Tensor) DType {
	dt := ts[0].dtype
	for _, t := range ts[1:] {
		if t.dtype != dt {
			panicf(op, "cannot mix dtypes %s and %s (convert one with As)", dt, t.dtype)
		}
	}
	return dt
}

func normAxis(op string, axis, rank int) int {
	a := axis
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		panicf(op, "axis %d is out of range for a tensor of rank %d", axis, rank)
	}
	return a
}

// normAxes returns the sorted distinct axes; none means every axis.
func normAxes(op string, axes []int, rank int) []int {
	if len(axes) == 0 {
		all := make([]int, rank)
		for i := range all {
			all[i] = i
		}
		return all
	}
	seen := make([]bool, rank)
	for _, a := range axes {
		n := normAxis(op, a, rank)
		if seen[n] {
			panicf(op, "axis %d is repeated in %v", a, axes)
		}
		seen[n] = true
	}
	out := make([]int, 0, len(axes))
	for i, s := range seen {
		if s {
			out = append(out, i)
		}
	}
	return out
}

func stridesOf(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// broadcastShapes applies NumPy's rule: align trailing dimensions; each pair must
// be equal or contain a 1.
func broadcastShapes(op string, shapes ...[]int) []int {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out := make([]int, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			o := out[off+i]
			switch {
			case o == d || d == 1:
			case o == 1:
				out[off+i] = d
			default:
				parts := make([]string, len(shapes))
				for k, sh := range shapes {
					parts[k] = fmtShape(sh)
				}
				panicf(op, "shapes %s do not broadcast (dimension %d: %d vs %d)", strings.Join(parts, " and "), i-len(s), o, d)
			}
		}
	}
	return out
}

// broadcastStrides gives the strides with which an input of shape in is read
// when broadcast to shape out: 0 along broadcast dimensions.
func broadcastStrides(in, out []int) []int {
	st := make([]int, len(out))
	inSt := stridesOf(in)
	off := len(out) - len(in)
	for i := range in {
		if in[i] != 1 {
			st[off+i] = inSt[i]
		}
	}
	return st
}
