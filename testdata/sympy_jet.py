#!/usr/bin/env python3
"""Exact Taylor coefficients, by sympy, of two scalar expressions of about
twenty operations each along polynomial curves x(t), y(t) of degree 3, to
order 6, into sympy_jet.json. The Go test TestJetSympy builds the same
expressions with nabla's ops and compares Jet's coefficients with these.

    /usr/bin/python3 testdata/sympy_jet.py      # rewrites sympy_jet.json

A coefficient j of a curve is its normalised Taylor coefficient: x(t) =
x0 + x1*t + x2*t^2 + x3*t^3; the output's are c_j = (1/j!) d^j/dt^j f at 0.
"""
import json
import os

import sympy as sp

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = 6
t, x, y = sp.symbols("t x y", real=True)


def sigmoid(u):
    return 1 / (1 + sp.exp(-u))


# The expressions, written as TestJetSympy writes them with nabla's ops
# (one op per call or operator).
EXPRS = {
    # sin mul exp square add div square log1p sub tanh mul mul cos add sqrt
    # sigmoid pow3 mul add add sub: 21 ops
    "A": sp.exp(sp.sin(x) * y) / (1 + x**2) + sp.log(1 + y**2) * sp.tanh(x - y)
    + sp.sqrt(2 + sp.cos(x * y)) - sigmoid(x) * y**3,
    # square add pow div erf add atan2 mul softplus div expm1 div tan add div
    # add log add add sub add: 21 ops
    "B": (sp.Rational(3, 2) + x**2) ** y * sp.erf(x / 3) + sp.atan2(y, 2 + x)
    - sp.log(1 + sp.exp(x * y)) + (sp.exp(x / 4) - 1) / (2 + sp.tan(y / 3)) + sp.log(3 + x),
}

# Points and curves: coefficients 0..3 of x(t) and y(t).
CURVES = [
    {"x": ["0.4", "0.8", "-0.3", "0.25"], "y": ["-0.7", "0.3", "0.5", "-0.2"]},
    {"x": ["-0.9", "0.6", "0.2", "0"], "y": ["1.1", "-0.4", "0", "0.35"]},
    {"x": ["1.3", "-0.2", "0.7", "-0.5"], "y": ["0.2", "1", "-0.6", "0.1"]},
]


def main():
    cases = []
    for name, e in EXPRS.items():
        for cv in CURVES:
            xt = sum(sp.Rational(c) * t**j for j, c in enumerate(cv["x"]))
            yt = sum(sp.Rational(c) * t**j for j, c in enumerate(cv["y"]))
            cur = e.subs({x: xt, y: yt}, simultaneous=True)
            coef = []
            for j in range(ORDER + 1):
                coef.append(float(sp.N(cur.subs(t, 0) / sp.factorial(j), 40)))
                cur = sp.diff(cur, t)
            cases.append({"expr": name, "x": [float(c) for c in cv["x"]], "y": [float(c) for c in cv["y"]], "coef": coef})
    with open(os.path.join(HERE, "sympy_jet.json"), "w") as f:
        f.write('{"generator": "sympy %s", "order": %d, "cases": [\n' % (sp.__version__, ORDER))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
