"""Funnel plot from :func:`healthintel.stats.funnel_limits` and :func:`~healthintel.stats.funnel_significance`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ..errors import InvalidInputError
from .base import PALETTE, finish, fmt, is_demo, plt, quiet, require, unit_label, with_demo

__all__ = ["funnel_plot", "significance_colours"]

LIMITS = ("lower_2s", "upper_2s", "lower_3s", "upper_3s")
LEVEL_ORDER = ("High (0.001)", "High (0.025)", "Not significant", "Low (0.025)", "Low (0.001)")
LEVEL_LABELS = {"High (0.001)": "Above 99.8% limit", "High (0.025)": "Above 95% limit",
                "Not significant": "Within 95% limits", "Low (0.025)": "Below 95% limit",
                "Low (0.001)": "Below 99.8% limit"}


def significance_colours(polarity: str = "no_judgement") -> dict:
    """Point colour for each :func:`funnel_significance` level under a polarity (Fingertips palette)."""
    from ..polarity import parse_polarity

    pol = parse_polarity(polarity)
    if pol == "low_is_good":
        high, low = PALETTE["worse"], PALETTE["better"]
    elif pol == "high_is_good":
        high, low = PALETTE["better"], PALETTE["worse"]
    else:
        high, low = PALETTE["higher"], PALETTE["lower"]
    return {"High (0.001)": high, "High (0.025)": high, "Low (0.001)": low, "Low (0.025)": low,
            "Not significant": PALETTE["similar"]}


def _limit_x(limits: pd.DataFrame, name: str) -> str:
    for suffix in ("_population_1_year", "_exp_events"):
        if f"{name}{suffix}" in limits:
            return f"{name}{suffix}"
    return limits.columns[0]


def funnel_plot(
    points: pd.DataFrame,
    limits: pd.DataFrame,
    *,
    x: str = "denominator",
    y: str = "value",
    significance: str = "significance",
    label: str | None = None,
    polarity: str = "no_judgement",
    baseline: float | None = None,
    highlight=None,
    title: str = "",
    unit: str = "",
    value_label: str = "Value",
    x_label: str = "Population (denominator)",
    dps: int = 1,
    figsize=(7.5, 4.5),
) -> "Chart":  # noqa: F821
    """Points by size against value with the 95% and 99.8% control limits around the overall average.

    Parameters
    ----------
    points : DataFrame
        :func:`healthintel.stats.funnel_significance` output with the value to plot in ``y`` (on the same scale
        as the limits, e.g. % for ``multiplier=100``) and the denominator in ``x``.
    limits : DataFrame
        :func:`healthintel.stats.funnel_limits` output: ``lower_2s_limit`` … ``upper_3s_limit`` against the
        first column (proportions), or against ``*_population_1_year`` (rates) / ``*_exp_events`` (ratios).
    polarity : str
        Colours of points outside the limits: RAG polarities use Better/Worse, else Higher/Lower.
    baseline : float, optional
        The centre line; default the ``baseline`` column (ratios: 0 for "count", 100 for "isr").
    highlight : str or sequence of str, optional
        Values of ``label`` to annotate (e.g. the local areas).

    Returns
    -------
    Chart
        One axes with four limit lines (95%: dashed, 99.8%: solid), the baseline, and one scatter of the points
        coloured by significance level.
    """
    require(points, "funnel_plot", x=x, y=y, significance=significance, label=label)
    missing = [f"{n}_limit" for n in LIMITS if f"{n}_limit" not in limits]
    if missing:
        raise InvalidInputError(f"funnel_plot: limits frame lacks {', '.join(missing)}; pass funnel_limits() output.")
    if baseline is None:
        if "baseline" in limits:
            baseline = float(limits["baseline"].iloc[0])
        elif "statistic" in limits and str(limits["statistic"].iloc[0]).endswith("(isr)"):
            baseline = 100.0
        else:
            baseline = 0.0
    colours = significance_colours(polarity)
    sig = points[significance].astype(str)
    px = pd.to_numeric(points[x], errors="coerce").to_numpy(dtype=float)
    py = pd.to_numeric(points[y], errors="coerce").to_numpy(dtype=float)
    title = with_demo(title or f"Funnel plot: {value_label.lower()}", is_demo(points))
    with quiet():
        fig, ax = plt.subplots(figsize=figsize)
        for name in LIMITS:
            ls = "--" if "2s" in name else "-"
            ax.plot(limits[_limit_x(limits, name)], limits[f"{name}_limit"], color=PALETTE["text"], linestyle=ls,
                    linewidth=1, zorder=2, gid=f"{name}_limit")
        ax.axhline(baseline, color=PALETTE["england"], linewidth=1.2, zorder=1, gid="baseline")
        levels = [lv for lv in LEVEL_ORDER if (sig == lv).any()] + sorted(set(sig) - set(LEVEL_ORDER))
        for lv in levels:
            m = (sig == lv).to_numpy()
            ax.scatter(px[m], py[m], color=colours.get(lv, PALETTE["not compared"]), s=30,
                       marker="D" if "0.001" in lv else "o", edgecolors=PALETTE["text"], linewidths=0.4, zorder=3,
                       gid=lv, label=LEVEL_LABELS.get(lv, lv))
        if highlight is not None and label:
            names = [highlight] if isinstance(highlight, str) else list(highlight)
            for _, row in points[points[label].isin(names)].iterrows():
                ax.annotate(str(row[label]), (row[x], row[y]), xytext=(6, 6), textcoords="offset points", fontsize=8,
                            arrowprops=dict(arrowstyle="-", color=PALETTE["text"], linewidth=0.6))
        ax.set_xlabel(x_label)
        ax.set_ylabel(unit_label(value_label, unit))
        ax.set_title(title, loc="left")
        ax.set_xlim(0, np.nanmax(px) * 1.05)
        span = np.nanmax(py) - np.nanmin(py)
        ax.set_ylim(max(np.nanmin(py) - span * 0.15, limits["lower_3s_limit"].min() if baseline else 0),
                    np.nanmax(py) + span * 0.15)
        handles = [Line2D([], [], color=PALETTE["text"], linestyle="--", label="95% limits"),
                   Line2D([], [], color=PALETTE["text"], label="99.8% limits"),
                   Line2D([], [], color=PALETTE["england"], label=f"Average: {fmt(baseline, dps)}")]
        handles += [h for h in ax.collections if h.get_gid() in levels]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        fig.tight_layout()

    counts = sig.value_counts()
    above = int(counts.get("High (0.001)", 0) + counts.get("High (0.025)", 0))
    below = int(counts.get("Low (0.001)", 0) + counts.get("Low (0.025)", 0))
    alt = (f"Funnel plot of {len(points)} points ({value_label.lower()} against {x_label.lower()}) around the "
           f"average of {fmt(baseline, dps, unit)}: {above} above the 95% limit "
           f"({int(counts.get('High (0.001)', 0))} above 99.8%), {below} below the 95% limit "
           f"({int(counts.get('Low (0.001)', 0))} below 99.8%), {int(counts.get('Not significant', 0))} within.")
    return finish(fig, alt, title)
