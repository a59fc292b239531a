package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/expr"
)

// exprHelp lists the functions of nabla.Functions, the expression language's table.
var exprHelp = wrap(`EXPR uses numbers, variables, + - * / ^ (or **), parentheses, w[i] and the
functions `+strings.Join(expr.Functions(), " ")+`. Power binds tighter than unary
minus (-x^2 is -(x^2)) and associates to the right (2^3^2 is 512).`, 80) + `
Give every variable with --at NAME=VALUE, a number or a list: --at w='[1, 2]'.`

// wrap refills text into lines of at most width bytes (longer words alone).
func wrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(text) {
		if n > 0 && n+1+len(w) > width {
			b.WriteByte('\n')
			n = 0
		} else if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// calcFlags are the flags every calculus command shares.
type calcFlags struct {
	at     []string
	asJSON bool
	raw    bool
}

func (c *calcFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&c.at, "at", nil, "value of a variable, NAME=VALUE with VALUE a number or a list [1, 2.5]; repeat for each variable")
	cmd.Flags().BoolVar(&c.asJSON, "json", false, "print a JSON object as the last line (NaN and infinities as null)")
	cmd.Flags().BoolVar(&c.raw, "raw", false, "accept results that are NaN or infinite: print them and exit 0 (default: flag them and exit 1)")
}

// finite reports the first result that is NaN or infinite, by name, as an
// error (exit 1) unless --raw accepts it.
func (c *calcFlags) finite(what string, names []string, vals []float64) error {
	if c.raw {
		return nil
	}
	var bad []string
	for i, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad = append(bad, fmt.Sprintf("%s = %v", names[i], v))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	more := ""
	if len(bad) > 3 {
		bad, more = bad[:3], fmt.Sprintf(" and %d more", len(bad)-3)
	}
	return fmt.Errorf("the %s is not finite at this point: %s%s (--raw accepts such results)", what, strings.Join(bad, ", "), more)
}

// partials names the entries of a gradient.
func partials(coords []string) []string {
	out := make([]string, len(coords))
	for i, c := range coords {
		out[i] = "∂f/∂" + c
	}
	return out
}

// hessianNames names the entries of a Hessian, row by row.
func hessianNames(coords []string) []string {
	var out []string
	for _, a := range coords {
		for _, b := range coords {
			out = append(out, "∂²f/∂"+a+"∂"+b)
		}
	}
	return out
}

func flat(m [][]float64) []float64 {
	var out []float64
	for _, r := range m {
		out = append(out, r...)
	}
	return out
}

// point parses the --at values.
func (c *calcFlags) point() (expr.Point, error) {
	p, err := expr.ParsePoint(c.at)
	if err != nil {
		return nil, inputError("--at", err)
	}
	return p, finitePoint("--at", p)
}

// finitePoint refuses a NaN or infinite value of a variable.
func finitePoint(flag string, p expr.Point) error {
	for _, v := range p {
		for _, x := range v.Data {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return usagef("%s %s: the value %v is not a finite number", flag, v.Name, x)
			}
		}
	}
	return nil
}

// inputError marks an error in the expression or the values as a usage
// error, so that it exits with code 2; other errors (a failed computation)
// pass unchanged.
func inputError(what string, err error) error {
	var ee *expr.Error
	if errors.As(err, &ee) {
		return usageError{fmt.Errorf("%s: %w", what, err)}
	}
	return err
}

// parseOne parses EXPR and the --at values.
func (c *calcFlags) parseOne(src string) (*expr.Expr, expr.Point, error) {
	e, err := expr.Parse(src)
	if err != nil {
		return nil, nil, inputError("expression", err)
	}
	p, err := c.point()
	return e, p, err
}

func newGradCmd() *cobra.Command {
	var fl calcFlags
	var program bool
	cmd := &cobra.Command{
		Use:   "grad EXPR --at NAME=VALUE...",
		Short: "Value and gradient of an expression at a point",
		Long:  "Print the value and the gradient (reverse mode) of EXPR at the point given by --at.\n\n" + exprHelp,
		Example: `  nabla grad 'x^2 * sin(y)' --at x=2 --at y=0.5
  nabla grad 'logsumexp(w) - dot(w, v)' --at w='[1, 2, 3]' --at v='[0, 1, 0]' --json
  nabla grad 'x^2 * sin(x)' --at x=1 --program`,
		Args: oneExpr,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, p, err := fl.parseOne(args[0])
			if err != nil {
				return err
			}
			r, err := expr.Derivatives(e, p, false)
			if err != nil {
				return inputError("expression", err)
			}
			out := cmd.OutOrStdout()
			writeHeader(out, e, p)
			fmt.Fprintf(out, "value     %s\ngradient\n", fmtNum(r.Value))
			writeByVar(out, p, r.Grad)
			if program {
				if err := writeProgram(out, e, p); err != nil {
					return err
				}
			}
			if fl.asJSON {
				if err := writeJSON(out, map[string]any{"value": num(r.Value), "grad": byVar(p, r.Grad)}); err != nil {
					return err
				}
			}
			return fl.finite("gradient", partials(r.Coords), r.Grad)
		},
	}
	fl.register(cmd)
	cmd.Flags().BoolVar(&program, "program", false, "also print the program reverse mode runs: the forward pass and the backward pass, op by op (x0 is the variables, flat, in alphabetical order)")
	return cmd
}

// writeProgram prints the traced forward and backward program of e's
// gradient over the flat vector of its variables.
func writeProgram(out io.Writer, e *expr.Expr, p expr.Point) error {
	var prog *nabla.Program
	err := nabla.Catch(func() {
		prog = nabla.MakeValueAndGradProgram(func(xs ...*nabla.Tensor) *nabla.Tensor {
			y, err := e.Eval(envOf(p, xs[0]))
			if err != nil {
				panic(err)
			}
			return y
		}, nil, nabla.FromSlice(p.Flat()))
	})
	if err != nil {
		return fmt.Errorf("tracing the program: %w", err)
	}
	fmt.Fprintf(out, "reverse mode, op by op (x0 = [%s])\n%s", strings.Join(p.Coords(), ", "), prog)
	return nil
}

func newHessianCmd() *cobra.Command {
	var fl calcFlags
	cmd := &cobra.Command{
		Use:   "hessian EXPR --at NAME=VALUE...",
		Short: "Value, gradient and Hessian of an expression at a point",
		Long: `Print the value, the gradient and the Hessian of EXPR at the point given by
--at. The Hessian's rows and columns are the variables in alphabetical order, a
vector w flattened as w[0], w[1], ...; each row is the gradient of one entry of
the gradient, computed by a second backward pass through the recorded first.

` + exprHelp,
		Example: `  nabla hessian 'x^2 * y + exp(x*y)' --at x=1 --at y=0.5 --json`,
		Args:    oneExpr,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, p, err := fl.parseOne(args[0])
			if err != nil {
				return err
			}
			r, err := expr.Derivatives(e, p, true)
			if err != nil {
				return inputError("expression", err)
			}
			out := cmd.OutOrStdout()
			writeHeader(out, e, p)
			fmt.Fprintf(out, "value     %s\ngradient\n", fmtNum(r.Value))
			writeByVar(out, p, r.Grad)
			fmt.Fprintln(out, "hessian")
			writeMatrix(out, r.Coords, r.Coords, r.Hessian)
			if fl.asJSON {
				if err := writeJSON(out, map[string]any{
					"value": num(r.Value), "grad": byVar(p, r.Grad), "vars": r.Coords, "hessian": nums2(r.Hessian),
				}); err != nil {
					return err
				}
			}
			if err := fl.finite("gradient", partials(r.Coords), r.Grad); err != nil {
				return err
			}
			return fl.finite("Hessian", hessianNames(r.Coords), flat(r.Hessian))
		},
	}
	fl.register(cmd)
	return cmd
}

func newJacobianCmd() *cobra.Command {
	var fl calcFlags
	cmd := &cobra.Command{
		Use:   "jacobian 'EXPR1; EXPR2; ...' --at NAME=VALUE...",
		Short: "Values and Jacobian of several expressions at a point",
		Long: `Print the values of the expressions, separated by semicolons, and their
Jacobian: row i is the gradient of expression i, the columns are the variables
in alphabetical order (vectors flattened).

` + exprHelp,
		Example: `  nabla jacobian 'x*y; x+y; sin(x)' --at x=1 --at y=2 --json`,
		Args:    oneExpr,
		RunE: func(cmd *cobra.Command, args []string) error {
			es, err := expr.ParseList(args[0])
			if err != nil {
				return inputError("expression", err)
			}
			p, err := fl.point()
			if err != nil {
				return err
			}
			values, jac, err := expr.Jacobian(es, p)
			if err != nil {
				return inputError("expression", err)
			}
			out := cmd.OutOrStdout()
			names := make([]string, len(es))
			for i, e := range es {
				names[i] = e.String()
			}
			fmt.Fprintf(out, "at        %s\nvalues\n", fmtPoint(p))
			for i, v := range values {
				fmt.Fprintf(out, "  %-*s  %s\n", width(names), names[i], fmtNum(v))
			}
			fmt.Fprintln(out, "jacobian")
			writeMatrix(out, names, p.Coords(), jac)
			if fl.asJSON {
				if err := writeJSON(out, map[string]any{"value": nums(values), "vars": p.Coords(), "jacobian": nums2(jac)}); err != nil {
					return err
				}
			}
			var jn []string
			for _, n := range names {
				for _, c := range p.Coords() {
					jn = append(jn, "∂("+n+")/∂"+c)
				}
			}
			return fl.finite("Jacobian", jn, flat(jac))
		},
	}
	fl.register(cmd)
	return cmd
}

func newCheckCmd() *cobra.Command {
	var fl calcFlags
	var atol, rtol, step float64
	cmd := &cobra.Command{
		Use:   "check EXPR --at NAME=VALUE...",
		Short: "Compare the analytic gradient with central differences",
		Long: `Compare, coordinate by coordinate, the gradient nabla computes (reverse mode)
with central differences (f(x+h) - f(x-h)) / 2h, h = step·max(1, |x|). A
coordinate passes when |analytic - numeric| <= atol + rtol·|numeric|. Exit code
0 when all pass, 1 when one does not (at a kink such as relu(x) at x=0, the
two disagree by design).

` + exprHelp,
		Example: `  nabla check 'sin(x) * exp(y)' --at x=1 --at y=2
  nabla check 'relu(x)' --at x=0      # exit 1: a kink`,
		Args: oneExpr,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, f := range []struct {
				name string
				v    float64
				ok   bool
			}{{"--step", step, step > 0 && step < 1}, {"--atol", atol, atol >= 0}, {"--rtol", rtol, rtol >= 0}} {
				if !f.ok || math.IsInf(f.v, 0) {
					want := "a finite number ≥ 0"
					if f.name == "--step" {
						want = "in (0, 1)"
					}
					return usagef("%s must be %s, got %v", f.name, want, f.v)
				}
			}
			e, p, err := fl.parseOne(args[0])
			if err != nil {
				return err
			}
			r, err := expr.Derivatives(e, p, false)
			if err != nil {
				return inputError("expression", err)
			}
			numeric, err := expr.CentralDifferences(e, p, step)
			if err != nil {
				return stepError(e, p, step, err)
			}
			out := cmd.OutOrStdout()
			writeHeader(out, e, p)
			w := max(width(r.Coords), len("variable"))
			fmt.Fprintf(out, "%-*s  %-18s  %-18s  %s\n", w, "variable", "analytic", "numeric", "error")
			worst, ok := 0.0, true
			for i, c := range r.Coords {
				d := math.Abs(r.Grad[i] - numeric[i])
				pass := d <= atol+rtol*math.Abs(numeric[i])
				mark := ""
				if !pass {
					mark = "  FAIL"
				}
				ok = ok && pass
				worst = math.Max(worst, d)
				fmt.Fprintf(out, "%-*s  %-18s  %-18s  %.2g%s\n", w, c, fmtNum(r.Grad[i]), fmtNum(numeric[i]), d, mark)
			}
			verdict := "ok"
			if !ok {
				verdict = "FAILED"
			}
			fmt.Fprintf(out, "largest error %.2g (tolerance atol %g + rtol %g·|numeric|): %s\n", worst, atol, rtol, verdict)
			if fl.asJSON {
				if err := writeJSON(out, map[string]any{
					"ok": ok, "max_error": num(worst), "vars": r.Coords, "analytic": nums(r.Grad), "numeric": nums(numeric),
				}); err != nil {
					return err
				}
			}
			if !ok {
				return fmt.Errorf("gradient check failed: largest error %.2g", worst)
			}
			return nil
		},
	}
	fl.register(cmd)
	cmd.Flags().Float64Var(&atol, "atol", 1e-6, "absolute tolerance")
	cmd.Flags().Float64Var(&rtol, "rtol", 1e-5, "relative tolerance")
	cmd.Flags().Float64Var(&step, "step", 1e-6, "relative step h of the central differences")
	return cmd
}

// stepError explains a failure of the central differences, which evaluate
// f at x ± h around a point where f itself is defined: it names the
// coordinate and the step, and suggests a smaller --step.
func stepError(e *expr.Expr, p expr.Point, step float64, err error) error {
	reason := err.Error()
	var ee *expr.Error
	if errors.As(err, &ee) {
		reason = ee.Msg
	}
	x, coords := p.Flat(), p.Coords()
	for i := range x {
		h := step * math.Max(1, math.Abs(x[i]))
		for _, sign := range []float64{1, -1} {
			xs := append([]float64(nil), x...)
			xs[i] += sign * h
			if _, err := expr.Value(e, p.With(xs)); err != nil {
				side := map[float64]string{1: "+", -1: "−"}[sign]
				return usagef("the central difference for %s needs f at %s %s h = %s (h = %g from --step %g), where %s; give a smaller --step",
					coords[i], coords[i], side, fmtNum(xs[i]), h, step, reason)
			}
		}
	}
	return inputError("expression", err)
}

// num is a float64 that encodes as null in JSON when it is NaN or infinite.
type num float64

func (x num) MarshalJSON() ([]byte, error) {
	v := float64(x)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

func nums(xs []float64) []num {
	out := make([]num, len(xs))
	for i, x := range xs {
		out[i] = num(x)
	}
	return out
}

func nums2(m [][]float64) [][]num {
	out := make([][]num, len(m))
	for i, row := range m {
		out[i] = nums(row)
	}
	return out
}

// byVar groups flat coordinates by variable: a number for a scalar, a list
// for a vector.
func byVar(p expr.Point, flat []float64) map[string]any {
	out := map[string]any{}
	k := 0
	for _, v := range p {
		if v.Vector {
			out[v.Name] = nums(flat[k : k+len(v.Data)])
		} else {
			out[v.Name] = num(flat[k])
		}
		k += len(v.Data)
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

// fmtNum prints a number with 10 significant digits, enough to read and
// stable across machines; --json prints all digits.
func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }

func fmtList(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmtNum(x)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func fmtPoint(p expr.Point) string {
	if len(p) == 0 {
		return "(no variables: a constant)"
	}
	parts := make([]string, len(p))
	for i, v := range p {
		if v.Vector {
			parts[i] = v.Name + " = " + fmtList(v.Data)
		} else {
			parts[i] = v.Name + " = " + fmtNum(v.Data[0])
		}
	}
	return strings.Join(parts, ", ")
}

func writeHeader(w io.Writer, e *expr.Expr, p expr.Point) {
	fmt.Fprintf(w, "f(%s) = %s\nat        %s\n", strings.Join(e.Vars(), ", "), e, fmtPoint(p))
}

func writeByVar(w io.Writer, p expr.Point, flat []float64) {
	if len(p) == 0 {
		fmt.Fprintln(w, "  (empty: no variables)")
		return
	}
	names := make([]string, len(p))
	for i, v := range p {
		names[i] = "∂f/∂" + v.Name
	}
	k := 0
	for i, v := range p {
		s := fmtNum(flat[k])
		if v.Vector {
			s = fmtList(flat[k : k+len(v.Data)])
		}
		fmt.Fprintf(w, "  %-*s  %s\n", width(names), names[i], s)
		k += len(v.Data)
	}
}

// writeMatrix prints m with row and column labels, columns aligned.
func writeMatrix(w io.Writer, rows, cols []string, m [][]float64) {
	if len(cols) == 0 {
		fmt.Fprintln(w, "  (empty: no variables)")
		return
	}
	cells := make([][]string, len(m))
	cw := 0
	for _, c := range cols {
		cw = max(cw, len(c))
	}
	for i, row := range m {
		for _, v := range row {
			s := fmtNum(v)
			cells[i] = append(cells[i], s)
			cw = max(cw, len(s))
		}
	}
	rw := width(rows)
	fmt.Fprintf(w, "  %*s", rw, "")
	for _, c := range cols {
		fmt.Fprintf(w, "  %*s", cw, c)
	}
	fmt.Fprintln(w)
	for i, row := range cells {
		fmt.Fprintf(w, "  %-*s", rw, rows[i])
		for _, s := range row {
			fmt.Fprintf(w, "  %*s", cw, s)
		}
		fmt.Fprintln(w)
	}
}

func width(names []string) int {
	n := 0
	for _, s := range names {
		n = max(n, len([]rune(s)))
	}
	return n
}

// oneExpr requires the one argument of a calculus command, the expression.
func oneExpr(cmd *cobra.Command, args []string) error {
	switch len(args) {
	case 1:
		return nil
	case 0:
		return usagef("%s needs an expression, e.g. nabla %s 'x^2' --at x=3", cmd.Name(), cmd.Name())
	}
	return usagef("%s takes one expression, got %d arguments %q: quote the expression, e.g. '%s'", cmd.Name(), len(args), args, strings.Join(args, " "))
}
