package plot_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/nabla-go/nabla/train"
	"github.com/nabla-go/nabla/train/plot"
)

// TestWriteFromRun writes the plots of a short run through Options.Finish,
// as nabla train does.
func TestWriteFromRun(t *testing.T) {
	cfg := train.Defaults()
	cfg.Data, cfg.Hidden, cfg.Epochs, cfg.BatchSize, cfg.OutDir = "iris", []int{8}, 2, 16, t.TempDir()
	if _, err := train.Run(context.Background(), cfg, train.Options{Finish: plot.Write}); err != nil {
		t.Fatal(err)
	}
	for f, magic := range map[string]string{"loss.png": "\x89PNG", "accuracy.png": "\x89PNG", "loss.svg": "<?xml", "accuracy.svg": "<?xml"} {
		b, err := os.ReadFile(filepath.Join(cfg.OutDir, f))
		if err != nil || !bytes.HasPrefix(b, []byte(magic)) {
			t.Errorf("%s: %v, starts %q", f, err, b[:min(len(b), 8)])
		}
	}
}

func TestWriteEmptyHistory(t *testing.T) {
	dir := t.TempDir()
	if err := plot.Write(dir, nil); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("an empty history wrote %d files", len(entries))
	}
}

func TestWriteUnwritable(t *testing.T) {
	hist := []train.EpochMetrics{{Epoch: 1, TrainLoss: 1, TestLoss: 1, TestAccuracy: 0.5}}
	if err := plot.Write(filepath.Join(t.TempDir(), "missing"), hist); err == nil {
		t.Error("no error for a missing directory")
	}
}
