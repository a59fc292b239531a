package train

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoPlotDependency checks that importing train does not link the
// plotting stack: the plots are train/plot's, which only the command uses.
func TestNoPlotDependency(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", "github.com/nabla-go/nabla/train").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "gonum.org/v1/plot") {
			t.Errorf("train depends on %s", pkg)
		}
	}
}
