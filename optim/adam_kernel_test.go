package optim

import (
	"math"
	"math/rand"
	"testing"
)

// scalarAdamUpdate is adamUpdate as it was before its loop moved into
// kernel.Adam: the reference TestAdamUpdateMatchesScalar holds it to.
func scalarAdamUpdate[T float](betas [2]float64, eps float64, decoupled bool, p, g []T, s [][]T, step int, lr, wd float64) {
	bc1 := 1 - math.Pow(betas[0], float64(step))
	bc2 := 1 - math.Pow(betas[1], float64(step))
	negStep := T(-lr / bc1)
	bc2sqrt := T(math.Sqrt(bc2))
	w1, b2, w2, e := T(1-betas[0]), T(betas[1]), T(1-betas[1]), T(eps)
	decay := T(wd)
	if decoupled {
		decay = T(1 - lr*wd)
	}
	m, v := s[0], s[1]
	var vmax []T
	if len(s) > 2 {
		vmax = s[2]
	}
	for i := range p {
		d := g[i]
		if wd != 0 {
			if decoupled {
				p[i] *= decay
			} else {
				d += decay * p[i]
			}
		}
		m[i] += w1 * (d - m[i])
		v[i] = v[i]*b2 + w2*d*d
		vi := v[i]
		if vmax != nil {
			if vi > vmax[i] {
				vmax[i] = vi
			}
			vi = vmax[i]
		}
		p[i] += negStep * (m[i] / (sqrt(vi)/bc2sqrt + e))
	}
}

// TestAdamUpdateMatchesScalar checks adamUpdate (kernel.Adam, assembly where
// the CPU has it) bit for bit against the scalar loop, NaN payloads, infinities,
// signed zeros and subnormals included, for Adam and AdamW, with and without
// weight decay and AMSGrad.
func TestAdamUpdateMatchesScalar(t *testing.T) {
	testAdamUpdateMatches[float64](t)
	testAdamUpdateMatches[float32](t)
}

func testAdamUpdateMatches[T float](t *testing.T) {
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
		math.Float64frombits(0x7ff0000000000055), math.Float64frombits(0xfff80000deadbeef),
		5e-324, -1e-310, 1e-40, -3e38, 1e300}
	rng := rand.New(rand.NewSource(7))
	for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 33, 70, 1001} {
		for opt := 0; opt < 8; opt++ {
			decoupled, amsgrad := opt&1 != 0, opt&4 != 0
			wd := 0.0
			if opt&2 != 0 {
				wd = 0.01
			}
			var a, b [5][]T
			for j := range a {
				a[j], b[j] = make([]T, n), make([]T, n)
				for i := range a[j] {
					x := rng.NormFloat64()
					if rng.Intn(6) == 0 {
						x = special[rng.Intn(len(special))]
						if math.IsNaN(x) {
							x = math.Float64frombits(math.Float64bits(x) ^ rng.Uint64()&0x0007ffffffffffff)
						}
					}
					a[j][i] = T(x)
				}
				copy(b[j], a[j])
			}
			sa, sb := [][]T{a[2], a[3]}, [][]T{b[2], b[3]}
			if amsgrad {
				sa, sb = append(sa, a[4]), append(sb, b[4])
			}
			adamUpdate([2]float64{0.9, 0.999}, 1e-8, decoupled, a[0], a[1], sa, 3, 1e-3, wd)
			scalarAdamUpdate([2]float64{0.9, 0.999}, 1e-8, decoupled, b[0], b[1], sb, 3, 1e-3, wd)
			for j := range a {
				for i := range a[j] {
					if bits(a[j][i]) != bits(b[j][i]) && !(raceBuild && a[j][i] != a[j][i] && b[j][i] != b[j][i]) {
						t.Fatalf("%T n %d opt %d: slice %d [%d]: %x, scalar loop %x", a[0][0], n, opt, j, i, bits(a[j][i]), bits(b[j][i]))
					}
				}
			}
		}
	}
}

// bits returns the bits of x, zero-extended for float32.
func bits[T float](x T) uint64 {
	if f, ok := any(x).(float32); ok {
		return uint64(math.Float32bits(f))
	}
	return math.Float64bits(float64(x))
}
