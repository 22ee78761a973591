"""The outcomes tracker chapter: every outcome-framework indicator of an area, its benchmark, trend and progress.

:func:`build` runs :func:`healthintel.compare.outcomes_tracker` (published series from the data mirror or the
Fingertips API, demo series elsewhere); :class:`OutcomesTrackerChapter` gives the summary, the indicator table,
the nearest-neighbour section, one trend chart per indicator, the methods note and the provenance footer (with
one row per Fingertips request).

The chapter also records, as ``render_inputs``, the Fingertips cache files it read (:func:`cache_file`) with their
SHA-256, so ``healthintel render`` re-renders it when one of them is refreshed.
"""

from __future__ import annotations

import hashlib
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .. import report, tables
from ..charts.base import Chart
from ..charts.trends import target_trajectory, trend
from ..compare.tracker import DEMO_LABEL, OutcomesTracker, outcomes_tracker
from ..sources.fingertips.http import FingertipsCache, Request
from .base import Chapter
from .projections import PROJECTION_METHOD, chance_text, percent, projected_text

__all__ = ["OutcomesTrackerChapter", "build", "from_tracker", "cache_file", "METHODS_NOTE"]

METHODS_NOTE = (
    "Real rows: every published value the data mirror holds for the area itself (OHID Fingertips, the indicator "
    "id named in the Data column, latest period shown even when it is older than the goal's baseline), or the "
    "strategy's own published baseline; England is England's published value for the same period. DEMO rows "
    "only where nothing real is published for the area: seeded illustrative values around the published "
    "England value (the same England on every area's page). "
    "Benchmark: Fingertips' published 'compared with England' label for real rows, else the 95% CI overlapping "
    "the England value where the published copy has confidence limits (with source=\"fingertips\" the "
    "published 95% confidence limits are shown where the API has them); 95% CI overlap for demo rows. "
    "Recent trend: the Fingertips rule (last 5 unbroken single-year points, weighted regression, significant at "
    "99.8% with the leave-one-out sign check); 'Cannot be calculated' where periods are pooled years, the value "
    "type has no Fingertips trend (life expectancy, SII, gaps) or CIs are not published. Progress: the latest value "
    "against the straight-line trajectory from baseline to goal (met / on track / off track; 'no data' when the "
    "latest value predates the baseline or the baseline is not published, 'baseline only' when the latest value "
    "is the baseline; 'demo (…)' on demo values). A baseline the strategy leaves to the data is fixed from the "
    "area's published value (the life-expectancy chapter states the same goals). Goals and the assumptions made "
    "where the strategy is not explicit are in healthintel/compare/targets.yaml."
)
NEIGHBOUR_METHOD = ("CIPFA nearest neighbours from Fingertips; rank 1 = best (by the indicator's polarity) among the "
                    "area and the neighbours with a value for the area's latest period.")
#: Number formats of the indicator table's values whose unit needs other than one decimal place.
UNIT_FORMATS = {"rank": "{:,.0f}", "ratio": "{:,.2f}"}
PROVENANCE_NOTES = ("Strategy baselines: Kent and Medway Integrated Care Strategy (healthintel/compare/targets.yaml). "
                    "Demo rows use no area data (only England's published values).")


def cache_file(url: str, cache: FingertipsCache | str | Path | None = None) -> Path:
    """The file holding the response body of the Fingertips request ``url`` in ``cache``.

    Parameters
    ----------
    url : str
        The request URL as the provenance records give it (``"request"``).
    cache : FingertipsCache, path or None
        The cache (or its folder); default the client's default cache folder.

    Notes
    -----
    The cache keys an entry by its canonical URL (:attr:`~healthintel.sources.fingertips.http.Request.key`);
    a :class:`~healthintel.sources.fingertips.http.Request` whose base URL is the whole ``url`` has that URL
    and so that key. The body is ``<cache folder>/<key>.body``.
    """
    store = cache if isinstance(cache, FingertipsCache) else FingertipsCache(cache)
    return store.directory / f"{Request('legacy', url, '').key}.body"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True, eq=False, kw_only=True)
class OutcomesTrackerChapter(Chapter):
    """The outcomes tracker of one area (built by :func:`build`).

    Attributes
    ----------
    area : str
        The tracked area.
    tracker : compare.tracker.OutcomesTracker
        The computed tracker: one row per indicator, the series behind each chart, Fingertips provenance and
        the nearest-neighbour comparison.
    """

    area: str
    tracker: OutcomesTracker

    def render_inputs(self) -> list[dict[str, str]]:
        """The Fingertips cache files the chapter read (``path``, absolute, and ``sha256`` of the file), one per
        response body, in request order (empty for the mirror source)."""
        cache = FingertipsCache(self.tracker.fingertips_cache_dir or None)
        out: list[dict[str, str]] = []
        for rec in self.tracker.fingertips_requests:
            path = cache_file(rec["request"], cache)
            if path.is_file() and str(path) not in {item["path"] for item in out}:
                out.append({"path": str(path), "sha256": _sha256(path)})
        return out

    def recorded_values(self) -> dict[str, Any]:
        """Indicators (all, real), headline values, progress per indicator, the source, Fingertips counts,
        neighbours and ``render_inputs`` (:meth:`render_inputs`)."""
        t = self.tracker
        return {
            "n_indicators": len(t.rows),
            "n_real": t.n_real,
            "n_registry": t.n_registry,
            "n_registry_real": t.n_registry_real,
            "n_demo": t.n_demo,
            "n_context": t.n_context,
            "le_male_latest": t.headline("G.2-LE-M"),
            "y6_obesity_latest": t.headline("ctx-Y6-OB"),
            "progress": t.progress(),
            "source": t.source,
            "n_from_fingertips_api": t.n_from_api,
            "fingertips_unanswered": len(t.notes),
            "n_neighbours": t.n_neighbours,
            "probability_goal_met": self.probabilities(),
            "render_inputs": self.render_inputs(),
        }

    def probabilities(self) -> dict[str, float]:
        """Indicator id -> chance that the goal is met (:func:`healthintel.compare.forecast`), for the real rows
        that have one (5 or more published periods with a 95% CI and a numeric goal)."""
        r = self.tracker.rows
        if not len(r):
            return {}
        has = r["probability_goal_met"].notna()
        return {str(i): float(p) for i, p in zip(r.loc[has, "id"], r.loc[has, "probability_goal_met"])}

    def summary_markdown(self) -> str:
        """Indicators with real and demo values, and the progress of the real ones to goal."""
        t = self.tracker
        lines = [f"**{self.area}**: {t.n_registry} outcome-framework indicators; {t.n_registry_real} with real "
                 f"published values (OHID Fingertips or the strategy's own published baseline), {t.n_demo} with "
                 f"DEMO values (not real: nothing is published for {self.area}). "
                 f"{t.n_context} context indicator(s) with real published values."]
        counts = self.tracker.real_progress_counts()
        if len(counts):
            lines.append("Progress of the real indicators to goal: " +
                         ", ".join(f"{k}: {v}" for k, v in counts.items()) + ".")
        return "\n\n".join(lines)

    def source_note(self) -> list[report.Block]:
        """Where the real rows came from as a callout (a warning when a Fingertips request went unanswered);
        an empty list for the mirror source."""
        text = self.tracker.source_note
        if not text:
            return []
        return [report.callout_block(text, "warning" if self.tracker.notes else "note")]

    def indicator_table(self):
        """One row per indicator: value (to its unit's precision, :data:`UNIT_FORMATS`) and unit, CI, England,
        benchmark, recent trend, goal and progress."""
        t = self.tracker.rows
        ci = [("not published" if pd.isna(lo) else f"{lo:,.1f} – {hi:,.1f}")
              for lo, hi in zip(t["lower_ci"], t["upper_ci"])]
        goal = t["goal_text"]
        view = pd.DataFrame({
            "Indicator": t["name"], "Data": t["source"], "Period": t["period"], "Value": t["value"],
            "Unit": t["unit"], "95% CI": ci, "England": t["england"], "Compared with England": t["benchmark"],
            "Recent trend": t["trend"], "Goal": goal, "Progress": t["progress"],
        })
        styler = tables.table(view, caption=f"Outcome-framework indicators, {self.area}",
                              formats={"Value": "{:,.1f}", "England": "{:,.1f}"})
        for unit, spec in UNIT_FORMATS.items():  # ranks are whole numbers, ratios have two decimals
            rows = view.index[view["Unit"].astype(str) == unit]
            if len(rows):
                styler = styler.format(spec, subset=pd.IndexSlice[rows, ["Value", "England"]], na_rep="–")
        return styler

    def _points(self, indicator_id: str) -> str:
        """"9 (0 with a 95% CI)": the published points behind a real row."""
        s = self.tracker.series[indicator_id]
        with_ci = int((s["value"].notna() & s["lower_ci"].notna() & s["upper_ci"].notna()).sum())
        return f"{int(s['value'].notna().sum())} ({with_ci} with a 95% CI)"

    def goals_table(self):
        """One row per outcome-framework goal: the goal, progress by the straight-line rule, the published points,
        the projection of the recent trend to the goal period with its 95% prediction interval, and the chance of
        meeting the goal ("not enough data" with fewer than 5 points with a CI; "demo" on DEMO rows)."""
        t = self.tracker.rows
        t = t[t["registry"]] if len(t) else t
        rows = [r for _, r in t.iterrows()]
        view = pd.DataFrame({
            "Indicator": t["name"], "Data": t["source"], "Goal": t["goal_text"], "Progress": t["progress"],
            "Published points": [self._points(r["id"]) if r["real"] else "demo" for r in rows],
            "Projected in goal year": [projected_text(r) + (f" in {r['goal_period']}" if pd.notna(
                r["projected_value"]) else "") for r in rows],
            "Chance of meeting the goal": [chance_text(r) for r in rows],
        })
        return tables.table(view, caption=f"Goals of the outcome framework and the projection of the recent trend, "
                                          f"{self.area}")

    def goal_charts(self) -> list[Chart]:
        """The required trajectory from baseline to goal for every real goal with a published baseline, the
        published values, and the projection of the recent trend with its 95% prediction interval where there is
        one (5 or more points with a CI)."""
        out = []
        t = self.tracker.rows
        for _, r in (t[t["registry"] & t["real"]] if len(t) else t).iterrows():
            if pd.isna(r["baseline_value"]) or pd.isna(r["goal_value"]):
                continue
            projection: dict[str, Any] | None = None if pd.isna(r["projected_value"]) else {
                "projected_value": r["projected_value"], "lower_pi": r["lower_pi"], "upper_pi": r["upper_pi"],
                "goal_period": r["goal_period"], "slope": r["projection_slope"], "first_period": r["projection_first"],
                "last_period": r["projection_last"], "n_periods": r["projection_periods"]}
            chance = "" if pd.isna(r["probability_goal_met"]) else \
                f"; chance of meeting the goal {percent(r['probability_goal_met'])}"
            out.append(target_trajectory(
                self.tracker.series[r["id"]], baseline=(r["baseline_period"], r["baseline_value"]),
                goal=(r["goal_period"], r["goal_value"]), unit=str(r["unit"]), area_name=self.area,
                projection=projection, title=textwrap.fill(f"{r['name']}: {r['progress']}{chance}", 55)))
        return out

    def projection_note(self) -> report.Block:
        """How the projection to the goal year is made, and what it is not, as a method callout."""
        return report.callout_block(PROJECTION_METHOD + " DEMO rows are never projected.", "method")

    def neighbour_table(self):
        """The area against its CIPFA nearest neighbours (:meth:`OutcomesTracker.neighbours`) as a report table;
        the caption names the neighbours."""
        t = self.tracker.neighbours()
        rng = [("–" if pd.isna(lo) else f"{lo:,.1f} – {hi:,.1f}")
               for lo, hi in zip(t["neighbours_min"], t["neighbours_max"])]
        rank = [("–" if pd.isna(r) else f"{int(r)} of {n}") for r, n in zip(t["rank"], t["n_ranked"])]
        view = pd.DataFrame({
            "Indicator": t["name"], "Period": t["period"], self.area: t["value"].astype(float),
            "Neighbours with a value": t["n_neighbours"], "Neighbours' median": t["neighbours_median"],
            "Neighbours' range": rng, "Rank (1 = best)": rank,
        })
        names = ", ".join(self.tracker.nearest_neighbours["area_name"])
        return tables.table(view, caption=f"{self.area} and its {self.tracker.n_neighbours} CIPFA nearest "
                                          f"neighbours ({names})",
                            formats={self.area: "{:,.1f}", "Neighbours' median": "{:,.1f}"})

    def neighbour_section(self) -> list:
        """The nearest-neighbour table with its method note; or a note saying why there is none; or nothing
        (an empty list: the mirror source)."""
        if len(self.tracker.neighbours()):
            return [self.neighbour_table(), report.callout_block(NEIGHBOUR_METHOD, "method")]
        if self.tracker.neighbour_note:
            return [report.callout_block(self.tracker.neighbour_note, "note")]
        return []

    def trend_charts(self) -> list[Chart]:
        """One small trend chart per indicator (points coloured by the benchmark, CIs, England dashed)."""
        out = []
        for _, r in self.tracker.rows.iterrows():
            s = self.tracker.series[r["id"]]
            label = "" if r["real"] else f" ({DEMO_LABEL})"
            cmp = s[["period", "england"]].rename(columns={"england": "value"}).dropna()
            out.append(trend(s, benchmark="benchmark", comparator=cmp, area_name=self.area,
                             title=f"{r['name']}{label}"[:80], unit=str(r["unit"])))
        return out

    def methods_note(self) -> report.Block:
        """How benchmark, recent trend and progress are worked out, as a method callout."""
        return report.callout_block(METHODS_NOTE, "method")

    def provenance_extra(self) -> pd.DataFrame | None:
        """One provenance row per Fingertips request (empty for the mirror source)."""
        return self.tracker.fingertips_provenance()


def from_tracker(tracker: OutcomesTracker) -> OutcomesTrackerChapter:
    """The chapter of an already computed :func:`healthintel.compare.outcomes_tracker` result."""
    return OutcomesTrackerChapter(sources=tuple(tracker.sources),
                                  synthetic_note=tracker.demo_note if tracker.has_demo else "",
                                  provenance_notes=PROVENANCE_NOTES, area=tracker.area, tracker=tracker)


def build(*, area: str = "Medway", source: str = "mirror") -> OutcomesTrackerChapter:
    """Build the outcomes tracker chapter.

    Parameters
    ----------
    area : str
        "Kent and Medway", "Kent" or "Medway": the areas the targets registry sets goals for (another area is an
        :class:`~healthintel.errors.AreaNotCoveredError`). Real published values are shown wherever the data
        mirror has them for the area (or, with ``source="fingertips"``, the API).
    source : {"mirror", "fingertips"}
        Where published comparators come from: the data mirror extracts, or the Fingertips API through the
        local cache (offline: the cache only).
    """
    return from_tracker(outcomes_tracker(area, source=source))
