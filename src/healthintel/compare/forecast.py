"""Projection of an indicator's recent linear trend to its goal period, with a prediction interval.

Owns :func:`forecast`: for each series (one row per period with a value and its 95% confidence interval), a
weighted least-squares line of value on the period's start year (weights 1/SE², SE from the CI), projected to the
goal period's start year with the 95% prediction interval for a new observation and the probability that such an
observation is at or better than the goal.

This is a projection of the recent linear trend, not a prediction of the effect of policy or services: it assumes
the series keeps changing as it did over the fitted periods. None of the national tools (Fingertips,
PHEindicatormethods, fingertipsR) publish such a projection; the method is stated in full in the ``method`` column.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInputError, SuppressionWarning, describe_rows
from ..frames import as_list, numeric, require_columns
from ..periods import parse_period, parse_periods
from ..polarity import HIGH_IS_GOOD, LOW_IS_GOOD, parse_polarity

__all__ = ["forecast", "MIN_PERIODS", "FORECAST_METHOD"]

#: Fewest periods with a value and CI for a projection (as the Fingertips recent-trend rule asks for 5 points).
MIN_PERIODS = 5
_Z95 = 1.959964
FORECAST_METHOD = (
    "Weighted least-squares line of value on the period's start year (statsmodels WLS, weights 1/SE², "
    "SE = (upper 95% CI − lower 95% CI) / (2 × 1.959964)), projected to the goal period's start year; "
    "95% prediction interval for a new observation weighted as the mean weight of the fitted points; "
    "probability that such an observation is at or better than the goal from the t distribution with n − 2 "
    "degrees of freedom. A projection of the recent linear trend, not a prediction of policy effects."
)
_OUTPUT = ["n_periods", "periods_not_fitted", "first_period", "last_period", "goal_period", "goal", "polarity",
           "slope", "slope_se", "projected_value", "lower_pi", "upper_pi", "probability_goal_met", "confidence",
           "statistic", "method", "reason"]


@dataclass(frozen=True)
class _Fit:
    """One group's projection (NaN where not computed) and the reason when it is not."""

    slope: float = np.nan
    slope_se: float = np.nan
    projected: float = np.nan
    lower: float = np.nan
    upper: float = np.nan
    probability: float = np.nan
    reason: str = ""


def forecast(data: pd.DataFrame, *, period: str, value: str, lower_ci: str, upper_ci: str,
             goal_period: Any, goal: Any = None, polarity: Any, by: Any = None) -> pd.DataFrame:
    """Project each series' recent linear trend to its goal period, with a 95% prediction interval.

    Parameters
    ----------
    data : DataFrame
        One row per period (per group) with the value and its 95% confidence limits.
    period : str
        Column of period labels ("2019", "2021/22", "2017-19" ...); the line is fitted on each period's start year.
    value, lower_ci, upper_ci : str
        Columns of the value and its 95% confidence limits. A row whose value or limits are missing is not fitted
        and is counted in ``periods_not_fitted``; a row whose lower limit exceeds its upper limit, or whose value
        lies outside its limits, is an error.
    goal_period : str or label
        The period to project to (its start year): a column of ``data`` (constant within each group) or one label.
    goal : float or str, optional
        The goal value: a column (constant within each group) or one number; ``None`` gives no probability.
    polarity : str
        A column (constant within each group) or one polarity ("high_is_good", "low_is_good", Fingertips names
        or ids); with no judgement the probability is NA.
    by : str or list of str, optional
        Columns identifying each series (one output row per group, in order of first appearance).

    Returns
    -------
    DataFrame
        One row per group: the ``by`` columns, ``n_periods`` (fitted), ``periods_not_fitted`` (rows without a
        value or CI), ``first_period``, ``last_period``,
        ``goal_period``, ``goal``, ``polarity``, ``slope`` and ``slope_se`` (per year), ``projected_value`` at
        the goal period's start year, ``lower_pi`` / ``upper_pi`` (95% prediction interval for a new
        observation), ``probability_goal_met``, ``confidence`` (0.95), ``statistic``, ``method`` and
        ``reason`` (why a value is NA; empty when computed). Groups with fewer than :data:`MIN_PERIODS`
        fitted periods, or a zero-width confidence interval (weight 1/SE² undefined), are NA with a reason and
        one :class:`~healthintel.errors.SuppressionWarning`.

    Notes
    -----
    For group *g* with periods *t_i* (start years), values *y_i* and SE_i = (u_i − l_i) / (2 × 1.959964), the line
    *y = a + b t* is fitted by weighted least squares with weights w_i = 1/SE_i² (``statsmodels.api.WLS``, residual
    variance estimated). At the goal year *t\\** the projection is *ŷ = a + b t\\**; a new observation weighted
    w̄ (the mean of w_i) has standard error sqrt(Var(ŷ) + σ̂²/w̄) and the 95% prediction interval is
    ŷ ± t₀.₉₇₅,ₙ₋₂ × that error (``get_prediction(..., weights=w̄).summary_frame()["obs_ci_*"]``). The probability
    that the goal is met is P(T ≥ (goal − ŷ)/SE) for high-is-good and P(T ≤ (goal − ŷ)/SE) for low-is-good,
    with T ~ t(n − 2).

    It projects the recent linear trend; it does not model the effect of policy, services or events, and a
    series with a break (e.g. a change of definition) should be cut to the periods after the break.

    References
    ----------
    Seabold S, Perktold J (2010). statsmodels: Econometric and statistical modeling with Python.
    Draper NR, Smith H (1998). Applied Regression Analysis, 3rd ed., ch. 9 (weighted least squares) and §3.3
    (prediction of a new observation).
    """
    require_columns(data, period=period, value=value, lower_ci=lower_ci, upper_ci=upper_ci, by=by)
    by = as_list(by)
    frame = _checked_rows(data, period=period, value=value, lower_ci=lower_ci, upper_ci=upper_ci, by=by)
    settings = _group_settings(data, by, goal_period=goal_period, goal=goal, polarity=polarity)
    out = _assemble(frame, settings, by)
    reasons = out["reason"].ne("")
    if reasons.any():
        warnings.warn(f"forecast: {int(reasons.sum())} group(s) not projected; see the 'reason' column.",
                      SuppressionWarning, stacklevel=2)
    return out


def _checked_rows(data: pd.DataFrame, *, period: str, value: str, lower_ci: str, upper_ci: str,
                  by: list[Hashable]) -> pd.DataFrame:
    """The rows as a frame of group key, start year, value and SE; impossible rows raise, naming them."""
    if len(data) == 0:
        raise InvalidInputError("forecast: data has no rows; pass at least one period per series.")
    for column in by:
        if data[column].isna().any():
            raise InvalidInputError(
                f"forecast: by column {column!r} is missing in {describe_rows(data, data[column].isna(), by)}. "
                "Give every row its series key, or drop those rows knowingly before the call.")
    start, _ = parse_periods(data, period, arg="period")
    y = numeric(data, value, arg="value")
    lo = numeric(data, lower_ci, arg="lower_ci")
    hi = numeric(data, upper_ci, arg="upper_ci")
    finite = np.isfinite(y) & np.isfinite(lo) & np.isfinite(hi)
    _check_limits(data, finite, y, lo, hi, columns=[*by, period, value, lower_ci, upper_ci])
    dup = pd.DataFrame({**{c: data[c].to_numpy() for c in by}, "_start": start}).duplicated(keep=False).to_numpy()
    if dup.any():
        raise InvalidInputError(
            f"forecast: period column {period!r} repeats within a series in {describe_rows(data, dup, [*by, period])}"
            ". Give one row per series and period (add the distinguishing column to by=).")
    return pd.DataFrame({"_key": _keys(data, by), "_label": data[period].astype(str).to_numpy(), "_t": start,
                         "_y": y, "_se": (hi - lo) / (2 * _Z95), "_ok": finite})


def _check_limits(data: pd.DataFrame, finite: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                  columns: list) -> None:
    with np.errstate(invalid="ignore"):
        swapped = finite & (lo > hi)
        outside = finite & ~swapped & ((y < lo) | (y > hi))
        infinite = np.isinf(y) | np.isinf(lo) | np.isinf(hi)
    if infinite.any():
        raise InvalidInputError(f"forecast: infinite value or limit in {describe_rows(data, infinite, columns)}. "
                                "Correct these rows; a projection needs finite values.")
    if swapped.any():
        raise InvalidInputError(f"forecast: lower_ci is above upper_ci in {describe_rows(data, swapped, columns)}. "
                                "The limits look swapped: pass lower_ci= and upper_ci= the right way round.")
    if outside.any():
        raise InvalidInputError(f"forecast: the value lies outside its confidence interval in "
                                f"{describe_rows(data, outside, columns)}. Check the value and limit columns.")


def _keys(data: pd.DataFrame, by: list[Hashable]) -> np.ndarray:
    if not by:
        return np.zeros(len(data), dtype=np.intp)
    codes, _ = pd.factorize(pd.MultiIndex.from_frame(data[by]) if len(by) > 1 else data[by[0]], sort=False)
    return np.asarray(codes, dtype=np.intp)


def _group_settings(data: pd.DataFrame, by: list[Hashable], **settings: Any) -> pd.DataFrame:
    """One row per group: its key columns and goal_period, goal and polarity (from a column or one value)."""
    keys = (data[by].drop_duplicates().reset_index(drop=True) if by else pd.DataFrame(index=[0]))
    for name, setting in settings.items():
        if isinstance(setting, str) and setting in data.columns:
            per_group = data.groupby(by, sort=False, dropna=False)[setting].nunique(dropna=False) if by else \
                pd.Series([data[setting].nunique(dropna=False)])
            if (per_group > 1).any():
                raise InvalidInputError(
                    f"forecast: {name} column {setting!r} differs within a series (groups "
                    f"{per_group[per_group > 1].index.tolist()[:5]}); give one {name} per series.")
            first = data.drop_duplicates(by) if by else data.head(1)
            keys[name] = first[setting].to_numpy()
        else:
            keys[name] = [setting] * len(keys)
    keys["polarity"] = [parse_polarity(p) for p in keys["polarity"]]
    keys["goal_t"] = [parse_period(p)[0] for p in keys["goal_period"]]
    if keys["goal_t"].isna().any():
        raise InvalidInputError(f"forecast: goal_period {keys.loc[keys['goal_t'].isna(), 'goal_period'].tolist()} "
                                "is not a period label; use e.g. 2028, '2028/29' or '2026-28'.")
    keys["goal"] = pd.to_numeric(keys["goal"], errors="raise") if keys["goal"].notna().any() else np.nan
    return keys


def _assemble(frame: pd.DataFrame, settings: pd.DataFrame, by: list[Hashable]) -> pd.DataFrame:
    """Fit each group (a statsmodels WLS per series: a handful of series, not a hot path) and build the output."""
    fits: list[_Fit] = []
    counts, skipped, firsts, lasts = [], [], [], []
    for g, setting in enumerate(settings.itertuples(index=False)):
        rows = frame[frame["_key"].to_numpy() == g].sort_values("_t")
        used = rows[rows["_ok"]]
        counts.append(len(used))
        firsts.append(used["_label"].iloc[0] if len(used) else None)
        lasts.append(used["_label"].iloc[-1] if len(used) else None)
        fits.append(_fit_one(used, goal_t=setting.goal_t, goal=setting.goal, polarity=setting.polarity))
        skipped.append(len(rows) - len(used))
    out = settings[[*by]].copy() if by else pd.DataFrame(index=range(len(settings)))
    out["n_periods"] = counts
    out["periods_not_fitted"] = skipped
    out["first_period"], out["last_period"] = firsts, lasts
    out["goal_period"] = settings["goal_period"].to_numpy()
    out["goal"] = settings["goal"].to_numpy(dtype=float)
    out["polarity"] = settings["polarity"].to_numpy()
    for column, attr in [("slope", "slope"), ("slope_se", "slope_se"), ("projected_value", "projected"),
                         ("lower_pi", "lower"), ("upper_pi", "upper"), ("probability_goal_met", "probability")]:
        out[column] = [getattr(f, attr) for f in fits]
    out["confidence"] = 0.95
    out["statistic"] = "projection of the recent linear trend"
    out["method"] = FORECAST_METHOD
    out["reason"] = [f.reason for f in fits]
    return out[[*by, *_OUTPUT]]


def _fit_one(used: pd.DataFrame, *, goal_t: float, goal: float, polarity: str) -> _Fit:
    """The WLS fit, projection, prediction interval and probability for one series."""
    import statsmodels.api as sm
    from scipy import stats as sps

    n = len(used)
    if n < MIN_PERIODS:
        return _Fit(reason=f"not enough data: {n} period(s) with a value and CI, {MIN_PERIODS} needed")
    se = used["_se"].to_numpy()
    if (se <= 0).any():
        labels = used.loc[se <= 0, "_label"].tolist()
        return _Fit(reason=f"zero-width confidence interval in {', '.join(labels)}: weight 1/SE² undefined")
    weights = 1.0 / se**2
    exog = sm.add_constant(used["_t"].to_numpy(dtype=float), has_constant="add")
    result = sm.WLS(used["_y"].to_numpy(dtype=float), exog, weights=weights).fit()
    prediction = result.get_prediction(np.array([[1.0, goal_t]]), weights=weights.mean())
    frame = prediction.summary_frame(alpha=0.05)
    projected = float(frame["mean"].iloc[0])
    se_obs = float(np.sqrt(prediction.var_pred_mean[0] + prediction.var_resid))
    probability = _probability(projected, se_obs, goal=goal, polarity=polarity, df=n - 2, t_dist=sps.t)
    return _Fit(slope=float(result.params[1]), slope_se=float(result.bse[1]), projected=projected,
                lower=float(frame["obs_ci_lower"].iloc[0]), upper=float(frame["obs_ci_upper"].iloc[0]),
                probability=probability)


def _probability(projected: float, se_obs: float, *, goal: float, polarity: str, df: int, t_dist: Any) -> float:
    if goal is None or not np.isfinite(goal) or polarity not in (HIGH_IS_GOOD, LOW_IS_GOOD):
        return np.nan
    if se_obs == 0:
        met = projected >= goal if polarity == HIGH_IS_GOOD else projected <= goal
        return float(met)
    z = (goal - projected) / se_obs
    return float(t_dist.sf(z, df) if polarity == HIGH_IS_GOOD else t_dist.cdf(z, df))
