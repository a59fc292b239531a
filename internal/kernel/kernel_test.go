package kernel

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// naiveBinary computes dst = a OP b index by index.
func naiveBinary(op BinOp, a, b []float64, shape, sa, sb []int) []float64 {
	n := 1
	for _, d := range shape {
		n *= d
	}
	out := make([]float64, n)
	idx := make([]int, len(shape))
	for i := range out {
		oa, ob := 0, 0
		for d, v := range idx {
			oa += v * sa[d]
			ob += v * sb[d]
		}
		out[i] = scalar(op, a[oa], b[ob])
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// TestBinaryBroadcastProperty compares the kernel with the naive loop on
// random broadcast shapes, small and large (so the parallel path runs too).
func TestBinaryBroadcastProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		rank := 1 + r.IntN(3)
		shape := make([]int, rank)
		as, bs := make([]int, rank), make([]int, rank)
		for d := range shape {
			shape[d] = 1 + r.IntN(6)
			if trial%50 == 0 && d == rank-1 {
				shape[d] = 40000 // big enough to be split across cores
			}
			as[d], bs[d] = shape[d], shape[d]
			switch r.IntN(3) {
			case 0:
				as[d] = 1
			case 1:
				bs[d] = 1
			}
		}
		strides := func(in []int) []int {
			st := make([]int, rank)
			s := 1
			for d := rank - 1; d >= 0; d-- {
				if in[d] != 1 {
					st[d] = s
				}
				s *= in[d]
			}
			return st
		}
		size := func(s []int) int {
			n := 1
			for _, d := range s {
				n *= d
			}
			return n
		}
		a, b := make([]float64, size(as)), make([]float64, size(bs))
		for i := range a {
			a[i] = r.NormFloat64()
		}
		for i := range b {
			b[i] = r.NormFloat64() + 3
		}
		for _, op := range []BinOp{Add, Sub, Mul, Div, Pow, Max, Min} {
			sa, sb := strides(as), strides(bs)
			want := naiveBinary(op, a, b, shape, sa, sb)
			got := make([]float64, len(want))
			Binary(op, got, a, b, shape, sa, sb)
			for i := range want {
				if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
					t.Fatalf("op %d shape %v a %v b %v: element %d = %v, want %v", op, shape, as, bs, i, got[i], want[i])
				}
			}
		}
	}
}

func TestReduceProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 200; trial++ {
		rank := 1 + r.IntN(4)
		shape := make([]int, rank)
		red := make([]bool, rank)
		n := 1
		for d := range shape {
			shape[d] = 1 + r.IntN(5)
			red[d] = r.IntN(2) == 0
			n *= shape[d]
		}
		src := make([]float64, n)
		for i := range src {
			src[i] = float64(r.IntN(7)) - 3 // small integers: sums are exact in any order
		}
		outN := 1
		outStride := make([]int, rank)
		for d := rank - 1; d >= 0; d-- {
			if !red[d] {
				outStride[d] = outN
				outN *= shape[d]
			}
		}
		for _, op := range []ReduceOp{Sum, Prod, MaxOf, MinOf} {
			want := make([]float64, outN)
			for i := range want {
				want[i] = identity(op)
			}
			idx := make([]int, rank)
			for _, v := range src {
				o := 0
				for d, x := range idx {
					o += x * outStride[d]
				}
				want[o] = combine(op, want[o], v)
				for d := rank - 1; d >= 0; d-- {
					idx[d]++
					if idx[d] < shape[d] {
						break
					}
					idx[d] = 0
				}
			}
			got := make([]float64, outN)
			Reduce(op, got, src, shape, red)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("op %d shape %v reduced %v: %v, want %v", op, shape, red, got, want)
				}
			}
		}
	}
}

func TestStridedTransposes(t *testing.T) {
	src := []float32{1, 2, 3, 4, 5, 6} // 2×3
	dst := make([]float32, 6)
	Strided(dst, src, []int{3, 2}, []int{1, 3})
	want := []float32{1, 4, 2, 5, 3, 6}
	for i := range want {
		if dst[i] != want[i] {
			t.Fatalf("got %v, want %v", dst, want)
		}
	}
}

func TestUnary(t *testing.T) {
	src := []float64{-2, -0.5, 0, 0.5, 3}
	want := map[UnaryOp][]float64{
		Relu:     {0, 0, 0, 0.5, 3},
		Positive: {0, 0, 0, 1, 1},
		Square:   {4, 0.25, 0, 0.25, 9},
		Abs:      {2, 0.5, 0, 0.5, 3},
	}
	for op, w := range want {
		got := make([]float64, len(src))
		Unary(op, got, src)
		for i := range w {
			if got[i] != w[i] {
				t.Errorf("op %d: got %v, want %v", op, got, w)
			}
		}
	}
}

func TestUnaryFloat32AndSpecialValues(t *testing.T) {
	src := []float32{-2, float32(math.Copysign(0, -1)), 0, 1e-30, 3, float32(math.Inf(-1)), float32(math.Inf(1))}
	relu := make([]float32, len(src))
	pos := make([]float32, len(src))
	abs := make([]float32, len(src))
	Unary(Relu, relu, src)
	Unary(Positive, pos, src)
	Unary(Abs, abs, src)
	wantRelu := []float32{0, 0, 0, 1e-30, 3, 0, float32(math.Inf(1))}
	wantPos := []float32{0, 0, 0, 1, 1, 0, 1}
	for i := range src {
		if relu[i] != wantRelu[i] || pos[i] != wantPos[i] || abs[i] != float32(math.Abs(float64(src[i]))) {
			t.Fatalf("x=%v: relu %v pos %v abs %v", src[i], relu[i], pos[i], abs[i])
		}
	}
}

func TestPoolClasses(t *testing.T) {
	prev := -1
	for n := minPooled; n < 1<<20; n += 1 + n/7 {
		c, size := class(n)
		if size < n || size > n+n/4+8 {
			t.Fatalf("n=%d: class size %d", n, size)
		}
		if c < prev {
			t.Fatalf("class index not monotone at n=%d", n)
		}
		prev = c
		if c2, size2 := class(size); c2 != c || size2 != size {
			t.Fatalf("n=%d: class of the class size %d is %d/%d, want %d/%d", n, size, c2, size2, c, size)
		}
	}
	s := Get64(1000)
	if len(s) != 1000 {
		t.Fatal(len(s))
	}
	Put64(s)
	if r := Get64(999); len(r) != 999 || cap(r) < 999 {
		t.Fatal(len(r), cap(r))
	}
}

// Recycled buffers come back dirty from Get and clean from Zeros; the free
// lists are emptied by two garbage collections.
func TestPoolZerosAndAging(t *testing.T) {
	for _, n := range []int{300, 5000} {
		s := Get64(n)
		for i := range s {
			s[i] = 7
		}
		Put64(s)
		z := Zeros64(n)
		for i, v := range z {
			if v != 0 {
				t.Fatalf("Zeros64(%d)[%d] = %v", n, i, v)
			}
		}
		s32 := Get32(n)
		for i := range s32 {
			s32[i] = 7
		}
		Put32(s32)
		for i, v := range Zeros32(n) {
			if v != 0 {
				t.Fatalf("Zeros32(%d)[%d] = %v", n, i, v)
			}
		}
	}
	Put64(make([]float64, 1000, 1024))
	free64.age()
	free64.age()
	for i := range free64.shards {
		l := &free64.shards[i]
		l.mu.Lock()
		for c := range l.lists {
			if len(l.lists[c])+len(l.victim[c]) != 0 {
				t.Fatalf("set %d, class %d still holds buffers after two agings", i, c)
			}
		}
		l.mu.Unlock()
	}
	if b := free64.bytes.Load(); b != 0 {
		t.Fatalf("%d bytes still counted", b)
	}
}

func TestFill(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 100, 1000, 4097} {
		d := make([]float64, n+2)
		Fill(d[1:n+1], 2.5)
		for i, v := range d {
			want := 2.5
			if i == 0 || i == n+1 {
				want = 0
			}
			if v != want {
				t.Fatalf("n=%d: d[%d] = %v, want %v", n, i, v, want)
			}
		}
		f := make([]float32, n)
		Fill(f, -1)
		for i, v := range f {
			if v != -1 {
				t.Fatalf("float32 n=%d: f[%d] = %v", n, i, v)
			}
		}
	}
}

// TestPoolConcurrent: goroutines that get and put buffers side by side
// (each P's lists, and the sets that Ps share beyond the shards) never hold
// the same buffer at once.
func TestPoolConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				n := minPooled + (g*131+i*17)%3000
				s := Get64(n)
				for k := range s {
					s[k] = float64(g)
				}
				runtime.Gosched()
				for k, v := range s {
					if v != float64(g) {
						t.Errorf("goroutine %d: element %d of its buffer is %v: another goroutine holds it", g, k, v)
						return
					}
				}
				Put64(s)
			}
		}()
	}
	wg.Wait()
	if b := free64.bytes.Load(); b < 0 || b > maxPooledBytes {
		t.Fatalf("the lists count %d bytes", b)
	}
}
