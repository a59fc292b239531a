package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// FuzzCommandLine runs random argument vectors drawn from the command line's
// grammar (a command, its flags, values that are valid, out of range, NaN,
// huge or malformed, expressions with and without a leading minus, files
// that are missing, directories, devices) and requires no panic (exit code
// 3), no hang past 30 s, and an exit code in {0, 1, 2}.
func FuzzCommandLine(f *testing.F) {
	tmp := f.TempDir()
	// Relative paths that the fuzzer makes up (-o x=, --plot a.svg) land
	// in the temporary directory, not in the source tree.
	f.Chdir(tmp)
	runDir := filepath.Join(tmp, "run")
	if code := run([]string{"train", "--data", "iris", "--hidden", "4", "--epochs", "1", "-q", "-o", runDir}, io.Discard, io.Discard); code != 0 {
		f.Fatalf("setting up a run: exit %d", code)
	}
	csv := filepath.Join(tmp, "x.csv")
	os.WriteFile(csv, []byte("5.1,3.5,1.4,0.2\n-1.79e308,1,1,1\n"), 0o644)
	bad := filepath.Join(tmp, "bad.safetensors")
	os.WriteFile(bad, []byte("\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":1}        "), 0o644)
	os.Symlink("/dev/zero", filepath.Join(tmp, "zero.safetensors"))

	commands := []string{"train", "eval", "predict", "grad", "hessian", "jacobian", "check", "graph", "minimize", "tour", "frobnicate", ""}
	values := []string{
		"", "0", "1", "2", "-1", "0.5", "1e-9", "1e308", "-1e308", "1e400", "NaN", "Inf", "-Inf", "1000000000000",
		"100000000", "99999999999999999999", "abc", "8,8", "0,4", "x=1", "x=-2", "y=1", "w=[1, 2]", "w=[]", "x=NaN",
		"x=1e400", "x=0:1", "x=1:0", "x=", "=1", "iris", "digits", "wine", "fashion-mnist", "spirals", "relu",
		"adam", "sgd", "adamw", "rmsprop", "cosine", "onecycle", "float32", "bfgs", "cg", "newton", "l-bfgs-b",
		"trust-ncg", "gd", "cnn", "mlp", "RUN", "RUN/checkpoint.safetensors", "CSV", "BAD", "ZERO", "OUT.svg", "OUT.png", "OUT.dot",
		"OUT.txt", "TMP", "/proc/x.svg", "/nonexistent/x", "/dev/null",
	}
	exprs := []string{
		"x^2", "-x^2", "x*y + sin(y)", "0^x", "log(x)", "sqrt(x)", "2+3", "sum(w)", "dot(w, w) - x", "x*1e400",
		"x +", "(x", "w[5]", "x; y", "-x; x^3", "relu(x)", "logsumexp(w)", "(1-x)^2 + 100*(y-x^2)^2", "1/x", "x^y",
	}
	for _, seed := range []string{"", "\x03\x00\x01\x02", "\x08\x05\x00\x10", "\x00\x01\x02\x03\x04", "\x02\x31\x00"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		next := func() int {
			if len(b) == 0 {
				return 0
			}
			v := int(b[0])
			b = b[1:]
			return v
		}
		subst := func(v string) string {
			r := strings.NewReplacer("RUN", runDir, "CSV", csv, "BAD", bad, "ZERO", filepath.Join(tmp, "zero.safetensors"),
				"OUT", filepath.Join(t.TempDir(), "out"), "TMP", tmp)
			return r.Replace(v)
		}
		cmdName := commands[next()%len(commands)]
		args := []string{cmdName}
		if cmdName == "train" {
			// Small by default, and never in the shared run: the fuzzed
			// flags come after and may change both.
			args = append(args, "--epochs", "1", "--hidden", "4", "-q", "-o", filepath.Join(t.TempDir(), "run"))
		}
		var flags []*pflag.Flag
		if c, _, err := newRoot().Find([]string{cmdName}); err == nil {
			c.Flags().VisitAll(func(fl *pflag.Flag) {
				if fl.Name != "help" {
					flags = append(flags, fl)
				}
			})
		}
		for range next() % 8 {
			switch k := next(); {
			case k%4 == 0:
				args = append(args, exprs[next()%len(exprs)])
			case k%4 == 1 || len(flags) == 0:
				args = append(args, subst(values[next()%len(values)]))
			default:
				fl := flags[next()%len(flags)]
				name := "--" + fl.Name
				if fl.Shorthand != "" && k%2 == 0 {
					name = "-" + fl.Shorthand
				}
				if fl.NoOptDefVal != "" {
					args = append(args, name)
				} else if k%3 == 0 {
					args = append(args, name+"="+subst(values[next()%len(values)]))
				} else {
					args = append(args, name, subst(values[next()%len(values)]))
				}
			}
		}
		if cmdName == "train" && strings.Contains(strings.Join(args, " "), "fashion-mnist") {
			args = append(args, "--data-dir", filepath.Join(tmp, "no-fashion"))
		}
		done := make(chan int, 1)
		var out, errOut bytes.Buffer
		go func() { done <- run(args, &out, &errOut) }()
		select {
		case code := <-done:
			if code < 0 || code > 2 {
				t.Fatalf("%q: exit %d\n%s", args, code, errOut.String())
			}
			if code == 2 && !strings.HasPrefix(errOut.String(), "nabla: ") {
				t.Fatalf("%q: exit 2 with stderr %q", args, errOut.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%q: no answer after 30 s", args)
		}
	})
}
