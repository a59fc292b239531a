//go:build !amd64

package kernel

// There are no assembly loops for the transcendental functions here; these
// stubs are never called.

func useTransAsm() bool { return false }

func sinVec64(d, x *float64, n int) int         { return 0 }
func cosVec64(d, x *float64, n int) int         { return 0 }
func logVec64(d, x *float64, n int) int         { return 0 }
func sincosVec64(d0, d1, x *float64, n int) int { return 0 }
func sinVec32(d, x *float32, n int) int         { return 0 }
func cosVec32(d, x *float32, n int) int         { return 0 }
func logVec32(d, x *float32, n int) int         { return 0 }
func sincosVec32(d0, d1, x *float32, n int) int { return 0 }
func tanhVec64(d, x *float64, n int) int        { return 0 }
func sigmoidVec64(d, x *float64, n int) int     { return 0 }
func tanhVec32(d, x *float32, n int) int        { return 0 }
func sigmoidVec32(d, x *float32, n int) int     { return 0 }
func log1pVec64(d, x *float64, n int) int       { return 0 }
func expm1Vec64(d, x *float64, n int) int       { return 0 }
func log1pVec32(d, x *float32, n int) int       { return 0 }
func expm1Vec32(d, x *float32, n int) int       { return 0 }
