//go:build amd64

package kernel

//go:noescape
func gather2x64(d, s *float64, n int)

//go:noescape
func spread2x64(d, s *float64, n int, odd bool)
