"""Child obesity charts: the deprivation gap over time with its 95% CIs against a target's required trajectory.

(Prevalence trends, gradients by quintile, the SII and maps use the shared charts: ``trend``,
``deprivation_gradient``, ``sii_chart``, ``choropleth``.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import MISSING_TEXT, PALETTE, ci_whiskers, finish, fit_title, fmt, plt, quiet, require, unit_label
from .trends import broken_line, draw_projection


def _year_ticks(ax, years, marks) -> None:
    """Academic-year ticks at every year with a gap and at ``marks`` (baseline, goal); a year missing between
    the first and last (2020/21) gets a grey "(no data)" tick."""
    have = {int(y) for y in years}
    missing = set(range(min(have), max(have) + 1)) - have if have else set()
    ticks = sorted(have | missing | {int(m) for m in marks})
    names = [f"{t}/{(t + 1) % 100:02d}" + ("\n(no data)" if t in missing else "") for t in ticks]
    ax.set_xticks(ticks, names, rotation=45, ha="right", fontsize=8)
    for tick in ax.get_xticklabels():
        if tick.get_text().endswith("(no data)"):
            tick.set_color(MISSING_TEXT)
            tick.set_fontstyle("italic")
            tick.set_gid("missing-period")


def gap_trajectory(gaps: pd.DataFrame, *, baseline: tuple, goal: tuple, period: str = "academic_year",
                   value: str = "value", lower_ci: str = "lower_ci", upper_ci: str = "upper_ci",
                   title: str = "", area_name: str = "", unit: str = "percentage points",
                   value_label: str = "Gap", projection=None, figsize=(7, 3.8)):
    """The gap per period (points with 95% CI whiskers, on a year axis, the line broken at a missing year) and the
    straight line from the target's baseline to its goal, the goal starred and the baseline value marked.

    Parameters
    ----------
    gaps : DataFrame
        One row per period (``period``, ``value``, limits), e.g. :func:`healthintel.obesity.deprivation_gap`.
    baseline, goal : (period, value)
        E.g. ``("2021/22", 13.2)`` and ``("2027/28", 10.0)``.
    projection : mapping, optional
        One row of :func:`healthintel.compare.forecast` of the gaps: the recent linear trend projected to the
        goal year with its 95% prediction interval, drawn dotted beside the trajectory.

    Returns
    -------
    Chart
    """
    require(gaps, "gap_trajectory", period=period, value=value)
    d = gaps.dropna(subset=[value]).copy()
    d["_x"] = [float(str(p)[:4]) for p in d[period]]
    d = d.sort_values("_x")
    bx, gx = float(str(baseline[0])[:4]), float(str(goal[0])[:4])
    with quiet():
        fig, ax = plt.subplots(figsize=figsize)
        ax.plot([bx, gx], [baseline[1], goal[1]], color=PALETTE["england"], linestyle="--", linewidth=1.5,
                label=f"Required trajectory: {fmt(baseline[1])} ({baseline[0]}) to {fmt(goal[1])} ({goal[0]})")
        ax.scatter([gx], [goal[1]], marker="*", s=140, color=PALETTE["similar"], edgecolors=PALETTE["text"],
                   zorder=4, label="Goal")
        ax.plot(*broken_line(d["_x"], d[value]), color=PALETTE["area"], marker="o", linewidth=1.5, zorder=3,
                label=area_name or "Gap")
        if lower_ci in d and upper_ci in d:
            ci_whiskers(ax, d["_x"], d[value], d[lower_ci], d[upper_ci])
        projected = draw_projection(ax, projection, unit)
        ax.axhline(0, color=PALETTE["text"], linewidth=0.6)
        _year_ticks(ax, d["_x"], (bx, gx))
        ax.set_xlabel("Academic year")
        ax.set_ylabel(unit_label(value_label, unit))
        ax.set_title(fit_title(title or "Deprivation gap and target", figsize[0]), loc="left")
        ax.legend(fontsize=8, loc="lower left")
        pi = [] if not projected else [float(projection["lower_pi"]), float(projection["upper_pi"])]
        top = np.nanmax(np.r_[d[upper_ci].to_numpy(dtype=float) if upper_ci in d else d[value], baseline[1], pi])
        ax.set_ylim(min([0.0, *pi]) * 1.15, top * 1.15)
        fig.tight_layout()
    latest = (f"latest {fmt(d[value].iloc[-1])} {unit} in {d[period].iloc[-1]}" if len(d) else "no values")
    alt = (f"Chart of {title or 'the deprivation gap'}{', ' + area_name if area_name else ''}: the gap for "
           f"{len(d)} academic years with 95% confidence intervals ({latest}), against the required straight-line "
           f"trajectory from {fmt(baseline[1])} in {baseline[0]} to {fmt(goal[1])} in {goal[0]}.{projected}")
    return finish(fig, alt, title)
