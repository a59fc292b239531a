package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestTrainEvalPredict(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errOut := runCLI(t, "train", "--data", "iris", "--hidden", "16", "--epochs", "5", "--lr", "0.02", "-o", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Dataset      string  `json:"dataset"`
		Epochs       int     `json:"epochs"`
		TestAccuracy float64 `json:"test_accuracy"`
		Checkpoint   string  `json:"checkpoint"`
	}
	if err := json.Unmarshal([]byte(lastLine(out)), &res); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out)
	}
	if res.Dataset != "iris" || res.Epochs != 5 || res.Checkpoint == "" {
		t.Fatalf("summary %+v", res)
	}
	code, out, errOut = runCLI(t, "eval", dir)
	if code != 0 || !strings.Contains(out, "confusion matrix") || !strings.Contains(out, "setosa") {
		t.Fatalf("eval exit %d: %s%s", code, out, errOut)
	}
	code, out2, errOut := runCLI(t, "eval", "--checkpoint", dir)
	if code != 0 || out2 != out {
		t.Fatalf("eval --checkpoint exit %d: %s%s", code, out2, errOut)
	}
	csv := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(csv, []byte("5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n"), 0o644)
	code, out, errOut = runCLI(t, "predict", dir, "--input", csv)
	if code != 0 || !strings.Contains(out, "row 1: class 0") {
		t.Fatalf("predict exit %d: %s%s", code, out, errOut)
	}
}

func TestBadInputExitsWith2AndOneLine(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nothing")
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(bad, []byte("\xff\xff\xff\xff\xff\xff\xff\x7fgarbage"), 0o644)
	cases := [][]string{
		{"train", "--epochs", "x"},
		{"train", "--data", "mnist"},
		{"train", "--lr", "-1"},
		{"train", "--no-such-flag"},
		{"train", "-o", "/proc/cannot-write"},
		{"train", "--resume", "-o", missing},
		{"train", "--data", "fashion-mnist", "--data-dir", missing},
		{"eval", missing},
		{"eval", bad},
		{"predict"},
		{"eval", "--checkpoint", missing, missing},
		{"frobnicate"},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, errOut := runCLI(t, args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errOut)
			}
			if n := strings.Count(strings.TrimSpace(errOut), "\n"); n != 0 || !strings.HasPrefix(errOut, "nabla: ") {
				t.Fatalf("want one line starting with \"nabla: \", got %q", errOut)
			}
			if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, ".go:") {
				t.Fatalf("stack trace in %q", errOut)
			}
		})
	}
}

// A CNN run goes through the same commands: train with its flags, eval with
// per-class accuracy, predict on rows of pixels, and resume.
func TestTrainEvalPredictCNN(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errOut := runCLI(t, "train", "--model", "cnn", "--channels", "4,8", "--batchnorm", "--dropout", "0.1",
		"--hidden", "16", "--epochs", "2", "-o", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "epoch   2/2") {
		t.Fatalf("no epoch lines: %s", out)
	}
	code, out, errOut = runCLI(t, "eval", dir)
	if code != 0 || !strings.Contains(out, "accuracy per class") || !strings.Contains(out, "confusion matrix") {
		t.Fatalf("eval exit %d: %s%s", code, out, errOut)
	}
	row := strings.TrimSuffix(strings.Repeat("0,", 64), ",") + "\n"
	csv := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(csv, []byte(row+row), 0o644)
	code, out, errOut = runCLI(t, "predict", dir, "--input", csv)
	if code != 0 || !strings.Contains(out, "row 2: class ") {
		t.Fatalf("predict exit %d: %s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "train", "--resume", "-o", dir, "--epochs", "3")
	if code != 0 || !strings.Contains(out, "epoch   3/3") {
		t.Fatalf("resume exit %d: %s%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "train", "--model", "cnn", "--data", "iris", "-o", filepath.Join(t.TempDir(), "r"))
	if code != 2 || !strings.Contains(errOut, "--model cnn needs a dataset of images") {
		t.Fatalf("cnn on iris: exit %d: %s", code, errOut)
	}
}
