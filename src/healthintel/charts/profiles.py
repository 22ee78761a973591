"""Many indicators at once: the spine chart (area profile) and the overview "tartan rug".

Both follow fingertipscharts (``area_profiles``, ``overview``) and the Fingertips website: the spine centres each
indicator on the comparator (England), spans the worst to best area, shades the middle 50% darker and places
the local area's value as a circle filled by its benchmark label; the rug is a grid of areas × indicators, each
tile filled by its benchmark label and labelled with its value.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..errors import InvalidInputError
from .base import (
    BENCHMARK_ORDER, PALETTE, Chart, benchmark_colour, canonical_label, finish, fmt, is_demo, plt, quiet, require,
    text_colour, with_demo,
)

__all__ = ["spine_chart", "overview", "SPINE_COLOURS"]

#: Spine bar shades (fingertipscharts ``area_profiles`` defaults): full range, middle 50%, comparator line.
SPINE_COLOURS = {"range": "#C9C9C9", "quartiles": "#8B8B8B", "comparator": "#8B0000"}


def _polarity(value) -> str:
    from ..polarity import parse_polarity

    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "no_judgement"
    return parse_polarity(value)


def spine_chart(
    data: pd.DataFrame,
    local_area: str,
    *,
    indicator: str = "indicator",
    area: str = "area_name",
    value: str = "value",
    benchmark: str | None = "benchmark",
    polarity: str | None = "polarity",
    period: str | None = "period",
    count: str | None = "numerator",
    unit: str | None = "unit",
    comparator: str = "England",
    title: str = "",
    dps: int = 1,
    wrap: int = 30,
    figsize=None,
) -> Chart:
    """Area profile: one spine per indicator placing the local value among all areas, centred on the comparator.

    Parameters
    ----------
    data : DataFrame
        Long frame, one row per indicator × area, holding the local area, the comparator (e.g. England) and
        every area of the comparison set (e.g. all districts); e.g. stacked :func:`healthintel.stats.proportion`
        outputs passed through :func:`healthintel.compare.benchmark`.
    local_area : str
        The area profiled (a value of ``area``).
    polarity : str, optional
        Column of polarities (``"low_is_good"``, ``"high_is_good"``, ``"no_judgement"`` or Fingertips names).
        For RAG polarities the worst area is on the left and the best on the right; otherwise lowest on the
        left. Missing column: no judgement.
    comparator : str
        The area at the centre line (default England); when absent, the median of the areas is used.
    period, count, unit : str, optional
        Columns shown in the table beside the spines when present.

    Returns
    -------
    Chart
        Two axes: the table (text) and the spines. The spine axes holds, per indicator (top to bottom in input
        order), a light bar from the worst/lowest to best/highest area and a darker bar for the 25th-75th
        percentiles, the centre line (x = 0.5) and one marker per indicator at the local value, filled by its
        benchmark label. Values are scaled per indicator so the comparator is at 0.5 and the farthest area at 0
        or 1.
    """
    _check_local_area(data, local_area, indicator, area, value)
    rows = _spine_rows(data, local_area, indicator, area, value, benchmark, polarity, period, count, unit, comparator)
    n = len(rows)
    title = with_demo(title or f"Area profile: {local_area} compared with {comparator}", is_demo(data))
    with quiet():
        fig = plt.figure(figsize=figsize or (9.5, 0.55 * n + 1.6))
        grid = fig.add_gridspec(1, 2, width_ratios=[1.7, 1], wspace=0.03)
        table, ax = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
        y = np.arange(n)[::-1]
        _draw_spines(ax, y, rows, comparator)
        _draw_spine_table(table, ax, y, rows, comparator, dps, wrap)
        _draw_spine_legend(fig, rows, comparator)
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=12)
        fig.subplots_adjust(left=0.01, right=0.99, top=1 - 0.9 / (0.55 * n + 1.6), bottom=0.75 / (0.55 * n + 1.6))

    return finish(fig, _spine_alt(rows, local_area, comparator, dps), title)


def _check_local_area(data: pd.DataFrame, local_area: str, indicator: str, area: str, value: str) -> None:
    require(data, "spine_chart", indicator=indicator, area=area, value=value)
    if local_area not in set(data[area]):
        raise InvalidInputError(
            f"spine_chart: local_area {local_area!r} is not in column {area!r}; areas include "
            f"{', '.join(map(repr, list(dict.fromkeys(data[area]))[:6]))}."
        )


def _spine_x(v, c, half, flip):
    """Position on the spine: the comparator ``c`` at 0.5, ``half`` away at 0 or 1 (better side right)."""
    s = (v - c) / half * 0.5
    return 0.5 - s if flip else 0.5 + s


def _cell(frame: pd.DataFrame, column: str | None, default):
    """The first value of ``column`` in ``frame``, or ``default`` when the column is not given or absent."""
    return frame[column].iloc[0] if column and column in frame else default


def _spine_rows(data: pd.DataFrame, local_area: str, indicator: str, area: str, value: str, benchmark: str | None,
                polarity: str | None, period: str | None, count: str | None, unit: str | None,
                comparator: str) -> list[dict]:
    """One row per indicator (input order) with a local value and other areas' values; error when none has."""
    rows = []
    for name, g in data.groupby(indicator, sort=False):
        row = _spine_row(name, g, local_area, area, value, benchmark, polarity, period, count, unit, comparator)
        if row is not None:
            rows.append(row)
    if not rows:
        raise InvalidInputError("spine_chart: no indicator has both a local value and other areas' values.")
    return rows


def _spine_row(name, g: pd.DataFrame, local_area: str, area: str, value: str, benchmark: str | None,
               polarity: str | None, period: str | None, count: str | None, unit: str | None,
               comparator: str) -> dict | None:
    """The spine of one indicator: comparator, local value and label, range and quartiles scaled to 0-1."""
    vals = pd.to_numeric(g[value], errors="coerce").astype(float)
    others = vals[g[area] != comparator].dropna()
    local = g[g[area] == local_area]
    cmp_rows = vals[g[area] == comparator].dropna()
    if others.empty or local.empty:
        return None
    pol = _polarity(g[polarity].iloc[0]) if polarity and polarity in g else "no_judgement"
    c = float(cmp_rows.iloc[0]) if len(cmp_rows) else float(others.median())
    lo, q1, q3, hi = others.min(), others.quantile(0.25), others.quantile(0.75), others.max()
    half = max(abs(hi - c), abs(c - lo)) or 1.0
    flip = pol == "low_is_good"
    lv = float(pd.to_numeric(local[value], errors="coerce").iloc[0])
    label = _cell(local, benchmark, None)
    worst, best = (hi, lo) if flip else (lo, hi)
    return {
        "indicator": name, "polarity": pol, "comparator": c, "local": lv, "label": canonical_label(label),
        "colour": benchmark_colour(label), "left": worst, "right": best,
        "range": sorted([_spine_x(lo, c, half, flip), _spine_x(hi, c, half, flip)]),
        "iqr": sorted([_spine_x(q1, c, half, flip), _spine_x(q3, c, half, flip)]), "x": _spine_x(lv, c, half, flip),
        "period": str(_cell(local, period, "")),
        "count": _cell(local, count, np.nan),
        "unit": str(_cell(local, unit, "")),
        "n_areas": int(len(others)),
    }


def _draw_spines(ax, y, rows: list[dict], comparator: str) -> None:
    """Range and interquartile bars, the centre line and the local markers; axis limits and ticks."""
    n = len(rows)
    for yi, r in zip(y, rows):
        ax.barh(yi, r["range"][1] - r["range"][0], left=r["range"][0], height=0.62,
                color=SPINE_COLOURS["range"], zorder=1)
        ax.barh(yi, r["iqr"][1] - r["iqr"][0], left=r["iqr"][0], height=0.62, color=SPINE_COLOURS["quartiles"],
                zorder=2)
    ax.axvline(0.5, color=SPINE_COLOURS["comparator"], linewidth=1.4, zorder=3)
    ax.scatter([r["x"] for r in rows], y, s=70, c=[r["colour"] for r in rows], edgecolors=PALETTE["text"],
               linewidths=0.7, zorder=4)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(-0.02, 1.02)
    ax.set_yticks([])
    ax.set_xticks([0, 0.5, 1], ["Worst /\nlowest", comparator, "Best /\nhighest"], fontsize=8)
    ax.grid(False)
    for side in ("left", "top", "right"):
        ax.spines[side].set_visible(False)


def _draw_spine_table(table, ax, y, rows: list[dict], comparator: str, dps: int, wrap: int) -> None:
    """The table: columns at fixed axes fractions, rows aligned with the spines."""
    n = len(rows)
    table.set_ylim(ax.get_ylim())
    table.set_xlim(0, 1)
    table.set_axis_off()
    cols = [(0.0, "Indicator", "left"), (0.475, "Period", "center"), (0.615, "Local\ncount", "right"),
            (0.71, "Local\nvalue", "right"), (0.81, f"{comparator}\nvalue", "right"),
            (0.905, "Worst/\nlowest", "right"), (1.0, "Best/\nhighest", "right")]
    for xc, head, ha in cols:
        table.text(xc, n - 0.35, head, ha=ha, va="bottom", fontsize=7.5, fontweight="bold")
    for yi, r in zip(y, rows):
        name = textwrap.fill(str(r["indicator"]) + (f" ({r['unit']})" if r["unit"] else ""), wrap)
        cells = [name, r["period"], "" if pd.isna(r["count"]) else f"{r['count']:,.0f}", fmt(r["local"], dps),
                 fmt(r["comparator"], dps), fmt(r["left"], dps), fmt(r["right"], dps)]
        for (xc, _, ha), text in zip(cols, cells):
            table.text(xc, yi, text, ha=ha, va="center", fontsize=8 if xc else 8.5)
        table.axhline(yi - 0.5, color="#dddddd", linewidth=0.6)


def _draw_spine_legend(fig, rows: list[dict], comparator: str) -> None:
    present = [lab for lab in BENCHMARK_ORDER if lab in {r["label"] for r in rows}]
    handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=benchmark_colour(lab),
                      markeredgecolor=PALETTE["text"], markersize=8, label=lab) for lab in present]
    handles += [Patch(color=SPINE_COLOURS["range"], label="Range of areas"),
                Patch(color=SPINE_COLOURS["quartiles"], label="25th to 75th percentile"),
                Line2D([], [], color=SPINE_COLOURS["comparator"], label=comparator)]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8,
               bbox_to_anchor=(0.5, -0.01), frameon=False)


def _spine_alt(rows: list[dict], local_area: str, comparator: str, dps: int) -> str:
    counts = pd.Series([r["label"] for r in rows]).value_counts()
    return (f"Spine chart of {len(rows)} indicators for {local_area} compared with {comparator} and "
            f"{rows[0]['n_areas']} areas. Benchmark against {comparator}: "
            + ", ".join(f"{counts[lab]} {lab.lower()}" for lab in BENCHMARK_ORDER if lab in counts) + ". "
            + "; ".join(f"{r['indicator']}: {fmt(r['local'], dps, r['unit'])} ({r['label'].lower()}; "
                        f"{comparator} {fmt(r['comparator'], dps, r['unit'])})" for r in rows) + ".")


def overview(
    data: pd.DataFrame,
    *,
    area: str = "area_name",
    indicator: str = "indicator",
    value: str = "value",
    benchmark: str | None = "benchmark",
    period: str | None = "period",
    top_areas=("England",),
    areas=None,
    title: str = "",
    dps: int = 1,
    wrap: int = 30,
    figsize=None,
) -> Chart:
    """The overview "tartan rug": indicators (rows) × areas (columns), tiles filled by benchmark, with values.

    Parameters
    ----------
    data : DataFrame
        Long frame, one row per indicator × area (``value`` and ``benchmark``).
    top_areas : sequence of str
        Comparator columns shown first, in grey (Fingertips shows England and the region this way).
    areas : sequence of str, optional
        The other areas to show, in this order (default: all, in order of first appearance).
    period : str, optional
        Column of period labels, shown beside the indicator names.

    Returns
    -------
    Chart
        One axes with one :class:`~matplotlib.patches.Rectangle` per indicator × area (row-major, indicators in
        input order, ``top_areas`` then ``areas``), each filled with its benchmark colour (grey for the top
        areas), and one text label per tile holding the value.
    """
    require(data, "overview", area=area, indicator=indicator, value=value)
    if data.empty:
        raise InvalidInputError("overview needs at least one row (the frame is empty).")
    top, others, cols = _overview_columns(data, area, top_areas, areas)
    inds = list(dict.fromkeys(data[indicator]))
    d = data.set_index([indicator, area])
    if d.index.duplicated().any():
        raise InvalidInputError("overview: more than one row for an indicator × area; filter to one period first.")
    nr, nc = len(inds), len(cols)
    title = with_demo(title or "Overview of indicators by area", is_demo(data))
    with quiet():
        fig, ax = plt.subplots(figsize=figsize or (max(6.0, 2.7 + 0.5 * nc), 1.7 + 0.46 * nr))
        tally = _draw_tiles(ax, d, inds, cols, top, value, benchmark, dps)
        _overview_ticks(ax, data, inds, cols, top, indicator, period, wrap)
        labels = [lab for lab in BENCHMARK_ORDER if lab in tally]
        ax.legend(handles=[Patch(facecolor=benchmark_colour(lab), label=lab) for lab in labels],
                  loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=len(labels) or 1, fontsize=8)
        ax.set_title(title, loc="left", pad=12)
        fig.tight_layout()

    alt = (f"Overview grid of {nr} indicators (rows) for {len(others)} areas (columns) plus "
           f"{', '.join(top) or 'no comparator'}; each tile coloured by comparison with the benchmark and labelled "
           "with its value. Tiles: " + ", ".join(f"{tally[lab]} {lab.lower()}" for lab in BENCHMARK_ORDER
                                              if lab in tally) + ". Indicators: " + "; ".join(map(str, inds)) + ".")
    return finish(fig, alt, title)


def _overview_columns(data: pd.DataFrame, area: str, top_areas, areas) -> tuple[list, list, list]:
    """The comparator columns present, the other areas (checked), and all columns in order."""
    present = list(dict.fromkeys(data[area]))
    top = [a for a in (top_areas or ()) if a in present]
    others = [a for a in (areas if areas is not None else present) if a not in top]
    missing = [a for a in others if a not in present]
    if missing:
        raise InvalidInputError(f"overview: areas not in column {area!r}: {', '.join(map(repr, missing))}.")
    return top, others, top + others


def _tile(d: pd.DataFrame, ind, a, value: str, benchmark: str | None) -> tuple[float, object]:
    """The value (NaN when missing) and benchmark label (None) of one indicator × area."""
    row = d.loc[(ind, a)] if (ind, a) in d.index else None
    if row is None:
        return np.nan, None
    v = float(pd.to_numeric(pd.Series([row[value]]), errors="coerce").iloc[0])
    lab = row[benchmark] if (benchmark and benchmark in d.columns) else None
    return v, lab


def _draw_tiles(ax, d: pd.DataFrame, inds: list, cols: list, top: list, value: str, benchmark: str | None,
                dps: int) -> dict:
    """One filled, labelled tile per indicator × area (row-major); returns the count of each benchmark label
    among the non-comparator tiles."""
    nr = len(inds)
    tally = {}
    for i, ind in enumerate(inds):
        for j, a in enumerate(cols):
            v, lab = _tile(d, ind, a, value, benchmark)
            colour = PALETTE["not compared"] if a in top else benchmark_colour(lab)
            if a not in top:
                key = canonical_label(lab)
                tally[key] = tally.get(key, 0) + 1
            ax.add_patch(Rectangle((j, nr - 1 - i), 1, 1, facecolor=colour, edgecolor="white", linewidth=1.5))
            ax.text(j + 0.5, nr - 0.5 - i, "" if np.isnan(v) else fmt(v, dps), ha="center", va="center",
                    fontsize=7.5, color=text_colour(colour))
    return tally


def _overview_ticks(ax, data: pd.DataFrame, inds: list, cols: list, top: list, indicator: str,
                    period: str | None, wrap: int) -> None:
    """Area names along the top (comparators bold), indicator names (and periods) down the side; no frame."""
    nr, nc = len(inds), len(cols)
    ax.set_xlim(0, nc)
    ax.set_ylim(0, nr)
    ax.set_xticks(np.arange(nc) + 0.5, [textwrap.fill(str(c), 14) for c in cols], rotation=60, ha="left",
                  rotation_mode="anchor", fontsize=8)
    ax.xaxis.tick_top()
    for tick, name in zip(ax.get_xticklabels(), cols):
        if name in top:
            tick.set_fontweight("bold")
    periods = {}
    if period and period in data:
        periods = data.drop_duplicates(indicator).set_index(indicator)[period].astype(str).to_dict()
    ax.set_yticks(np.arange(nr)[::-1] + 0.5,
                  [textwrap.fill(str(ind), wrap) + (f"\n{periods[ind]}" if ind in periods else "")
                   for ind in inds], fontsize=8)
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
