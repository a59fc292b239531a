//go:build amd64

package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"
)

// elemSets returns the sets of assembly loops this CPU can run, AVX-512
// first.
func elemSets() []*elemSet {
	var sets []*elemSet
	if haveAVX512Elem {
		sets = append(sets, avx512Elem)
	}
	if haveAsm {
		sets = append(sets, avx2Elem)
	}
	return sets
}

// eachElem runs f once for each set of assembly loops this CPU can run, as
// the set in use, whatever NABLA_KERNEL says; where there is none it runs f
// once with the Go loops, which the tests then compare with themselves.
func eachElem(t *testing.T, f func(t *testing.T)) {
	sets := elemSets()
	if len(sets) == 0 {
		t.Log("no assembly loops on this machine: comparing the Go loops with themselves")
		f(t)
		return
	}
	savedUse, savedSet := useAsm, elemInUse
	defer func() { useAsm, elemInUse = savedUse, savedSet }()
	for _, es := range sets {
		useAsm, elemInUse = true, es
		t.Run(es.name, f)
	}
}

// eachExp runs f once for each set of Exp loops this CPU can run, as the
// set in use, whatever NABLA_KERNEL says; where there is none it runs f
// once with the Go loop.
func eachExp(t *testing.T, f func(t *testing.T)) {
	var sets []*expLoops
	if haveExpAsm && cpu.X86.HasAVX512F {
		sets = append(sets, avx512Exp)
	}
	if haveExpAsm {
		sets = append(sets, avx2Exp)
	}
	if len(sets) == 0 {
		f(t)
		return
	}
	savedUse, savedSet := useAsm, expInUse
	defer func() { useAsm, expInUse = savedUse, savedSet }()
	for _, el := range sets {
		if !expSelfTest(el) {
			t.Errorf("%s Exp loops fail the self-test", el.name)
		}
		useAsm, expInUse = true, el
		t.Run(el.name, f)
	}
}

// TestElemSelfTest checks that every set of loops this CPU can run passes
// the start-up self-test, and that the set chosen is the best of them.
func TestElemSelfTest(t *testing.T) {
	for _, es := range elemSets() {
		if !elemSelfTest(es) {
			t.Errorf("%s loops fail the self-test", es.name)
		}
	}
	if sets := elemSets(); len(sets) > 0 && pickElem("") != sets[0] {
		t.Errorf("pickElem chose %v, want %s", pickElem(""), sets[0].name)
	}
	if pickElem("portable") != nil {
		t.Error("NABLA_KERNEL=portable, yet pickElem chose assembly loops")
	}
	if haveAsm && pickElem("avx2") != avx2Elem {
		t.Error("NABLA_KERNEL=avx2, yet pickElem did not choose the AVX2 loops")
	}
	t.Logf("elementwise loops in use: %s", ElemKernel())
}

// TestAsmLongVV checks vv on a slice long enough for the AVX-512 set to
// hand it to its long loops.
func TestAsmLongVV(t *testing.T) {
	eachElem(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		n := 1<<19 + 5
		a, b := make([]float64, n), make([]float64, n)
		for i := range a {
			a[i], b[i] = draw64(r), draw64(r)
		}
		for op := Add; op <= Div; op++ {
			compare(t, fmt.Sprintf("vv op=%d", op), n, 1, func(d []float64) { vv(op, d, a, b) }, func(d []float64) { vvGo(op, d, a, b) })
		}
	})
}

// TestElemSelfTestCatches breaks one loop of a copy of each set and checks
// that the self-test notices.
func TestElemSelfTestCatches(t *testing.T) {
	for _, es := range elemSets() {
		bad := *es
		bad.f32.vv[Sub] = bad.f32.vv[Add]
		if elemSelfTest(&bad) {
			t.Errorf("%s: a broken float32 Sub passes the self-test", es.name)
		}
		bad = *es
		bad.f64.unary[Relu] = bad.f64.unary[Abs]
		if elemSelfTest(&bad) {
			t.Errorf("%s: a broken float64 Relu passes the self-test", es.name)
		}
	}
}

// elemKernels are the loops of an elemLoops, each as a call on three
// slices of one length (d, then the inputs).
func elemKernels[T float32 | float64]() []struct {
	name string
	run  func(l *elemLoops[T], d, a, b []T)
} {
	type k = struct {
		name string
		run  func(l *elemLoops[T], d, a, b []T)
	}
	var ks []k
	for op, name := range []string{"add", "sub", "mul", "div"} {
		ks = append(ks,
			k{"vv-" + name, func(l *elemLoops[T], d, a, b []T) { l.vv[op](&d[0], &a[0], &b[0], len(d)) }},
			k{"vs-" + name, func(l *elemLoops[T], d, a, _ []T) { l.vs[op](&d[0], &a[0], 1.5, len(d)) }})
	}
	ks = append(ks,
		k{"sv-sub", func(l *elemLoops[T], d, _, b []T) { l.subSV(&d[0], &b[0], 1.5, len(d)) }},
		k{"sv-div", func(l *elemLoops[T], d, _, b []T) { l.divSV(&d[0], &b[0], 1.5, len(d)) }},
		k{"affine", func(l *elemLoops[T], d, a, _ []T) { l.affine(&d[0], &a[0], 1.5, 2, len(d)) }})
	for op, name := range []string{"relu", "positive", "square", "abs"} {
		ks = append(ks, k{name, func(l *elemLoops[T], d, a, _ []T) { l.unary[op](&d[0], &a[0], len(d)) }})
	}
	return ks
}

// BenchmarkElemLoops times every assembly loop of every set this CPU runs,
// called directly (no dispatch), in float64 and float32, in the L1 cache
// (n=1000), in L2 (n=16384) and out of every cache (n=4194304: 32 MB an
// operand in float64). Run on one core, e.g.
//
//	taskset -c 0 go test -run '^$' -bench ElemLoops -cpu 1 -count 5
func BenchmarkElemLoops(b *testing.B) {
	b.Run("f64", func(b *testing.B) { benchElemLoops(b, func(es *elemSet) *elemLoops[float64] { return &es.f64 }) })
	b.Run("f32", func(b *testing.B) { benchElemLoops(b, func(es *elemSet) *elemLoops[float32] { return &es.f32 }) })
}

func benchElemLoops[T float32 | float64](b *testing.B, loops func(*elemSet) *elemLoops[T]) {
	sets := elemSets()
	if len(sets) == 0 {
		b.Skip("no assembly loops on this machine")
	}
	for _, k := range elemKernels[T]() {
		for _, n := range []int{1000, 16384, 1 << 22} {
			x, y, d := make([]T, n), make([]T, n), make([]T, n)
			for i := range x {
				x[i], y[i] = T(i%7-3), T(i%5+2)
			}
			for _, es := range sets {
				b.Run(fmt.Sprintf("%s/n=%d/%s", k.name, n, es.name), func(b *testing.B) {
					l := loops(es)
					b.SetBytes(int64(n * elemBytes[T]())) // of output
					for b.Loop() {
						k.run(l, d, x, y)
					}
				})
			}
		}
	}
}
