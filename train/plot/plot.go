// Package plot draws the curves of a training run, as `nabla train` writes
// them into its run directory: loss.png and loss.svg (training and test
// loss per epoch), accuracy.png and accuracy.svg (test accuracy per epoch).
//
// It is apart from package train so that a program that trains without
// plotting does not link gonum.org/v1/plot and its fonts. Pass Write as
// train.Options.Finish to have Run call it at the end of a run, with the run
// directory still locked:
//
//	res, err := train.Run(ctx, cfg, train.Options{Finish: plot.Write})
package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/nabla-go/nabla/train"
)

// Write draws the loss and accuracy curves of history into dir as PNG and
// SVG files (loss.png, loss.svg, accuracy.png, accuracy.svg), each written
// atomically. An empty history writes nothing.
func Write(dir string, history []train.EpochMetrics) error {
	if len(history) == 0 {
		return nil
	}
	trainLoss, testLoss, acc := make(plotter.XYs, len(history)), make(plotter.XYs, len(history)), make(plotter.XYs, len(history))
	for i, m := range history {
		x := float64(m.Epoch)
		trainLoss[i] = plotter.XY{X: x, Y: m.TrainLoss}
		testLoss[i] = plotter.XY{X: x, Y: m.TestLoss}
		acc[i] = plotter.XY{X: x, Y: m.TestAccuracy}
	}
	loss := gplot.New()
	loss.Title.Text = "Loss"
	loss.X.Label.Text = "epoch"
	loss.Y.Label.Text = "cross-entropy"
	if err := addLines(loss, series{"train", trainLoss}, series{"test", testLoss}); err != nil {
		return err
	}
	accuracy := gplot.New()
	accuracy.Title.Text = "Test accuracy"
	accuracy.X.Label.Text = "epoch"
	accuracy.Y.Label.Text = "accuracy"
	if err := addLines(accuracy, series{"test", acc}); err != nil {
		return err
	}
	for name, p := range map[string]*gplot.Plot{"loss": loss, "accuracy": accuracy} {
		for _, ext := range []string{"png", "svg"} {
			if err := save(p, filepath.Join(dir, name+"."+ext), ext); err != nil {
				return fmt.Errorf("writing %s.%s: %w", name, ext, err)
			}
		}
	}
	return nil
}

type series struct {
	name string
	pts  plotter.XYs
}

// addLines adds the named lines, in the palette's colours, and a grid.
func addLines(p *gplot.Plot, lines ...series) error {
	palette := []color.Color{color.RGBA{R: 31, G: 119, B: 180, A: 255}, color.RGBA{R: 255, G: 127, B: 14, A: 255}}
	for i, s := range lines {
		l, err := plotter.NewLine(s.pts)
		if err != nil {
			return err
		}
		l.Color = palette[i%len(palette)]
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	p.Legend.Top = true // curves fall to the bottom right
	p.Add(plotter.NewGrid())
	return nil
}

// save renders p in memory and writes it to path through a temporary file
// in the same directory, synced and renamed, as train writes its files: a
// reader sees the old plot or the new one, never a partial file.
func save(p *gplot.Plot, path, ext string) error {
	w, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, ext)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b.Bytes())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
