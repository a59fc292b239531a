// Package benchdoc holds what the benchmark commands (cmd/report and
// cmd/compare) share: medians, readable durations, the machine's load, and
// rewriting a marked section of a Markdown file.
package benchdoc

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// Median returns the median of v (the mean of the two middle values for an
// even count).
func Median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Duration formats nanoseconds with three significant digits.
func Duration(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.3g s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	}
	return fmt.Sprintf("%.3g ns", ns)
}

// LoadAverage returns the one-minute load average from /proc/loadavg, or
// "unknown": other processes on the machine skew every figure.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

// Rewrite replaces the text between the lines begin and end in the file at
// path with section, writing a temporary file and renaming it over the old
// one.
func Rewrite(path, begin, end, section string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(old)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s: no %s … %s section", path, begin, end)
	}
	s = s[:i+len(begin)] + "\n" + section + s[j:]
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(s), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
