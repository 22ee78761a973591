"""Funnel plots: control limits, significance of each point, and chart points (PHEindicatormethods funnels).

Owns :func:`funnel_limits` (a 100-row table of 95 % "2σ" and 99.8 % "3σ" control limits around the overall
average), :func:`funnel_significance` (which points lie outside them) and :func:`funnel_points` (rates and
annualised denominators to plot for rate funnels), for proportions, ratios (e.g. SMRs) and rates (crude or
directly standardised).

References
----------
Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med 2005;24:1185-202.
Public Health England. Fingertips technical guidance: funnel plots. PHEindicatormethods 2.1.0
``calculate_funnel_limits``, ``assign_funnel_significance``, ``calculate_funnel_points``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _sps

from ..errors import InvalidInputError, describe_rows
from ._ci import check_multiplier, format_number, poisson_limits
from ._common import require_columns

__all__ = ["funnel_limits", "funnel_significance", "funnel_points"]

STATISTICS = ("proportion", "ratio", "rate")
SIGNIFICANCE_LEVELS = ["High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)", "Not significant"]
NOT_APPLICABLE = "Not applicable for events less than 10 for dsrs"
N_POINTS = 100


# ----------------------------------------------------------------------------------------------- helpers


def _choice(value, allowed, arg):
    if value not in allowed:
        raise InvalidInputError(f"{arg} must be one of {', '.join(map(repr, allowed))}; got {value!r}.")
    return value


def _col(data, column, arg):
    s = data[column]
    if not pd.api.types.is_numeric_dtype(s):
        raise InvalidInputError(f"{arg} column {column!r} must be numeric; it has dtype {s.dtype}.")
    return s.to_numpy(dtype=float, na_value=np.nan)


def _wilson_limit(p, population, average, side, multiplier):
    """Observed proportion at which the Wilson limit for ``population`` equals ``average`` (PHEim sigma_adjustment)."""
    z2 = _sps.norm.ppf(p) ** 2
    n = np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        first = average * (n / z2 + 1)
        adj = np.sqrt(
            (-8 * average * (n / z2 + 1)) ** 2
            - 64 * (1 / z2 + 1 / n) * average * (n * (average * (n / z2 + 2) - 1) + z2 * (average - 1))
        )
        last = 1 / z2 + 1 / n
        val = (first - adj / 8) / last if side == "low" else (first + adj / 8) / last
        return val / n * multiplier


def _truncated_probability(lam, obs, side):
    """``P(X ≥ O)`` ("low") or ``P(X ≤ O)`` ("high") for X ~ Poisson(λ), as the reference's series computes it.

    PHEindicatormethods (after the Excel macro) sums the Poisson terms from k = 0 and stops at the first
    ``k > λ`` whose term is ≤ 1e-10 × the running total, then normalises by that truncated total. Reproducing
    the truncation point keeps the bisection below making the same decisions as the reference.
    """
    lam = np.asarray(lam, dtype=float)
    k0 = np.floor(lam) + 1  # first k > λ
    span = np.arange(0, int(12 * np.sqrt(lam.max(initial=0.0)) + 60))
    ks = k0[:, None] + span[None, :]
    lam2 = lam[:, None]
    ratio = _sps.poisson.pmf(ks, lam2) / _sps.poisson.cdf(ks - 1, lam2)
    stop = ks[np.arange(len(lam)), np.argmax(ratio <= 1e-10, axis=1)]  # terms 0 .. stop-1 are summed
    total = _sps.poisson.cdf(stop - 1, lam)
    part = total - _sps.poisson.cdf(obs - 1, lam) if side == "low" else _sps.poisson.cdf(np.minimum(obs, stop - 1), lam)
    return part / total


def _poisson_mean(obs, p, side):
    """Poisson mean λ at which ``P(X ≥ O) = p`` (side "low") or ``P(X ≤ O) = p`` (side "high").

    Vectorised over ``obs``; reproduces the PHEindicatormethods/Excel bisection on ``v`` with
    ``λ = (1 + O)·v / (1 − v)`` (v starts at 0.5, step halved until it is below 1e-7), so the results agree
    with the reference to the bisection's resolution.
    """
    obs = np.asarray(obs, dtype=float)
    v = np.full(obs.shape, 0.5)
    dv = 0.5
    while dv > 1e-7:
        dv /= 2
        lam = (1 + obs) * v / (1 - v)
        prob = _truncated_probability(lam, obs, side)
        down = prob > p if side == "low" else prob < p
        v = np.where(down, v - dv, v + dv)
    return (1 + obs) * v / (1 - v)


def _r_nchar(value: float) -> int:
    """``nchar()`` of a whole number as R prints it (``100000`` prints as ``1e+05``: 5 characters)."""
    digits = str(int(value))
    mantissa = digits.rstrip("0") or "0"
    exponent = len(digits) - 1
    sci = len(mantissa) + (1 if len(mantissa) > 1 else 0) + 2 + max(2, len(str(exponent)))
    return sci if len(digits) > sci else len(digits)


def _floor_axis(x):
    if x == 0:
        return 0.0
    k = _r_nchar(np.floor(x * 0.95)) - 1
    return np.floor(x * 0.95 / 10.0**k) * 10.0**k


def _ceiling_axis(x):
    if x == 0:
        return 0.0
    k = _r_nchar(np.ceil(x * 1.05)) - 2
    return np.ceil(x * 1.05 / 10.0**k) * 10.0**k


def _derived_denominator(data, numerator, denominator, rate, statistic, rate_type, multiplier, who):
    """The denominator behind each point: the denominator, or (rates) multiplier × events / rate."""
    x = _col(data, numerator, "numerator")
    if statistic != "rate":
        return x, _col(data, denominator, "denominator")
    if np.isnan(x).any():
        raise InvalidInputError(
            f"for rates, numerators must be provided for all records, even when their values are zero; column "
            f"{numerator!r} is missing in {describe_rows(data, np.isnan(x), [numerator])}."
        )
    r = _col(data, rate, "rate")
    zero = x == 0
    if zero.any():
        if denominator is None:
            raise InvalidInputError(
                f"{who}: for rates, where there are 0 events for a record, the denominator field needs to be "
                f"provided using the denominator argument ({int(zero.sum())} record(s) have 0 events)."
            )
        d = _col(data, denominator, "denominator")
        bad = zero & ~(d > 0)
        if bad.any():
            raise InvalidInputError(
                f"for rates, where there are 0 events for a record, the denominator must be provided and > 0; "
                f"offending {describe_rows(data, bad, [numerator, denominator])}."
            )
    bad = ~zero & (np.isnan(r) | (r <= 0) | np.isinf(r))
    if bad.any():
        raise InvalidInputError(
            f"for rates, rates must be provided (and > 0) for every record with events; offending "
            f"{describe_rows(data, bad, [numerator, rate])}."
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = multiplier * x / r
    if rate_type == "dsr":
        derived = np.where(zero, np.nan, derived)
    elif denominator is not None:
        derived = np.where(zero, _col(data, denominator, "denominator"), derived)
    return x, derived


def _check_args(data, numerator, denominator, rate, statistic, rate_type, multiplier, years_of_data, who,
                ratio_type=None, need_multiplier=True):
    _choice(statistic, STATISTICS, "statistic")
    if statistic == "rate":
        _choice(rate_type, ("dsr", "crude"), "rate_type")
        if rate is None:
            raise InvalidInputError(f"{who} for rates needs rate=<column of rates>.")
        if years_of_data is not None and (not np.isfinite(years_of_data) or years_of_data <= 0):
            raise InvalidInputError(f"years_of_data must be a positive number; got {years_of_data!r}.")
    elif denominator is None:
        raise InvalidInputError(f"{who} for {statistic}s needs denominator=<column>.")
    if statistic == "ratio" and ratio_type is not None:
        _choice(ratio_type, ("count", "isr"), "ratio_type")
    if need_multiplier or multiplier is not None:
        if multiplier is None:
            raise InvalidInputError(f"{who} for {statistic}s needs multiplier= (e.g. 100 or 100_000).")
        multiplier = check_multiplier(multiplier)
    require_columns(data, numerator=numerator, denominator=denominator, rate=rate)
    return multiplier


# ----------------------------------------------------------------------------------------------- public API


def funnel_limits(
    data: pd.DataFrame,
    numerator: str,
    denominator: str | None = None,
    *,
    statistic: str,
    multiplier: float | None = None,
    rate: str | None = None,
    rate_type: str | None = None,
    ratio_type: str | None = None,
    years_of_data: float | None = None,
) -> pd.DataFrame:
    """A 100-row table of funnel-plot control limits (95 % "2σ" and 99.8 % "3σ") around the overall average.

    Parameters
    ----------
    data : DataFrame
        One row per area/point; used only for the overall average and the range of the x axis.
    numerator : str
        Cases (proportions), observed events (ratios) or events (rates); no missing values for rates.
    denominator : str, optional
        Population (proportions) or expected events (ratios). For rates, the populations used where a row
        has 0 events (required if any row has 0 events).
    statistic : {"proportion", "ratio", "rate"}
    multiplier : float
        Scale of the limits: 100 for percentages, 100_000 for rates per 100,000. Required for proportions and
        rates; for ratios only ``ratio_type`` sets the scale (the value is accepted and ignored).
    rate : str, optional
        Rates column (rates only); each row's denominator is derived as ``multiplier × events / rate``.
    rate_type : {"dsr", "crude"}, optional
        Rates only. For DSRs rows with 0 events are left out of the derived denominators.
    ratio_type : {"count", "isr"}, optional
        Ratios only: ``"count"`` reports ``limit − 1`` (a ratio around 0), ``"isr"`` reports ``limit × 100``.
    years_of_data : float, optional
        Rates only: number of years pooled; the population axis is per year.

    Returns
    -------
    DataFrame
        100 rows. Proportions: ``Population``, ``lower_2s_limit``, ``upper_2s_limit``, ``lower_3s_limit``,
        ``upper_3s_limit``, ``baseline``. Ratios: ``Observed_events`` and for each limit the expected events
        (``lower_2s_exp_events``, …) and the limit. Rates: ``Events`` and for each limit the one-year
        population (``lower_2s_population_1_year``, …) and the limit, plus ``baseline``. Then ``statistic``
        and ``method`` (``"Wilson"`` or ``"Poisson"``). Column names follow PHEindicatormethods so published
        funnel templates keep working.

    Raises
    ------
    InvalidInputError
        Unknown statistic/rate_type/ratio_type, missing required arguments, missing numerators for rates,
        zero-event rows without a denominator, bad multiplier.

    Notes
    -----
    Proportions (Spiegelhalter 2005 with Wilson score limits): for each population ``N`` the limit is the
    observed proportion whose Wilson interval just touches the average ``p̄ = Σx / Σn`` (``z`` at
    p = 0.975 / 0.999); lower limits are floored at 0 and upper capped at 100. Ratios and rates: exact Poisson
    limits, the mean ``λ`` for which ``P(X ≤ O) = p`` (lower limit ``O/λ``) or ``P(X ≥ O) = p`` (upper).
    The x axis has 100 geometrically spaced whole numbers between neat rounded bounds of the data.

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med 2005;24:1185-202.
    PHEindicatormethods 2.1.0 ``calculate_funnel_limits``.
    """
    who = "funnel_limits"
    multiplier = _check_args(data, numerator, denominator, rate, statistic, rate_type, multiplier, years_of_data,
                             who, ratio_type, need_multiplier=statistic != "ratio")
    _check_limit_inputs(data, numerator, denominator, statistic, ratio_type, years_of_data)
    x, derived = _derived_denominator(data, numerator, denominator, rate, statistic, rate_type, multiplier, who)
    av = x.sum() / np.nansum(derived)
    points = _axis_points(*_axis_range(derived, av, statistic, years_of_data), statistic)
    if statistic == "proportion":
        return _proportion_limits(points, av, multiplier)
    if statistic == "ratio":
        return _ratio_limits(points, ratio_type)
    return _rate_limits(points, av, multiplier, rate_type, years_of_data)


def _check_values(data, numerator, denominator, statistic, who) -> None:
    """Finite, non-negative numerators; finite denominators > 0 (≥ numerator for proportions)."""
    x = _col(data, numerator, "numerator")
    with np.errstate(invalid="ignore"):
        bad = (x < 0) | np.isinf(x)
        if bad.any():
            raise InvalidInputError(
                f"{who}: numerators must be finite and greater than or equal to zero; offending "
                f"{describe_rows(data, bad, [numerator])}. Correct or remove these rows."
            )
        if denominator is None:
            return
        d = _col(data, denominator, "denominator")
        bad = (d < 0) | np.isinf(d) if statistic == "rate" else (d <= 0) | np.isinf(d)
        if bad.any():
            raise InvalidInputError(
                f"{who}: denominators must be finite and greater than zero; offending "
                f"{describe_rows(data, bad, [denominator])}. Correct or remove these rows."
            )
        if statistic == "proportion" and (x > d).any():
            raise InvalidInputError(
                f"{who}: numerators must be less than or equal to denominator for a proportion; offending "
                f"{describe_rows(data, x > d, [numerator, denominator])}. Check the rows or swap the columns."
            )


def _check_limit_inputs(data, numerator, denominator, statistic, ratio_type, years_of_data) -> None:
    """The arguments each statistic needs, and complete numerators and denominators for proportions."""
    if len(data) == 0:
        raise InvalidInputError("funnel_limits needs at least one row of data to set the average and the axis; "
                                "the data frame is empty.")
    _check_values(data, numerator, denominator, statistic, "funnel_limits")
    if statistic == "ratio" and ratio_type is None:
        raise InvalidInputError("funnel_limits for ratios needs ratio_type='count' or 'isr'.")
    if statistic == "rate" and years_of_data is None:
        raise InvalidInputError("funnel_limits for rates needs years_of_data= (e.g. 3 for 3 pooled years).")
    if statistic == "proportion":
        x = _col(data, numerator, "numerator")
        d = _col(data, denominator, "denominator")
        bad = np.isnan(x) | np.isnan(d)
        if bad.any():
            raise InvalidInputError(
                "for proportions, numerators and denominators must be provided for all records, even when their "
                f"values are zero; offending {describe_rows(data, bad, [numerator, denominator])}."
            )


def _axis_range(derived, av, statistic, years_of_data) -> tuple[float, float]:
    """Neat rounded bounds of the x axis (rates: events expected at the average over the per-year populations)."""
    lo, hi = np.nanmin(derived), np.nanmax(derived)
    if statistic == "rate":
        axis_min = 0.0 if hi > 2 * lo else _floor_axis(lo / years_of_data) * years_of_data
        axis_max = _ceiling_axis(hi / years_of_data) * years_of_data
        return np.floor(axis_min * av), np.ceil(axis_max * av)
    axis_min = 0.0 if hi > 2 * lo else _floor_axis(lo)
    return axis_min, _ceiling_axis(hi)


def _axis_points(axis_min, axis_max, statistic) -> np.ndarray:
    """100 points spaced geometrically (closer together at small sizes); inherently sequential, 99 scalar steps."""
    points = np.empty(N_POINTS)
    points[0] = max(1.0, axis_min)
    shift = 1 if statistic == "ratio" else 0
    for j in range(2, N_POINTS + 1):
        prev = points[j - 2]
        points[j - 1] = max(np.round((axis_max / prev) ** (1 / (101 - (j - shift))) * prev), prev + 1)
    return points


def _proportion_limits(points, av, multiplier) -> pd.DataFrame:
    out = pd.DataFrame({"Population": points})
    for s, p in (("2s", 0.975), ("3s", 0.999)):
        out[f"lower_{s}_limit"] = np.maximum(0, _wilson_limit(p, points, av, "low", multiplier))
        out[f"upper_{s}_limit"] = np.minimum(100, _wilson_limit(p, points, av, "high", multiplier))
    out = out[["Population", "lower_2s_limit", "upper_2s_limit", "lower_3s_limit", "upper_3s_limit"]]
    out["baseline"] = av * multiplier
    out["statistic"] = "proportion"
    out["method"] = "Wilson"
    return out


def _ratio_limits(points, ratio_type) -> pd.DataFrame:
    out = pd.DataFrame({"Observed_events": points})
    for s, p in (("2s", 0.025), ("3s", 0.001)):
        lo_exp = _poisson_mean(points, p, "high")
        hi_exp = _poisson_mean(points, p, "low")
        out[f"lower_{s}_exp_events"] = lo_exp
        out[f"lower_{s}_limit"] = points / lo_exp
        out[f"upper_{s}_exp_events"] = hi_exp
        out[f"upper_{s}_limit"] = points / hi_exp
    limits = [c for c in out.columns if c.endswith("limit")]
    out[limits] = out[limits] - 1 if ratio_type == "count" else out[limits] * 100
    out["statistic"] = f"ratio ({ratio_type})"
    out["method"] = "Poisson"
    return out


def _rate_limits(points, av, multiplier, rate_type, years_of_data) -> pd.DataFrame:
    out = pd.DataFrame({"Events": points})
    for s, p in (("2s", 0.025), ("3s", 0.001)):
        for side, bound in (("lower", "high"), ("upper", "low")):
            pop = _poisson_mean(points, p, bound) / av
            out[f"{side}_{s}_population_1_year"] = pop / years_of_data
            out[f"{side}_{s}_limit"] = points / pop * multiplier
    out["baseline"] = av * multiplier
    out["statistic"] = f"rate ({rate_type} per {multiplier:,.0f})" if float(multiplier).is_integer() else (
        f"rate ({rate_type} per {format_number(multiplier)})"
    )
    out["method"] = "Poisson"
    return out


def funnel_significance(
    data: pd.DataFrame,
    numerator: str,
    denominator: str | None = None,
    *,
    statistic: str,
    rate: str | None = None,
    rate_type: str | None = None,
    multiplier: float | None = None,
) -> pd.DataFrame:
    """Flag each point as inside or outside the 95 % / 99.8 % funnel limits around the overall average.

    Parameters
    ----------
    data : DataFrame
        One row per area/point (index kept).
    numerator : str
        Cases (proportions), observed events (ratios) or events (rates).
    denominator : str, optional
        Population (proportions; > 0), expected events (ratios; > 0), or for rates the populations used for
        rows with 0 events.
    statistic : {"proportion", "ratio", "rate"}
    rate : str, optional
        Rates column (rates only).
    rate_type : {"dsr", "crude"}, optional
        Rates only; DSR rows with fewer than 10 events are "Not applicable for events less than 10 for dsrs".
    multiplier : float, optional
        Rates only (the rate's "per"): needed to derive denominators as ``multiplier × events / rate``.

    Returns
    -------
    DataFrame
        ``data`` plus ``significance``, a categorical with levels ``High (0.001)``, ``High (0.025)``,
        ``Low (0.001)``, ``Low (0.025)``, ``Not significant`` (+ the DSR "Not applicable" level for rates).

    Raises
    ------
    InvalidInputError
        Negative numerators, denominators ≤ 0, numerator greater than denominator (proportions), and the
        rate rules of :func:`funnel_limits`.

    Notes
    -----
    Proportions: ``x/n`` is compared with the Wilson-based limits of :func:`funnel_limits` at population ``n``
    (first match in the order Low 0.001, Low 0.025, High 0.001, High 0.025). Ratios: the exact (O < 10) or
    Byar's interval of ``O/E`` at 95 % and 99.8 % is compared with 1; rates: the interval of
    ``events / derived denominator`` is compared with the overall ``Σ events / Σ derived denominators``
    (order High 0.001, High 0.025, Low 0.001, Low 0.025).

    References
    ----------
    Spiegelhalter DJ. Stat Med 2005;24:1185-202. PHEindicatormethods 2.1.0 ``assign_funnel_significance``.
    """
    who = "funnel_significance"
    multiplier = _check_args(data, numerator, denominator, rate, statistic, rate_type, multiplier, None, who,
                             need_multiplier=statistic == "rate")
    x = _col(data, numerator, "numerator")
    with np.errstate(invalid="ignore"):
        if np.isinf(x).any() or (denominator is not None and np.isinf(_col(data, denominator, "denominator")).any()):
            _check_values(data, numerator, denominator, statistic, who)
        if (x < 0).any():
            raise InvalidInputError(
                f"numerators must be greater than or equal to zero; offending "
                f"{describe_rows(data, x < 0, [numerator])}."
            )
        if denominator is not None:
            d = _col(data, denominator, "denominator")
            if (d <= 0).any():
                raise InvalidInputError(
                    f"denominators must be greater than zero; offending {describe_rows(data, d <= 0, [denominator])}."
                )
            if statistic == "proportion" and (x > d).any():
                raise InvalidInputError(
                    "numerators must be less than or equal to denominator for a proportion; offending "
                    f"{describe_rows(data, x > d, [numerator, denominator])}."
                )
    levels = list(SIGNIFICANCE_LEVELS)
    out = data.copy()
    if statistic == "proportion":
        if np.isnan(x).any() or np.isnan(d).any():
            offending = describe_rows(data, np.isnan(x) | np.isnan(d), [numerator, denominator])
            raise InvalidInputError(
                "for proportions, numerators and denominators must be provided for all records, even when their "
                f"values are zero; offending {offending}."
            )
        average = x.sum() / d.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            p = x / d
            conds = [
                p < _wilson_limit(0.999, d, average, "low", 1),
                p < _wilson_limit(0.975, d, average, "low", 1),
                p > _wilson_limit(0.999, d, average, "high", 1),
                p > _wilson_limit(0.975, d, average, "high", 1),
            ]
        labels = ["Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)"]
    else:
        if statistic == "ratio":
            events, expected, comparator = x, d, 1.0
        else:
            events, expected = _derived_denominator(data, numerator, denominator, rate, statistic, rate_type,
                                                    multiplier, who)
            comparator = events.sum() / np.nansum(expected)
        with np.errstate(divide="ignore", invalid="ignore"):
            lo998, hi998, _ = poisson_limits(events, 0.998)
            lo95, hi95, _ = poisson_limits(events, 0.95)
            conds = [
                comparator < lo998 / expected,
                comparator < lo95 / expected,
                comparator > hi998 / expected,
                comparator > hi95 / expected,
            ]
        labels = ["High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)"]
        if statistic == "rate":
            levels.append(NOT_APPLICABLE)
            if rate_type == "dsr":
                conds = [events < 10] + conds
                labels = [NOT_APPLICABLE] + labels
    result = np.select(conds, labels, default="Not significant")
    out["significance"] = pd.Categorical(result, categories=levels)
    return out


def funnel_points(
    data: pd.DataFrame,
    numerator: str,
    rate: str,
    *,
    rate_type: str,
    years_of_data: float,
    multiplier: float,
    denominator: str | None = None,
) -> pd.DataFrame:
    """Rates and annualised denominators to plot on a rate funnel (PHEindicatormethods ``calculate_funnel_points``).

    Parameters
    ----------
    data : DataFrame
        One row per area (index kept).
    numerator, rate : str
        Events and rates columns.
    rate_type : {"dsr", "crude"}
        For DSRs, points with fewer than 10 events are not plotted (NA).
    years_of_data : float
        Years pooled; denominators are per year.
    multiplier : float
        The rate's "per" (e.g. 100_000).
    denominator : str, optional
        Populations, used where a row has 0 events (crude rates; required if any row has 0 events).

    Returns
    -------
    DataFrame
        ``data`` plus ``<rate>_chart`` (the rate to plot) and ``denominator_derived``
        (``multiplier × events / rate / years_of_data``, or ``denominator / years_of_data`` for 0 events).

    References
    ----------
    Spiegelhalter DJ. Stat Med 2005;24:1185-202. PHEindicatormethods 2.1.0 ``calculate_funnel_points``.
    """
    who = "funnel_points"
    multiplier = _check_args(data, numerator, denominator, rate, "rate", rate_type, multiplier, years_of_data, who)
    if years_of_data is None:
        raise InvalidInputError("funnel_points needs years_of_data= (e.g. 3 for 3 pooled years).")
    _check_values(data, numerator, None, "rate", who)
    x = _col(data, numerator, "numerator")
    r = _col(data, rate, "rate")
    with np.errstate(invalid="ignore"):
        bad = ((x > 0) & ~(r > 0)) | np.isinf(r)
    if bad.any():
        raise InvalidInputError(
            f"{who}: rates must be finite and greater than zero for every record with events; offending "
            f"{describe_rows(data, bad, [numerator, rate])}."
        )
    if (x == 0).any() and denominator is None:
        raise InvalidInputError(
            "funnel_points: for rates, where there are 0 events for a record, the denominator field needs to be "
            f"provided using the denominator argument ({int((x == 0).sum())} record(s) have 0 events)."
        )
    out = data.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = multiplier * x / r / years_of_data
    if rate_type == "dsr":
        small = x < 10
        out[f"{rate}_chart"] = np.where(small, np.nan, r)
        out["denominator_derived"] = np.where(small, np.nan, derived)
    else:
        out[f"{rate}_chart"] = r
        if denominator is not None:
            derived = np.where(x == 0, _col(data, denominator, "denominator") / years_of_data, derived)
        out["denominator_derived"] = derived
    return out
