package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naive computes the three products from the definition, one multiply-add at
// a time: the reference the unfolding loops are checked against.
func naive(g Geom, x, w, dy []float64) (y, dx, dw []float64) {
	cg, fg := g.C/g.G, g.F/g.G
	y = make([]float64, g.N*g.F*g.OH*g.OW)
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	for n := 0; n < g.N; n++ {
		for f := 0; f < g.F; f++ {
			gi := f / fg
			for oh := 0; oh < g.OH; oh++ {
				for ow := 0; ow < g.OW; ow++ {
					yi := ((n*g.F+f)*g.OH+oh)*g.OW + ow
					for c := 0; c < cg; c++ {
						for i := 0; i < g.KH; i++ {
							for j := 0; j < g.KW; j++ {
								h, v := oh*g.SH-g.PH+i*g.DH, ow*g.SW-g.PW+j*g.DW
								if h < 0 || h >= g.H || v < 0 || v >= g.W {
									continue
								}
								xi := ((n*g.C+gi*cg+c)*g.H+h)*g.W + v
								wi := ((f*cg+c)*g.KH+i)*g.KW + j
								y[yi] += x[xi] * w[wi]
								dx[xi] += dy[yi] * w[wi]
								dw[wi] += dy[yi] * x[xi]
							}
						}
					}
				}
			}
		}
	}
	return
}

func randomGeom(r *rand.Rand) Geom {
	for {
		g := Geom{N: 1 + r.IntN(5), G: 1 + r.IntN(3), KH: 1 + r.IntN(4), KW: 1 + r.IntN(4),
			SH: 1 + r.IntN(3), SW: 1 + r.IntN(3), DH: 1 + r.IntN(2), DW: 1 + r.IntN(2),
			H: 1 + r.IntN(9), W: 1 + r.IntN(9)}
		g.C, g.F = g.G*(1+r.IntN(3)), g.G*(1+r.IntN(3))
		if r.IntN(3) == 0 { // enough channels for the weight gradient's channels-last packing
			g.C = g.G * (minTapChannels + r.IntN(40))
		}
		g.PH, g.PW = r.IntN(3), r.IntN(3)
		g.OH = OutSize(g.H, g.KH, g.SH, g.PH, r.IntN(3), g.DH)
		g.OW = OutSize(g.W, g.KW, g.SW, g.PW, r.IntN(3), g.DW)
		if r.IntN(4) == 0 { // the unfolding-free path
			g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.OH, g.OW = 1, 1, 1, 1, 0, 0, g.H, g.W
		}
		if g.OH > 0 && g.OW > 0 {
			return g
		}
	}
}

func fill(r *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = r.NormFloat64()
	}
	return s
}

func near(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*(1+math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestAgainstDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for it := 0; it < 300; it++ {
		g := randomGeom(r)
		t.Run(fmt.Sprintf("%+v", g), func(t *testing.T) {
			x, w := fill(r, g.N*g.C*g.H*g.W), fill(r, g.F*g.C/g.G*g.KH*g.KW)
			dy := fill(r, g.N*g.F*g.OH*g.OW)
			y, dx, dw := naive(g, x, w, dy)
			gy, gdx, gdw := fill(r, len(y)), fill(r, len(dx)), fill(r, len(dw)) // garbage: every element must be written
			Forward(g, x, w, gy)
			InputGrad(g, dy, w, gdx)
			WeightGrad(g, x, dy, gdw)
			near(t, "y", gy, y, 1e-12)
			near(t, "dx", gdx, dx, 1e-12)
			near(t, "dw", gdw, dw, 1e-12)

			x32, w32, dy32 := to32(x), to32(w), to32(dy)
			y32, dx32, dw32 := make([]float32, len(y)), make([]float32, len(dx)), make([]float32, len(dw))
			Forward(g, x32, w32, y32)
			InputGrad(g, dy32, w32, dx32)
			WeightGrad(g, x32, dy32, dw32)
			near(t, "y32", to64(y32), y, 1e-4)
			near(t, "dx32", to64(dx32), dx, 1e-4)
			near(t, "dw32", to64(dw32), dw, 1e-4)
		})
	}
}

// TestWeightGradPackings checks that the weight gradient packed from the
// channels-last input has the bits of the one packed from the unfolded
// input, in float64 and float32.
func TestWeightGradPackings(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for it := 0; it < 200; it++ {
		g := randomGeom(r)
		if g.direct() {
			continue
		}
		x, dy := fill(r, g.N*g.C*g.H*g.W), fill(r, g.N*g.F*g.OH*g.OW)
		n := g.F * g.C / g.G * g.KH * g.KW
		a, b := make([]float64, n), make([]float64, n)
		weightGrad(g, x, dy, a, false)
		weightGrad(g, x, dy, b, true)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%+v: dw[%d] is %v packed from the unfolded input, %v from the channels-last one", g, i, a[i], b[i])
			}
		}
		x32, dy32 := to32(x), to32(dy)
		a32, b32 := make([]float32, n), make([]float32, n)
		weightGrad(g, x32, dy32, a32, false)
		weightGrad(g, x32, dy32, b32, true)
		for i := range a32 {
			if a32[i] != b32[i] {
				t.Fatalf("%+v: float32 dw[%d] is %v packed from the unfolded input, %v from the channels-last one", g, i, a32[i], b32[i])
			}
		}
	}
}

// TestLargeParallel runs sizes that take the multi-core path, against the
// definition.
func TestLargeParallel(t *testing.T) {
	// Images of 12×11 go several to a product; of 33×33 (over 1024 output
	// positions) one to a product, written in place without copies.
	for _, hw := range [][2]int{{12, 11}, {33, 33}} {
		testLarge(t, hw[0], hw[1])
	}
}

func testLarge(t *testing.T, height, width int) {
	r := rand.New(rand.NewPCG(3, 4))
	g := Geom{N: 13, C: 8, H: height, W: width, F: 16, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1, G: 2}
	g.OH, g.OW = OutSize(g.H, 3, 1, 1, 1, 1), OutSize(g.W, 3, 1, 1, 1, 1)
	x, w, dy := fill(r, g.N*g.C*g.H*g.W), fill(r, g.F*g.C/g.G*9), fill(r, g.N*g.F*g.OH*g.OW)
	y, dx, dw := naive(g, x, w, dy)
	gy, gdx, gdw := make([]float64, len(y)), make([]float64, len(dx)), make([]float64, len(dw))
	Forward(g, x, w, gy)
	InputGrad(g, dy, w, gdx)
	WeightGrad(g, x, dy, gdw)
	near(t, "y", gy, y, 1e-12)
	near(t, "dx", gdx, dx, 1e-12)
	near(t, "dw", gdw, dw, 1e-12)
}

func to32(s []float64) []float32 {
	o := make([]float32, len(s))
	for i, v := range s {
		o[i] = float32(v)
	}
	return o
}

func to64(s []float32) []float64 {
	o := make([]float64, len(s))
	for i, v := range s {
		o[i] = float64(v)
	}
	return o
}

// TestArgmaxPaths checks the fast window loops against the general one, ties
// and NaNs included.
func TestArgmaxPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for it := 0; it < 500; it++ {
		p := Pool{Planes: 1, H: 2 + r.IntN(8), W: 2 + r.IntN(8), KH: 1 + r.IntN(3), KW: 1 + r.IntN(3),
			SH: 1 + r.IntN(3), SW: 1 + r.IntN(3), DH: 1 + r.IntN(2), DW: 1 + r.IntN(2)}
		if r.IntN(2) == 0 {
			p.KH, p.KW, p.DH, p.DW = 2, 2, 1, 1
		}
		p.OH = OutSize(p.H, p.KH, p.SH, 0, 0, p.DH)
		p.OW = OutSize(p.W, p.KW, p.SW, 0, 0, p.DW)
		if p.OH < 1 || p.OW < 1 {
			continue
		}
		x := make([]float64, p.H*p.W)
		for i := range x {
			x[i] = float64(r.IntN(3)) // many ties
			if r.IntN(20) == 0 {
				x[i] = math.NaN()
			}
		}
		if r.IntN(2) == 0 { // the float32 path without NaN has a loop of its own
			for i, v := range x {
				if v != v {
					x[i] = -0.0
					if r.IntN(2) == 0 {
						x[i] = math.Copysign(0, -1)
					}
				}
			}
		}
		idx, idx32 := make([]int, p.OH*p.OW), make([]int, p.OH*p.OW)
		argmaxes(&p, x, idx)
		argmaxes(&p, to32(x), idx32)
		for oh := 0; oh < p.OH; oh++ {
			for ow := 0; ow < p.OW; ow++ {
				o := oh*p.OW + ow
				if want := argmax(&p, x, oh, ow); idx[o] != want || idx32[o] != want {
					t.Fatalf("%+v window (%d, %d): %d (float32 %d), want %d (x %v)", p, oh, ow, idx[o], idx32[o], want, x)
				}
			}
		}
	}
}

// TestMaxPoolSIMD checks float32 2×2 max pooling with stride 2 (the
// AVX-512 loop where the CPU has it) against the general window loop, bit
// for bit, on planes of ragged sizes with ties, signed zeros, infinities and
// some NaNs.
func TestMaxPoolSIMD(t *testing.T) {
	if !hasMaxPool2x2 {
		t.Log("no AVX-512 here (or its self-test failed): the Go loop runs")
	} else if !maxPool2x2SelfTest(maxPool2x2AVX512) {
		t.Fatal("self-test fails")
	}
	r := rand.New(rand.NewPCG(9, 10))
	vals := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.5, float32(math.Inf(1)), float32(math.Inf(-1)), 1e-40}
	for it := 0; it < 300; it++ {
		p := Pool{Planes: 1 + r.IntN(3), H: 2 + r.IntN(12), W: 2 + r.IntN(70), KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1}
		p.OH, p.OW = p.H/2, p.W/2
		x := make([]float32, p.Planes*p.H*p.W)
		for i := range x {
			if r.IntN(2) == 0 {
				x[i] = vals[r.IntN(len(vals))]
			} else {
				x[i] = float32(r.NormFloat64())
			}
		}
		if r.IntN(5) == 0 {
			x[r.IntN(len(x))] = float32(math.NaN())
		}
		y, pos := make([]float32, p.Planes*p.OH*p.OW), make([]float32, p.Planes*p.OH*p.OW)
		MaxPool(p, x, y, pos)
		hw := p.H * p.W
		for q := 0; q < p.Planes; q++ {
			for o := 0; o < p.OH*p.OW; o++ {
				i := argmax(&p, x[q*hw:(q+1)*hw], o/p.OW, o%p.OW)
				k := q*p.OH*p.OW + o
				if int(pos[k]) != i || math.Float32bits(y[k]) != math.Float32bits(x[q*hw+i]) {
					t.Fatalf("%+v plane %d output %d: got %v at %v, want %v at %d", p, q, o, y[k], pos[k], x[q*hw+i], i)
				}
			}
		}
	}
}
