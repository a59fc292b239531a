// Command stress runs nabla's concurrency mixes (package
// github.com/nabla-go/nabla/internal/stress) over and over for a given
// duration and prints, per mix, how many runs and work items it did and how
// many mismatches, errors and panics it saw. It exits with status 1 on any
// failure. Build it with -race to have the race detector watch too:
//
//	go run -race ./internal/stress/cmd/stress -duration 1m
//
// Flags: -duration (default 1m), -goroutines (default 8), -iters (work items
// per goroutine per run; 0 means each mix's default), -run (a regular
// expression selecting mixes by name), -v (print each failure).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"text/tabwriter"
	"time"

	"github.com/nabla-go/nabla/internal/stress"
)

type counts struct {
	runs, items, mismatches, errors, panics, failedRuns int
}

func main() {
	duration := flag.Duration("duration", time.Minute, "how long to run the mixes")
	goroutines := flag.Int("goroutines", 8, "goroutines per mix")
	iters := flag.Int("iters", 0, "work items per goroutine per run (0: each mix's default)")
	run := flag.String("run", "", "regular expression selecting the mixes to run")
	verbose := flag.Bool("v", false, "print each failure")
	flag.Parse()
	re, err := regexp.Compile(*run)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stress: -run:", err)
		os.Exit(2)
	}
	var mixes []stress.Mix
	for _, m := range stress.Mixes() {
		if re.MatchString(m.Name) {
			mixes = append(mixes, m)
		}
	}
	if len(mixes) == 0 {
		fmt.Fprintln(os.Stderr, "stress: no mix matches", *run)
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "nabla-stress-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "stress:", err)
		os.Exit(2)
	}
	defer os.RemoveAll(dir)

	total := make([]counts, len(mixes))
	deadline := time.Now().Add(*duration)
	for round := 0; round == 0 || time.Now().Before(deadline); round++ {
		for i, m := range mixes {
			sub, err := os.MkdirTemp(dir, "run-")
			if err != nil {
				fmt.Fprintln(os.Stderr, "stress:", err)
				os.Exit(2)
			}
			cfg := stress.Config{Goroutines: *goroutines, Iters: *iters, Dir: sub}
			err = m.Run(cfg)
			os.RemoveAll(sub)
			c := &total[i]
			c.runs++
			n := *iters
			if n == 0 {
				n = m.Iters
			}
			g := *goroutines
			if m.Name == "TrainRun" {
				g = min(g, 2) // two runs of train.Run at once
			}
			c.items += n * g
			if err != nil {
				c.failedRuns++
				var f *stress.Failure
				if errors.As(err, &f) {
					c.mismatches += f.Mismatches
					c.errors += f.Errors
					c.panics += f.Panics
				} else {
					c.errors++
				}
				if *verbose {
					fmt.Fprintf(os.Stderr, "%s: %v\n", m.Name, err)
				}
			}
			if round > 0 && time.Now().After(deadline) {
				break
			}
		}
	}

	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "mix\truns\titems\tfailed runs\tmismatches\terrors\tpanics\t")
	failed := false
	for i, m := range mixes {
		c := total[i]
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", m.Name, c.runs, c.items, c.failedRuns, c.mismatches, c.errors, c.panics)
		failed = failed || c.failedRuns > 0
	}
	w.Flush()
	if failed {
		fmt.Println("FAIL")
		os.Exit(1)
	}
	fmt.Println("ok")
}
