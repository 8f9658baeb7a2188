#!/usr/bin/env python3
"""Independent reference for the deflated Sharpe ratio (Bailey & Lopez de Prado 2014).

Written from the paper's formulas with Python's own statistics.NormalDist; no NovaPulse code.
  E[max SR] = sqrt(V) * ((1 - g) * Z^-1(1 - 1/N) + g * Z^-1(1 - 1/(N e))),  g = Euler-Mascheroni
  DSR = Z((SR - E[max SR]) * sqrt(T - 1) / sqrt(1 - skew * SR + (kurt - 1) / 4 * SR^2))
Prints the values that Tests/NovaResearchTests/OptimizerTests.swift expects.
Run: python3 make_deflated_sharpe_reference.py
"""
import math
from statistics import NormalDist

N = NormalDist()
g = 0.5772156649015329

def expected_max(n, v):
    return math.sqrt(v) * ((1 - g) * N.inv_cdf(1 - 1 / n) + g * N.inv_cdf(1 - 1 / (n * math.e)))

def psr(sr, bench, t, skew, kurt):
    return N.cdf((sr - bench) * math.sqrt(t - 1) / math.sqrt(1 - skew * sr + (kurt - 1) / 4 * sr * sr))

for (sr, n, v, t, skew, kurt) in [(0.1, 100, 0.002, 1250, -3, 10), (0.004, 48, 1e-6, 525599, 0.3, 40)]:
    e = expected_max(n, v)
    print(f"SR {sr} N {n} V {v} T {t} skew {skew} kurt {kurt}: E[max] {e!r} DSR {psr(sr, e, t, skew, kurt)!r}")
