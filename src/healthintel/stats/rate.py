"""Crude rates with Byar's / exact Poisson confidence intervals (PHEindicatormethods ``phe_rate``).

Owns :func:`rate`. Row-wise when ``by`` is None, otherwise counts and populations are summed within groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._ci import check_multiplier, check_positive, format_number, poisson_limits, summed_counts
from ._common import check_finite_non_negative, metadata, parse_confidence, require_columns

__all__ = ["rate"]


def rate(data: pd.DataFrame, count: str, population: str, *, by=None, confidence=0.95, multiplier=100_000):
    """Crude rate ``count / population × multiplier`` with Poisson confidence limits.

    Parameters
    ----------
    data : DataFrame
        One row per area/group (or sub-groups to be summed with ``by``).
    count : str
        Column of event counts (≥ 0; missing gives a missing result). Counts may exceed the population
        (e.g. repeat admissions).
    population : str
        Column of populations or person-years (> 0).
    by : str or list of str, optional
        Group columns; counts and populations are summed within groups (no NA removal). Without ``by`` the
        rate is computed row by row, keeping the input rows and index.
    confidence : float or tuple, default 0.95
        0.95 or 95, or ``(0.95, 0.998)``.
    multiplier : float, default 100_000
        Rate per ``multiplier`` population.

    Returns
    -------
    DataFrame
        Input rows (or group columns plus summed ``count``/``population``) with ``value``, the limits,
        ``confidence``, ``statistic`` (``"rate per 100000"``) and ``method``: ``"Exact"`` for counts below 10,
        ``"Byars"`` otherwise, missing where the count is missing.

    Raises
    ------
    InvalidInputError
        Negative counts, populations ≤ 0, non-numeric columns, bad multiplier or confidence.

    Notes
    -----
    For ``O < 10`` the limits are the exact Poisson limits ``χ²_{α/2}(2O)/2`` and ``χ²_{1−α/2}(2O+2)/2``; for
    ``O ≥ 10`` Byar's approximation ``O(1 − 1/(9O) ∓ z/(3√O))³`` (upper with ``O + 1``). Both are divided by
    the population and multiplied by ``multiplier``.

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, vol II. Lyon: IARC; 1987 (Byar's method).
    Ulm K. A simple method to calculate the confidence interval of a standardized mortality ratio. Am J Epidemiol
    1990;131:373-5 (exact limits). PHEindicatormethods 2.1.0 ``phe_rate``.
    """
    require_columns(data, count=count, population=population, by=by)
    check_finite_non_negative(data, count, arg="count", by=by, allow_na=True)
    check_positive(data, population, arg="population", by=by)
    multiplier = check_multiplier(multiplier)
    conf = parse_confidence(confidence)

    x, n, out = summed_counts(data, count, population, by)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = x / n * multiplier
        method = None
        for c, (lo, hi) in zip(conf.levels, conf.columns):
            lower, upper, method = poisson_limits(x, c)
            out[lo] = lower / n * multiplier
            out[hi] = upper / n * multiplier
    out = metadata(out, conf, f"rate per {format_number(multiplier)}", "")
    out["method"] = method
    return out
