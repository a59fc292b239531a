//go:build !amd64

package kernel

// adamInUse is always 0 (portable) off amd64.
const adamInUse = 0

// adamAsm runs no element off amd64.
func adamAsm[T Float](level int, p, g, m, v, vmax []T, c *AdamStep[T]) int { return 0 }
