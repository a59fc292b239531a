//go:build !amd64

package kernel

// transLoopsInUse is noLoops: there are assembly loops for amd64 only.
var transLoopsInUse = noLoops

// TransKernel names the loops Sin, Cos, Log, Tanh... run: "portable" here.
func TransKernel() string { return loops().name }
