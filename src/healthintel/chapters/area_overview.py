"""The ``area_overview`` chapter: what matters most for an area, and will it meet its goals.

:func:`build` gathers, for one area,

- the **headline figures** of the area's other chapters, read from the ``reports/<chapter>/<slug>.figures.json``
  each render writes (:func:`read_reports`; the chapters must have been rendered first: ``healthintel render``
  runs this chapter in a second wave, after every other chapter of the series; a chapter without a report is
  listed as such, never filled in) and the real published values of the outcomes tracker;
- the **priorities** (:func:`healthintel.compare.area_priorities` on the outcomes tracker's rows, computed here,
  not read from a file): indicators significantly worse than England and not improving (Fingertips benchmark
  and recent trend), and goals with under 50% chance of being met (:func:`healthintel.compare.forecast`),
  ranked, each stated in a sentence generated from its figures (number, period, comparator and source; nothing
  about causes). Only real published values are ranked;
- links to each chapter's report.

It returns an :class:`AreaOverviewChapter`; its figures.json adds ``headline``, ``priorities`` and ``chapters``
to the common document (:meth:`AreaOverviewChapter.figures_document`). The chapter records the figures.json files
it read as ``render_inputs``, so ``healthintel render`` re-renders it when one of them changes (or appears).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import config, geography, report, tables
from ..errors import AreaNotCoveredError
from ..headlines import CHAPTER_TITLES, HEADLINE, ci_text, figure_text, headline_entries
from ..headlines import value_text as _fmt
from .base import Chapter, figure
from .projections import PROJECTION_METHOD, percent

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from ..compare.tracker import OutcomesTracker

__all__ = ["AreaOverviewChapter", "ChapterReport", "build", "read_reports", "headline_entries", "figure_text",
           "ci_text", "priority_sentence", "CHAPTER_TITLES", "HEADLINE", "MISSING_INPUT"]

#: The outcomes tracker's real rows shown as headline figures (indicator ids), in order.
TRACKER_HEADLINE = ("G.2-LE-M", "G.2-LE-F", "ctx-Y6-OB", "ctx-ADULT-OB")
#: ``sha256`` recorded for a figures.json that did not exist when the overview was built.
MISSING_INPUT = "missing"
@dataclass(frozen=True)
class ChapterReport:
    """One other chapter's report for the area, as found on disk.

    ``document`` is its figures.json (None when there is none: not rendered, failed, or another area's);
    ``note`` says why it is missing or not used.
    """

    chapter: str
    title: str
    slug: str
    html: Path
    figures: Path
    document: dict[str, Any] | None = None
    note: str = ""

    @property
    def rendered(self) -> bool:
        return self.document is not None and self.html.is_file()

    @property
    def real(self) -> bool:
        return bool(self.document and self.document.get("real"))

    @property
    def link(self) -> str:
        """The report's address relative to the overview's page (``reports/area_overview/<slug>.html``)."""
        return f"../{self.chapter}/{self.slug}.html"


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return MISSING_INPUT


def _read_document(path: Path, place: geography.Area) -> tuple[dict[str, Any] | None, str]:
    """(figures.json document, note): None with the reason when missing, unreadable or another area's."""
    if not path.is_file():
        return None, "no report yet"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, f"its figures.json could not be read ({type(exc).__name__})"
    name, code = document.get("area_name"), document.get("area_code")
    if (code and code != place.code) or (not code and name and geography.normalise_name(name)
                                          != geography.normalise_name(place.name)):
        return None, f"its figures.json is for {name or code}, not {place.name}: not used"
    return document, ""


def read_reports(place: geography.Area, reports_dir: str | Path | None = None) -> tuple[ChapterReport, ...]:
    """The area's report of each chapter in :data:`CHAPTER_TITLES` (``reports/<chapter>/<slug>.html`` and its
    figures.json), whether or not it exists; a figures.json for another area is never used."""
    root = Path(reports_dir) if reports_dir else config.reports_dir()
    out = []
    for chapter, title in CHAPTER_TITLES.items():
        folder = root / chapter
        document, note = _read_document(folder / f"{place.slug}.figures.json", place)
        html = folder / f"{place.slug}.html"
        if document is not None and not html.is_file():
            document, note = None, "its report is missing (the last render failed or was removed)"
        out.append(ChapterReport(chapter=chapter, title=title, slug=place.slug, html=html,
                                 figures=folder / f"{place.slug}.figures.json", document=document, note=note))
    return tuple(out)


def _tracker_entries(tracker: OutcomesTracker | None) -> list[dict[str, Any]]:
    if tracker is None or not len(tracker.rows):
        return []
    rows = tracker.rows.set_index("id")
    out = []
    for ind in TRACKER_HEADLINE:
        if ind in rows.index and bool(rows.loc[ind, "real"]):
            r = rows.loc[ind]
            source = str(r["source"]) + (f" ({r['catalog_id']})" if r["catalog_id"] else "")
            out.append({"chapter": "outcomes_tracker", "label": str(r["name"]), "real": True,
                        **figure(ind, r["value"], lower_ci=r["lower_ci"], upper_ci=r["upper_ci"], unit=str(r["unit"]),
                                 period=str(r["period"]), source=source)})
    return out


def _sentence_value(p: pd.Series) -> str:
    return f"{_fmt(p['value'], p['unit'])} in {p['period']}"


def _source_text(source: Any) -> str:
    """"Fingertips 93881 (published)" -> "source: Fingertips 93881, published"."""
    return "source: " + str(source).replace(" (published)", ", published")


def priority_sentence(p: pd.Series) -> str:
    """One priority (a row of :func:`healthintel.compare.area_priorities`) in a plain sentence from its figures:
    the number and period, the comparator (England's value for the same period, or the goal) and the source."""
    head = f"**{p['indicator']}**: {_sentence_value(p)} ({_source_text(p['source'])})"
    parts = []
    if p["comparator"] == "England":
        why = p.get("trend_reason")
        why = f" ({why})" if isinstance(why, str) and why.strip() else ""
        parts.append(f"significantly worse than England ({_fmt(p['comparator_value'], p['unit'])} in "
                     f"{p['period']}); recent trend: {str(p['trend']).lower()}{why}")
    if not pd.isna(p["probability_goal_met"]) and p["probability_goal_met"] < 0.5:
        parts.append(
            f"the recent linear trend of {int(p['projection_periods'])} published values ({p['projection_first']} "
            f"to {p['projection_last']}) projects {_fmt(p['projected_value'], p['unit'])} in {p['goal_period']} "
            f"(95% prediction interval {_fmt(p['lower_pi'], p['unit'])} to {_fmt(p['upper_pi'], p['unit'])}) "
            f"against the goal of {_fmt(p['goal_value'], p['unit'])}: a {percent(float(p['probability_goal_met']))} "
            "chance of meeting it")
    return head + "; " + "; ".join(parts) + "."


def _jsonable(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _jsonable(value.item())
    return value


@dataclass(frozen=True, eq=False, kw_only=True)
class AreaOverviewChapter(Chapter):
    """The overview of one area (built by :func:`build`).

    Attributes
    ----------
    place : geography.Area
        The area.
    reports : tuple of ChapterReport
        The area's report of every chapter in :data:`CHAPTER_TITLES`, found or not.
    tracker : OutcomesTracker or None
        The outcomes tracker of the area (None when the strategy sets no goals for it: ``tracker_note``).
    priorities : DataFrame
        :func:`healthintel.compare.area_priorities` of the tracker's rows (empty without a tracker).
    headline : list of dict
        The headline figures (chapters' figures.json, then the tracker's real values), real ones first.
    """

    place: geography.Area
    reports: tuple[ChapterReport, ...]
    tracker: OutcomesTracker | None
    priorities: pd.DataFrame
    headline: list[dict[str, Any]] = field(default_factory=list)
    tracker_note: str = ""

    # ---- figures.json and recorded values -----------------------------------------------------------------------
    def figures(self) -> list[dict[str, Any]]:
        """figures.json: the headline figures, each as the chapter gave it (name prefixed with the chapter)."""
        return [figure(f"{e['chapter']}.{e['name']}", e.get("value"), lower_ci=e.get("lower_ci"),
                       upper_ci=e.get("upper_ci"), unit=str(e.get("unit", "")), period=str(e.get("period", "")),
                       source=str(e.get("source", ""))) for e in self.headline]

    def priorities_list(self) -> list[dict[str, Any]]:
        """The priorities as figures.json lists them: ``rank``, ``indicator``, ``indicator_id``, ``reason``,
        ``value``, ``period``, ``comparator``, ``comparator_value``, ``probability_goal_met``, ``source`` and the
        ``sentence`` the page states."""
        out = []
        for _, p in self.priorities.iterrows():
            out.append({"rank": int(p["rank"]), "indicator": p["indicator"], "indicator_id": p["id"],
                        "reason": p["reason"], "value": _jsonable(p["value"]), "unit": p["unit"],
                        "period": str(p["period"]), "comparator": p["comparator"],
                        "comparator_value": _jsonable(p["comparator_value"]),
                        "probability_goal_met": _jsonable(p["probability_goal_met"]), "source": p["source"],
                        "sentence": priority_sentence(p).replace("**", "")})
        return out

    def figures_document(self) -> dict[str, Any]:
        """The common figures.json document plus ``headline`` (each figure with its chapter, label and whether it
        is real), ``priorities`` (:meth:`priorities_list`) and ``chapters`` (each chapter's report: link and
        whether it was found)."""
        document = super().figures_document()
        document["headline"] = [{k: _jsonable(v) for k, v in e.items()} for e in self.headline]
        document["priorities"] = self.priorities_list()
        document["chapters"] = [{"chapter": r.chapter, "title": r.title, "href": r.link if r.rendered else None,
                                 "real": r.real if r.rendered else None, "note": r.note} for r in self.reports]
        return document

    def render_inputs(self) -> list[dict[str, str]]:
        """Every chapter's figures.json path with its SHA-256 (``"missing"`` when absent), so ``healthintel
        render`` re-renders the overview when one changes or appears."""
        return [{"path": str(r.figures.resolve()), "sha256": _sha256(r.figures)} for r in self.reports]

    def recorded_values(self) -> dict[str, Any]:
        """The priorities (indicator ids in rank order), the chapters found, the headline count and
        ``render_inputs``."""
        return {"priorities": [str(i) for i in self.priorities["id"]],
                "chapters_found": [r.chapter for r in self.reports if r.rendered],
                "n_headline": len(self.headline), "render_inputs": self.render_inputs()}

    # ---- markdown ----------------------------------------------------------------------------------------------
    def summary_markdown(self) -> str:
        """What the page gathers, how many priorities it found and on what."""
        found = [r for r in self.reports if r.rendered]
        n = len(self.priorities)
        lines = [f"**{self.place.name}** ({self.place.code}): the headline figures of {len(found)} chapter "
                 f"report(s) and the outcomes tracker, and the {n} priorit{'y' if n == 1 else 'ies'} they show."]
        if self.tracker is not None:
            a = self.priorities.attrs
            lines.append(f"Priorities are ranked from the {a.get('considered', 0)} indicators with real published "
                         f"values for {self.place.name} in the outcomes tracker; {a.get('demo_excluded', 0)} "
                         "indicator(s) with DEMO values only, and the chapters' synthetic figures, are not ranked.")
        elif self.tracker_note:
            lines.append(self.tracker_note)
        return "\n\n".join(lines)

    def priorities_markdown(self) -> str:
        """The priorities, ranked, one plain sentence each (or why there are none)."""
        if self.tracker is None:
            return "No priorities: " + (self.tracker_note or "no outcomes tracker for this area.")
        if not len(self.priorities):
            return (f"None of the {self.priorities.attrs.get('considered', 0)} indicators with real published "
                    f"values for {self.place.name} is significantly worse than England and not improving, and no "
                    "goal with a projection has under 50% chance of being met.")
        return "\n".join(f"{int(p['rank'])}. {priority_sentence(p)}" for _, p in self.priorities.iterrows())

    def chapters_markdown(self) -> str:
        """A link to each chapter's report for the area (or why there is none)."""
        lines = []
        for r in self.reports:
            if r.rendered:
                data = "real data" if r.real else "synthetic or demo data (labelled in the report)"
                lines.append(f"- [{r.title}: {self.place.name}]({r.link}) ({data})")
            else:
                lines.append(f"- {r.title}: no report for {self.place.name} ({r.note})")
        return "\n".join(lines)

    # ---- tables ------------------------------------------------------------------------------------------------
    def priorities_table(self) -> Styler:
        """The priorities with their figures (the numbers behind each sentence)."""
        p = self.priorities
        view = pd.DataFrame({
            "Rank": p["rank"], "Indicator": p["indicator"], "Reason": p["reason"], "Period": p["period"],
            "Value": p["value"].astype(float), "Compared with": p["comparator"],
            "Comparator value": p["comparator_value"].astype(float),
            "Chance of meeting the goal": [("–" if pd.isna(x) else percent(float(x))) for x in
                                           p["probability_goal_met"]],
            "Source": p["source"],
        })
        return tables.table(view, caption=f"Priorities, {self.place.name} (real published values only)",
                            formats={"Value": "{:,.1f}", "Comparator value": "{:,.1f}"})

    def headline_table(self) -> Styler:
        """Every headline figure with its period, data (real or synthetic), source and chapter."""
        h = self.headline
        view = pd.DataFrame({
            "Figure": [e["label"] for e in h], "Value": [figure_text(e) for e in h],
            "Data": ["real" if e["real"] else "synthetic (demo)" for e in h],
            "Chapter": [CHAPTER_TITLES.get(e["chapter"], e["chapter"]) for e in h],
            "Source": [e.get("source", "") for e in h],
        })
        return tables.table(view, caption=f"Headline figures, {self.place.name}")

    def goals_table(self) -> Styler | tables.HTML:
        """The outcomes tracker's goals table (progress, projection and chance of meeting each goal)."""
        if self.tracker is None:
            return tables.HTML(f"<p><em>{self.tracker_note}</em></p>")
        from .outcomes_tracker import from_tracker

        return from_tracker(self.tracker).goals_table()

    def methods_note(self) -> report.Block:
        """How the page is put together: where the figures come from, the priority rules and the projection."""
        from ..compare.priorities import RULES

        rules = "; ".join(f"({k}) {v}" for k, v in RULES.items())
        return report.callout_block(
            "Headline figures are read from each chapter's figures.json for this area (written when the chapter "
            "was rendered; a chapter not yet rendered is listed as such) and from the outcomes tracker's real "
            "published values. Priorities, in this order: " + rules + ". Within a rule the larger relative gap from "
            "England comes first (for goals, the smaller chance). Significantly worse is Fingertips' published "
            "comparison with England (a 'higher'/'lower' label read with the indicator's polarity in the "
            "strategy); recent trend is Fingertips' method. Only real published values are ranked. "
            + PROJECTION_METHOD, "method")

    def provenance_extra(self) -> pd.DataFrame | None:
        """One provenance row per chapter figures.json read (file, SHA-256), then the tracker's Fingertips
        requests (none for the mirror)."""
        rows = [{"Source": f"healthintel {r.title} report for {self.place.name} ({r.chapter}/{r.slug}.figures.json)",
                 "Publisher": "healthintel render", "Vintage": "as rendered", "Licence": "as its sources",
                 "Official URL": "", "SHA-256": _sha256(r.figures)[:12] + "…", "Fetched": ""}
                for r in self.reports if r.rendered]
        extra = pd.DataFrame(rows)
        fingertips = self.tracker.fingertips_requests if self.tracker is not None else []
        if fingertips:
            from ..sources.fingertips import provenance_table

            extra = pd.concat([extra, provenance_table(fingertips)], ignore_index=True)
        return extra if len(extra) else None


def _tracker(place: geography.Area) -> tuple[OutcomesTracker | None, str]:
    from ..compare.tracker import outcomes_tracker

    try:
        return outcomes_tracker(place.name), ""
    except AreaNotCoveredError:
        return None, (f"The outcomes tracker follows the Kent and Medway Integrated Care Strategy, which sets no "
                      f"goals for {place.name}: no goals or priorities are shown.")


def _synthetic_note(headline: list[dict[str, Any]]) -> str:
    synthetic = sorted({CHAPTER_TITLES.get(e["chapter"], e["chapter"]) for e in headline if not e["real"]})
    if not synthetic:
        return ""
    return (f"some headline figures on this page come from chapters built on synthetic data ({', '.join(synthetic)}): "
            "they are labelled \"synthetic (demo)\" beside each figure and are not real figures for the area. The "
            "priorities use real published values only.")


def build(*, area: str = "Kent", reports_dir: str = "") -> AreaOverviewChapter:
    """The overview of ``area`` (name or GSS code) from its chapters' reports in ``reports_dir`` (default the
    reports folder, :func:`healthintel.config.reports_dir`, which ``healthintel render`` sets for the kernel) and
    its outcomes tracker."""
    from ..compare.priorities import PRIORITY_COLUMNS, area_priorities

    place = geography.resolve_area(area)
    reports = read_reports(place, reports_dir or None)
    tracker, note = _tracker(place)
    priorities = area_priorities(tracker.rows) if tracker is not None else pd.DataFrame(columns=PRIORITY_COLUMNS)
    documents = {r.chapter: r.document for r in reports if r.rendered and r.document is not None}
    found = headline_entries(documents)
    headline = [e for e in found if e["real"]] + _tracker_entries(tracker) + [e for e in found if not e["real"]]
    return AreaOverviewChapter(
        place=place, reports=reports, tracker=tracker, priorities=priorities, headline=headline, tracker_note=note,
        sources=tuple(tracker.sources) if tracker is not None else (), synthetic_note=_synthetic_note(headline),
        provenance_notes=("Headline figures: the chapters' own figures.json files (listed below with their "
                          "SHA-256); each chapter's report names its sources. Priorities and goals: the outcomes "
                          "tracker's real published values."))
