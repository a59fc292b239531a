package nabla

import (
	"math/rand/v2"
	"testing"
)

// TestSerialTapeSameBits checks that a tape whose kernels keep to one
// goroutine (SetSerial) computes the same bits as the default, forward and
// backward, for products and convolutions large enough to be split.
func TestSerialTapeSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	randn := func(shape ...int) *Tensor {
		x := Zeros(shape...)
		for i := range x.f64 {
			x.f64[i] = r.NormFloat64()
		}
		return x
	}
	w1, w2 := randn(128, 128).SetRequiresGrad(true), randn(8, 3, 3, 3).SetRequiresGrad(true)
	x1, x2 := randn(128, 128), randn(16, 3, 16, 16)
	run := func(serial bool) []*Tensor {
		tp := NewTape()
		if prev := tp.SetSerial(serial); prev {
			t.Fatal("a new tape is serial")
		}
		if tp.Serial() != serial {
			t.Fatalf("Serial() = %v after SetSerial(%v)", tp.Serial(), serial)
		}
		a, b := x1.Clone(), x2.Clone()
		tp.Bind(a, b)
		w1.SetGrad(nil)
		w2.SetGrad(nil)
		y1 := MatMul(a, w1)
		y2 := Conv2d(b, w2, ConvOptions{})
		Add(Sum(Square(y1)), Sum(Square(y2))).Backward()
		return []*Tensor{y1, y2, w1.Grad().Clone(), w2.Grad().Clone()}
	}
	par, ser := run(false), run(true)
	for i := range par {
		s := ser[i].Float64s()
		for k, v := range par[i].Float64s() {
			if s[k] != v {
				t.Fatalf("result %d, element %d: %v serial, %v split", i, k, s[k], v)
			}
		}
	}
}
