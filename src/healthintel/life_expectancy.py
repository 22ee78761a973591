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
  group of areas: :func:`analyse`, in named steps (:func:`area_lsoas`, :func:`area_aggregate`,
  :func:`decile_results`, :func:`district_results`, :func:`comparator_results`, :func:`target_results` ...),
  returns the :class:`LifeExpectancyResults` the chapter shows.

This module computes only. The chapter (:mod:`healthintel.chapters.life_expectancy`) chooses the inputs (the
seeded synthetic deaths of :mod:`healthintel.synthetic.deaths` in the demo) and presents the results.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from . import compare, deprivation, geography
from .errors import InvalidInputError, describe_rows
from .stats import life_expectancy as _stats_le
from .stats import slope_index_of_inequality
from .stats.life_expectancy import AGE_BAND_STARTS, SUPPRESSION_REASONS

__all__ = [
    "DEATHS_SCHEMA", "POPULATION_SCHEMA", "BANDS", "SUPPRESSION_EXPLAINED", "parse_period", "period_years",
    "band_ages", "validate_inputs", "aggregate", "pool", "le_table", "gap", "sii", "suppression_notes",
    "DECILE_BASES", "LifeExpectancyResults", "check_decile_basis", "normalise_sexes", "area_lsoas", "area_aggregate",
    "england_groups", "england_aggregate", "missing_lsoas", "pool_periods", "of_sexes", "benchmark_england",
    "decile_results", "district_results", "comparator_results", "target_results", "trend_results", "analyse",
    "with_published_england",
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
    tail = m.group(2)
    end = start if tail is None else int(tail) if len(tail) == 4 else start // 100 * 100 + int(tail)
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
    for frame, what in ((d, "deaths"), (p, "population")):
        twice = frame.duplicated(["lsoa_code", "sex", "age", "year"], keep=False).to_numpy()
        if twice.any():
            raise InvalidInputError(
                f"{what} has more than one row for the same lsoa_code, sex, age and year (columns 'lsoa_code', "
                f"'sex', 'age', 'year'): {describe_rows(frame, twice, ['lsoa_code', 'sex', 'age', 'year', what])}. "
                f"They would be counted twice: remove the duplicates, or sum them first (one row per LSOA x sex x "
                "age x year).")
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
        rows = describe_rows(m, orphan.to_numpy(), ["lsoa_code", "sex", "age", "year", "deaths"])
        raise InvalidInputError(
            f"{int(orphan.sum())} deaths row(s) have no population (column 'population' missing or 0 for the same "
            f"lsoa_code, sex, age band and year): {rows}. "
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
    keys = _check_groups(groups)
    gp = p.merge(groups, on="lsoa_code", how="inner").groupby(keys + ["sex", "age", "year"], observed=True,
                                                               as_index=False)["population"].sum()
    gd = d.merge(groups, on="lsoa_code", how="inner").groupby(keys + ["sex", "age", "year"], observed=True,
                                                               as_index=False)["deaths"].sum()
    out = gp.merge(gd, on=keys + ["sex", "age", "year"], how="left")
    out["deaths"] = out["deaths"].fillna(0).astype("int64")
    return out


def _check_groups(groups: pd.DataFrame) -> list[str]:
    """The group columns of an LSOA -> group map; an error for a missing key or an LSOA mapped twice."""
    if not isinstance(groups, pd.DataFrame) or "lsoa_code" not in groups:
        raise InvalidInputError("groups must be a DataFrame with an 'lsoa_code' column and the group column(s).")
    keys = [c for c in groups.columns if c != "lsoa_code"]
    if not keys:
        raise InvalidInputError("groups has no group column besides 'lsoa_code' (e.g. 'lad_code' or 'decile').")
    blank = groups[keys + ["lsoa_code"]].isna().any(axis=1).to_numpy()
    if blank.any():
        raise InvalidInputError(
            f"groups has missing values in {describe_rows(groups, blank, ['lsoa_code'] + keys)}: those LSOAs "
            "would silently drop out of every total. Give every LSOA its group, or remove the rows.")
    twice = groups.duplicated("lsoa_code", keep=False).to_numpy()
    if twice.any():
        raise InvalidInputError(
            "groups maps an LSOA more than once (column 'lsoa_code'): "
            f"{describe_rows(groups, twice, ['lsoa_code'] + keys)}. Its deaths and population would be counted "
            "twice: keep one row per LSOA.")
    return keys


def pool(data: pd.DataFrame, period: str, by) -> pd.DataFrame:
    """Sum deaths and person-years over the years of a period ("2017-19") within ``by`` x sex x age band."""
    by = [by] if isinstance(by, str) else list(by)
    yrs = period_years(period)
    have = set(data["year"].unique())
    if not set(yrs) <= have:
        raise InvalidInputError(f"period {period} needs years {yrs}, but the data hold {sorted(have)}; choose a "
                                "period inside the data's years.")
    sub = data[data["year"].isin(yrs)]
    blank = sub[by + ["sex", "age"]].isna().any(axis=1).to_numpy()
    if blank.any():
        raise InvalidInputError(
            f"pool: missing group, sex or age in {describe_rows(sub, blank, by + ['sex', 'age', 'year'])}; these "
            "rows would drop out of the totals. Fill in the keys or remove the rows.")
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


def _n_categories(frame: pd.DataFrame, quantile: str, n_quantiles: int | None) -> int:
    """The number of categories: given, else 10 for deciles, 5 for quintiles, else the largest label."""
    if n_quantiles:
        return int(n_quantiles)
    if "decile" in quantile:
        return 10
    if "quintile" in quantile:
        return 5
    return int(pd.to_numeric(frame[quantile]).max())


def gap(decile_le: pd.DataFrame, *, quantile: str = "decile", by=None, n_quantiles: int | None = None) -> pd.DataFrame:
    """Gap in LE between the least and most deprived category (``n`` minus 1) with a 95% CI
    (``sqrt(SE1^2 + SEn^2)``, the two groups being independent).

    Every group gets a row: where category 1 or ``n`` (default 10 for deciles, 5 for quintiles) is missing or its
    LE suppressed, the gap is NA with a ``suppression_reason`` (never the gap to the highest category present).
    """
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    keys = by + [c for c in ("sex", "period", "le_age") if c in decile_le and c not in by]
    top = _n_categories(decile_le, quantile, n_quantiles)
    dup = decile_le.duplicated(keys + [quantile], keep=False).to_numpy()
    if dup.any():
        raise InvalidInputError(f"gap: more than one row per group and {quantile} in "
                                f"{describe_rows(decile_le, dup, keys + [quantile])}; give one LE per category.")
    groups = decile_le[keys].drop_duplicates().reset_index(drop=True) if keys else pd.DataFrame(index=[0])
    cols = ["value", "se"]
    most = decile_le[decile_le[quantile] == 1][keys + cols].rename(columns={"value": "most_deprived", "se": "se1"})
    least = decile_le[decile_le[quantile] == top][keys + cols].rename(columns={"value": "least_deprived",
                                                                               "se": "sen"})
    if keys:
        out = groups.merge(most, on=keys, how="left").merge(least, on=keys, how="left")
    else:
        out = pd.concat([most.reset_index(drop=True), least.reset_index(drop=True)], axis=1).reindex([0])
    out["value"] = out["least_deprived"] - out["most_deprived"]
    se = np.sqrt(out["sen"] ** 2 + out["se1"] ** 2)
    out["lower_ci"] = out["value"] - 1.959964 * se
    out["upper_ci"] = out["value"] + 1.959964 * se
    out["statistic"] = f"Gap in life expectancy, {quantile} {top} minus {quantile} 1"
    reason = np.where(out["value"].isna(), f"no life expectancy for {quantile} 1 or {top} (missing or suppressed)",
                      None)
    out["suppression_reason"] = pd.array(reason, dtype="string")
    return out.drop(columns=["se1", "sen"])


def sii(decile_le: pd.DataFrame, *, quantile: str = "decile", by=None, repetitions: int = 100_000,
        seed: int = 92901, n_quantiles: int | None = None) -> pd.DataFrame:
    """Slope index of inequality in LE across the categories (1 = most deprived) per ``by`` x sex x period x
    le_age, weighted by each category's population, limits simulated from the LE CIs (Fingertips 92901).

    Every group gets a row. As PHEindicatormethods and Fingertips do, the SII is not calculated (NA, with the
    reason in ``suppression_reason`` and one :class:`~healthintel.errors.SuppressionWarning`) when any of the
    ``n_quantiles`` categories (default 10 for deciles, 5 for quintiles) is missing or its LE is suppressed: a
    suppressed value is never filled in, and 9 deciles are never fitted as if they were the whole set.
    """
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    keys = by + [c for c in ("sex", "period", "le_age") if c in decile_le and c not in by]
    missing = [c for c in keys + [quantile, "value", "lower_ci", "upper_ci", "population_used", "le_age"]
               if c not in decile_le]
    if missing:
        raise InvalidInputError(f"sii needs the columns of le_table() by {quantile!r}; {missing} are missing.")
    n = _n_categories(decile_le, quantile, n_quantiles)
    # every age is weighted by the category's whole population (population_used at birth), as Fingertips does
    base = [k for k in keys if k != "le_age"] + [quantile]
    at_birth = decile_le[decile_le["le_age"] == 0][base + ["population_used"]].rename(
        columns={"population_used": "weight"})
    data = decile_le.merge(at_birth, on=base, how="left", validate="m:1")
    out = slope_index_of_inequality(data, quantile, "weight", value="value", lower_ci="lower_ci",
                                    upper_ci="upper_ci", by=keys, repetitions=repetitions, seed=seed,
                                    incomplete="na", quantiles=range(1, n + 1))
    return out.rename(columns={"sii": "value", "sii_lower_ci": "lower_ci", "sii_upper_ci": "upper_ci"})


def _explain(reason: str) -> str:
    if reason in SUPPRESSION_EXPLAINED:
        return SUPPRESSION_EXPLAINED[reason]
    if reason.startswith("incomplete data"):
        return ("the SII needs a life expectancy for every category; it is not calculated when one is missing or "
                "suppressed (PHEindicatormethods, Fingertips).")
    if reason.startswith("no life expectancy for"):
        return "the gap needs the life expectancy of both the most and the least deprived category."
    return ""


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
                         "explanation": _explain(str(reason))})
    return pd.DataFrame(rows, columns=["table", "reason", "values", "explanation"])


# ---- the chapter's compute steps -----------------------------------------------------------------------------------
DECILE_BASES = ("local", "national")
#: The columns an area's LE is matched on to England's (benchmark, trend).
_COMPARE_KEYS = ["sex", "period", "le_age"]
#: Seed of the SII's simulated limits (the Fingertips indicator id, so every chapter draws the same limits).
SII_SEED = 92901


@dataclass(frozen=True, eq=False)
class LifeExpectancyResults:
    """Every result frame of the life expectancy analysis of one area (see :func:`analyse`).

    Attributes
    ----------
    headline : LE at birth and 65 in the period, benchmarked against England (``comparator_value``, ``benchmark``).
    trend : the area's LE in every period with its benchmark; england_trend : England's LE in every period
    (``england_source``: "published" where the published England values were given to :func:`analyse` — at
    birth — else "computed" from the England-wide deaths given).
    deciles : LE by deprivation decile in the period; gap, sii : gap (decile 10 minus 1) and SII in the period.
    sii_trend : SII at birth in every period. districts : LE by district, benchmarked against England.
    comparators : the area, the comparator areas and England in the period.
    targets : progress against the G.2 outcome-framework targets. suppressed : :func:`suppression_notes`.
    """

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


def check_decile_basis(decile_basis: str) -> str:
    """``decile_basis`` itself when it is "local" or "national"; else an :class:`InvalidInputError`."""
    if decile_basis not in DECILE_BASES:
        raise InvalidInputError(f"decile_basis must be one of {DECILE_BASES}; got {decile_basis!r}.")
    return decile_basis


def normalise_sexes(sexes) -> list[str]:
    """Sexes as "Male"/"Female" (m/f, 1/2 and any case accepted); anything else is an :class:`InvalidInputError`."""
    out = [SEX_LABELS.get(str(s).lower()) or str(s) for s in sexes]
    bad = [s for s in out if s not in ("Male", "Female")]
    if bad:
        raise InvalidInputError(f"sexes must be 'Male' and/or 'Female'; got {bad}.")
    return out


def _area_lsoas(place, vintage="imd2019") -> pd.DataFrame:
    return deprivation.load_deprivation(vintage, area=place)


def area_lsoas(place: geography.Area, decile_basis: str = "local") -> pd.DataFrame:
    """The area's LSOAs (IMD 2019, LSOA 2011) with ``lad_code``, ``lad_name`` and the ``decile`` used here.

    "local" ranks the area's LSOAs into 10 equal-count deciles within the area (Fingertips 92901); "national"
    keeps England's IMD 2019 deciles.
    """
    check_decile_basis(decile_basis)
    lsoas = _area_lsoas(place)
    if decile_basis == "local":
        return deprivation.local_quantiles(lsoas, n=10, column="decile")
    return lsoas.assign(decile=lsoas["imd_decile"])


def _dense(frame: pd.DataFrame, value: str, index: pd.Index, years: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """``frame`` (LSOA x sex x band x year rows) as a dense array [LSOA of ``index``, sex, band, year] and the
    LSOA x year cells it has rows for. Codes outside ``index`` are an :class:`InvalidInputError` (never dropped)."""
    codes = frame["lsoa_code"].astype("category")
    where = index.get_indexer(codes.cat.categories)[codes.cat.codes.to_numpy()]
    if (where < 0).any():
        raise InvalidInputError(f"{value}: {int((where < 0).sum())} row(s) have LSOA codes outside England's "
                                f"lookup (e.g. {codes[where < 0].iloc[0]!r}); check the extract with healthintel "
                                "data check.")
    sex_codes, sex_values = pd.factorize(frame["sex"])
    sex = np.array([SEX_LABELS.get(str(v).lower()) == "Female" for v in sex_values], dtype=np.int64)[sex_codes]
    band = np.searchsorted(BANDS, frame["age"].to_numpy(dtype=int), side="right") - 1
    year = np.searchsorted(years, frame["year"].to_numpy(dtype=int))
    shape = (len(index), 2, len(BANDS), len(years))
    flat = np.ravel_multi_index((where, sex, band, year), shape)
    dense = np.bincount(flat, weights=frame[value].to_numpy(dtype=float), minlength=int(np.prod(shape)))
    have = np.zeros((len(index), len(years)), dtype=bool)
    have[where, year] = True
    return dense.reshape(shape), have


def england_aggregate(deaths: pd.DataFrame, population: pd.DataFrame, years, *,
                      vintage: str = "imd2019") -> pd.DataFrame | None:
    """The England-wide aggregate :func:`analyse` takes (``lad_code`` x national ``imd_decile`` x sex x age band x
    year) from LSOA-level deaths and populations by band, when the populations cover every English LSOA of the
    vintage in every one of ``years``; ``None`` otherwise (inputs for part of England cannot give England's
    figures). Vectorised (dense LSOA x sex x band x year arrays); deaths where the population is 0 or missing
    are an :class:`InvalidInputError`, as in :func:`validate_inputs`."""
    imd = deprivation.load_deprivation(vintage)[["lsoa_code", "lad_code", "imd_decile"]].reset_index(drop=True)
    years = sorted(int(y) for y in years)
    index = pd.Index(imd["lsoa_code"])
    pop = population[population["year"].isin(years)]
    codes = pop["lsoa_code"].astype("category")
    present = codes.cat.categories[np.unique(codes.cat.codes.to_numpy())]
    if not set(present.astype(str)) >= set(index):
        return None
    p, have = _dense(pop, "population", index, years)
    if not have.all():
        return None
    d, _ = _dense(deaths[deaths["year"].isin(years)], "deaths", index, years)
    orphan = (d > 0) & (p <= 0)
    if orphan.any():
        cell = np.argwhere(orphan)[0]
        raise InvalidInputError(f"{int(orphan.sum())} deaths cell(s) have no population (e.g. LSOA "
                                f"{index[cell[0]]}, {('Male', 'Female')[cell[1]]}, age band {BANDS[cell[2]]}, "
                                f"{years[cell[3]]}); check the LSOA vintage and years of both inputs.")
    group, groups = pd.factorize(pd.MultiIndex.from_frame(imd[["lad_code", "imd_decile"]]))
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(group[order]) != 0])
    sums = {name: np.add.reduceat(arr.reshape(len(index), -1)[order], starts, axis=0)
            for name, arr in (("population", p), ("deaths", d))}
    cells = pd.MultiIndex.from_product([range(len(groups)), ("male", "female"), BANDS, years],
                                       names=["group", "sex", "age", "year"]).to_frame(index=False)
    out = pd.DataFrame({"lad_code": groups.get_level_values(0)[cells["group"]],
                        "imd_decile": groups.get_level_values(1)[cells["group"]],
                        "sex": cells["sex"].to_numpy(), "age": cells["age"].to_numpy(dtype=np.int16),
                        "year": cells["year"].to_numpy(dtype=np.int16),
                        "deaths": sums["deaths"].ravel().round().astype(np.int64),
                        "population": sums["population"].ravel()})
    return out


def missing_lsoas(population: pd.DataFrame, codes, years) -> list[tuple[str, int]]:
    """``(lsoa_code, year)`` pairs of ``codes`` x ``years`` with no population rows (an area's LSOA missing from a
    population input would silently shrink the area)."""
    codes = [str(c) for c in codes]
    sub = population.loc[population["lsoa_code"].isin(codes), ["lsoa_code", "year"]].drop_duplicates()
    have = set(zip(sub["lsoa_code"].astype(str), sub["year"].astype(int), strict=True))
    return [(c, int(y)) for y in years for c in codes if (c, int(y)) not in have]


def area_aggregate(deaths: pd.DataFrame, population: pd.DataFrame, lsoas: pd.DataFrame,
                   place: geography.Area) -> pd.DataFrame:
    """Deaths and populations of the area's LSOAs summed to district x decile (``area_code`` = the area)."""
    groups = lsoas[["lsoa_code", "lad_code", "decile"]].assign(area_code=place.code)
    return aggregate(deaths, population, groups)


def england_groups(england: pd.DataFrame) -> pd.DataFrame:
    """An England-wide aggregate (``lad_code`` x ``imd_decile`` x sex x age band x year, with ``deaths`` and
    ``population``) in this module's shape: ``decile``, sexes "Male"/"Female", ``area_code`` England."""
    eng = england.rename(columns={"imd_decile": "decile"})
    eng["sex"] = eng["sex"].map(SEX_LABELS)
    eng["area_code"] = ENGLAND
    return eng


def pool_periods(data: pd.DataFrame, periods, by) -> pd.DataFrame:
    """:func:`pool` for each of ``periods``, stacked."""
    return pd.concat([pool(data, p, by) for p in periods], ignore_index=True)


def of_sexes(frame: pd.DataFrame, sexes) -> pd.DataFrame:
    """The rows of ``frame`` for ``sexes``, index reset."""
    return frame[frame["sex"].isin(sexes)].reset_index(drop=True)


def benchmark_england(le: pd.DataFrame, england_le: pd.DataFrame) -> pd.DataFrame:
    """``le`` compared with England's LE of the same sex, period and age (Fingertips 95% CI overlap)."""
    return compare.benchmark(le, england_le[_COMPARE_KEYS + ["value"]], on=_COMPARE_KEYS, polarity="high_is_good")


def decile_results(agg: pd.DataFrame, period: str, periods, sexes, *,
                   repetitions: int = 100_000) -> dict[str, pd.DataFrame]:
    """LE by decile in ``period`` (``deciles``), its ``gap`` and ``sii``; LE by decile in every period
    (``deciles_by_period``) and the SII at birth in every period (``sii_trend``, every sex)."""
    deciles = of_sexes(le_table(pool(agg, period, ["area_code", "decile"]), ["area_code", "decile"]), sexes)
    by_period = le_table(pool_periods(agg, periods, ["area_code", "decile"]), ["area_code", "decile"])
    return {
        "deciles": deciles,
        "gap": gap(deciles, by=["area_code"]),
        "sii": sii(deciles, by=["area_code"], repetitions=repetitions, seed=SII_SEED),
        "deciles_by_period": by_period,
        "sii_trend": sii(by_period[by_period["le_age"] == 0], by=["area_code"], repetitions=repetitions,
                         seed=SII_SEED),
    }


def district_results(agg: pd.DataFrame, england_le: pd.DataFrame, period: str, sexes,
                     lad_names: dict) -> pd.DataFrame:
    """LE by district in ``period``, benchmarked against England, with ``area_name`` (from ``lad_names``)."""
    districts = benchmark_england(le_table(pool(agg, period, ["lad_code"]), ["lad_code"]), england_le)
    districts.insert(1, "area_name", districts["lad_code"].map(lad_names))
    return of_sexes(districts, sexes)


def comparator_results(england: pd.DataFrame, area_le: pd.DataFrame, england_le: pd.DataFrame,
                       place: geography.Area, comparators, period: str, sexes) -> pd.DataFrame:
    """LE in ``period`` of the area, each comparator area (from the England-wide aggregate ``england``, by its
    districts) and England, with ``area_name``."""
    rows = []
    for name in comparators:
        c = geography.resolve_area(name)
        members = set(geography.lsoas_in(c)["lad_code"])
        sub = england[england["lad_code"].isin(members)].assign(area_code=c.code)
        rows.append(le_table(pool(sub, period, ["area_code"]), ["area_code"]).assign(area_name=c.name))
    comp = pd.concat([area_le[area_le["period"] == period].assign(area_name=place.name), *rows,
                      england_le[england_le["period"] == period].assign(area_name="England")], ignore_index=True)
    return of_sexes(comp, sexes)


def target_results(area_le: pd.DataFrame, sii_trend: pd.DataFrame, sexes,
                   place: geography.Area | None = None) -> pd.DataFrame:
    """Progress of LE at birth and the SII against the G.2 targets of the outcome framework, for ``sexes``.

    With ``place``, the goals are those of :func:`healthintel.compare.published.area_targets` (baselines fixed
    once from the area's published values, as the outcomes tracker states them; ``goal_text`` and
    ``baseline_source`` say how), so they never move with the deaths analysed. Without it (the old behaviour)
    a baseline the registry leaves null is read from ``area_le`` itself.
    """
    obs = pd.concat([
        area_le[area_le["le_age"] == 0].assign(id=lambda f: "G.2-LE-" + f["sex"].str[0]),
        sii_trend.assign(id=lambda f: "G.2-SII-" + f["sex"].str[0]),
    ], ignore_index=True)[["id", "period", "value"]]
    if place is None:
        targets = compare.target_progress(obs, compare.load_targets())
    else:
        goals = compare.area_targets(place)
        goals = goals[goals["id"].str.startswith("G.2")].reset_index(drop=True)
        targets = compare.target_progress(obs, goals, baseline_from_data=False).merge(
            goals[["id", "goal_text", "baseline_source"]], on="id", how="left")
    targets = targets[targets["id"].str.startswith("G.2")].reset_index(drop=True)
    return targets[targets["id"].str[-1].isin([s[0] for s in sexes])].reset_index(drop=True)


def with_published_england(england_le: pd.DataFrame, published: pd.DataFrame | None) -> pd.DataFrame:
    """England's LE (:func:`le_table` of the England-wide deaths) with the published values put in place of the
    computed ones, at birth, for every period and sex published.

    ``published`` has ``period``, ``sex``, ``value`` and optionally ``lower_ci``/``upper_ci`` (e.g.
    :func:`healthintel.sources.published.published_values` of Fingertips 90366 for England). The replaced rows
    keep no deaths or population (NaN) and have ``england_source`` "published"; the others "computed".
    """
    out = england_le.copy()
    out["england_source"] = "computed"
    if published is None or published.empty:
        return out
    pub = published[published["value"].notna()].drop_duplicates(["period", "sex"])
    pub = pub.set_index(["period", "sex"])
    keys = pd.MultiIndex.from_arrays([out["period"], out["sex"]])
    hit = keys.isin(pub.index) & (out["le_age"] == 0).to_numpy()
    matched = pub.reindex(keys[hit])
    out.loc[hit, "value"] = matched["value"].to_numpy(dtype=float)
    for col in ("lower_ci", "upper_ci"):
        out.loc[hit, col] = matched[col].to_numpy(dtype=float) if col in matched else np.nan
    out.loc[hit, [c for c in ("population_used", "deaths_used", "se") if c in out]] = np.nan
    out.loc[hit, "england_source"] = "published"
    return out


def trend_results(area_le: pd.DataFrame, benchmarked: pd.DataFrame, sexes) -> pd.DataFrame:
    """The area's LE in every period for ``sexes`` with its England benchmark."""
    return area_le[area_le["sex"].isin(sexes)].merge(
        benchmarked[_COMPARE_KEYS + ["benchmark"]], on=_COMPARE_KEYS, how="left")


def analyse(deaths: pd.DataFrame, population: pd.DataFrame, england: pd.DataFrame | None, lsoas: pd.DataFrame, *,
            place: geography.Area, period: str, periods, sexes=("Male", "Female"), decile_basis: str = "local",
            comparators=(), repetitions: int = 100_000,
            england_published: pd.DataFrame | None = None) -> LifeExpectancyResults:
    """Every result frame of the life expectancy chapter for ``place``.

    ``deaths`` and ``population`` are LSOA-level (:func:`validate_inputs`) for the LSOAs of ``lsoas``
    (:func:`area_lsoas`); ``england`` is the England-wide aggregate by district and national decile
    (:func:`england_groups` shapes it), from which England and the ``comparators`` (area names) are computed;
    ``None`` when the inputs do not cover England (then no England comparison and no comparators).
    ``periods`` are the 3-year periods of the trend; ``period`` the one shown in detail. ``decile_basis`` only
    labels the suppression notes (the deciles are those of ``lsoas``). ``england_published`` (published England
    LE at birth, see :func:`with_published_england`) replaces the computed England values it covers: the
    benchmarks, the England line and the comparator table then use them. Goals: :func:`target_results` for
    ``place``.
    """
    sexes = normalise_sexes(sexes)
    agg = area_aggregate(deaths, population, lsoas, place)
    area_le = le_table(pool_periods(agg, periods, ["area_code"]), ["area_code"])
    if england is None:  # inputs that do not cover England: no England line, benchmark or comparators
        eng, eng_le, comparators = None, area_le.iloc[:0].copy(), ()
    else:
        eng = england_groups(england)
        eng_le = le_table(pool_periods(eng, periods, ["area_code"]), ["area_code"])
    eng_le = with_published_england(eng_le, england_published)
    benchmarked = benchmark_england(area_le, eng_le)
    dec = decile_results(agg, period, periods, sexes, repetitions=repetitions)
    lad_names = dict(zip(lsoas["lad_code"], lsoas["lad_name"], strict=False))
    districts = district_results(agg, eng_le, period, sexes, lad_names)
    comp = comparator_results(eng, area_le, eng_le, place, comparators, period, sexes)
    suppressed = suppression_notes(area_le, dec["deciles"], districts, comp, dec["deciles_by_period"], dec["gap"],
                                   dec["sii"], dec["sii_trend"],
                                   labels=["area by period", f"{decile_basis} deciles", "districts", "comparators",
                                           "deciles by period (SII trend)", "gap", "SII", "SII trend"])
    return LifeExpectancyResults(
        headline=of_sexes(benchmarked[benchmarked["period"] == period], sexes),
        trend=trend_results(area_le, benchmarked, sexes),
        england_trend=of_sexes(eng_le, sexes),
        deciles=dec["deciles"], gap=dec["gap"], sii=dec["sii"],
        sii_trend=of_sexes(dec["sii_trend"], sexes),
        districts=districts, comparators=comp,
        targets=target_results(area_le, dec["sii_trend"], sexes, place),
        suppressed=suppressed,
    )
