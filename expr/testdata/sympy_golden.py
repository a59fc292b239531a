#!/usr/bin/env python3
"""Generate random expressions of package expr's grammar and their exact
values, gradients and Hessians at random points, computed by sympy, into
sympy_golden.json. The Go test TestSympyGolden compares nabla's derivatives
with them.

    python3 expr/testdata/sympy_golden.py            # rewrites the file

Each function is applied only where the point is well inside its domain and
away from its kinks (relu, abs, max, min), so that the exact derivatives exist
and are moderate. The run is deterministic (seeded).
"""
import json
import math
import os
import random
import re
import sys

import sympy as sp

N = 300
DIM = 3  # length of the vector variable w
rng = random.Random(20240601)

x, y = sp.symbols("x y", real=True)
W = sp.symbols("w0:%d" % DIM, real=True)


def sigmoid(a):
    return 1 / (1 + sp.exp(-a))


def softplus(a):
    return sp.log(1 + sp.exp(a))


class Gen:
    """Builds an expression as (text, sympy expression, float value); vector
    expressions carry lists of sympy expressions and values."""

    def __init__(self, pt):
        self.pt = pt  # symbol -> float

    def leaf(self):
        r = rng.random()
        if r < 0.4:
            return "x", x, self.pt[x]
        if r < 0.7:
            return "y", y, self.pt[y]
        if r < 0.85:
            i = rng.randrange(DIM)
            return "w[%d]" % i, W[i], self.pt[W[i]]
        c = rng.choice([0.5, 2, 3, 1.5, 0.25, 4])
        return repr(c), sp.Rational(str(c)), c

    def scalar(self, depth):
        if depth == 0:
            return self.leaf()
        for _ in range(20):
            r = rng.random()
            if r < 0.35:
                out = self.binop(depth)
            elif r < 0.7:
                out = self.func(depth)
            elif r < 0.85:
                out = self.reduce(depth)
            else:
                out = self.power(depth)
            if out is not None and abs(out[2]) < 1e3:
                return out
        return self.leaf()

    def binop(self, depth):
        a, b = self.scalar(depth - 1), self.scalar(depth - 1)
        op = rng.choice("+-*/")
        if op == "/" and abs(b[2]) < 0.3:
            return None
        val = {"+": a[2] + b[2], "-": a[2] - b[2], "*": a[2] * b[2], "/": a[2] / b[2] if b[2] else 0}[op]
        sym = {"+": a[1] + b[1], "-": a[1] - b[1], "*": a[1] * b[1], "/": a[1] / b[1]}[op]
        return "(%s %s %s)" % (a[0], op, b[0]), sym, val

    def power(self, depth):
        a = self.scalar(depth - 1)
        if rng.random() < 0.3:  # variable exponent: nabla.Pow
            b = self.scalar(depth - 1)
            if a[2] < 0.3 or abs(b[2] * math.log(a[2])) > 4:
                return None
            form = rng.choice(["(%s ^ %s)", "pow(%s, %s)", "(%s ** %s)"])
            return form % (a[0], b[0]), a[1] ** b[1], a[2] ** b[2]
        c = rng.choice([2, 3, -1, 0.5, 1.5, -2])
        if (c != int(c) and a[2] < 0.3) or (c < 0 and abs(a[2]) < 0.3):
            return None
        cs = sp.Rational(str(c))
        text = "(%s ^ %s)" % (a[0], c) if c > 0 else "(%s ^ (%s))" % (a[0], c)
        if c == -1 and rng.random() < 0.5:
            text = "(%s^-1)" % a[0]
        return text, a[1] ** cs, a[2] ** c

    def func(self, depth):
        name = rng.choice(["exp", "log", "log1p", "expm1", "sqrt", "abs", "sin", "cos", "tan", "tanh",
                           "sigmoid", "relu", "softplus", "max", "min", "neg"])
        a = self.scalar(depth - 1)
        v = a[2]
        if name in ("max", "min"):
            b = self.scalar(depth - 1)
            if abs(v - b[2]) < 0.1:
                return None
            f = sp.Max if name == "max" else sp.Min
            return "%s(%s, %s)" % (name, a[0], b[0]), f(a[1], b[1]), (max if name == "max" else min)(v, b[2])
        if name == "neg":
            return "(-%s)" % a[0], -a[1], -v
        ok = {
            "exp": abs(v) < 4, "expm1": abs(v) < 4, "log": v > 0.3, "log1p": v > -0.7, "sqrt": v > 0.3,
            "abs": abs(v) > 0.1, "relu": abs(v) > 0.1, "tan": abs(math.cos(v)) > 0.4, "softplus": abs(v) < 20,
        }.get(name, True)
        if not ok:
            return None
        sym = {
            "exp": sp.exp, "log": sp.log, "log1p": lambda t: sp.log(1 + t), "expm1": lambda t: sp.exp(t) - 1,
            "sqrt": sp.sqrt, "abs": sp.Abs, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "tanh": sp.tanh,
            "sigmoid": sigmoid, "relu": lambda t: sp.Max(0, t), "softplus": softplus,
        }[name](a[1])
        val = {
            "exp": math.exp, "log": math.log, "log1p": math.log1p, "expm1": math.expm1, "sqrt": math.sqrt,
            "abs": abs, "sin": math.sin, "cos": math.cos, "tan": math.tan, "tanh": math.tanh,
            "sigmoid": lambda t: 1 / (1 + math.exp(-t)), "relu": lambda t: max(0.0, t),
            "softplus": lambda t: math.log1p(math.exp(t)),
        }[name](v)
        return "%s(%s)" % (name, a[0]), sym, val

    def vector(self, depth):
        """A vector expression: w, an elementwise function of one, or one
        combined with a scalar."""
        if depth <= 1 or rng.random() < 0.4:
            return "w", list(W), [self.pt[s] for s in W]
        v = self.vector(depth - 1)
        r = rng.random()
        if r < 0.3:
            name = rng.choice(["sin", "tanh", "exp", "sigmoid", "cos"])
            f = {"sin": (sp.sin, math.sin), "tanh": (sp.tanh, math.tanh), "exp": (sp.exp, math.exp),
                 "sigmoid": (sigmoid, lambda t: 1 / (1 + math.exp(-t))), "cos": (sp.cos, math.cos)}[name]
            if name == "exp" and max(abs(t) for t in v[2]) > 4:
                return v
            return "%s(%s)" % (name, v[0]), [f[0](s) for s in v[1]], [f[1](t) for t in v[2]]
        if r < 0.5:
            return "(%s ^ 2)" % v[0], [s ** 2 for s in v[1]], [t ** 2 for t in v[2]]
        s = self.scalar(depth - 2)
        op = rng.choice("+*-")
        fs = {"+": lambda a, b: a + b, "*": lambda a, b: a * b, "-": lambda a, b: a - b}[op]
        if rng.random() < 0.5:
            return "(%s %s %s)" % (v[0], op, s[0]), [fs(e, s[1]) for e in v[1]], [fs(t, s[2]) for t in v[2]]
        return "(%s %s %s)" % (s[0], op, v[0]), [fs(s[1], e) for e in v[1]], [fs(s[2], t) for t in v[2]]

    def reduce(self, depth):
        v = self.vector(depth - 1)
        name = rng.choice(["sum", "mean", "norm", "logsumexp", "dot", "index"])
        if name == "sum":
            return "sum(%s)" % v[0], sp.Add(*v[1]), sum(v[2])
        if name == "mean":
            return "mean(%s)" % v[0], sp.Add(*v[1]) / DIM, sum(v[2]) / DIM
        if name == "norm":
            n = math.sqrt(sum(t * t for t in v[2]))
            if n < 0.3:
                return None
            return "norm(%s)" % v[0], sp.sqrt(sp.Add(*[s ** 2 for s in v[1]])), n
        if name == "logsumexp":
            if max(abs(t) for t in v[2]) > 20:
                return None
            return ("logsumexp(%s)" % v[0], sp.log(sp.Add(*[sp.exp(s) for s in v[1]])),
                    math.log(sum(math.exp(t) for t in v[2])))
        if name == "dot":
            u = self.vector(depth - 1)
            return ("dot(%s, %s)" % (v[0], u[0]), sp.Add(*[a * b for a, b in zip(v[1], u[1])]),
                    sum(a * b for a, b in zip(v[2], u[2])))
        i = rng.randrange(DIM)
        return "(%s)[%d]" % (v[0], i), v[1][i], v[2][i]


def num(e):
    v = sp.N(e, 40)
    if not v.is_real:
        raise ValueError("not real: %s" % v)
    return float(v)


def case():
    pt = {x: round(rng.uniform(-1.5, 1.5), 3), y: round(rng.uniform(-1.5, 1.5), 3)}
    for s in W:
        pt[s] = round(rng.uniform(-1.5, 1.5), 3)
    text, sym, _ = Gen(pt).scalar(rng.choice([2, 3, 3, 4]))
    # The variables the text uses: sympy may cancel some (sigmoid(y) /
    # sigmoid(y) is 1), but the Go side must be given them all.
    used = set(re.findall(r"\b[xyw]\b", text))
    if not used:
        return None
    # Coordinates in the order of Point.Coords: variables sorted by name, w
    # flattened; only the variables the expression uses are given.
    coords, syms, at = [], [], {}
    for name in sorted(used):
        if name == "w":
            coords += ["w[%d]" % i for i in range(DIM)]
            syms += list(W)
            at["w"] = [pt[s] for s in W]
        else:
            s = {"x": x, "y": y}[name]
            coords.append(name)
            syms.append(s)
            at[name] = pt[s]
    # Exact point values: the decimals the Go test parses.
    subs = {s: sp.Rational(str(pt[s])) for s in syms}
    value = num(sym.subs(subs))
    grads = [sp.diff(sym, s) for s in syms]
    grad = [num(g.subs(subs)) for g in grads]
    hess = [[num(sp.diff(g, s).subs(subs)) for s in syms] for g in grads]
    if abs(value) > 1e4 or max(abs(v) for v in grad + sum(hess, [])) > 1e6:
        return None
    return {"expr": text, "at": at, "coords": coords, "value": value, "grad": grad, "hessian": hess}


def main():
    cases = []
    while len(cases) < N:
        try:
            c = case()
        except (ValueError, TypeError, ZeroDivisionError, OverflowError):
            c = None
        if c is not None:
            cases.append(c)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sympy_golden.json")
    with open(out, "w") as f:
        # One case a line, so that a diff shows which cases changed.
        f.write('{"generator": "sympy %s", "cases": [\n' % sp.__version__)
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    print("wrote %d cases to %s" % (len(cases), out), file=sys.stderr)


if __name__ == "__main__":
    main()
