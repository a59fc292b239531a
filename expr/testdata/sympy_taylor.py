#!/usr/bin/env python3
"""Generate random expressions of package expr's grammar (with the generator
of sympy_golden.py), random points and directions, and the exact Taylor
coefficients c_0..c_6 of t -> e(p + t*d) at t = 0, computed by sympy, into
sympy_taylor.json. The Go test TestSympyTaylor compares expr.Taylor (that is,
nabla.TaylorCoefficients) with them.

    /usr/bin/python3 expr/testdata/sympy_taylor.py      # rewrites the file

The run is deterministic (seeded); cases sympy needs more than a few seconds
for are skipped.
"""
import importlib.util
import json
import os
import random
import re
import signal
import sys

import sympy as sp

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("golden", os.path.join(HERE, "sympy_golden.py"))
g = importlib.util.module_from_spec(spec)
spec.loader.exec_module(g)

N = 8
ORDER = 6
g.rng = random.Random(20261206)
rng = g.rng
t = sp.symbols("t", real=True)


def ops(text):
    """A rough count of the expression's operations: operators and calls."""
    return len(re.findall(r"[-+*/^]|\w+\(", text))


class Timeout(Exception):
    pass


def alarm(*_):
    raise Timeout()


def case():
    pt = {g.x: round(rng.uniform(-1.5, 1.5), 3), g.y: round(rng.uniform(-1.5, 1.5), 3)}
    for s in g.W:
        pt[s] = round(rng.uniform(-1.5, 1.5), 3)
    text, sym, _ = g.Gen(pt).scalar(rng.choice([3, 4, 4]))
    used = set(re.findall(r"\b[xyw]\b", text))
    if not used or ops(text) < 12:
        return None
    coords, syms, at, direction = [], [], {}, []
    for name in sorted(used):
        if name == "w":
            coords += ["w[%d]" % i for i in range(g.DIM)]
            syms += list(g.W)
            at["w"] = [pt[s] for s in g.W]
        else:
            s = {"x": g.x, "y": g.y}[name]
            coords.append(name)
            syms.append(s)
            at[name] = pt[s]
    direction = [round(rng.uniform(-1, 1), 2) for _ in syms]
    line = sym.subs({s: sp.Rational(str(pt[s])) + sp.Rational(str(d)) * t for s, d in zip(syms, direction)}, simultaneous=True)
    coef, cur = [], line
    for j in range(ORDER + 1):
        coef.append(g.num(cur.subs(t, 0) / sp.factorial(j)))
        cur = sp.diff(cur, t)
    if max(abs(c) for c in coef) > 1e6:
        return None
    return {"expr": text, "ops": ops(text), "at": at, "coords": coords, "direction": direction, "coef": coef}


# Hand-written expressions of twenty and more operations, and their sympy
# forms, expanded first.
FIXED = [
    ("sin(x*y) + exp(-x^2) * log1p(y^2) / (1 + sigmoid(x - y)) - tanh(x)*cos(y) + sqrt(1 + x^2)",
     sp.sin(g.x * g.y) + sp.exp(-g.x**2) * sp.log(1 + g.y**2) / (1 + 1 / (1 + sp.exp(-(g.x - g.y))))
     - sp.tanh(g.x) * sp.cos(g.y) + sp.sqrt(1 + g.x**2),
     {"x": 0.4, "y": -0.7}, [0.8, 0.3]),
    ("softplus(x) * exp(sin(y) - x/3) + tan(x*y/4) - log(2 + cos(x + y)) * sigmoid(y) + x^3 * y - expm1(x*y/2)",
     sp.log(1 + sp.exp(g.x)) * sp.exp(sp.sin(g.y) - g.x / 3) + sp.tan(g.x * g.y / 4)
     - sp.log(2 + sp.cos(g.x + g.y)) / (1 + sp.exp(-g.y)) + g.x**3 * g.y - (sp.exp(g.x * g.y / 2) - 1),
     {"x": -0.3, "y": 0.9}, [-0.5, 1.0]),
]


def fixed():
    out = []
    for text, sym, at, direction in FIXED:
        syms = [g.x, g.y]
        line = sym.subs({s: sp.Rational(str(at[n])) + sp.Rational(str(d)) * t
                         for s, n, d in zip(syms, ["x", "y"], direction)}, simultaneous=True)
        coef, cur = [], line
        for j in range(ORDER + 1):
            coef.append(g.num(cur.subs(t, 0) / sp.factorial(j)))
            cur = sp.diff(cur, t)
        out.append({"expr": text, "ops": ops(text), "at": at, "coords": ["x", "y"], "direction": direction, "coef": coef})
    return out


def main():
    cases = fixed()
    signal.signal(signal.SIGALRM, alarm)
    while len(cases) < N + len(FIXED):
        signal.alarm(20)
        try:
            c = case()
        except (ValueError, TypeError, ZeroDivisionError, OverflowError, Timeout):
            c = None
        finally:
            signal.alarm(0)
        if c is not None:
            cases.append(c)
            print(len(cases), c["ops"], file=sys.stderr)
    with open(os.path.join(HERE, "sympy_taylor.json"), "w") as f:
        f.write('{"generator": "sympy %s", "order": %d, "cases": [\n' % (sp.__version__, ORDER))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
