package train

import (
	"bytes"
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// writeAtomic writes data to path through a temporary file in the same
// directory, synced and renamed, so that readers see the old or the new file,
// never a partial one.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}

// writeMetrics writes metrics.csv: one row per epoch.
func writeMetrics(dir string, hist []EpochMetrics) error {
	var b bytes.Buffer
	b.WriteString("epoch,train_loss,test_loss,test_accuracy,lr,grad_norm,seconds\n")
	for _, m := range hist {
		fmt.Fprintf(&b, "%d,%.8g,%.8g,%.6f,%.6g,%.6g,%.3f\n", m.Epoch, m.TrainLoss, m.TestLoss, m.TestAccuracy, m.LR, m.GradNorm, m.Seconds)
	}
	if err := writeAtomic(filepath.Join(dir, "metrics.csv"), b.Bytes()); err != nil {
		return fmt.Errorf("writing metrics: %w", err)
	}
	return nil
}

// writePlots draws the loss and accuracy curves as PNG and SVG.
func writePlots(dir string, hist []EpochMetrics) error {
	if len(hist) == 0 {
		return nil
	}
	train, test, acc := make(plotter.XYs, len(hist)), make(plotter.XYs, len(hist)), make(plotter.XYs, len(hist))
	for i, m := range hist {
		x := float64(m.Epoch)
		train[i] = plotter.XY{X: x, Y: m.TrainLoss}
		test[i] = plotter.XY{X: x, Y: m.TestLoss}
		acc[i] = plotter.XY{X: x, Y: m.TestAccuracy}
	}
	loss := plot.New()
	loss.Title.Text = "Loss"
	loss.X.Label.Text = "epoch"
	loss.Y.Label.Text = "cross-entropy"
	if err := addLines(loss, series{"train", train}, series{"test", test}); err != nil {
		return err
	}
	accuracy := plot.New()
	accuracy.Title.Text = "Test accuracy"
	accuracy.X.Label.Text = "epoch"
	accuracy.Y.Label.Text = "accuracy"
	if err := addLines(accuracy, series{"test", acc}); err != nil {
		return err
	}
	for name, p := range map[string]*plot.Plot{"loss": loss, "accuracy": accuracy} {
		for _, ext := range []string{"png", "svg"} {
			if err := savePlot(p, filepath.Join(dir, name+"."+ext), ext); err != nil {
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
func addLines(p *plot.Plot, lines ...series) error {
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

// savePlot renders p in memory and writes it atomically.
func savePlot(p *plot.Plot, path, ext string) error {
	w, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, ext)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		return err
	}
	return writeAtomic(path, b.Bytes())
}
