"""The shape every chapter result shares: a frozen dataclass with its area, sources and synthetic note.

:class:`Chapter` owns what every chapter notebook does the same way:

- :meth:`Chapter.banner` shows the synthetic-data note (and flags the page for the red banner) when the
  chapter is built on synthetic data, and nothing otherwise;
- :meth:`Chapter.record` stores :meth:`Chapter.recorded_values` as hidden outputs that the notebook tests read
  back (:func:`healthintel.report.recorded_values`);
- :meth:`Chapter.provenance_footer` gives the "Data sources and provenance" footer from the chapter's catalog
  ids (:attr:`Chapter.sources`), its notes and any extra provenance rows (e.g. Fingertips API requests).

Subclasses add their result frames as fields and one method per table, paragraph or figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import report, tables


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

    def record(self) -> None:
        """Record every value of :meth:`recorded_values` as a hidden output of the notebook."""
        for name, value in self.recorded_values().items():
            report.record(name, value)

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
