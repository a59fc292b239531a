//go:build !race

package optim

// raceBuild reports a -race build (race_on_test.go).
const raceBuild = false
