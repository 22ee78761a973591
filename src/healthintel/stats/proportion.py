"""Proportions with Wilson score confidence intervals (PHEindicatormethods ``phe_proportion``).

Owns :func:`proportion`. Row-wise when ``by`` is None (one result per input row, index kept), otherwise the
numerators and denominators are summed within each group first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._ci import check_multiplier, check_positive, format_number, summed_counts, wilson
from ._common import check_finite_non_negative, check_not_greater, metadata, parse_confidence, require_columns

__all__ = ["proportion"]


def proportion(data: pd.DataFrame, numerator: str, denominator: str, *, by=None, confidence=0.95, multiplier=1):
    """Proportion ``numerator / denominator`` with Wilson score confidence limits.

    Parameters
    ----------
    data : DataFrame
        Counts: one row per area/group (or per sub-group to be summed when ``by`` is given).
    numerator, denominator : str
        Columns holding the number of cases and the population at risk. Missing values give missing results.
    by : str or list of str, optional
        Group columns. Without ``by`` the statistic is computed row by row (same rows and index as ``data``);
        with ``by`` numerators and denominators are summed within groups (a missing count makes the group
        missing) and one row per group is returned, groups in order of first appearance.
    confidence : float, tuple or None, default 0.95
        0.95 or 95, or the pair ``(0.95, 0.998)`` for both Fingertips levels. ``None`` gives the value only.
    multiplier : float, default 1
        1 for a proportion, 100 for a percentage.

    Returns
    -------
    DataFrame
        Input rows (or group columns plus the summed ``numerator``/``denominator``) with ``value``,
        ``lower_ci``, ``upper_ci`` (``lower_ci_95_0`` … for two levels), ``confidence``, ``statistic``
        (``"percentage"`` or ``"proportion of <multiplier>"``) and ``method`` (``"Wilson"``). With
        ``confidence=None`` only ``value`` and ``statistic`` are added, as PHEindicatormethods does.

    Raises
    ------
    InvalidInputError
        Negative numerators, denominators ≤ 0, numerator greater than denominator, non-numeric columns,
        a bad multiplier or confidence level.
    MissingColumnError
        A named column is not in ``data``.

    Notes
    -----
    ``L, U = [2x + z² ∓ z·√(z² + 4x(1 − x/n))] / [2(n + z²)] × multiplier``.

    References
    ----------
    Wilson EB. Probable inference, the law of succession, and statistical inference. J Am Stat Assoc
    1927;22:209-12. Newcombe RG, Altman DG. Proportions and their differences. In: Altman DG et al. (eds)
    Statistics with confidence, 2nd edn. BMJ Books; 2000:46-8. PHEindicatormethods 2.1.0 ``phe_proportion``.
    """
    require_columns(data, numerator=numerator, denominator=denominator, by=by)
    check_finite_non_negative(data, numerator, arg="numerator", by=by, allow_na=True)
    check_positive(data, denominator, arg="denominator", by=by)
    check_not_greater(data, numerator, denominator, what="a proportion needs numerator ≤ denominator", by=by)
    multiplier = check_multiplier(multiplier)
    conf = None if confidence is None else parse_confidence(confidence)

    x, n, out = summed_counts(data, numerator, denominator, by)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = x / n * multiplier
    statistic = "percentage" if multiplier == 100 else f"proportion of {format_number(multiplier)}"
    if conf is None:
        out["statistic"] = statistic
        return out
    for z, (lo, hi) in zip(conf.z, conf.columns):
        lower, upper = wilson(x, n, z)
        out[lo] = lower * multiplier
        out[hi] = upper * multiplier
    return metadata(out, conf, statistic, "Wilson")
