// Command nabla trains models and does calculus from the shell.
//
//	nabla train            train an MLP on the embedded digits dataset
//	nabla eval  DIR        evaluate a run's checkpoint, with a confusion matrix
//	nabla predict DIR      classify rows of a CSV file with a run's checkpoint
//	nabla grad EXPR        value and gradient of an expression (--at x=2 --at w='[1, 2]')
//	nabla hessian EXPR     value, gradient and Hessian
//	nabla jacobian 'E1; E2'  values and Jacobian of several expressions
//	nabla check EXPR       analytic gradient against central differences (exit 1 if they differ)
//	nabla graph EXPR -o F  the computation graph with values and gradients (.dot, .svg, .png)
//	nabla tour             a guided tour of derivatives and autodiff, computed as it goes
//
// Bad input (flags, files, datasets) gives a one-line error and exit code 2;
// a mistake in an expression shows the expression with a caret under the
// place.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// usageError marks errors caused by the user's input: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "nabla",
		Short:         "Automatic differentiation and gradient-based learning in Go",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newTrainCmd(), newEvalCmd(), newPredictCmd(),
		newGradCmd(), newHessianCmd(), newJacobianCmd(), newCheckCmd(), newGraphCmd(), newTourCmd(), newMinimizeCmd())
	return root
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code: 0 on success, 1
// when the job failed, 2 for bad input.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "nabla:", err)
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		return 2
	}
	return 1
}

// isCobraUsage recognises cobra's own argument errors (unknown command,
// wrong number of arguments), which it does not type.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "unknown flag", "unknown shorthand"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
