//go:build unix

package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockDir takes an exclusive advisory lock (flock) on dir's lock file and
// writes this process's id in it, for the message another run shows.
func lockDir(dir string) (func(), error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("output directory %s: cannot create its lock file: %w", dir, errors.Unwrap(err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		owner := "another run"
		if pid := strings.TrimSpace(string(b)); pid != "" {
			if _, err := strconv.Atoi(pid); err == nil {
				owner = "another run (process " + pid + ")"
			}
		}
		return nil, fmt.Errorf("output directory %s is in use by %s; wait for it to end or choose another --out", dir, owner)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		// The file stays: removing it would let a third run lock a new
		// file while a second still holds the old one.
		f.Truncate(0)
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
