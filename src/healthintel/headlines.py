"""Headline figures: which figures of the chapters' figures.json documents headline an area, and how they are
written (presentation only).

Owns :data:`HEADLINE` (the figures, by chapter and name, with the label a reader sees), :data:`CHAPTER_TITLES`,
:func:`headline_entries` (the headline figures found in an area's documents, real ones first) and the text of a
figure (:func:`value_text`, :func:`ci_text`, :func:`figure_text`). The area overview chapter
(:mod:`healthintel.chapters.area_overview`) and the report index's area cards (:mod:`healthintel.render.site`)
both use them, so a card shows the same figures, labelled the same way, as the overview page.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["CHAPTER_TITLES", "HEADLINE", "headline_entries", "value_text", "ci_text", "figure_text"]

#: The chapters an overview gathers, in the order it lists them, with their titles.
CHAPTER_TITLES = {
    "deprivation_profile": "Deprivation profile",
    "outcomes_tracker": "Outcomes tracker",
    "life_expectancy": "Life expectancy",
    "child_obesity": "Child obesity",
    "kpi_dashboard": "Public health KPI dashboard",
}
#: The headline figures taken from each chapter's figures.json (chapter, figure name, label), in order.
HEADLINE = (
    ("deprivation_profile", "imd_average_score", "Average deprivation score (IMD, population-weighted)"),
    ("deprivation_profile", "share_population_most_deprived_quintile",
     "Residents in England's most deprived fifth of neighbourhoods"),
    ("life_expectancy", "le_birth_male", "Life expectancy at birth, males"),
    ("life_expectancy", "le_birth_female", "Life expectancy at birth, females"),
    ("life_expectancy", "sii_le_birth_male", "Inequality in life expectancy at birth (SII), males"),
    ("child_obesity", "obesity_prevalence", "Year 6 obesity (incl. severe obesity)"),
    ("child_obesity", "overweight_incl_obesity_gap_pp",
     "Deprivation gap in Year 6 overweight incl. obesity (most minus least deprived quintile)"),
)
_UNIT_SUFFIX = {"%": "%", "years": " years", "percentage points": " percentage points", "LSOAs": " LSOAs"}


def value_text(value: Any, unit: str = "", dps: int = 1) -> str:
    """``28.6%``, ``79.9 years``, ``31.2`` (score, rank, ratio, rates: the unit is said elsewhere)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no value"
    number = f"{float(value):,.{dps}f}"
    return number + _UNIT_SUFFIX.get(unit, "" if unit in ("", "score", "rank", "ratio") else f" {unit}")


def ci_text(entry: dict[str, Any]) -> str:
    """A figure's 95% CI as ``"95% CI 79.7 to 80.1"`` ("" without limits)."""
    lo, hi = entry.get("lower_ci"), entry.get("upper_ci")
    return "" if lo is None or hi is None else f"95% CI {value_text(lo)} to {value_text(hi)}"


def figure_text(entry: dict[str, Any], *, ci: bool = True, period: bool = True) -> str:
    """A headline figure as text: ``"79.9 years (95% CI 79.7 to 80.1), 2016-18"`` (without the CI or the
    period when asked)."""
    text = value_text(entry.get("value"), entry.get("unit", ""))
    if ci and ci_text(entry):
        text += f" ({ci_text(entry)})"
    return f"{text}, {entry['period']}" if period and entry.get("period") else text


def headline_entries(documents: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The :data:`HEADLINE` figures found in ``documents`` (chapter -> figures.json document), each a figure
    with ``chapter``, ``label`` and ``real`` (the chapter's document is real), real ones first (stable)."""
    out = []
    for chapter, name, label in HEADLINE:
        document = documents.get(chapter)
        found = next((f for f in (document or {}).get("figures", []) if f.get("name") == name), None)
        if found is not None and found.get("value") is not None:
            out.append({"chapter": chapter, "label": label, "real": bool(document and document.get("real")),
                        **found})
    return sorted(out, key=lambda e: not e["real"])
