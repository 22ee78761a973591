"""Trend charts for the outcomes tracker: values over time with CIs and comparator, and target trajectories
(with the projection of the recent trend to the goal, :func:`draw_projection`).

Periods are placed by time: a period missing from a series (the NCMP's 2020/21) is a gap, labelled "(no data)",
where the lines break (:func:`period_positions`, :func:`broken_line`); points coloured by their comparison with
England come with their colour key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..periods import parse_period, parse_periods
from ..errors import InvalidInputError
from ..frames import require_columns
from .base import MISSING_TEXT, PALETTE, Chart, benchmark_key, finish, fit_title, fmt, legend_below, plt

__all__ = ["trend", "target_trajectory", "period_positions", "broken_line", "draw_projection", "BENCHMARK_COLOURS"]

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


def _missing_label(first: str, start: float) -> str:
    """The label of a period missing from a series, in the form of the series' first label ("2020/21",
    "2019-21", "2020"); "" when the form is not one of those."""
    y = int(round(start))
    if m := re.fullmatch(r"(\d{4})/(\d{2})", first):
        return f"{y}/{(y + 1) % 100:02d}"
    if m := re.fullmatch(r"(\d{4})-(\d{2})", first):
        span = (int(m.group(2)) - int(m.group(1)) % 100) % 100
        return f"{y}-{(y + span) % 100:02d}"
    if re.fullmatch(r"\d{4}", first):
        return str(y)
    return ""


def period_positions(starts: np.ndarray, first_label: str) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """x position of each period, spaced by time, and the periods missing between them.

    Parameters
    ----------
    starts : array
        Start year of each period, sorted (:func:`healthintel.periods.parse_periods`).
    first_label : str
        The first period's label (its form names the missing periods, its length gives the step: a year, or a
        quarter for "2023/24 Q1").

    Returns
    -------
    (positions, missing)
        Positions in steps of a year (a quarter for quarterly periods; rolling 3-year periods step by one year)
        from the first period, so a missing period (2020/21 in the NCMP) leaves a gap, and ``(position, label)``
        of each missing period. A sparse series (more periods missing than present: census years, occasional
        surveys) is spaced by its own smallest interval with nothing reported missing; starts that are not whole
        steps apart are evenly spaced.
    """
    if len(starts) < 2:
        return np.arange(len(starts), dtype=float), []
    unit = 0.25 if parse_period(first_label)[1] < 1 else 1.0
    diffs = np.diff(starts)
    smallest = diffs[diffs > 1e-9].min() if (diffs > 1e-9).any() else unit
    for step in (unit, smallest):
        pos = (starts - starts[0]) / step
        whole = np.allclose(pos, np.round(pos), atol=1e-6)
        if whole and np.round(pos[-1]) + 1 - len(set(np.round(pos))) <= len(starts):
            pos = np.round(pos)
            have = set(pos.astype(int))
            missing = [(k, _missing_label(first_label, starts[0] + k * step)) for k in range(int(pos[-1]) + 1)
                       if k not in have]
            return pos, missing
    return np.arange(len(starts), dtype=float), []


def _on_grid(pos: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``values`` on every step from the first to the last position, NaN where a period is missing, so a line
    drawn through them breaks at the gap instead of bridging it."""
    grid = np.arange(int(pos[-1]) + 1, dtype=float) if len(pos) else np.array([])
    out = np.full(len(grid), np.nan)
    out[pos.astype(int)] = values
    return grid, out


def broken_line(x, y) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` with a NaN point inserted wherever consecutive x are further apart than the series' usual step,
    so a line through them breaks at a missing period instead of bridging it."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(x) < 3:
        return x, y
    diffs = np.diff(x)
    step = diffs[diffs > 1e-9].min() if (diffs > 1e-9).any() else 1.0
    cut = np.flatnonzero(diffs > step * 1.5) + 1
    return np.insert(x, cut, np.nan), np.insert(y, cut, np.nan)


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
        (:data:`BENCHMARK_COLOURS`), "Not compared" grey when missing, and the legend is their colour key
        ("Better than England", …).

    Returns
    -------
    Chart
        ``chart.figure`` has one axes: the area's line and scatter points (one per period with a value), the CI
        whiskers when limits exist, and the comparator line when given; alt text summarises first and latest values.
        Periods are spaced by time (:func:`period_positions`): a period missing from the series (2020/21 in the
        NCMP) is an empty, labelled tick where both lines break.
    """
    require_columns(data, period=period, value=value)
    if data.empty:
        raise InvalidInputError("trend() needs at least one row of data.")
    d = _ordered(data, period)
    x, missing = period_positions(d["_start"].to_numpy(dtype=float), str(d[period].iloc[0]))
    y = pd.to_numeric(d[value], errors="coerce").to_numpy(dtype=float)
    has_bench = bool(benchmark and benchmark in d)
    labels = d[benchmark].fillna("Not compared").astype(str).to_numpy() if has_bench else \
        np.full(len(d), "Not compared")
    colours = [BENCHMARK_COLOURS.get(lab, PALETTE["not compared"]) for lab in labels]
    fig, ax = plt.subplots(figsize=figsize)
    ax.plot(*_on_grid(x, y), color=PALETTE["area"], linewidth=1.5, label=area_name, zorder=2)
    has_ci = _draw_trend_ci(ax, d, x, y, lower_ci, upper_ci)
    ok = ~np.isnan(y)
    ax.scatter(x[ok], y[ok], c=[c for c, k in zip(colours, ok) if k], s=36, edgecolors=PALETTE["text"],
               linewidths=0.5, zorder=3)
    cmp_text = _draw_trend_comparator(ax, d, x, comparator, period, value, comparator_name)
    _period_axis(ax, x, d[period].astype(str).tolist(), missing)
    ax.set_ylabel(unit or value)
    ax.set_xlabel("Period")
    ax.set_title(fit_title(title or area_name, figsize[0]))
    lines, _ = ax.get_legend_handles_labels()
    versus = comparator_name.split(" (")[0]  # "England (real, Fingertips)" -> "Better than England"
    key = benchmark_key(labels[ok], versus) if has_bench else []
    fig.tight_layout()
    legend_below(ax, lines + key)
    first, last = d[period].iloc[0], d[period].iloc[-1]
    bench = f", compared with {comparator_name}: {labels[-1]}" if has_bench else ""
    gaps = "".join(f" No value for {label or 'one period'} (a gap in the line)." for _, label in missing)
    alt = (f"Line chart of {title or value} for {area_name}, {first} to {last}: {_fmt(y[0])} to {_fmt(y[-1])}"
           f" {unit}{bench}.{cmp_text}" + (" Whiskers show 95% confidence intervals." if has_ci else "")
           + (f" Points are coloured by the comparison with {versus} (key under the chart)." if key else "")
           + gaps)
    return finish(fig, alt.replace("  ", " "), title)


def _draw_trend_ci(ax, d: pd.DataFrame, x, y, lower_ci: str | None, upper_ci: str | None) -> bool:
    """95% CI whiskers where both limit columns exist and hold values; whether they were drawn."""
    if not (lower_ci and upper_ci and lower_ci in d and upper_ci in d and d[[lower_ci, upper_ci]].notna().any().all()):
        return False
    lo = pd.to_numeric(d[lower_ci], errors="coerce").to_numpy(dtype=float)
    hi = pd.to_numeric(d[upper_ci], errors="coerce").to_numpy(dtype=float)
    ax.errorbar(x, y, yerr=[y - lo, hi - y], fmt="none", ecolor=PALETTE["text"], elinewidth=0.8, capsize=2, zorder=2)
    return True


def _draw_trend_comparator(ax, d: pd.DataFrame, x, comparator: pd.DataFrame | None, period: str, value: str,
                           comparator_name: str) -> str:
    """The comparator's dashed line at the area's periods (broken where a period is missing); its alt sentence."""
    if comparator is None or not len(comparator):
        return ""
    c = comparator.set_index(period)[value].reindex(d[period]).to_numpy(dtype=float)
    ax.plot(*_on_grid(x, c), color=PALETTE["england"], linewidth=1.5, linestyle="--", label=comparator_name,
            zorder=1)
    return f" {comparator_name} latest: {_fmt(c[-1])}."


def _period_axis(ax, x: np.ndarray, labels: list[str], missing: list[tuple[int, str]]) -> None:
    """Ticks at every period, and a grey "(no data)" tick at each missing one."""
    ticks = list(x) + [float(k) for k, _ in missing]
    names = labels + [f"{label}\n(no data)" if label else "(no data)" for _, label in missing]
    order = np.argsort(ticks, kind="stable")
    ax.set_xticks([ticks[i] for i in order], [names[i] for i in order], rotation=45, ha="right", fontsize=8)
    for tick in ax.get_xticklabels():
        if tick.get_text().endswith("(no data)"):
            tick.set_color(MISSING_TEXT)
            tick.set_fontstyle("italic")
            tick.set_gid("missing-period")


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
    dps: int = 1,
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
    dps : int
        Decimal places of the goal and baseline in the legend and alt text (a computed goal such as
        80.9081 reads 80.9).
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
            label=f"Required trajectory to {fmt(goal[1], dps)} by {goal[0]}")
    ax.scatter([g_year], [goal[1]], marker="*", s=120, color=PALETTE["similar"], edgecolors=PALETTE["text"],
               zorder=3, label="Goal")
    ax.plot(*broken_line(d["_start"], d[value]), color=PALETTE["area"], marker="o", linewidth=1.5, label=area_name,
            zorder=2)
    projected = draw_projection(ax, projection, unit)
    ax.set_xlabel("Year (start of period)")
    ax.set_ylabel(unit or value)
    ax.set_title(fit_title(title or "Progress to goal", figsize[0]))
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    latest = (f"latest {d[value].iloc[-1]:,.1f} in {d[period].iloc[-1]}" if len(d) else "no values yet")
    alt = (f"Chart of {title or value} for {area_name}: required straight-line trajectory from "
           f"{fmt(baseline[1], dps)} ({baseline[0]}) to {fmt(goal[1], dps)} ({goal[0]}) {unit}, and actual values, "
           f"{latest}.{projected}")
    return finish(fig, alt, title)
