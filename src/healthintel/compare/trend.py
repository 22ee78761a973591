"""Recent trend: the Fingertips "Recent trend" marker for every group at once.

Owns :func:`recent_trend`. The rule is the platform's ``TrendMarkerCalculator`` (fingertips-open, reused
unchanged by FingertipsNext): the 5 most recent unbroken points; a chi-squared test for linear trend on counts
and denominators for proportions, an inverse-variance weighted regression otherwise; significant when
χ² > 3.0902² (99.8%, 1 df) *and* the slope keeps its sign in all five leave-one-out fits. Everything is computed
on (groups × 5) numpy arrays: no per-group Python loop.

References
----------
OHID. Fingertips technical guidance, "Recent trends"; fingertips-open (MIT)
``PholioVisualisationWS/Analysis/TrendMarkers/TrendMarkerCalculator.cs`` and ``TrendRequest.cs``.
Armitage P. Tests for linear trends in proportions and frequencies. Biometrics 1955;11:375-86.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InvalidInputError, describe_rows
from ..frames import as_list, grouper, numeric, require_columns
from ..stats._ci import check_multiplier
from ..periods import parse_periods
from ..polarity import HIGH_IS_GOOD, LOW_IS_GOOD, parse_polarity

__all__ = ["recent_trend", "TREND_LABELS", "CHI2_THRESHOLD", "N_POINTS"]

N_POINTS = 5
CHI2_THRESHOLD = 3.0902 ** 2  # 9.5493: 99.8% two-sided, 1 df, as the platform hard-codes it
CANNOT = "Cannot be calculated"
NO_CHANGE = "No significant change"
TREND_LABELS = (
    "Increasing and getting better", "Increasing and getting worse", "Increasing",
    "Decreasing and getting better", "Decreasing and getting worse", "Decreasing",
    NO_CHANGE, CANNOT,
)
VALUE_TYPES = ("proportion", "crude_rate", "dsr")
_OTHER_TYPES = ("isr", "isp", "mean", "life_expectancy", "count", "ratio", "other")


def _direction_labels(polarity: str) -> tuple[str, str]:
    if polarity == HIGH_IS_GOOD:
        return "Increasing and getting better", "Decreasing and getting worse"
    if polarity == LOW_IS_GOOD:
        return "Increasing and getting worse", "Decreasing and getting better"
    return "Increasing", "Decreasing"


def _wls_slope(t, y, w):
    """Weighted least-squares slope and Σw(t−t̄)² along the last axis (NaN weights drop a point)."""
    sw = w.sum(axis=-1)
    tb = (w * t).sum(axis=-1) / sw
    yb = (w * y).sum(axis=-1) / sw
    dt = t - tb[..., None]
    sxx = (w * dt * dt).sum(axis=-1)
    slope = (w * dt * (y - yb[..., None])).sum(axis=-1) / sxx
    return slope, sxx


def _loo(a):
    """(G, 5) → (G, 5, 4): the five leave-one-out subsets of each row."""
    k = a.shape[-1]
    idx = np.array([[j for j in range(k) if j != i] for i in range(k)])
    return a[:, idx]


def recent_trend(
    data: pd.DataFrame,
    *,
    period: str,
    value: str,
    count: str | None = None,
    denominator: str | None = None,
    lower_ci: str | None = None,
    upper_ci: str | None = None,
    value_type: str = "proportion",
    polarity="no_judgement",
    by=None,
    method: str = "auto",
    multiplier: float = 100,
    missing_ci: str = "fingertips",
    comparator_method=None,
) -> pd.DataFrame:
    """The Fingertips recent-trend marker for each group's last five unbroken points.

    Parameters
    ----------
    data : DataFrame
        One row per group × period.
    period : str
        Period column (2018, "2021/22", "2024-12-31"…); rows are ordered by it, and consecutive periods must
        follow each other without a gap.
    value : str
        Indicator value column.
    count, denominator : str, optional
        Numerator and denominator columns (needed for the chi-squared path; when given, a point missing either
        is not valid, as in Fingertips).
    lower_ci, upper_ci : str, optional
        95% confidence limits (needed for the weighted-regression path: SE = (UCI − LCI)/3.92).
    value_type : str, default "proportion"
        ``"proportion"``, ``"crude_rate"`` or ``"dsr"`` can have a trend; any other type (``"isr"``,
        ``"life_expectancy"``, ``"mean"``, …) gives "Cannot be calculated", as on Fingertips.
    polarity : str or int, default "no_judgement"
        Maps the direction to "… and getting better/worse" (RAG polarities) or plain Increasing/Decreasing.
    by : str or list of str, optional
        Group columns (area, sex…): one output row per group.
    method : {"auto", "chi2_linear", "weighted_regression"}, default "auto"
        ``auto`` follows Fingertips (``TrendMarkerCalculator``): the chi-squared test for linear trend only for
        indicators benchmarked by "SPC for proportions" (``comparator_method="spc_proportion"``, which needs
        ``count`` and ``denominator``), the inverse-variance weighted regression for every other indicator —
        proportions benchmarked by CI overlap included.
    multiplier : float, default 100
        Scale of ``value`` relative to count/denominator (100 for percentages); the chi-squared path reports its
        slope on this scale.
    missing_ci : {"fingertips", "cannot"}, default "fingertips"
        What the weighted-regression path gives when a point of the five has no (or a zero-width) 95% CI.
        Fingertips only requires value, count and denominator for a valid point; with a missing CI its statistic
        is undefined and the platform shows "No significant change" (reproduced by default, e.g. FingertipsNext's
        GP-population series). ``"cannot"`` gives "Cannot be calculated" instead (clearer in a report).
    comparator_method : str or int, optional
        The indicator's Fingertips benchmarking method. ``"spc_proportion"`` ("SPC for proportions", "Control
        limits for proportions", Fingertips id 5) selects the chi-squared path under ``method="auto"``; anything
        else (or None) the weighted regression.

    Returns
    -------
    DataFrame
        One row per group (first-appearance order): the ``by`` columns, ``trend`` (label), ``chi2``, ``slope``
        (change in value per period), ``n_points`` (points in the latest unbroken valid run, 0..), ``latest_period``,
        ``trend_method`` and ``reason`` (why a trend cannot be calculated, else empty).

    Notes
    -----
    Validity (``TrendRequest.IsValid``): value type proportion, crude rate or DSR; period length one year; at
    least 5 points in the most recent unbroken run of valid points (the run ending at the latest valid point,
    broken by a missing value/count/denominator/CI or a gap in the periods); no point with count = denominator.

    Test on the last five points, t = 1..5:

    - chi-squared for linear trend (Cochran–Armitage) with R = Σr, N = Σn:
      χ² = N(N·Σt·r − R·Σt·n)² / [R(N−R)(N·Σt²·n − (Σt·n)²)]; the direction and the robustness check use
      unweighted least-squares slopes of log(r/(n−r)) on t, as ``NoOutliersCheckForProportion`` does;
    - weighted regression: w = 1/SE², SE = (UCI − LCI)/3.92, χ² = (b/SE_b)² = b²·Σw(t−t̄)².

    Significant when χ² > 9.5493 and the slope has the same sign in the full fit and all five leave-one-out
    fits. The platform's tests give χ² = 46.77 (weighted) and 47.9 (chi-squared) for the same 2014–18 series.

    References
    ----------
    OHID Fingertips technical guidance, "Recent trends"; fingertips-open (MIT) ``TrendMarkerCalculator.cs``.
    """
    vt, pol, method = _check_arguments(
        data, period=period, value=value, count=count, denominator=denominator, lower_ci=lower_ci,
        upper_ci=upper_ci, value_type=value_type, polarity=polarity, by=by, method=method,
        comparator_method=comparator_method,
    )
    if len(data) == 0:  # nothing to assess: no groups, no rows
        cols = as_list(by) + ["trend", "chi2", "slope", "n_points", "latest_period", "trend_method", "reason"]
        return pd.DataFrame(columns=cols)
    groups = grouper(data, by)
    start, length = parse_periods(data, period)
    cols = _value_columns(data, value=value, count=count, denominator=denominator, lower_ci=lower_ci,
                          upper_ci=upper_ci)
    if missing_ci not in ("fingertips", "cannot"):
        raise InvalidInputError(f"missing_ci must be 'fingertips' or 'cannot'; got {missing_ci!r}.")
    multiplier = check_multiplier(multiplier)
    runs = _latest_runs(data, groups, start, length, cols["valid"], period)
    reason = _invalid_reasons(runs, groups.n, vt, value_type)
    calc = reason == ""
    win = _windows(runs, cols, groups.n, calc)
    if count and denominator:
        equal = (win["R"] == win["N"]).any(axis=1)
        reason[calc & equal] = "a point has count = denominator"
        calc &= ~equal
    chi2_c, slope_c, robust, direction = _trend_statistics(method, win, multiplier)
    chi2, slope, calc = _apply_validity(chi2_c, slope_c, calc, reason, win, method, missing_ci)

    up, down = _direction_labels(pol)
    significant = calc & (chi2 > CHI2_THRESHOLD) & robust
    trend = np.where(~calc, CANNOT, np.where(significant, np.where(direction > 0, up, down), NO_CHANGE))

    out = groups.keys.copy()
    out["trend"] = trend.astype(object)
    out["chi2"] = chi2
    out["slope"] = slope
    out["n_points"] = runs["n_points"].astype(int)
    out["latest_period"] = runs["latest_period"]
    out["trend_method"] = (
        "chi-squared test for linear trend" if method == "chi2_linear" else "inverse-variance weighted regression"
    )
    out["reason"] = reason
    return out


_SPC_PROPORTION = {"spc_proportion", "spc for proportions", "spcforproportions", "control limits for proportions",
                   "5"}


def _is_spc_proportion(comparator_method) -> bool:
    if comparator_method is None:
        return False
    text = str(comparator_method).strip().lower()
    return text in _SPC_PROPORTION or text.startswith("spc for proportions") or text.startswith("spcforproportions")


def _check_arguments(data, *, period, value, count, denominator, lower_ci, upper_ci, value_type, polarity, by,
                     method, comparator_method=None) -> tuple[str, str, str]:
    """Validate the options; return the normalised value type, polarity and the resolved method."""
    if method not in ("auto", "chi2_linear", "weighted_regression"):
        raise InvalidInputError(f"method must be 'auto', 'chi2_linear' or 'weighted_regression'; got {method!r}.")
    vt = str(value_type).strip().lower().replace(" ", "_")
    vt = {"crude rate": "crude_rate", "directly_standardised_rate": "dsr", "crude": "crude_rate"}.get(vt, vt)
    if vt not in VALUE_TYPES + _OTHER_TYPES:
        raise InvalidInputError(
            f"value_type {value_type!r} is not known: use one of {', '.join(VALUE_TYPES + _OTHER_TYPES)}."
        )
    pol = parse_polarity(polarity)
    require_columns(data, period=period, value=value, count=count, denominator=denominator,
                    lower_ci=lower_ci, upper_ci=upper_ci, by=by)
    spc = _is_spc_proportion(comparator_method)
    if spc and not (count and denominator):
        raise InvalidInputError(
            "an indicator benchmarked by SPC for proportions gets the chi-squared trend, which needs "
            "count='<column>' and denominator='<column>'."
        )
    if method == "auto":
        method = "chi2_linear" if (spc and vt == "proportion") else "weighted_regression"
    if method == "chi2_linear" and not (count and denominator):
        raise InvalidInputError("method='chi2_linear' needs count='<column>' and denominator='<column>'.")
    if method == "weighted_regression" and not (lower_ci and upper_ci):
        raise InvalidInputError(
            "the weighted-regression trend needs 95% confidence limits: pass lower_ci='<column>' and "
            "upper_ci='<column>' (or count and denominator with method='chi2_linear' for proportions)."
        )
    return vt, pol, method


def _value_columns(data, *, value, count, denominator, lower_ci, upper_ci) -> dict:
    """Numeric value, count, denominator and CI arrays (NaN where not given) and each row's validity."""
    missing = np.full(len(data), np.nan)
    cols = {
        "x": numeric(data, value, arg="value"),
        "r": numeric(data, count, arg="count") if count else missing,
        "n": numeric(data, denominator, arg="denominator") if denominator else missing,
        "lo": numeric(data, lower_ci, arg="lower_ci") if lower_ci else missing,
        "hi": numeric(data, upper_ci, arg="upper_ci") if upper_ci else missing,
    }
    _check_values(data, cols, value=value, count=count, denominator=denominator, lower_ci=lower_ci,
                  upper_ci=upper_ci)
    valid = ~np.isnan(cols["x"])
    if count and denominator:
        valid &= ~np.isnan(cols["r"]) & ~np.isnan(cols["n"]) & (cols["n"] > 0)
    cols["valid"] = valid
    return cols


def _check_values(data, cols, *, value, count, denominator, lower_ci, upper_ci) -> None:
    """Errors naming the rows: infinite values, negative counts or denominators, count > denominator, and
    lower limits above upper limits (missing values are allowed: they break the run of valid points)."""
    named = {"x": value, "r": count, "n": denominator, "lo": lower_ci, "hi": upper_ci}
    for key, column in named.items():
        if column and np.isinf(cols[key]).any():
            raise InvalidInputError(
                f"column {column!r} has infinite values in {describe_rows(data, np.isinf(cols[key]), [column])}. "
                "Replace them with the real figures, or leave them missing."
            )
    with np.errstate(invalid="ignore"):
        for key in ("r", "n"):
            if named[key] and (cols[key] < 0).any():
                raise InvalidInputError(
                    f"{'count' if key == 'r' else 'denominator'} column {named[key]!r} must not be negative: "
                    f"{describe_rows(data, cols[key] < 0, [named[key]])}."
                )
        if count and denominator and (cols["r"] > cols["n"]).any():
            raise InvalidInputError(
                f"count column {count!r} is greater than denominator column {denominator!r} in "
                f"{describe_rows(data, cols['r'] > cols['n'], [count, denominator])}. Check the rows or swap the "
                "arguments."
            )
        if lower_ci and upper_ci and (cols["lo"] > cols["hi"]).any():
            raise InvalidInputError(
                f"lower_ci column {lower_ci!r} is above upper_ci column {upper_ci!r} in "
                f"{describe_rows(data, cols['lo'] > cols['hi'], [lower_ci, upper_ci])}: the limits are swapped. "
                "Pass lower_ci= and upper_ci= the right way round."
            )


def _latest_runs(data, groups, start, length, valid, period) -> dict:
    """Order rows by group and period; find each group's latest unbroken run of valid points."""
    order = np.lexsort((start, groups.codes))
    g, s, ln, ok = groups.codes[order], start[order], length[order], valid[order]
    dup = np.r_[False, (g[1:] == g[:-1]) & (s[1:] == s[:-1])]
    if dup.any():
        rows = data.index[order][dup]
        raise InvalidInputError(
            f"more than one row per group and period (e.g. index {list(rows[:5])!r}): pass by=[...] with every "
            "column that distinguishes the series (area, sex, age…)."
        )
    # unbroken runs of valid points: a run continues when the previous row is the same group, valid and the
    # period immediately before
    cont = np.r_[False, (g[1:] == g[:-1]) & ok[:-1] & np.isclose(s[:-1] + ln[:-1], s[1:])] & ok
    pos = np.arange(len(g))
    run_start = np.maximum.accumulate(np.where(cont, 0, pos)) if len(g) else pos
    run_len = np.where(ok, pos - run_start + 1, 0)

    n_groups = groups.n
    last_valid = np.full(n_groups, -1)
    np.maximum.at(last_valid, g[ok], pos[ok])
    has = last_valid >= 0
    latest_period = np.full(n_groups, None, dtype=object)
    latest_period[has] = data[period].to_numpy()[order][last_valid[has]]
    return {
        "order": order, "g": g, "ln": ln, "last_valid": last_valid, "latest_period": latest_period,
        "n_points": np.where(has, run_len[np.maximum(last_valid, 0)], 0),
    }


def _invalid_reasons(runs, n_groups, vt, value_type) -> np.ndarray:
    """Why each group cannot have a trend (empty where it can): value type, period length, too few points."""
    g, ln = runs["g"], runs["ln"]
    reason = np.full(n_groups, "", dtype=object)
    if vt not in VALUE_TYPES:
        reason[:] = f"value type {value_type!r} has no Fingertips trend (only proportions, crude rates and DSRs)"
    lengths_one = np.ones(n_groups, dtype=bool)
    if len(g):
        bad_len = ~np.isclose(ln, 1.0)
        lengths_one = np.bincount(g[bad_len], minlength=n_groups) == 0
    reason[(reason == "") & ~lengths_one] = "periods are not single years (Fingertips needs a year range of 1)"
    reason[(reason == "") & (runs["n_points"] < N_POINTS)] = (
        f"fewer than {N_POINTS} points in the latest unbroken run of valid points"
    )
    return reason


def _windows(runs, cols, n_groups, calc) -> dict:
    """(groups × 5) arrays of count, denominator, value and CIs ending at each group's latest valid point."""
    order, g, last_valid = runs["order"], runs["g"], runs["last_valid"]
    idx = np.maximum(last_valid, N_POINTS - 1)[:, None] - np.arange(N_POINTS - 1, -1, -1)[None, :]
    idx = np.clip(idx, 0, max(len(g) - 1, 0))
    if len(g) == 0:
        idx = np.zeros((n_groups, N_POINTS), dtype=int)
        calc[:] = False
    orig = order[idx] if len(order) else idx
    win = {
        key: cols[col][orig] if len(cols[col]) else np.full((n_groups, N_POINTS), np.nan)
        for key, col in (("R", "r"), ("N", "n"), ("X", "x"), ("L", "lo"), ("U", "hi"))
    }
    win["t"] = np.broadcast_to(np.arange(1.0, N_POINTS + 1), (n_groups, N_POINTS))
    return win


def _trend_statistics(method, win, multiplier):
    """χ², slope and the leave-one-out robustness flag for every window at once."""
    t, R, N, X, L, U = win["t"], win["R"], win["N"], win["X"], win["L"], win["U"]
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "chi2_linear":
            Rs, Ns = R.sum(1), N.sum(1)
            a = Ns * (t * R).sum(1) - Rs * (t * N).sum(1)
            d = Ns * (t * t * N).sum(1) - (t * N).sum(1) ** 2
            chi2_c = Ns * a * a / (Rs * (Ns - Rs) * d)
            slope_c = a / d * multiplier  # Cochran–Armitage slope of the proportion, on the value scale
            # NoOutliersCheckForProportion: unweighted least squares of log(r / (n − r)) on t
            y = np.log(R / (N - R))
            ones = np.ones_like(y)
            full, _ = _wls_slope(t, y, ones)
            loo, _ = _wls_slope(_loo(t), _loo(y), _loo(ones))
        else:
            se = (U - L) / 3.92
            w = 1 / (se * se)
            slope_c, sxx = _wls_slope(t, X, w)
            chi2_c = slope_c * slope_c * sxx
            full = slope_c
            loo, _ = _wls_slope(_loo(t), _loo(X), _loo(w))
        sign = np.sign(full)
        robust = (sign != 0) & (np.sign(loo) == sign[:, None]).all(axis=1) & (np.sign(slope_c) == sign)
    return chi2_c, slope_c, robust, full


def _apply_validity(chi2_c, slope_c, calc, reason, win, method, missing_ci):
    """Keep statistics only where a trend can be calculated; record undefined statistics and missing CIs."""
    n_groups = len(calc)
    chi2 = np.full(n_groups, np.nan)
    slope = np.full(n_groups, np.nan)
    chi2[calc] = chi2_c[calc]
    slope[calc] = slope_c[calc]
    bad_stat = calc & ~np.isfinite(chi2)
    if method == "weighted_regression":
        L, U = win["L"], win["U"]
        no_ci = calc & ~(np.isfinite(L) & np.isfinite(U) & (U > L)).all(axis=1)
        reason[no_ci] = "95% confidence limits missing or zero-width for a point: the weighted regression is undefined"
        if missing_ci == "fingertips":  # the platform's NaN statistic is simply "not significant"
            bad_stat &= ~no_ci
            chi2[no_ci] = np.nan
            slope[no_ci] = np.nan
    reason[bad_stat & (reason == "")] = "the trend statistic is undefined for these points (e.g. all counts zero)"
    return chi2, slope, calc & ~bad_stat
