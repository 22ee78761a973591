"""Means with Student's t confidence intervals (PHEindicatormethods ``phe_mean``).

Owns :func:`mean`. Always aggregates: one row for the whole frame, or one row per group with ``by``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _sps

from ..errors import InvalidInputError, describe_rows
from ._common import as_list, grouper, metadata, numeric, parse_confidence, require_columns

__all__ = ["mean"]


def mean(data: pd.DataFrame, value: str, *, by=None, confidence=0.95):
    """Mean of ``value`` with a Student's t confidence interval, per group.

    Parameters
    ----------
    data : DataFrame
        One row per observation.
    value : str
        Numeric column to average. Any missing value makes its group's sum, standard deviation, mean and
        limits missing (missing values are still counted in ``value_count``, as in PHEindicatormethods).
    by : str or list of str, optional
        Group columns (groups in order of first appearance). Without ``by`` one row for all data.
    confidence : float or tuple, default 0.95
        0.95 or 95, or ``(0.95, 0.998)``.

    Returns
    -------
    DataFrame
        Group columns, ``value_sum``, ``value_count``, ``stdev`` (sample SD, n − 1), ``value``, the limits,
        ``confidence``, ``statistic`` (``"mean"``) and ``method`` (``"Student's t-distribution"``).

    Notes
    -----
    ``value ∓ t_{1−α/2, n−1} · s / √n``. A group of one observation has a missing SD and missing limits.

    References
    ----------
    Student. The probable error of a mean. Biometrika 1908;6:1-25. PHEindicatormethods 2.1.0 ``phe_mean``.
    """
    require_columns(data, value=value, by=by)
    x = numeric(data, value, arg="value")
    if np.isinf(x).any():
        raise InvalidInputError(
            f"value column {value!r} has infinite values in {describe_rows(data, np.isinf(x), as_list(by) + [value])}. "
            "Correct them, or leave them missing (a missing value makes its group's mean missing)."
        )
    conf = parse_confidence(confidence)
    groups = grouper(data, by)
    count = groups.count().astype(float)
    total = groups.sum(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        avg = total / count
        # two-pass variance: exact for large values (no catastrophic cancellation)
        dev2 = groups.sum((x - avg[groups.codes]) ** 2)
        sd = np.sqrt(dev2 / (count - 1))
        sd = np.where(count > 1, sd, np.nan)
        se = sd / np.sqrt(count)
    out = groups.keys.copy() if groups.by else pd.DataFrame(index=range(1))
    out["value_sum"] = total
    out["value_count"] = count.astype(np.int64)
    out["stdev"] = sd
    out["value"] = avg
    for c, (lo, hi) in zip(conf.levels, conf.columns):
        with np.errstate(invalid="ignore"):
            t = np.abs(_sps.t.ppf((1 - c) / 2, count - 1))
        out[lo] = avg - t * se
        out[hi] = avg + t * se
    return metadata(out, conf, "mean", "Student's t-distribution")
