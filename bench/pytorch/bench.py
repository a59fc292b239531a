"""PyTorch's side of the bench report's main table and CNN section
(bench/cmd/report).

Times in PyTorch the workloads that bench/conv.go, bench/cnn.go, bench/mlp.go,
bench/matmul.go, bench/sumsin.go and bench/elementwise.go time in nabla, and
prints one line per workload in the
format of `go test -bench` ("BenchmarkCNNStep/float32/pytorch  10  123 ns/op"),
so that the report parses both sides alike. Lines starting with "#" describe
the build and the kernels that ran.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 taskset -c 0 \\
        /usr/bin/python3 pytorch/bench.py --threads 1

Set the thread variables in the environment as well as --threads: OpenBLAS
and OpenMP read them when torch is imported.
"""

import argparse
import ctypes
import math
import os
import re
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

# The shapes of bench/conv.go's ConvBench, bench/cnn.go and bench/mlp.go.
CONV = dict(N=128, C=32, H=28, W=28, F=32, K=3, Pad=1)
CNN_BATCH = 128
MLP = (784, 256, 10, 128)  # in, hidden, out, batch
MATMUL = (64, 256, 1024)
SUMSIN_N = 10**6
VECFUNC_N = 10**6
# bench/elementwise.go's VecFuncs, in its order.
VECFUNCS = {"exp": torch.exp, "log": torch.log, "sin": torch.sin, "cos": torch.cos,
            "tanh": torch.tanh, "sigmoid": torch.sigmoid, "log1p": torch.log1p, "expm1": torch.expm1}

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def run(name, step, benchtime):
    """Times step like Go's b.Loop: a warm-up call, then enough calls to fill
    benchtime seconds, and prints the mean in go test's format."""
    step()  # warm-up: allocations, oneDNN primitive creation, Adam's state
    t0 = time.perf_counter()
    step()
    one = time.perf_counter() - t0
    n = max(1, min(10**6, math.ceil(benchtime / max(one, 1e-9))))
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    ns = (time.perf_counter() - t0) / n * 1e9
    print(f"Benchmark{name}\t{n}\t{ns:.0f} ns/op", flush=True)


def conv_step(dt):
    g = CONV
    gen = torch.Generator().manual_seed(3)
    oh, ow = g["H"] + 2 * g["Pad"] - g["K"] + 1, g["W"] + 2 * g["Pad"] - g["K"] + 1
    b = 1 / math.sqrt(g["C"] * g["K"] ** 2)
    x = (torch.rand(g["N"], g["C"], g["H"], g["W"], generator=gen, dtype=dt) * 2 - 1).requires_grad_()
    w = ((torch.rand(g["F"], g["C"], g["K"], g["K"], generator=gen, dtype=dt) * 2 - 1) * b).requires_grad_()
    dy = torch.rand(g["N"], g["F"], oh, ow, generator=gen, dtype=dt) * 2 - 1

    def step():
        x.grad = None
        w.grad = None
        y = F.conv2d(x, w, padding=g["Pad"])
        y.backward(dy)

    return step


def conv_gemm_step(dt):
    g = CONV
    gen = torch.Generator().manual_seed(5)
    m, k = g["F"], g["C"] * g["K"] ** 2
    n = g["N"] * g["H"] * g["W"]
    a = torch.rand(m, k, generator=gen, dtype=dt) * 2 - 1
    b = torch.rand(k, n, generator=gen, dtype=dt) * 2 - 1
    return lambda: torch.mm(a, b)


def cnn_model():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
    )


def train_step(model, opt, x, y):
    crit = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = crit(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def cnn_step():
    torch.manual_seed(1)
    model = cnn_model().train()
    gen = torch.Generator().manual_seed(4)
    x = torch.rand(CNN_BATCH, 1, 28, 28, generator=gen)
    y = torch.randint(0, 10, (CNN_BATCH,), generator=gen)
    return train_step(model, torch.optim.Adam(model.parameters(), lr=1e-3), x, y)


def mlp_step(dt):
    d_in, hid, out, batch = MLP
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(d_in, hid), nn.ReLU(), nn.Linear(hid, out)).to(dt)
    gen = torch.Generator().manual_seed(2)
    x = torch.rand(batch, d_in, generator=gen, dtype=dt)
    y = torch.randint(0, out, (batch,), generator=gen)
    return train_step(model, torch.optim.SGD(model.parameters(), lr=0.01), x, y)


def matmul_step(n, dt):
    gen = torch.Generator().manual_seed(n)
    a = torch.rand(n, n, generator=gen, dtype=dt) * 2 - 1
    b = torch.rand(n, n, generator=gen, dtype=dt) * 2 - 1
    return lambda: torch.mm(a, b)


def chain20_step():
    """bench/elementwise.go's Chain20 on two float64 elements: ten rounds of
    y = tanh(y·x), the sum, and the backward pass."""
    x = torch.tensor([0.3, 0.7], dtype=torch.float64, requires_grad=True)

    def step():
        x.grad = None
        y = x
        for _ in range(10):
            y = torch.tanh(y * x)
        y.sum().backward()

    return step


def sumsin_steps(dt):
    """bench/sumsin.go's sum(x²·sin x) over 10⁶ inputs uniform in [-3, 3]:
    the forward pass under no_grad, and forward+backward."""
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(SUMSIN_N, generator=gen, dtype=dt) * 6 - 3
    v = x.clone().requires_grad_()

    def forward():
        with torch.no_grad():
            (x.square() * x.sin()).sum()

    def backward():
        v.grad = None
        (v.square() * v.sin()).sum().backward()

    return forward, backward


def vecfunc_step(f, dt):
    gen = torch.Generator().manual_seed(2)
    x = torch.rand(VECFUNC_N, generator=gen, dtype=dt) * 2.9 + 0.1
    return lambda: f(x)


def openblas_core():
    """The core type OpenBLAS chose (openblas_get_corename) and its build
    (openblas_get_config), from the library loaded into this process."""
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if re.search(r"libopenblas", path):
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_corename.restype = ctypes.c_char_p
                lib.openblas_get_config.restype = ctypes.c_char_p
                return f"{lib.openblas_get_corename().decode()} ({lib.openblas_get_config().decode()})"
            except (OSError, AttributeError) as e:
                return f"? ({e})"
    return "no OpenBLAS loaded"


def kernels():
    """Prints what PyTorch was built with and which kernels run the
    convolutions: the aten ops a profiled conv2d forward+backward calls, and
    the BLAS and oneDNN libraries loaded into the process."""
    cfg = torch.__config__.show()
    cap = re.search(r"CPU capability usage: (\S+)", cfg)
    dnnl = re.search(r"Intel\(R\) MKL-DNN (v[\d.]+)", cfg)
    blas = re.search(r"BLAS_INFO=(\w+)", cfg)
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"CPU capability {cap.group(1) if cap else '?'}, "
          f"oneDNN {dnnl.group(1) if dnnl else '?'} (torch.backends.mkldnn.is_available() = {torch.backends.mkldnn.is_available()}), "
          f"BLAS_INFO={blas.group(1) if blas else '?'}")
    cpu_cap = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", None)
    print(f"# elementwise kernels: ATen CPU capability {cpu_cap() if cpu_cap else (cap.group(1) if cap else '?')}"
          f"{'' if cpu_cap else ' (torch.__config__.show(); torch.backends.cpu.get_cpu_capability is not in this version)'}, "
          f"ATEN_CPU_CAPABILITY={os.environ.get('ATEN_CPU_CAPABILITY', 'unset')}")
    print(f"# GEMM: OpenBLAS core {openblas_core()}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}")
    for name, dt in DTYPES.items():
        x = torch.rand(2, 4, 8, 8, dtype=dt, requires_grad=True)
        w = torch.rand(4, 4, 3, 3, dtype=dt, requires_grad=True)
        with torch.autograd.profiler.profile() as prof:
            F.conv2d(x, w, padding=1).sum().backward()
        ops = sorted({e.name for e in prof.function_events
                      if re.search(r"mkldnn|slow_conv|thnn|_nnpack|winograd|depthwise", e.name)})
        print(f"# conv2d {name}: {', '.join(ops) or 'no specialised kernel seen'}")
    libs = sorted({line.split()[-1].rsplit("/", 1)[-1] for line in open("/proc/self/maps")
                   if re.search(r"blas|dnnl|mkl|gomp|iomp", line)})
    print(f"# libraries: {', '.join(libs)}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    p.add_argument("--benchtime", type=float, default=1.0, help="seconds per workload")
    p.add_argument("--only", default="conv,convgemm,cnn,mlp,matmul",
                   help="comma-separated workloads: conv, convgemm, cnn, mlp, matmul, chain, sumsin, vecfunc")
    p.add_argument("--dtypes", default="float32,float64", help="comma-separated dtypes of sumsin and vecfunc")
    p.add_argument("--vecfunc-dtypes", default=None, help="comma-separated dtypes of vecfunc (default: --dtypes)")
    p.add_argument("--kernels", action="store_true", help="print the build and kernel summary first")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    only = set(a.only.split(","))
    if a.kernels:
        kernels()
    for name, dt in DTYPES.items():
        if "conv" in only:
            run(f"Conv2d/{name}/pytorch", conv_step(dt), a.benchtime)
        if "convgemm" in only:
            with torch.no_grad():
                run(f"ConvGEMM/{name}/pytorch", conv_gemm_step(dt), a.benchtime)
    if "cnn" in only:
        run("CNNStep/float32/pytorch", cnn_step(), a.benchtime)
    if "mlp" in only:
        for name, dt in DTYPES.items():
            run(f"MLPStep/{name}/pytorch", mlp_step(dt), a.benchtime)
    if "matmul" in only:
        with torch.no_grad():
            for n in MATMUL:
                for name, dt in DTYPES.items():
                    run(f"MatMul/n={n}/{name}/pytorch", matmul_step(n, dt), a.benchtime)
    dtypes = [d for d in DTYPES if d in a.dtypes.split(",")]
    if "chain" in only:
        run("Chain20/pytorch", chain20_step(), a.benchtime)
    if "sumsin" in only:
        for name in dtypes:
            forward, backward = sumsin_steps(DTYPES[name])
            run(f"SumX2SinX/{name}/forward/pytorch", forward, a.benchtime)
            run(f"SumX2SinX/{name}/forward+backward/pytorch", backward, a.benchtime)
    if "vecfunc" in only:
        vdtypes = dtypes if a.vecfunc_dtypes is None else [d for d in DTYPES if d in a.vecfunc_dtypes.split(",")]
        with torch.no_grad():
            for fname, f in VECFUNCS.items():
                for name in vdtypes:
                    run(f"VecFunc/{fname}/{name}/pytorch", vecfunc_step(f, DTYPES[name]), a.benchtime)


if __name__ == "__main__":
    sys.exit(main())
