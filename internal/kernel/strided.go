package kernel

// Gather2 sets dst[i] = src[2i] for i < len(dst); src must have at least
// 2·len(dst)−1 elements.
func Gather2[T Float](dst, src []T) {
	if len(dst) == 0 {
		return
	}
	src = src[:2*len(dst)-1]
	i := 0
	if d, ok := any(dst).([]float64); ok && useAsm && len(d) >= asmMin {
		s := any(src).([]float64)
		i = len(d) &^ 3
		if 2*i > len(s) { // the last block would read one past src's end
			i -= 4
		}
		gather2x64(&d[0], &s[0], i)
	}
	for ; i+4 <= len(dst); i += 4 {
		s := src[2*i : 2*i+7 : 2*i+7]
		p := dst[i : i+4 : i+4]
		p[0], p[1], p[2], p[3] = s[0], s[2], s[4], s[6]
	}
	for ; i < len(dst); i++ {
		dst[i] = src[2*i]
	}
}

// Spread2 sets dst[2i+o] = src[i] and dst[2i+1−o] = 0 for i < len(src), o
// being 1 when odd, and every other element of dst to zero: the inverse of
// Gather2 with the gaps filled, in one pass.
func Spread2[T Float](dst, src []T, odd bool) {
	o := 0
	if odd {
		o = 1
	}
	if len(dst) < 2*len(src)-1+o {
		panic("kernel: Spread2: destination too short")
	}
	i := 0
	if d, ok := any(dst).([]float64); ok && useAsm && len(src) >= asmMin {
		s := any(src).([]float64)
		i = len(s) &^ 3
		if 2*i > len(d) { // the last block would write one past dst's end
			i -= 4
		}
		spread2x64(&d[0], &s[0], i, odd)
	}
	for ; i < len(src); i++ {
		dst[2*i+o] = src[i]
		if j := 2*i + 1 - o; j < len(dst) {
			dst[j] = 0
		}
	}
	clear(dst[min(2*len(src), len(dst)):])
}
