"""Outcome-framework targets: the registry (``targets.yaml``) and progress towards each goal.

Owns :func:`load_targets` (the first user's Integrated Care Strategy indicators by default, or any YAML file in
the same format) and :func:`target_progress` (latest value against the required linear trajectory from
baseline to goal → "met", "on track", "off track" or "no data"). The goals of one area, with baselines fixed
from published values, are resolved once by :func:`healthintel.compare.published.area_targets`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..errors import InvalidInputError
from ..frames import numeric, require_columns
from ..periods import parse_period, parse_periods
from ..polarity import HIGH_IS_GOOD, LOW_IS_GOOD, parse_polarity

__all__ = ["load_targets", "target_progress", "PROGRESS_LABELS"]

MET, ON_TRACK, OFF_TRACK, NO_DATA = "met", "on track", "off track", "no data"
PROGRESS_LABELS = (MET, ON_TRACK, OFF_TRACK, NO_DATA)
_REQUIRED = ("id", "name", "polarity", "unit", "baseline", "goal")


def load_targets(path: str | Path | None = None) -> pd.DataFrame:
    """The outcome-framework registry as a frame, one row per indicator.

    Parameters
    ----------
    path : str or Path, optional
        A YAML file in the format of the shipped ``healthintel/compare/targets.yaml`` (the first user's
        indicators: life expectancy and its SII, Year 6 healthy weight and severe obesity, the Year 6 and adult
        obesity quintile gaps, smoking at time of delivery, routine-and-manual smoking, physical inactivity,
        adult excess weight, alcohol admissions, ACSC admissions ratio, deaths in hospital, IMD rank).

    Returns
    -------
    DataFrame
        Columns ``id``, ``name``, ``fingertips_id``, ``polarity``, ``unit``, ``value_type``, ``area``, ``sex``,
        ``baseline_period``, ``baseline_value`` (NaN = take from the data), ``goal_period``, ``goal_value``
        (NaN when the goal is a ``change``), ``goal_change``, ``comparator``, ``note``, ``published_ids`` (tuple
        of the Fingertips ids whose published values stand for the indicator: the entry's ``published_ids``
        list, default ``[fingertips_id]``; empty when none does).
    """
    if path is None:
        text = resources.files("healthintel.compare").joinpath("targets.yaml").read_text(encoding="utf-8")
        where = "healthintel/compare/targets.yaml"
    else:
        text, where = Path(path).read_text(encoding="utf-8"), str(path)
    entries = yaml.safe_load(text)
    if not isinstance(entries, list):
        raise InvalidInputError(f"{where}: the registry must be a YAML list of indicators.")
    rows = [_registry_row(i, e, where) for i, e in enumerate(entries)]
    frame = pd.DataFrame(rows)
    dup = frame["id"].duplicated()
    if dup.any():
        raise InvalidInputError(f"{where}: duplicate ids {frame.loc[dup, 'id'].tolist()}; ids must be unique.")
    return frame


def _optional_float(value) -> float:
    return np.nan if value is None else float(value)


def _registry_row(i: int, e, where: str) -> dict:
    """One checked registry entry as a row of :func:`load_targets`' frame."""
    missing = [k for k in _REQUIRED if not isinstance(e, dict) or k not in e]
    if missing:
        raise InvalidInputError(f"{where}: entry {i} ({(e or {}).get('id', '?')!r}) lacks {missing}; add them.")
    goal, base = e["goal"] or {}, e["baseline"] or {}
    if "period" not in goal or ("value" not in goal and "change" not in goal):
        raise InvalidInputError(f"{where}: entry {e['id']!r}: goal needs a period and a value or a change.")
    for label, p in (("baseline", base.get("period")), ("goal", goal.get("period"))):
        if p is None or np.isnan(parse_period(str(p))[0]):
            raise InvalidInputError(f"{where}: entry {e['id']!r}: {label} period {p!r} is not a period.")
    return {
        "id": str(e["id"]), "name": e["name"], "fingertips_id": e.get("fingertips_id"),
        "polarity": parse_polarity(e["polarity"]), "unit": e["unit"], "value_type": e.get("value_type", ""),
        "area": e.get("area", ""), "sex": e.get("sex", "Persons"),
        "baseline_period": str(base["period"]),
        "baseline_value": _optional_float(base.get("value")),
        "goal_period": str(goal["period"]),
        "goal_value": _optional_float(goal.get("value")),
        "goal_change": _optional_float(goal.get("change")),
        "comparator": e.get("comparator"), "note": e.get("note", ""),
        "published_ids": _published_ids(e),
    }


def _published_ids(e: dict) -> tuple[int, ...]:
    """The entry's ``published_ids`` (a list of Fingertips ids), default its ``fingertips_id`` alone."""
    ids = e.get("published_ids", [e.get("fingertips_id")])
    if not isinstance(ids, list):
        raise InvalidInputError(f"entry {e['id']!r}: published_ids must be a list of Fingertips ids, not {ids!r}.")
    return tuple(int(i) for i in ids if i is not None)


def target_progress(
    data: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    *,
    id: str = "id",
    period: str = "period",
    value: str = "value",
    baseline_from_data: bool = True,
) -> pd.DataFrame:
    """Progress of each registered indicator towards its goal: met / on track / off track / no data.

    Parameters
    ----------
    data : DataFrame
        Observed values: one row per indicator ``id`` × ``period`` (only the ids in ``targets`` are used).
    targets : DataFrame, optional
        The registry (:func:`load_targets`); default the shipped one.
    id, period, value : str
        Column names in ``data``.
    baseline_from_data : bool
        Read a baseline given as null from ``data`` at the baseline period (default). Pass False when the
        registry's baselines are already resolved from published values
        (:func:`healthintel.compare.published.area_targets`), so that a goal never moves with the data shown.

    Returns
    -------
    DataFrame
        One row per registry indicator (registry order): ``id``, ``name``, ``polarity``, ``baseline_period``,
        ``baseline_value`` (from the registry, else the data at the baseline period), ``goal_period``,
        ``goal_value`` (baseline + change for relative goals), ``latest_period``, ``latest_value``,
        ``required_value`` (the trajectory at the latest period), ``progress`` and ``progress_note``.

    Notes
    -----
    Rule (documented here because the strategy does not define one): periods are placed at their start year
    ("2021/22" → 2021, "2026-28" → 2026). The required trajectory is the straight line from (baseline year,
    baseline value) to (goal year, goal value), flat after the goal year. With the latest available value:

    - **met** — at or better than the goal value (≥ for high-is-good, ≤ for low-is-good);
    - **on track** — not yet met, but at or better than the trajectory at the latest period;
    - **off track** — worse than the trajectory;
    - **no data** — no value for the indicator, no baseline value in the registry or the data, or a latest
      value older than the baseline (progress since the baseline cannot be judged from it).

    A "maintain" goal (goal = baseline) is therefore met while the value holds at or better than it.
    """
    targets = load_targets() if targets is None else targets
    require_columns(data, id=id, period=period, value=value)
    x = numeric(data, value, arg="value")
    obs = data.loc[~np.isnan(x), [id, period, value]].copy()
    obs[id] = obs[id].astype(str)
    obs["_start"] = parse_periods(obs, period)[0] if len(obs) else []
    obs = obs.sort_values([id, "_start"], kind="stable")
    latest = obs.groupby(id, sort=False).tail(1).set_index(id)

    out = targets[["id", "name", "polarity", "unit", "baseline_period", "baseline_value", "goal_period",
                   "goal_value", "goal_change"]].copy()
    base_val = out["baseline_value"].to_numpy(dtype=float).copy()
    start_of = {p: parse_period(p)[0] for p in set(out["baseline_period"]) | set(out["goal_period"])}
    b_year = out["baseline_period"].map(start_of).to_numpy(dtype=float)
    g_year = out["goal_period"].map(start_of).to_numpy(dtype=float)
    if len(obs) and baseline_from_data:  # a baseline given as null is read from the data at the baseline period
        at_base = obs.assign(_key=obs[id] + "|" + obs["_start"].astype(str)).set_index("_key")[value]
        keys = out["id"] + "|" + pd.Series(b_year).astype(str).to_numpy()
        from_data = keys.map(at_base).to_numpy(dtype=float)
        base_val = np.where(np.isnan(base_val), from_data, base_val)
    goal = out["goal_value"].to_numpy(dtype=float)
    goal = np.where(np.isnan(goal), base_val + out["goal_change"].to_numpy(dtype=float), goal)
    lp = out["id"].map(latest[period]) if len(latest) else pd.Series(np.nan, index=out.index)
    lv = out["id"].map(latest[value]).to_numpy(dtype=float) if len(latest) else np.full(len(out), np.nan)
    l_year = out["id"].map(latest["_start"]).to_numpy(dtype=float) if len(latest) else np.full(len(out), np.nan)

    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip((l_year - b_year) / (g_year - b_year), 0, 1)
        frac = np.where(g_year == b_year, 1.0, frac)
        required = base_val + frac * (goal - base_val)
        sign = np.where(out["polarity"].to_numpy() == LOW_IS_GOOD, -1.0, 1.0)
        met = sign * (lv - goal) >= 0
        on_track = sign * (lv - required) >= 0
    early = l_year < b_year
    unknown = np.isnan(lv) | np.isnan(base_val) | np.isnan(goal) | early
    progress = np.where(unknown, NO_DATA, np.where(met, MET, np.where(on_track, ON_TRACK, OFF_TRACK)))
    note = np.where(np.isnan(lv), "no value for this indicator",
                    np.where(np.isnan(base_val), "no baseline value (registry or data)",
                             np.where(early, "the latest value predates the baseline", "")))
    out["baseline_value"] = base_val
    out["goal_value"] = goal
    out["latest_period"] = lp.to_numpy(dtype=object)
    out["latest_value"] = lv
    out["required_value"] = np.where(unknown, np.nan, required)
    out["progress"] = progress.astype(object)
    out["progress_note"] = note.astype(object)
    bad_pol = ~np.isin(out["polarity"].to_numpy(), [HIGH_IS_GOOD, LOW_IS_GOOD])
    if bad_pol.any():
        raise InvalidInputError(
            f"targets need a RAG polarity; ids {out.loc[bad_pol, 'id'].tolist()} have none. Set high_is_good or "
            "low_is_good."
        )
    return out.drop(columns=["goal_change"])
