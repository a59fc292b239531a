//go:build !amd64

package kernel

func gather2x64(d, s *float64, n int)           { panic("no assembly") }
func spread2x64(d, s *float64, n int, odd bool) { panic("no assembly") }
