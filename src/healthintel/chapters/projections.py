"""How every chapter states a projection to a goal: the "Projected in <goal year>" and "Chance of meeting the goal"
cells and the method note (presentation only; the projection is :func:`healthintel.compare.forecast`).

The rule the chapters share: a number only where the projection was computed (five or more periods with a value
and a 95% confidence interval); "not enough data" with fewer points, never a number; "demo" on demo values
(and "demo (…)" around a projection of synthetic data); "no numeric goal" where the goal is a change on a
baseline that is not published.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

__all__ = ["PROJECTION_METHOD", "NOT_ENOUGH_DATA", "projected_text", "chance_text", "projected_header",
           "percent"]

#: The method note beside every projection (what it is and what it is not).
PROJECTION_METHOD = (
    "Projection to the goal year: a weighted least-squares line through the published values (weights 1/SE², SE "
    "from each 95% confidence interval) on the start year of each period, extended to the goal period, with the "
    "95% prediction interval for a new value and the chance that such a value is at or better than the goal "
    "(t distribution, n − 2 degrees of freedom). It needs at least 5 periods with a value and a 95% confidence "
    "interval; with fewer the tables say \"not enough data\". It projects the recent linear trend only: it is "
    "not a prediction of the effect of policy or services. Pooled periods (e.g. 2018-20, 2019-21) share years, "
    "so their points are not independent and the interval is then likely too narrow."
)
NOT_ENOUGH_DATA = "not enough data"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def _reason(row: Any) -> str:
    return str(row.get("projection_reason", row.get("reason", "")) or "")


def _no_projection(row: Any) -> str | None:
    """The text of a row without a projection (None when it has one)."""
    reason = _reason(row)
    if reason.startswith("demo"):
        return "demo"
    if reason.startswith("not enough data"):
        return NOT_ENOUGH_DATA
    if reason.startswith("no goal"):
        return "no goal"
    if reason:
        return "not computed: " + reason.split(":")[0]
    if _missing(row.get("projected_value")):
        return NOT_ENOUGH_DATA
    return None


def percent(probability: float) -> str:
    """A probability as the tables state it: "23%", "<1%" or ">99%"."""
    if probability < 0.005:
        return "<1%"
    if probability > 0.995:
        return ">99%"
    return f"{probability:.0%}"


def projected_text(row: Any, *, dps: int = 1, demo: bool = False) -> str:
    """"79.1 (95% PI 78.2 to 80.0)" for a projected row; else "not enough data", "demo", "no goal" ...

    ``row`` (a mapping or Series) is a row of :func:`healthintel.compare.forecast` (or of the outcomes tracker,
    whose projection columns carry the same names with ``projection_reason``); ``demo`` prefixes a number with
    "demo: ".
    """
    empty = _no_projection(row)
    if empty is not None:
        return empty
    text = (f"{float(row['projected_value']):,.{dps}f} (95% PI {float(row['lower_pi']):,.{dps}f} to "
            f"{float(row['upper_pi']):,.{dps}f})")
    return f"demo: {text}" if demo else text


def chance_text(row: Any, *, demo: bool = False) -> str:
    """The chance that the goal is met, as "23%"; "not enough data" with fewer than 5 points (never a number);
    "no numeric goal" when the goal has no number; "demo" / "demo (23%)" on demo or synthetic values."""
    empty = _no_projection(row)
    if empty is not None:
        return empty
    p: Any = row.get("probability_goal_met")
    if _missing(p):
        return "no numeric goal"
    text = percent(float(p))
    return f"demo ({text})" if demo else text


def projected_header(goal_periods: Iterable[Any]) -> str:
    """"Projected in 2026-28" when every row has that goal period, else "Projected in goal year"."""
    periods = {str(p) for p in goal_periods if not _missing_period(p)}
    return f"Projected in {periods.pop()}" if len(periods) == 1 else "Projected in goal year"


def _missing_period(p: Any) -> bool:
    return p is None or (isinstance(p, float) and math.isnan(p)) or str(p).strip() == ""
