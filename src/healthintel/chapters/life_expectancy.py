"""The ``life_expectancy`` chapter: life expectancy and inequalities in life expectancy for one area.

:func:`build` chooses the chapter's input — the analyst's deaths and population extracts (``deaths_extract``,
``population_extract``: the layouts of :mod:`healthintel.extracts`, checked as ``healthintel data check`` does)
or, without them, the seeded synthetic deaths of :mod:`healthintel.synthetic.deaths` (deaths by LSOA are not
published) — computes every result frame with :mod:`healthintel.life_expectancy` and returns a
:class:`LifeExpectancyChapter`, whose methods give the chapter's tables, markdown and figures:

>>> from healthintel import chapters
>>> ch = chapters.life_expectancy.build(area="Medway", repetitions=1000)   # doctest: +SKIP
>>> ch.summary_markdown()                                                   # doctest: +SKIP

On the demo every caption and chart title carries "(synthetic data)": the deaths are simulated, while
populations, deprivation and boundaries are real. With extracts the figures are labelled real and the provenance
footer names the files (name, rows, SHA-256; never their folders). The pooled period defaults to the latest
3-year period the deaths' registration years cover. England's life expectancy at birth is the published one (OHID
Fingertips 90366, read from the data mirror or kit) for every period it is published, labelled so; the G.2 goals
are those of :func:`healthintel.compare.area_targets` (the outcomes tracker states the same), and their status on
synthetic deaths says "demo".
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import charts, geography, tables
from .. import life_expectancy as le
from ..errors import InvalidInputError
from ..sources import published
from ..synthetic import deaths as synthetic_deaths
from .base import Chapter, figure
from .projections import PROJECTION_METHOD, chance_text, projected_header, projected_text

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from ..charts.base import Chart

__all__ = ["LifeExpectancyChapter", "build", "PROVENANCE_NOTES"]

#: The sentence under the provenance table (synthetic demo).
PROVENANCE_NOTES = ("Deaths are synthetic (seeded simulation calibrated to published figures); populations, "
                    "deprivation and boundaries are real; England's life expectancy at birth is the published "
                    "Fingertips 90366 value where published.")
#: The sentence under the provenance table (the analyst's extracts).
EXTRACT_PROVENANCE_NOTES = ("Deaths and populations: the record-level extracts supplied (only aggregates are shown); "
                            "deprivation and boundaries are real published data; England's life expectancy at birth "
                            "is the published Fingertips 90366 value where published.")
#: Appended to captions and titles of a chapter on synthetic deaths.
SYNTHETIC_TAG = " (synthetic data)"
#: Fingertips indicator of the published England life expectancy at birth.
ENGLAND_LE_ID = 90366
#: Label of England's line and column where its values are the published ones.
ENGLAND_PUBLISHED = f"England (published, Fingertips {ENGLAND_LE_ID})"

_ONE_DECIMAL = "{:.1f}"
#: The tables' column of life expectancy and of its confidence limits.
_LE = "Life expectancy (years)"
_CI_HEADERS = ("Lower 95% CI", "Upper 95% CI")
#: The targets table: result columns -> headers, in the table's order.
_TARGET_HEADERS = {"name": "Target", "baseline_period": "Baseline period", "baseline_value": "Baseline (years)",
                   "baseline_source": "Baseline from", "goal_text": "Goal", "latest_period": "Latest period",
                   "latest_value": "Latest (years)", "required_value": "Required now (years)",
                   "progress": "Progress"}


def _f(x: Any) -> str:
    return "–" if x is None or pd.isna(x) else f"{float(x):.1f}"


def _ages(le_age: pd.Series) -> list[str]:
    """"birth" or "age 65": the age life expectancy is measured from, as the tables write it."""
    return ["birth" if int(a) == 0 else f"age {int(a)}" for a in le_age]


def _ci(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """The frame's 95% confidence limits under the tables' headers."""
    return dict(zip(_CI_HEADERS, (frame["lower_ci"], frame["upper_ci"])))


def _years(*columns: str) -> dict[str, str]:
    """One decimal place (years of life expectancy) for each of ``columns``."""
    return dict.fromkeys(columns, _ONE_DECIMAL)


def _name_order(column: pd.Series) -> pd.Series:
    """Sort key: names in alphabetical order whatever their case (other columns unchanged)."""
    return column.str.casefold() if column.name == "area_name" else column


def _sex_of(target_id: str) -> str:
    return "Male" if target_id.endswith("M") else "Female"


@dataclass(frozen=True, eq=False, kw_only=True)
class LifeExpectancyChapter(Chapter):
    """Everything the life expectancy chapter shows for one area, period and set of sexes.

    Attributes
    ----------
    place : the area; period : the 3-year period shown in detail ("2017-19"); sexes : "Male" and/or "Female";
    decile_basis : "local" (deciles within the area) or "national" (England's IMD deciles).
    headline ... suppressed : the result frames of :class:`healthintel.life_expectancy.LifeExpectancyResults`.
    """

    place: geography.Area
    period: str
    sexes: tuple[str, ...]
    decile_basis: str
    headline: pd.DataFrame
    trend: pd.DataFrame
    england_trend: pd.DataFrame
    deciles: pd.DataFrame
    gap: pd.DataFrame
    sii: pd.DataFrame
    sii_trend: pd.DataFrame
    districts: pd.DataFrame
    comparators: pd.DataFrame
    targets: pd.DataFrame
    suppressed: pd.DataFrame
    periods: tuple[str, ...] = ()
    extracts: tuple[dict[str, Any], ...] = ()
    england_note: str = ""

    def _tag(self, text: str) -> str:
        """``text`` with " (synthetic data)" on the demo, unchanged on real extracts."""
        return text + SYNTHETIC_TAG if self.synthetic else text

    def single_period_note(self) -> str:
        """Why there is no trend when the data give one period ("" otherwise)."""
        if len(self.periods) > 1:
            return ""
        return (f"The data give one period ({self.period}), so the trend charts show a single point and there is "
                "no trend: a trend needs deaths for more registration years.")

    def source_label(self) -> str:
        """Where the deaths and populations come from, for figures.json."""
        if self.extracts:
            return "; ".join(f"{e['kind']} extract {e['file']} (SHA-256 {e['SHA-256'][:12]}…)" for e in self.extracts)
        return "synthetic demo deaths (healthintel.synthetic.deaths) with real ONS mid-2019 populations"

    def figures(self) -> list[dict[str, Any]]:
        """figures.json: LE at birth and at 65, the SII and the decile gap in LE at birth, by sex, in the period."""
        out = []
        for sex in self.sexes:
            s = sex.lower()
            rows = (("le_birth", self.headline, 0), ("le_65", self.headline, 65), ("sii_le_birth", self.sii, 0),
                    ("gap_le_birth", self.gap, 0))
            for name, frame, age in rows:
                r = frame[(frame["sex"] == sex) & (frame["le_age"] == age)]
                value, lo, hi = ((r["value"].iloc[0], r["lower_ci"].iloc[0], r["upper_ci"].iloc[0]) if len(r)
                                 else (None, None, None))
                out.append(figure(f"{name}_{s}", value, lower_ci=lo, upper_ci=hi, unit="years", period=self.period,
                                  source=self.source_label()))
        return out

    def provenance_extra(self) -> pd.DataFrame | None:
        """The analyst's extracts in the provenance footer: file name, rows, SHA-256 (never their folders)."""
        if not self.extracts:
            return None
        return pd.DataFrame([{k: v for k, v in e.items() if k not in ("file", "kind", "path")}
                             for e in self.extracts])

    # ---- single values ---------------------------------------------------------------------------------------
    def value(self, sex: str, le_age: int = 0) -> float:
        """Life expectancy at ``le_age`` (0 or 65) of ``sex`` in the period (NaN when not computed)."""
        r = self.headline[(self.headline["sex"] == sex) & (self.headline["le_age"] == le_age)]
        return float(r["value"].iloc[0]) if len(r) else float("nan")

    def sii_value(self, sex: str) -> float:
        """The slope index of inequality in LE at birth of ``sex`` in the period."""
        r = self.sii[(self.sii["sex"] == sex) & (self.sii["le_age"] == 0)]
        return float(r["value"].iloc[0]) if len(r) else float("nan")

    def gap_value(self, sex: str) -> float:
        """The gap in LE at birth between the least and most deprived decile, ``sex``, in the period."""
        r = self.gap[(self.gap["sex"] == sex) & (self.gap["le_age"] == 0)]
        return float(r["value"].iloc[0]) if len(r) else float("nan")

    def recorded_values(self) -> dict[str, Any]:
        """``le_birth``, ``le_65``, ``sii``, ``gap`` (each by sex), the sorted ``suppression_reasons`` and the
        extracts as ``render_inputs`` (path and SHA-256: ``healthintel render`` re-renders when a file changes)."""
        return {
            "le_birth": {s: self.value(s) for s in self.sexes},
            "le_65": {s: self.value(s, 65) for s in self.sexes},
            "sii": {s: self.sii_value(s) for s in self.sexes},
            "gap": {s: self.gap_value(s) for s in self.sexes},
            "suppression_reasons": sorted(set(self.suppressed["reason"])),
            "render_inputs": [{"path": e["path"], "sha256": e["SHA-256"]} for e in self.extracts],
        }

    # ---- selections ------------------------------------------------------------------------------------------
    def trend_for(self, sex: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """LE at birth of ``sex`` in every period: the area's and England's."""
        t = self.trend[(self.trend["sex"] == sex) & (self.trend["le_age"] == 0)]
        e = self.england_trend[(self.england_trend["sex"] == sex) & (self.england_trend["le_age"] == 0)]
        return t, e

    def england_label(self, le_age: int = 0) -> str:
        """"England (published, Fingertips 90366)" when every England value at ``le_age`` shown is the published
        one; "England (published where available)" when some are; else "England" (computed from the deaths)."""
        src = self.england_trend.get("england_source")
        if src is None:
            return "England"
        src = src[self.england_trend["le_age"] == le_age]
        if len(src) and (src == "published").all():
            return ENGLAND_PUBLISHED
        return "England (published where available)" if (src == "published").any() else "England"

    def targets_shown(self) -> pd.DataFrame:
        """:attr:`targets` as the chapter states them: on synthetic deaths the status reads "demo (…)"."""
        if not self.synthetic:
            return self.targets
        return self.targets.assign(progress="demo (" + self.targets["progress"].astype(str) + ")")

    def deciles_for(self, le_age: int = 0) -> pd.DataFrame:
        """LE by decile at ``le_age`` in the period."""
        return self.deciles[self.deciles["le_age"] == le_age]

    def _districts_at_birth(self, sex: str) -> pd.DataFrame:
        return self.districts[(self.districts["sex"] == sex) & (self.districts["le_age"] == 0)]

    # ---- markdown ----------------------------------------------------------------------------------------------
    def _summary_line(self, sex: str) -> str | None:
        h = self.headline[(self.headline["sex"] == sex) & (self.headline["le_age"] == 0)]
        if not len(h):
            return None
        r = h.iloc[0]
        return (
            f"- {sex}: life expectancy at birth {_f(r['value'])} years (95% CI {_f(r['lower_ci'])}-"
            f"{_f(r['upper_ci'])}), {self.england_label()} {_f(r['comparator_value'])}: "
            f"**{r['benchmark'].lower()}**; gap between "
            f"most and least deprived {self.decile_basis} decile {_f(self.gap_value(sex))} years; SII "
            f"{_f(self.sii_value(sex))} years.")

    def summary_markdown(self) -> str:
        """The headline paragraph: LE at birth by sex against England, the decile gap and the SII."""
        source = ("synthetic data: illustrative deaths calibrated to published figures, not real deaths"
                  if self.synthetic else "deaths and populations from the extracts supplied")
        lines = [f"**{self.place.name}, {self.period}** ({source})."]
        lines += [line for line in map(self._summary_line, self.sexes) if line is not None]
        lines += [f"- {note}" for note in (self.single_period_note(), self.england_note) if note]
        return "\n".join(lines)

    def _data_method(self) -> str:
        if self.synthetic:
            return (
                "**Synthetic data.** Deaths by LSOA are not published. These deaths are simulated (seeded) from the "
                "real ONS mid-2019 LSOA populations (used for every year 2015-2024), real ONS 2014 age-specific death "
                "rates and a deprivation gradient, calibrated so that England's SII and decile gap match ONS "
                "(9.4/7.6 and 9.7/7.9 years, males/females) and each Kent district's and Medway's life expectancy "
                "and SII match Fingertips 90366/92901. Use the methods, not the numbers.")
        files = "; ".join(f"{e['kind']}: {e['file']} ({e['Source'].rsplit('(', 1)[-1].rstrip(')')}, SHA-256 "
                          f"{e['SHA-256']})" for e in self.extracts)
        return (f"**Data.** {files}. Deaths are counted by calendar year of registration and LSOA of usual "
                "residence, populations are the mid-year estimates supplied for the same years; both are checked "
                "as `healthintel data check` does (nothing dropped or summed silently). "
                + (self.england_note or "England's figures are computed from the same extracts (they cover every "
                                        "English LSOA)."))

    def methods_markdown(self) -> str:
        """How the figures are computed, and where the deaths come from (the extracts, or the synthetic demo)."""
        basis = ("ranked within the area, as Fingertips 92901" if self.decile_basis == "local" else "England-wide")
        return (
            "Life expectancy is computed with the Chiang II abridged life table (20 age bands, <1 ... 90+) and "
            "Silcocks et al.'s confidence limits, as OHID Fingertips does, from deaths and mid-year populations "
            f"pooled over {len(le.period_years(self.period))} calendar year(s) ({self.period}). Deprivation deciles "
            f"use IMD 2019 on LSOA 2011: **{self.decile_basis}** deciles ({basis}); "
            "deaths and populations are summed to each decile before the life table. The gap is the least minus "
            "the most deprived decile (95% CI from the two standard errors); the slope index of inequality (SII) "
            "is the weighted regression of decile LE on the deciles' population mid-point ranks (Low & Low 2004) "
            "with limits simulated from the decile CIs. England comparison: Fingertips 95% CI overlap against "
            f"England's published life expectancy at birth (OHID Fingertips {ENGLAND_LE_ID}, every period it is "
            "published; otherwise, and at 65, England is computed from the England-wide deaths). Targets: the Kent "
            "and Medway outcome framework (G.2), straight-line trajectory from the 2018-20 baseline, which is the "
            "area's published value (as in the outcomes tracker); where none is published the goal stays a change "
            "with no number.\n\n"
            + self._data_method())

    def suppression_markdown(self) -> str:
        """Every suppressed value with its reason and table, or (none suppressed) when values would be withheld."""
        if not len(self.suppressed):
            return "\n".join(["No value in this chapter was suppressed. Values are withheld when:",
                              *(f"- **{r}**: {e}" for r, e in le.SUPPRESSION_EXPLAINED.items())])
        lines = ["Some values are not shown. Each reason, the table it affects and why:"]
        for r in self.suppressed.itertuples():
            lines.append(f"- **{r.reason}** — {r.values} value(s) in *{r.table}*: {r.explanation}")
        return "\n".join(lines)

    # ---- tables ------------------------------------------------------------------------------------------------
    def headline_table(self) -> Styler:
        """LE at birth and at 65 by sex with CIs, England's value and the benchmark."""
        h = self.headline
        frame = pd.DataFrame({
            "Sex": h["sex"], "Life expectancy at": _ages(h["le_age"]), _LE: h["value"], **_ci(h),
            "England (years)": h["comparator_value"],
            "England's figure": [self.england_label(int(a)) for a in h["le_age"]],
            "Compared with England": h["benchmark"]})
        caption = self._tag(f"Life expectancy (years), {self.place.name}, {self.period}")
        return tables.table(frame, caption=caption, formats=_years(_LE, *_CI_HEADERS, "England (years)"))

    def decile_table(self) -> Styler:
        """LE by deprivation decile with deaths and population used (small death counts suppressed)."""
        d = self.deciles.sort_values(["sex", "le_age", "decile"], kind="stable")
        frame = pd.DataFrame({
            "Sex": d["sex"], "Life expectancy at": _ages(d["le_age"]),
            "Decile (1 = most deprived)": d["decile"].astype(int), _LE: d["value"], **_ci(d),
            "Deaths": d["deaths_used"], "Population (person-years)": d["population_used"],
            "Not shown because": d["suppression_reason"]})
        return tables.table(frame, caption=self._tag(f"Life expectancy by {self.decile_basis} deprivation decile, "
                                                     f"{self.period}"),
                            formats={**_years(_LE, *_CI_HEADERS), "Population (person-years)": "{:,.0f}"},
                            counts=["Deaths"])

    def gap_sii_table(self) -> Styler:
        """The gap (decile 10 minus 1) and the SII with CIs, by sex and age."""
        both = pd.concat([self.gap.assign(measure="Gap (least − most deprived decile)"),
                          self.sii.assign(measure="Slope index of inequality")], ignore_index=True)
        frame = pd.DataFrame({"Measure": both["measure"], "Sex": both["sex"],
                              "Life expectancy at": _ages(both["le_age"]), "Years": both["value"], **_ci(both)})
        return tables.table(frame, caption=self._tag(f"Gap and SII in life expectancy (years), {self.period}"),
                            formats=_years("Years", *_CI_HEADERS))

    def targets_table(self) -> Styler:
        """Baseline, goal, latest and required values of each G.2 target with its progress, the projection of the
        recent trend to the goal period and the chance of meeting the goal (:meth:`projections`)."""
        shown = self.targets_shown()
        renamed = shown.rename(columns=_TARGET_HEADERS)
        frame = renamed[[c for c in _TARGET_HEADERS.values() if c in renamed]].copy()
        proj = self.projections().set_index("id").reindex(shown["id"])
        rows = [r for _, r in proj.iterrows()]
        frame[projected_header(shown["goal_period"])] = [projected_text(r, demo=self.synthetic) for r in rows]
        frame["Chance of meeting the goal"] = [chance_text(r, demo=self.synthetic) for r in rows]
        return tables.table(frame, caption=self._tag("Progress against the outcome-framework targets"),
                            formats=_years("Baseline (years)", "Latest (years)", "Required now (years)"))

    def projections(self) -> pd.DataFrame:
        """Each G.2 target's series (LE at birth, or its SII, by sex, every period of the chapter) projected to
        the goal period: :func:`healthintel.compare.forecast` rows with ``id`` (NA with a reason when fewer
        than 5 periods have a value and CI)."""
        import warnings

        from ..compare.forecast import forecast
        from ..errors import SuppressionWarning

        t = self.targets
        at_birth = self.trend[self.trend["le_age"] == 0]
        sii = self.sii_trend[self.sii_trend["le_age"] == 0] if "le_age" in self.sii_trend else self.sii_trend
        obs = pd.concat([at_birth.assign(id="G.2-LE-" + at_birth["sex"].str[0]),
                         sii.assign(id="G.2-SII-" + sii["sex"].str[0])], ignore_index=True)
        obs = obs[["id", "period", "value", "lower_ci", "upper_ci"]].merge(
            t[["id", "goal_period", "goal_value", "polarity"]], on="id", how="inner")
        if obs.empty:
            return pd.DataFrame(columns=["id", "projected_value", "reason"])
        with warnings.catch_warnings():  # the reason is in the table ("not enough data"); no warning per target
            warnings.simplefilter("ignore", SuppressionWarning)
            return forecast(obs.astype({"value": float, "lower_ci": float, "upper_ci": float}), period="period",
                            value="value", lower_ci="lower_ci", upper_ci="upper_ci", goal_period="goal_period",
                            goal="goal_value", polarity="polarity", by="id")

    def projection_note(self) -> str:
        """The projection's method note (markdown), saying whether the series projected are synthetic."""
        data = ("These projections are of the synthetic deaths: they show the method, not Kent's or Medway's "
                "prospects. " if self.synthetic else "")
        return f"{data}{PROJECTION_METHOD}"

    def district_table(self) -> Styler:
        """LE by district (in name order) with CIs and the benchmark against England."""
        d = self.districts.sort_values(["area_name", "sex", "le_age"], key=_name_order, kind="stable")
        frame = pd.DataFrame({"District": d["area_name"], "Sex": d["sex"], "Life expectancy at": _ages(d["le_age"]),
                              _LE: d["value"], **_ci(d), "Compared with England": d["benchmark"]})
        return tables.table(frame, caption=self._tag(f"Life expectancy by district, {self.period}, compared with "
                                                     "England"), formats=_years(_LE, *_CI_HEADERS))

    def comparator_table(self) -> Styler:
        """LE of the area, its comparator areas and England."""
        c = self.comparators
        frame = pd.DataFrame({"Area": c["area_name"], "Sex": c["sex"], "Life expectancy at": _ages(c["le_age"]),
                              _LE: c["value"], **_ci(c)})
        return tables.table(frame, caption=self._tag(f"{self.place.name}, comparator areas and England, "
                                                     f"{self.period}"), formats=_years(_LE, *_CI_HEADERS))

    # ---- figures -----------------------------------------------------------------------------------------------
    def trend_charts(self) -> list[Chart]:
        """One trend of LE at birth per sex, with England's line."""
        out = []
        for sex in self.sexes:
            t, e = self.trend_for(sex)
            out.append(charts.trend(t, comparator=e, comparator_name=self.england_label(), area_name=self.place.name,
                                    unit="years",
                                    title=self._tag(f"Life expectancy at birth, {sex.lower()}s, "
                                                    f"{self.place.name}")))
        return out

    def decile_charts(self) -> list[Chart]:
        """One deprivation gradient of LE at birth per sex, against the area's overall value: points on an axis
        near the data, the gap labelled least minus most deprived as the text and the gap table give it."""
        out = []
        for sex in self.sexes:
            d = self.deciles[(self.deciles["sex"] == sex) & (self.deciles["le_age"] == 0)]
            out.append(charts.deprivation_gradient(
                d, quantile="decile", area_name=self.place.name, unit="years", value_label="Life expectancy",
                comparator=self.value(sex), comparator_name=f"{self.place.name} overall", gap="least - most",
                style="point",
                title=self._tag(f"Life expectancy at birth by {self.decile_basis} deprivation decile, "
                                f"{sex.lower()}s, {self.period}")))
        return out

    def _target_observed(self, target_id: str) -> pd.DataFrame:
        src = self.sii_trend if "SII" in target_id else self.trend[self.trend["le_age"] == 0]
        return src[(src["sex"] == _sex_of(target_id)) & (src.get("le_age", 0) == 0)][["period", "value"]]

    def target_charts(self) -> list[Chart]:
        """The observed trend against the straight-line target trajectory, one per target with a baseline, with
        the projection of the recent trend to the goal period and its 95% prediction interval (:meth:`projections`;
        none with fewer than 5 periods)."""
        out = []
        proj = self.projections().set_index("id")
        for _, t in self.targets_shown().iterrows():
            if pd.isna(t["baseline_value"]):
                continue
            out.append(charts.target_trajectory(
                self._target_observed(t["id"]), baseline=(t["baseline_period"], t["baseline_value"]),
                goal=(t["goal_period"], t["goal_value"]), area_name=self.place.name, unit="years",
                projection=proj.loc[t["id"]] if t["id"] in proj.index else None,
                title=self._tag(f"{t['name']}, {self.place.name}: {t['progress']}")))
        return out

    def district_charts(self) -> list[Chart]:
        """LE at birth by district against England, one per sex (points on an axis near the data; none for an area
        of one district)."""
        out = []
        eng = self.england_trend[(self.england_trend["period"] == self.period) & (self.england_trend["le_age"] == 0)]
        for sex in self.sexes:
            d = self._districts_at_birth(sex)
            e = eng[eng["sex"] == sex]
            if len(d) < 2:
                continue
            out.append(charts.compare_areas(
                d, comparator=float(e["value"].iloc[0]) if len(e) else None, unit="years",
                value_label="Life expectancy at birth", top_areas=(), style="point",
                title=self._tag(f"Life expectancy at birth by district, {sex.lower()}s, {self.period}")))
        return out

    def map(self, sex: str | None = None) -> Chart | tables.HTML:
        """A choropleth of LE at birth by district (``sex`` defaults to the first of :attr:`sexes`), darker =
        lower (worse); for an area of one district, a statement of its values instead (a map of one polygon shows
        one colour and no comparison)."""
        from ..sources import readers

        d = self._districts_at_birth(sex or self.sexes[0])
        if len(d) < 2:
            text = html.escape(self.single_area_statement((sex,) if sex else self.sexes))
            return tables.HTML(f'<p class="hi-value-statement"><em>{text}</em></p>')
        sex = sex or self.sexes[0]
        gdf = readers.lad_boundaries().merge(d[["lad_code", "value"]], on="lad_code", how="inner")
        return charts.choropleth(gdf, "value", area_name=self.place.name, label_col="lad_name", unit="years",
                                 value_label="Life expectancy at birth", polarity="high_is_good",
                                 title=self._tag(f"Life expectancy at birth, {sex.lower()}s, {self.period}, by "
                                                 "district"))

    def single_area_statement(self, sexes: Sequence[str]) -> str:
        """What the map would show for an area of one district, in words: its LE at birth with the 95% CI."""
        values = []
        for sex in sexes:
            r = self.headline[(self.headline["sex"] == sex) & (self.headline["le_age"] == 0)]
            values.append(f"{sex.lower()}s {_f(r['value'].iloc[0])} years (95% CI {_f(r['lower_ci'].iloc[0])} to "
                          f"{_f(r['upper_ci'].iloc[0])})" if len(r) else f"{sex.lower()}s not available")
        return (f"{self.place.name} is a single local authority, so there is no map by district. Life expectancy at "
                f"birth, {self.period}: {'; '.join(values)}" + (" (synthetic data)." if self.synthetic else "."))


def _check_period(period: str) -> str:
    if period not in synthetic_deaths.PERIODS:
        raise InvalidInputError(f"period {period!r} is not in the synthetic data; choose one of "
                                f"{list(synthetic_deaths.PERIODS)}.")
    return period


def _windows(years: Sequence[int], length: int) -> list[str]:
    """Every period of ``length`` consecutive calendar years inside ``years`` ("2017-19"; "2019" for one year)."""
    have = set(years)
    starts = [y for y in sorted(have) if all(y + k in have for k in range(length))]
    return [str(y) if length == 1 else f"{y}-{str(y + length - 1)[-2:]}" for y in starts]


def periods_from_years(years: Sequence[int], period: str = "") -> tuple[str, tuple[str, ...]]:
    """``(period, periods)`` the deaths' registration ``years`` give: ``period`` (default the latest 3-year period
    they cover) and every period of the same length they cover (the trend). A period they cannot cover is an
    :class:`InvalidInputError` naming the years."""
    years = sorted({int(y) for y in years})
    if period:
        need = le.period_years(period)
        lacking = [y for y in need if y not in years]
        if lacking:
            raise InvalidInputError(f"period {period!r} needs deaths registered in {need}, but the deaths extract "
                                    f"holds registration years {years} (missing {lacking}); choose a period inside "
                                    "them, or leave period empty for the latest 3-year period.")
        return period, tuple(_windows(years, len(need)))
    windows = _windows(years, 3)
    if not windows:
        raise InvalidInputError(f"the deaths extract holds registration years {years}: a 3-year pooled period needs "
                                "three consecutive years. Give period explicitly for a shorter one (e.g. "
                                f"period='{years[-1]}'), with the caveat that LE over fewer years is less stable.")
    return windows[-1], tuple(windows)


@dataclass(frozen=True)
class _Inputs:
    deaths: pd.DataFrame
    population: pd.DataFrame
    england: pd.DataFrame | None
    period: str
    periods: tuple[str, ...]
    extracts: tuple[dict[str, Any], ...] = ()
    england_note: str = ""
    synthetic_note: str = ""
    sources: tuple[str, ...] = field(default_factory=tuple)


def _demo_inputs(codes: list[str], period: str, seed: int) -> _Inputs:
    period = _check_period(period or synthetic_deaths.PERIODS[-1])
    deaths = synthetic_deaths.deaths(seed, lsoas=codes)
    return _Inputs(deaths=deaths, population=synthetic_deaths.populations(codes),
                   england=synthetic_deaths.england_aggregate(seed), period=period,
                   periods=tuple(synthetic_deaths.PERIODS),
                   synthetic_note=deaths.attrs.get("synthetic_note", "synthetic data"),
                   sources=(*synthetic_deaths.SOURCES, "imd2019_scores", "boundaries_lad24"))


def _extract_inputs(deaths_extract: str, population_extract: str, codes: list[str], period: str,
                    comparators: Sequence[str]) -> _Inputs:
    """The analyst's extracts, checked; the area's LSOAs must all have populations; England when they cover it."""
    from .. import extracts

    if not (deaths_extract and population_extract):
        raise InvalidInputError("give both deaths_extract and population_extract (a life table needs deaths and the "
                                "population they come from), or neither for the synthetic demo.")
    deaths, d_report = extracts.load_deaths(deaths_extract, vintage="imd2019")
    population, p_report = extracts.load_population(population_extract, vintage="imd2019")
    period, periods = periods_from_years([int(y) for y in deaths["year"].unique()], period)
    years = sorted({y for p in periods for y in le.period_years(p)})
    missing = le.missing_lsoas(population, codes, years)
    if missing:
        ex = ", ".join(f"{c} {y}" for c, y in missing[:5])
        raise InvalidInputError(f"the population extract has no rows for {len(missing)} of the area's LSOA x year "
                                f"pairs (e.g. {ex}) that the deaths' years need ({years}); supply the area's whole "
                                "population for every year, or the area's figures would be for part of it.")
    england = le.england_aggregate(deaths, population, years)
    note = "" if england is not None else (
        "England is not computed: the extracts do not cover every English LSOA in every year, so there is no "
        "England line, benchmark or comparator area" + (f" ({', '.join(comparators)} left out)" if comparators
                                                          else "") + ".")
    rows = tuple({**extracts.provenance_row(r), "file": r.file.name, "kind": r.kind,
                  "path": str(Path(path).resolve())}
                 for r, path in ((d_report, deaths_extract), (p_report, population_extract)))
    in_area = set(codes)
    return _Inputs(deaths=deaths[deaths["lsoa_code"].isin(in_area)],
                   population=population[population["lsoa_code"].isin(in_area)], england=england, period=period,
                   periods=periods, extracts=rows, england_note=note, sources=("imd2019_scores", "boundaries_lad24"))


def build(*, area: str = "Kent", period: str = "", sexes: Sequence[str] = ("Male", "Female"),
          decile_basis: str = "local", comparators: Sequence[str] = ("Hampshire",), repetitions: int = 10000,
          seed: int = synthetic_deaths.DEFAULT_SEED, deaths_extract: str = "",
          population_extract: str = "") -> LifeExpectancyChapter:
    """The life expectancy chapter for ``area`` (the notebook's parameters).

    ``deaths_extract`` and ``population_extract`` are paths of the analyst's extracts (CSV or parquet, the
    ``deaths`` and ``population`` layouts of :mod:`healthintel.extracts`, LSOA 2011 codes); both empty: the
    synthetic demo deaths (seed ``seed``). ``period`` is the pooled period shown in detail ("2017-19"); empty: the
    latest 3-year period the deaths' registration years cover (a period they cannot cover is an error).
    ``decile_basis`` "local" ranks the area's LSOAs into 10 equal-count deciles within the area (Fingertips
    92901), "national" uses England's IMD 2019 deciles; ``comparators`` are area names compared with the area
    (they need inputs covering England); ``repetitions`` the Monte-Carlo repetitions of the SII limits.
    """
    le.check_decile_basis(decile_basis)
    sexes = le.normalise_sexes(sexes)
    place = geography.resolve_area(area)
    lsoas = le.area_lsoas(place, decile_basis)
    codes = lsoas["lsoa_code"].tolist()
    inputs = (_extract_inputs(deaths_extract, population_extract, codes, period, comparators)
              if deaths_extract or population_extract else _demo_inputs(codes, period, seed))
    england = published.published_values(ENGLAND_LE_ID, area_codes=[geography.ENGLAND])
    results = le.analyse(inputs.deaths, inputs.population, inputs.england, lsoas, place=place,
                         period=inputs.period, periods=inputs.periods, sexes=sexes, decile_basis=decile_basis,
                         comparators=comparators if inputs.england is not None else (), repetitions=repetitions,
                         england_published=england)
    return LifeExpectancyChapter(
        place=place, period=inputs.period, sexes=tuple(sexes), decile_basis=decile_basis,
        headline=results.headline, trend=results.trend, england_trend=results.england_trend,
        deciles=results.deciles, gap=results.gap, sii=results.sii, sii_trend=results.sii_trend,
        districts=results.districts, comparators=results.comparators, targets=results.targets,
        suppressed=results.suppressed, periods=inputs.periods, extracts=inputs.extracts,
        england_note=inputs.england_note,
        sources=(*inputs.sources, *england.attrs["sources"]),
        synthetic_note=inputs.synthetic_note,
        provenance_notes=PROVENANCE_NOTES if inputs.synthetic_note else EXTRACT_PROVENANCE_NOTES,
    )
