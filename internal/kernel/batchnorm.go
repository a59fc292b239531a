package kernel

// Batch normalisation of x viewed as (n, c, s): channel j's statistics are
// over the n·s values x[(i*c+j)*s+k]. Statistics accumulate in float64 and
// are computed one channel per index of a parallel loop, so their bits do
// not depend on the number of cores.

// ChannelStats sets mean[j] and variance[j] to the mean and the biased
// (population) variance of channel j, computed about the mean.
func ChannelStats[T Float](x []T, n, c, s int, mean, variance []float64) {
	m := float64(n * s)
	Parallel(c, 2*n*s, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			var sum float64
			for i := 0; i < n; i++ {
				sum += reduceSlice(Sum, x[(i*c+j)*s:(i*c+j+1)*s])
			}
			mu := sum / m
			var sq float64
			for i := 0; i < n; i++ {
				for _, v := range x[(i*c+j)*s : (i*c+j+1)*s] {
					d := float64(v) - mu
					sq += d * d
				}
			}
			mean[j], variance[j] = mu, sq/m
		}
	})
}

// ChannelAffine sets y = x·scale[j] + shift[j] in channel j.
func ChannelAffine[T Float](y, x []T, n, c, s int, scale, shift []float64) {
	Parallel(n*c, s, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			a, b := T(scale[r%c]), T(shift[r%c])
			ys, xs := y[r*s:(r+1)*s], x[r*s:(r+1)*s]
			for k, v := range xs {
				ys[k] = v*a + b
			}
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
