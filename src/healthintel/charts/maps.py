"""Choropleth maps of LSOAs or districts from the fetched boundaries: continuous values or categories.

Deprivation deciles/quintiles have their own categorical map, :func:`healthintel.charts.deprivation_map`
(also reachable here with ``categories=``); :func:`choropleth` draws a continuous value (prevalence, rate,
share) with a colour-blind-safe sequential scale, or a diverging one centred on a comparator, with district
outlines and labels. Maps are drawn in British National Grid (EPSG:27700) so shapes are not stretched. With the
value's ``polarity`` the darker end is the worse one (obesity: darker = higher; life expectancy: darker = lower),
as darker = more deprived on the deprivation map, and the colour bar says so.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, Normalize, TwoSlopeNorm, to_hex
from matplotlib.patches import Patch

from ..errors import InvalidInputError
from .base import (
    DIVERGING_CMAP, Chart, finish, fit_title, fmt, is_demo, plt, quiet, require, sequential_scale, unit_label,
    with_demo,
)

__all__ = ["choropleth"]

NO_DATA = "#E0E0E0"


def label_areas(ax, gdf, label_col, fontsize=6.5):
    """Label each polygon at its centroid (or a point inside it when the centroid falls outside), long names
    wrapped onto two lines so neighbouring districts' labels do not collide."""
    for _, row in gdf.iterrows():
        geom = row.geometry
        p = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
        ax.annotate(textwrap.fill(str(row[label_col]), 12), (p.x, p.y), ha="center", va="center",
                    fontsize=fontsize, linespacing=0.9,
                    bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.75), gid="area-label")


def choropleth(
    gdf,
    column: str = "value",
    *,
    area_name: str = "",
    outlines=None,
    label_col: str | None = None,
    outline_label_col: str | None = "lad_name",
    title: str = "",
    value_label: str = "Value",
    unit: str = "",
    cmap: str | None = None,
    centre: float | None = None,
    centre_name: str = "England",
    classes: int | None = None,
    dps: int = 1,
    polarity: str | None = None,
    figsize=(7.5, 6),
) -> Chart:
    """Map of polygons (LSOAs or districts) shaded by a continuous value, with district outlines and labels.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygons with ``column`` (e.g. :func:`healthintel.sources.readers.lsoa_boundaries` merged with a
        prevalence per LSOA, or :func:`~healthintel.sources.readers.lad_boundaries` merged with a district value).
        Missing values are drawn light grey and counted in the legend as "No data".
    outlines : GeoDataFrame, optional
        District polygons drawn on top as black outlines, labelled with ``outline_label_col``.
    label_col : str, optional
        Label every polygon of ``gdf`` (sensible for districts, not for 1,000 LSOAs).
    cmap : str, optional
        Matplotlib colour map; default the sequential scale of ``polarity`` (:func:`sequential_scale`: viridis,
        reversed when low is good, so darker is worse), or :data:`DIVERGING_CMAP` (PuOr) when ``centre`` is given.
    polarity : str, optional
        "high_is_good" or "low_is_good" (:mod:`healthintel.polarity`): the darker end of the sequential scale is
        the worse one, and the colour bar's title says so ("darker = higher (worse)"); none: darker = lower.
    centre : float, optional
        A comparator value at the middle of a diverging scale, marked on the colour bar as ``centre_name``.
    classes : int, optional
        Draw ``classes`` equal-count classes (quantile bins) instead of a continuous scale.

    Returns
    -------
    Chart
        One map axes (axis off; one ``PatchCollection`` per polygon layer, polygons in ``gdf`` order) and a
        colour bar axes labelled with the value and its unit.
    """
    if gdf is None or len(gdf) == 0:
        return _no_boundaries(area_name, title, value_label, figsize)
    values = _numeric_values(gdf, column, label_col)
    kind = _kind(gdf)
    title = with_demo(title or f"{value_label} by {kind[:-1] if kind != 'LSOAs' else 'LSOA'}"
                      + (f": {area_name}" if area_name else ""), is_demo(gdf))
    vmin, vmax = float(values.min()), float(values.max())
    scale, note = sequential_scale(polarity)
    if cmap or centre is not None:
        note = ""
    with quiet():
        g = gdf.to_crs(27700) if gdf.crs is not None else gdf
        cmap_obj = plt.get_cmap(cmap or (DIVERGING_CMAP if centre is not None else scale))
        norm = _norm(values, vmin, vmax, cmap_obj, centre, classes)
        fig, ax = plt.subplots(figsize=figsize)
        ax.set_axis_off()
        colours = [NO_DATA if np.isnan(v) else to_hex(cmap_obj(norm(v))) for v in values]
        g.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.15 if kind == "LSOAs" else 0.6)
        _draw_outlines(ax, outlines, outline_label_col)
        if label_col:
            label_areas(ax, g, label_col)
        _draw_colour_bar(fig, ax, norm, cmap_obj, unit_label(value_label, unit), centre, centre_name, unit, dps,
                         note)
        if values.isna().any():
            ax.legend(handles=[Patch(color=NO_DATA, label="No data")], loc="lower left", fontsize=8)
        ax.set_title(fit_title(title, figsize[0]), loc="left")
        fig.tight_layout()

    alt = _alt_text(gdf, values, kind, area_name, label_col, outlines, value_label, unit, cmap, centre, centre_name,
                    vmin, vmax, dps, note)
    return finish(fig, alt, title)


def _no_boundaries(area_name: str, title: str, value_label: str, figsize) -> Chart:
    """A blank map saying that the data mirror has no boundaries for the area."""
    with quiet():
        fig, ax = plt.subplots(figsize=figsize)
        ax.set_axis_off()
        t = title or f"{value_label}: {area_name}"
        ax.text(0.5, 0.5, f"No boundaries for {area_name or 'this area'} in the data mirror", ha="center",
                va="center", transform=ax.transAxes)
        ax.set_title(t)
    return finish(fig, f"Map not available: no boundaries for {area_name or 'this area'} in the data mirror.", t)


def _numeric_values(gdf, column: str, label_col: str | None) -> pd.Series:
    require(gdf, "choropleth", column=column, label_col=label_col)
    values = pd.to_numeric(gdf[column], errors="coerce").astype(float)
    if values.notna().sum() == 0:
        raise InvalidInputError(f"choropleth: column {column!r} has no numeric values.")
    return values


def _kind(gdf) -> str:
    """What the polygons are: "districts", "LSOAs" or "areas"."""
    if "lad_code" in gdf and gdf["lad_code"].is_unique and len(gdf) < 400 and "lsoa_code" not in gdf:
        return "districts"
    return "LSOAs" if "lsoa_code" in gdf else "areas"


def _norm(values: pd.Series, vmin: float, vmax: float, cmap_obj, centre: float | None, classes: int | None):
    """Equal-count classes, a diverging scale centred on ``centre``, or a continuous min-max scale."""
    if classes:
        edges = np.unique(np.nanquantile(values, np.linspace(0, 1, classes + 1)))
        return BoundaryNorm(edges, cmap_obj.N)
    if centre is not None:
        half = max(abs(vmax - centre), abs(centre - vmin)) or 1.0
        return TwoSlopeNorm(vcenter=centre, vmin=centre - half, vmax=centre + half)
    return Normalize(vmin=vmin, vmax=vmax)


def _draw_outlines(ax, outlines, outline_label_col: str | None) -> None:
    if outlines is not None and len(outlines):
        o = outlines.to_crs(27700) if outlines.crs is not None else outlines
        o.boundary.plot(ax=ax, color="black", linewidth=0.7)
        if outline_label_col and outline_label_col in o:
            label_areas(ax, o, outline_label_col)


def _draw_colour_bar(fig, ax, norm, cmap_obj, label: str, centre: float | None, centre_name: str, unit: str,
                     dps: int, note: str = "") -> None:
    """The colour bar with the value label, what darker means above it, and the centre of a diverging scale
    marked and named."""
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap_obj)
    bar = fig.colorbar(sm, ax=ax, shrink=0.7, pad=0.02)
    bar.set_label(label)
    if note:
        bar.ax.set_title(note.capitalize().replace(" (", "\n("), fontsize=8, fontweight="normal", loc="left",
                         gid="colour-note")
    if centre is not None:
        bar.ax.axhline(centre, color="black", linewidth=1)
        bar.ax.text(-0.15, centre, f"{centre_name} {fmt(centre, dps, unit)}",
                    transform=bar.ax.get_yaxis_transform(), ha="right", va="center", fontsize=7, gid="centre-label",
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))


def _colour_note(cmap: str | None, centre: float | None, centre_name: str, unit: str, dps: int,
                 note: str = "") -> str:
    if centre is None:
        return f" Colour scale: {note}." if note and not cmap else ""
    note = f" Colours diverge around {centre_name} ({fmt(centre, dps, unit)})"
    return note + (": orange below, purple above." if not cmap else ".")


def _alt_text(gdf, values: pd.Series, kind: str, area_name: str, label_col: str | None, outlines,
              value_label: str, unit: str, cmap: str | None, centre: float | None, centre_name: str, vmin: float,
              vmax: float, dps: int, note: str = "") -> str:
    order = values.dropna().sort_values()
    name_col = next((c for c in (label_col, "lsoa_name", "lad_name", "area_name", "lsoa_code", "lad_code")
                     if c and c in gdf), None)
    names = gdf[name_col] if name_col else pd.Series(range(len(gdf)), index=gdf.index)
    lo_i, hi_i = order.index[0], order.index[-1]
    return (f"Map of {len(gdf)} {kind}" + (f" in {area_name}" if area_name else "")
            + f" shaded by {value_label.lower()}" + (f" ({unit})" if unit else "")
            + f" from {fmt(vmin, dps, unit)} to {fmt(vmax, dps, unit)} (median {fmt(values.median(), dps, unit)}); "
            f"lowest {names.loc[lo_i]} ({fmt(values.loc[lo_i], dps, unit)}), highest {names.loc[hi_i]} "
            f"({fmt(values.loc[hi_i], dps, unit)})."
            + (f" {int(values.isna().sum())} without data." if values.isna().any() else "")
            + _colour_note(cmap, centre, centre_name, unit, dps, note)
            + (f" {len(outlines)} district outlines drawn." if outlines is not None and len(outlines) else ""))
