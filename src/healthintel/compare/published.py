"""Real published values of an area for the outcome framework, and the goals they fix (compute only).

Owns the "real first" rule of the outcomes tracker and the one source of truth for each goal:

- :func:`published_series` — the real series of one registry indicator (a row of
  :func:`~healthintel.compare.load_targets`) for one area: every published Fingertips value the data mirror holds
  for the area's **own GSS code** (:func:`healthintel.sources.published.published_values`, over the entry's
  ``published_ids``; never another area's rows), plus the strategy's own published baseline when the registry
  entry is for this very area. Each point carries its England value for the same period, its published
  benchmark, the Fingertips id and the catalog id of the file it came from.
- :func:`england_series` — the published England values of an indicator (the comparator of real rows and the
  anchor of demo rows, so every area's page shows the same England figures).
- :func:`area_targets` — the registry for one area with every baseline fixed once: the strategy's figure where
  it gives one, else the area's published value at the baseline period, else none (the goal stays a change and
  has no number). The outcomes tracker and the life-expectancy chapter both read their goals from here, so they
  state the same goal.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..geography import ENGLAND, Area, normalise_name, resolve_area
from ..periods import parse_periods
from ..sources.published import published_values
from .targets import load_targets

__all__ = ["published_series", "england_series", "area_targets", "registry_for", "SERIES_COLUMNS",
           "STRATEGY_LABEL", "period_shape", "entry_place"]

#: Columns of :func:`published_series`.
SERIES_COLUMNS = ["period", "value", "lower_ci", "upper_ci", "england", "published_benchmark", "fingertips_id",
                  "catalog_id", "origin_label"]
#: ``origin_label`` of a point that is the strategy's own published baseline.
STRATEGY_LABEL = "Strategy baseline (published)"
#: The registry area whose entries apply to every area the strategy covers.
STRATEGY_AREA = "Kent and Medway"

_SHAPES = (("year across two", re.compile(r"^\d{4}/\d{2}$")), ("pooled years", re.compile(r"^\d{4}-\d{2}$")),
           ("calendar year", re.compile(r"^\d{4}$")))


def period_shape(label: str) -> str:
    """"2021/22" -> "year across two", "2018-20" -> "pooled years", "2021" -> "calendar year", else "other"."""
    return next((name for name, rx in _SHAPES if rx.match(str(label))), "other")


def _same_area(entry_area: str, place: Area) -> bool:
    return normalise_name(entry_area) == normalise_name(place.name)


def _applies(entry_area: str, place: Area) -> bool:
    return normalise_name(entry_area) in (normalise_name(STRATEGY_AREA), normalise_name(place.name))


def registry_for(place: Area, registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """The registry entries that apply to ``place``: the strategy-wide ("Kent and Medway") entries and the
    entries for ``place`` itself (every entry for Kent and Medway)."""
    reg = load_targets() if registry is None else registry
    if _same_area(STRATEGY_AREA, place):
        return reg.reset_index(drop=True)
    keep = np.array([_applies(str(a), place) for a in reg["area"]], dtype=bool)
    return reg[keep].reset_index(drop=True)


def _ids(ind: pd.Series) -> tuple[int, ...]:
    ids = ind.get("published_ids")
    if ids is None or (isinstance(ids, float) and np.isnan(ids)):
        fid = ind.get("fingertips_id")
        return () if fid is None or pd.isna(fid) else (int(fid),)
    return tuple(int(i) for i in ids)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame.reset_index(drop=True)
    start = parse_periods(frame, "period")[0]
    return frame.assign(_start=start).sort_values("_start", kind="stable").drop(columns="_start") \
        .reset_index(drop=True)


def _keep_shape(points: pd.DataFrame, shape: str | None) -> pd.DataFrame:
    """The points whose periods have ``shape`` (default: the shape of the latest point): a series never mixes
    single and pooled years."""
    if points.empty:
        return points
    shapes = points["period"].map(period_shape)
    want = shape if shape and shape != "other" else shapes.iloc[-1]
    return points[(shapes == want).to_numpy()].reset_index(drop=True)


def _baseline_shape(ind: pd.Series) -> str | None:
    p = ind.get("baseline_period")
    return None if p is None or pd.isna(p) or str(p) == "" else period_shape(str(p))


def _values(fid: int, sex: str, codes) -> pd.DataFrame:
    vals = published_values(fid, area_codes=codes)
    return vals[(vals["sex"] == sex) & vals["value"].notna()]


def _england_for(rows: pd.DataFrame, fid: int, sex: str) -> np.ndarray:
    """England's published value for each row's period: one value per indicator, sex and period (the newest
    download's), so England is the same on every area's page."""
    eng = _values(fid, sex, [ENGLAND]).set_index("period")["value"]
    return rows["period"].map(eng).to_numpy(dtype=float)


def england_series(ind: pd.Series) -> pd.DataFrame:
    """The published England series of registry indicator ``ind`` (``period``, ``value``, ``fingertips_id``),
    from the first of its ``published_ids`` with England values, in periods of the baseline's shape; empty when
    none is published."""
    sex = ind.get("sex", "Persons")
    for fid in _ids(ind):
        eng = _keep_shape(_sorted(_values(fid, sex, [ENGLAND])), _baseline_shape(ind))
        if len(eng):
            return eng[["period", "value"]].assign(fingertips_id=fid)
    return pd.DataFrame({"period": pd.Series(dtype=object), "value": pd.Series(dtype=float),
                         "fingertips_id": pd.Series(dtype=int)})


def _fingertips_points(ind: pd.Series, place: Area) -> pd.DataFrame:
    """The area's published Fingertips points of ``ind`` (first id with any), with England's value per period."""
    sex = ind.get("sex", "Persons")
    for fid in _ids(ind):
        rows = _values(fid, sex, [place.code])
        if rows.empty:
            continue
        pts = rows.assign(england=_england_for(rows, fid, sex), fingertips_id=float(fid),
                          catalog_id=rows["source"], origin_label=f"Fingertips {fid} (published)")
        return _keep_shape(_sorted(pts[SERIES_COLUMNS]), _baseline_shape(ind))
    return pd.DataFrame(columns=SERIES_COLUMNS)


def _strategy_point(ind: pd.Series, place: Area, periods) -> pd.DataFrame:
    """The strategy's published baseline as a point, when the entry is for ``place`` and gives a value that the
    Fingertips points do not already hold."""
    value, period = ind.get("baseline_value"), str(ind.get("baseline_period", ""))
    if not _same_area(str(ind.get("area", "")), place) or value is None or pd.isna(value) or period in set(periods):
        return pd.DataFrame(columns=SERIES_COLUMNS)
    eng = england_series(ind).set_index("period")["value"]
    return pd.DataFrame([{"period": period, "value": float(value), "lower_ci": np.nan, "upper_ci": np.nan,
                          "england": float(eng.get(period, np.nan)), "published_benchmark": "Not compared",
                          "fingertips_id": np.nan, "catalog_id": "", "origin_label": STRATEGY_LABEL}])


def entry_place(ind: pd.Series, place: Area) -> Area:
    """The area whose values a registry entry shows on ``place``'s page: the entry's own area when it is for a
    part of ``place`` (e.g. "Smoking ..., Kent" on the Kent and Medway page), else ``place``."""
    area = str(ind.get("area", "") or "")
    if not area or _applies(area, place):
        return place
    return resolve_area(area)


def published_series(ind: pd.Series, place: Area) -> pd.DataFrame | None:
    """Every real published value of registry indicator ``ind`` for ``place``, oldest first (None when none).

    Parameters
    ----------
    ind : Series
        One registry entry (a row of :func:`~healthintel.compare.load_targets`, or a context indicator with
        ``published_ids`` and ``sex``).
    place : geography.Area
        The area: only rows with its own GSS code are used (for an entry set for a part of the area, such as
        "..., Kent" on the Kent and Medway page, that part's: :func:`entry_place`).

    Returns
    -------
    DataFrame or None
        Columns :data:`SERIES_COLUMNS`: ``period``, ``value``, ``lower_ci``/``upper_ci`` (published 95% limits,
        NaN where the copy has none), ``england`` (England's published value for the same period and sex, NaN
        when none), ``published_benchmark`` (Fingertips' label, "Not compared" when none), ``fingertips_id``
        (NaN for the strategy's baseline), ``catalog_id`` (the file; "" for the strategy's baseline) and
        ``origin_label`` ("Fingertips 93085 (published)" or :data:`STRATEGY_LABEL`). ``attrs["sources"]``: the
        catalog ids used.

    Notes
    -----
    Periods of one shape only (those of the registry baseline, e.g. single calendar years for "2021"; for an
    entry without a baseline those of the latest point), so that pooled and single years are never mixed.
    """
    place = entry_place(ind, place)
    pts = _fingertips_points(ind, place)
    strategy = _strategy_point(ind, place, pts["period"])
    frames = [f for f in (pts, strategy) if len(f)]
    if not frames:
        return None
    out = _sorted(pd.concat(frames, ignore_index=True))
    out["value"] = out["value"].astype(float)
    out.attrs["sources"] = sorted({c for c in out["catalog_id"] if c})
    return out


def _resolved_baseline(ind: pd.Series, place: Area) -> tuple[float, str]:
    """(baseline value, where it comes from) of one entry for ``place``."""
    if not pd.isna(ind["baseline_value"]):
        return float(ind["baseline_value"]), f"{ind['area']} strategy (published)"
    pts = _fingertips_points(ind, place)
    at = pts[pts["period"] == str(ind["baseline_period"])]
    if len(at):
        return float(at["value"].iloc[0]), f"Fingertips {int(at['fingertips_id'].iloc[0])} (published)"
    return np.nan, ""


def _with_unit(x: float, unit: str, *, change: bool = False) -> str:
    number = f"{x:+,.1f}" if change else f"{x:,.1f}"
    if unit == "%":
        return f"{number} percentage points" if change else f"{number}%"
    return f"{number} {unit}" if unit in ("years", "percentage points") else number


def _goal_text(row: pd.Series, place: Area) -> str:
    if not pd.isna(row["goal_value"]):
        return f"{_with_unit(row['goal_value'], row['unit'])} by {row['goal_period']}"
    return (f"{_with_unit(row['goal_change'], row['unit'], change=True)} on the {row['baseline_period']} baseline "
            f"by {row['goal_period']} (baseline not published for {place.name})")


def area_targets(place: Area | str, registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """The goals that apply to ``place``, each baseline fixed once from published values.

    Parameters
    ----------
    place : geography.Area or str
        The area (name or GSS code).
    registry : DataFrame, optional
        The registry (:func:`~healthintel.compare.load_targets`); default the shipped one.

    Returns
    -------
    DataFrame
        :func:`registry_for` ``place`` with ``baseline_value`` fixed (the registry's figure, else the area's
        published value at the baseline period, else NaN), ``baseline_source`` (where it comes from, "" when
        not published), ``goal_value`` (the registry's, or baseline + change; NaN when the baseline is not
        published) and ``goal_text`` (the goal as the chapters state it: "80.9 by 2026-28", or "+1.5 years on
        the 2018-20 baseline by 2026-28 (baseline not published for Kent and Medway)").

    Notes
    -----
    Pass the result to :func:`~healthintel.compare.target_progress` with ``baseline_from_data=False``: a goal
    then never moves with the data shown against it (synthetic, demo or an analyst's extract).
    """
    place = resolve_area(place) if isinstance(place, str) else place
    reg = registry_for(place, registry).copy()
    resolved = [_resolved_baseline(ind, place) for _, ind in reg.iterrows()]  # ≤ 20 entries
    reg["baseline_value"] = np.array([v for v, _ in resolved], dtype=float)
    reg["baseline_source"] = [s for _, s in resolved]
    goal = reg["goal_value"].to_numpy(dtype=float)
    reg["goal_value"] = np.where(np.isnan(goal), reg["baseline_value"] + reg["goal_change"], goal)
    reg["goal_text"] = [_goal_text(r, place) for _, r in reg.iterrows()]
    return reg
