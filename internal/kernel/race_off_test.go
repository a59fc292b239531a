//go:build !race

package kernel

// raceBuild reports a -race build (race_on_test.go).
const raceBuild = false
