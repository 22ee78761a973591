"""KPI status: RAG against a target and a floor standard, direction of travel, and the one-page dashboard frame.

The first user's public-health commissioned-services dashboard rates each KPI each period: Green = target met or
exceeded; Amber = target missed but floor standard met; Red = floor missed; "nca" = not currently available.
Direction of travel (↑ ↓ ↔) compares the two most recent periods. Targets are set per financial year, so the
target (and floor) are columns: one value per KPI × period, set explicitly where a period used another year's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InvalidInputError, describe_rows
from ..frames import as_list, numeric, require_columns
from ..periods import parse_periods
from ..polarity import HIGH_IS_GOOD, LOW_IS_GOOD, parse_polarity

__all__ = ["kpi_status", "kpi_dashboard", "kpi_dashboard_frames", "RAG_LABELS", "RAG_COLOURS"]

GREEN, AMBER, RED, NCA, AMBER_OR_RED, NO_TARGET = "G", "A", "R", "nca", "A/R", "no target"
RAG_LABELS = {
    GREEN: "Green: target met or exceeded",
    AMBER: "Amber: target missed, floor standard met",
    RED: "Red: floor standard missed",
    AMBER_OR_RED: "Target missed (floor standard not given, so Amber or Red)",
    NCA: "Not currently available",
    NO_TARGET: "No target set",
}
UP, DOWN, SAME, NOT_AVAILABLE = "↑", "↓", "↔", "–"
RAG_COLOURS = {GREEN: ("#92D050", "#1a1a1a"), AMBER: ("#FFC000", "#1a1a1a"), RED: ("#C00000", "#ffffff"),
               AMBER_OR_RED: ("#FFE08A", "#1a1a1a"), NCA: ("#C9C9C9", "#1a1a1a"), NO_TARGET: ("#ffffff", "#1a1a1a")}


def _per_row(data, spec, arg):
    if spec is None:
        return np.full(len(data), np.nan)
    if isinstance(spec, str):
        require_columns(data, **{arg: spec})
        return numeric(data, spec, arg=arg)
    try:
        return np.full(len(data), float(spec))
    except (TypeError, ValueError):
        raise InvalidInputError(f"{arg} must be a column name or a number; got {spec!r}.") from None


def kpi_status(
    data: pd.DataFrame,
    *,
    kpi: str = "kpi_id",
    period: str = "period",
    value: str = "value",
    target="target",
    floor=None,
    polarity="polarity",
    by=None,
    tolerance: float = 0.0,
) -> pd.DataFrame:
    """RAG status per KPI × period from target and floor, with the direction of travel.

    Parameters
    ----------
    data : DataFrame
        One row per KPI (× ``by`` groups) × period.
    kpi, period, value : str
        Column names. A missing ``value`` is "nca" (not currently available).
    target, floor : str or float, optional
        A column (one target/floor per row: set it explicitly for a period rated against another year's target)
        or one number for every row. A missing target gives "no target"; with no floor a missed target is
        "A/R" (Amber or Red cannot be told apart without the floor standard).
    polarity : str, default "polarity"
        A column of polarities per row, or one polarity for all ("high_is_good" / "low_is_good").
    by : str or list of str, optional
        Further grouping columns (e.g. area).
    tolerance : float, default 0
        Slack when comparing with target and floor (e.g. 0.05 when values are rounded).

    Returns
    -------
    DataFrame
        ``data`` sorted by KPI, groups and period, plus ``rag`` (G, A, R, A/R, nca, no target), ``rag_label``,
        ``direction`` (↑, ↓, ↔ against the previous available period of the same KPI, "–" when either value is
        missing), ``improving`` (True/False/NA with polarity) and ``is_latest``.

    Notes
    -----
    "Met" means value ≥ target for high-is-good KPIs and value ≤ target for low-is-good ones (equal counts as
    met, as on the dashboard: PH03 25% against a 25% target is Green). Direction of travel compares a period with
    the one before it; the dashboard shows it for the latest period.
    """
    keys = [kpi] + as_list(by)
    require_columns(data, kpi=kpi, period=period, value=value, by=by)
    x = numeric(data, value, arg="value")
    tgt = _per_row(data, target, "target")
    flo = _per_row(data, floor, "floor")
    if isinstance(polarity, str) and polarity in data.columns:
        pols = data[polarity].map(parse_polarity).to_numpy()
    else:
        pols = np.full(len(data), parse_polarity(polarity), dtype=object)
    bad = ~np.isin(pols, [HIGH_IS_GOOD, LOW_IS_GOOD])
    if bad.any():
        raise InvalidInputError(
            f"KPI polarity must be 'high_is_good' or 'low_is_good'; {describe_rows(data, bad, keys)} have "
            "another. Set a RAG polarity for every KPI."
        )
    sign = np.where(pols == HIGH_IS_GOOD, 1.0, -1.0)
    with np.errstate(invalid="ignore"):
        meets_target = sign * (x - tgt) >= -tolerance
        meets_floor = sign * (x - flo) >= -tolerance
    rag = np.where(
        np.isnan(x), NCA,
        np.where(np.isnan(tgt), NO_TARGET,
                 np.where(meets_target, GREEN,
                          np.where(np.isnan(flo), AMBER_OR_RED, np.where(meets_floor, AMBER, RED)))))
    out = data.copy()
    out["rag"] = rag.astype(object)
    out["rag_label"] = out["rag"].map(RAG_LABELS)
    start, _ = parse_periods(data, period)
    out["_start"], out["_sign"], out["_x"] = start, sign, x
    out = out.sort_values(keys + ["_start"], kind="stable")
    grp = out.groupby(keys, sort=False, dropna=False)
    prev = grp["_x"].shift(1).to_numpy()
    cur = out["_x"].to_numpy()
    diff = cur - prev
    out["direction"] = np.where(np.isnan(diff), NOT_AVAILABLE, np.where(diff > 0, UP, np.where(diff < 0, DOWN, SAME)))
    improving = pd.array(np.where(np.isnan(diff), np.nan, (out["_sign"].to_numpy() * diff) > 0), dtype="boolean")
    improving[np.isnan(diff)] = pd.NA
    out["improving"] = improving
    out["is_latest"] = grp.cumcount(ascending=False).to_numpy() == 0
    return out.drop(columns=["_start", "_sign", "_x"])


def kpi_dashboard_frames(status: pd.DataFrame, *, kpi: str = "kpi_id", name: str = "kpi", period: str = "period",
                         value_text: str | None = None, target: str = "target") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The one-page dashboard as frames: one row per KPI, one cell per period, latest target and direction.

    Parameters
    ----------
    status : DataFrame
        Output of :func:`kpi_status`.
    kpi, name, period, target : str
        Columns of ``status``.
    value_text : str, optional
        Column with the text to show per cell (e.g. "57%"); default: ``value`` formatted with thousands
        separators.

    Returns
    -------
    (table, rag) : tuple of DataFrame
        ``table``: ``KPI``, ``Indicator``, one column per period (text with the RAG letter beside each value,
        so colour is never the only carrier of the rating), ``Latest target``, ``Direction of travel``.
        ``rag``: the RAG code of each period cell (same index, the period columns; NaN where no row), for
        colouring the cells (:data:`RAG_COLOURS`).
    """
    require_columns(status, kpi=kpi, name=name, period=period, target=target)
    frame = status.copy()
    if value_text is None:
        frame["_text"] = [("nca" if pd.isna(v) else f"{v:,.10g}") for v in frame["value"]]
    else:
        frame["_text"] = frame[value_text].astype(object).where(frame[value_text].notna(), "nca")
    frame["_cell"] = [t if r in (NCA, NO_TARGET) else f"{t} ({r})" for t, r in zip(frame["_text"], frame["rag"])]
    periods = list(dict.fromkeys(frame.sort_values(period)[period]))
    rows = list(dict.fromkeys(frame[kpi]))
    cells = frame.pivot(index=kpi, columns=period, values="_cell").reindex(index=rows, columns=periods)
    rags = frame.pivot(index=kpi, columns=period, values="rag").reindex(index=rows, columns=periods)
    latest = frame[frame["is_latest"]].set_index(kpi).reindex(rows)
    table = pd.concat([
        pd.DataFrame({"KPI": rows, "Indicator": latest[name].to_numpy()}),
        cells.reset_index(drop=True),
        pd.DataFrame({"Latest target": [("–" if pd.isna(t) else f"{t:,.10g}") for t in latest[target]],
                      "Direction of travel": latest["direction"].to_numpy()}),
    ], axis=1)
    table.columns = [str(c) for c in table.columns]
    rag = rags.reset_index(drop=True)
    rag.columns = [str(c) for c in rag.columns]
    rag.columns.name = None
    return table, rag


def kpi_dashboard(status: pd.DataFrame, **columns) -> pd.DataFrame:
    """The dashboard table of :func:`kpi_dashboard_frames` (without the RAG codes); the styled, coloured
    report table is :func:`healthintel.chapters.kpi_dashboard.dashboard_table`."""
    return kpi_dashboard_frames(status, **columns)[0]
