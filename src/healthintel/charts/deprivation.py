"""Deprivation charts: population by national quintile, domain bars, LSOA map by decile."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from .base import MORE_DEPRIVED_NOTE, PALETTE, deprivation_colours, finish, quiet


def population_by_quintile(frame: pd.DataFrame, area_name: str, comparator: str = "England"):
    """Share of the population in each national IMD quintile, area vs comparator (grouped bars).

    ``frame`` is :func:`healthintel.deprivation.population_by_quintile` output.
    """
    fig, ax = plt.subplots(figsize=(7, 3.6))
    x = np.arange(len(frame))
    both = "england_share" in frame
    off = 0.2 if both else 0.0  # a single series is centred on its ticks
    ax.bar(x - off, frame["share"] * 100, 0.4, label=area_name, color=PALETTE["area"])
    if both:
        ax.bar(x + 0.2, frame["england_share"] * 100, 0.4, label=comparator, color=PALETTE["england"])
    labels = [f"{q}" + (" (most\ndeprived)" if q == 1 else " (least\ndeprived)" if q == len(frame) else "")
              for q in frame.iloc[:, 0]]
    ax.set_xticks(x, labels)
    ax.set_xlabel("National IMD quintile")
    ax.set_ylabel("Share of population (%)")
    ax.set_title(f"Population by national deprivation quintile: {area_name}" + (f" and {comparator}" if both else ""))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside the bars, never over a value label
    top = max(frame["share"].max(), frame["england_share"].max() if both else 0) * 100
    ax.set_ylim(0, top * 1.12)
    for xi, v in zip(x, frame["share"] * 100):
        ax.annotate(f"{v:.1f}%", (xi - off, v), ha="center", va="bottom", fontsize=8)
    alt = (f"Bar chart of the share of {area_name}'s population in each national deprivation quintile: "
           + "; ".join(f"quintile {q}: {s * 100:.1f}%" for q, s in zip(frame.iloc[:, 0], frame["share"]))
           + (f". {comparator} has about 20% in each." if "england_share" in frame else "."))
    return finish(fig, alt, ax.get_title())


def domain_bars(summary: pd.DataFrame, area_name: str):
    """Share of LSOAs in the nationally most deprived 20% for IMD and each domain, with the 20% England line."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    y = np.arange(len(summary))[::-1]
    ax.barh(y, summary["share_most_deprived"] * 100, color=PALETTE["area"])
    ax.axvline(summary["england_share"].iloc[0] * 100, color=PALETTE["text"], ls="--", lw=1, label="England (20%)")
    ax.set_yticks(y, summary["domain"])
    ax.set_xlabel("LSOAs in the most deprived 20% nationally (%)")
    ax.set_title(f"Deprivation domains: {area_name}")
    ax.legend(loc="lower right")
    alt = (f"Horizontal bar chart: share of {area_name}'s LSOAs in England's most deprived 20%, by domain: "
           + "; ".join(f"{d}: {s * 100:.0f}%" for d, s in zip(summary["domain"], summary["share_most_deprived"]))
           + ". The dashed line marks 20%, England's share by construction.")
    return finish(fig, alt, ax.get_title())


def deprivation_map(gdf, column: str, area_name: str, *, n: int = 10, outlines=None, label_col: str | None = None,
                    title: str | None = None):
    """Choropleth of LSOAs by deprivation category (1 = most deprived), with district outlines and labels.

    Parameters
    ----------
    gdf : GeoDataFrame
        LSOA polygons with ``column`` holding categories 1..n.
    outlines : GeoDataFrame, optional
        District polygons drawn on top (and labelled with ``label_col``).
    """
    with quiet():  # geopandas/shapely warnings never reach a report
        return _deprivation_map(gdf, column, area_name, n=n, outlines=outlines, label_col=label_col, title=title)


def _deprivation_map(gdf, column: str, area_name: str, *, n: int = 10, outlines=None, label_col: str | None = None,
                     title: str | None = None):
    """Choropleth of LSOAs by deprivation category (1 = most deprived), with district outlines and labels.

    Parameters
    ----------
    gdf : GeoDataFrame
        LSOA polygons with ``column`` holding categories 1..n.
    outlines : GeoDataFrame, optional
        District polygons drawn on top (and labelled with ``label_col``).
    """
    colours = deprivation_colours(n)
    fig, ax = plt.subplots(figsize=(7.5, 6))
    ax.set_axis_off()
    title = title or f"LSOAs by national IMD decile: {area_name}"
    if gdf is None or len(gdf) == 0:
        ax.text(0.5, 0.5, f"No LSOA boundaries for {area_name} in the data mirror", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_title(title)
        return finish(fig, f"Map not available: no LSOA boundaries for {area_name} in the data mirror.", title)
    gdf = gdf.to_crs(27700)
    cats = gdf[column].astype(int)
    gdf.plot(ax=ax, color=[colours[c - 1] for c in cats], edgecolor="white", linewidth=0.1)
    if outlines is not None and len(outlines):
        o = outlines.to_crs(27700)
        o.boundary.plot(ax=ax, color="black", linewidth=0.6)
        if label_col:
            from .maps import label_areas

            label_areas(ax, o, label_col)
    handles = [Patch(color=colours[i], label=f"{i + 1}" + (" most deprived" if i == 0 else
                                                           " least deprived" if i == n - 1 else ""))
               for i in range(n)]
    ax.legend(handles=handles, title=f"{'Decile' if n == 10 else 'Quintile'}\n({MORE_DEPRIVED_NOTE})",
              loc="lower left", fontsize=7, title_fontsize=8, bbox_to_anchor=(1.0, 0.0))
    ax.set_title(title)
    counts = cats.value_counts().reindex(range(1, n + 1), fill_value=0)
    alt = (f"Map of {len(gdf)} LSOAs in {area_name} shaded by deprivation category (1 = most deprived; "
           f"{MORE_DEPRIVED_NOTE}). "
           f"LSOAs per category: " + ", ".join(f"{k}: {v}" for k, v in counts.items()) + ".")
    fig.tight_layout()
    return finish(fig, alt, title)
