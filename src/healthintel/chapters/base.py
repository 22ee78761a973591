"""The shape every chapter result shares: a frozen dataclass with its area, sources and synthetic note.

:class:`Chapter` owns what every chapter notebook does the same way:

- :meth:`Chapter.banner` shows the synthetic-data note (and flags the page for the red banner) when the
  chapter is built on synthetic data, and nothing otherwise;
- :meth:`Chapter.record` stores :meth:`Chapter.recorded_values` as hidden outputs that the notebook tests read
  back (:func:`healthintel.report.recorded_values`);
- :meth:`Chapter.figures` lists the chapter's headline figures (:func:`figure` rows); :meth:`Chapter.record`
  records them with the area and whether they are real (:data:`healthintel.report.FIGURES_RECORD`), which the
  renderer writes beside the HTML as ``reports/<chapter>/<slug>.figures.json`` for analysts to reuse;
- :meth:`Chapter.provenance_footer` gives the "Data sources and provenance" footer from the chapter's catalog
  ids (:attr:`Chapter.sources`), its notes and any extra provenance rows (e.g. Fingertips API requests).

Subclasses add their result frames as fields and one method per table, paragraph or figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import report, tables


def _number(value: Any) -> float | None:
    """A plain float, or ``None`` for missing (NaN/NA/None), so figures.json is strict JSON."""
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def figure(name: str, value: Any, *, lower_ci: Any = None, upper_ci: Any = None, unit: str = "",
           period: str = "", source: str = "") -> dict[str, Any]:
    """One headline figure of a chapter: ``{"name", "value", "lower_ci", "upper_ci", "unit", "period", "source"}``.

    Missing values (a suppressed statistic, no CI) become ``None`` (``null`` in figures.json).
    """
    return {"name": name, "value": _number(value), "lower_ci": _number(lower_ci), "upper_ci": _number(upper_ci),
            "unit": unit, "period": str(period), "source": source}


@dataclass(frozen=True, eq=False, kw_only=True)
class Chapter:
    """Base of every chapter result (frozen: a chapter is built once and then only read).

    Attributes
    ----------
    sources : tuple of str
        Catalog ids of the datasets the chapter read (its provenance footer lists them).
    synthetic_note : str
        Why and where the chapter uses synthetic data; empty when every figure is real.
    provenance_notes : str
        A sentence under the provenance table (e.g. which figures are synthetic and which are real).
    """

    sources: tuple[str, ...] = ()
    synthetic_note: str = ""
    provenance_notes: str = ""

    @property
    def synthetic(self) -> bool:
        """True when any figure of the chapter comes from synthetic data."""
        return bool(self.synthetic_note)

    def recorded_values(self) -> dict[str, Any]:
        """Named values the notebook records for tests (override in each chapter)."""
        return {}

    @property
    def chapter_name(self) -> str:
        """The chapter's name: its module in :mod:`healthintel.chapters` (e.g. ``"child_obesity"``)."""
        return type(self).__module__.rsplit(".", 1)[-1]

    def area_identity(self) -> tuple[str, str]:
        """``(GSS code, official name)`` of the area the chapter reports on (from ``place`` when it has one)."""
        place = getattr(self, "place", None)
        if place is not None:
            return str(place.code), str(place.name)
        return "", str(getattr(self, "area", ""))

    def figures(self) -> list[dict[str, Any]]:
        """The chapter's headline figures, each a :func:`figure` (override in each chapter)."""
        return []

    def figures_document(self) -> dict[str, Any]:
        """The figures.json document: ``{"chapter", "area_code", "area_name", "real", "figures"}``."""
        code, name = self.area_identity()
        return {"chapter": self.chapter_name, "area_code": code, "area_name": name, "real": not self.synthetic,
                "figures": self.figures()}

    def record(self) -> None:
        """Record every value of :meth:`recorded_values`, then the figures document, as hidden outputs."""
        for name, value in self.recorded_values().items():
            report.record(name, value)
        report.record(report.FIGURES_RECORD, self.figures_document())

    def banner(self) -> None:
        """Show the synthetic-data note (the report then carries the red banner); nothing for real data."""
        if self.synthetic_note:
            report.mark_synthetic(self.synthetic_note)

    def provenance_extra(self) -> pd.DataFrame | None:
        """Extra provenance rows beyond the catalog (override; ``None`` for none)."""
        return None

    def provenance_footer(self) -> tables.HTML:
        """The "Data sources and provenance" footer for this chapter."""
        return tables.provenance_footer(list(self.sources), notes=self.provenance_notes,
                                        extra=self.provenance_extra())
