"""Benchmarking against a comparator (England, region, nearest neighbours) and quintile benchmarking.

Owns :func:`benchmark` (Fingertips comparator methods 1, 17, 12, 5 and 6 with polarity) and
:func:`quintile_benchmark` (method 15: PERCENTILE.INC bounds, or FingertipsNext's NTILE(5)). All work on whole
columns at once (numpy), never a per-row Python loop.

References
----------
Public Health England / OHID. Fingertips technical guidance: "Statistical significance and benchmarking";
``fingertips-open`` (MIT) ``PholioVisualisationWS/Analysis/IndicatorComparerFactory.cs``,
``SingleOverlappingCIsForOneCILevelComparer``, ``SingleOverlappingCIsForTwoCILevelsComparer``,
``DoubleOverlappingCIsComparer``, ``SpcForProportionsComparer``, ``SpcForDsrComparer``, ``QuintilesComparer``;
FingertipsNext (MIT) ``BenchmarkComparisonEngine.cs`` and ``GetIndicatorDataWithQuintileBenchmarkComparison.sql``.
Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med 2005;24:1185-202 (SPC limits).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InvalidInputError, describe_rows
from ..stats._ci import byars_lower, byars_upper, wilson
from ..frames import as_list, grouper, numeric, require_columns
from ..polarity import (
    BEST, BETTER, HIGH_IS_GOOD, HIGHER, LOW_IS_GOOD, LOWER, NO_JUDGEMENT, NOT_APPLICABLE, NOT_COMPARED, SIMILAR,
    WORSE, WORST, parse_polarity,
)

__all__ = ["benchmark", "quintile_benchmark", "METHODS", "label_raw"]

#: Closed set of comparator methods: our name -> (Fingertips ComparatorMethodId, description).
METHODS = {
    "ci_overlap_95": (1, "Confidence intervals overlapping reference value (95.0)"),
    "ci_overlap_99_8": (1, "Confidence intervals overlapping reference value (99.8)"),
    "ci_overlap_95_99_8": (17, "Confidence intervals overlapping reference value (95.0 and 99.8)"),
    "double_ci_overlap": (12, "Double overlapping confidence intervals (95.0)"),
    "spc_proportion": (5, "Control limits for proportions (Wilson score) around the comparator"),
    "spc_dsr": (6, "Control limits for directly standardised rates (Byar's) around the comparator"),
}

Z95, Z998 = 1.959963984540054, 3.090232306167813


def label_raw(raw: np.ndarray, polarity: str) -> np.ndarray:
    """Labels from raw results computed as if high were good (+2 Best … −2 Worst, NaN = not compared).

    ``IndicatorComparer.AdjustForPolarity``: Low-is-good swaps Better/Worse and Best/Worst; "no judgement"
    (BOB) gives Higher/Similar/Lower; "not applicable" gives "Not compared" everywhere.
    """
    raw = np.asarray(raw, dtype=float)
    out = np.full(raw.shape, NOT_COMPARED, dtype=object)
    if polarity == NOT_APPLICABLE:
        return out
    if polarity == NO_JUDGEMENT:
        names = {2: HIGHER, 1: HIGHER, 0: SIMILAR, -1: LOWER, -2: LOWER}
    elif polarity == HIGH_IS_GOOD:
        names = {2: BEST, 1: BETTER, 0: SIMILAR, -1: WORSE, -2: WORST}
    else:
        names = {2: WORST, 1: WORSE, 0: SIMILAR, -1: BETTER, -2: BEST}
    for k, name in names.items():
        out[raw == k] = name
    return out


def _comparator_columns(data, comparator, on, value, lower_ci, upper_ci):
    """Comparator value (and 95% CI when given) aligned to the rows of ``data``."""
    n = len(data)
    nan = np.full(n, np.nan)
    if isinstance(comparator, pd.DataFrame):
        keys = as_list(on)
        if not keys:
            raise InvalidInputError(
                "comparator is a DataFrame: pass on=[...] naming the columns to match it to data "
                "(e.g. on=['period', 'sex'])."
            )
        require_columns(data, on=keys)
        require_columns(comparator, on=keys, comparator_value=value)
        cols = [value] + [c for c in (lower_ci, upper_ci) if c in comparator.columns]
        dup = comparator.duplicated(keys, keep=False).to_numpy()
        if dup.any():
            raise InvalidInputError(
                f"comparator has more than one row per {keys}: {describe_rows(comparator, dup, keys)}. "
                "Keep one comparator row per key."
            )
        right = comparator[keys + cols].rename(columns={c: f"__cmp_{c}" for c in cols})
        merged = data[keys].merge(right, on=keys, how="left", sort=False)
        get = lambda c: merged[f"__cmp_{c}"].to_numpy(dtype=float, na_value=np.nan) if c in cols else nan  # noqa: E731
        return get(value), get(lower_ci), get(upper_ci)
    if isinstance(comparator, str):
        require_columns(data, comparator=comparator)
        return numeric(data, comparator, arg="comparator"), nan, nan
    try:
        v = float(comparator)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"comparator must be a number, the name of a column of data, or a DataFrame with on=[...]; "
            f"got {type(comparator).__name__}."
        ) from None
    return np.full(n, v), nan, nan


def _check_finite(data, values, columns) -> None:
    """No infinite value in any of ``values`` (arrays aligned to ``data``), naming the column and rows."""
    for arr, column in zip(values, columns):
        if np.isinf(arr).any():
            raise InvalidInputError(
                f"column {column!r} has infinite values in {describe_rows(data, np.isinf(arr), [column])}. "
                "Replace them with the real figures, or leave them missing (the row is then not compared)."
            )


def _check_ordered(data, lo, hi, lo_name, hi_name, what="confidence limits") -> None:
    """Lower limits must not be above upper limits: swapped columns would turn 'Similar' into Better/Worse."""
    with np.errstate(invalid="ignore"):
        bad = lo > hi
    if bad.any():
        raise InvalidInputError(
            f"{what}: {lo_name!r} is above {hi_name!r} in {describe_rows(data, bad, [lo_name, hi_name])}. The "
            "limits look swapped: pass the lower and upper limit columns the right way round."
        )


def _col(data, column, arg):
    if column is None or column not in data.columns:
        return np.full(len(data), np.nan)
    return numeric(data, column, arg=arg)


def benchmark(
    data: pd.DataFrame,
    comparator,
    *,
    method: str = "ci_overlap_95",
    polarity="low_is_good",
    value: str = "value",
    lower_ci: str = "lower_ci",
    upper_ci: str = "upper_ci",
    lower_ci_99_8: str = "lower_ci_99_8",
    upper_ci_99_8: str = "upper_ci_99_8",
    denominator: str | None = None,
    multiplier: float = 100,
    confidence=0.95,
    on=None,
    comparator_lower_ci: str = "lower_ci",
    comparator_upper_ci: str = "upper_ci",
    column: str = "benchmark",
) -> pd.DataFrame:
    """Compare each row's value with a comparator using a Fingertips method; add a ``benchmark`` label column.

    Parameters
    ----------
    data : DataFrame
        One row per area (and period, sex…), with ``value`` and the columns the method needs.
    comparator : float, str or DataFrame
        The comparator value (e.g. England): a number, the name of a column of ``data``, or a DataFrame with
        ``value`` (and, for ``double_ci_overlap``, its 95% CI columns) matched to ``data`` on ``on``.
    method : str, default "ci_overlap_95"
        One of :data:`METHODS`:

        - ``"ci_overlap_95"`` (Fingertips 1): Similar when the area's 95% CI contains the comparator value;
        - ``"ci_overlap_99_8"``: the same with the 99.8% CI (``lower_ci``/``upper_ci`` hold the 99.8% limits);
        - ``"ci_overlap_95_99_8"`` (17): Similar inside the 95% CI, Better/Worse between 95% and 99.8%,
          Best/Worst beyond the 99.8% CI (``lower_ci``/``upper_ci`` and ``lower_ci_99_8``/``upper_ci_99_8``);
        - ``"double_ci_overlap"`` (12): Similar when the area's and the comparator's 95% CIs overlap;
        - ``"spc_proportion"`` (5): Wilson control limits around the comparator proportion with the area's
          ``denominator``; ``value`` and comparator are on the ``multiplier`` scale (100 for percentages);
        - ``"spc_dsr"`` (6): Byar's Poisson limits of the expected count comparator × ``denominator`` /
          ``multiplier`` (``denominator`` = the population, Fingertips' Denominator_2; e.g. multiplier 100000).
    polarity : str or int, default "low_is_good"
        ``"low_is_good"``, ``"high_is_good"``, ``"no_judgement"`` (Higher/Similar/Lower) or ``"not_applicable"``
        ("Not compared"); Fingertips names and ids are accepted.
    confidence : float or pair, default 0.95
        For the SPC methods: 0.95 (z = 1.96), 0.998 (z = 3.0902), or (0.95, 0.998) for two levels
        (Better/Worse at 95%, Best/Worst at 99.8%).
    on : list of str, optional
        Key columns matching a DataFrame comparator to ``data``.
    column : str, default "benchmark"
        Name of the output label column.

    Returns
    -------
    DataFrame
        ``data`` (same index and order) plus ``column`` (Better, Similar, Worse, Best, Worst, Higher, Lower or
        "Not compared"), ``comparator_value`` and ``benchmark_method``. Rows with a missing value, CI, comparator
        or denominator are "Not compared", never an error.

    Raises
    ------
    InvalidInputError
        Infinite values, limits or comparators; a lower limit above its upper limit (swapped columns would turn
        Similar into Better/Worse), a 99.8% interval inside the 95% one; a negative denominator; for
        ``spc_proportion`` a value outside 0..``multiplier``; a confidence that is not 0.95/0.998; an unknown
        method or polarity.

    Notes
    -----
    Every comparer computes the raw result as if high were good and then adjusts for polarity
    (``IndicatorComparer.AdjustForPolarity``). Values exactly on a limit are Similar (Fingertips tests
    ``LCI ≤ comparator ≤ UCI``). SPC for proportions: with E = N·P0, limits
    ((2E+z²) ± z√(z²+4E(1−E/N))) / (2(N+z²)) (``SpcForProportionsComparer.cs``). SPC for DSRs: the expected
    count E = comparator × Denominator_2 / unit and its Byar limits at α = 0.025 or 0.001, rescaled to a rate
    (``SpcForDsrComparer.cs``).

    References
    ----------
    OHID Fingertips technical guidance, "Benchmarking"; fingertips-open (MIT) ``IndicatorComparerFactory.cs``.
    """
    if method not in METHODS:
        raise InvalidInputError(f"method {method!r} is not one of {', '.join(METHODS)}.")
    pol = parse_polarity(polarity)
    require_columns(data, value=value)
    x = numeric(data, value, arg="value")
    cmp, cmp_lo, cmp_hi = _comparator_columns(data, comparator, on, value if isinstance(comparator, pd.DataFrame)
                                              else None, comparator_lower_ci, comparator_upper_ci)
    _check_finite(data, (x, cmp, cmp_lo, cmp_hi), (value, "comparator", comparator_lower_ci, comparator_upper_ci))
    _check_ordered(data, cmp_lo, cmp_hi, comparator_lower_ci, comparator_upper_ci, "comparator confidence limits")
    raw = np.full(len(data), np.nan)
    ok = ~np.isnan(x) & ~np.isnan(cmp)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method in ("ci_overlap_95", "ci_overlap_99_8", "ci_overlap_95_99_8", "double_ci_overlap"):
            require_columns(data, lower_ci=lower_ci, upper_ci=upper_ci)
            lo, hi = numeric(data, lower_ci, arg="lower_ci"), numeric(data, upper_ci, arg="upper_ci")
            _check_finite(data, (lo, hi), (lower_ci, upper_ci))
            _check_ordered(data, lo, hi, lower_ci, upper_ci)
            ok &= ~np.isnan(lo) & ~np.isnan(hi)
            if method == "double_ci_overlap":
                ok &= ~np.isnan(cmp_lo) & ~np.isnan(cmp_hi)
                same = (lo <= cmp_hi) & (cmp_lo <= hi)
                raw = np.where(same, 0.0, np.where(x > cmp, 1.0, -1.0))
            else:
                same = (lo <= cmp) & (cmp <= hi)
                raw = np.where(same, 0.0, np.where(x > cmp, 1.0, -1.0))
                if method == "ci_overlap_95_99_8":
                    require_columns(data, lower_ci_99_8=lower_ci_99_8, upper_ci_99_8=upper_ci_99_8)
                    lo2 = numeric(data, lower_ci_99_8, arg="lower_ci_99_8")
                    hi2 = numeric(data, upper_ci_99_8, arg="upper_ci_99_8")
                    _check_finite(data, (lo2, hi2), (lower_ci_99_8, upper_ci_99_8))
                    _check_ordered(data, lo2, hi2, lower_ci_99_8, upper_ci_99_8)
                    _check_ordered(data, lo2, lo, lower_ci_99_8, lower_ci, "the 99.8% interval must contain the 95%")
                    _check_ordered(data, hi, hi2, upper_ci, upper_ci_99_8, "the 99.8% interval must contain the 95%")
                    ok &= ~np.isnan(lo2) & ~np.isnan(hi2)
                    beyond = (cmp < lo2) | (cmp > hi2)
                    raw = np.where(beyond & (raw != 0), 2 * raw, raw)
        else:
            if denominator is None:
                raise InvalidInputError(f"method {method!r} needs denominator='<column>' (the area's denominator).")
            require_columns(data, denominator=denominator)
            n = numeric(data, denominator, arg="denominator")
            _check_finite(data, (n,), (denominator,))
            if (n < 0).any():
                raise InvalidInputError(
                    f"denominator column {denominator!r} must not be negative: "
                    f"{describe_rows(data, n < 0, [denominator])}."
                )
            if method == "spc_proportion" and ((x < 0) | (x > multiplier)).any():
                bad = (x < 0) | (x > multiplier)
                raise InvalidInputError(
                    f"value column {value!r} must be a proportion between 0 and multiplier={multiplier:g}: "
                    f"{describe_rows(data, bad, [value])}. Set multiplier= to the scale of the values (100 for "
                    "percentages, 1 for fractions)."
                )
            ok &= ~np.isnan(n) & (n > 0)
            levels = _spc_levels(confidence)
            raw = np.zeros(len(data))
            for level, z in enumerate(levels, start=1):
                if method == "spc_proportion":
                    p0 = cmp / multiplier
                    lo_p, hi_p = wilson(n * p0, n, z)
                    lo_v, hi_v = lo_p * multiplier, hi_p * multiplier
                else:
                    expected = cmp * n / multiplier
                    lo_v = byars_lower(expected, z) * multiplier / n
                    hi_v = byars_upper(expected, z) * multiplier / n
                outside = (x < lo_v) | (x > hi_v)
                step = np.where(outside, np.where(x > cmp, 1.0, -1.0), 0.0)
                # the second level (99.8%) promotes Better/Worse to Best/Worst
                raw = step if level == 1 else np.where((step != 0) & (raw != 0), 2 * step, raw)
    raw = np.where(ok, raw, np.nan)
    out = data.copy()
    out[column] = pd.array(label_raw(raw, pol), dtype=object)
    out["comparator_value"] = cmp
    out["benchmark_method"] = METHODS[method][1]
    return out


def _spc_levels(confidence) -> list[float]:
    values = list(confidence) if isinstance(confidence, (list, tuple)) else [confidence]
    zs = []
    for c in values:
        try:
            c = float(c)
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"confidence must be 0.95, 0.998 or the pair (0.95, 0.998) (or 95, 99.8); got {confidence!r}."
            ) from None
        c = c / 100 if c > 1 else c
        if abs(c - 0.95) < 1e-9:
            zs.append(Z95)
        elif abs(c - 0.998) < 1e-9:
            zs.append(Z998)
        else:
            raise InvalidInputError(
                f"SPC benchmarking uses the Fingertips levels 0.95 and/or 0.998; got confidence={confidence!r}."
            )
    if len(zs) == 2 and zs[0] > zs[1]:
        zs.reverse()
    return zs


QUINTILE_LABELS_RAG = {1: "Best", 2: "Better", 3: "Middle", 4: "Worse", 5: "Worst"}
QUINTILE_LABELS_NONE = {1: "Lowest", 2: "Low", 3: "Middle", 4: "High", 5: "Highest"}


def quintile_benchmark(
    data: pd.DataFrame,
    value: str = "value",
    *,
    polarity="no_judgement",
    by=None,
    method: str = "percentile_inc",
    n: int = 5,
    column: str = "quintile",
) -> pd.DataFrame:
    """Place each area in a quintile of all areas' values (Fingertips comparator method 15).

    Parameters
    ----------
    data : DataFrame
        One row per area (with ``by`` groups, e.g. period and sex, benchmarked separately).
    value : str, default "value"
    polarity : str or int, default "no_judgement"
        With a RAG polarity quintile 1 is the *best* fifth and 5 the worst; with "no judgement" (or BOB)
        1 holds the lowest values.
    by : str or list of str, optional
        Groups (e.g. ``["period", "sex"]``); each is benchmarked among its own rows.
    method : {"percentile_inc", "ntile"}, default "percentile_inc"
        ``"percentile_inc"`` — the legacy Fingertips rule: bounds at the 20/40/60/80th percentiles with linear
        interpolation at n = (N−1)p + 1 (Excel PERCENTILE.INC, R type 7); an area goes to the first bin whose
        upper bound is ≥ its value, so a value *equal* to a bound goes to the lower bin.
        ``"ntile"`` — FingertipsNext: SQL ``NTILE(5) OVER (ORDER BY Value)`` (equal-sized groups by rank, the
        earlier groups one larger when N is not a multiple of 5; ties split by row order).
    n : int, default 5
        Number of bins (5 quintiles, 4 quartiles = Fingertips method 16).

    Returns
    -------
    DataFrame
        ``data`` plus ``column`` (nullable Int64: 1..n, NA when not compared) and ``{column}_label``
        (Best/Better/Middle/Worse/Worst for RAG, Lowest/Low/Middle/High/Highest otherwise, for n = 5;
        "Not compared" when the group has fewer than 5 valid values or the value is missing).

    References
    ----------
    fingertips-open (MIT) ``QuintilesComparer.cs``, ``ValueCategoriesCalculator.cs``; FingertipsNext
    ``GetIndicatorDataWithQuintileBenchmarkComparison.sql``.
    """
    if method not in ("percentile_inc", "ntile"):
        raise InvalidInputError(f"method must be 'percentile_inc' or 'ntile'; got {method!r}.")
    if not isinstance(n, int) or n < 2:
        raise InvalidInputError(f"n must be an integer ≥ 2 (5 for quintiles); got {n!r}.")
    pol = parse_polarity(polarity)
    require_columns(data, value=value, by=by)
    x = numeric(data, value, arg="value")
    _check_finite(data, (x,), (value,))
    groups = grouper(data, by)
    valid = ~np.isnan(x)
    n_valid = np.bincount(groups.codes[valid], minlength=groups.n)
    enough = n_valid[groups.codes] >= 5
    codes = groups.codes
    if method == "percentile_inc":
        frame = pd.DataFrame({"g": codes[valid], "x": x[valid]})
        probs = [k / n for k in range(1, n)]
        if len(frame):
            bounds = frame.groupby("g")["x"].quantile(probs).unstack()  # linear = type 7 = PERCENTILE.INC
            bounds = bounds.reindex(range(groups.n)).to_numpy()
        else:
            bounds = np.full((groups.n, n - 1), np.nan)
        row_bounds = bounds[codes]
        with np.errstate(invalid="ignore"):
            bin_ = 1 + (x[:, None] > row_bounds).sum(axis=1)
    else:
        order = np.lexsort((np.arange(len(x)), x, codes))  # by group, then value, then row order
        order = order[valid[order]]
        g_sorted = codes[order]
        starts = np.r_[0, np.flatnonzero(np.diff(g_sorted)) + 1] if len(order) else np.array([], dtype=int)
        first = np.zeros(groups.n, dtype=int)
        first[g_sorted[starts]] = starts
        rank0 = np.arange(len(order)) - first[g_sorted]  # 0-based rank within group
        size = n_valid[g_sorted]
        small, extra = size // n, size % n
        # NTILE: the first `extra` buckets hold small+1 rows
        cut = extra * (small + 1)
        tile = np.where(rank0 < cut, rank0 // np.maximum(small + 1, 1),
                        extra + (rank0 - cut) // np.maximum(small, 1)) + 1
        bin_ = np.zeros(len(x), dtype=int)
        bin_[order] = tile
    bin_ = np.asarray(bin_, dtype=float)
    if pol == HIGH_IS_GOOD:
        bin_ = n + 1 - bin_
    keep = valid & enough
    out = data.copy()
    q = pd.array(np.where(keep, bin_, np.nan), dtype="Float64").astype("Int64")
    out[column] = q
    labels = QUINTILE_LABELS_RAG if pol in (HIGH_IS_GOOD, LOW_IS_GOOD) else QUINTILE_LABELS_NONE
    if n != 5:
        labels = {k: f"{'Q' if n == 4 else 'Group '}{k}" for k in range(1, n + 1)}
    text = np.full(len(x), NOT_COMPARED, dtype=object)
    for k, name in labels.items():
        text[keep & (bin_ == k)] = name
    if pol == NOT_APPLICABLE:
        text[:] = NOT_COMPARED
    out[f"{column}_label"] = text
    return out
