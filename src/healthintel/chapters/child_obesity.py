"""The ``child_obesity`` chapter: NCMP obesity by deprivation, the deprivation gap, its trend and the target.

:func:`build` prepares the pupil-level NCMP records of an area (by default the seeded synthetic demonstration
extract, :mod:`healthintel.synthetic.ncmp`: pupil-level NCMP data are not public), computes every result frame
with :mod:`healthintel.obesity` and returns a :class:`ChildObesityChapter`, whose methods give the chapter's
tables, markdown and figures:

>>> from healthintel import chapters
>>> ch = chapters.child_obesity.build(area="Medway")          # doctest: +SKIP
>>> ch.headline_markdown()                                     # doctest: +SKIP

Every caption and chart title of a chapter built on synthetic data carries "(synthetic data)"; England figures
are always the real published ones (Fingertips 90323 / 90319).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import geography, obesity
from ..errors import AreaNotCoveredError, InvalidInputError
from ..obesity import MEASURES
from .base import Chapter

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from ..charts.base import Chart
    from ..report import Block
    from ..tables import HTML

__all__ = ["ChildObesityChapter", "build", "ACADEMIC_YEARS", "SYNTHETIC_NOTE", "SYNTHETIC_TAG"]

#: The academic years the notebook analyses by default (2020/21, a partial COVID-19 collection, is absent).
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


@dataclass(frozen=True, eq=False, kw_only=True)
class ChildObesityChapter(Chapter):
    """Everything the child_obesity chapter shows for one area: result frames, and tables/charts on demand.

    Attributes
    ----------
    place : geography.Area
        The area (pupils are kept when their *school* is in it; deprivation is that of their *home* LSOA).
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

    def headline(self) -> dict[str, Any]:
        """The figures the headline quotes (also recorded in the notebook)."""
        tr = self.prevalence_trend
        ob = tr[(tr["measure"] == "obesity") & (tr["academic_year"] == self.latest())].iloc[0]
        g = self.gaps[self.gaps["academic_year"] == self.latest()].iloc[0]
        eng = self.england.set_index("academic_year")["value"].get(self.latest(), np.nan)
        shown = self.progress_shown()
        prog = shown.iloc[0] if len(shown) else None
        excl = self.prepared.exclusions
        return {
            "latest_year": self.latest(), "obesity": float(ob["value"]), "obesity_lower": float(ob["lower_ci"]),
            "obesity_upper": float(ob["upper_ci"]), "measured": int(ob["denominator"]),
            "england_obesity": float(eng), "gap": float(g["value"]), "gap_lower": float(g["lower_ci"]),
            "gap_upper": float(g["upper_ci"]), "ratio": float(g["ratio"]),
            "progress": None if prog is None else str(prog["progress"]),
            "required": None if prog is None else float(prog["required_value"]),
            "trend": str(self.gap_trend.iloc[0]["direction"]),
            "excluded": int(excl.loc[excl["reason"] != "records analysed", "records"].sum()),
            "analysed": int(excl.loc[excl["reason"] == "records analysed", "records"].iloc[0]),
            "records": int(self.prepared.n_records), "synthetic": bool(self.synthetic),
        }

    def recorded_values(self) -> dict[str, Any]:
        """What the notebook records: synthetic flag, latest obesity, the gap and its CI, progress, record counts."""
        h = self.headline()
        return {"synthetic": h["synthetic"], "obesity_latest": h["obesity"], "gap_latest": h["gap"],
                "gap_lower": h["gap_lower"], "gap_upper": h["gap_upper"], "progress": h["progress"],
                "records": h["records"], "excluded": h["excluded"], "analysed": h["analysed"]}

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

    def headline_markdown(self) -> str:
        """The headline paragraph: latest obesity against England, the gap, its trend, the target, exclusions."""
        h = self.headline()
        gap_name = self.measure_label(self.target["measure"])
        trend = self.gap_trend.iloc[0]
        lines = [
            f"**{self.place.name}, {self.school_year}, {h['latest_year']}** — "
            + ("figures below are **synthetic data** (a seeded demonstration extract), not real children." if
               self.synthetic else "pupil-level NCMP extract."),
            "",
            f"- **Obesity (incl. severe obesity): {_fmt(h['obesity'])}%** "
            f"({_ci(h['obesity_lower'], h['obesity_upper'])}) "
            f"of {h['measured']:,} children measured; England (real, Fingertips): {_fmt(h['england_obesity'])}%.",
            f"- **Deprivation gap in {gap_name}: {_fmt(h['gap'])} percentage points** "
            f"({_ci(h['gap_lower'], h['gap_upper'])}) between the most and least deprived quintiles — "
            f"{self.basis_text}; the most deprived quintile's prevalence is {_fmt(h['ratio'], 2)} times the least "
            "deprived's.",
            f"- **Trend in the gap** ({trend['first_period']} to {trend['last_period']}): {h['trend']}.",
            *self._target_line(h),
            f"- {h['excluded']:,} of {h['records']:,} records were excluded (reasons under *Data quality*).",
        ]
        return "\n".join(lines)

    # --- prevalence over time --------------------------------------------------------------------------------

    def trend_frame(self) -> pd.DataFrame:
        """Obesity by year with England's published value and the CI-overlap comparison with it."""
        from ..compare.benchmark import benchmark

        tr = self.prevalence_trend[self.prevalence_trend["measure"] == "obesity"].copy()
        eng = self.england.set_index("academic_year")["value"]
        tr["england"] = tr["academic_year"].map(eng).astype(float)
        tr = benchmark(tr, "england", method="ci_overlap_95", polarity="low_is_good")
        return tr.reset_index(drop=True)

    def trend_chart(self) -> Chart:
        """Obesity by year with 95% CIs against England (real)."""
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

        tr = self.trend_frame()[["academic_year", "numerator", "denominator", "value", "lower_ci", "upper_ci",
                                 "england", "benchmark"]]
        tr = tr.rename(columns={"academic_year": "Academic year", "numerator": "Obese", "denominator": "Measured",
                                "value": "Obesity %", "lower_ci": "Lower 95% CI", "upper_ci": "Upper 95% CI",
                                "england": "England % (real)", "benchmark": "Compared with England"})
        return tables.table(tr, caption=_tag(f"{self.school_year} obesity (incl. severe), {self.place.name}, by year",
                                             self.synthetic),
                            formats=_one_decimal(["Obesity %", *_CI_COLUMNS, "England % (real)"]),
                            counts=["Obese", "Measured"], derived=["Obesity %", *_CI_COLUMNS])

    def sex_table(self) -> Styler:
        """Obesity by year and sex."""
        from .. import tables

        d = self.by_sex[["academic_year", "sex", "numerator", "denominator", "value", "lower_ci", "upper_ci"]].copy()
        d["sex"] = d["sex"].str.capitalize()
        d = d.rename(columns={"academic_year": "Academic year", "sex": "Sex", "numerator": "Obese",
                              "denominator": "Measured", "value": "Obesity %", "lower_ci": "Lower 95% CI",
                              "upper_ci": "Upper 95% CI"})
        return tables.table(d, caption=_tag(f"{self.school_year} obesity (incl. severe) by sex, {self.place.name}",
                                            self.synthetic),
                            formats=_one_decimal(["Obesity %", *_CI_COLUMNS]),
                            counts=["Obese", "Measured"], derived=["Obesity %", *_CI_COLUMNS])

    # --- prevalence by deprivation quintile ------------------------------------------------------------------

    def quintile_frame(self, measure: str | None = None, year: str | None = None) -> pd.DataFrame:
        """Prevalence by quintile of one measure (default the target's) in one year (default the latest)."""
        measure = measure or self.target["measure"]
        q = self.by_quintile
        q = q[(q["measure"] == measure) & (q["academic_year"] == (year or self.latest()))]
        return q.sort_values("quintile").reset_index(drop=True)

    def gradient_chart(self, measure: str | None = None) -> Chart:
        """Prevalence by quintile (latest year) with the area's overall figure and the gap bracket."""
        from .. import charts

        measure = measure or self.target["measure"]
        q = self.quintile_frame(measure)
        overall = self.prevalence_trend
        ov = overall[(overall["measure"] == measure) & (overall["academic_year"] == self.latest())]["value"]
        return charts.deprivation_gradient(
            q, quantile="quintile", comparator=float(ov.iloc[0]) if len(ov) else None,
            comparator_name=f"{self.place.name} overall", area_name=self.place.name, unit="%",
            value_label=self._label(measure),
            title=_title(f"{self._label(measure)} by {self._basis_short()} quintile, {self.latest()}",
                         self.synthetic))

    def quintile_table(self) -> Styler:
        """Obesity and overweight incl. obesity by quintile, latest year."""
        from .. import tables

        rows = [self.quintile_frame(m).assign(Measure=self._label(m)) for m in ("obesity", "overweight_incl_obesity")]
        q = pd.concat(rows, ignore_index=True)[["Measure", "quintile", "numerator", "denominator", "value",
                                                "lower_ci", "upper_ci"]]
        q["quintile"] = q["quintile"].astype(int)
        q = q.rename(columns={"quintile": "Quintile (1 = most deprived)", "numerator": "Children",
                              "denominator": "Measured", "value": "%", "lower_ci": "Lower 95% CI",
                              "upper_ci": "Upper 95% CI"})
        return tables.table(q, caption=_tag(f"Prevalence by {self.basis_text}, {self.latest()}", self.synthetic),
                            formats=_one_decimal(["%", *_CI_COLUMNS]),
                            counts=["Children", "Measured"], derived=["%", *_CI_COLUMNS])

    # --- the gap over time and the target --------------------------------------------------------------------

    def gap_chart(self) -> Chart:
        """The gap in the target's measure by year against the target's straight-line trajectory."""
        from .. import charts

        t = self.target
        return charts.gap_trajectory(
            self.gaps, baseline=(t["baseline_period"], t["baseline_value"]), goal=(t["goal_period"], t["goal_value"]),
            area_name=self.place.name, value_label="Gap",
            title=_title(f"Gap in {self.measure_label(t['measure'])}, most minus least deprived quintile",
                         self.synthetic))

    def gap_frame(self) -> pd.DataFrame:
        """Both gaps (target's measure, obesity) by year with the target trajectory, in the table's columns."""
        g = pd.concat([frame.assign(Measure=self._label(frame["measure"].iloc[0]))
                       for frame in (self.gaps, self.gaps_obesity)], ignore_index=True)
        traj = obesity.trajectory(self.target, g["academic_year"])
        started = obesity.start_year(g["academic_year"]) >= float(str(self.target["baseline_period"])[:4])
        g["required"] = np.where((g["measure"] == self.target["measure"]) & started, traj["required"].to_numpy(),
                                 np.nan)
        g = g[["Measure", "academic_year", "numerator_most", "denominator_most", "most_deprived", "numerator_least",
               "denominator_least", "least_deprived", "value", "lower_ci", "upper_ci", "ratio", "ratio_lower_ci",
               "ratio_upper_ci", "required"]]
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
        num = [c for c in g.columns if c not in ("Measure", "Academic year")
               and not c.startswith(("Children", "Measured"))]
        return tables.table(g, caption=_tag(f"Deprivation gap (most minus least deprived quintile; "
                                            f"{self.basis_text}), Newcombe 95% CI; ratio with Katz 95% CI",
                                            self.synthetic),
                            formats={c: ("{:.2f}" if c.startswith("Ratio") else "{:.1f}") for c in num},
                            counts=["Children (most deprived)", "Measured (most deprived)", "Children (least deprived)",
                                    "Measured (least deprived)"], derived=num)

    def trend_test_markdown(self) -> str:
        """One sentence on the gap's trend (weighted regression on year, z-test)."""
        r = self.gap_trend.iloc[0]
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
        return tables.table(p, caption=_tag("Progress against the target (straight-line trajectory rule)",
                                            self.synthetic),
                            formats=_one_decimal(["Baseline (pp)", "Goal (pp)", "Latest gap (pp)",
                                                  "Required now (pp)"]))

    # --- slope index of inequality ---------------------------------------------------------------------------

    def sii_chart(self, measure: str = "obesity") -> Chart:
        """Prevalence by quintile with the SII line, latest year."""
        from .. import charts

        q = self.quintile_frame(measure)
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

    def district_frame(self) -> pd.DataFrame:
        """District prevalence for the latest year, after small-count suppression (what the map shows)."""
        from .. import disclosure

        d = self.by_district[["lad_code", "lad_name", "numerator", "denominator", "value", "lower_ci", "upper_ci"]]
        return disclosure.suppress_small_counts(d, ["numerator", "denominator"],
                                                derived=["value", "lower_ci", "upper_ci"])

    def district_map(self) -> Chart | HTML:
        """Obesity by district (latest year); a note instead for a single local authority."""
        from .. import charts, tables
        from ..sources import readers

        d = self.district_frame()
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
                                 value_label=f"{self.school_year} obesity",
                                 title=_title(f"{self.school_year} obesity by district, {self.latest()}",
                                              self.synthetic))

    def district_table(self) -> Styler:
        """Obesity by district of the school, latest year."""
        from .. import tables

        d = self.by_district[["lad_name", "numerator", "denominator", "value", "lower_ci", "upper_ci"]]
        d = d.rename(columns={"lad_name": "District", "numerator": "Obese", "denominator": "Measured",
                              "value": "Obesity %", "lower_ci": "Lower 95% CI", "upper_ci": "Upper 95% CI"})
        return tables.table(d, caption=_tag(f"{self.school_year} obesity by district of the school, {self.latest()}",
                                            self.synthetic),
                            formats=_one_decimal(["Obesity %", *_CI_COLUMNS]),
                            counts=["Obese", "Measured"], derived=["Obesity %", *_CI_COLUMNS])

    # --- data quality ----------------------------------------------------------------------------------------

    def exclusions_table(self) -> Styler:
        """Records excluded before analysis, by first reason."""
        from .. import tables

        e = self.prepared.exclusions.rename(columns={"reason": "Reason", "records": "Records",
                                                     "percent_of_records": "% of all records"})
        return tables.table(e, caption=_tag(f"Records excluded before analysis, by reason (first reason counted; "
                                            f"{self.prepared.n_records:,} records in the extract)", self.synthetic),
                            formats={"% of all records": "{:.2f}"}, counts=["Records"], derived=["% of all records"])

    def flags_table(self) -> Styler:
        """Data-quality flags (records kept)."""
        from .. import tables

        f = self.prepared.flags.rename(columns={"check": "Check", "records": "Records",
                                                "percent_of_analysed": "% of analysed"})
        return tables.table(f, caption=_tag("Data-quality flags (records kept)", self.synthetic),
                            formats={"% of analysed": "{:.2f}"}, counts=["Records"], derived=["% of analysed"])

    # --- methods ---------------------------------------------------------------------------------------------

    def calibration_table(self) -> Styler:
        """The synthetic data's obesity by national IMD decile against its calibrated expectation and the published
        England figures (the gradient the calibration starts from)."""
        from .. import tables

        c = self.calibration
        c = c[c["decile"].isin([1, 10]) | c["published"].notna()]
        c = c[c["academic_year"].isin(self.academic_years[-3:])][
            ["academic_year", "decile", "measured", "synthetic", "lower_ci", "upper_ci", "target", "published"]]
        c = c.rename(columns={"academic_year": "Academic year", "decile": "National IMD decile",
                              "measured": "Measured", "synthetic": "Synthetic %", "lower_ci": "Lower 95% CI",
                              "upper_ci": "Upper 95% CI", "target": "Calibrated expectation %",
                              "published": "Published England %"})
        return tables.table(c, caption=_tag("Calibration of the synthetic data: obesity by national IMD decile "
                                            "against its calibrated expectation (local published figures) and the "
                                            "published England gradient", self.synthetic),
                            formats=_one_decimal(["Synthetic %", *_CI_COLUMNS, "Calibrated expectation %",
                                                  "Published England %"]),
                            counts=["Measured"], derived=["Synthetic %", *_CI_COLUMNS])

    def _deprivation_method(self) -> str:
        return (f"**Deprivation.** Children are placed by the {self.basis_text}. Quintile 1 is the most deprived. "
                + ("Local quintiles rank the area's LSOAs by IMD 2019 score into five groups with equal numbers of "
                   "LSOAs (OHID rule)." if self.quintile_basis == "local" else
                   "National quintiles are the published IMD 2019 ranks of all 32,844 LSOAs in England."))

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
            "**Exclusions.** Records from independent or special schools, duplicates, records without sex, without "
            "BMI (or height and weight), with impossible values (height outside 70–200 cm, weight outside 8–200 kg, "
            "BMI outside 8–80), without a usable age when the centile must be computed, and without a known home "
            "LSOA are excluded and counted; extreme BMI z-scores (< −3 or > +4, NHS England's check) are flagged "
            "and kept.",
            f"**Disclosure control.** {disclosure.rule_text(disclosure.threshold())} No LSOA-level prevalence is "
            "published: the map aggregates to districts.",
            *self._synthetic_method(),
        ]
        return "\n\n".join(text)

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


def _years(records: pd.DataFrame, academic_years: Sequence[str] | None) -> list[str]:
    available = sorted(records["academic_year"].dropna().unique())
    years = sorted(academic_years) if academic_years else available
    unknown = [y for y in years if y not in available]
    if unknown:
        raise InvalidInputError(f"academic_years {unknown} are not in the NCMP records; they have {available} "
                                "(2020/21, a partial COVID-19 collection, is not in the synthetic data).")
    return years


def _select(records: pd.DataFrame, place: geography.Area, years: list[str], school_year: str) -> pd.DataFrame:
    """The records of pupils at the area's schools (all records without ``school_lad_code``) in the years."""
    in_area = records["school_lad_code"].isin(place.members) if "school_lad_code" in records else \
        pd.Series(True, index=records.index)
    sel = records[in_area & records["academic_year"].isin(years) & (records["school_year"] == school_year)]
    sel.attrs.update(records.attrs)
    if sel.empty:
        raise _not_covered(records, place, years, school_year)
    return sel


def _not_covered(records: pd.DataFrame, place: geography.Area, years: list[str], school_year: str) -> Exception:
    """The error for an area the records do not cover, naming the areas they do (never another area's figures
    under this one's name)."""
    codes = sorted(set(records.get("school_lad_code", pd.Series(dtype=object)).dropna().astype(str)))
    names = [geography.resolve_area(c).name for c in codes[:15]]
    covered = (", ".join(names) + (f" and {len(codes) - 15} more" if len(codes) > 15 else "")) or "no district"
    synthetic = " (the synthetic demo covers Kent and Medway only)" if records.attrs.get("synthetic") else ""
    return AreaNotCoveredError(f"no {school_year} records for {place.name} in {years}: the NCMP records cover "
                               f"{covered}{synthetic}. Choose one of those areas, or give the records of "
                               f"{place.name}'s pupils.")


def _district_prevalence(prep: obesity.Prepared, place: geography.Area, latest: str) -> pd.DataFrame:
    pupils = prep.pupils[prep.pupils["academic_year"] == latest]
    by_lad = obesity.prevalence(pupils, by=["lad_code", "lad_name"], measures=["obesity"])
    return by_lad[by_lad["lad_code"].isin(place.members)].reset_index(drop=True)


def build(*, area: str = "Kent and Medway", academic_years: Sequence[str] | None = ACADEMIC_YEARS,
          school_year: str = "Year 6", quintile_basis: str = "local", target: Mapping[str, Any] | None = None,
          seed: int = 2026, records: pd.DataFrame | None = None, sii_repetitions: int = 20_000,
          vintage: str = "imd2019") -> ChildObesityChapter:
    """Compute everything the ``child_obesity`` chapter shows for ``area``.

    Parameters
    ----------
    area : str
        Area name or GSS code ("Kent and Medway", "Kent", "Medway" or a Kent district): pupils at its schools.
    academic_years : sequence of str, optional
        Academic years to analyse (default the seven of the demo extract; ``None``: every year in the records).
    school_year : {"Year 6", "Reception"}
    quintile_basis : {"local", "national"}
        IMD 2019 quintiles ranked within the area, or England's quintiles.
    target : mapping, optional
        Gap target in percentage points, merged with :data:`healthintel.obesity.DEFAULT_TARGET` (Kent and Medway
        ICS outcome 1.3).
    seed : int
        Seed of the synthetic demonstration extract (used when ``records`` is not given).
    records : DataFrame, optional
        A pupil-level NCMP extract (:data:`healthintel.obesity.NCMP_SCHEMA`); default the seeded synthetic
        demo extract (:func:`healthintel.synthetic.ncmp.load`).
    sii_repetitions : int
        Simulations for the SII's confidence limits.
    vintage : str
        Deprivation index ("imd2019").
    """
    from ..synthetic import ncmp as synthetic_ncmp

    place = geography.resolve_area(area, vintage)
    if school_year not in obesity.SCHOOL_YEARS:
        raise InvalidInputError(f"school_year must be 'Reception' or 'Year 6'; got {school_year!r}.")
    qcol = obesity.quantile_column(quintile_basis, 5)  # validate before any work
    resolved = _resolve_target(target)
    if records is None:
        records = synthetic_ncmp.load(seed=seed)
    years = _years(records, academic_years)
    prep = obesity.add_local_quantiles(obesity.prepare(_select(records, place, years, school_year),
                                                       vintage=vintage), place)
    basis = obesity.basis_label(quintile_basis, 5, vintage=vintage, area_name=place.name)
    england = obesity.published_prevalence(school_year)
    england = england[england["area_code"] == geography.ENGLAND]
    gaps = obesity.deprivation_gap(prep, measure=resolved["measure"], basis=quintile_basis, area_name=place.name)
    sii = pd.concat([obesity.sii(prep, measure=m, basis=quintile_basis, area_name=place.name,
                                 repetitions=sii_repetitions, seed=seed)
                     for m in ("obesity", "overweight_incl_obesity")], ignore_index=True)
    sources = sorted(set(prep.sources) | set(england.attrs.get("sources", [])) | set(synthetic_ncmp.SOURCES))
    return ChildObesityChapter(
        place=place, school_year=school_year, academic_years=tuple(years), quintile_basis=quintile_basis,
        basis_text=basis, target=resolved, prepared=prep,
        prevalence_trend=obesity.prevalence(prep, by=["academic_year"], measures=[
            "obesity", "overweight_incl_obesity", "severe_obesity", "healthy_weight"]),
        england=england,
        by_quintile=obesity.prevalence(prep, by=["academic_year", qcol],
                                       measures=["obesity", "overweight_incl_obesity"],
                                       basis=basis).rename(columns={qcol: "quintile"}),
        gaps=gaps,
        gaps_obesity=obesity.deprivation_gap(prep, measure="obesity", basis=quintile_basis, area_name=place.name),
        gap_trend=obesity.gap_trend(gaps),
        progress=(obesity.target_progress(gaps, resolved) if school_year == resolved["school_year"]
                  else pd.DataFrame()),
        sii=sii,
        by_district=_district_prevalence(prep, place, years[-1]),
        by_sex=obesity.prevalence(prep, by=["academic_year", "sex"], measures=["obesity"]),
        calibration=synthetic_ncmp.calibration_check(prep, school_year=school_year),
        sources=tuple(sources),
        synthetic_note=SYNTHETIC_NOTE if prep.synthetic else "",
        provenance_notes=(
            "Area figures: synthetic data (healthintel.synthetic.ncmp). England figures: OHID Fingertips, real."
            if prep.synthetic else
            "Area figures: the pupil-level NCMP extract supplied. England figures: OHID Fingertips, real."),
    )
