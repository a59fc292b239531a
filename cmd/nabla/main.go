// Command nabla trains models and does calculus from the shell.
//
//	nabla train            train an MLP on the embedded digits dataset
//	nabla eval  DIR        evaluate a run's checkpoint: accuracy per class, confusion matrix
//	nabla predict DIR      classify rows of a CSV file with a run's checkpoint
//	nabla grad EXPR        value and gradient of an expression (--at x=2 --at w='[1, 2]')
//	nabla hessian EXPR     value, gradient and Hessian
//	nabla jacobian 'E1; E2'  values and Jacobian of several expressions
//	nabla check EXPR       analytic gradient against central differences (exit 1 if they differ)
//	nabla graph EXPR -o F  the computation graph with values and gradients (.dot, .svg, .png)
//	nabla minimize EXPR    minimise an expression from a start point (--from x=-1.2 --from y=1)
//	nabla tour             a guided tour of derivatives and autodiff, computed as it goes
//
// Exit codes: 0 success; 1 the job failed (a failed check or minimisation, a
// result that is NaN or infinite, a training run that diverged, an interrupted
// run); 2 bad input (flags, files, datasets, expressions), with a one-line
// error, except that a mistake in an expression shows the expression with a
// caret under the place; 3 an internal error (a bug: please report it).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// usageError marks errors caused by the user's input: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// version is the program's version, set at link time with
// -ldflags "-X main.version=v1.2.3"; otherwise the module's build info.
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "nabla",
		Short:         "Automatic differentiation and gradient-based learning in Go",
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageError{flagError(cmd, err)} })
	root.AddCommand(newTrainCmd(), newEvalCmd(), newPredictCmd(),
		newGradCmd(), newHessianCmd(), newJacobianCmd(), newTaylorCmd(), newCheckCmd(), newGraphCmd(), newTourCmd(), newMinimizeCmd())
	for _, c := range testCommands {
		root.AddCommand(c())
	}
	return root
}

// testCommands are added by tests (a command that panics, to check exit
// code 3).
var testCommands []func() *cobra.Command

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code: 0 on success, 1
// when the job failed, 2 for bad input, 3 for a panic, which is a bug.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "nabla: internal error, please report it with the command line that caused it: %v\n", oneLine(fmt.Sprint(p)))
			code = 3
		}
	}()
	root := newRoot()
	root.SetArgs(exprArgs(root, args))
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ue usageError
	usage := errors.As(err, &ue) || isCobraUsage(err)
	msg := err.Error()
	if !usage || !strings.Contains(msg, "^") {
		// Only an expression's caret display spans lines.
		msg = oneLine(msg)
	}
	fmt.Fprintln(stderr, "nabla:", msg)
	if usage {
		return 2
	}
	return 1
}

var badFlagValue = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-\w, )?--([\w-]+)" flag: (.*)$`)

// flagError says what a flag's value should have been, in place of the
// parser's "invalid argument ... strconv.ParseFloat: parsing ...".
func flagError(cmd *cobra.Command, err error) error {
	m := badFlagValue.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	value, name, why := m[1], m[2], m[3]
	want := "a valid value"
	if f := cmd.Flags().Lookup(name); f != nil {
		switch f.Value.Type() {
		case "int", "int64":
			want = "an integer"
		case "uint", "uint64":
			want = "an integer ≥ 0"
		case "float64", "float32":
			want = "a number"
		case "intSlice":
			want = "a comma-separated list of integers, e.g. 256,128"
		case "bool":
			want = "true or false"
		}
	}
	if strings.Contains(why, "out of range") {
		return fmt.Errorf("--%s %q: out of range: expected %s", name, value, want)
	}
	return fmt.Errorf("--%s %q: expected %s", name, value, want)
}

// oneLine joins the lines of a message.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// isCobraUsage recognises cobra's own argument errors (unknown command,
// wrong number of arguments), which it does not type.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", " arg(s), received ", "requires at least", "unknown flag", "unknown shorthand"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// exprCommands take an expression as their argument, and an expression may
// start with a minus sign.
var exprCommands = map[string]bool{"grad": true, "hessian": true, "jacobian": true, "check": true, "graph": true, "minimize": true}

// exprArgs lets an expression that starts with '-' ('-x^2') stand anywhere
// among the flags of a calculus command, before or after "--": every word
// that is not one of the command's flags (or a flag's value) becomes a
// positional argument, placed after a "--" at the end, where the flag parser
// cannot take it for a shorthand flag.
func exprArgs(root *cobra.Command, args []string) []string {
	if len(args) == 0 || !exprCommands[args[0]] {
		return args
	}
	cmd, _, err := root.Find(args[:1])
	if err != nil || cmd == root {
		return args
	}
	fs := cmd.Flags()
	flags := []string{args[0]}
	var pos []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			// Everything after it is positional for cobra; here only the
			// next word is, so that flags may follow the expression.
			if i+1 < len(args) {
				pos = append(pos, args[i+1])
				i++
			}
			continue
		case strings.HasPrefix(a, "--"):
			flags = append(flags, a)
			name, _, hasValue := strings.Cut(a[2:], "=")
			if f := fs.Lookup(name); f != nil && f.NoOptDefVal == "" && !hasValue && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		case len(a) == 2 && a[0] == '-':
			if f := fs.ShorthandLookup(a[1:]); f != nil || a == "-h" {
				flags = append(flags, a)
				if f != nil && f.NoOptDefVal == "" && i+1 < len(args) {
					flags = append(flags, args[i+1])
					i++
				}
				continue
			}
		case strings.HasPrefix(a, "-") && len(a) > 2 && a[2] == '=':
			if fs.ShorthandLookup(a[1:2]) != nil {
				flags = append(flags, a)
				continue
			}
		}
		pos = append(pos, a)
	}
	return append(append(flags, "--"), pos...)
}
