// Command digitsplot draws docs/natural-gradient.svg: the training loss of
// logistic regression on the embedded digits against iterations, for
// natural-gradient descent (natgrad.Defaults), K-FAC (natgrad.KFACDefaults),
// Adam (lr 0.1) and SGD (lr 2),
// the setting of natgrad's Example_digits. From the repository's root:
//
//	go run ./optim/natgrad/internal/digitsplot -o docs/natural-gradient.svg
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image/color"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/data"
	"github.com/nabla-go/nabla/nn"
	"github.com/nabla-go/nabla/optim"
	"github.com/nabla-go/nabla/optim/natgrad"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func main() {
	out := flag.String("o", "docs/natural-gradient.svg", "the file to write: SVG, PNG or PDF, by its extension")
	iters := flag.Int("iters", 60, "iterations per optimizer")
	flag.Parse()
	if err := run(*out, *iters); err != nil {
		fmt.Fprintln(os.Stderr, "digitsplot:", err)
		os.Exit(1)
	}
}

func run(path string, iters int) error {
	ds, err := data.Digits()
	if err != nil {
		return err
	}
	x := nabla.MulScalar(nabla.FromSlice(ds.X, ds.N, ds.D), 1.0/16)
	newModel := func() *nn.Linear { return nn.NewLinear(64, 10, rand.New(rand.NewPCG(1, 2))) }
	curve := func(step func() float64) plotter.XYs {
		xy := make(plotter.XYs, iters)
		for i := range xy {
			// The loss at the start of iteration i+1, floored for the log
			// axis.
			xy[i].X, xy[i].Y = float64(i), max(step(), 1e-6)
		}
		return xy
	}
	firstOrder := func(alg optim.Algorithm) plotter.XYs {
		m := newModel()
		opt := optim.New(nn.Tensors(m), alg)
		return curve(func() float64 {
			opt.ZeroGrad()
			loss := nn.CrossEntropyLoss(m.Forward(x), ds.Y, nil)
			loss.Backward()
			opt.Step()
			return loss.Item()
		})
	}
	m := newModel()
	ng := natgrad.New(nn.Tensors(m), natgrad.Defaults())
	natural := curve(func() float64 { return ng.Step(func() *nabla.Tensor { return m.Forward(x) }, ds.Y) })
	km := newModel()
	kf := natgrad.NewKFAC(km, natgrad.KFACDefaults())
	kfac := curve(func() float64 { return kf.Step(x, ds.Y) })

	p := plot.New()
	p.Title.Text = "Logistic regression on the digits (1797 images, full batch)"
	p.X.Label.Text = "iteration"
	p.Y.Label.Text = "training loss (cross-entropy)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Add(plotter.NewGrid())
	for _, c := range []struct {
		name string
		xy   plotter.XYs
		col  color.RGBA
	}{
		{fmt.Sprintf("natural gradient (CG, ≤10 Fisher-vector products per iteration; %d in all)", ng.CGIterations()), natural, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}},
		{"K-FAC (natgrad.KFACDefaults: one backward pass per class per iteration for G)", kfac, color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}},
		{"Adam, lr 0.1", firstOrder(optim.NewAdam(0.1)), color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}},
		{"SGD, lr 2", firstOrder(optim.NewSGD(2)), color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}},
	} {
		l, err := plotter.NewLine(c.xy)
		if err != nil {
			return err
		}
		l.Color, l.Width = c.col, vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(c.name, l)
	}
	p.Legend.Top = true
	p.Legend.YOffs, p.Legend.XOffs = -vg.Points(24), -vg.Points(8) // inside the axes
	w, err := p.WriterTo(8*vg.Inch, 5*vg.Inch, strings.TrimPrefix(filepath.Ext(path), "."))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
