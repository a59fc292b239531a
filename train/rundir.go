package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LockFile is the name of a run directory's lock: a run holds it (an
// advisory lock on the file, released by the system when the process ends,
// so a killed run leaves no stale lock) for as long as it writes there.
const LockFile = ".lock"

// runFiles are the files a run writes in its directory, with those
// train/plot's Write adds through Options.Finish.
var runFiles = []string{CheckpointFile, "metrics.csv", "loss.png", "loss.svg", "accuracy.png", "accuracy.svg"}

// claim locks dir for this process, removes the temporary files a killed
// run left behind and, unless existing is set, refuses a directory that
// already holds files. It returns the function that releases the lock.
func claim(dir string, existing bool) (unlock func(), err error) {
	release, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			release()
		}
	}()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	var kept []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == LockFile:
		case isTempFile(name):
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("removing the leftover temporary file %s: %w", filepath.Join(dir, name), err)
			}
		default:
			kept = append(kept, name)
		}
	}
	if !existing && len(kept) > 0 {
		what := "files"
		for _, n := range kept {
			if n == CheckpointFile {
				what = "a run"
			}
		}
		return nil, fmt.Errorf("output directory %s already holds %s (%s); continue it with --resume, start over with --overwrite, or choose another --out",
			dir, what, strings.Join(kept[:min(3, len(kept))], ", ")+map[bool]string{true: ", …"}[len(kept) > 3])
	}
	return release, nil
}

// isTempFile reports whether name is a temporary file of an atomic write of
// one of the run's files (".checkpoint.safetensors.tmp123", ".metrics.csv.tmp-456").
func isTempFile(name string) bool {
	for _, f := range runFiles {
		if strings.HasPrefix(name, "."+f+".tmp") {
			return true
		}
	}
	return strings.HasPrefix(name, ".write-test-")
}

// removeRunFiles removes the files of a previous run (--overwrite); other
// files are left alone.
func removeRunFiles(dir string) error {
	for _, f := range runFiles {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing the previous run's %s: %w", f, err)
		}
	}
	return nil
}

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("output directory %s is not writable: %w", dir, errors.Unwrap(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
