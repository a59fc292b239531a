package conv

import (
	"fmt"
	"testing"
)

// BenchmarkConv times forward, input gradient and weight gradient of the
// Fashion-MNIST CNN's two convolutions and the reference size, and
// reports GFLOPS (2 flops per multiply-add, three products).
func BenchmarkConv(b *testing.B) {
	for _, g := range []Geom{
		{N: 128, C: 1, H: 28, W: 28, F: 32, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1, G: 1, OH: 28, OW: 28},
		{N: 128, C: 32, H: 14, W: 14, F: 64, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1, G: 1, OH: 14, OW: 14},
		{N: 128, C: 32, H: 28, W: 28, F: 32, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1, G: 1, OH: 28, OW: 28},
	} {
		b.Run(fmt.Sprintf("%dx%dx%dx%d-to-%d", g.N, g.C, g.H, g.W, g.F), func(b *testing.B) {
			x := make([]float32, g.N*g.C*g.H*g.W)
			w := make([]float32, g.F*g.C*9)
			y := make([]float32, g.N*g.F*g.OH*g.OW)
			for i := range x {
				x[i] = float32(i%7) - 3
			}
			for i := range w {
				w[i] = float32(i%5) - 2
			}
			dx, dw := make([]float32, len(x)), make([]float32, len(w))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				Forward(g, x, w, y)
				InputGrad(g, y, w, dx)
				WeightGrad(g, x, y, dw)
			}
			b.ReportMetric(3*2*float64(g.N*g.macs())*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
