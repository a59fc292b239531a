package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naive returns alpha·op(A)·op(B) + beta·C by the triple loop, in float64.
func naive[T float32 | float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) []float64 {
	out := make([]float64, len(c))
	for i := range c {
		out[i] = float64(c[i])
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				ai, bi := i*lda+p, p*ldb+j
				if transA {
					ai = p*lda + i
				}
				if transB {
					bi = j*ldb + p
				}
				s += float64(a[ai]) * float64(b[bi])
			}
			if beta == 0 {
				out[i*ldc+j] = float64(alpha) * s
			} else {
				out[i*ldc+j] = float64(alpha)*s + float64(beta)*float64(c[i*ldc+j])
			}
		}
	}
	return out
}

type shape struct {
	transA, transB bool
	m, n, k        int
	padA, padB     int // extra leading-dimension padding
	padC           int
	alpha, beta    float64
}

func (s shape) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,pad=%d/%d/%d,α=%g,β=%g",
		s.transA, s.transB, s.m, s.n, s.k, s.padA, s.padB, s.padC, s.alpha, s.beta)
}

// check runs one product with the given kernel and compares it with naive,
// including that C's padding between rows is left alone.
func check[T float32 | float64](t *testing.T, kr *kernel[T], s shape, rng *rand.Rand) {
	t.Helper()
	ar, ac := s.m, s.k
	if s.transA {
		ar, ac = ac, ar
	}
	br, bc := s.k, s.n
	if s.transB {
		br, bc = bc, br
	}
	lda, ldb, ldc := max(1, ac+s.padA), max(1, bc+s.padB), max(1, s.n+s.padC)
	fill := func(n int) []T {
		x := make([]T, n)
		for i := range x {
			x[i] = T(rng.Float64()*2 - 1)
		}
		return x
	}
	a, b, c := fill(ar*lda), fill(br*ldb), fill(s.m*ldc)
	if s.beta == 0 {
		for i := 0; i < s.m; i++ {
			for j := 0; j < s.n; j++ {
				c[i*ldc+j] = T(math.NaN()) // beta = 0 must ignore C
			}
		}
	}
	want := naive(s.transA, s.transB, s.m, s.n, s.k, T(s.alpha), a, lda, b, ldb, T(s.beta), c, ldc)
	gemm(kr, s.transA, s.transB, s.m, s.n, s.k, T(s.alpha), a, lda, b, ldb, T(s.beta), c, ldc, s.m%2 == 0)
	eps := 1e-12
	var zero T
	if any(zero) == any(float32(0)) {
		eps = 1e-5
	}
	tol := eps * float64(s.k+2) * 4
	for i := range c {
		if d := math.Abs(float64(c[i]) - want[i]); !(d <= tol*math.Max(1, math.Abs(want[i]))) {
			t.Fatalf("%s kernel %s: C[%d][%d] = %v, want %v", s, kr.name, i/ldc, i%ldc, c[i], want[i])
		}
	}
}

func randomShape(rng *rand.Rand, maxDim int) shape {
	sizes := []int{1, 2, 3, 5, 7, 11, 13, 31, 97}
	dim := func() int {
		if rng.IntN(2) == 0 {
			return sizes[rng.IntN(len(sizes))]
		}
		return 1 + rng.IntN(maxDim)
	}
	scalars := []float64{0, 1, -1, 0.5, 2.5}
	return shape{
		transA: rng.IntN(2) == 0, transB: rng.IntN(2) == 0,
		m: dim(), n: dim(), k: dim(),
		padA: rng.IntN(3) * rng.IntN(5), padB: rng.IntN(3) * rng.IntN(5), padC: rng.IntN(3) * rng.IntN(5),
		alpha: scalars[1+rng.IntN(len(scalars)-1)], beta: scalars[rng.IntN(len(scalars))],
	}
}

// Shapes around the register and cache blocks of every kernel.
func blockShapes() []shape {
	var out []shape
	for _, d := range []int{1, 5, 6, 7, 8, 9, 11, 12, 13, 15, 16, 17, 32, 33} {
		out = append(out, shape{m: d, n: d, k: d, alpha: 1})
	}
	for _, k := range []int{255, 256, 257, 511, 512, 513} {
		out = append(out, shape{m: 13, n: 35, k: k, alpha: 1, beta: 1})
	}
	for _, m := range []int{143, 144, 145, 289} {
		out = append(out, shape{transA: true, m: m, n: 17, k: 9, alpha: -1, beta: 0.5, padC: 3})
	}
	for _, n := range []int{4079, 4080, 4081, 4097} {
		out = append(out, shape{transB: true, m: 7, n: n, k: 3, alpha: 2.5, padB: 1})
	}
	return out
}

func testKernels[T float32 | float64](t *testing.T, kernels []kernel[T], n int) {
	for i := range kernels {
		kr := &kernels[i]
		t.Run(kr.name, func(t *testing.T) {
			for _, s := range blockShapes() {
				check(t, kr, s, rand.New(rand.NewPCG(1, 2)))
			}
			rng := rand.New(rand.NewPCG(3, uint64(i)))
			for range n {
				check(t, kr, randomShape(rng, 70), rng)
			}
		})
	}
}

func TestGemm(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 50
	}
	t.Run("f64", func(t *testing.T) { testKernels(t, kernels64, n) })
	t.Run("f32", func(t *testing.T) { testKernels(t, kernels32, n) })
}

// TestParallel checks products large enough to be split across cores, by
// rows and by columns, against a serial run.
func TestParallel(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range []shape{
		{m: 130, n: 129, k: 70, alpha: 1},
		{m: 301, n: 67, k: 80, alpha: 1, transA: true, padA: 2, beta: 1},
		{m: 45, n: 300, k: 100, alpha: 0.5, transB: true, padC: 1},
	} {
		check(t, k64, s, rng)
		check(t, k32, s, rng)
	}
}

// FuzzGemm tries shapes, flags and paddings on every float64 kernel.
func FuzzGemm(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(1), uint8(0), uint8(0))
	f.Add(uint8(13), uint8(17), uint8(19), uint8(3), uint8(5))
	f.Add(uint8(12), uint8(16), uint8(255), uint8(1), uint8(2))
	f.Add(uint8(200), uint8(7), uint8(3), uint8(2), uint8(9))
	f.Fuzz(func(t *testing.T, m, n, k, flags, pad uint8) {
		s := shape{
			transA: flags&1 != 0, transB: flags&2 != 0,
			m: int(m), n: int(n), k: int(k),
			padA: int(pad & 3), padB: int(pad >> 2 & 3), padC: int(pad >> 4 & 3),
			alpha: 1, beta: float64(flags>>2&3) - 1,
		}
		rng := rand.New(rand.NewPCG(uint64(m), uint64(n)))
		for i := range kernels64 {
			check(t, &kernels64[i], s, rng)
		}
	})
}

// Every kernel in use passes the start-up self-test, and the test rejects a
// kernel that gets one entry wrong or writes outside its tile.
func TestKernelSelfTest(t *testing.T) {
	if r := Rejected(); len(r) > 0 {
		t.Errorf("kernels rejected at start-up on this machine: %v", r)
	}
	for _, k := range kernels64 {
		if !selfTest(k) {
			t.Errorf("float64 kernel %s fails its self-test", k.name)
		}
	}
	for _, k := range kernels32 {
		if !selfTest(k) {
			t.Errorf("float32 kernel %s fails its self-test", k.name)
		}
	}
	good := kernels64[len(kernels64)-1]
	wrong := good
	wrong.micro = func(kc int, a, b, c []float64, ldc int) {
		good.micro(kc, a, b, c, ldc)
		c[ldc+2] += 1
	}
	outside := good
	outside.micro = func(kc int, a, b, c []float64, ldc int) {
		good.micro(kc, a, b, c, ldc)
		c[good.nr] = 42 // just right of the tile
	}
	for name, k := range map[string]kernel[float64]{"wrong entry": wrong, "write outside": outside} {
		if selfTest(k) {
			t.Errorf("self-test passes a kernel with a %s", name)
		}
	}
	// A fringe kernel that computes one row too many.
	if k := kernels64[0]; len(k.fringe) > 0 {
		f := k.fringe[0]
		k.fringe = []fringe[float64]{{f.rows - 1, f.micro, f.store}}
		if selfTest(k) {
			t.Errorf("self-test passes kernel %s with a fringe kernel of %d rows that writes %d", k.name, f.rows-1, f.rows)
		}
	}
	// A storing kernel that adds, and a fringe kernel without the storing
	// variant its kernel has.
	if k := kernels64[0]; k.store != nil {
		k.store = k.micro
		if selfTest(k) {
			t.Errorf("self-test passes kernel %s with a storing variant that adds to C", k.name)
		}
	}
	if k := kernels64[0]; k.store != nil && len(k.fringe) > 0 {
		f := k.fringe[0]
		k.fringe = []fringe[float64]{{f.rows, f.micro, nil}}
		if selfTest(k) {
			t.Errorf("self-test passes kernel %s with a fringe kernel that cannot store", k.name)
		}
	}
	defer func(r []string) { rejected = r }(rejected)
	if got := passing([]kernel[float64]{wrong, good}); len(got) != 1 || Rejected()[len(Rejected())-1] != "portable" {
		t.Errorf("passing kept %d kernels, want 1", len(got))
	}
}

// TestFringeKernels checks that the fringe kernels, which compute the last
// sliver of a product whose rows are not a multiple of the kernel's, and the
// storing kernels, which set C in the first block of steps of a product with
// beta 0, give the bits the adding kernel alone gives (computing a full
// sliver into a tile, and adding to a cleared C), for every number of rows
// of the last sliver, on both element types and every kernel that has
// them; the inputs hold zeros of both signs, whose products must not leave
// a -0 where clearing and adding leaves +0.
func TestFringeKernels(t *testing.T) {
	testFringe(t, kernels64)
	testFringe(t, kernels32)
}

func testFringe[T float32 | float64](t *testing.T, ks []kernel[T]) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range ks {
		with := &ks[i]
		if len(with.fringe) == 0 {
			continue
		}
		without := *with
		without.fringe, without.store = nil, nil
		for m := 1; m <= 3*with.mr; m++ {
			for _, s := range []shape{
				{m: m, n: 2*with.nr + 3, k: 37, alpha: 1},
				{m: m, n: with.nr, k: 200, alpha: 0.5, beta: 1, transA: true, padC: 2},
				{m: m, n: 5, k: 9, alpha: 1, transB: true},
				{m: m, n: with.nr + 1, k: 9, alpha: -1},
			} {
				lda, ldb := s.k, s.n
				if s.transA {
					lda = s.m
				}
				if s.transB {
					ldb = s.k
				}
				ldc := s.n + s.padC
				a, b, c := make([]T, s.m*s.k), make([]T, s.k*s.n), make([]T, s.m*ldc)
				for _, x := range [][]T{a, b, c} {
					for j := range x {
						x[j] = T(rng.NormFloat64())
					}
				}
				for j := 0; j < len(a); j += 3 {
					a[j] = T(math.Copysign(0, -1))
				}
				if s.k == 9 { // every product ±0: -0 with alpha 1, +0 with -1
					clear(b)
					for j := range a {
						a[j] = -T(math.Abs(float64(a[j])))
					}
				}
				want := append([]T(nil), c...)
				gemm(&without, s.transA, s.transB, s.m, s.n, s.k, T(s.alpha), a, lda, b, ldb, T(s.beta), want, ldc, false)
				gemm(with, s.transA, s.transB, s.m, s.n, s.k, T(s.alpha), a, lda, b, ldb, T(s.beta), c, ldc, false)
				for j := range c {
					if math.Float64bits(float64(c[j])) != math.Float64bits(float64(want[j])) {
						t.Fatalf("kernel %s, %v: C[%d] = %v with the fringe kernels, %v without", with.name, s, j, c[j], want[j])
					}
				}
			}
		}
	}
}

// TestSerialPacked checks that a product whose B is written by a PackB has
// the bits of the same product with B stored, for shapes that cross every
// cache block (dst arrives filled with NaN: a PackB must write all of it).
func TestSerialPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	shapes := append(blockShapes(), randomShape(rng, 80), randomShape(rng, 300), randomShape(rng, 700))
	for _, s := range shapes {
		for _, beta := range []float64{0, 1, 0.5} {
			a := make([]float64, s.m*s.k)
			b := make([]float64, s.k*s.n)
			c := make([]float64, s.m*s.n)
			for _, x := range [][]float64{a, b, c} {
				for i := range x {
					x[i] = rng.NormFloat64()
				}
			}
			want := append([]float64(nil), c...)
			DgemmSerial(false, false, s.m, s.n, s.k, 1, a, max(1, s.k), b, max(1, s.n), beta, want, max(1, s.n))
			got := append([]float64(nil), c...)
			SerialPacked(false, s.m, s.n, s.k, a, max(1, s.k), func(dst []float64, pc, jc, kc, nc, nr int) {
				for i := range dst {
					dst[i] = math.NaN() // every element must be written
				}
				packB(false, b, max(1, s.n), pc, jc, kc, nc, nr, dst)
			}, beta, got, max(1, s.n))
			for i := range want {
				if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
					t.Fatalf("%v beta %v: c[%d] = %v, stored B gives %v", s, beta, i, got[i], want[i])
				}
			}
			a32, b32, c32 := to32(a), to32(b), to32(c)
			w32 := append([]float32(nil), c32...)
			SgemmSerial(false, false, s.m, s.n, s.k, 1, a32, max(1, s.k), b32, max(1, s.n), float32(beta), w32, max(1, s.n))
			SerialPacked(false, s.m, s.n, s.k, a32, max(1, s.k), func(dst []float32, pc, jc, kc, nc, nr int) {
				packB(false, b32, max(1, s.n), pc, jc, kc, nc, nr, dst)
			}, float32(beta), c32, max(1, s.n))
			for i := range w32 {
				if c32[i] != w32[i] {
					t.Fatalf("%v beta %v float32: c[%d] = %v, stored B gives %v", s, beta, i, c32[i], w32[i])
				}
			}
		}
	}
}

// TestOuterMatchesBlocked checks that outer products (k = 1, beta = 0),
// which gemm writes directly, equal bit for bit what the blocked product
// gives with every kernel: zeros of either sign, products that underflow,
// NaN and infinities included.
func TestOuterMatchesBlocked(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	specials := []float64{0, math.Copysign(0, -1), 1e-200, -1e-200, 1e-170, math.Inf(1), math.NaN(), 3, -0.5}
	draw := func() float64 {
		if rng.IntN(3) == 0 {
			return specials[rng.IntN(len(specials))]
		}
		return rng.Float64()*4 - 2
	}
	for _, s := range []shape{
		{m: 13, n: 35, k: 1, alpha: 1},
		{m: 8, n: 4, k: 1, alpha: -1, transA: true, padA: 2, padC: 3},
		{m: 17, n: 9, k: 1, alpha: 2.5, transB: true, padB: 1},
		{m: 5, n: 33, k: 1, alpha: 0.1, transA: true, transB: true},
		{m: 1500, n: 1500, k: 1, alpha: 1, padC: 1}, // split across cores
	} {
		for _, kr := range kernels64 {
			ar, ac, br, bc := s.m, 1, 1, s.n
			if s.transA {
				ar, ac = ac, ar
			}
			if s.transB {
				br, bc = bc, br
			}
			lda, ldb, ldc := ac+s.padA, bc+s.padB, s.n+s.padC
			a, b := make([]float64, ar*lda), make([]float64, br*ldb)
			for i := range a {
				a[i] = draw()
			}
			for i := range b {
				b[i] = draw()
			}
			got, want := make([]float64, s.m*ldc), make([]float64, s.m*ldc)
			gemm(&kr, s.transA, s.transB, s.m, s.n, 1, s.alpha, a, lda, b, ldb, 0, got, ldc, true)
			serial(&kr, s.transA, s.transB, s.m, s.n, 1, s.alpha, a, lda, b, ldb, nil, want, ldc, false) // C is zero: the blocked path's clear
			for i := range got {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
					t.Fatalf("%s kernel %s: C[%d][%d] = %v, the blocked product gives %v", s, kr.name, i/ldc, i%ldc, got[i], want[i])
				}
			}
		}
	}
}

func to32(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

// TestPackBTransposed: the transposed pack writes, in every sliver of nr
// columns, op(B)[pc+p][jc+s+j] = b[(jc+s+j)·ldb + pc+p] at p·nr + j, and
// zeros past the last column, for widths that leave 0–3 columns after the
// groups of four and blocks that are not whole.
func TestPackBTransposed(t *testing.T) {
	for _, sh := range [][4]int{{784, 256, 0, 0}, {37, 29, 3, 5}, {300, 13, 40, 2}, {5, 7, 1, 1}, {64, 258, 0, 128}} {
		k, n, pc, jc := sh[0], sh[1], sh[2], sh[3]
		ldb := k + 3
		b := make([]float64, (n+jc)*ldb)
		for i := range b {
			b[i] = float64(i) + 0.5
		}
		for _, nr := range []int{4, 6, 8, 16} {
			kc, nc := k-pc, n
			dst := make([]float64, roundUp(nc, nr)*kc)
			for i := range dst {
				dst[i] = math.NaN()
			}
			packB(true, b, ldb, pc, jc, kc, nc, nr, dst)
			for s := 0; s < nc; s += nr {
				for p := range kc {
					for j := range nr {
						want := 0.0
						if s+j < nc {
							want = b[(jc+s+j)*ldb+pc+p]
						}
						if got := dst[s*kc+p*nr+j]; got != want {
							t.Fatalf("k %d n %d pc %d jc %d nr %d: sliver %d step %d column %d = %v, want %v", k, n, pc, jc, nr, s/nr, p, j, got, want)
						}
					}
				}
			}
		}
	}
}
