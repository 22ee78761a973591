"""Independent implementations of the published methods, written for the tests from the method notes (plain
numpy/scipy), never through healthintel: each is checked against ../shared/reference vectors in
``test_methods.py`` before it is trusted to check the chapters.

- :func:`wilson` — Wilson score interval (no continuity correction), as Fingertips;
- :func:`newcombe` — Newcombe's hybrid score interval for a difference of proportions (method 10);
- :func:`round5` — OHID's NCMP rounding of counts to the nearest 5;
- :func:`phe_quantile` — OHID's count-based deprivation categories (``phe_quantile``);
- :func:`chiang` — the Chiang II abridged life table with Silcocks et al.'s confidence limits;
- :func:`sii_point` — the slope index of inequality's point estimate (population-weighted regression on the
  mid-point of each category's cumulative population share).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

Z95 = norm.ppf(0.975)


def wilson(num, den, z: float = Z95):
    """(p, lower, upper) in % for counts ``num`` of ``den``."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    p = num / den
    centre = 2 * num + z ** 2
    half = z * np.sqrt(z ** 2 + 4 * num * (1 - p))
    return 100 * p, 100 * (centre - half) / (2 * (den + z ** 2)), 100 * (centre + half) / (2 * (den + z ** 2))


def newcombe(n1, d1, n2, d2):
    """(difference, lower, upper) in percentage points of p1 - p2, Newcombe method 10 (Wilson limits)."""
    p1, l1, u1 = wilson(n1, d1)
    p2, l2, u2 = wilson(n2, d2)
    d = p1 - p2
    return d, d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def round5(x):
    """Counts to the nearest 5."""
    return 5 * np.floor(np.asarray(x, dtype=float) / 5 + 0.5)


def phe_quantile(values, n: int):
    """Count-based categories, 1 = highest value: rank r of the value from the highest (ties share the lowest
    rank), quantile = n + 1 - ceil((N + 1 - r) / (N / n)), 0 -> 1 (OHID, PHEindicatormethods invert = TRUE)."""
    v = np.asarray(values, dtype=float)
    big = len(v)
    order = np.sort(-v)
    r = np.searchsorted(order, -v, side="left") + 1  # rank of -value, ties -> lowest rank
    q = np.floor(n + 1 - np.ceil((big + 1 - r) / (big / n))).astype(int)
    return np.where(q == 0, 1, q)


BANDS = np.array([0, 1, *range(5, 95, 5)])


def chiang(deaths, pops, ages=(0, 65), z: float = Z95):
    """Life expectancy at ``ages`` with Silcocks 95% limits from 20 bands of deaths and populations: a = 0.1 in
    the first year of life and 0.5 otherwise; the last band closed by l / M. Returns {age: (e, lower, upper)}."""
    d, p = np.asarray(deaths, dtype=float), np.asarray(pops, dtype=float)
    n = np.diff(np.append(BANDS, np.nan))
    a = np.where(BANDS == 0, 0.1, 0.5)
    m = d / p
    q = n * m / (1 + n * (1 - a) * m)
    q[-1] = 1.0
    ell = np.empty(20)
    ell[0] = 100_000.0
    for i in range(1, 20):
        ell[i] = ell[i - 1] * (1 - q[i - 1])
    dd = ell * q
    big_l = n * (np.append(ell[1:], 0) + a * dd)
    big_l[-1] = ell[-1] / m[-1]
    t = np.cumsum(big_l[::-1])[::-1]
    e = t / ell
    var_q = np.where(d > 0, q ** 2 * (1 - q) / np.where(d > 0, d, 1), 0.0)
    e_next = np.append(e[1:], 0)
    w = ell ** 2 * ((1 - a) * n + e_next) ** 2 * var_q
    w[-1] = (ell[-1] / 2) ** 2 * 4 / (d[-1] * m[-1] ** 2) if d[-1] > 0 else 0.0
    out = {}
    for age in ages:
        i = int(np.flatnonzero(np.equal(BANDS, age))[0])
        se = np.sqrt(np.sum(w[i:]) / ell[i] ** 2)
        out[age] = (e[i], e[i] - z * se, e[i] + z * se)
    return out


def sii_point(values, populations):
    """SII point estimate: slope of the population-weighted least-squares line of ``values`` (category 1 first,
    the most deprived) on the mid-point of each category's cumulative population share (0 to 1)."""
    y, w = np.asarray(values, dtype=float), np.asarray(populations, dtype=float)
    share = w / w.sum()
    x = np.cumsum(share) - share / 2
    xbar, ybar = np.sum(share * x), np.sum(share * y)
    return np.sum(share * (x - xbar) * (y - ybar)) / np.sum(share * (x - xbar) ** 2)
