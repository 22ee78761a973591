"""An area's priorities: indicators significantly worse than England and not improving, and goals unlikely to be
met (compute only: :mod:`healthintel.chapters.area_overview` states them in sentences).

Owns :func:`area_priorities`, which reads one row per indicator — the shape of
:attr:`healthintel.compare.tracker.OutcomesTracker.rows`: the latest value and period, England's value, the
Fingertips benchmark label, the Fingertips recent trend, the polarity and the projection of the recent linear
trend to the goal (:func:`~healthintel.compare.forecast`) — and ranks the indicators that need attention:

1. significantly worse than England **and getting worse** (recent trend);
2. significantly worse than England with **no significant change**;
3. a goal with **under 50% chance** of being met (the projection's ``probability_goal_met``);
4. significantly worse than England where the recent trend **cannot be calculated** (so it cannot be called
   improving either; stated as such).

An indicator meeting several rules is listed once, under its highest rule, with every reason. Within rules 1, 2
and 4 the larger relative gap from England comes first; within rule 3 the smaller probability. Only real values
are ranked: DEMO rows are counted in ``attrs["demo_excluded"]``, never listed.

"Significantly worse" is Fingertips' own label ("Worse", "Worst") or, where Fingertips published a comparison
without a judgement ("Significantly higher" / "Higher", "Significantly lower" / "Lower": the value's 95% CI
excludes England's), that label read with the indicator's polarity in the strategy's registry.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..frames import require_columns
from ..polarity import HIGH_IS_GOOD, LOW_IS_GOOD

__all__ = ["area_priorities", "PRIORITY_COLUMNS", "RULES", "significantly_worse", "trend_state"]

#: Rule number -> the reason as the priorities list states it.
RULES = {
    1: "significantly worse than England and getting worse",
    2: "significantly worse than England, no significant change",
    3: "under 50% chance of meeting the goal",
    4: "significantly worse than England; recent trend cannot be calculated",
}
#: Columns of :func:`area_priorities`.
PRIORITY_COLUMNS = ["rank", "rule", "id", "indicator", "reason", "value", "lower_ci", "upper_ci", "unit", "period",
                    "comparator", "comparator_value", "benchmark", "trend", "trend_reason", "goal_value", "goal_period",
                    "projected_value", "lower_pi", "upper_pi", "projection_periods", "projection_first",
                    "projection_last", "probability_goal_met", "source"]
_REQUIRED = ["id", "name", "real", "period", "value", "england", "benchmark", "trend", "polarity", "source"]
_WORSE = {"worse", "worst", "significantly worse"}
_HIGHER = {"higher", "significantly higher"}
_LOWER = {"lower", "significantly lower"}


def _labels(series: pd.Series) -> np.ndarray:
    return series.fillna("").astype(str).str.strip().str.lower().to_numpy(dtype=object)


def significantly_worse(benchmark: pd.Series, polarity: pd.Series) -> np.ndarray:
    """True where a Fingertips benchmark label means significantly worse than England, given the polarity.

    "Worse"/"Worst" are worse whatever the polarity; "Significantly higher"/"Higher" are worse when low is good,
    "Significantly lower"/"Lower" when high is good; every other label ("Similar", "Better", "Not compared",
    missing) is not.
    """
    label, pol = _labels(benchmark), polarity.astype(str).to_numpy(dtype=object)
    return (np.isin(label, list(_WORSE)) | (np.isin(label, list(_HIGHER)) & (pol == LOW_IS_GOOD))
            | (np.isin(label, list(_LOWER)) & (pol == HIGH_IS_GOOD)))


def trend_state(trend: pd.Series, polarity: pd.Series) -> np.ndarray:
    """Each recent-trend label as "worse", "no change", "better" or "unknown" (read with the polarity where the
    label has no judgement: "Increasing" is worse when low is good)."""
    label, pol = _labels(trend), polarity.astype(str).to_numpy(dtype=object)
    worse = (np.char.find(label.astype(str), "getting worse") >= 0) | ((label == "increasing") & (pol == LOW_IS_GOOD)) \
        | ((label == "decreasing") & (pol == HIGH_IS_GOOD))
    better = (np.char.find(label.astype(str), "getting better") >= 0) \
        | ((label == "increasing") & (pol == HIGH_IS_GOOD)) | ((label == "decreasing") & (pol == LOW_IS_GOOD))
    return np.select([worse, better, label == "no significant change"], ["worse", "better", "no change"],
                     default="unknown")


def _rules(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(rule number, reason text) of every row: 0 and "" when it is not a priority. An indicator meeting two
    rules (a benchmark rule and rule 3) takes the lower number and states both reasons, in rule order."""
    worse = significantly_worse(rows["benchmark"], rows["polarity"])
    state = trend_state(rows["trend"], rows["polarity"])
    prob = pd.to_numeric(rows["probability_goal_met"], errors="coerce").to_numpy(dtype=float) \
        if "probability_goal_met" in rows else np.full(len(rows), np.nan)
    unlikely = np.nan_to_num(prob, nan=1.0) < 0.5
    bench = np.select([worse & (state == "worse"), worse & (state == "no change"), worse & (state == "unknown")],
                      [1, 2, 4], default=0)
    goal = np.where(unlikely, 3, 0)
    rule = np.where((bench > 0) & (goal > 0), np.minimum(bench, goal), np.maximum(bench, goal))
    reasons = ["; ".join(RULES[k] for k in sorted({int(b), int(g)} - {0})) for b, g in zip(bench, goal)]
    return rule, np.array(reasons, dtype=object)


def area_priorities(rows: pd.DataFrame) -> pd.DataFrame:
    """Rank an area's indicators that need attention (see the module docstring for the rules).

    Parameters
    ----------
    rows : DataFrame
        One row per indicator with ``id``, ``name``, ``real`` (False: a DEMO row, never ranked), ``period``,
        ``value``, ``england`` (England's value for the same period), ``benchmark`` (Fingertips label),
        ``trend`` (Fingertips recent trend), ``polarity`` and ``source``; optionally ``unit``, ``lower_ci``,
        ``upper_ci``, ``trend_reason`` (why a trend cannot be calculated), ``goal_value``, ``goal_period`` and the
        projection columns of
        :data:`healthintel.compare.tracker.PROJECTION_COLUMNS` (``probability_goal_met`` …).

    Returns
    -------
    DataFrame
        :data:`PRIORITY_COLUMNS`, one row per priority, ``rank`` 1 first: ``rule`` (1–4), ``indicator``,
        ``reason`` (every rule the indicator meets, highest first), the latest ``value`` with CI, ``unit`` and
        ``period``, ``comparator`` ("England", or "goal" for a rule-3-only row) and ``comparator_value``
        (England's value; the goal for a rule-3-only row), ``benchmark``, ``trend``, the goal and projection, and
        ``source``. ``attrs["demo_excluded"]``: DEMO rows left out; ``attrs["considered"]``: real rows read.
    """
    require_columns(rows, **{c: c for c in _REQUIRED})
    demo = ~rows["real"].astype(bool)
    real = rows[~demo].reset_index(drop=True)
    rule, reason = _rules(real) if len(real) else (np.zeros(0, dtype=int), np.zeros(0, dtype=object))
    keep = rule > 0
    out = real[keep].copy()
    out["rule"], out["reason"] = rule[keep], reason[keep]
    england = pd.to_numeric(out["england"], errors="coerce")
    value = pd.to_numeric(out["value"], errors="coerce")
    goal_only = out["rule"].eq(3) & ~significantly_worse(out["benchmark"], out["polarity"])
    out["comparator"] = np.where(goal_only, "goal", "England")
    goal = pd.to_numeric(out["goal_value"], errors="coerce") if "goal_value" in out else np.nan
    out["comparator_value"] = np.where(goal_only, goal, england)
    gap = ((value - england).abs() / england.abs()).fillna(0.0)
    prob = pd.to_numeric(out.get("probability_goal_met", np.nan), errors="coerce")
    out["_key"] = np.where(out["rule"] == 3, prob.fillna(1.0), -gap)
    out = out.sort_values(["rule", "_key"], kind="stable").reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    out = out.rename(columns={"name": "indicator"})
    for column in PRIORITY_COLUMNS:
        if column not in out:
            out[column] = np.nan
    result = out[PRIORITY_COLUMNS]
    result.attrs["demo_excluded"] = int(demo.sum())
    result.attrs["considered"] = len(real)
    return result
