"""The ``child_obesity`` chapter: NCMP obesity by deprivation, the deprivation gap, its trend and the target.

:func:`build` reads the analyst's pupil-level NCMP extract (``ncmp_extract``, checked against the layout of
:mod:`healthintel.extracts`; without one, the seeded synthetic demonstration extract of
:mod:`healthintel.synthetic.ncmp`: pupil-level NCMP data are not public), keeps the area's cohort (children
*resident* in it, as OHID publishes, or ``cohort="school"``), computes every result frame with
:mod:`healthintel.obesity` and returns a :class:`ChildObesityChapter`, whose methods give the chapter's tables,
markdown and figures:

>>> from healthintel import chapters
>>> ch = chapters.child_obesity.build(area="Medway")          # doctest: +SKIP
>>> ch.headline_markdown()                                     # doctest: +SKIP

Every caption and chart title of a chapter built on synthetic data carries "(synthetic data)"; England figures
are always the real published ones (Fingertips 90323 / 90319). Published tables, charts and figures.json follow
OHID's NCMP disclosure rule (:func:`healthintel.disclosure.ncmp_rates`): numerators of 7 or less suppressed,
counts rounded to the nearest 5, prevalence from the rounded counts, confidence intervals from the unrounded ones.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import geography, obesity
from ..errors import AreaNotCoveredError, InvalidInputError
from ..obesity import MEASURES
from .base import Chapter, figure
from .projections import PROJECTION_METHOD, chance_text, projected_text

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from ..charts.base import Chart
    from ..report import Block
    from ..tables import HTML

__all__ = ["ChildObesityChapter", "build", "ACADEMIC_YEARS", "SYNTHETIC_NOTE", "SYNTHETIC_TAG"]

#: The academic years of the synthetic demo extract (2020/21, a partial COVID-19 collection, is absent). The
#: chapter analyses every academic year its extract holds unless ``academic_years`` names some.
ACADEMIC_YEARS = ("2016/17", "2017/18", "2018/19", "2019/20", "2021/22", "2022/23", "2023/24")

#: The banner text of a chapter built on the synthetic demonstration extract.
SYNTHETIC_NOTE = ("pupil-level NCMP records are not public, so every figure for the area in this chapter comes from "
                  "a seeded synthetic extract calibrated to published England figures. England comparators are real.")

#: Appended to every caption and chart title of a chapter built on synthetic data.
SYNTHETIC_TAG = "synthetic data"

AUTHOR_PLACEHOLDER = ("Commissioning context, services and recommendations for this chapter are written by the "
                      "JSNA author.")

#: Table captions' confidence-interval columns (one decimal place).
_CI_COLUMNS = ["Lower 95% CI", "Upper 95% CI"]


def _tag(text: str, synthetic: bool) -> str:
    return f"{text} ({SYNTHETIC_TAG})" if synthetic else text


def _title(text: str, synthetic: bool) -> str:
    """A chart title with the synthetic-data tag, wrapped to fit the figure."""
    return textwrap.fill(_tag(text, synthetic), 62)


def _fmt(v: Any, dps: int = 1) -> str:
    return "no value" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:,.{dps}f}"


def _ci(lo: Any, hi: Any, dps: int = 1) -> str:
    return f"95% CI {_fmt(lo, dps)} to {_fmt(hi, dps)}"


def _one_decimal(columns: Sequence[str]) -> dict[str, str]:
    return dict.fromkeys(columns, "{:.1f}")


def _published_rates(frame: pd.DataFrame, numerator: str = "numerator", denominator: str = "denominator",
                     value: str = "value", ci: Sequence[str] = ("lower_ci", "upper_ci")) -> pd.DataFrame:
    """Prevalence rows as OHID publishes NCMP figures (:func:`healthintel.disclosure.ncmp_rates`)."""
    from .. import disclosure

    return disclosure.ncmp_rates(frame.reset_index(drop=True), numerator, denominator, value=value,
                                 derived=[c for c in ci if c in frame])


def _published_gaps(gaps: pd.DataFrame) -> pd.DataFrame:
    """Gap rows as published: each quintile's counts rounded and prevalence from them, the gap and ratio from the
    published prevalences, CIs from the unrounded counts; suppressed when either numerator is 7 or less."""
    most = _published_rates(gaps, "numerator_most", "denominator_most", "most_deprived", ci=())
    both = _published_rates(most.drop(columns="suppressed"), "numerator_least", "denominator_least",
                            "least_deprived", ci=())
    hide = most["suppressed"].to_numpy() | both["suppressed"].to_numpy()
    m = both["most_deprived"].to_numpy(dtype=float, na_value=np.nan)
    lst = both["least_deprived"].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        both["value"] = m - lst
        both["ratio"] = np.where(lst > 0, m / np.where(lst > 0, lst, 1), np.nan)
    for c in ("value", "lower_ci", "upper_ci", "ratio", "ratio_lower_ci", "ratio_upper_ci"):
        both[c] = both[c].astype("Float64")
        both.loc[hide, c] = pd.NA
    both["suppressed"] = hide
    return both


def _number(value: Any) -> float:
    """A plain float (NaN for NA/None)."""
    return float("nan") if value is None or value is pd.NA or pd.isna(value) else float(value)


def _rounded(count: int) -> float:
    """A count rounded to the nearest 5 (NCMP rule), for text."""
    from .. import disclosure

    return float(disclosure.round_to_nearest([count])[0])


def _floats(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable Float64 columns as float64 (NaN for NA), for charts."""
    return frame.assign(**{c: frame[c].astype("float64") for c in frame.columns
                           if isinstance(frame[c].dtype, pd.Float64Dtype)})


@dataclass(frozen=True, eq=False, kw_only=True)
class ChildObesityChapter(Chapter):
    """Everything the child_obesity chapter shows for one area: result frames, and tables/charts on demand.

    Attributes
    ----------
    place : geography.Area
        The area: its cohort is the children *resident* in it (home LSOA; OHID's definition) or, with
        ``cohort="school"``, the pupils at its schools; deprivation is always that of the *home* LSOA.
    cohort : {"resident", "school"}
    cohort_counts : DataFrame
        Records by academic year and cohort category (:func:`healthintel.obesity.cohort_counts`).
    extract : dict or None
        The provenance row of the analyst's extract (file name, rows, SHA-256; never its folders); None for the
        synthetic demo or records passed in memory.
    school_year, academic_years, quintile_basis, basis_text, target
        The parameters as resolved (``target`` merged with :data:`healthintel.obesity.DEFAULT_TARGET`;
        ``basis_text`` from :func:`healthintel.obesity.basis_label`).
    prepared : obesity.Prepared
        The prepared records with local quantiles, exclusions and data-quality flags.
    prevalence_trend, england, by_quintile, gaps, gaps_obesity, gap_trend, progress, sii, by_district, by_sex,
    calibration : DataFrame
        Prevalence by year; England's published figures; prevalence by quintile; the gap in the target's measure
        and in obesity; the gap's trend test; progress against the target (empty when the target is for the
        other school year); the SII; district prevalence in the latest year; prevalence by sex; the synthetic
        data's calibration against the published England figures by national IMD decile.
    """

    place: geography.Area
    school_year: str
    academic_years: tuple[str, ...]
    quintile_basis: str
    basis_text: str
    target: dict[str, Any]
    prepared: obesity.Prepared
    prevalence_trend: pd.DataFrame
    england: pd.DataFrame
    by_quintile: pd.DataFrame
    gaps: pd.DataFrame
    gaps_obesity: pd.DataFrame
    gap_trend: pd.DataFrame
    progress: pd.DataFrame
    sii: pd.DataFrame
    by_district: pd.DataFrame
    by_sex: pd.DataFrame
    calibration: pd.DataFrame
    gaps_overweight: pd.DataFrame = field(default_factory=pd.DataFrame)
    cohort: str = "resident"
    cohort_counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    extract: dict[str, Any] | None = None

    # --- small helpers ---------------------------------------------------------------------------------------

    def latest(self) -> str:
        """The latest academic year analysed."""
        return self.academic_years[-1]

    def measure_label(self, measure: str) -> str:
        """Lower-case label of a :data:`healthintel.obesity.MEASURES` name ("overweight incl. obesity")."""
        return self._label(measure).lower()

    def _label(self, measure: str) -> str:
        return MEASURES[self.prepared.thresholds][measure][0]

    def _basis_short(self) -> str:
        return "local deprivation" if self.quintile_basis == "local" else "national deprivation"

    # --- headline and recorded values ------------------------------------------------------------------------

    def published_trend(self) -> pd.DataFrame:
        """:attr:`prevalence_trend` as published (NCMP rule: rounded counts, small numerators suppressed)."""
        return _published_rates(self.prevalence_trend)

    def published_gaps(self, measure: str | None = None) -> pd.DataFrame:
        """The gap by year in ``measure`` (default the target's) as published (see :func:`_published_gaps`)."""
        measure = measure or self.target["measure"]
        frame = {self.target["measure"]: self.gaps, "obesity": self.gaps_obesity,
                 "overweight_incl_obesity": self.gaps_overweight}.get(measure)
        if frame is None or not len(frame):
            raise InvalidInputError(f"no gap computed for {measure!r}; use the target's measure, 'obesity' or "
                                    "'overweight_incl_obesity'.")
        return _published_gaps(frame)

    def source_label(self) -> str:
        """Where the area's figures come from, for figures.json and captions."""
        if self.extract is not None:
            return f"NCMP extract {self.extract['file']} (SHA-256 {self.extract['SHA-256'][:12]}…)"
        if self.synthetic:
            return "synthetic demo extract (healthintel.synthetic.ncmp)"
        return "pupil-level NCMP records supplied"

    def _cohort_phrase(self) -> str:
        return ("children resident in the area (home LSOA), as OHID publishes" if self.cohort == "resident" else
                "pupils measured at the area's schools (cohort='school'; OHID publishes by residence)")

    def headline(self) -> dict[str, Any]:
        """The figures the headline quotes (published values: NCMP rule) and the record counts."""
        tr = self.published_trend()
        ob = tr[(tr["measure"] == "obesity") & (tr["academic_year"] == self.latest())].iloc[0]
        gaps = self.published_gaps()
        g = gaps[gaps["academic_year"] == self.latest()].iloc[0]
        eng = self.england.set_index("academic_year")["value"].get(self.latest(), np.nan)
        shown = self.progress_shown()
        prog = shown.iloc[0] if len(shown) else None
        excl = self.prepared.exclusions
        return {
            "latest_year": self.latest(), "obesity": _number(ob["value"]), "obesity_lower": _number(ob["lower_ci"]),
            "obesity_upper": _number(ob["upper_ci"]), "measured": _number(ob["denominator"]),
            "england_obesity": float(eng), "gap": _number(g["value"]), "gap_lower": _number(g["lower_ci"]),
            "gap_upper": _number(g["upper_ci"]), "ratio": _number(g["ratio"]),
            "progress": None if prog is None else str(prog["progress"]),
            "required": None if prog is None else float(prog["required_value"]),
            "trend": str(self.gap_trend.iloc[0]["direction"]),
            "excluded": int(excl.loc[excl["reason"] != "records analysed", "records"].sum()),
            "analysed": int(excl.loc[excl["reason"] == "records analysed", "records"].iloc[0]),
            "records": int(self.prepared.n_records), "synthetic": bool(self.synthetic),
        }

    def _cohort_total(self, category_index: int) -> int:
        c = self.cohort_counts
        if not len(c):
            return 0
        name = obesity.COHORT_CATEGORIES[category_index][0]
        return int(c.loc[c["category"] == name, "records"].sum())

    def recorded_values(self) -> dict[str, Any]:
        """What the notebook records: synthetic flag, latest obesity, the gap and its CI (published values),
        progress, record counts, the cohort and its cross-boundary counts (all years analysed), and the extract as
        ``render_inputs`` (path and SHA-256: ``healthintel render`` re-renders when the file changes)."""
        h = self.headline()
        return {"synthetic": h["synthetic"], "obesity_latest": h["obesity"], "gap_latest": h["gap"],
                "gap_lower": h["gap_lower"], "gap_upper": h["gap_upper"], "progress": h["progress"],
                "records": h["records"], "excluded": h["excluded"], "analysed": h["analysed"],
                "cohort": self.cohort, "academic_years": list(self.academic_years),
                "residents_at_schools_elsewhere": self._cohort_total(1),
                "non_residents_at_area_schools": self._cohort_total(3),
                "render_inputs": [] if self.extract is None else [
                    {"path": self.extract["path"], "sha256": self.extract["SHA-256"]}]}

    def figures(self) -> list[dict[str, Any]]:
        """figures.json: latest-year obesity and overweight incl. obesity prevalence (whole area) and the gaps
        between the most and least deprived quintile (chosen basis), as published (NCMP rule)."""
        latest, src = self.latest(), self.source_label()
        tr = self.published_trend()
        tr = tr[tr["academic_year"] == latest].set_index("measure")
        out = []
        for measure in ("obesity", "overweight_incl_obesity"):
            r = tr.loc[measure]
            out.append(figure(f"{measure}_prevalence", r["value"], lower_ci=r["lower_ci"], upper_ci=r["upper_ci"],
                              unit="%", period=latest, source=src))
        for measure in ("overweight_incl_obesity", "obesity"):
            gaps = self.published_gaps(measure)
            g = gaps[gaps["academic_year"] == latest].iloc[0]
            out.append(figure(f"{measure}_gap_pp", g["value"], lower_ci=g["lower_ci"], upper_ci=g["upper_ci"],
                              unit="percentage points", period=latest,
                              source=f"{src}; most minus least deprived quintile, {self.basis_text}"))
        return out

    def _target_line(self, h: dict[str, Any]) -> list[str]:
        t = self.target
        if h["progress"] is None:
            return [f"- **Target**: set for {t['school_year']}, so not assessed for {self.school_year}."]
        lines = [f"- **Target** ({t['baseline_value']:g} points in {t['baseline_period']} to {t['goal_value']:g} by "
                 f"{t['goal_period']}): **{h['progress']}** — the required trajectory is "
                 f"{_fmt(h['required'])} points in {h['latest_year']}."]
        if self.synthetic:
            lines.append("  The target's baseline is the strategy's published figure; the synthetic data are "
                         "calibrated to it (Kent and Medway, 2021/22), so this \"demo\" status only shows how the "
                         "check works.")
        return lines

    def progress_shown(self) -> pd.DataFrame:
        """:attr:`progress` as the chapter states it: on synthetic data the status reads "demo (…)"."""
        if not self.synthetic or not len(self.progress):
            return self.progress
        return self.progress.assign(progress="demo (" + self.progress["progress"].astype(str) + ")")

    def single_year_note(self) -> str:
        """Why there is no trend when only one academic year is analysed ("" otherwise)."""
        if len(self.academic_years) > 1:
            return ""
        return (f"The data hold one academic year ({self.latest()}), so each chart over time shows a single point "
                "and there is no trend: a trend needs at least three years.")

    def headline_markdown(self) -> str:
        """The headline paragraph: latest obesity against England, the gap, its trend, the target, exclusions."""
        h = self.headline()
        gap_name = self.measure_label(self.target["measure"])
        trend = self.gap_trend.iloc[0]
        trend_line = (f"- **Trend in the gap**: {self.single_year_note()}" if self.single_year_note() else
                      f"- **Trend in the gap** ({trend['first_period']} to {trend['last_period']}): {h['trend']}.")
        source = ("figures below are **synthetic data** (a seeded demonstration extract), not real children."
                  if self.synthetic else f"{self.source_label()}.")
        lines = [
            f"**{self.place.name}, {self.school_year}, {h['latest_year']}** — {source} Cohort: "
            f"{self._cohort_phrase()}.",
            "",
            f"- **Obesity (incl. severe obesity): {_fmt(h['obesity'])}%** "
            f"({_ci(h['obesity_lower'], h['obesity_upper'])}) "
            f"of {_fmt(h['measured'], 0)} children measured (counts rounded to the nearest 5); England (real, "
            f"Fingertips): {_fmt(h['england_obesity'])}%.",
            f"- **Deprivation gap in {gap_name}: {_fmt(h['gap'])} percentage points** "
            f"({_ci(h['gap_lower'], h['gap_upper'])}) between the most and least deprived quintiles — "
            f"{self.basis_text}; the most deprived quintile's prevalence is {_fmt(h['ratio'], 2)} times the least "
            "deprived's.",
            trend_line,
            *self._target_line(h),
            f"- About {_fmt(_rounded(h['excluded']), 0)} of {_fmt(_rounded(h['records']), 0)} records were excluded "
            "(reasons under *Data quality*).",
        ]
        return "\n".join(lines)

    # --- prevalence over time --------------------------------------------------------------------------------

    def trend_frame(self) -> pd.DataFrame:
        """Obesity by year with England's published value and the CI-overlap comparison with it."""
        from ..compare.benchmark import benchmark

        tr = self.published_trend()
        tr = tr[tr["measure"] == "obesity"].copy()
        eng = self.england.set_index("academic_year")["value"]
        tr["england"] = tr["academic_year"].map(eng).astype(float)
        tr = benchmark(_floats(tr), "england", method="ci_overlap_95", polarity="low_is_good")
        return tr.reset_index(drop=True)

    def trend_chart(self) -> Chart:
        """Obesity by year with 95% CIs against England (real); a single point when one year is analysed."""
        from .. import charts

        tr = self.trend_frame()
        comp = self.england.rename(columns={"academic_year": "period"})
        comp = comp[comp["period"].isin(tr["academic_year"])]
        return charts.trend(tr.rename(columns={"academic_year": "period"}), comparator=comp[["period", "value"]],
                            comparator_name="England (real, Fingertips)", area_name=self.place.name,
                            title=_title(f"{self.school_year} obesity, {self.place.name}", self.synthetic), unit="%")

    def trend_table(self) -> Styler:
        """Obesity by year: counts, prevalence and CIs, England and the comparison."""
        from .. import tables

        frame = self.trend_frame()
        tr = frame[["academic_year", "numerator", "denominator", "value", "lower_ci", "upper_ci", "england",
                    "benchmark"]]
        tr = tr.rename(columns={"academic_year": "Academic year", "numerator": "Obese", "denominator": "Measured",
                                "value": "Obesity %", "lower_ci": "Lower 95% CI", "upper_ci": "Upper 95% CI",
                                "england": "England % (real)", "benchmark": "Compared with England"})
        return tables.table(tr, caption=_tag(f"{self.school_year} obesity (incl. severe), {self.place.name}, by year",
                                             self.synthetic),
                            formats=_one_decimal(["Obesity %", *_CI_COLUMNS, "England % (real)"]),
                            counts=["Obese", "Measured"], derived=["Obesity %", *_CI_COLUMNS],
                            suppressed=frame["suppressed"])

    def sex_table(self) -> Styler:
        """Obesity by year and sex."""
        from .. import tables

        pub = _published_rates(self.by_sex)
        d = pub[["academic_year", "sex", "numerator", "denominator", "value", "lower_ci", "upper_ci"]].copy()
        d["sex"] = d["sex"].str.capitalize()
        d = d.rename(columns={"academic_year": "Academic year", "sex": "Sex", "numerator": "Obese",
                              "denominator": "Measured", "value": "Obesity %", "lower_ci": "Lower 95% CI",
                              "upper_ci": "Upper 95% CI"})
        return tables.table(d, caption=_tag(f"{self.school_year} obesity (incl. severe) by sex, {self.place.name}",
                                            self.synthetic),
                            formats=_one_decimal(["Obesity %", *_CI_COLUMNS]),
                            counts=["Obese", "Measured"], derived=["Obesity %", *_CI_COLUMNS],
                            suppressed=pub["suppressed"])

    # --- prevalence by deprivation quintile ------------------------------------------------------------------

    def quintile_frame(self, measure: str | None = None, year: str | None = None) -> pd.DataFrame:
        """Prevalence by quintile of one measure (default the target's) in one year (default the latest), as
        published (NCMP rule)."""
        measure = measure or self.target["measure"]
        q = self.by_quintile
        q = q[(q["measure"] == measure) & (q["academic_year"] == (year or self.latest()))]
        return _published_rates(q.sort_values("quintile"))

    def gradient_chart(self, measure: str | None = None) -> Chart:
        """Prevalence by quintile (latest year) with the area's overall figure and the gap bracket."""
        from .. import charts

        measure = measure or self.target["measure"]
        q = _floats(self.quintile_frame(measure))
        overall = _floats(self.published_trend())
        ov = overall[(overall["measure"] == measure) & (overall["academic_year"] == self.latest())]["value"]
        return charts.deprivation_gradient(
            q, quantile="quintile", comparator=float(ov.iloc[0]) if len(ov) and pd.notna(ov.iloc[0]) else None,
            comparator_name=f"{self.place.name} overall", area_name=self.place.name, unit="%",
            value_label=self._label(measure),
            title=_title(f"{self._label(measure)} by {self._basis_short()} quintile, {self.latest()}",
                         self.synthetic))

    def quintile_table(self) -> Styler:
        """Obesity and overweight incl. obesity by quintile, latest year."""
        from .. import tables

        rows = [self.quintile_frame(m).assign(Measure=self._label(m)) for m in ("obesity", "overweight_incl_obesity")]
        both = pd.concat(rows, ignore_index=True)
        q = both[["Measure", "quintile", "numerator", "denominator", "value", "lower_ci", "upper_ci"]]
        q["quintile"] = q["quintile"].astype(int)
        q = q.rename(columns={"quintile": "Quintile (1 = most deprived)", "numerator": "Children",
                              "denominator": "Measured", "value": "Prevalence %", "lower_ci": "Lower 95% CI",
                              "upper_ci": "Upper 95% CI"})
        return tables.table(q, caption=_tag(f"Prevalence by {self.basis_text}, {self.latest()}", self.synthetic),
                            formats=_one_decimal(["Prevalence %", *_CI_COLUMNS]),
                            counts=["Children", "Measured"], derived=["Prevalence %", *_CI_COLUMNS],
                            suppressed=both["suppressed"])

    # --- the gap over time and the target --------------------------------------------------------------------

    def gap_chart(self) -> Chart:
        """The gap in the target's measure by year against the target's straight-line trajectory, with the
        projection of its recent trend to the goal year and the 95% prediction interval (:meth:`projection`)."""
        from .. import charts

        t = self.target
        projection = self.projection()
        return charts.gap_trajectory(
            _floats(self.published_gaps()), baseline=(t["baseline_period"], t["baseline_value"]),
            goal=(t["goal_period"], t["goal_value"]), projection=None if projection is None else projection.iloc[0],
            area_name=self.place.name, value_label="Gap",
            title=_title(f"Gap in {self.measure_label(t['measure'])}, most minus least deprived quintile",
                         self.synthetic))

    def gap_frame(self) -> pd.DataFrame:
        """Both gaps (target's measure, obesity) by year as published, with the target trajectory, in the table's
        columns (and ``suppressed``)."""
        g = pd.concat([_published_gaps(frame).assign(Measure=self._label(frame["measure"].iloc[0]))
                       for frame in (self.gaps, self.gaps_obesity)], ignore_index=True)
        traj = obesity.trajectory(self.target, g["academic_year"])
        started = obesity.start_year(g["academic_year"]) >= float(str(self.target["baseline_period"])[:4])
        g["required"] = np.where((g["measure"] == self.target["measure"]) & started, traj["required"].to_numpy(),
                                 np.nan)
        g = g[["Measure", "academic_year", "numerator_most", "denominator_most", "most_deprived", "numerator_least",
               "denominator_least", "least_deprived", "value", "lower_ci", "upper_ci", "ratio", "ratio_lower_ci",
               "ratio_upper_ci", "required", "suppressed"]]
        return g.rename(columns={"academic_year": "Academic year", "numerator_most": "Children (most deprived)",
                                 "denominator_most": "Measured (most deprived)", "most_deprived": "Most deprived %",
                                 "numerator_least": "Children (least deprived)",
                                 "denominator_least": "Measured (least deprived)",
                                 "least_deprived": "Least deprived %", "value": "Gap (pp)",
                                 "lower_ci": "Gap lower CI", "upper_ci": "Gap upper CI", "ratio": "Ratio",
                                 "ratio_lower_ci": "Ratio lower CI", "ratio_upper_ci": "Ratio upper CI",
                                 "required": "Target trajectory (pp)"})

    def gap_table(self) -> Styler:
        """The gaps by year: both quintiles' counts and prevalence, gap and ratio with CIs, the trajectory."""
        from .. import tables

        g = self.gap_frame()
        hidden = g.pop("suppressed")
        num = [c for c in g.columns if c not in ("Measure", "Academic year")
               and not c.startswith(("Children", "Measured"))]
        return tables.table(g, caption=_tag(f"Deprivation gap (most minus least deprived quintile; "
                                            f"{self.basis_text}), Newcombe 95% CI; ratio with Katz 95% CI",
                                            self.synthetic),
                            formats={c: ("{:.2f}" if c.startswith("Ratio") else "{:.1f}") for c in num},
                            counts=["Children (most deprived)", "Measured (most deprived)", "Children (least deprived)",
                                    "Measured (least deprived)"], derived=num, suppressed=hidden)

    def trend_test_markdown(self) -> str:
        """One sentence on the gap's trend (weighted regression on year, z-test; unrounded counts)."""
        r = self.gap_trend.iloc[0]
        if self.single_year_note():
            return self.single_year_note()
        if np.isnan(r["slope"]):
            return f"Trend in the gap: {r['direction']}."
        return (f"Trend in the gap, {r['first_period']} to {r['last_period']} ({int(r['n_years'])} years): "
                f"**{r['direction']}** — change {_fmt(r['slope'], 2)} percentage points a year "
                f"({_ci(r['lower_ci'], r['upper_ci'], 2)}; z = {_fmt(r['z'], 2)}, p = {r['p_value']:.3f}). "
                f"Method: {r['method']}.")

    def progress_table(self) -> Styler | HTML:
        """Progress against the target (or a note when the target is for the other school year)."""
        from .. import tables

        if not len(self.progress):
            return tables.HTML(f"<p><em>The target ({self.target['school_year']}) does not apply to "
                               f"{self.school_year}: no progress assessment.</em></p>")
        p = self.progress_shown()[["baseline_period", "baseline_value", "goal_period", "goal_value",
                                   "latest_period", "latest_value", "required_value", "progress"]]
        p = p.rename(columns={"baseline_period": "Baseline year", "baseline_value": "Baseline (pp)",
                              "goal_period": "Goal year", "goal_value": "Goal (pp)", "latest_period": "Latest year",
                              "latest_value": "Latest gap (pp)", "required_value": "Required now (pp)",
                              "progress": "Progress"})
        projection = self.projection()
        row: Any = {} if projection is None else projection.iloc[0]
        p[f"Projected in {self.target['goal_period']} (pp)"] = projected_text(row, demo=self.synthetic)
        p["Chance of meeting the goal"] = chance_text(row, demo=self.synthetic)
        return tables.table(p, caption=_tag("Progress against the target (straight-line trajectory rule)",
                                            self.synthetic),
                            formats=_one_decimal(["Baseline (pp)", "Goal (pp)", "Latest gap (pp)",
                                                  "Required now (pp)"]))

    def projection(self) -> pd.DataFrame | None:
        """The gap in the target's measure (as published) projected to the goal year: one
        :func:`healthintel.compare.forecast` row (NA with a reason when fewer than 5 academic years have a gap
        and CI); None when the target is for the other school year."""
        import warnings

        from ..compare.forecast import forecast
        from ..errors import SuppressionWarning

        if not len(self.progress):
            return None
        g = _floats(self.published_gaps())
        t = self.target
        with warnings.catch_warnings():  # the reason is in the table ("not enough data")
            warnings.simplefilter("ignore", SuppressionWarning)
            return forecast(g, period="academic_year", value="value", lower_ci="lower_ci", upper_ci="upper_ci",
                            goal_period=t["goal_period"], goal=t["goal_value"], polarity="low_is_good")

    def projection_note(self) -> str:
        """The projection's method note (markdown), saying when the gaps projected are synthetic."""
        data = ("This projection is of the synthetic extract: it shows the method, not the area's prospects. "
                if self.synthetic else "")
        return f"{data}{PROJECTION_METHOD}"

    # --- slope index of inequality ---------------------------------------------------------------------------

    def sii_chart(self, measure: str = "obesity") -> Chart:
        """Prevalence by quintile with the SII line, latest year."""
        from .. import charts

        q = _floats(self.quintile_frame(measure))
        s = self.sii[(self.sii["measure"] == measure) & (self.sii["academic_year"] == self.latest())]
        return charts.sii_chart(q, s, quantile="quintile", population="denominator", multiplier=-1,
                                area_name=self.place.name, unit="%", value_label=self._label(measure),
                                title=_title(f"Slope index of inequality, {self._label(measure)}"
                                             f" ({self._basis_short()} quintiles), {self.latest()}", self.synthetic))

    def sii_table(self) -> Styler:
        """The SII of obesity and overweight incl. obesity by year."""
        from .. import tables

        s = self.sii[["measure", "academic_year", "sii", "sii_lower_ci", "sii_upper_ci"]].copy()
        s["measure"] = s["measure"].map(self._label)
        s = s.rename(columns={"measure": "Measure", "academic_year": "Academic year", "sii": "SII (pp)",
                              "sii_lower_ci": "Lower 95% CI", "sii_upper_ci": "Upper 95% CI"})
        return tables.table(s, caption=_tag(f"Slope index of inequality across {self.basis_text} (positive = higher "
                                            "at the most deprived end)", self.synthetic),
                            formats=_one_decimal(["SII (pp)", *_CI_COLUMNS]))

    # --- districts -------------------------------------------------------------------------------------------

    def _district_word(self) -> str:
        return "district of residence" if self.cohort == "resident" else "district of the school"

    def district_frame(self) -> pd.DataFrame:
        """District prevalence for the latest year as published (NCMP rule; what the map and table show), districts
        in name order."""
        d = self.by_district[["lad_code", "lad_name", "numerator", "denominator", "value", "lower_ci", "upper_ci"]]
        d = d.sort_values("lad_name", key=lambda names: names.astype(str).str.casefold(), kind="stable")
        return _published_rates(d)

    def district_map(self) -> Chart | HTML:
        """Obesity by district (latest year; darker = higher obesity, the worse end); a note instead for a single
        local authority."""
        from .. import charts, tables
        from ..sources import readers

        d = _floats(self.district_frame().drop(columns="suppressed"))
        if len(d) < 2:
            return tables.HTML(
                f"<p><em>{self.place.name} is a single local authority: a map by district has one area "
                f"({_fmt(float(d['value'].iloc[0]) if len(d) else float('nan'))}% in {self.latest()}). "
                "Ward-level maps need a pupil-to-ward lookup that is not in the data mirror; LSOA-level "
                "prevalence is not published (small counts).</em></p>")
        shapes = readers.lad_boundaries()
        gdf = shapes.merge(d.drop(columns=["lad_name"]), on="lad_code", how="inner")
        gdf["value"] = gdf["value"].astype(float)
        return charts.choropleth(gdf, "value", area_name=self.place.name, label_col="lad_name", unit="%",
                                 value_label=f"{self.school_year} obesity", polarity="low_is_good",
                                 title=_title(f"{self.school_year} obesity by {self._district_word()}, "
                                              f"{self.latest()}", self.synthetic))

    def district_table(self) -> Styler:
        """Obesity by district (of residence, or of the school for the school cohort), latest year."""
        from .. import tables

        pub = self.district_frame()
        d = pub[["lad_name", "numerator", "denominator", "value", "lower_ci", "upper_ci"]]
        d = d.rename(columns={"lad_name": "District", "numerator": "Obese", "denominator": "Measured",
                              "value": "Obesity %", "lower_ci": "Lower 95% CI", "upper_ci": "Upper 95% CI"})
        return tables.table(d, caption=_tag(f"{self.school_year} obesity by {self._district_word()}, "
                                            f"{self.latest()}", self.synthetic),
                            formats=_one_decimal(["Obesity %", *_CI_COLUMNS]),
                            counts=["Obese", "Measured"], derived=["Obesity %", *_CI_COLUMNS],
                            suppressed=pub["suppressed"])

    # --- data quality ----------------------------------------------------------------------------------------

    def cohort_frame(self) -> pd.DataFrame:
        """Records by cohort category (rows) and academic year (columns), counts as published (NCMP rule)."""
        from .. import disclosure

        c = self.cohort_counts
        if not len(c):
            return pd.DataFrame(columns=["Records", "In the cohort"])
        wide = c.pivot_table(index=["category", "in_cohort"], columns="academic_year", values="records",
                             aggfunc="sum", observed=True, sort=False)
        order = [name for name, _ in obesity.COHORT_CATEGORIES]
        wide = wide.reset_index()
        wide["_order"] = wide["category"].map(order.index)
        wide = wide.sort_values("_order").drop(columns="_order")
        years = [y for y in wide.columns if y not in ("category", "in_cohort")]
        wide["in_cohort"] = np.where(wide["in_cohort"], "yes", "no")
        wide = wide.rename(columns={"category": "Records", "in_cohort": "In the cohort"})
        wide.columns = [str(col) for col in wide.columns]
        return disclosure.ncmp_counts(wide.reset_index(drop=True), [str(y) for y in years])

    def cohort_table(self) -> Styler:
        """Residents measured at schools elsewhere, non-residents at the area's schools and records without a
        usable home LSOA, by academic year (the cohort definition made visible)."""
        from .. import tables

        d = self.cohort_frame()
        years = [c for c in d.columns if c not in ("Records", "In the cohort")]
        return tables.table(d, caption=_tag(f"Who is in the cohort: {self.school_year} records by residence and "
                                            f"school, {self.place.name} ({self._cohort_phrase()})", self.synthetic),
                            counts=years)

    def cohort_markdown(self) -> str:
        """One paragraph on the cohort definition and the cross-boundary counts (all years analysed)."""
        elsewhere, visitors = _rounded(self._cohort_total(1)), _rounded(self._cohort_total(3))
        no_school = self._cohort_total(2)
        text = (f"The cohort is the {self._cohort_phrase()}. Over the years analysed about "
                f"{_fmt(elsewhere, 0)} residents were measured at schools outside {self.place.name} "
                f"({'included' if self.cohort == 'resident' else 'not included'}) and about {_fmt(visitors, 0)} "
                f"children living elsewhere at its schools "
                f"({'not included' if self.cohort == 'resident' else 'included'}).")
        if no_school:
            text += (" The extract does not say where some residents were measured (no school_lad_code), so those "
                     "counts are incomplete.")
        return text

    def exclusions_table(self) -> Styler:
        """Records of the cohort excluded before analysis, by first reason (NCMP rule: rounded counts)."""
        from .. import disclosure, tables

        e = disclosure.ncmp_counts(self.prepared.exclusions, ["records"],
                                   shares={"percent_of_records": ("records", self.prepared.n_records)})
        e = e.rename(columns={"reason": "Reason", "records": "Records", "percent_of_records": "% of all records"})
        total = _rounded(self.prepared.n_records)
        return tables.table(e, caption=_tag(f"Records excluded before analysis, by reason (first reason counted; "
                                            f"about {total:,.0f} records of the cohort)", self.synthetic),
                            formats={"% of all records": "{:.2f}"}, counts=["Records"], derived=["% of all records"])

    def flags_table(self) -> Styler:
        """Data-quality flags (records kept; NCMP rule: rounded counts)."""
        from .. import disclosure, tables

        analysed = int(len(self.prepared.pupils))
        f = disclosure.ncmp_counts(self.prepared.flags, ["records"],
                                   shares={"percent_of_analysed": ("records", analysed)})
        f = f.rename(columns={"check": "Check", "records": "Records", "percent_of_analysed": "% of analysed"})
        return tables.table(f, caption=_tag("Data-quality flags (records kept)", self.synthetic),
                            formats={"% of analysed": "{:.2f}"}, counts=["Records"], derived=["% of analysed"])

    # --- methods ---------------------------------------------------------------------------------------------

    def calibration_table(self) -> Styler | HTML:
        """The synthetic data's obesity by national IMD decile against the published England figures (a note for
        a real extract, which needs no calibration)."""
        from .. import tables

        if not self.synthetic or not len(self.calibration):
            return tables.HTML("")
        pub = _published_rates(self.calibration, "obese", "measured", "synthetic")
        keep = ((pub["decile"].isin([1, 10]) | pub["published"].notna())
                & pub["academic_year"].isin(self.academic_years[-3:])).to_numpy()
        pub = pub[keep]
        c = pub[["academic_year", "decile", "measured", "synthetic", "lower_ci", "upper_ci", "target", "published"]]
        c = c.rename(columns={"academic_year": "Academic year", "decile": "National IMD decile",
                              "measured": "Measured", "synthetic": "Synthetic %", "lower_ci": "Lower 95% CI",
                              "upper_ci": "Upper 95% CI", "target": "Calibrated expectation %",
                              "published": "Published England %"})
        return tables.table(c, caption=_tag("Calibration of the synthetic data: obesity by national IMD decile "
                                            "against its calibrated expectation (local published figures) and the "
                                            "published England gradient", self.synthetic),
                            formats=_one_decimal(["Synthetic %", *_CI_COLUMNS, "Calibrated expectation %",
                                                  "Published England %"]),
                            counts=["Measured"], derived=["Synthetic %", *_CI_COLUMNS],
                            suppressed=pub["suppressed"])

    def _deprivation_method(self) -> str:
        index = "IMD 2019" if self.prepared.vintage == "imd2019" else "IoD 2025"
        return (f"**Deprivation.** Children are placed by the {self.basis_text}. Quintile 1 is the most deprived. "
                + (f"Local quintiles rank the area's LSOAs by {index} score into five groups with equal numbers of "
                   "LSOAs (OHID rule)." if self.quintile_basis == "local" else
                   f"National quintiles are the published {index} ranks of England's LSOAs."))

    def _cohort_method(self) -> str:
        return ("**Cohort.** " + ("Children resident in the area: the home LSOA lies in it, wherever the school is "
                                  "(OHID: \"geographies are derived from the postcode of child residency; only "
                                  "children with valid geographical coding have been included\"). "
                                  if self.cohort == "resident" else
                                  "Pupils measured at the area's schools (school district from school_lad_code), "
                                  "wherever they live; OHID publishes by residence instead. ")
                + "The Data quality section counts residents measured at schools elsewhere and non-residents at "
                  "the area's schools.")

    def _synthetic_method(self) -> list[str]:
        if not self.synthetic:
            return []
        from ..synthetic import ncmp as synthetic_ncmp

        cal = synthetic_ncmp.local_calibration()
        return [
            "**Synthetic data.** Pupil-level NCMP data are not public, so this chapter runs on a seeded synthetic "
            f"extract (healthintel.synthetic.ncmp, version {synthetic_ncmp.VERSION}): real Kent and "
            "Medway LSOAs and populations (ONS mid-2019), BMI drawn from the published England gradient by national "
            "IMD decile, recalibrated to the local published figures: each district's obesity is the published "
            "Fingertips figure of the year (90323/90319, by residence), Year 6 excess weight the published district "
            "figure (20602, 2016/17 to 2018/19), and the England gradient is flattened (factor "
            f"{cal['slope']['Year 6']:.2f}) so that the Kent and Medway Year 6 gap in overweight including obesity "
            f"between local quintiles is the strategy's {synthetic_ncmp.LOCAL_GAP['value']:g} points in "
            f"{synthetic_ncmp.LOCAL_GAP['academic_year']} (the England gradient alone gives "
            f"{cal['england_gap']:.1f}). The target status on these data says \"demo\". England figures in the "
            "trend are real (Fingertips 90323/90319)."]

    def methods_markdown(self) -> str:
        """The methods notes: categories, deprivation, statistics, target, exclusions, disclosure (and synthetic)."""
        from .. import disclosure

        t = self.target
        text = [
            "**Weight categories.** UK90 BMI centile (Cole et al. 1995) with the NCMP population-monitoring "
            "thresholds: underweight ≤ 2nd centile; healthy weight 2nd < p < 85th; overweight 85th ≤ p < 95th; "
            "obesity ≥ 95th (including severe obesity ≥ 99.6th); overweight including obesity ≥ 85th. Where a record "
            "has no centile it is computed from height, weight and exact age (vectorised LMS, reference table read "
            "from the installed rcpchgrowth package). Age: (measurement date − birth date) / 365.25 when both dates "
            "are present, else (age in months + 0.5) / 12.",
            self._deprivation_method(),
            "**Statistics.** Prevalence with Wilson score 95% CIs; the gap (most minus least deprived quintile, "
            "percentage points) with Newcombe's hybrid score interval; the ratio with the Katz log interval; the "
            "slope index of inequality (Low & Low 2004) with simulated 95% limits, signed so that a positive value "
            "means higher prevalence at the most deprived end; the gap's trend by inverse-variance weighted "
            "regression on year (z-test). 2020/21 is absent: that collection was partial (COVID-19).",
            f"**Target.** {t['baseline_value']:g} percentage points in {t['baseline_period']} to "
            f"{t['goal_value']:g} by {t['goal_period']} (Kent and Medway Integrated Care Strategy, outcome 1.3: "
            "Year 6 overweight including obesity, top vs bottom local deprivation quintile). The baseline figure is "
            "not corroborated in any published source found; on track = at or below the straight line from baseline "
            "to goal in the latest year.",
            "**Exclusions.** Records from independent or special schools, repeated pupil records, records without "
            "sex, without "
            "BMI (or height and weight), with impossible values (height outside 70–200 cm, weight outside 8–200 kg, "
            "BMI outside 8–80), without a usable age when the centile must be computed, and without a known home "
            "LSOA are excluded and counted; extreme BMI z-scores (< −3 or > +4, NHS England's check) are flagged "
            "and kept.",
            self._cohort_method(),
            f"**Disclosure control.** {disclosure.ncmp_rule_text()} Gaps and ratios are computed from the published "
            "prevalences; the trend test and the slope index of inequality use the unrounded counts. No LSOA-level "
            "prevalence is published: the map aggregates to districts.",
            *self._synthetic_method(),
        ]
        return "\n\n".join(text)

    def provenance_extra(self) -> pd.DataFrame | None:
        """The analyst's extract in the provenance footer: file name, rows, SHA-256 (never its folders)."""
        if self.extract is None:
            return None
        return pd.DataFrame([{k: v for k, v in self.extract.items() if k not in ("file", "path")}])

    def author_placeholder(self) -> Block:
        """The placeholder callout for the JSNA author's commissioning context, services and recommendations."""
        from .. import report

        return report.callout_block(AUTHOR_PLACEHOLDER, kind="placeholder")


# --- build -----------------------------------------------------------------------------------------------------


def _resolve_target(target: Mapping[str, Any] | None) -> dict[str, Any]:
    t = {**obesity.DEFAULT_TARGET, **(target or {})}
    if t["measure"] not in MEASURES["population"]:
        raise InvalidInputError(f"target measure {t['measure']!r} is not one of {list(MEASURES['population'])}.")
    return t


def _years(records: pd.DataFrame, academic_years: Sequence[str] | None, school_year: str) -> list[str]:
    """The academic years to analyse: those named (each must be in the records), else every year the records
    hold for ``school_year``."""
    of_year = records[records["school_year"] == school_year]
    available = sorted(str(y) for y in of_year["academic_year"].dropna().unique())
    years = sorted(str(y) for y in academic_years) if academic_years else available
    unknown = [y for y in years if y not in available]
    if unknown or not years:
        raise InvalidInputError(f"academic_years {unknown or years} are not in the NCMP records for {school_year}; "
                                f"they have {available}. Leave academic_years empty to analyse every year the "
                                "records hold.")
    return years


def _inputs(ncmp_extract: str, records: pd.DataFrame | None, seed: int, vintage: str
            ) -> tuple[pd.DataFrame, str, dict[str, Any] | None]:
    """(records, vintage, extract provenance row): the analyst's extract (checked), records given, or the demo."""
    from .. import extracts
    from ..synthetic import ncmp as synthetic_ncmp

    if ncmp_extract and records is not None:
        raise InvalidInputError("give either ncmp_extract (a file) or records (a DataFrame), not both.")
    if ncmp_extract:
        frame, report = extracts.load_ncmp(ncmp_extract, vintage=vintage or "auto")
        return frame, report.vintage, {**extracts.provenance_row(report), "file": report.file.name,
                                       "path": str(Path(ncmp_extract).resolve())}
    if records is None:
        records = synthetic_ncmp.load(seed=seed)
    return records, vintage or "imd2019", None


def _check_demo_area(records: pd.DataFrame, place: geography.Area, school_year: str) -> None:
    """The synthetic demo holds Kent and Medway residents only: another area would be shown someone else's data."""
    from ..synthetic import ncmp as synthetic_ncmp

    if not records.attrs.get("synthetic"):
        return
    districts = [a for code in synthetic_ncmp.AREA_CODES for a in geography.districts_of(code)]
    if place.members == ("*",) or not set(place.members) <= {a.code for a in districts}:
        names = ", ".join(sorted(a.name for a in districts))
        raise AreaNotCoveredError(
            f"no {school_year} records for {place.name}: the synthetic demo extract holds children resident in "
            f"{names} (Kent and Medway only). Choose one of those areas, or give ncmp_extract (the area's "
            "pupil-level NCMP extract).")


def _district_prevalence(prep: obesity.Prepared, place: geography.Area, latest: str, cohort: str) -> pd.DataFrame:
    """Obesity in the latest year by district of residence (resident cohort) or of the school (school cohort)."""
    pupils = prep.pupils[prep.pupils["academic_year"] == latest]
    if cohort == "school":
        names = {code: a.name for code, a in geography.areas(prep.vintage).items()}
        pupils = pupils.assign(lad_code=pupils["school_lad_code"].astype(str),
                               lad_name=pupils["school_lad_code"].astype(str).map(names))
    by_lad = obesity.prevalence(pupils, by=["lad_code", "lad_name"], measures=["obesity"])
    return by_lad[by_lad["lad_code"].isin(place.members)].reset_index(drop=True)


def _progress(gaps: pd.DataFrame, target: dict[str, Any], school_year: str) -> pd.DataFrame:
    """Progress against the target from the *published* gaps (what the tables show), when the target applies."""
    if school_year != target["school_year"]:
        return pd.DataFrame()
    published = _floats(_published_gaps(gaps)).dropna(subset=["value"])
    return obesity.target_progress(published, target) if len(published) else pd.DataFrame()


def _sources(prep: obesity.Prepared, england: pd.DataFrame) -> tuple[str, ...]:
    from .. import deprivation
    from ..synthetic import ncmp as synthetic_ncmp

    own = synthetic_ncmp.SOURCES if prep.synthetic else deprivation.SOURCES[prep.vintage]
    return tuple(sorted(set(prep.sources) | set(england.attrs.get("sources", [])) | set(own)))


def build(*, area: str = "Kent and Medway", academic_years: Sequence[str] | None = (),
          school_year: str = "Year 6", quintile_basis: str = "local", target: Mapping[str, Any] | None = None,
          seed: int = 2026, ncmp_extract: str = "", cohort: str = "resident", records: pd.DataFrame | None = None,
          sii_repetitions: int = 20_000, vintage: str = "") -> ChildObesityChapter:
    """Compute everything the ``child_obesity`` chapter shows for ``area``.

    Parameters
    ----------
    area : str
        Area name or GSS code: its cohort is the children resident in it (or pupils at its schools, ``cohort``).
    academic_years : sequence of str, optional
        Academic years to analyse; empty (the default) or ``None``: every academic year the extract holds.
    school_year : {"Year 6", "Reception"}
    quintile_basis : {"local", "national"}
        Deprivation quintiles of the home LSOA ranked within the area, or England's quintiles.
    target : mapping, optional
        Gap target in percentage points, merged with :data:`healthintel.obesity.DEFAULT_TARGET` (Kent and Medway
        ICS outcome 1.3).
    seed : int
        Seed of the synthetic demonstration extract (used without ``ncmp_extract`` and ``records``).
    ncmp_extract : str
        Path of the analyst's pupil-level NCMP extract (CSV or parquet, the ``ncmp`` layout of
        :mod:`healthintel.extracts`, checked as ``healthintel data check ncmp FILE`` does); empty: the synthetic
        demo extract (:func:`healthintel.synthetic.ncmp.load`, Kent and Medway only).
    cohort : {"resident", "school"}
        Children resident in the area (home LSOA; OHID's definition, the default) or pupils measured at the
        area's schools (needs the ``school_lad_code`` column).
    records : DataFrame, optional
        Pupil records in memory (:data:`healthintel.obesity.NCMP_SCHEMA`) instead of a file.
    sii_repetitions : int
        Simulations for the SII's confidence limits.
    vintage : str
        Deprivation index: "imd2019" (LSOA 2011 codes) or "iod2025" (LSOA 2021); empty: the extract's codes decide
        (IMD 2019 for the demo).
    """
    records, vintage, extract = _inputs(ncmp_extract, records, seed, vintage)
    place = geography.resolve_area(area, vintage)
    if school_year not in obesity.SCHOOL_YEARS:
        raise InvalidInputError(f"school_year must be 'Reception' or 'Year 6'; got {school_year!r}.")
    qcol = obesity.quantile_column(quintile_basis, 5)  # validate before any work
    obesity.check_cohort(cohort)
    _check_demo_area(records, place, school_year)
    resolved = _resolve_target(target)
    years = _years(records, academic_years, school_year)
    chosen = records[records["academic_year"].isin(years) & (records["school_year"] == school_year)]
    chosen.attrs.update(records.attrs)
    selected = obesity.select_cohort(chosen, place, cohort=cohort, vintage=vintage)
    if selected.empty:
        raise AreaNotCoveredError(f"no {school_year} records of {place.name}'s {cohort} cohort in {years}: check the "
                                "area, the extract's home LSOA codes (lsoa_code) and, for cohort='school', "
                                "school_lad_code.")
    prep = obesity.add_local_quantiles(obesity.prepare(selected, vintage=vintage), place)
    basis = obesity.basis_label(quintile_basis, 5, vintage=vintage, area_name=place.name)
    england = obesity.published_prevalence(school_year)
    england = england[england["area_code"] == geography.ENGLAND]

    def gap(measure: str) -> pd.DataFrame:
        return obesity.deprivation_gap(prep, measure=measure, basis=quintile_basis, area_name=place.name)

    gaps = gap(resolved["measure"])
    sii = pd.concat([obesity.sii(prep, measure=m, basis=quintile_basis, area_name=place.name,
                                 repetitions=sii_repetitions, seed=seed)
                     for m in ("obesity", "overweight_incl_obesity")], ignore_index=True)
    return ChildObesityChapter(
        place=place, school_year=school_year, academic_years=tuple(years), quintile_basis=quintile_basis,
        basis_text=basis, target=resolved, prepared=prep,
        prevalence_trend=obesity.prevalence(prep, by=["academic_year"], measures=[
            "obesity", "overweight_incl_obesity", "severe_obesity", "healthy_weight"]),
        england=england,
        by_quintile=obesity.prevalence(prep, by=["academic_year", qcol],
                                       measures=["obesity", "overweight_incl_obesity"],
                                       basis=basis).rename(columns={qcol: "quintile"}),
        gaps=gaps, gaps_obesity=gap("obesity"),
        gaps_overweight=gaps if resolved["measure"] == "overweight_incl_obesity" else gap("overweight_incl_obesity"),
        gap_trend=obesity.gap_trend(gaps),
        progress=_progress(gaps, resolved, school_year),
        sii=sii,
        by_district=_district_prevalence(prep, place, years[-1], cohort),
        by_sex=obesity.prevalence(prep, by=["academic_year", "sex"], measures=["obesity"]),
        calibration=_calibration(prep, school_year),
        cohort=cohort, cohort_counts=obesity.cohort_counts(chosen, place, vintage=vintage, cohort=cohort),
        extract=extract,
        sources=_sources(prep, england),
        synthetic_note=SYNTHETIC_NOTE if prep.synthetic else "",
        provenance_notes=(
            "Area figures: synthetic data (healthintel.synthetic.ncmp). England figures: OHID Fingertips, real."
            if prep.synthetic else
            "Area figures: the pupil-level NCMP extract supplied (only aggregates, rounded as OHID publishes, are "
            "shown). England figures: OHID Fingertips, real."),
    )


def _calibration(prep: obesity.Prepared, school_year: str) -> pd.DataFrame:
    """The synthetic demo's calibration check (empty for real records)."""
    from ..synthetic import ncmp as synthetic_ncmp

    return synthetic_ncmp.calibration_check(prep, school_year=school_year) if prep.synthetic else pd.DataFrame()
