"""Readers for published figures: the first user's KPI dashboard and Fingertips extracts (Kent, Medway, England).

Each returns a tidy frame in healthintel's columns (``area_code``, ``area_name``, ``period``, ``sex``,
``value``, ``lower_ci``, ``upper_ci``, ``published_benchmark``, ``indicator_id``) with the catalog id in
``attrs["sources"]``. The Fingertips extracts carry no confidence limits or counts (NaN here) and no Kent
county row: only Kent's districts, Medway and England.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .catalog import raw_path

__all__ = ["kpi_dashboard_data", "fingertips_extract", "FINGERTIPS_EXTRACTS", "PUBLISHED_TARGET_OVERRIDES",
           "NCMP_OBESITY_EXTRACTS", "ncmp_obesity_extract"]

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
    df = pd.read_csv(raw_path("kpi_public_health_2022_24"), encoding="utf-8-sig")
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
    df = pd.read_csv(raw_path(dataset_id), encoding="utf-8-sig", na_values=["NA"])
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
    df = pd.read_csv(raw_path(dataset_id), encoding="utf-8-sig", na_values=["NA"])
    df = df[df["inequality"].isna() & ~df["period"].astype(str).str.contains(" - ")]
    out = pd.DataFrame({"area_code": df["area_code"], "area_name": df["area_name"].str.replace("&", "and"),
                        "academic_year": df["period"].astype(str),
                        "value": pd.to_numeric(df["value"], errors="coerce")})
    out.attrs["sources"] = [dataset_id]
    return out.reset_index(drop=True)
