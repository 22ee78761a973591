"""Chapters: one module per JSNA chapter, each with ``build(**parameters) -> <Name>Chapter``.

A chapter module gathers what its notebook shows: it calls the domain modules (which only compute) and keeps
the result frames and their provenance in a frozen dataclass whose ordinary, documented methods return the
chapter's tables, markdown and figures. The notebook is then a ``parameters`` cell, ``ch = build(...)`` and one
call per table, paragraph or figure:

>>> from healthintel import chapters
>>> ch = chapters.deprivation_profile.build(area="Kent")
>>> ch.summary_markdown()                                   # doctest: +SKIP

Chapters: :mod:`.deprivation_profile`, :mod:`.life_expectancy`, :mod:`.child_obesity`,
:mod:`.outcomes_tracker`, :mod:`.kpi_dashboard` and :mod:`.area_overview` (the area's headline figures and
priorities, gathered from the others' reports). Every result derives from :class:`.base.Chapter` (banner,
recorded values, provenance footer). Submodules are imported on first access.
"""

from __future__ import annotations

import importlib
from types import ModuleType

CHAPTERS = ("deprivation_profile", "life_expectancy", "child_obesity", "outcomes_tracker", "kpi_dashboard",
            "area_overview")

__all__ = ["CHAPTERS", *CHAPTERS]


def __getattr__(name: str) -> ModuleType:
    if name in CHAPTERS or name == "base":
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, "base"])
