"""PyTorch's side of internal/kernel's BenchmarkTrans for tan, atan, erf and
pow: the same sizes and argument ranges (10⁶ elements, x uniform in
[0.01, 3.01], pow's y uniform in [-3, 3]), results written into a
preallocated tensor (out=) as the Go kernels write into dst. Prints the
fastest of --rounds runs of --reps calls each, per call, in go test's format,
timed by the CPU time of the thread (time.thread_time, as
TestTransCPUTime does on the Go side: on a shared machine wall time counts
the time other processes hold the core; --wall for wall time):

    OMP_NUM_THREADS=1 taskset -c 0 /usr/bin/python3 pytorch/trans.py
"""

import argparse
import time

import torch

N = 1_000_000


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=15)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--wall", action="store_true", help="time by wall clock")
    a = p.parse_args()
    clock = time.perf_counter if a.wall else time.thread_time
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(7)
    for name, dt in (("float64", torch.float64), ("float32", torch.float32)):
        x = (0.01 + 3 * torch.rand(N, generator=g, dtype=torch.float64)).to(dt)
        y = (-3 + 6 * torch.rand(N, generator=g, dtype=torch.float64)).to(dt)
        d = torch.empty(N, dtype=dt)
        for fn, call in (("tan", lambda: torch.tan(x, out=d)), ("atan", lambda: torch.atan(x, out=d)),
                         ("erf", lambda: torch.erf(x, out=d)), ("pow", lambda: torch.pow(x, y, out=d))):
            call()
            best = float("inf")
            for _ in range(a.rounds):
                t0 = clock()
                for _ in range(a.reps):
                    call()
                best = min(best, (clock() - t0) / a.reps)
            print(f"BenchmarkTrans/{fn}/{name}/pytorch\t{a.reps}\t{best * 1e9:.0f} ns/op", flush=True)


if __name__ == "__main__":
    main()
