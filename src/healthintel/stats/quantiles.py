"""Deprivation categories (quantiles) of small areas: the OHID rule, count-based or population-weighted.

Owns :func:`assign_quantiles`, the one function every module uses to put areas into deciles/quintiles.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import InvalidInputError, QuantileTieWarning, SuppressionWarning, describe_rows
from ._common import as_list, check_finite_non_negative, grouper, numeric, require_columns

TOO_FEW = "too few areas with values to assign quantiles"


def _warn_straddling_ties(q, q_last, assigned, codes_sorted, groups, value) -> None:
    """One :class:`QuantileTieWarning` when a run of tied values would span two quantiles if ranked apart."""
    straddle = assigned & (q != q_last) & ~np.isnan(q) & ~np.isnan(q_last)
    if not straddle.any():
        return
    which = np.unique(codes_sorted[straddle])
    desc = "all data" if not groups.by else "; ".join(
        ", ".join(f"{c}={v!r}" for c, v in row.items()) for row in groups.keys.iloc[which[:5]].to_dict("records")
    )
    warnings.warn(
        f"assign_quantiles: {int(straddle.sum())} area(s) with tied values of {value!r} straddle a quantile boundary "
        f"({desc}); they all get the quantile of the first of them, so the quantiles are not of equal size. "
        "Review these areas (PHEindicatormethods: manual review needed).",
        QuantileTieWarning,
        stacklevel=3,
    )


def _sorted_runs(groups, valid, key, w) -> dict:
    """One sort over all groups: by group, then by value (NaN last); ties kept together, and (weighted) ordered by
    population so that "the first of the tied areas" never depends on the input's row order. Returns the order,
    the sorted group codes and validity, each group's first position and each run of ties' first/last position."""
    tiebreak = (np.where(valid, w, 0.0),) if w is not None else ()
    order = np.lexsort((*tiebreak, np.where(valid, key, np.inf), groups.codes))
    codes_sorted = groups.codes[order]
    key_sorted = np.where(valid, key, np.inf)[order]
    pos = np.arange(len(order))
    empty = len(order) == 0
    group_start = np.array([], int) if empty else np.r_[0, np.flatnonzero(np.diff(codes_sorted)) + 1]
    start_of = np.zeros(groups.n, dtype=np.int64)
    if not empty:
        start_of[codes_sorted[group_start]] = group_start
    # first and last position of each run of equal (group, key) values: ties share the first's rank
    new_run = np.array([], bool) if empty else np.r_[True, (np.diff(codes_sorted) != 0) | (np.diff(key_sorted) != 0)]
    run_first = pos if empty else np.maximum.accumulate(np.where(new_run, pos, 0))
    run_end = np.array([], bool) if empty else np.r_[new_run[1:], True]
    run_last = pos if empty else np.minimum.accumulate(np.where(run_end, pos, len(order))[::-1])[::-1]
    return {"order": order, "codes": codes_sorted, "valid": valid[order], "group_start": group_start,
            "start_of": start_of, "run_first": run_first, "run_last": run_last}


def _count_rule(runs: dict, count: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """OHID count-based quantile at the first and at the last rank of each run of ties."""
    codes = runs["codes"]
    N = count[codes].astype(float)

    def rule(first):
        r = (first - runs["start_of"][codes] + 1).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = n + 1 - np.ceil((N + 1 - r) / (N / n))
        return np.where(out == 0, 1, out)

    return rule(runs["run_first"]), rule(runs["run_last"])


def _weighted_rule(runs: dict, w: np.ndarray, valid: np.ndarray, n_groups: int, n: int):
    """Population-weighted quantile (by each area's population mid-point) at the first and last area of each run."""
    order, codes, group_start = runs["order"], runs["codes"], runs["group_start"]
    ws = np.where(valid[order], w[order], 0.0)
    cum = np.cumsum(ws)
    group_total = np.bincount(codes, weights=ws, minlength=n_groups)
    before_group = np.zeros(n_groups)
    if len(order):
        before_group[codes[group_start]] = cum[group_start] - ws[group_start]
    mid_all = cum - ws / 2 - before_group[codes]
    with np.errstate(divide="ignore", invalid="ignore"):
        q_all = np.clip(np.floor(mid_all / group_total[codes] * n) + 1, 1, n)
    return q_all[runs["run_first"]], q_all[runs["run_last"]]  # ties: the quantile of the first tied area


def assign_quantiles(
    data: pd.DataFrame,
    value: str,
    *,
    n: int = 10,
    by=None,
    highest_first: bool = True,
    weights: str | None = None,
    column: str = "quantile",
) -> pd.DataFrame:
    """Assign each small area to one of ``n`` quantiles of its group (1 = highest value when ``highest_first``).

    Parameters
    ----------
    data : DataFrame
        One row per small area (e.g. LSOA), with the ranking value (e.g. IMD score).
    value : str
        Column to rank. With IMD scores, ``highest_first=True`` puts the most deprived areas in quantile 1.
    n : int, default 10
        Number of quantiles (10 deciles, 5 quintiles).
    by : str or list of str, optional
        Group columns; quantiles are assigned within each group ("local" quantiles). Leave out for national ones.
    highest_first : bool, default True
        Quantile 1 holds the highest values (PHEindicatormethods ``invert = TRUE``). Use False when a low value is
        worse (e.g. an IMD *rank*, where rank 1 is the most deprived).
    weights : str, optional
        A population column. Without it the count-based OHID rule is used (equal numbers of areas per quantile).
        With it, areas are ordered by ``value`` and cut so that each quantile holds ≈ 1/n of the group's
        population (an area is placed by the mid-point of its population on the cumulative scale).
    column : str, default "quantile"
        Name of the output column.

    Returns
    -------
    DataFrame
        ``data`` (same index and row order) plus ``column`` (nullable integer), ``nquantiles`` and
        ``quantile_method``. Groups with fewer than ``n`` non-missing values get NA and one
        :class:`~healthintel.errors.SuppressionWarning`; areas with a missing value get NA.

    Notes
    -----
    Count-based rule (OHID, "Assigning deprivation categories"; PHEindicatormethods ``phe_quantile``): with
    ``N`` non-missing values in a group and rank ``r`` (ties share the lowest rank),
    ``quantile = n + 1 - ceil((N + 1 - r) / (N / n))``, a result of 0 being set to 1. Tied areas therefore share
    a quantile. The population-weighted variant gives tied areas the quantile of the first of them (tied areas
    ordered by population, smallest first, so the result never depends on the row order).

    References
    ----------
    Office for Health Improvement and Disparities, *Technical guidance: assigning deprivation categories*.
    PHEindicatormethods 2.1.0, ``phe_quantile``.
    """
    require_columns(data, value=value, weights=weights, by=by)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 2:
        raise InvalidInputError(f"n must be a whole number of quantiles of at least 2 (e.g. 5 or 10); got {n!r}.")
    if not isinstance(highest_first, (bool, np.bool_)):
        raise InvalidInputError(f"highest_first must be True or False; got {highest_first!r}.")
    values = numeric(data, value, arg="value")
    if np.isinf(values).any():
        raise InvalidInputError(
            f"value column {value!r} has infinite values in "
            f"{describe_rows(data, np.isinf(values), as_list(by) + [value])}; they cannot be ranked. Correct them "
            "or leave them missing (a missing value gets no quantile)."
        )
    groups = grouper(data, by)
    valid = ~np.isnan(values)
    if weights is not None:
        check_finite_non_negative(data, weights, arg="weights", by=as_list(by) + [value], allow_na=False)
        w = numeric(data, weights, arg="weights")
    count = np.bincount(groups.codes[valid], minlength=groups.n)
    runs = _sorted_runs(groups, valid, -values if highest_first else values, w if weights is not None else None)
    if weights is None:
        q, q_last = _count_rule(runs, count, n)
        method = "count-based (OHID rule: equal numbers of areas)"
    else:
        q, q_last = _weighted_rule(runs, w, valid, groups.n, n)
        method = "population-weighted (equal population per quantile)"
    order, codes_sorted, valid_sorted = runs["order"], runs["codes"], runs["valid"]

    too_few = count < n
    _warn_straddling_ties(q, q_last, valid_sorted & ~too_few[codes_sorted], codes_sorted, groups, value)
    q = np.where(valid_sorted & ~too_few[codes_sorted], q, np.nan)
    result = np.empty(len(order))
    result[order] = q

    out = data.copy()
    out[column] = pd.array(np.where(np.isnan(result), None, result), dtype="Int64")  # type: ignore[call-overload]
    out["nquantiles"] = n
    out["quantile_method"] = method
    if too_few.any():
        bad = groups.keys.loc[too_few]
        desc = "all data" if not groups.by else "; ".join(
            ", ".join(f"{c}={v!r}" for c, v in row.items()) for _, row in bad.head(5).iterrows()
        )
        warnings.warn(
            f"{int(too_few.sum())} group(s) had fewer than {n} areas with a value ({desc}): "
            f"{TOO_FEW}, so their '{column}' is NA.",
            SuppressionWarning,
            stacklevel=2,
        )
    return out
