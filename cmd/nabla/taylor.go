package main

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/nabla-go/nabla/expr"
)

// maxTaylorOrder bounds --order: Taylor mode's work grows as the square of
// the order, and polynomials of higher order say little more on a plot.
const maxTaylorOrder = 12

func newTaylorCmd() *cobra.Command {
	var fl calcFlags
	var order int
	var dirText, plotFile string
	var radius float64
	cmd := &cobra.Command{
		Use:   "taylor EXPR --at NAME=VALUE... [--order K] [--direction D] [--plot FILE.svg]",
		Short: "Taylor coefficients of an expression around a point, and a plot of its Taylor polynomials",
		Long: `Print the Taylor coefficients c0 … cK of t ↦ f(p + t·d) at t = 0, where p is
the point given by --at and d the direction (--direction; for an expression of
one number, d = 1): f(p + h·d) ≈ c0 + c1·h + … + cK·h^K. c1 is the directional
derivative ∇f·d and c2 half the curvature dᵀ∇²f d: gradient descent follows
the polynomial of order 1, Newton's method minimises that of order 2.

With --plot FILE.svg (or .png) it draws f(p + h·d) for h in [−radius, radius]
and its Taylor polynomials of order 1 … K around h = 0.

The coefficients come from Taylor mode (nabla.Jet, through
nabla.TaylorCoefficients): one pass through the expression carrying the series
of p + t·d, each operation mapping its arguments' coefficients to its result's.

` + exprHelp,
		Example: `  nabla taylor 'exp(x) * sin(x)' --at x=0 --order 5
  nabla taylor 'log(1 + x^2)' --at x=1 --order 4 --plot taylor.svg --radius 1.5
  nabla taylor 'x^2 * y + exp(x*y)' --at x=1 --at y=0.5 --direction 1,-1 --json`,
		Args: oneExpr,
		RunE: func(cmd *cobra.Command, args []string) error {
			if order < 0 || order > maxTaylorOrder {
				return usagef("--order %d: give an order in [0, %d]", order, maxTaylorOrder)
			}
			if !(radius > 0) || math.IsInf(radius, 0) {
				return usagef("--radius %v: give a positive number", radius)
			}
			e, p, err := fl.parseOne(args[0])
			if err != nil {
				return err
			}
			dir, err := parseDirection(dirText, p)
			if err != nil {
				return err
			}
			if plotFile != "" {
				if ext := strings.ToLower(filepath.Ext(plotFile)); ext != ".svg" && ext != ".png" {
					return usagef("--plot %s: give a file name ending in .svg or .png", plotFile)
				}
				if err := checkOutput("--plot", plotFile); err != nil {
					return err
				}
			}
			c, err := expr.Taylor(e, p, dir, order)
			if err != nil {
				return inputError("expression", err)
			}
			out := cmd.OutOrStdout()
			writeHeader(out, e, p)
			if len(dir) > 1 || dirText != "" {
				fmt.Fprintf(out, "direction %s\n", fmtList(dir))
			}
			names := make([]string, len(c))
			for j, cj := range c {
				names[j] = fmt.Sprintf("c%d", j)
				fmt.Fprintf(out, "%-9s %s\n", names[j], fmtNum(cj))
			}
			if fl.asJSON {
				if err := writeJSON(out, map[string]any{"direction": dir, "coefficients": nums(c)}); err != nil {
					return err
				}
			}
			if err := fl.finite("expansion", names, c); err != nil {
				return err
			}
			if plotFile != "" {
				data, err := taylorPlot(e, p, dir, c, radius, strings.TrimPrefix(strings.ToLower(filepath.Ext(plotFile)), "."))
				if err != nil {
					return err
				}
				if err := writeAtomic("--plot", plotFile, data); err != nil {
					return err
				}
				fmt.Fprintf(out, "plot      %s\n", plotFile)
			}
			return nil
		},
	}
	fl.register(cmd)
	cmd.Flags().IntVar(&order, "order", 4, fmt.Sprintf("highest order of the expansion, at most %d", maxTaylorOrder))
	cmd.Flags().StringVar(&dirText, "direction", "", "direction d, one number per coordinate in the order of the variables' names (vectors flattened), e.g. 1,-1 (default 1 for an expression of one number)")
	cmd.Flags().StringVar(&plotFile, "plot", "", "draw f(p + h·d) and its Taylor polynomials into this .svg or .png file")
	cmd.Flags().Float64Var(&radius, "radius", 1, "half-width of the plotted interval of h")
	return cmd
}

// parseDirection reads --direction: numbers separated by commas, one per
// coordinate of p; empty means 1 when p has one coordinate.
func parseDirection(text string, p expr.Point) ([]float64, error) {
	coords := p.Coords()
	if strings.TrimSpace(text) == "" {
		if len(coords) == 1 {
			return []float64{1}, nil
		}
		if len(coords) == 0 {
			return nil, nil
		}
		return nil, usagef("--direction: the point has %d coordinates (%s); give one number for each", len(coords), strings.Join(coords, ", "))
	}
	fields := strings.Split(strings.Trim(strings.TrimSpace(text), "[]"), ",")
	if len(fields) != len(coords) {
		return nil, usagef("--direction %s has %d numbers; the point has %d coordinates (%s)", text, len(fields), len(coords), strings.Join(coords, ", "))
	}
	dir := make([]float64, len(fields))
	for i, f := range fields {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, usagef("--direction: %q (for %s) is not a finite number", strings.TrimSpace(f), coords[i])
		}
		dir[i] = v
	}
	return dir, nil
}

// taylorPlot draws f(p + h·d) for h in [−radius, radius] and the Taylor
// polynomials of order 1 … len(c)−1, rendered as ext (svg or png). Where f
// is not finite the curve has a gap; each polynomial is clipped to the
// range of f's values (widened a little) so that it does not flatten f.
func taylorPlot(e *expr.Expr, p expr.Point, dir []float64, c []float64, radius float64, ext string) ([]byte, error) {
	const n = 241
	x0 := p.Flat()
	fx := make(plotter.XYs, 0, n)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := 0; i < n; i++ {
		h := -radius + 2*radius*float64(i)/(n-1)
		xs := make([]float64, len(x0))
		for k := range xs {
			xs[k] = x0[k] + h*dir[k]
		}
		v, err := expr.Value(e, p.With(xs))
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		fx = append(fx, plotter.XY{X: h, Y: v})
		lo, hi = min(lo, v), max(hi, v)
	}
	if len(fx) < 2 {
		return nil, fmt.Errorf("--plot: f is not finite along the line in [−%v, %v]; try a smaller --radius", radius, radius)
	}
	pad := 0.25 * max(hi-lo, 1e-9*max(1, math.Abs(hi)))
	lo, hi = lo-pad, hi+pad
	pl := gplot.New()
	pl.Title.Text = "Taylor polynomials of f(p + h·d) around h = 0"
	pl.X.Label.Text = "h"
	pl.Y.Label.Text = "f"
	pl.Y.Min, pl.Y.Max = lo, hi
	line, err := plotter.NewLine(fx)
	if err != nil {
		return nil, err
	}
	line.Width = vg.Points(2.5)
	line.Color = color.Black
	pl.Add(line)
	pl.Legend.Add("f", line)
	palette := []color.Color{
		color.RGBA{R: 31, G: 119, B: 180, A: 255}, color.RGBA{R: 255, G: 127, B: 14, A: 255},
		color.RGBA{R: 44, G: 160, B: 44, A: 255}, color.RGBA{R: 214, G: 39, B: 40, A: 255},
		color.RGBA{R: 148, G: 103, B: 189, A: 255}, color.RGBA{R: 140, G: 86, B: 75, A: 255},
	}
	for k := 1; k < len(c); k++ {
		var pts plotter.XYs
		for i := 0; i < n; i++ {
			h := -radius + 2*radius*float64(i)/(n-1)
			s := 0.0
			for j := k; j >= 0; j-- {
				s = s*h + c[j]
			}
			if s >= lo && s <= hi {
				pts = append(pts, plotter.XY{X: h, Y: s})
			}
		}
		if len(pts) < 2 {
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		l.Width = vg.Points(1.2)
		l.Color = palette[(k-1)%len(palette)]
		if k > len(palette) {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		pl.Add(l)
		pl.Legend.Add(fmt.Sprintf("order %d", k), l)
	}
	pl.Legend.Top, pl.Legend.Left = true, true
	pl.Add(plotter.NewGrid())
	w, err := pl.WriterTo(6*vg.Inch, 4*vg.Inch, ext)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
