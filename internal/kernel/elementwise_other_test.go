//go:build !amd64

package kernel

import "testing"

// eachElem runs f: there are no assembly loops here, and the tests compare
// the Go loops with themselves.
func eachElem(t *testing.T, f func(t *testing.T)) { f(t) }

// eachExp runs f with the Go loop of Exp, the only one here.
func eachExp(t *testing.T, f func(t *testing.T)) { f(t) }
