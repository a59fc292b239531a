#!/usr/bin/python3
"""Fits the polynomials of Atan and Erf in internal/kernel/transgen.go.

Each fit is a weighted minimax polynomial, found by Lawson's iteration
(iteratively reweighted least squares, which converges to the minimax
solution) on Chebyshev points, in mpmath at 40 digits; the coefficients are
then rounded to float64 (or float32) and the rounded polynomial, evaluated by
Horner's rule with one rounding per fused multiply-add as the loops do, is
measured on a dense grid. Run: /usr/bin/python3 transfit.py (a few minutes).
It prints the coefficient lists, highest degree first, as Go literals.
"""
import struct
import mpmath as mp

mp.mp.dps = 40


def rnd(v, bits):
    """v rounded to the nearest float64 (bits 64) or float32 (bits 32)."""
    d = float(v)
    if bits == 32:
        d = struct.unpack('f', struct.pack('f', d))[0]
    return mp.mpf(d)


def lawson(f, w, lo, hi, n, m=240, iters=40, center=0):
    """Coefficients c[0..n-1] (lowest degree first) of the polynomial in
    t = x - center minimising max |w(x)·(p(t) - f(x))| on [lo, hi]."""
    xs = [(lo + hi) / 2 + (hi - lo) / 2 * mp.cos(mp.pi * (k + mp.mpf(0.5)) / m) for k in range(m)]
    fx = [f(x) for x in xs]
    wx = [w(x) for x in xs]
    # The columns are scaled to [-1, 1] for conditioning.
    sc = max(abs(lo - center), abs(hi - center))
    rows = [[((x - center) / sc) ** j for j in range(n)] for x in xs]
    lw = [mp.mpf(1)] * m
    for _ in range(iters):
        A = mp.matrix(m, n)
        b = mp.matrix(m, 1)
        for i in range(m):
            s = mp.sqrt(lw[i]) * wx[i]
            for j in range(n):
                A[i, j] = rows[i][j] * s
            b[i] = fx[i] * s
        c = mp.qr_solve(A, b)[0]
        errs = [abs(sum(c[j] * rows[i][j] for j in range(n)) - fx[i]) * wx[i] for i in range(m)]
        tot = sum(lw[i] * errs[i] for i in range(m))
        lw = [lw[i] * errs[i] / tot for i in range(m)]
    return [c[j] / sc ** j for j in range(n)]


def horner(cs, t, bits):
    """Horner's rule, highest degree first, one rounding per FMA."""
    acc = cs[0]
    for c in cs[1:]:
        acc = rnd(acc * t + c, bits)
    return acc


def report(name, f, w, lo, hi, n, bits, center=0):
    c = lawson(f, w, lo, hi, n, center=center)
    cs = [rnd(v, bits) for v in reversed(c)]
    worst = max(abs(horner(cs, rnd(x - center, bits), bits) - f(x)) * w(x) for x in mp.linspace(lo, hi, 3001))
    print("// %s: %d coefficients on [%s, %s], weighted error 2^%.1f" % (name, n, mp.nstr(lo, 8), mp.nstr(hi, 8), float(mp.log(worst, 2))))
    print("{" + ", ".join(float(v).hex() if bits == 64 else float(v).hex() for v in cs) + "},")


def atanP(z):
    """(atan √z / √z - 1)/z, so that atan r = r + r³·P(r²)."""
    if z < mp.mpf('1e-30'):
        return -mp.mpf(1) / 3 + z / 5
    s = mp.sqrt(z)
    return (mp.atan(s) / s - 1) / z


C0 = 2 / mp.sqrt(mp.pi)


def erfE(z):
    """(erf √z / √z - 2/√π + 2/√π·z/3)/z², so that
    erf x = x·(2/√π - 2/√π·z/3 + z²·E(z)), z = x²."""
    if z < mp.mpf('1e-12'):
        return C0 / 10 - C0 * z / 42
    s = mp.sqrt(z)
    return (mp.erf(s) / s - C0 + C0 * z / 3) / z ** 2


def erfG(x):
    """erfc x · e^(x²), so that erf x = 1 - e^(-x²)·G(x)."""
    return mp.erfc(x) * mp.exp(x * x)


if __name__ == "__main__":
    tan8sq = (mp.sqrt(2) - 1) ** 2
    one = lambda x: mp.mpf(1)
    # atan r = r + r³P: the error of P counts at weight z (relative to r).
    report("atan float64", atanP, lambda z: z, 0, tan8sq, 12, 64)
    report("atan float32", atanP, lambda z: z, 0, tan8sq, 6, 32)
    # erf, |x| < 1: x·z²·E relative to erf x ≈ x·2/√π.
    report("erf small float64", erfE, lambda z: z * z, 0, 1, 12, 64)
    report("erf small float32", erfE, lambda z: z * z, 0, 1, 6, 32)
    # erf, 1 ≤ |x| ≤ 6 (float32: 4), in t = x - 3 (x - 2.5): the error of G
    # counts at weight e^(-x²) (absolute, erf ≈ 1).
    report("erf large float64", erfG, lambda x: mp.exp(-x * x), 1, 6, 22, 64, center=3)
    report("erf large float32", erfG, lambda x: mp.exp(-x * x), 1, 4, 11, 32, center=mp.mpf(2.5))
