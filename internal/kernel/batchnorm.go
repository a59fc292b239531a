package kernel

// Batch normalisation of x viewed as (n, c, s): channel j's statistics are
// over the n·s values x[(i*c+j)*s+k]. Statistics accumulate in float64 and
// are computed one channel per index of a parallel loop, so their bits do
// not depend on the number of cores.

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
			for i := 0; i < n; i++ {
				a1, a2 := shiftedSums(x[(i*c+j)*s:(i*c+j+1)*s], k)
				s1 += a1
				s2 += a2
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
			for i, v := range gs {
				out[i] = a*v + bt*xs[i] + d
			}
		}
	})
}
