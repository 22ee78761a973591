"""Readers for published figures: the first user's KPI dashboard and published Fingertips values.

Each returns a tidy frame in healthintel's columns (``area_code``, ``area_name``, ``period``, ``sex``,
``value``, ``lower_ci``, ``upper_ci``, ``published_benchmark``, ``indicator_id``) with the catalog id in
``attrs["sources"]``.

- :func:`fingertips_extract`: the four series extracts of the data mirror (Fingertips 90366, 92901, 90323,
  20602: Kent's districts, Medway and England; no confidence limits, no Kent county row).
- :func:`published_values`: every published value of one Fingertips indicator across all the mirror's published
  files (those four extracts and the ``fingertips_published/`` files: Kent county, Medway, Kent's districts,
  England, CIPFA neighbours), one row per area, sex and period, each row naming the file it came from
  (``source``). Where two files hold the same area, sex and period the newer download wins
  (:data:`PUBLISHED_FILES` order). Values are never recalculated.
- :func:`kpi_dashboard_data`: Kent County Council's public-health KPI dashboard (Kent only; :data:`KPI_AREAS`).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from .readers import csv_table

__all__ = ["kpi_dashboard_data", "fingertips_extract", "FINGERTIPS_EXTRACTS", "PUBLISHED_TARGET_OVERRIDES",
           "NCMP_OBESITY_EXTRACTS", "ncmp_obesity_extract", "KPI_AREAS", "PUBLISHED_FILES", "PUBLISHED_COLUMNS",
           "published_values", "published_indicator_ids"]

#: Areas the KPI dashboard covers (GSS code -> name): the paper is Kent County Council's.
KPI_AREAS = {"E10000016": "Kent"}

#: KPI rows the paper rated against the following financial year's target (see the KPI README): target set
#: explicitly per period. PH25 2022/23 Q3 has no 2022/23 target, so the 2023/24 one applies anyway.
PUBLISHED_TARGET_OVERRIDES = {("PH11", "2022/23 Q4"): 55.0, ("PH25", "2022/23 Q3"): 55.0}

#: Fingertips indicator id -> catalog id of the mirror extract.
FINGERTIPS_EXTRACTS = {
    90366: "fingertips_le_birth_90366",
    92901: "fingertips_sii_le_92901",
    90323: "fingertips_y6_obesity_90323",
    20602: "fingertips_y6_excess_weight_20602",
}


def kpi_dashboard_data(*, target_overrides: dict | None = None) -> pd.DataFrame:
    """The KPI dashboard figures (14 KPIs × 5 quarters) with one ``target`` per row.

    ``target`` is the target of the period's financial year (``target_2022_23`` for "2022/23 Qn"), falling back
    to the next year's when a year has none, then ``target_overrides`` (default
    :data:`PUBLISHED_TARGET_OVERRIDES`, the ratings the paper made against the following year's target; pass
    ``{}`` to apply the printed columns only). ``rag_published`` is the rating printed in the paper.
    """
    overrides = PUBLISHED_TARGET_OVERRIDES if target_overrides is None else target_overrides
    df = csv_table("kpi_public_health_2022_24")
    fy = df["period"].str.extract(r"^(\d{4}/\d{2})")[0].str.replace("/", "_", regex=False)
    year_cols = sorted(c for c in df.columns if c.startswith("target_"))
    targets = df[year_cols].to_numpy(dtype=float)
    col_index = {c.removeprefix("target_"): i for i, c in enumerate(year_cols)}
    pos = fy.map(col_index).to_numpy(dtype=int)
    target = targets[np.arange(len(df)), pos]
    nxt = targets[np.arange(len(df)), np.minimum(pos + 1, len(year_cols) - 1)]
    target = np.where(np.isnan(target), nxt, target)
    df["target"] = target
    for (kpi, period), value in overrides.items():
        df.loc[(df["kpi_id"] == kpi) & (df["period"] == period), "target"] = float(value)
    df["rag_published"] = df["rag_published"].fillna("")
    df["value_text"] = [
        ("nca" if pd.isna(v) else (f"{v:,.0f}" if u == "count" else f"{v:g}%")) for v, u in zip(df["value"], df["unit"])
    ]
    df.attrs["sources"] = ["kpi_public_health_2022_24"]
    return df


def _period_label(p: str) -> str:
    """Fingertips "2015 - 17" -> "2015-17" (healthintel's pooled-years form); others unchanged."""
    return re.sub(r"\s*-\s*", "-", str(p)).strip()


def fingertips_extract(indicator_id: int) -> pd.DataFrame:
    """A published Fingertips extract (Kent districts, Medway, England) as a tidy frame.

    Columns: ``indicator_id``, ``indicator``, ``area_code``, ``area_name``, ``period``, ``sex`` ("Male",
    "Female" or "Persons"), ``value``, ``lower_ci``/``upper_ci`` (NaN: not in the extract), ``unit``,
    ``published_benchmark`` (Fingertips' own "compared to England" label) and ``inequality`` (deprivation
    quintile rows, else NA). Only single-period, whole-area rows are kept for the NCMP extracts.
    """
    dataset_id = FINGERTIPS_EXTRACTS[int(indicator_id)]
    df = csv_table(dataset_id)
    bench = "compared_to_England" if "compared_to_England" in df.columns else "significance"
    if "inequality" in df.columns and df["inequality"].isin(["Male", "Female"]).any():
        sex = df["inequality"]
        inequality = pd.Series(pd.NA, index=df.index, dtype=object)
    else:
        sex = pd.Series("Persons", index=df.index)
        inequality = df["inequality"] if "inequality" in df.columns else pd.Series(pd.NA, index=df.index)
    out = pd.DataFrame({
        "indicator_id": int(indicator_id),
        "indicator": df["indicator"],
        "area_code": df["area_code"],
        "area_name": df["area_name"].str.replace("&", "and", regex=False),
        "period": df["period"].map(_period_label),
        "sex": sex.to_numpy(),
        "value": pd.to_numeric(df["value"], errors="coerce"),
        "lower_ci": np.nan,
        "upper_ci": np.nan,
        "unit": df["measure"] if "measure" in df.columns else "",
        "published_benchmark": df[bench],
        "inequality": inequality.to_numpy(),
    })
    if int(indicator_id) == 90323:  # keep the single-year whole-area series (drop the 5-year quintile rows)
        out = out[out["inequality"].isna() & ~out["period"].str.contains("-")]
    out = out.reset_index(drop=True)
    out.attrs["sources"] = [dataset_id]
    return out


#: NCMP school year -> catalog id of the Fingertips obesity (incl. severe obesity) extract: 90323 / 90319.
NCMP_OBESITY_EXTRACTS = {"Year 6": "fingertips_y6_obesity_90323", "Reception": "fingertips_reception_obesity_90319"}


def ncmp_obesity_extract(school_year: str = "Year 6") -> pd.DataFrame:
    """The published NCMP obesity prevalence (incl. severe) of one school year: England, Kent's districts and
    Medway, single academic years, whole areas (no deprivation-quintile rows, no pooled periods).

    Columns ``area_code``, ``area_name`` ("&" spelt "and"), ``academic_year``, ``value`` (%, 1 d.p.; no CIs in
    the extract); the catalog id in ``attrs["sources"]``. ``school_year`` is a key of
    :data:`NCMP_OBESITY_EXTRACTS`.
    """
    dataset_id = NCMP_OBESITY_EXTRACTS[school_year]
    df = csv_table(dataset_id)
    df = df[df["inequality"].isna() & ~df["period"].astype(str).str.contains(" - ")]
    out = pd.DataFrame({"area_code": df["area_code"], "area_name": df["area_name"].str.replace("&", "and"),
                        "academic_year": df["period"].astype(str),
                        "value": pd.to_numeric(df["value"], errors="coerce")})
    out.attrs["sources"] = [dataset_id]
    return out.reset_index(drop=True)


#: Catalog ids of the files :func:`published_values` reads, newest download first: where two hold the same
#: indicator, area, sex and period, the first wins (OHID revises back series; the newer value is current).
PUBLISHED_FILES = (
    "fingertips_le_birth_90366", "fingertips_sii_le_92901", "fingertips_y6_obesity_90323",  # 2026
    "fingertips_pub_smoking_rm_92445_district", "fingertips_pub_inactive_93015_district",  # 2025-26
    "fingertips_pub_overweight_93088_district",
    "fingertips_pub_adult_obesity_93881", "fingertips_pub_cancer_early_93671",  # ONS ELS, 2025-26
    "fingertips_pub_england_next",  # FingertipsNext sample, 2025
    "fingertips_pub_overweight_93088_2020_21",  # ONS explorer, 2022
    "fingertips_pub_county_snapshot_2020", "fingertips_pub_district_snapshot_2020",  # January 2020
    "fingertips_y6_excess_weight_20602", "fingertips_pub_alcohol_91414_district",  # 2019
    "fingertips_pub_sii_92901_county", "fingertips_pub_gld_fsm_90632_county",
)
#: Columns of :func:`published_values`.
PUBLISHED_COLUMNS = ["indicator_id", "indicator", "area_code", "area_name", "sex", "age", "period", "value",
                     "lower_ci", "upper_ci", "count", "denominator", "published_benchmark", "source"]
#: Indicators Fingertips publishes for one sex only (their all_data rows leave ``Sex`` blank in some copies).
_ONE_SEX = {93085: "Female"}
#: FingertipsNext rows: the whole-population age band and how ``Year`` (the first year) is labelled.
_NEXT_AGE = {93085: "All ages", 93015: "19+ yrs", 93088: "18+ yrs", 93474: "All ages", 92033: "10-11 yrs"}
_NEXT_SPLIT_YEAR = {93085, 93015, 93088, 92033}  # "2023" -> "2023/24" (financial, Active Lives or school year)
_ISO_PERIOD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})/P1Y$")


def _split_year(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def _iso_period(label: str) -> str:
    """ONS ELS "2018-01-01/P1Y" -> "2018" (calendar year); "2015-11-16/P1Y" -> "2015/16" (a year across two)."""
    m = _ISO_PERIOD.match(label)
    if m is None:
        return _period_label(label)
    year = int(m.group(1))
    return m.group(1) if (m.group(2), m.group(3)) == ("01", "01") else _split_year(year)


def _all_data_rows(dataset_id: str) -> pd.DataFrame:
    """A ``fingertips_published/`` file in the Fingertips all_data layout, whole-area rows only."""
    df = csv_table(dataset_id)
    df = df[df["Category Type"].isna()]
    ids = df["Indicator ID"].astype(int)
    sex = df["Sex"].astype(object).where(df["Sex"].notna(), ids.map(_ONE_SEX).fillna("Persons"))
    return pd.DataFrame({
        "indicator_id": ids, "indicator": df["Indicator Name"], "area_code": df["Area Code"],
        "area_name": df["Area Name"].str.replace("&", "and", regex=False), "sex": sex,
        "age": df["Age"], "period": df["Time period"].astype(str).map(_iso_period),
        "value": pd.to_numeric(df["Value"], errors="coerce"),
        "lower_ci": pd.to_numeric(df["Lower CI 95.0 limit"], errors="coerce"),
        "upper_ci": pd.to_numeric(df["Upper CI 95.0 limit"], errors="coerce"),
        "count": pd.to_numeric(df["Count"], errors="coerce"),
        "denominator": pd.to_numeric(df["Denominator"], errors="coerce"),
        "published_benchmark": df["Compared to England value or percentiles"].astype(object).fillna("Not compared"),
    })


def _next_rows(dataset_id: str) -> pd.DataFrame:
    """The FingertipsNext sample (England only): whole-population rows in the all_data columns."""
    df = csv_table(dataset_id)
    ids = df["IndicatorId"].astype(int)
    df = df[df["Category"].isna() & (df["Age"] == ids.map(_NEXT_AGE))]
    ids = df["IndicatorId"].astype(int)
    year = df["Year"].astype(int)
    period = [_split_year(y) if i in _NEXT_SPLIT_YEAR else str(y) for i, y in zip(ids, year)]
    return pd.DataFrame({
        "indicator_id": ids, "indicator": "", "area_code": df["AreaCode"],
        "area_name": np.where(df["AreaCode"] == "E92000001", "England", df["AreaCode"]), "sex": df["Sex"],
        "age": df["Age"], "period": period, "value": pd.to_numeric(df["Value"], errors="coerce"),
        "lower_ci": pd.to_numeric(df["LowerCI"], errors="coerce"),
        "upper_ci": pd.to_numeric(df["UpperCI"], errors="coerce"),
        "count": pd.to_numeric(df["Count"], errors="coerce"),
        "denominator": pd.to_numeric(df["Denominator"], errors="coerce"), "published_benchmark": "Not compared",
    })


def _extract_rows(dataset_id: str) -> pd.DataFrame:
    """One of the four series extracts (:data:`FINGERTIPS_EXTRACTS`) in the all_data columns."""
    fid = next(k for k, v in FINGERTIPS_EXTRACTS.items() if v == dataset_id)
    ext = fingertips_extract(fid)
    ext = ext[ext["inequality"].isna() & ~ext["period"].str.contains(" - ")]
    return ext.assign(age="", count=np.nan, denominator=np.nan).drop(columns=["unit", "inequality"])


def _rows(dataset_id: str) -> pd.DataFrame:
    if dataset_id in FINGERTIPS_EXTRACTS.values():
        rows = _extract_rows(dataset_id)
    elif dataset_id == "fingertips_pub_england_next":
        rows = _next_rows(dataset_id)
    else:
        rows = _all_data_rows(dataset_id)
    return rows.assign(source=dataset_id)[PUBLISHED_COLUMNS]


@lru_cache(maxsize=1)
def _all_rows() -> pd.DataFrame:
    """Every file of :data:`PUBLISHED_FILES` stacked in preference order (duplicates kept)."""
    table = pd.concat([_rows(i) for i in PUBLISHED_FILES], ignore_index=True)
    table["area_code"] = table["area_code"].astype(str)
    return table


@lru_cache(maxsize=1)
def _published_table() -> pd.DataFrame:
    """:func:`_all_rows` with duplicates (indicator, area, sex, period) kept from the first file that has them."""
    table = _all_rows().drop_duplicates(["indicator_id", "area_code", "sex", "period"], keep="first")
    return table.reset_index(drop=True)


@lru_cache(maxsize=1)
def _by_indicator() -> dict[int, pd.DataFrame]:
    table = _published_table()
    return {int(k): g for k, g in table.groupby("indicator_id", sort=False)}


def published_indicator_ids() -> list[int]:
    """The Fingertips indicator ids :func:`published_values` has values for (sorted)."""
    return sorted(int(i) for i in _published_table()["indicator_id"].unique())


def published_values(indicator_id: int, *, area_codes=None) -> pd.DataFrame:
    """Every published value of one Fingertips indicator in the data mirror, one row per area, sex and period.

    Parameters
    ----------
    indicator_id : int
        The Fingertips indicator id (e.g. 90366 life expectancy at birth, 93085 smoking at time of delivery);
        :func:`published_indicator_ids` lists those with values.
    area_codes : iterable of str, optional
        Keep these GSS codes only (e.g. ``["E10000016", "E92000001"]`` for Kent county and England).

    Returns
    -------
    DataFrame
        Columns :data:`PUBLISHED_COLUMNS`: ``indicator_id``, ``indicator``, ``area_code``, ``area_name`` ("&"
        spelt "and"), ``sex`` ("Male", "Female", "Persons"; smoking at delivery is "Female"), ``age``,
        ``period`` (healthintel labels: "2016-18", "2018/19", "2018"), ``value``, ``lower_ci``/``upper_ci``
        (published 95% limits, NaN where the copy has none), ``count``, ``denominator``,
        ``published_benchmark`` (Fingertips' "compared with England" label, else "Not compared") and
        ``source`` (the catalog id of the file the row came from). Whole-area rows only (no breakdowns by
        deprivation, ethnicity, age band). A value suppressed at source is NaN. Empty (same columns) for an
        indicator the mirror does not hold. ``attrs["sources"]``: the catalog ids of the rows returned.

    Notes
    -----
    Period labels are normalised: Fingertips "2016 - 18" -> "2016-18"; ONS ISO periods "2018-01-01/P1Y" ->
    "2018" and "2015-11-16/P1Y" (an Active Lives year) -> "2015/16"; FingertipsNext ``Year`` (the first year)
    -> "2018/19" for financial, Active Lives and school years, else the calendar year.
    """
    out = _by_indicator().get(int(indicator_id), _all_rows().iloc[:0])
    if area_codes is not None:
        out = out[out["area_code"].isin(list(area_codes))]
    out = out.reset_index(drop=True).copy()
    out.attrs["sources"] = [i for i in PUBLISHED_FILES if i in set(out["source"])]
    return out
