package main

import (
	"runtime/debug"
	"testing"
)

// TestGCPercentFor: 10 % of a large live heap, enough for 32 MiB of growth
// on a small one, never more than Go's default.
func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{{0, 100}, {1 << 20, 100}, {32 << 20, 100}, {64 << 20, 50}, {200 << 20, 16}, {320 << 20, 10}, {4 << 30, 10}} {
		if got := gcPercentFor(c.live); got != c.want {
			t.Errorf("gcPercentFor(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}

// TestLeanHeapRestores: the setting is the run's, not the process's.
func TestLeanHeapRestores(t *testing.T) {
	t.Setenv("GOGC", "")
	before := debug.SetGCPercent(77)
	defer debug.SetGCPercent(before)
	stop := leanHeap()
	stop()
	if got := debug.SetGCPercent(77); got != 77 {
		t.Fatalf("after leanHeap's stop the GC percentage is %d, want 77", got)
	}
}
