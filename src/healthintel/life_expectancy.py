"""Life expectancy and inequalities in life expectancy: deaths + populations -> LE by area, sex and decile.

Owns:

- **Inputs**, validated by pandera schemas (:data:`DEATHS_SCHEMA`, :data:`POPULATION_SCHEMA`): deaths by LSOA
  (2011 or 2021 codes), sex, age (the 20 life-table bands 0, 1, 5, ..., 90, or single years which are banded
  here) and calendar year; populations by LSOA, sex, single year of age (or band) and year. Mismatched
  geographies or vintages, missing age bands, missing years and deaths without a population raise
  :class:`~healthintel.errors.InvalidInputError` / :class:`~healthintel.errors.GeographyError` naming the
  column, example rows and the fix (:func:`validate_inputs`).
- **3-year pooled periods** ("2017-19"): deaths and populations summed over the years (person-years), after
  aggregating LSOAs to the groups first (:func:`aggregate`, :func:`pool`).
- **LE at birth and at 65** by area and sex with 95% CIs (:func:`le_table`, via
  :func:`healthintel.stats.life_expectancy`: Chiang II, Silcocks et al.), **by national or local deprivation
  decile/quintile** (deaths and populations aggregated to the decile first).
- **Gap** between the most and least deprived decile with a CI (:func:`gap`), and the **SII** as Fingertips 92901
  computes it: LE by local deprivation decile within the area, SII across the deciles with simulated limits
  (:func:`sii`, via :func:`healthintel.stats.slope_index_of_inequality`).
- **Trend** over periods, **progress against the target** (the outcome-framework registry in
  :mod:`healthintel.compare`), **comparison with England** (Fingertips CI-overlap benchmark) and with a comparator
  group of areas: the :func:`profile` a chapter shows.

The demo data are synthetic (:mod:`healthintel.synthetic.deaths`): every profile built on them carries
``synthetic = True`` and a note that must be shown.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

from . import deprivation, geography
from .errors import InvalidInputError, describe_rows
from .stats import life_expectancy as _stats_le
from .stats import slope_index_of_inequality
from .stats.life_expectancy import AGE_BAND_STARTS, SUPPRESSION_REASONS

__all__ = [
    "DEATHS_SCHEMA", "POPULATION_SCHEMA", "BANDS", "SUPPRESSION_EXPLAINED", "parse_period", "period_years",
    "band_ages", "validate_inputs", "aggregate", "pool", "le_table", "gap", "sii", "suppression_notes",
    "LifeExpectancyProfile", "profile",
]

BANDS = np.array(AGE_BAND_STARTS)
SEX_LABELS = {"male": "Male", "m": "Male", "1": "Male", "female": "Female", "f": "Female", "2": "Female"}

_sex_check = pa.Check(lambda s: s.astype(str).str.lower().isin(list(SEX_LABELS)),
                      error="sex must be male/female (m/f, 1/2)")
#: Deaths: one row per LSOA x sex x age x calendar year (rows with no deaths may be left out).
DEATHS_SCHEMA = pa.DataFrameSchema({
    "lsoa_code": pa.Column(str, pa.Check.str_matches(r"^E01\d{6}$"), coerce=True),
    "sex": pa.Column(object, _sex_check, coerce=True),
    "age": pa.Column(int, pa.Check.in_range(0, 120), coerce=True),
    "year": pa.Column(int, pa.Check.in_range(1990, 2100), coerce=True),
    "deaths": pa.Column(int, pa.Check.ge(0), coerce=True),
}, strict=False)
#: Populations: one row per LSOA x sex x single year of age (0-90, 90 = 90+) or band x year.
POPULATION_SCHEMA = pa.DataFrameSchema({
    "lsoa_code": pa.Column(str, pa.Check.str_matches(r"^E01\d{6}$"), coerce=True),
    "sex": pa.Column(object, _sex_check, coerce=True),
    "age": pa.Column(int, pa.Check.in_range(0, 120), coerce=True),
    "year": pa.Column(int, pa.Check.in_range(1990, 2100), coerce=True),
    "population": pa.Column(float, pa.Check.ge(0), coerce=True),
}, strict=False)

#: Plain-English explanation of every suppression reason (shown in the chapter's "suppressed values" notes).
SUPPRESSION_EXPLAINED = {
    SUPPRESSION_REASONS[0]: "the input had a negative death count, which cannot be right.",
    SUPPRESSION_REASONS[1]: "nobody of some age band lives in the group, so the life table cannot be built.",
    SUPPRESSION_REASONS[2]: "the life table needs all 20 age bands (<1, 1-4, 5-9 ... 90+) exactly once.",
    SUPPRESSION_REASONS[3]: "deaths or population were missing for an age band.",
    SUPPRESSION_REASONS[4]: "an age band recorded more deaths than residents, so the figures are inconsistent.",
    SUPPRESSION_REASONS[5]: ("fewer than 5,001 residents: OHID does not publish life expectancy for such small "
                             "populations because it is too unstable (Toson and Baker 2003)."),
    SUPPRESSION_REASONS[6]: "no deaths at 90 and over, so the open-ended last band of the life table cannot be closed.",
    SUPPRESSION_REASONS[7]: ("the 95% confidence interval is wider than 20 years: the value is withheld but its "
                             "limits are shown, as Fingertips does."),
}
ENGLAND = geography.ENGLAND


# ---- periods and ages --------------------------------------------------------------------------------------------
def parse_period(label: str) -> tuple[int, int]:
    """ "2017-19" -> (2017, 2019); "2017-2019" and "2017 - 19" too; "2019" -> (2019, 2019)."""
    m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{2}|\d{4}))?\s*", str(label))
    if not m:
        raise InvalidInputError(f"period {label!r} is not a calendar-year period like '2017-19' or '2019'.")
    start = int(m.group(1))
    end = start if m.group(2) is None else int(m.group(2)) if len(m.group(2)) == 4 else start // 100 * 100 + int(m.group(2))
    if end < start:
        raise InvalidInputError(f"period {label!r} ends before it starts.")
    return start, end


def period_years(label: str) -> list[int]:
    start, end = parse_period(label)
    return list(range(start, end + 1))


def band_ages(age) -> np.ndarray:
    """Start of the life-table band (0, 1, 5, ..., 90) of each single year of age (90 and over -> 90)."""
    a = np.asarray(age, dtype=int)
    return BANDS[np.searchsorted(BANDS, a, side="right") - 1]


# ---- validation ------------------------------------------------------------------------------------------------
def _schema(frame: pd.DataFrame, schema: pa.DataFrameSchema, what: str) -> pd.DataFrame:
    missing = [c for c in schema.columns if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"{what} lacks column(s) {missing}; it needs {list(schema.columns)} "
                                "(rename your columns to these names).")
    try:
        out = schema.validate(frame[list(schema.columns)].copy(), lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        parts = []
        for col, grp in cases.groupby("column", dropna=False):
            rows = grp["index"].dropna().astype(int).tolist()[:5]
            vals = grp["failure_case"].astype(str).tolist()[:3]
            check = grp["check"].astype(str).iloc[0]
            parts.append(f"column {col!r} fails {check} at rows {rows} (values {vals})")
        raise InvalidInputError(f"{what} does not match its schema: " + "; ".join(parts)
                                + ". Fix those rows (codes E01..., sex male/female, whole-number ages, years "
                                  "and non-negative counts).") from None
    out["sex"] = out["sex"].astype(str).str.lower().map(SEX_LABELS)
    return out


def validate_inputs(deaths: pd.DataFrame, population: pd.DataFrame, *, vintage: str = "imd2019",
                    years=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check deaths and populations against their schemas and each other; band the ages.

    Returns the two frames with ``sex`` as "Male"/"Female" and ``age`` as band start. Raises
    :class:`InvalidInputError` (or :class:`GeographyError` for LSOA codes) naming the column, rows and fix:
    schema failures; LSOA codes of the other census vintage; a year of ``years`` (default: the deaths' years)
    with no population; an LSOA x sex x year whose population does not cover all 20 age bands; deaths in a
    band with no population.
    """
    d = _schema(deaths, DEATHS_SCHEMA, "deaths")
    p = _schema(population, POPULATION_SCHEMA, "population")
    geography.check_lsoa_codes(d["lsoa_code"].drop_duplicates(), vintage, column="lsoa_code (deaths)")
    geography.check_lsoa_codes(p["lsoa_code"].drop_duplicates(), vintage, column="lsoa_code (population)")
    if not set(d["age"].unique()) <= set(BANDS.tolist()):
        d["age"] = band_ages(d["age"])
    p["age"] = band_ages(p["age"])
    want = sorted(int(y) for y in (set(d["year"].unique()) if years is None else years))
    have = {int(y) for y in p["year"].unique()}
    lacking = [y for y in want if y not in have]
    if lacking:
        raise InvalidInputError(
            f"population (column 'year') has no rows for year(s) {lacking} that the deaths cover (population years "
            f"{sorted(have)}). Supply a population estimate for every year of the period: e.g. "
            "healthintel.synthetic.deaths.populations(years=...) repeats the mid-2019 LSOA estimate.")
    p = p.groupby(["lsoa_code", "sex", "age", "year"], as_index=False, observed=True)["population"].sum()
    nb = p.groupby(["lsoa_code", "sex", "year"], observed=True)["age"].nunique()
    short = nb[nb < len(BANDS)]
    if len(short):
        ex = ", ".join(f"{k[0]}/{k[1]}/{k[2]}" for k in short.index[:5])
        raise InvalidInputError(
            f"population (column 'age') is missing age bands for {len(short)} LSOA x sex x year group(s) "
            f"(e.g. {ex}): every group needs all 20 bands 0, 1-4, 5-9 ... 85-89, 90+ (or single years 0-90). "
            "Add the missing ages (with population 0 where nobody lives) or drop those LSOAs.")
    d = d[d["year"].isin(want)]
    d = d.groupby(["lsoa_code", "sex", "age", "year"], as_index=False, observed=True)["deaths"].sum()
    m = d.merge(p, on=["lsoa_code", "sex", "age", "year"], how="left")
    orphan = (m["deaths"] > 0) & (m["population"].isna() | (m["population"] <= 0))
    if orphan.any():
        raise InvalidInputError(
            f"{int(orphan.sum())} deaths row(s) have no population (column 'population' missing or 0 for the same "
            f"lsoa_code, sex, age band and year): {describe_rows(m, orphan.to_numpy(), ['lsoa_code', 'sex', 'age', 'year', 'deaths'])}. "
            "Check the LSOA vintage and years of both inputs, or supply the missing population rows.")
    return d, p


# ---- aggregation -------------------------------------------------------------------------------------------------
def aggregate(deaths: pd.DataFrame, population: pd.DataFrame, groups: pd.DataFrame, *, vintage: str = "imd2019",
              years=None) -> pd.DataFrame:
    """Deaths and populations summed to groups of LSOAs, per sex, age band and year.

    ``groups`` maps ``lsoa_code`` to one or more group columns (e.g. ``lad_code``, ``decile``); LSOAs not in it
    are left out. Returns group columns, ``sex``, ``age``, ``year``, ``deaths``, ``population`` (every band of
    every group-year, deaths 0 where none were recorded).
    """
    d, p = validate_inputs(deaths, population, vintage=vintage, years=years)
    keys = [c for c in groups.columns if c != "lsoa_code"]
    gp = p.merge(groups, on="lsoa_code", how="inner").groupby(keys + ["sex", "age", "year"], observed=True,
                                                               as_index=False)["population"].sum()
    gd = d.merge(groups, on="lsoa_code", how="inner").groupby(keys + ["sex", "age", "year"], observed=True,
                                                               as_index=False)["deaths"].sum()
    out = gp.merge(gd, on=keys + ["sex", "age", "year"], how="left")
    out["deaths"] = out["deaths"].fillna(0).astype("int64")
    return out


def pool(data: pd.DataFrame, period: str, by) -> pd.DataFrame:
    """Sum deaths and person-years over the years of a period ("2017-19") within ``by`` x sex x age band."""
    by = [by] if isinstance(by, str) else list(by)
    yrs = period_years(period)
    have = set(data["year"].unique())
    if not set(yrs) <= have:
        raise InvalidInputError(f"period {period} needs years {yrs}, but the data hold {sorted(have)}; choose a "
                                "period inside the data's years.")
    sub = data[data["year"].isin(yrs)]
    out = sub.groupby(by + ["sex", "age"], observed=True, as_index=False)[["deaths", "population"]].sum()
    out["period"] = period
    return out


def le_table(pooled: pd.DataFrame, by, *, le_age=(0, 65), confidence=0.95) -> pd.DataFrame:
    """Life expectancy at ``le_age`` per ``by`` x sex (x period when present) with CIs and suppression reasons."""
    by = [by] if isinstance(by, str) else list(by)
    keys = by + ["sex"] + (["period"] if "period" in pooled and "period" not in by else [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reasons are kept in suppression_reason and explained in the report
        out = _stats_le(pooled, "deaths", "population", "age", by=keys, le_age=list(le_age), confidence=confidence)
    out["se"] = (out["upper_ci"] - out["lower_ci"]) / (2 * 1.959964)
    return out


def gap(decile_le: pd.DataFrame, *, quantile: str = "decile", by=None) -> pd.DataFrame:
    """Gap in LE between the least and most deprived category (highest minus 1) with a 95% CI
    (``sqrt(SE1^2 + SEn^2)``, the two groups being independent)."""
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    keys = by + [c for c in ("sex", "period", "le_age") if c in decile_le and c not in by]
    top = decile_le[quantile].max()
    most = decile_le[decile_le[quantile] == 1].set_index(keys)
    least = decile_le[decile_le[quantile] == top].set_index(keys)
    out = pd.DataFrame(index=most.index)
    out["most_deprived"] = most["value"]
    out["least_deprived"] = least["value"]
    out["value"] = least["value"] - most["value"]
    se = np.sqrt(least["se"] ** 2 + most["se"] ** 2)
    out["lower_ci"] = out["value"] - 1.959964 * se
    out["upper_ci"] = out["value"] + 1.959964 * se
    out["statistic"] = f"Gap in life expectancy, {quantile} {top} minus {quantile} 1"
    return out.reset_index()


def sii(decile_le: pd.DataFrame, *, quantile: str = "decile", by=None, repetitions: int = 100_000,
        seed: int = 92901) -> pd.DataFrame:
    """Slope index of inequality in LE across the categories (1 = most deprived) per ``by`` x sex x period x
    le_age, weighted by each category's population, limits simulated from the LE CIs (Fingertips 92901).
    Groups where any category's LE is suppressed are dropped (with the stats module's warning silenced: see
    :func:`suppression_notes`)."""
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    keys = by + [c for c in ("sex", "period", "le_age") if c in decile_le and c not in by]
    data = decile_le.dropna(subset=["lower_ci", "upper_ci"]).copy()
    # every age is weighted by the category's whole population (population_used at birth), as Fingertips does
    base = [k for k in keys if k != "le_age"] + [quantile]
    at_birth = decile_le[decile_le["le_age"] == 0][base + ["population_used"]].rename(
        columns={"population_used": "weight"})
    data = data.merge(at_birth, on=base, how="left")
    data["value"] = data["value"].fillna((data["lower_ci"] + data["upper_ci"]) / 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = slope_index_of_inequality(data, quantile, "weight", value="value", lower_ci="lower_ci",
                                        upper_ci="upper_ci", by=keys, repetitions=repetitions, seed=seed)
    return out.rename(columns={"sii": "value", "sii_lower_ci": "lower_ci", "sii_upper_ci": "upper_ci"})


def suppression_notes(*tables: pd.DataFrame, labels: list[str] | None = None) -> pd.DataFrame:
    """Every suppressed value across result tables: ``table``, ``reason``, ``values`` (count), ``explanation``."""
    rows = []
    for i, t in enumerate(tables):
        if "suppression_reason" not in t:
            continue
        name = labels[i] if labels else f"table {i + 1}"
        counts = t["suppression_reason"].dropna().value_counts()
        for reason, n in counts.items():
            rows.append({"table": name, "reason": str(reason), "values": int(n),
                         "explanation": SUPPRESSION_EXPLAINED.get(str(reason), "")})
    return pd.DataFrame(rows, columns=["table", "reason", "values", "explanation"])


# ---- the chapter's profile ----------------------------------------------------------------------------------------
DECILE_BASES = ("local", "national")


@dataclass
class LifeExpectancyProfile:
    """Everything the life expectancy chapter shows for one area, period and set of sexes."""

    place: geography.Area
    period: str
    sexes: list
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
    synthetic: bool = True
    synthetic_note: str = ""
    sources: list = field(default_factory=list)

    def value(self, sex: str, le_age: int = 0) -> float:
        r = self.headline[(self.headline["sex"] == sex) & (self.headline["le_age"] == le_age)]
        return float(r["value"].iloc[0]) if len(r) else float("nan")

    def sii_value(self, sex: str) -> float:
        r = self.sii[(self.sii["sex"] == sex) & (self.sii["le_age"] == 0)]
        return float(r["value"].iloc[0]) if len(r) else float("nan")

    def gap_value(self, sex: str) -> float:
        r = self.gap[(self.gap["sex"] == sex) & (self.gap["le_age"] == 0)]
        return float(r["value"].iloc[0]) if len(r) else float("nan")

    def summary_markdown(self) -> str:
        lines = [f"**{self.place.name}, {self.period}** (synthetic data: illustrative deaths calibrated to "
                 "published figures, not real deaths)."]
        for sex in self.sexes:
            h = self.headline[(self.headline["sex"] == sex) & (self.headline["le_age"] == 0)]
            if not len(h):
                continue
            r = h.iloc[0]
            lines.append(
                f"- {sex}: life expectancy at birth {_f(r['value'])} years (95% CI {_f(r['lower_ci'])}-"
                f"{_f(r['upper_ci'])}), England {_f(r['comparator_value'])}: **{r['benchmark'].lower()}**; gap between "
                f"most and least deprived {self.decile_basis} decile {_f(self.gap_value(sex))} years; SII "
                f"{_f(self.sii_value(sex))} years.")
        return "\n".join(lines)

    def methods_markdown(self) -> str:
        return (
            "Life expectancy is computed with the Chiang II abridged life table (20 age bands, <1 ... 90+) and "
            "Silcocks et al.'s confidence limits, as OHID Fingertips does, from deaths and mid-year populations "
            f"pooled over 3 calendar years ({self.period}). Deprivation deciles use IMD 2019 on LSOA 2011: "
            f"**{self.decile_basis}** deciles ({'ranked within the area, as Fingertips 92901' if self.decile_basis == 'local' else 'England-wide'}); "
            "deaths and populations are summed to each decile before the life table. The gap is the least minus "
            "the most deprived decile (95% CI from the two standard errors); the slope index of inequality (SII) "
            "is the weighted regression of decile LE on the deciles' population mid-point ranks (Low & Low 2004) "
            "with limits simulated from the decile CIs. England comparison: Fingertips 95% CI overlap. Targets: "
            "the Kent and Medway outcome framework (G.2), straight-line trajectory from the 2018-20 baseline.\n\n"
            "**Synthetic data.** Deaths by LSOA are not published. These deaths are simulated (seeded) from the "
            "real ONS mid-2019 LSOA populations (used for every year 2015-2024), real ONS 2014 age-specific death "
            "rates and a deprivation gradient, calibrated so that England's SII and decile gap match ONS "
            "(9.4/7.6 and 9.7/7.9 years, males/females) and each Kent district's and Medway's life expectancy and "
            "SII match Fingertips 90366/92901. Use the methods, not the numbers.")

    def trend_for(self, sex: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        t = self.trend[(self.trend["sex"] == sex) & (self.trend["le_age"] == 0)]
        e = self.england_trend[(self.england_trend["sex"] == sex) & (self.england_trend["le_age"] == 0)]
        return t, e

    def deciles_for(self, le_age: int = 0) -> pd.DataFrame:
        return self.deciles[self.deciles["le_age"] == le_age]

    def table_headline(self) -> pd.DataFrame:
        cols = ["sex", "le_age", "value", "lower_ci", "upper_ci", "comparator_value", "benchmark"]
        return self.headline[cols].rename(columns={"le_age": "at age", "value": "LE (years)",
                                                   "comparator_value": "England"})


    # ---- display helpers: one call per chapter section (notebooks hold no loops) -----------------------------
    def trend_charts(self) -> list:
        from .charts import trend

        out = []
        for sex in self.sexes:
            t, e = self.trend_for(sex)
            out.append(trend(t, comparator=e, area_name=self.place.name, unit="years",
                             title=f"Life expectancy at birth, {sex.lower()}s, {self.place.name} (synthetic data)"))
        return out

    def decile_charts(self) -> list:
        from .charts import deprivation_gradient

        out = []
        for sex in self.sexes:
            d = self.deciles[(self.deciles["sex"] == sex) & (self.deciles["le_age"] == 0)]
            out.append(deprivation_gradient(
                d, quantile="decile", area_name=self.place.name, unit="years", value_label="Life expectancy",
                comparator=self.value(sex), comparator_name=f"{self.place.name} overall",
                title=f"Life expectancy at birth by {self.decile_basis} deprivation decile, {sex.lower()}s, "
                      f"{self.period} (synthetic data)"))
        return out

    def target_charts(self) -> list:
        from .charts import target_trajectory

        out = []
        for _, t in self.targets.iterrows():
            sex = "Male" if t["id"].endswith("M") else "Female"
            is_sii = "SII" in t["id"]
            src = self.sii_trend if is_sii else self.trend[self.trend["le_age"] == 0]
            obs = src[(src["sex"] == sex) & (src.get("le_age", 0) == 0)][["period", "value"]]
            if pd.isna(t["baseline_value"]):
                continue
            out.append(target_trajectory(
                obs, baseline=(t["baseline_period"], t["baseline_value"]), goal=(t["goal_period"], t["goal_value"]),
                area_name=self.place.name, unit="years",
                title=f"{t['name']}, {self.place.name}: {t['progress']} (synthetic data)"))
        return out

    def district_charts(self) -> list:
        from .charts import compare_areas

        out = []
        eng = self.england_trend[(self.england_trend["period"] == self.period) & (self.england_trend["le_age"] == 0)]
        for sex in self.sexes:
            d = self.districts[(self.districts["sex"] == sex) & (self.districts["le_age"] == 0)]
            e = eng[eng["sex"] == sex]
            if len(d) < 2:
                continue
            out.append(compare_areas(d, comparator=float(e["value"].iloc[0]) if len(e) else None, unit="years",
                                     value_label="Life expectancy at birth", top_areas=(),
                                     title=f"Life expectancy at birth by district, {sex.lower()}s, {self.period} "
                                           "(synthetic data)"))
        return out

    def map(self, sex: str | None = None):
        from .charts import choropleth
        from .sources import readers

        sex = sex or self.sexes[0]
        d = self.districts[(self.districts["sex"] == sex) & (self.districts["le_age"] == 0)]
        lads = readers.lad_boundaries()
        gdf = lads.merge(d[["lad_code", "value"]], on="lad_code", how="inner")
        return choropleth(gdf, "value", area_name=self.place.name, label_col="lad_name", unit="years",
                          value_label="Life expectancy at birth",
                          title=f"Life expectancy at birth, {sex.lower()}s, {self.period}, by district "
                                "(synthetic data)")

    def tables(self) -> dict:
        """Display-ready frames for the chapter's tables."""
        fmt = ["value", "lower_ci", "upper_ci"]
        dec = self.deciles[["sex", "decile", "le_age", "value", "lower_ci", "upper_ci", "deaths_used",
                            "population_used", "suppression_reason"]]
        return {
            "headline": self.table_headline(),
            "deciles": dec,
            "gap_sii": pd.concat([
                self.gap[["sex", "le_age", "value", "lower_ci", "upper_ci"]].assign(measure="Gap (decile 10 - 1)"),
                self.sii[["sex", "le_age", "value", "lower_ci", "upper_ci"]].assign(measure="Slope index of inequality"),
            ], ignore_index=True)[["measure", "sex", "le_age"] + fmt],
            "targets": self.targets[["name", "baseline_period", "baseline_value", "goal_period", "goal_value",
                                     "latest_period", "latest_value", "required_value", "progress"]],
            "districts": self.districts[["area_name", "sex", "le_age", "value", "lower_ci", "upper_ci",
                                         "benchmark"]],
            "comparators": self.comparators[["area_name", "sex", "le_age", "value", "lower_ci", "upper_ci"]],
        }

    def suppression_markdown(self) -> str:
        if not len(self.suppressed):
            return ("No value in this chapter was suppressed. Values are withheld when: "
                    + "; ".join(f"*{r}* ({e})" for r, e in SUPPRESSION_EXPLAINED.items()) + ".")
        lines = ["Some values are not shown. Each reason, the table it affects and why:"]
        for r in self.suppressed.itertuples():
            lines.append(f"- **{r.reason}** — {r.values} value(s) in *{r.table}*: {r.explanation}")
        return "\n".join(lines)


def _f(x) -> str:
    return "–" if x is None or pd.isna(x) else f"{float(x):.1f}"


def _area_lsoas(place, vintage="imd2019") -> pd.DataFrame:
    return deprivation.load_deprivation(vintage, area=place)


def profile(area: str = "Kent", *, period: str = "2017-19", sexes=("Male", "Female"), decile_basis: str = "local",
            comparators=(), seed: int | None = None, repetitions: int = 100_000) -> LifeExpectancyProfile:
    """The life expectancy chapter's figures for ``area`` on the synthetic demo deaths.

    ``decile_basis`` "local" ranks the area's LSOAs into 10 equal-count deciles within the area (Fingertips
    92901); "national" uses England's IMD 2019 deciles. ``comparators`` are area names compared with the area.
    """
    from . import compare
    from .synthetic import deaths as sd

    if decile_basis not in DECILE_BASES:
        raise InvalidInputError(f"decile_basis must be one of {DECILE_BASES}; got {decile_basis!r}.")
    sexes = [SEX_LABELS.get(str(s).lower(), None) or str(s) for s in sexes]
    bad = [s for s in sexes if s not in ("Male", "Female")]
    if bad:
        raise InvalidInputError(f"sexes must be 'Male' and/or 'Female'; got {bad}.")
    if period not in sd.PERIODS:
        raise InvalidInputError(f"period {period!r} is not in the synthetic data; choose one of {list(sd.PERIODS)}.")
    seed = sd.DEFAULT_SEED if seed is None else seed
    place = geography.resolve_area(area)
    lsoas = _area_lsoas(place)
    if decile_basis == "local":
        lsoas = deprivation.local_quantiles(lsoas, n=10, column="decile")
    else:
        lsoas = lsoas.assign(decile=lsoas["imd_decile"])
    codes = lsoas["lsoa_code"].tolist()
    deaths = sd.deaths(seed, lsoas=codes)
    pops = sd.populations(codes)
    lad_names = dict(zip(lsoas["lad_code"], lsoas["lad_name"]))
    groups = lsoas[["lsoa_code", "lad_code", "decile"]].assign(area_code=place.code)
    agg = aggregate(deaths, pops, groups)
    # England and any comparator from the England-wide aggregate (LAD x national decile): no LSOA pass needed.
    eng = sd.england_aggregate(seed).rename(columns={"imd_decile": "decile"})
    eng["sex"] = eng["sex"].map(SEX_LABELS)
    eng["area_code"] = ENGLAND

    def pooled_all(frame, by):
        return pd.concat([pool(frame, p, by) for p in sd.PERIODS], ignore_index=True)

    area_le = le_table(pooled_all(agg, ["area_code"]), ["area_code"])
    eng_le = le_table(pooled_all(eng, ["area_code"]), ["area_code"])
    comp_keys = ["sex", "period", "le_age"]
    bench = compare.benchmark(area_le, eng_le[comp_keys + ["value"]], on=comp_keys, polarity="high_is_good")
    headline = bench[(bench["period"] == period) & bench["sex"].isin(sexes)].reset_index(drop=True)

    dec_pooled = pool(agg, period, ["area_code", "decile"])
    deciles = le_table(dec_pooled, ["area_code", "decile"])
    deciles = deciles[deciles["sex"].isin(sexes)].reset_index(drop=True)
    gaps = gap(deciles, by=["area_code"])
    dec_all = le_table(pooled_all(agg, ["area_code", "decile"]), ["area_code", "decile"])
    sii_all = sii(dec_all[dec_all["le_age"] == 0], by=["area_code"], repetitions=repetitions, seed=92901)
    sii_now = sii(deciles, by=["area_code"], repetitions=repetitions, seed=92901)

    districts = le_table(pool(agg, period, ["lad_code"]), ["lad_code"])
    districts = compare.benchmark(districts, eng_le[comp_keys + ["value"]], on=comp_keys, polarity="high_is_good")
    districts.insert(1, "area_name", districts["lad_code"].map(lad_names))
    districts = districts[districts["sex"].isin(sexes)].reset_index(drop=True)

    comp_rows = []
    for name in comparators:
        c = geography.resolve_area(name)
        members = set(geography.lsoas_in(c)["lad_code"])
        sub = eng[eng["lad_code"].isin(members)].assign(area_code=c.code)
        t = le_table(pool(sub, period, ["area_code"]), ["area_code"]).assign(area_name=c.name)
        comp_rows.append(t)
    comp = pd.concat([area_le[area_le["period"] == period].assign(area_name=place.name), *comp_rows,
                      eng_le[eng_le["period"] == period].assign(area_name="England")], ignore_index=True)
    comp = comp[comp["sex"].isin(sexes)].reset_index(drop=True)

    obs = pd.concat([
        area_le[area_le["le_age"] == 0].assign(id=lambda f: "G.2-LE-" + f["sex"].str[0]),
        sii_all.assign(id=lambda f: "G.2-SII-" + f["sex"].str[0]),
    ], ignore_index=True)[["id", "period", "value"]]
    targets = compare.target_progress(obs, compare.load_targets())
    targets = targets[targets["id"].str.startswith("G.2")].reset_index(drop=True)
    targets = targets[targets["id"].str[-1].isin([s[0] for s in sexes])].reset_index(drop=True)

    trend = area_le[area_le["sex"].isin(sexes)].merge(
        bench[["sex", "period", "le_age", "benchmark"]], on=["sex", "period", "le_age"], how="left")
    supp = suppression_notes(area_le, deciles, districts, comp, dec_all,
                             labels=["area by period", f"{decile_basis} deciles", "districts", "comparators",
                                     "deciles by period (SII trend)"])
    return LifeExpectancyProfile(
        place=place, period=period, sexes=sexes, decile_basis=decile_basis, headline=headline, trend=trend,
        england_trend=eng_le[eng_le["sex"].isin(sexes)].reset_index(drop=True), deciles=deciles, gap=gaps,
        sii=sii_now, sii_trend=sii_all[sii_all["sex"].isin(sexes)].reset_index(drop=True), districts=districts,
        comparators=comp, targets=targets, suppressed=supp, synthetic=True,
        synthetic_note=deaths.attrs.get("synthetic_note", "synthetic data"),
        sources=list(sd.SOURCES) + ["imd2019_scores", "boundaries_lad24"])
