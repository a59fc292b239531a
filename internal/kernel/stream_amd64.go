//go:build amd64

package kernel

// copyNT copies src into dst, len(dst) values (a multiple of 8, dst
// 64-byte aligned), with non-temporal stores, then fences them
// (stream_amd64.s).
//
//go:noescape
func copyNT(dst, src []float64)

// haveStream: copyNT needs SSE2, which every amd64 processor has.
const haveStream = true
