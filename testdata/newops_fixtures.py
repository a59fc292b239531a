"""Reference values for nabla's Sort, TopK, Cumsum, Cumprod, ScatterAdd,
IndexAdd, Pad, Einsum and comparison ops, computed by PyTorch (1.13).

Run with a Python that has torch:  python3 testdata/newops_fixtures.py
It writes testdata/newops_fixtures.json, which newops_torch_test.go reads:
the tests never need Python.

Every case gives the inputs, the output and, for the differentiable inputs,
the gradient of sum(out * w) with w[k] = (k % 5) - 1.5 over out's flat
(row-major) index k.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(0)
cases = []


def tensor(t):
    t = t.detach()
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
            "data": [num(float(v)) for v in t.reshape(-1).tolist()]}


def num(v):
    """JSON has no NaN or infinity: they are written as strings."""
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    return v


def weights(out):
    n = out.numel()
    return (torch.arange(n, dtype=torch.float64) % 5 - 1.5).reshape(out.shape)


def case(name, fn, inputs, diff, **params):
    """fn(*inputs) returns out or (out, indices)."""
    xs = [x.clone().requires_grad_(i in diff) for i, x in enumerate(inputs)]
    res = fn(*xs)
    out, idx = (res if isinstance(res, tuple) else (res, None))
    c = {"name": name, "params": params, "inputs": [tensor(x) for x in inputs], "out": tensor(out)}
    if idx is not None:
        c["indices"] = tensor(idx)
    if diff and out.dtype == torch.float64:
        gs = torch.autograd.grad((out * weights(out)).sum(), [xs[i] for i in diff])
        c["grads"] = {str(i): tensor(g) for i, g in zip(diff, gs)}
    cases.append(c)


def randn(*shape):
    return torch.randn(*shape, dtype=torch.float64)


# Cumulative sums and products.
x = randn(3, 4)
case("cumsum/axis1", lambda x: torch.cumsum(x, 1), [x], [0], axis=1)
case("cumsum/axis0", lambda x: torch.cumsum(x, 0), [x], [0], axis=0)
z = randn(3, 5)
z[0, 1] = 0
z[1, 0] = 0
z[1, 3] = 0
z[2, 4] = 0
case("cumprod/zeros", lambda x: torch.cumprod(x, 1), [z], [0], axis=1)
case("cumprod/axis0", lambda x: torch.cumprod(x, 0), [randn(4, 2)], [0], axis=0)

# Sorting (stable, with ties).
s = torch.tensor([[3.0, 1.0, 2.0, 1.0, 5.0], [0.5, 0.5, -1.0, 2.0, 0.5]], dtype=torch.float64)
case("sort/ascending", lambda x: torch.sort(x, stable=True, dim=1, descending=False), [s], [0], axis=1, descending=False)
case("sort/descending", lambda x: torch.sort(x, stable=True, dim=1, descending=True), [s], [0], axis=1, descending=True)
case("sort/axis0", lambda x: torch.sort(x, stable=True, dim=0), [randn(4, 3)], [0], axis=0, descending=False)
case("topk/largest", lambda x: torch.topk(x, 2, 1, largest=True), [randn(3, 5)], [0], k=2, axis=1, largest=True)
case("topk/smallest", lambda x: torch.topk(x, 3, 0, largest=False), [randn(4, 2)], [0], k=3, axis=0, largest=False)

# Scattering.
base = randn(3, 4)
idx = torch.tensor([[0, 2, 1, 0], [2, 2, 0, 1]])
src = randn(2, 4)
case("scatter_add/axis0", lambda x, i, s: torch.scatter_add(x, 0, i, s), [base, idx, src], [0, 2], axis=0)
idx1 = torch.tensor([[3, 3], [0, 1], [2, 0]])
src1 = randn(3, 3)
case("scatter_add/axis1-partial", lambda x, i, s: torch.scatter_add(x, 1, i, s), [base, idx1, src1], [0], axis=1)  # torch 1.13 cannot differentiate src here
ia = torch.tensor([2, 0, 2])
case("index_add/axis0", lambda x, i, s: torch.index_add(x, 0, i, s), [base, ia, randn(3, 4)], [0, 2], axis=0)
case("index_add/axis1", lambda x, i, s: torch.index_add(x, 1, i, s), [base, ia, randn(3, 3)], [0, 2], axis=1)

# Padding.
p = randn(2, 3, 4)
case("pad/constant", lambda x: F.pad(x, (1, 2, 0, 1), "constant", 0.5), [p], [0], pads=[1, 2, 0, 1], mode="constant", value=0.5)
case("pad/constant-crop", lambda x: F.pad(x, (-1, 2, 1, -1), "constant", 0.0), [p], [0], pads=[-1, 2, 1, -1], mode="constant", value=0.0)
case("pad/reflect", lambda x: F.pad(x, (2, 3, 1, 2), "reflect"), [p], [0], pads=[2, 3, 1, 2], mode="reflect", value=0.0)
case("pad/replicate", lambda x: F.pad(x, (3, 1, 2, 0), "replicate"), [p], [0], pads=[3, 1, 2, 0], mode="replicate", value=0.0)
case("pad/circular", lambda x: F.pad(x, (2, 1), "circular"), [p], [0], pads=[2, 1], mode="circular", value=0.0)

# Einsum.
einsums = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->ji", [(2, 3)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ijk,jl->lik", [(2, 3, 4), (3, 2)]),
    ("ij,ij->i", [(3, 4), (3, 4)]),
    ("iij->j", [(3, 3, 2)]),
    ("ba,ab", [(3, 2), (2, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("bi,bj->bij", [(2, 3), (2, 4)]),
    ("ij->", [(2, 3)]),
    ("ab,cd->abcd", [(1, 2), (2, 1)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i...j,j->...i", [(3, 2, 4), (4,)]),
    ("...ij->ij", [(2, 3, 4)]),
    ("ba...", [(2, 3, 4)]),
    ("...ii->...i", [(2, 3, 3)]),
]
for eq, shapes in einsums:
    ins = [randn(*s) for s in shapes]
    case("einsum/" + eq, lambda *xs, eq=eq: torch.einsum(eq, *xs), ins, list(range(len(ins))), equation=eq)

# Comparisons and Where.
a = torch.tensor([[1.0, 2.0, float("nan")], [4.0, -1.0, 0.0]], dtype=torch.float64)
b = torch.tensor([2.0, 2.0, 0.0], dtype=torch.float64)
for name, fn in [("greater", torch.gt), ("greater_equal", torch.ge), ("less", torch.lt),
                 ("less_equal", torch.le), ("equal", torch.eq), ("not_equal", torch.ne)]:
    case("compare/" + name, fn, [a, b], [])
case("where/greater", lambda x, y: torch.where(x > y, x * 2, y - x), [randn(2, 3), randn(3)], [0, 1])

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "newops_fixtures.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=None, separators=(",", ":"), allow_nan=False)
    f.write("\n")
print("wrote", len(cases), "cases to", path)
