package train

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// writeAtomic writes data to path through a temporary file in the same
// directory, synced and renamed, so that readers see the old or the new file,
// never a partial one.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}

// writeMetrics writes metrics.csv: one row per epoch.
func writeMetrics(dir string, hist []EpochMetrics) error {
	var b bytes.Buffer
	b.WriteString("epoch,train_loss,test_loss,test_accuracy,lr,grad_norm,seconds\n")
	for _, m := range hist {
		fmt.Fprintf(&b, "%d,%.8g,%.8g,%.6f,%.6g,%.6g,%.6g\n", m.Epoch, m.TrainLoss, m.TestLoss, m.TestAccuracy, m.LR, m.GradNorm, m.Seconds)
	}
	if err := writeAtomic(filepath.Join(dir, "metrics.csv"), b.Bytes()); err != nil {
		return fmt.Errorf("writing metrics: %w", err)
	}
	return nil
}
