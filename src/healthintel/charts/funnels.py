"""Funnel plot from :func:`healthintel.stats.funnel_limits` and :func:`~healthintel.stats.funnel_significance`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ..errors import InvalidInputError
from .base import PALETTE, Chart, finish, fmt, is_demo, plt, quiet, require, unit_label, with_demo

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
) -> Chart:
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
    _check_limits(limits)
    baseline = _baseline(limits, baseline)
    colours = significance_colours(polarity)
    sig = points[significance].astype(str)
    px = pd.to_numeric(points[x], errors="coerce").to_numpy(dtype=float)
    py = pd.to_numeric(points[y], errors="coerce").to_numpy(dtype=float)
    title = with_demo(title or f"Funnel plot: {value_label.lower()}", is_demo(points))
    with quiet():
        fig, ax = plt.subplots(figsize=figsize)
        _draw_limits(ax, limits, baseline)
        levels = _draw_points(ax, sig, px, py, colours)
        if highlight is not None and label:
            _annotate(ax, points, highlight, label, x, y)
        ax.set_xlabel(x_label)
        ax.set_ylabel(unit_label(value_label, unit))
        ax.set_title(title, loc="left")
        _set_extents(ax, px, py, limits, baseline)
        _draw_legend(ax, levels, baseline, dps)
        fig.tight_layout()

    return finish(fig, _alt_text(sig, len(points), baseline, value_label, x_label, unit, dps), title)


def _check_limits(limits: pd.DataFrame) -> None:
    missing = [f"{n}_limit" for n in LIMITS if f"{n}_limit" not in limits]
    if missing:
        raise InvalidInputError(f"funnel_plot: limits frame lacks {', '.join(missing)}; pass funnel_limits() output.")


def _baseline(limits: pd.DataFrame, baseline: float | None) -> float:
    """The given centre line, else the limits' ``baseline`` column, else 100 for ISRs and 0 otherwise."""
    if baseline is not None:
        return baseline
    if "baseline" in limits:
        return float(limits["baseline"].iloc[0])
    if "statistic" in limits and str(limits["statistic"].iloc[0]).endswith("(isr)"):
        return 100.0
    return 0.0


def _draw_limits(ax, limits: pd.DataFrame, baseline: float) -> None:
    """The four control limits (95%: dashed, 99.8%: solid) and the baseline."""
    for name in LIMITS:
        ls = "--" if "2s" in name else "-"
        ax.plot(limits[_limit_x(limits, name)], limits[f"{name}_limit"], color=PALETTE["text"], linestyle=ls,
                linewidth=1, zorder=2, gid=f"{name}_limit")
    ax.axhline(baseline, color=PALETTE["england"], linewidth=1.2, zorder=1, gid="baseline")


def _draw_points(ax, sig: pd.Series, px, py, colours: dict) -> list:
    """One scatter per significance level present (known levels first, in order); returns the levels."""
    levels = [lv for lv in LEVEL_ORDER if (sig == lv).any()] + sorted(set(sig) - set(LEVEL_ORDER))
    for lv in levels:
        m = (sig == lv).to_numpy()
        ax.scatter(px[m], py[m], color=colours.get(lv, PALETTE["not compared"]), s=30,
                   marker="D" if "0.001" in lv else "o", edgecolors=PALETTE["text"], linewidths=0.4, zorder=3,
                   gid=lv, label=LEVEL_LABELS.get(lv, lv))
    return levels


def _annotate(ax, points: pd.DataFrame, highlight, label: str, x: str, y: str) -> None:
    names = [highlight] if isinstance(highlight, str) else list(highlight)
    for _, row in points[points[label].isin(names)].iterrows():
        ax.annotate(str(row[label]), (row[x], row[y]), xytext=(6, 6), textcoords="offset points", fontsize=8,
                    arrowprops=dict(arrowstyle="-", color=PALETTE["text"], linewidth=0.6))


def _set_extents(ax, px, py, limits: pd.DataFrame, baseline: float) -> None:
    ax.set_xlim(0, np.nanmax(px) * 1.05)
    span = np.nanmax(py) - np.nanmin(py)
    ax.set_ylim(max(np.nanmin(py) - span * 0.15, limits["lower_3s_limit"].min() if baseline else 0),
                np.nanmax(py) + span * 0.15)


def _draw_legend(ax, levels: list, baseline: float, dps: int) -> None:
    handles = [Line2D([], [], color=PALETTE["text"], linestyle="--", label="95% limits"),
               Line2D([], [], color=PALETTE["text"], label="99.8% limits"),
               Line2D([], [], color=PALETTE["england"], label=f"Average: {fmt(baseline, dps)}")]
    handles += [h for h in ax.collections if h.get_gid() in levels]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)


def _alt_text(sig: pd.Series, n: int, baseline: float, value_label: str, x_label: str, unit: str, dps: int) -> str:
    counts = sig.value_counts()
    above = int(counts.get("High (0.001)", 0) + counts.get("High (0.025)", 0))
    below = int(counts.get("Low (0.001)", 0) + counts.get("Low (0.025)", 0))
    return (f"Funnel plot of {n} points ({value_label.lower()} against {x_label.lower()}) around the "
            f"average of {fmt(baseline, dps, unit)}: {above} above the 95% limit "
            f"({int(counts.get('High (0.001)', 0))} above 99.8%), {below} below the 95% limit "
            f"({int(counts.get('Low (0.001)', 0))} below 99.8%), {int(counts.get('Not significant', 0))} within.")
