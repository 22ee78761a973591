"""Trend charts for the outcomes tracker: values over time with CIs and comparator, and target trajectories
(with the projection of the recent trend to the goal, :func:`draw_projection`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..periods import parse_period, parse_periods
from ..errors import InvalidInputError
from ..frames import require_columns
from .base import PALETTE, Chart, finish, fmt, plt

__all__ = ["trend", "target_trajectory", "draw_projection", "BENCHMARK_COLOURS"]

#: Fingertips benchmark label -> palette colour (spine-chart colours, fingertipscharts ``scale_fill_phe``).
BENCHMARK_COLOURS = {
    "Better": PALETTE["better"], "Best": PALETTE["better"], "Similar": PALETTE["similar"],
    "Worse": PALETTE["worse"], "Worst": PALETTE["worse"], "Higher": PALETTE["higher"], "Lower": PALETTE["lower"],
    "Not compared": PALETTE["not compared"],
}


def _ordered(data: pd.DataFrame, period: str) -> pd.DataFrame:
    start, _ = parse_periods(data, period)
    return data.assign(_start=start).sort_values("_start", kind="stable")


def _fmt(v: float) -> str:
    return "no value" if pd.isna(v) else f"{v:,.1f}"


def trend(
    data: pd.DataFrame,
    *,
    period: str = "period",
    value: str = "value",
    lower_ci: str | None = "lower_ci",
    upper_ci: str | None = "upper_ci",
    benchmark: str | None = "benchmark",
    comparator: pd.DataFrame | None = None,
    comparator_name: str = "England",
    area_name: str = "Area",
    title: str = "",
    unit: str = "",
    figsize=(5.5, 3.0),
) -> Chart:
    """Values over periods with 95% CI whiskers, the comparator's line and points coloured by benchmark.

    Parameters
    ----------
    data : DataFrame
        One row per period for one area (``period``, ``value`` and optionally CI and ``benchmark`` columns).
    comparator : DataFrame, optional
        The comparator's values (``period``, ``value``), drawn as a grey line.
    benchmark : str, optional
        Column of Fingertips labels (Better/Similar/Worse/…); points are coloured with the Fingertips palette
        (:data:`BENCHMARK_COLOURS`), "Not compared" grey when missing.

    Returns
    -------
    Chart
        ``chart.figure`` has one axes: the area's line and scatter points (one per period with a value), the CI
        whiskers when limits exist, and the comparator line when given; alt text summarises first and latest values.
    """
    require_columns(data, period=period, value=value)
    if data.empty:
        raise InvalidInputError("trend() needs at least one row of data.")
    d = _ordered(data, period)
    x = np.arange(len(d))
    y = pd.to_numeric(d[value], errors="coerce").to_numpy(dtype=float)
    labels = d[benchmark].fillna("Not compared").astype(str).to_numpy() if benchmark and benchmark in d else \
        np.full(len(d), "Not compared")
    colours = [BENCHMARK_COLOURS.get(lab, PALETTE["not compared"]) for lab in labels]
    fig, ax = plt.subplots(figsize=figsize)
    ax.plot(x, y, color=PALETTE["area"], linewidth=1.5, label=area_name, zorder=2)
    has_ci = bool(lower_ci and upper_ci and lower_ci in d and upper_ci in d
                  and d[[lower_ci, upper_ci]].notna().any().all())
    if has_ci:
        lo = pd.to_numeric(d[lower_ci], errors="coerce").to_numpy(dtype=float)
        hi = pd.to_numeric(d[upper_ci], errors="coerce").to_numpy(dtype=float)
        ax.errorbar(x, y, yerr=[y - lo, hi - y], fmt="none", ecolor=PALETTE["text"], elinewidth=0.8, capsize=2,
                    zorder=2)
    ok = ~np.isnan(y)
    ax.scatter(x[ok], y[ok], c=[c for c, k in zip(colours, ok) if k], s=36, edgecolors=PALETTE["text"],
               linewidths=0.5, zorder=3)
    cmp_text = ""
    if comparator is not None and len(comparator):
        c = comparator.set_index(period)[value].reindex(d[period]).to_numpy(dtype=float)
        ax.plot(x, c, color=PALETTE["england"], linewidth=1.5, linestyle="--", label=comparator_name, zorder=1)
        cmp_text = f" {comparator_name} latest: {_fmt(c[-1])}."
    ax.set_xticks(x, d[period].astype(str).tolist(), rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(unit or value)
    ax.set_xlabel("Period")
    ax.set_title(title or area_name)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    first, last = d[period].iloc[0], d[period].iloc[-1]
    bench = f", compared with {comparator_name}: {labels[-1]}" if benchmark and benchmark in d else ""
    alt = (f"Line chart of {title or value} for {area_name}, {first} to {last}: {_fmt(y[0])} to {_fmt(y[-1])}"
           f" {unit}{bench}.{cmp_text}" + (" Whiskers show 95% confidence intervals." if has_ci else ""))
    return finish(fig, alt.replace("  ", " "), title)


def _start_year(label: Any) -> float:
    return float(parse_period(label)[0])


def draw_projection(ax, projection: Mapping[str, Any] | None, unit: str = "") -> str:
    """Draw a projection of the recent linear trend on a year axis; returns the sentence for the alt text.

    Parameters
    ----------
    ax : matplotlib Axes
        An axes whose x axis is the start year of each period.
    projection : mapping or None
        One row of :func:`healthintel.compare.forecast` (``projected_value``, ``lower_pi``, ``upper_pi``,
        ``slope``, ``goal_period``, ``first_period``, ``last_period``, ``n_periods``). Nothing is drawn (and
        ``""`` returned) when it is None or has no projected value.

    Notes
    -----
    The fitted line is drawn dotted from the first fitted period to the goal period's start year, and the 95%
    prediction interval as a whisker at the goal year, ending in a diamond at the projected value.
    """
    if projection is None or pd.isna(projection.get("projected_value", np.nan)):
        return ""
    value, slope = float(projection["projected_value"]), float(projection["slope"])
    lo, hi = float(projection["lower_pi"]), float(projection["upper_pi"])
    x1, x0 = _start_year(projection["goal_period"]), _start_year(projection["first_period"])
    text = (f"{fmt(value, 1, unit)} (95% prediction interval {fmt(lo, 1, unit)} to {fmt(hi, 1, unit)}) in "
            f"{projection['goal_period']}")
    ax.plot([x0, x1], [value - slope * (x1 - x0), value], color=PALETTE["area"], linestyle=":", linewidth=1.6,
            zorder=2, label=f"Projection of recent trend: {_fmt(value)} in {projection['goal_period']}")
    ax.errorbar([x1], [value], yerr=[[value - lo], [hi - value]], fmt="D", color=PALETTE["area"],
                ecolor=PALETTE["area"], elinewidth=1.2, capsize=4, markersize=5, zorder=3,
                label="95% prediction interval")
    return (f" Dotted: the recent linear trend ({int(projection['n_periods'])} periods, "
            f"{projection['first_period']} to {projection['last_period']}) projected to {text}.")


def target_trajectory(
    data: pd.DataFrame,
    *,
    baseline: tuple,
    goal: tuple,
    period: str = "period",
    value: str = "value",
    title: str = "",
    unit: str = "",
    area_name: str = "Area",
    projection: Mapping[str, Any] | None = None,
    figsize=(5.5, 3.0),
) -> Chart:
    """Actual values against the straight line from baseline to goal (the required trajectory).

    Parameters
    ----------
    data : DataFrame
        Observed ``period``/``value`` rows.
    baseline, goal : (period, value)
        Start and end of the required trajectory (e.g. ``("2021/22", 10.2)`` and ``("2028/29", 6.0)``).
    projection : mapping, optional
        One row of :func:`healthintel.compare.forecast` for the series: the recent linear trend projected to
        the goal period with its 95% prediction interval, drawn beside the trajectory (:func:`draw_projection`).

    Returns
    -------
    Chart
        Two lines on a year axis: the dashed goal trajectory (2 points) and the actual values (one point per
        period), with the goal marked; with ``projection``, the dotted projection and its interval at the goal
        year.
    """
    require_columns(data, period=period, value=value)
    d = _ordered(data, period).dropna(subset=[value])
    pts = pd.DataFrame({"p": [baseline[0], goal[0]]})
    (b_year, g_year), _ = parse_periods(pts, "p")
    if any(pd.isna(v) for v in (baseline[1], goal[1])):
        raise InvalidInputError("target_trajectory needs numeric baseline and goal values.")
    fig, ax = plt.subplots(figsize=figsize)
    ax.plot([b_year, g_year], [baseline[1], goal[1]], color=PALETTE["england"], linestyle="--", linewidth=1.5,
            label=f"Required trajectory to {goal[1]:g} by {goal[0]}")
    ax.scatter([g_year], [goal[1]], marker="*", s=120, color=PALETTE["similar"], edgecolors=PALETTE["text"],
               zorder=3, label="Goal")
    ax.plot(d["_start"], d[value], color=PALETTE["area"], marker="o", linewidth=1.5, label=area_name, zorder=2)
    projected = draw_projection(ax, projection, unit)
    ax.set_xlabel("Year (start of period)")
    ax.set_ylabel(unit or value)
    ax.set_title(title or "Progress to goal")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    latest = (f"latest {d[value].iloc[-1]:,.1f} in {d[period].iloc[-1]}" if len(d) else "no values yet")
    alt = (f"Chart of {title or value} for {area_name}: required straight-line trajectory from {baseline[1]:g} "
           f"({baseline[0]}) to {goal[1]:g} ({goal[0]}) {unit}, and actual values, {latest}.{projected}")
    return finish(fig, alt, title)
