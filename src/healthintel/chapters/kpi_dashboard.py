"""The public health KPI dashboard chapter: commissioned-service KPIs rated Green / Amber / Red by quarter.

:func:`build` reads the county council's published KPI figures
(:func:`healthintel.sources.published.kpi_dashboard_data`) and rates them (:func:`healthintel.compare.kpi_status`);
:class:`KpiDashboardChapter` gives the summary, the RAG-coloured dashboard table (:func:`dashboard_table`) and the
methods note. The data are Kent County Council's: another area is an error naming the areas covered
(:func:`covered_area`), never Kent's table under another name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from .. import geography, report, tables
from ..compare.kpi import RAG_COLOURS, kpi_dashboard_frames, kpi_status
from ..errors import AreaNotCoveredError
from ..sources import published
from .base import Chapter

__all__ = ["KpiDashboardChapter", "build", "dashboard_table", "target_text", "PUBLISHED_RAG", "covered_area"]

#: Ratings the published dashboard gives (Green, Amber, Red); the ratings engine is checked against these.
PUBLISHED_RAG = ("G", "A", "R")
METHODS_NOTE = (
    "Targets are set per financial year; each quarter is rated against its own year's target, except PH11 "
    "2022/23 Q4 and PH25 2022/23 Q3, which the paper rated against the 2023/24 target (set explicitly). Figures "
    "are provisional management information."
)


#: The direction-of-travel arrows with their words (the arrow alone is not a key).
DIRECTION_WORDS = {"↑": "↑ up", "↓": "↓ down", "↔": "↔ no change", "–": "– (no earlier value)"}


def target_text(target: float, unit: str) -> str:
    """A KPI target in its values' unit: "25%" (percent), "23,844" (count); "–" when there is none."""
    if pd.isna(target):
        return "–"
    if str(unit).lower() in ("percent", "%"):
        return f"{target:g}%"
    return f"{target:,.0f}" if float(target).is_integer() else f"{target:,.1f}"


def dashboard_table(status: pd.DataFrame, *, kpi: str = "kpi_id", name: str = "kpi", period: str = "period",
                    value_text: str | None = None, target: str = "target", caption: str = "KPI dashboard"):
    """A one-page HTML dashboard table: one row per KPI, one RAG-coloured cell per period, target, direction.

    Parameters are those of :func:`healthintel.compare.kpi.kpi_dashboard_frames`, plus the table's
    ``caption``.

    Returns
    -------
    pandas Styler
        Cells coloured Green / Amber / Red / grey (nca) with the RAG letter beside each value, so colour is never
        the only carrier of the rating; the last columns give the latest target (in the values' unit when
        ``status`` has a ``unit`` column: "25%") and the direction of travel (arrow and word).
    """
    table, rag = kpi_dashboard_frames(status, kpi=kpi, name=name, period=period, value_text=value_text,
                                      target=target)
    if "unit" in status:  # the target in the unit of its values: "25%" beside "26%", not "25"
        latest = status[status["is_latest"]].set_index(kpi).reindex(table["KPI"])
        table["Latest target"] = [target_text(t, u) for t, u in zip(latest[target], latest["unit"])]
    table["Direction of travel"] = [DIRECTION_WORDS.get(d, d) for d in table["Direction of travel"]]
    css = pd.DataFrame("", index=table.index, columns=table.columns)
    for p in rag.columns:
        css[p] = [
            "" if pd.isna(r) else f"background-color:{RAG_COLOURS[r][0]};color:{RAG_COLOURS[r][1]};text-align:center"
            for r in rag[p].to_numpy()
        ]
    return tables.table(table, caption=caption).apply(lambda _: css, axis=None)


@dataclass(frozen=True, eq=False, kw_only=True)
class KpiDashboardChapter(Chapter):
    """The KPI dashboard of one area (built by :func:`build`).

    Attributes
    ----------
    area : str
        The area the dashboard belongs to.
    kpis : DataFrame
        The published KPI figures (one row per KPI × quarter, with targets and published ratings).
    status : DataFrame
        :func:`healthintel.compare.kpi_status` of ``kpis``: the RAG rating and direction of travel per row.
    """

    area: str
    kpis: pd.DataFrame
    status: pd.DataFrame

    @cached_property
    def rated(self) -> pd.DataFrame:
        """Rows of :attr:`status` with a published Green, Amber or Red rating."""
        return self.status[self.status["rag_published"].isin(PUBLISHED_RAG)]

    @property
    def n_kpis(self) -> int:
        """Number of KPIs."""
        return int(self.status["kpi_id"].nunique())

    @property
    def n_rated(self) -> int:
        """KPI × quarter rows with a published Green, Amber or Red rating."""
        return len(self.rated)

    @property
    def green_agreement(self) -> int:
        """Rated rows where the ratings engine and the paper agree on Green / not Green."""
        rated = self.rated
        return int(((rated["rag"] == "G") == (rated["rag_published"] == "G")).sum())

    def recorded_values(self) -> dict[str, Any]:
        """``n_kpis``, ``green_agreement`` and ``n_rated``."""
        return {"n_kpis": self.n_kpis, "green_agreement": self.green_agreement, "n_rated": self.n_rated}

    def summary_markdown(self) -> str:
        """KPIs, quarters and how many published ratings the ratings engine reproduces."""
        return (
            f"**{self.area}**: {self.status['kpi_id'].nunique()} commissioned-service KPIs, "
            f"{self.status['period'].nunique()} quarters "
            f"(real figures from the county council's committee paper). The ratings engine reproduces "
            f"{self.green_agreement} of {self.n_rated} published Green / not-Green ratings."
        )

    def dashboard_table(self):
        """The RAG-coloured dashboard table (:func:`dashboard_table`)."""
        return dashboard_table(self.status, value_text="value_text",
                               caption=f"Public health commissioned services KPIs, {self.area}")

    def methods_note(self) -> report.Block:
        """How targets are applied per quarter, as a method callout."""
        return report.callout_block(METHODS_NOTE, "method")


def covered_area(area: str) -> geography.Area:
    """``area`` resolved, when the KPI data cover it (:data:`healthintel.sources.published.KPI_AREAS`); else
    :class:`~healthintel.errors.AreaNotCoveredError` naming the areas that have KPI data (one council's KPIs are
    never shown under another area's name)."""
    place = geography.resolve_area(area)
    if place.code not in published.KPI_AREAS:
        have = ", ".join(f"{name} ({code})" for code, name in published.KPI_AREAS.items())
        raise AreaNotCoveredError(
            f"No KPI dashboard data for {place.name} ({place.code}): the published public-health KPI dashboard "
            f"covers {have} only (Kent County Council's committee paper). Render kpi_dashboard for one of those "
            "areas.")
    return place


def build(*, area: str = "Kent") -> KpiDashboardChapter:
    """Build the KPI dashboard chapter.

    Parameters
    ----------
    area : str
        The area the dashboard belongs to: one the KPI data cover (Kent: the published dashboard is Kent County
        Council's); another area raises :class:`~healthintel.errors.AreaNotCoveredError` naming them.
    """
    place = covered_area(area)
    kpis = published.kpi_dashboard_data()
    status = kpi_status(kpis, target="target", polarity="polarity")
    return KpiDashboardChapter(sources=tuple(kpis.attrs["sources"]), area=place.name, kpis=kpis, status=status)
