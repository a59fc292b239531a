package nabla

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
)

// Error is the value nabla panics with when a tensor operation is misused: a shape
// that does not broadcast, a dtype mix, an axis or index out of range, a backward
// pass that cannot run. Op names the operation, Msg says what is wrong with which
// shapes or values, and Where is the file:line of the caller's code that made the
// call (the first frame outside nabla's own packages).
type Error struct {
	Op    string
	Msg   string
	Where string

	traceRead bool // values of a traced tensor were read: the function cannot be traced
}

// Error formats the error as "nabla: OP: MSG (at FILE:LINE)".
func (e *Error) Error() string {
	if e.Where == "" {
		return fmt.Sprintf("nabla: %s: %s", e.Op, e.Msg)
	}
	return fmt.Sprintf("nabla: %s: %s (at %s)", e.Op, e.Msg, e.Where)
}

// panicTraceRead is panicf for Go code reading the values of a traced
// tensor: Vmap then maps the function example by example instead.
func panicTraceRead(op, format string, args ...any) {
	panic(&Error{Op: op, Msg: fmt.Sprintf(format, args...), Where: CallerLocation(), traceRead: true})
}

// panicf panics with an *Error for op, located at the caller's code.
func panicf(op, format string, args ...any) {
	panic(&Error{Op: op, Msg: fmt.Sprintf(format, args...), Where: CallerLocation()})
}

const modulePrefix = "github.com/nabla-go/nabla"

// CallerLocation returns "file:line" of the innermost stack frame that is not
// inside nabla's library packages (test files and commands count as callers).
// It is how errors and anomaly reports point at the user's code.
func CallerLocation() string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !isLibraryFrame(f) {
			return fmt.Sprintf("%s:%d", shortFile(f.File), f.Line)
		}
		if !more {
			return ""
		}
	}
}

func isLibraryFrame(f runtime.Frame) bool {
	fn := f.Function
	if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "sync.") {
		return true
	}
	if !strings.HasPrefix(fn, modulePrefix) {
		return false
	}
	if strings.HasSuffix(f.File, "_test.go") || strings.Contains(fn, "/cmd/") {
		return false
	}
	return true
}

// shortFile keeps the last two path elements, enough to find the file.
func shortFile(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return path
	}
	if j := strings.LastIndexByte(path[:i], '/'); j >= 0 {
		return path[j+1:]
	}
	return path
}

// Catch runs f and returns the *Error it panicked with, or nil if it returned
// normally. Panics that are not nabla errors are passed on unchanged. It lets
// code that prefers errors to panics call nabla safely:
//
//	err := nabla.Catch(func() { y = nabla.MatMul(a, b) })
func Catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			var e *Error
			if re, ok := r.(error); ok && errors.As(re, &e) {
				err = e
				return
			}
			panic(r)
		}
	}()
	f()
	return nil
}
