package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/nabla-go/nabla/dist"
)

func TestTrainWorkers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errOut := runCLI(t, "train", "--data", "iris", "--hidden", "16", "--epochs", "2", "--workers", "3", "-o", dir, "--quiet")
	if code != 0 || !strings.Contains(out, "test accuracy") || !strings.Contains(out, "2 epochs, 3 workers,") {
		t.Fatalf("--workers 3: exit %d\n%s%s", code, out, errOut)
	}
	// A resumed run may use another number of workers; --json reports it.
	code, out, errOut = runCLI(t, "train", "--resume", "--epochs", "3", "--workers", "2", "-o", dir, "--quiet", "--json")
	if code != 0 || strings.Contains(errOut, "ignored") || !strings.Contains(out, `"workers":2`) {
		t.Fatalf("--resume --workers 2: exit %d\n%s%s", code, out, errOut)
	}
}

func TestTrainWorkersBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--workers", "-1"}, "--workers"},
		{[]string{"--workers", "64", "--batch-size", "32"}, "--workers 64 is more than --batch-size 32"},
		{[]string{"--distributed", "tcp"}, `unknown --distributed "tcp"`},
		{[]string{"--distributed", "mpi", "--workers", "2"}, "each rank is one worker"},
	} {
		args := append([]string{"train", "--data", "iris", "-o", filepath.Join(t.TempDir(), "run")}, tc.args...)
		code, _, errOut := runCLI(t, args...)
		if code != 2 || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "goroutine") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	if !dist.MPIAvailable {
		code, _, errOut := runCLI(t, "train", "--data", "iris", "-o", filepath.Join(t.TempDir(), "run"), "--distributed", "mpi")
		if code != 2 || !strings.Contains(errOut, "-tags mpi") {
			t.Errorf("--distributed mpi without MPI: exit %d, stderr %q", code, errOut)
		}
	}
}
