package kernel

// Batch normalisation of x viewed as (n, c, s): channel j's statistics are
// over the n·s values x[(i*c+j)*s+k]. Statistics accumulate in float64 and
// are computed one channel per index of a parallel loop, so their bits do
// not depend on the number of cores. In float32 the sums run in 16 lanes
// (AVX-512 where the CPU has it, the same lanes in Go elsewhere: the same
// bits either way).

// ChannelStats sets mean[j] and variance[j] to the mean and the biased
// (population) variance of channel j, in one pass: sums of x − K and
// (x − K)² for K the channel's first value, a sample of the channel, so that
// the variance does not cancel away when the mean is far from 0.
func ChannelStats[T Float](x []T, n, c, s int, mean, variance []float64) {
	m := float64(n * s)
	Parallel(c, n*s, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			k := T(0)
			if n*s > 0 {
				k = x[j*s]
			}
			var s1, s2 float64
			if x32, ok := any(x).([]float32); ok {
				var acc [32]float64
				for i := 0; i < n; i++ {
					lanesSums(x32[(i*c+j)*s:(i*c+j+1)*s], float32(k), &acc)
				}
				s1, s2 = lanesTotal(acc[:16]), lanesTotal(acc[16:])
			} else {
				for i := 0; i < n; i++ {
					a1, a2 := shiftedSums(x[(i*c+j)*s:(i*c+j+1)*s], k)
					s1 += a1
					s2 += a2
				}
			}
			d := s1 / m
			mean[j], variance[j] = float64(k)+d, max(s2/m-d*d, 0)
		}
	})
}

// shiftedSums returns Σ(x − k) and Σ(x − k)², with two accumulators each.
func shiftedSums[T Float](x []T, k T) (s1, s2 float64) {
	var a0, a1, b0, b1 float64
	i := 0
	for ; i+2 <= len(x); i += 2 {
		d0, d1 := float64(x[i])-float64(k), float64(x[i+1])-float64(k)
		a0 += d0
		a1 += d1
		b0 += d0 * d0
		b1 += d1 * d1
	}
	for ; i < len(x); i++ {
		d := float64(x[i]) - float64(k)
		a0 += d
		b0 += d * d
	}
	return a0 + a1, b0 + b1
}

// ChannelAffine sets y = x·scale[j] + shift[j] in channel j (rounded after
// the product and after the sum, as Affine).
func ChannelAffine[T Float](y, x []T, n, c, s int, scale, shift []float64) {
	Parallel(n*c, s, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			affineRange(y[r*s:(r+1)*s], x[r*s:(r+1)*s], T(scale[r%c]), T(shift[r%c]))
		}
	})
}

// BatchNormGradSums sets sumG[j] = Σ g and sumGX[j] = Σ g·x̂ over channel j,
// where x̂ = (x − mean[j])·invstd[j].
func BatchNormGradSums[T Float](g, x []T, n, c, s int, mean, invstd, sumG, sumGX []float64) {
	Parallel(c, 2*n*s, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			mu := mean[j]
			var sg, sgx float64
			if g32, ok := any(g).([]float32); ok {
				x32 := any(x).([]float32)
				var acc [32]float64
				for i := 0; i < n; i++ {
					lanesGradSums(g32[(i*c+j)*s:(i*c+j+1)*s], x32[(i*c+j)*s:(i*c+j+1)*s], mu, &acc)
				}
				sumG[j], sumGX[j] = lanesTotal(acc[:16]), lanesTotal(acc[16:])*invstd[j]
				continue
			}
			for i := 0; i < n; i++ {
				gs, xs := g[(i*c+j)*s:(i*c+j+1)*s], x[(i*c+j)*s:(i*c+j+1)*s]
				for k, v := range gs {
					sg += float64(v)
					sgx += float64(v) * (float64(xs[k]) - mu)
				}
			}
			sumG[j], sumGX[j] = sg, sgx*invstd[j]
		}
	})
}

// BatchNormGradX sets gx to the gradient of batch normalisation with respect
// to its input: w·invstd·(g − sumG/m − x̂·sumGX/m) in channel j, m = n·s.
func BatchNormGradX[T Float](gx, g, x []T, n, c, s int, mean, invstd, w, sumG, sumGX []float64) {
	m := float64(n * s)
	Parallel(n*c, 2*s, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			j := r % c
			k := w[j] * invstd[j]
			// gx = k·g − k·sumG/m − k·invstd·sumGX/m·(x − mean) = a·g + b·x + d
			a := T(k)
			b := -k * invstd[j] * sumGX[j] / m
			d := T(-k*sumG[j]/m - b*mean[j])
			bt := T(b)
			gs, xs, out := g[r*s:(r+1)*s], x[r*s:(r+1)*s], gx[r*s:(r+1)*s]
			i := 0
			if bnAsm {
				if o32, ok := any(out).([]float32); ok {
					bnGradX32(o32, any(gs).([]float32), any(xs).([]float32), float32(a), float32(bt), float32(d))
					i = len(out) / 16 * 16
				}
			}
			for ; i < len(out); i++ {
				out[i] = T(a*gs[i]) + T(bt*xs[i]) + d // each product rounded, as the assembly
			}
		}
	})
}

// In float32 the channel sums keep 16 partial sums, element i going to
// lane i mod 16 of each, as the AVX-512 loops do; lanesTotal adds the lanes
// in a fixed order. The explicit conversions keep the compiler from fusing
// a product into the following sum, which the assembly does not do either.

// lanesSums adds x[i] − k and (x[i] − k)² to the lanes of acc.
func lanesSums(x []float32, k float32, acc *[32]float64) {
	i := 0
	if bnAsm {
		bnSums32(x, k, acc)
		i = len(x) / 16 * 16
	}
	for ; i < len(x); i++ {
		d := float64(x[i]) - float64(k)
		acc[i%16] += d
		acc[16+i%16] += float64(d * d)
	}
}

// lanesGradSums adds g[i] and g[i]·(x[i] − mu) to the lanes of acc.
func lanesGradSums(g, x []float32, mu float64, acc *[32]float64) {
	i := 0
	if bnAsm {
		bnGradSums32(g, x, mu, acc)
		i = len(g) / 16 * 16
	}
	x = x[:len(g)]
	for ; i < len(g); i++ {
		acc[i%16] += float64(g[i])
		acc[16+i%16] += float64(float64(g[i]) * (float64(x[i]) - mu))
	}
}

// lanesTotal returns the sum of 16 lanes, added pairwise.
func lanesTotal(l []float64) float64 {
	var t [16]float64
	copy(t[:], l)
	for w := 8; w >= 1; w /= 2 {
		for i := 0; i < w; i++ {
			t[i] += t[i+w]
		}
	}
	return t[0]
}

// bnSelfTest reports whether the assembly loops give the Go loops' bits on
// rows of ragged lengths.
func bnSelfTest() bool {
	for _, n := range []int{16, 33, 80} {
		x, g, out := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(i%7)*0.37 - 1.1
			g[i] = float32(i%5)*0.21 - 0.4
		}
		var a, b [32]float64
		bnSums32(x, 0.3, &a)
		bnGradSums32(g, x, 0.7, &a)
		for i := 0; i < n/16*16; i++ {
			d := float64(x[i]) - float64(float32(0.3))
			b[i%16] += d
			b[16+i%16] += float64(d * d)
		}
		for i := 0; i < n/16*16; i++ {
			b[i%16] += float64(g[i])
			b[16+i%16] += float64(float64(g[i]) * (float64(x[i]) - 0.7))
		}
		if a != b {
			return false
		}
		bnGradX32(out, g, x, 1.3, -0.6, 0.25)
		for i := 0; i < n/16*16; i++ {
			if out[i] != float32(float32(1.3)*g[i])+float32(float32(-0.6)*x[i])+0.25 {
				return false
			}
		}
	}
	return true
}
