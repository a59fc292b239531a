package nabla_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/nabla-go/nabla"
)

// fuzzBytes hands out small numbers from a fuzzer's bytes, zeros once they
// run out.
type fuzzBytes []byte

// next returns a number in [lo, hi].
func (b *fuzzBytes) next(lo, hi int) int {
	if len(*b) == 0 {
		return lo
	}
	v := int((*b)[0])
	*b = (*b)[1:]
	return lo + v%(hi-lo+1)
}

// signed returns a number in [0, hi], or -1.
func (b *fuzzBytes) signed(hi int) int {
	if v := b.next(0, hi+1); v <= hi {
		return v
	}
	return -1
}

// list returns nil or a list of 1 to 3 numbers in [-1, hi].
func (b *fuzzBytes) list(hi int) []int {
	n := b.next(0, 3)
	if n == 0 {
		return nil
	}
	out := make([]int, n)
	for i := range out {
		out[i] = b.signed(hi)
	}
	return out
}

// convGeometry is a convolution's shapes and settings as a reference reads
// them.
type convGeometry struct {
	n, c, h, w, f, kc, kh, kw int
	opt                       nabla.ConvOptions
}

func (g convGeometry) String() string {
	return fmt.Sprintf("x (%d, %d, %d, %d), w (%d, %d, %d, %d), %+v", g.n, g.c, g.h, g.w, g.f, g.kc, g.kh, g.kw, g.opt)
}

// refAxes resolves an option to one value per axis, or reports it invalid.
func refAxes(v []int, def, least int) ([2]int, bool) {
	switch len(v) {
	case 0:
		return [2]int{def, def}, true
	case 1:
		return [2]int{v[0], v[0]}, v[0] >= least
	case 2:
		return [2]int{v[0], v[1]}, v[0] >= least && v[1] >= least
	}
	return [2]int{}, false
}

// refConv is a direct nested-loop convolution, written from PyTorch's
// definition: y[n, f, oh, ow] = Σ x[n, c, oh·s − p + i·d, ow·s − p + j·d]·w[f, c, i, j]
// over the channels c of f's group and the kernel offsets (i, j) that land
// inside the input. It also returns the transposed maps: the gradients of
// ⟨gy, y⟩ with respect to x and w. ok is false for the settings PyTorch
// refuses, and for empty channels, filters or planes (PyTorch refuses all
// but empty input channels, for which its output has no channels at all).
func refConv(g convGeometry, x, w []float64, gy func(shape []int) []float64) (y, gx, gw []float64, shape []int, ok bool) {
	groups := max(g.opt.Groups, 1)
	empty := g.c < 1 || g.h < 1 || g.w < 1 || g.f < 1 || g.kc < 1 || g.kh < 1 || g.kw < 1 // only the batch may be
	if empty || g.opt.Groups < 0 || len(g.opt.OutputPadding) > 0 || g.c%groups != 0 || g.f%groups != 0 || g.kc*groups != g.c {
		return nil, nil, nil, nil, false
	}
	s, okS := refAxes(g.opt.Stride, 1, 1)
	d, okD := refAxes(g.opt.Dilation, 1, 1)
	p, okP := refAxes(g.opt.Padding, 0, 0)
	if !okS || !okD || !okP {
		return nil, nil, nil, nil, false
	}
	before, after := p, p
	if g.opt.Same {
		if g.opt.Padding != nil || s != [2]int{1, 1} {
			return nil, nil, nil, nil, false
		}
		for a, k := range []int{g.kh, g.kw} {
			total := d[a] * (k - 1)
			before[a], after[a] = total/2, total-total/2
		}
	}
	var out [2]int
	for a, in := range []int{g.h, g.w} {
		span := in + before[a] + after[a] - d[a]*([]int{g.kh, g.kw}[a]-1) - 1
		if span < 0 {
			return nil, nil, nil, nil, false
		}
		out[a] = span/s[a] + 1
	}
	oh, ow := out[0], out[1]
	shape = []int{g.n, g.f, oh, ow}
	y = make([]float64, g.n*g.f*oh*ow)
	gys := gy(shape)
	gx, gw = make([]float64, len(x)), make([]float64, len(w))
	fg := g.f / groups
	for n := range g.n {
		for f := range g.f {
			for o := range oh * ow {
				yi := ((n*g.f+f)*oh+o/ow)*ow + o%ow
				for c := range g.kc {
					ic := f/fg*g.kc + c
					for i := range g.kh {
						ih := o/ow*s[0] - before[0] + i*d[0]
						for j := range g.kw {
							iw := o%ow*s[1] - before[1] + j*d[1]
							if ih < 0 || ih >= g.h || iw < 0 || iw >= g.w {
								continue
							}
							xi, wi := ((n*g.c+ic)*g.h+ih)*g.w+iw, ((f*g.kc+c)*g.kh+i)*g.kw+j
							y[yi] += x[xi] * w[wi]
							gx[xi] += gys[yi] * w[wi]
							gw[wi] += gys[yi] * x[xi]
						}
					}
				}
			}
		}
	}
	return y, gx, gw, shape, true
}

// Random small convolution geometries, settings included, either panic with
// a *nabla.Error when PyTorch would refuse them, or give the output and the
// gradients of a direct nested-loop convolution. Any other panic (an index
// out of range in the unfolding loops, say) fails.
func FuzzConv2dGeometry(f *testing.F) {
	// The bytes: N, C, H, W, F, weight channels, kH, kW, groups, then
	// stride, padding and dilation (a count, then the values), same, output
	// padding, float32.
	f.Add([]byte{})
	f.Add([]byte{2, 3, 7, 6, 4, 3, 3, 3})
	f.Add([]byte{2, 3, 7, 6, 2, 3, 3, 2, 0, 2, 2, 1, 2, 1, 2})
	f.Add([]byte{1, 4, 6, 5, 4, 2, 3, 2, 2, 1, 2, 1, 1, 1, 2, 0, 0, 3})
	f.Add([]byte{1, 2, 5, 6, 2, 2, 2, 4, 1, 0, 0, 1, 2, 1})
	f.Add([]byte{2, 3, 4, 7, 3, 1, 3, 3, 3, 1, 2, 1, 1, 2, 2, 1})
	f.Add([]byte{1, 1, 1, 1, 1, 1, 4, 4, 1, 0, 1, 3})
	f.Add([]byte{1, 1, 1, 1, 1, 1, 4, 4, 1, 0, 1, 1})
	f.Add([]byte{3, 2, 2, 3, 1, 2, 1, 1, 0, 1, 2, 0, 0, 0, 0, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		seed := fuzzBytes(data)
		b := &seed
		g := convGeometry{n: b.next(0, 3), c: b.next(0, 4), h: b.next(0, 7), w: b.next(0, 7), f: b.next(0, 4),
			kc: b.next(0, 4), kh: b.next(0, 4), kw: b.next(0, 4)}
		g.opt.Groups = b.signed(4)
		g.opt.Stride, g.opt.Padding, g.opt.Dilation = b.list(3), b.list(3), b.list(3)
		g.opt.Same = b.next(0, 3) == 1
		if b.next(0, 7) == 7 {
			g.opt.OutputPadding = []int{1}
		}
		f32 := b.next(0, 3) == 3

		r := nabla.NewRand(uint64(len(data)))
		x, w := nabla.Randn(r, g.n, g.c, g.h, g.w), nabla.Randn(r, g.f, g.kc, g.kh, g.kw)
		tol := 1e-12
		if f32 {
			x, w = nabla.FromFloat32s(x.Float32s(), x.Shape()...), nabla.FromFloat32s(w.Float32s(), w.Shape()...)
			tol = 1e-4
		}
		var gy *nabla.Tensor
		wantY, wantGx, wantGw, shape, valid := refConv(g, x.Float64s(), w.Float64s(), func(shape []int) []float64 {
			gy = nabla.Randn(r, shape...)
			if f32 {
				gy = nabla.FromFloat32s(gy.Float32s(), shape...)
			}
			return gy.Float64s()
		})

		var y *nabla.Tensor
		var grads []*nabla.Tensor
		err := nabla.Catch(func() {
			var pullback func(*nabla.Tensor) []*nabla.Tensor
			y, pullback = nabla.VJP(func(xs ...*nabla.Tensor) *nabla.Tensor { return nabla.Conv2d(xs[0], xs[1], g.opt) }, x, w)
			if valid {
				grads = pullback(gy)
			}
		})
		var e *nabla.Error
		switch {
		case err != nil && !errors.As(err, &e):
			t.Fatalf("%v: %v", g, err)
		case err != nil && valid:
			t.Fatalf("%v: a valid geometry was refused: %v", g, err)
		case err == nil && !valid:
			t.Fatalf("%v: an invalid geometry gave an output of shape %v", g, y.Shape())
		case err != nil:
			return
		}
		if !slices.Equal(y.Shape(), shape) {
			t.Fatalf("%v: output of shape %v, want %v", g, y.Shape(), shape)
		}
		for _, c := range []struct {
			what      string
			got       *nabla.Tensor
			want      []float64
			wantShape []int
		}{{"output", y, wantY, shape}, {"input gradient", grads[0], wantGx, x.Shape()}, {"weight gradient", grads[1], wantGw, w.Shape()}} {
			if !slices.Equal(c.got.Shape(), c.wantShape) {
				t.Fatalf("%v: %s of shape %v, want %v", g, c.what, c.got.Shape(), c.wantShape)
			}
			for i, v := range c.got.Float64s() {
				if math.Abs(v-c.want[i]) > tol*(1+math.Abs(c.want[i])) {
					t.Fatalf("%v: %s element %d is %v, want %v", g, c.what, i, v, c.want[i])
				}
			}
		}
	})
}

// refPoolAxis resolves a pooling option to one value per axis, or reports it
// invalid.
func refPoolAxis(v []int, def [2]int, least int) ([2]int, bool) {
	if v == nil {
		return def, true
	}
	return refAxes(v, 0, least)
}

// refPool is a direct max or average pooling of x (planes of h×w), written
// from PyTorch's definition, with the gradient of ⟨gy, y⟩. A max window's
// gradient goes to its first maximum, or its last NaN; an average window
// divides by its size clipped to the padded input, or by the count of input
// elements (exclude), or by divisor. ok is false for settings PyTorch refuses
// and for windows that hold padding only.
func refPool(max bool, planes, h, w int, o nabla.PoolOptions, x []float64, gy func(shape []int) []float64) (y, gx []float64, oh, ow int, ok bool) {
	k, okK := refAxes(o.Kernel, 0, 1)
	if o.Kernel == nil || !okK || h < 1 || w < 1 || o.Divisor < 0 || !max && o.Dilation != nil || max && (o.ExcludePad || o.Divisor != 0) {
		return nil, nil, 0, 0, false
	}
	s, okS := refPoolAxis(o.Stride, k, 1)
	p, okP := refPoolAxis(o.Padding, [2]int{}, 0)
	d, okD := refPoolAxis(o.Dilation, [2]int{1, 1}, 1)
	if !okS || !okP || !okD || 2*p[0] > k[0] || 2*p[1] > k[1] {
		return nil, nil, 0, 0, false
	}
	var out [2]int
	for a, in := range []int{h, w} {
		num := in + 2*p[a] - d[a]*(k[a]-1) - 1
		if o.CeilMode {
			num += s[a] - 1
		}
		n := int(math.Floor(float64(num)/float64(s[a]))) + 1
		if o.CeilMode && (n-1)*s[a] >= in+p[a] {
			n--
		}
		if n < 1 {
			return nil, nil, 0, 0, false
		}
		out[a] = n
	}
	oh, ow = out[0], out[1]
	for a, in := range []int{h, w} { // refused if a window's taps all miss the plane (PyTorch gives −∞)
		for i := range out[a] {
			inside := false
			for t := range k[a] {
				pos := i*s[a] - p[a] + t*d[a]
				inside = inside || pos >= 0 && pos < in
			}
			if !inside {
				return nil, nil, 0, 0, false
			}
		}
	}
	y, gx = make([]float64, planes*oh*ow), make([]float64, len(x))
	gys := gy([]int{planes, oh, ow})
	for q := range planes {
		for i := range oh {
			for j := range ow {
				o2 := (q*oh+i)*ow + j
				best, at, sum, count := math.Inf(-1), -1, 0.0, 0
				for a := range k[0] {
					r := i*s[0] - p[0] + a*d[0]
					for b := range k[1] {
						c := j*s[1] - p[1] + b*d[1]
						if r < 0 || r >= h || c < 0 || c >= w {
							continue
						}
						v := x[(q*h+r)*w+c]
						if at < 0 || v > best || math.IsNaN(v) {
							best, at = v, (q*h+r)*w+c
						}
						sum += v
						count++
					}
				}
				if max {
					y[o2] = best
					gx[at] += gys[o2]
					continue
				}
				div := o.Divisor
				if div == 0 && o.ExcludePad {
					div = count
				} else if div == 0 { // the window clipped to the padded input
					rows := min(i*s[0]-p[0]+k[0], h+p[0]) - (i*s[0] - p[0])
					cols := min(j*s[1]-p[1]+k[1], w+p[1]) - (j*s[1] - p[1])
					div = rows * cols
				}
				y[o2] = sum / float64(div)
				for a := range k[0] {
					for b := range k[1] {
						r, c := i*s[0]-p[0]+a, j*s[1]-p[1]+b
						if r >= 0 && r < h && c >= 0 && c < w {
							gx[(q*h+r)*w+c] += gys[o2] / float64(div)
						}
					}
				}
			}
		}
	}
	return y, gx, oh, ow, true
}

// Random small max and average poolings, settings included, either panic
// with a *nabla.Error when PyTorch would refuse them, or give the output and
// the gradient of a direct pooling. The values are small integers, so that
// windows tie, and now and then NaN or −∞.
func FuzzPool2dGeometry(f *testing.F) {
	// The bytes: max (0) or average, N, C, H, W, then kernel, stride,
	// padding and dilation (a count, then the values), ceil mode, exclude
	// padding, divisor, (for max pooling) whether to keep those two, float32,
	// and a seed for the values.
	f.Add([]byte{})
	f.Add([]byte{0, 2, 2, 6, 6, 1, 2})
	f.Add([]byte{0, 1, 2, 7, 6, 1, 3, 1, 2, 1, 1, 0, 1})
	f.Add([]byte{0, 2, 1, 7, 6, 2, 2, 3, 1, 2, 0, 2, 2, 1, 1, 1})
	f.Add([]byte{1, 2, 2, 7, 6, 1, 3, 1, 2, 1, 1, 0, 1, 1})
	f.Add([]byte{1, 1, 3, 5, 7, 2, 3, 2, 2, 1, 2, 1, 1, 0, 0, 1})
	f.Add([]byte{1, 2, 2, 5, 5, 1, 2, 0, 1, 1, 0, 1, 0, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		seed := fuzzBytes(data)
		b := &seed
		isMax := b.next(0, 1) == 0
		n, c, h, w := b.next(0, 2), b.next(0, 3), b.next(0, 7), b.next(0, 7)
		o := nabla.PoolOptions{Kernel: b.list(4), Stride: b.list(3), Padding: b.list(2), Dilation: b.list(3)}
		o.CeilMode = b.next(0, 1) == 1
		o.ExcludePad = b.next(0, 1) == 1
		o.Divisor = b.signed(6)
		if isMax && b.next(0, 7) != 7 { // mostly without AvgPool2d's settings
			o.ExcludePad, o.Divisor = false, 0
		}
		f32 := b.next(0, 3) == 3

		r := nabla.NewRand(uint64(b.next(0, 255)))
		xs := make([]float64, n*c*h*w)
		for i := range xs {
			switch v := r.IntN(16); v {
			case 0:
				xs[i] = math.NaN()
			case 1:
				xs[i] = math.Inf(-1)
			default:
				xs[i] = float64(v%5) - 2
			}
		}
		x := nabla.FromSlice(xs, n, c, h, w)
		tol := 1e-12
		if f32 {
			x = nabla.FromFloat32s(x.Float32s(), n, c, h, w)
			tol = 1e-6
		}
		var gy *nabla.Tensor
		wantY, wantGx, oh, ow, valid := refPool(isMax, n*c, h, w, o, xs, func(shape []int) []float64 {
			gy = nabla.Randn(r, n, c, shape[1], shape[2])
			if f32 {
				gy = nabla.FromFloat32s(gy.Float32s(), gy.Shape()...)
			}
			return gy.Float64s()
		})
		var y, gx *nabla.Tensor
		err := nabla.Catch(func() {
			var pullback func(*nabla.Tensor) []*nabla.Tensor
			y, pullback = nabla.VJP(func(xs ...*nabla.Tensor) *nabla.Tensor {
				if isMax {
					return nabla.MaxPool2d(xs[0], o)
				}
				return nabla.AvgPool2d(xs[0], o)
			}, x)
			if valid {
				gx = pullback(gy)[0]
			}
		})
		what := fmt.Sprintf("max %v, x (%d, %d, %d, %d), %+v", isMax, n, c, h, w, o)
		var e *nabla.Error
		switch {
		case err != nil && !errors.As(err, &e):
			t.Fatalf("%s: %v", what, err)
		case err != nil && valid:
			t.Fatalf("%s: valid settings were refused: %v", what, err)
		case err == nil && !valid:
			t.Fatalf("%s: invalid settings gave an output of shape %v", what, y.Shape())
		case err != nil:
			return
		}
		agreeWith(t, what+": output", y, nabla.FromSlice(wantY, n, c, oh, ow), tol)
		agreeWith(t, what+": gradient", gx, nabla.FromSlice(wantGx, n, c, h, w), tol)
	})
}
