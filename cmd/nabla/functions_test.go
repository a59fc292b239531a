package main

import (
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
)

// The help of the calculus commands lists the functions of nabla.Functions.
func TestHelpListsFunctions(t *testing.T) {
	var names []string
	for _, f := range nabla.Functions() {
		names = append(names, f.Name)
	}
	list := strings.Join(strings.Fields(exprHelp), " ")
	if !strings.Contains(list, "the functions "+strings.Join(names, " ")+". ") {
		t.Errorf("help does not list %v:\n%s", names, exprHelp)
	}
	for _, line := range strings.Split(exprHelp, "\n") {
		if len(line) > 80 {
			t.Errorf("line longer than 80 bytes: %q", line)
		}
	}
}
