package train

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// checkSize refuses a model that would not fit in memory: its parameters,
// their gradients and the optimizer's state (up to two buffers per
// parameter), against the memory the machine has available. Sizes come from
// flags and from checkpoint files, so they are checked before anything is
// allocated.
func checkSize(c Config, inputs int, image [3]int, classes int) error {
	if classes < 2 || classes > MaxClasses {
		return fmt.Errorf("%d classes: a model has between 2 and %d", classes, MaxClasses)
	}
	if inputs < 1 || inputs > 1<<28 {
		return fmt.Errorf("%d input features: a model takes between 1 and %d", inputs, 1<<28)
	}
	params := 0.0
	prev := float64(inputs)
	if c.model() == "cnn" {
		ch, h, w := float64(image[0]), image[1], image[2]
		k := float64(c.kernel())
		for b, out := range c.channels() {
			for range c.convs(b) {
				params += (ch*k*k + 3) * float64(out) // kernel, bias or the normalisation's four vectors
				ch = float64(out)
			}
			if h >= 2 && w >= 2 {
				h, w = h/2, w/2
			}
		}
		prev = ch * float64(h*w)
	}
	for _, h := range append(append([]int(nil), c.Hidden...), classes) {
		params += (prev + 1) * float64(h)
		prev = float64(h)
	}
	bytes := params * 4 * 8 // weights, gradients, two optimizer buffers
	if c.DType == "float32" {
		bytes /= 2
	}
	avail := availableMemory()
	if bytes > float64(avail)/2 {
		return fmt.Errorf("the model (hidden layers %v, %d inputs, %d classes) has %.3g parameters and needs about %s with gradients and optimizer state; this machine has %s available: make --hidden smaller",
			c.Hidden, inputs, classes, params, fmtBytes(bytes), fmtBytes(float64(avail)))
	}
	return nil
}

// availableMemory returns the memory the system can give without swapping
// (MemAvailable on Linux), or 4 GiB where it cannot be read.
func availableMemory() uint64 {
	const fallback = 4 << 30
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return fallback
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil && kb > 0 {
				return kb << 10
			}
		}
	}
	return fallback
}

func fmtBytes(b float64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.3g GiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.3g MiB", b/(1<<20))
	}
	return fmt.Sprintf("%.0f bytes", b)
}
