#!/usr/bin/python3
"""Writes linalg_fixtures.json, PyTorch's results for the linear-algebra
functions that linalg_torch_test.go compares nabla with.

Run from this directory with Debian's PyTorch 1.13 (not a virtualenv's python3):

    /usr/bin/python3 linalg_fixtures.py

The file is a list of cases, each an object with
  "name"     the case: the Go test computes the same function for each name
  "inputs"   the input tensors ({"shape": [...], "data": [...]}, float64)
  "weights"  one tensor per output: the gradients are those of
             loss = sum_k sum(outputs[k] * weights[k])
  "outputs"  the function's outputs
  "grads"    d loss / d input, one per input

Eigenvectors and singular vectors are defined up to sign: their cases output
sign-invariant functions of them (squares, or products U·diag(s)·Vh).
The Go test never needs PyTorch: the output file is committed.
"""
import json

import torch

torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(2026)


def rand(*shape):
    return torch.rand(tuple(shape), generator=g) * 2 - 1


def well(n, *batch):
    return rand(*batch, n, n) + n * torch.eye(n)


def spd_from(x):
    # the SPD matrix the cases build from a free input x, in both libraries
    return x @ x.transpose(-1, -2) + torch.eye(x.shape[-1])


CASES = {
    "solve": (lambda a, b: [torch.linalg.solve(a, b)], [well(3), rand(3, 2)]),
    "solve_batch_broadcast": (lambda a, b: [torch.linalg.solve(a, b)], [well(3, 2), rand(3, 2)]),
    "solve_vector": (lambda a, b: [torch.linalg.solve(a, b)], [well(4), rand(4)]),
    "inv": (lambda a: [torch.linalg.inv(a)], [well(3)]),
    "det": (lambda a: [torch.linalg.det(a)], [rand(2, 3, 3) + torch.eye(3)]),
    "slogdet": (lambda a: list(torch.linalg.slogdet(a)), [-well(3)]),
    "cholesky": (lambda x: [torch.linalg.cholesky(spd_from(x))], [rand(3, 3)]),
    "cholesky_solve": (lambda x, b: [torch.cholesky_solve(b, torch.linalg.cholesky(spd_from(x)))], [rand(3, 3), rand(3, 2)]),
    "triangular_solve_lower": (lambda t, b: [torch.linalg.solve_triangular(t, b, upper=False)], [well(3), rand(3, 2)]),
    "triangular_solve_upper": (lambda t, b: [torch.linalg.solve_triangular(t, b, upper=True)], [well(3), rand(3, 2)]),
    "qr": (lambda a: list(torch.linalg.qr(a)), [rand(4, 3)]),
    "qr_wide": (lambda a: list(torch.linalg.qr(a)), [rand(2, 3)]),
    "eigh": (lambda x: (lambda e: [e[0], e[1] ** 2])(torch.linalg.eigh(spd_from(x))), [rand(3, 3)]),
    "svd": (lambda a: (lambda u, s, vh: [s, u ** 2, vh ** 2])(*torch.linalg.svd(a, full_matrices=False)), [rand(4, 3)]),
    "svd_wide": (lambda a: (lambda u, s, vh: [s, u ** 2, vh ** 2])(*torch.linalg.svd(a, full_matrices=False)), [rand(2, 3)]),
    "lstsq": (lambda a, b: [torch.linalg.pinv(a) @ b], [rand(5, 3), rand(5, 2)]),
    "lstsq_wide": (lambda a, b: [torch.linalg.pinv(a) @ b], [rand(2, 4), rand(2, 1)]),
    "matrix_power": (lambda a: [torch.linalg.matrix_power(a, 3)], [rand(3, 3)]),
    "matrix_power_negative": (lambda a: [torch.linalg.matrix_power(a, -2)], [well(3)]),
    "matrix_exp": (lambda a: [torch.linalg.matrix_exp(a)], [rand(2, 3, 3)]),
}


def enc(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


out = []
for name, (fn, inputs) in CASES.items():
    xs = [x.clone().requires_grad_(True) for x in inputs]
    ys = fn(*xs)
    ws = [rand(*y.shape) for y in ys]
    loss = sum((y * w).sum() for y, w in zip(ys, ws) if y.requires_grad)
    grads = torch.autograd.grad(loss, xs)
    out.append({"name": name, "inputs": [enc(x) for x in inputs], "weights": [enc(w) for w in ws],
                "outputs": [enc(y) for y in ys], "grads": [enc(gr) for gr in grads]})

with open("linalg_fixtures.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": out}, f, indent=None)
    f.write("\n")
