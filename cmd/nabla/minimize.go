package main

import (
	"bytes"
	"fmt"

	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/expr"
	"github.com/nabla-go/nabla/minimize"
)

func newMinimizeCmd() *cobra.Command {
	var (
		from, bounds  []string
		method, plotF string
		asJSON        bool
		gtol          float64
		maxiter       int
	)
	cmd := &cobra.Command{
		Use:   "minimize EXPR --from NAME=VALUE...",
		Short: "Minimise an expression from a start point, with exact derivatives",
		Long: `Minimise EXPR from the point given by --from, printing one line per iteration
(f, the largest gradient component |g|, the step length) and the result.
Methods: ` + methodNames() + ` (see package minimize).
--plot draws, for a function of two variables, the contour map with the path.
--bounds keeps variables in a box (method l-bfgs-b).

` + strings.ReplaceAll(exprHelp, "--at", "--from"),
		Example: `  nabla minimize '(1-x)^2 + 100*(y-x^2)^2' --from x=-1.2 --from y=1
  nabla minimize '(1-x)^2 + 100*(y-x^2)^2' --from x=-1.2 --from y=1 --method newton --plot path.svg --json
  nabla minimize '(1-x)^2 + 100*(y-x^2)^2' --from x=-1.2 --from y=1 --bounds x=-2:0.5`,
		Args: oneExpr,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := minimize.ParseMethod(method)
			if err != nil {
				return usageError{fmt.Errorf("--method: %w", err)}
			}
			if plotF != "" {
				if ext := strings.ToLower(filepath.Ext(plotF)); ext != ".png" && ext != ".svg" {
					return usagef("--plot %s: expected a .png or .svg file", plotF)
				}
				if err := checkOutput("--plot", plotF); err != nil {
					return err
				}
			}
			if !(gtol >= 0) || math.IsInf(gtol, 0) {
				return usagef("--gtol must be a finite number ≥ 0, got %v", gtol)
			}
			if maxiter < 0 {
				return usagef("--maxiter must be ≥ 0 (0: the method's default), got %d", maxiter)
			}
			e, err := expr.Parse(args[0])
			if err != nil {
				return inputError("expression", err)
			}
			p, err := expr.ParsePoint(from)
			if err != nil {
				return inputError("--from", err)
			}
			if err := finitePoint("--from", p); err != nil {
				return err
			}
			if err := checkVars(e, p); err != nil {
				return err
			}
			f := exprFunc(e, p)
			x0 := nabla.FromSlice(p.Flat())
			if _, err := e.Eval(envOf(p, x0)); err != nil {
				return inputError("expression", err)
			}
			if plotF != "" && len(p.Flat()) != 2 {
				return usagef("--plot needs a function of two variables, not %d", len(p.Flat()))
			}

			var lower, upper []float64
			if len(bounds) > 0 {
				if !cmd.Flags().Changed("method") {
					m = minimize.LBFGSB
				}
				if lower, upper, err = parseBounds(bounds, p); err != nil {
					return err
				}
			}

			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "minimize f(%s) = %s from %s with %s\n", strings.Join(e.Vars(), ", "), e, fmtPoint(p), m)
			fmt.Fprintf(out, "%6s  %-22s %-12s %-12s\n", "iter", "f", "|g|", "step")
			var path [][2]float64
			opts := &minimize.Options{GTol: gtol, MaxIter: maxiter, Callback: func(it minimize.Iteration) {
				fmt.Fprintf(out, "%6d  %-22.15g %-12.4g %-12.4g\n", it.Nit, it.F, it.GradNorm, it.Step)
				if len(it.X) == 2 {
					path = append(path, [2]float64{it.X[0], it.X[1]})
				}
			}}
			if len(bounds) > 0 {
				opts.Lower, opts.Upper = lower, upper
			}
			res, err := minimize.Minimize(f, x0, m, opts)
			if err != nil {
				return usageError{err}
			}
			x := res.X.Float64s()
			fmt.Fprintf(out, "%s\nx         %s\nf         %s\n|g|       %s\n", res.Message, fmtPoint(p.With(x)),
				fmtNum(res.Fun), fmtNum(projectedMax(x, res.Grad.Float64s(), lower, upper)))
			fmt.Fprintf(out, "nit %d, nfev %d, ngev %d, nhev %d, status %d\n", res.Nit, res.Nfev, res.Njev, res.Nhev, res.Status)
			if plotF != "" {
				if err := plotPath(plotF, e, p, path); err != nil {
					return err
				}
				fmt.Fprintf(out, "plot      %s\n", plotF)
			}
			if asJSON {
				if err := writeJSON(out, map[string]any{"x": byVar(p, x), "fun": num(res.Fun), "nit": res.Nit,
					"nfev": res.Nfev, "ngev": res.Njev, "nhev": res.Nhev, "status": int(res.Status),
					"success": res.Success, "message": res.Message}); err != nil {
					return err
				}
			}
			if res.Status != minimize.Success {
				return fmt.Errorf("minimisation did not converge (status %d): %s", res.Status, res.Message)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&from, "from", nil, "start value of a variable, NAME=VALUE with VALUE a number or a list [1, 2.5]; repeat for each variable")
	cmd.Flags().StringVar(&method, "method", "bfgs", "method: "+methodNames())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON object as the last line")
	cmd.Flags().StringVar(&plotF, "plot", "", "draw the contour map and the path to a .png or .svg file (two variables only)")
	cmd.Flags().Float64Var(&gtol, "gtol", 1e-5, "stop when every gradient component is at most this in size")
	cmd.Flags().StringArrayVar(&bounds, "bounds", nil, "box bounds of a variable, NAME=LO:HI (either side may be empty for none); repeat for each bounded variable; implies --method l-bfgs-b")
	cmd.Flags().IntVar(&maxiter, "maxiter", 0, "iteration limit (default 200 per variable; 15000 for l-bfgs-b)")
	return cmd
}

func methodNames() string {
	s := make([]string, len(minimize.Methods))
	for i, m := range minimize.Methods {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

// parseBounds turns --bounds NAME=LO:HI flags into flat lower and upper
// bounds over the variables of p (every element of a vector variable gets
// the same bounds); unbounded sides are ±Inf.
func parseBounds(flags []string, p expr.Point) (lower, upper []float64, err error) {
	n := len(p.Flat())
	lower, upper = make([]float64, n), make([]float64, n)
	for i := range lower {
		lower[i], upper[i] = math.Inf(-1), math.Inf(1)
	}
	seen := map[string]bool{}
	for _, b := range flags {
		name, rng, ok := strings.Cut(b, "=")
		name = strings.TrimSpace(name)
		lo, hi, ok2 := strings.Cut(rng, ":")
		if !ok || !ok2 || name == "" {
			return nil, nil, usagef("--bounds %q: expected NAME=LO:HI, e.g. x=0:1 or y=:2.5", b)
		}
		if seen[name] {
			return nil, nil, usagef("--bounds %s: given twice", name)
		}
		seen[name] = true
		l, err := boundValue(lo, math.Inf(-1))
		if err != nil {
			return nil, nil, usagef("--bounds %s: lower bound %q: %v", name, lo, err)
		}
		h, err := boundValue(hi, math.Inf(1))
		if err != nil {
			return nil, nil, usagef("--bounds %s: upper bound %q: %v", name, hi, err)
		}
		if l > h {
			return nil, nil, usagef("--bounds %s: lower bound %v is above upper bound %v", name, l, h)
		}
		k, found := 0, false
		for _, v := range p {
			if v.Name == name {
				for j := range v.Data {
					lower[k+j], upper[k+j] = l, h
				}
				found = true
			}
			k += len(v.Data)
		}
		if !found {
			return nil, nil, usagef("--bounds %s: the expression has no variable %s", name, name)
		}
	}
	return lower, upper, nil
}

// projectedMax is the largest gradient component that could still move x
// inside the bounds (nil bounds: the largest component).
func projectedMax(x, g, lower, upper []float64) float64 {
	m := 0.0
	for i, gi := range g {
		if lower != nil && (x[i] <= lower[i] && gi > 0 || x[i] >= upper[i] && gi < 0) {
			continue
		}
		m = math.Max(m, math.Abs(gi))
	}
	return m
}

// boundValue parses one side of a bound; empty means none (def).
func boundValue(s string, def float64) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) {
		return 0, fmt.Errorf("not a number")
	}
	return v, nil
}

// checkVars requires --from to give exactly the expression's variables.
func checkVars(e *expr.Expr, p expr.Point) error {
	given := map[string]bool{}
	for _, v := range p {
		given[v.Name] = true
	}
	for _, v := range e.Vars() {
		if !given[v] {
			return usagef("variable %s has no start value: give it with --from %s=VALUE", v, v)
		}
		delete(given, v)
	}
	for _, v := range p {
		if given[v.Name] {
			return usagef("--from %s: the expression has no variable %s", v.Name, v.Name)
		}
	}
	if len(p) == 0 {
		return usagef("the expression has no variables to minimise over")
	}
	return nil
}

// envOf binds each variable to its part of the flat vector x.
func envOf(p expr.Point, x *nabla.Tensor) map[string]*nabla.Tensor {
	env := map[string]*nabla.Tensor{}
	k := 0
	for _, v := range p {
		if v.Vector {
			env[v.Name] = nabla.Slice(x, 0, k, k+len(v.Data), 1)
		} else {
			env[v.Name] = nabla.Index(x, k)
		}
		k += len(v.Data)
	}
	return env
}

// exprFunc turns the expression into an objective over the flat vector of
// its variables. An evaluation error away from the start point (expr reports
// NaN and Inf as errors) becomes a NaN value, which ends the run with
// status 3.
func exprFunc(e *expr.Expr, p expr.Point) minimize.Func {
	return func(x *nabla.Tensor) *nabla.Tensor {
		y, err := e.Eval(envOf(p, x))
		if err != nil {
			return nabla.Scalar(math.NaN())
		}
		return y
	}
}

// grid is f sampled on a regular grid, for plotter.NewContour.
type grid struct {
	xs, ys []float64
	z      [][]float64 // z[row][col]
}

func (g grid) Dims() (c, r int)   { return len(g.xs), len(g.ys) }
func (g grid) Z(c, r int) float64 { return g.z[r][c] }
func (g grid) X(c int) float64    { return g.xs[c] }
func (g grid) Y(r int) float64    { return g.ys[r] }

// plotPath draws the contours of f around the path, on log-spaced levels
// (minimisation paths run down narrow valleys), and the path on top; the
// file is written atomically.
func plotPath(path string, e *expr.Expr, p expr.Point, pts [][2]float64) error {
	lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
	for _, q := range pts {
		for k := range 2 {
			lo[k], hi[k] = math.Min(lo[k], q[k]), math.Max(hi[k], q[k])
		}
	}
	for k := range 2 {
		pad := math.Max(0.25*(hi[k]-lo[k]), 0.5)
		lo[k], hi[k] = lo[k]-pad, hi[k]+pad
	}
	const n = 120
	g := grid{xs: make([]float64, n), ys: make([]float64, n), z: make([][]float64, n)}
	for i := range n {
		g.xs[i] = lo[0] + (hi[0]-lo[0])*float64(i)/(n-1)
		g.ys[i] = lo[1] + (hi[1]-lo[1])*float64(i)/(n-1)
	}
	zmin, zmax := math.Inf(1), math.Inf(-1)
	nabla.NoGrad(func() {
		for r := range n {
			g.z[r] = make([]float64, n)
			for c := range n {
				v := math.NaN()
				if y, err := e.Eval(envOf(p, nabla.FromSlice([]float64{g.xs[c], g.ys[r]}))); err == nil {
					v = y.Item()
				}
				if math.IsNaN(v) || math.IsInf(v, 0) {
					v = math.NaN()
				} else {
					zmin, zmax = math.Min(zmin, v), math.Max(zmax, v)
				}
				g.z[r][c] = v
			}
		}
	})
	if math.IsInf(zmin, 0) {
		return fmt.Errorf("--plot: f is not finite anywhere on the plotted region")
	}
	// Levels zmin + (zmax−zmin)·t for t log-spaced in [1e-4, 1].
	var levels []float64
	for i := range 20 {
		t := math.Pow(10, -4+4*float64(i)/19)
		levels = append(levels, zmin+(zmax-zmin)*t)
	}
	pl := plot.New()
	names := p.Coords()
	pl.Title.Text = "f = " + e.String()
	pl.X.Label.Text, pl.Y.Label.Text = names[0], names[1]
	c := plotter.NewContour(g, levels, palette.Heat(len(levels), 1))
	pl.Add(c)
	xy := make(plotter.XYs, len(pts))
	for i, q := range pts {
		xy[i].X, xy[i].Y = q[0], q[1]
	}
	line, points, err := plotter.NewLinePoints(xy)
	if err != nil {
		return err
	}
	points.Radius = vg.Points(2)
	pl.Add(line, points)
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	w, err := pl.WriterTo(6*vg.Inch, 6*vg.Inch, format)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return err
	}
	return writeAtomic("--plot", path, buf.Bytes())
}
