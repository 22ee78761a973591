"""Compare areas: ordered horizontal bars with 95% CIs, filled by benchmark (fingertipscharts ``compare_areas``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import InvalidInputError
from .base import (
    BENCHMARK_ORDER, PALETTE, Chart, benchmark_colour, canonical_label, ci_whiskers, finish, fit_title, fmt, fmt_ci,
    is_demo, plt, quiet, require, unit_label, with_demo,
)

__all__ = ["compare_areas"]

ORDERS = ("desc", "asc", "alphabetical", "none")
STYLES = ("bar", "point")


def compare_areas(
    data: pd.DataFrame,
    *,
    area: str = "area_name",
    value: str = "value",
    lower_ci: str | None = "lower_ci",
    upper_ci: str | None = "upper_ci",
    benchmark: str | None = "benchmark",
    comparator: float | str | None = "England",
    comparator_name: str = "England",
    top_areas=("England",),
    order: str = "desc",
    title: str = "",
    unit: str = "",
    value_label: str = "Value",
    display_values: bool = True,
    dps: int = 1,
    style: str = "bar",
    figsize=None,
) -> Chart:
    """Ordered horizontal bars (or points), one per area, with 95% CI whiskers, filled by their benchmark label.

    Parameters
    ----------
    data : DataFrame
        One row per area: :func:`healthintel.stats.proportion` / ``rate`` / ``dsr`` output, optionally passed
        through :func:`healthintel.compare.benchmark` (the ``benchmark`` column).
    area, value, lower_ci, upper_ci, benchmark : str
        Column names; ``lower_ci``/``upper_ci``/``benchmark`` may be None or absent (no whiskers; all bars
        "Not compared" grey).
    comparator : float or str, optional
        The comparator value drawn as a vertical line: a number, or the name of an area in ``area`` (default
        "England"); that area's bar is kept (pinned first, grey) when it is in ``top_areas``.
    top_areas : sequence of str
        Areas pinned at the top in this order (as Fingertips pins England and the region), the rest ordered.
    order : {"desc", "asc", "alphabetical", "none"}
        Order of the other areas by value (desc: highest at the top).
    unit : str
        Unit of the values, shown on the x axis ("%", "per 100,000").
    display_values : bool
        Write each value at the end of its whisker.
    style : {"bar", "point"}
        Bars from zero (rates, prevalence), or points on an axis that starts near the data (life expectancy,
        where bars from 0 would hide the differences).

    Returns
    -------
    Chart
        One axes with one bar (or point) per area (top to bottom in the chart's order), CI whiskers (an
        ``errorbar`` container whose extents are the input limits), the comparator line and a legend of the
        benchmark labels present.
    """
    _check_args(data, area, value, order)
    if style not in STYLES:
        raise InvalidInputError(f"compare_areas: style must be one of {', '.join(STYLES)}; got {style!r}.")
    d, has_ci = _prepare(data, value, lower_ci, upper_ci, benchmark)
    top, rest, ordered = _order_rows(d, area, top_areas, order)
    cmp_value, comparator_name = _comparator_value(d, area, comparator, comparator_name)
    n = len(ordered)
    height = figsize or (7.5, max(2.2, 0.32 * n + 1.3))
    title = with_demo(title or f"{value_label} by area", is_demo(data))
    with quiet():
        fig, ax = plt.subplots(figsize=height)
        y = np.arange(n)[::-1]  # first row at the top
        vals = ordered["_value"].to_numpy()
        _draw_bars(ax, y, vals, ordered, has_ci, cmp_value, comparator_name, dps, style)
        _label_axes(ax, y, ordered, area, top, n, title, unit_label(value_label, unit))
        left, right, room = _value_range(vals, ordered, cmp_value, style)
        ax.set_xlim(left, right + room * (0.16 if display_values else 0.05))
        if display_values:
            _draw_values(ax, y, vals, ordered, room, dps)
        _draw_legend(ax, rest, comparator_name, style)
        fig.tight_layout()

    alt = _alt_text(d, rest, top, area, benchmark, order, has_ci, cmp_value, comparator_name, title, unit, dps)
    if style == "point":
        alt = alt.replace("Horizontal bar chart", "Dot chart", 1)
    return finish(fig, alt, title)


def _check_args(data: pd.DataFrame, area: str, value: str, order: str) -> None:
    require(data, "compare_areas", area=area, value=value)
    if order not in ORDERS:
        raise InvalidInputError(f"compare_areas: order must be one of {', '.join(ORDERS)}; got {order!r}.")
    if data.empty:
        raise InvalidInputError("compare_areas needs at least one area (the frame is empty).")


def _prepare(data: pd.DataFrame, value: str, lower_ci: str | None, upper_ci: str | None,
             benchmark: str | None) -> tuple[pd.DataFrame, bool]:
    """A copy with numeric ``_value``/``_lo``/``_hi``, canonical ``_label`` and fill ``_colour`` columns."""
    d = data.copy()
    d["_value"] = pd.to_numeric(d[value], errors="coerce").astype(float)
    has_ci = bool(lower_ci and upper_ci and lower_ci in d and upper_ci in d)
    d["_lo"] = pd.to_numeric(d[lower_ci], errors="coerce").astype(float) if has_ci else np.nan
    d["_hi"] = pd.to_numeric(d[upper_ci], errors="coerce").astype(float) if has_ci else np.nan
    labels = d[benchmark] if benchmark and benchmark in d else pd.Series("Not compared", index=d.index)
    d["_label"] = [canonical_label(v) for v in labels]
    d["_colour"] = [benchmark_colour(v) for v in labels]
    return d, has_ci


def _order_rows(d: pd.DataFrame, area: str, top_areas, order: str) -> tuple[list, pd.DataFrame, pd.DataFrame]:
    """The pinned areas present, the other rows in ``order``, and all rows in drawing order (pinned grey)."""
    top = [a for a in (top_areas or ()) if a in set(d[area])]
    pinned = d[d[area].isin(top)].set_index(area).loc[top].reset_index()
    rest = d[~d[area].isin(top)]
    if order == "desc":
        rest = rest.sort_values("_value", ascending=False, kind="stable", na_position="last")
    elif order == "asc":
        rest = rest.sort_values("_value", ascending=True, kind="stable", na_position="last")
    elif order == "alphabetical":
        rest = rest.sort_values(area, key=lambda s: s.astype(str).str.lower(), kind="stable")
    pinned["_colour"] = PALETTE["not compared"]
    ordered = pd.concat([pinned, rest], ignore_index=True)
    return top, rest, ordered


def _comparator_value(d: pd.DataFrame, area: str, comparator: float | str | None,
                      comparator_name: str) -> tuple[float, str]:
    """The comparator line's value (NaN: none) and the name it is shown with."""
    cmp_value = np.nan
    if isinstance(comparator, str):
        hit = d.loc[d[area] == comparator, "_value"]
        cmp_value = float(hit.iloc[0]) if len(hit) else np.nan
        comparator_name = comparator if comparator_name == "England" and comparator != "England" else comparator_name
    elif comparator is not None:
        cmp_value = float(comparator)
    return cmp_value, comparator_name


def _value_range(vals, ordered: pd.DataFrame, cmp_value: float, style: str) -> tuple[float, float, float]:
    """``(left, right, span)`` of the value axis: from 0 for bars, from just below the data for points."""
    both = np.concatenate([vals, ordered["_lo"].to_numpy(), ordered["_hi"].to_numpy(), [cmp_value]])
    right = float(np.nanmax(both)) if np.isfinite(both).any() else 1.0
    if style == "bar":
        return 0.0, right, right
    low = float(np.nanmin(both))
    span = (right - low) or abs(right) * 0.1 or 1.0
    return low - span * 0.08, right, span


def _draw_bars(ax, y, vals, ordered: pd.DataFrame, has_ci: bool, cmp_value: float, comparator_name: str,
               dps: int, style: str = "bar") -> None:
    """The bars (or points), their CI whiskers and the comparator line."""
    if style == "bar":
        ax.barh(y, np.nan_to_num(vals), color=ordered["_colour"].tolist(), edgecolor=PALETTE["text"],
                linewidth=0.4, height=0.72, zorder=2)
    else:
        ax.scatter(vals, y, s=60, c=ordered["_colour"].tolist(), edgecolors=PALETTE["text"], linewidths=0.6,
                   zorder=5, gid="area-points")
    if has_ci:
        ci_whiskers(ax, y, vals, ordered["_lo"], ordered["_hi"], horizontal=True)
    if not np.isnan(cmp_value):
        ax.axvline(cmp_value, color=PALETTE["text"], linestyle="--", linewidth=1, zorder=4,
                   label=f"{comparator_name}: {fmt(cmp_value, dps)}")


def _label_axes(ax, y, ordered: pd.DataFrame, area: str, top: list, n: int, title: str, xlabel: str) -> None:
    """Area names (pinned ones bold), axis label, title and limits of the rows."""
    ax.set_yticks(y, ordered[area].astype(str).tolist())
    for tick, name in zip(ax.get_yticklabels(), ordered[area]):
        if name in top:
            tick.set_fontweight("bold")
    ax.set_xlabel(xlabel)
    ax.set_title(fit_title(title, ax.figure.get_figwidth()), loc="left")
    ax.grid(axis="y", visible=False)
    ax.set_ylim(-0.6, n - 0.4)


def _draw_values(ax, y, vals, ordered: pd.DataFrame, room: float, dps: int) -> None:
    """Each value written just right of its whisker (or bar end when it has no CI)."""
    ends = np.where(np.isnan(ordered["_hi"].to_numpy()), vals, ordered["_hi"].to_numpy())
    for yi, v, e in zip(y, vals, ends):
        ax.text(e + room * 0.01, yi, fmt(v, dps), va="center", ha="left", fontsize=8, color=PALETTE["text"])


def _draw_legend(ax, rest: pd.DataFrame, comparator_name: str, style: str = "bar") -> None:
    """Benchmark labels present among the ordered areas (as bars or as points, like the chart), then the
    comparator line."""
    present = [lab for lab in BENCHMARK_ORDER if lab in set(rest["_label"])]
    handles = ([Patch(facecolor=benchmark_colour(lab), edgecolor=PALETTE["text"], linewidth=0.4, label=lab)
                for lab in present] if style == "bar" else
               [Line2D([], [], linestyle="", marker="o", markersize=8, markerfacecolor=benchmark_colour(lab),
                       markeredgecolor=PALETTE["text"], markeredgewidth=0.5, label=lab) for lab in present])
    line_handles, _ = ax.get_legend_handles_labels()
    if handles or line_handles:
        ax.legend(handles=handles + line_handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
                  title=f"Compared with {comparator_name}" if handles else None, title_fontsize=8)


def _order_phrase(order: str) -> str:
    return ", highest first" if order == "desc" else ", lowest first" if order == "asc" else ""


def _alt_text(d: pd.DataFrame, rest: pd.DataFrame, top: list, area: str, benchmark: str | None, order: str,
              has_ci: bool, cmp_value: float, comparator_name: str, title: str, unit: str, dps: int) -> str:
    ranked = rest.dropna(subset=["_value"])
    parts = [f"Horizontal bar chart of {title} for {len(rest)} areas"
             + (f" plus {', '.join(top)}" if top else "") + _order_phrase(order) + "."]
    if len(ranked):
        hi_row = ranked.loc[ranked["_value"].idxmax()]
        lo_row = ranked.loc[ranked["_value"].idxmin()]
        for word, row in (("Highest", hi_row), ("Lowest", lo_row)):
            ci = fmt_ci(row["_lo"], row["_hi"], dps)
            parts.append(f"{word}: {row[area]} {fmt(row['_value'], dps, unit)}" + (f" ({ci})" if ci else "") + ".")
    if not np.isnan(cmp_value):
        parts.append(f"{comparator_name}: {fmt(cmp_value, dps, unit)}.")
    counts = rest["_label"].value_counts()
    if benchmark and benchmark in d:
        parts.append("Compared with " + comparator_name + ": "
                     + ", ".join(f"{counts[lab]} {lab.lower()}" for lab in BENCHMARK_ORDER if lab in counts) + ".")
    if has_ci:
        parts.append("Whiskers show 95% confidence intervals.")
    return " ".join(parts)
