"""Readers: each raw source file in ``data/raw`` → a tidy, typed DataFrame with healthintel's column names.

Parsed frames are cached as parquet in ``data/processed`` (keyed by the raw file's checksum, so a new raw file
rebuilds them) — processed data is always reproducible from code + raw data.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import config
from .catalog import dataset, raw_path

IMD2019_DOMAINS = {
    "Income": "income",
    "Employment": "employment",
    "Education, Skills and Training": "education",
    "Health Deprivation and Disability": "health",
    "Crime": "crime",
    "Barriers to Housing and Services": "barriers",
    "Living Environment": "environment",
}
IOD2025_DOMAINS = {
    "Income": "income",
    "Employment": "employment",
    "Education": "education",
    "Health": "health",
    "Crime": "crime",
    "Housing_and_Services": "barriers",
    "Environment": "environment",
}
DOMAIN_LABELS = {
    "imd": "Index of Multiple Deprivation",
    "income": "Income",
    "employment": "Employment",
    "education": "Education, skills and training",
    "health": "Health deprivation and disability",
    "crime": "Crime",
    "barriers": "Barriers to housing and services",
    "environment": "Living environment",
}


def cached_parquet(target: Path, build) -> pd.DataFrame:
    """``target`` read back when it exists, else ``build()`` written there atomically (temp file + rename, so
    parallel chapter renders never read a half-written cache) and returned as read back from disk."""
    if target.exists():
        return pd.read_parquet(target)
    frame = build()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".parquet", dir=target.parent)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return pd.read_parquet(target)


def _cached(name: str, dataset_ids: list[str], build) -> pd.DataFrame:
    key = "-".join(dataset(i).sha256[:8] for i in dataset_ids)
    return cached_parquet(config.processed_dir() / f"{name}-{key}.parquet", build)


def _csv(dataset_id: str, **kw) -> pd.DataFrame:
    return pd.read_csv(raw_path(dataset_id), encoding="utf-8-sig", **kw)


@lru_cache(maxsize=1)
def imd2019_index() -> pd.DataFrame:
    """IMD 2019 File 1 + File 2 + scores + File 6 denominators + income/employment rates, one row per LSOA 2011."""

    def build():
        f1 = _csv("imd2019_index", thousands=",")
        f1.columns = ["lsoa_code", "lsoa_name", "lad_code", "lad_name", "imd_rank", "imd_decile"]
        f2 = _csv("imd2019_domains", thousands=",")
        cols = {"LSOA code (2011)": "lsoa_code"}
        for label, short in IMD2019_DOMAINS.items():
            for c in f2.columns:
                if c.startswith(f"{label} Rank"):
                    cols[c] = f"{short}_rank"
                elif c.startswith(f"{label} Decile"):
                    cols[c] = f"{short}_decile"
        f2 = f2[list(cols)].rename(columns=cols)
        scores = _csv("imd2019_scores")[["lsoa_code", "imd_score"]]
        f6 = _csv("imd2019_population", thousands=",")
        f6 = f6.iloc[:, [0, 4, 5, 6, 7, 8]]
        f6.columns = [
            "lsoa_code", "population_2015", "population_2015_0_15", "population_2015_16_59",
            "population_2015_60_plus", "population_2015_working_age",
        ]
        ms = _csv("imd2019_income_employment")
        ms = ms.loc[ms["nation"] == "E", ["lsoa", "income_score", "employment_score"]]
        ms.columns = ["lsoa_code", "income_score", "employment_score"]
        ms[["income_score", "employment_score"]] = ms[["income_score", "employment_score"]] / 100
        out = (f1.merge(scores, on="lsoa_code", how="left", validate="1:1")
                 .merge(f2, on="lsoa_code", how="left", validate="1:1")
                 .merge(ms, on="lsoa_code", how="left", validate="1:1")
                 .merge(f6, on="lsoa_code", how="left", validate="1:1"))
        return out

    return _cached(
        "imd2019_lsoa11",
        ["imd2019_index", "imd2019_domains", "imd2019_scores", "imd2019_income_employment", "imd2019_population"],
        build,
    )


@lru_cache(maxsize=1)
def imd2019_la_summary() -> pd.DataFrame:
    """IMD 2019 File 10 district summaries: ``lad_code``, ``average_score``, ``proportion``, ``extent``."""
    df = _csv("imd2019_la_summary")
    return df.rename(columns={"ltla19_code": "lad_code", "Score": "average_score", "Proportion": "proportion",
                              "Extent": "extent"})[["lad_code", "average_score", "proportion", "extent"]]


@lru_cache(maxsize=1)
def iod2025_lsoa() -> pd.DataFrame:
    """IoD 2025 scores, ranks and deciles for IMD and the 7 domains, one row per LSOA 2021."""

    def build():
        df = _csv("iod2025_lsoa")
        ren = {"lsoa21_code": "lsoa_code"}
        for c in df.columns:
            for src, short in {"IMD": "imd", **IOD2025_DOMAINS}.items():
                for part in ("decile", "rank", "score"):
                    if c == f"{src}_{part}":
                        ren[c] = f"{short}_{part}"
        return df.rename(columns=ren)

    return _cached("iod2025_lsoa21", ["iod2025_lsoa"], build)


@lru_cache(maxsize=1)
def iod2025_la_summary() -> pd.DataFrame:
    df = _csv("iod2025_la_summary")
    return df.rename(columns={"ltla24_code": "lad_code", "ltla24_name": "lad_name",
                              "imd_average_score": "average_score"})


@lru_cache(maxsize=1)
def lookup_lsoa21_ltla24() -> pd.DataFrame:
    df = _csv("lookup_lsoa21_ltla24")
    df = df[df["lsoa21_code"].str.startswith("E01")]
    return (df.rename(columns={"lsoa21_code": "lsoa_code", "lsoa21_name": "lsoa_name",
                               "ltla24_code": "lad_code", "ltla24_name": "lad_name"})
              [["lsoa_code", "lsoa_name", "lad_code", "lad_name"]]
              .drop_duplicates("lsoa_code").reset_index(drop=True))


@lru_cache(maxsize=2)
def lookup_ltla_utla(year: int) -> pd.DataFrame:
    """District → county/unitary lookup: ``lad_code``, ``utla_code``, ``utla_name``."""
    ds = {2019: "lookup_ltla19_utla19", 2021: "lookup_ltla21_utla21"}[year]
    df = _csv(ds)
    y = str(year)[2:]
    df = df.rename(columns={f"ltla{y}_code": "lad_code", f"utla{y}_code": "utla_code", f"utla{y}_name": "utla_name"})
    return df[["lad_code", "utla_code", "utla_name"]].drop_duplicates("lad_code")


@lru_cache(maxsize=1)
def population_lsoa11_2019() -> pd.DataFrame:
    """ONS mid-2019 LSOA 2011 population (SAPE22DT2), long: ``lsoa_code``, ``sex``, ``age`` (0–90; 90 = 90+),
    ``population``. ``sex`` is "female"/"male"."""

    def build():
        wide = _csv("population_lsoa11_2019")
        ages = [str(a) for a in range(90)] + ["90+"]
        long = wide.melt(id_vars=["lsoa11_code", "sex"], value_vars=ages, var_name="age", value_name="population")
        long["age"] = long["age"].str.replace("+", "", regex=False).astype("int16")
        long["sex"] = long["sex"].map({"f": "female", "m": "male"}).astype("category")
        long = long.rename(columns={"lsoa11_code": "lsoa_code"})
        long["population"] = long["population"].astype("int32")
        return long[long["lsoa_code"].str.startswith("E01")].reset_index(drop=True)

    return _cached("population_lsoa11_2019_syoa_sex", ["population_lsoa11_2019"], build)


def lsoa_boundaries(vintage: str = "imd2019"):
    """LSOA boundaries (GeoDataFrame, ``lsoa_code`` column) of the vintage's census geography.

    The data mirror holds Kent and Medway only; other areas' LSOAs are absent (charts say so).
    """
    import geopandas as gpd

    if vintage == "imd2019":
        gdf = gpd.read_file(raw_path("boundaries_lsoa11_kent_medway"))
        return gdf.rename(columns={"LSOA11CD": "lsoa_code"})[["lsoa_code", "geometry"]]
    gdf = gpd.read_file(raw_path("boundaries_lsoa21_kent_medway"))
    return gdf.rename(columns={"LSOA21CD": "lsoa_code"})[["lsoa_code", "geometry"]]


def lad_boundaries():
    import geopandas as gpd

    gdf = gpd.read_file(raw_path("boundaries_lad24"))
    return gdf.rename(columns={"LAD24CD": "lad_code", "LAD24NM": "lad_name"})[["lad_code", "lad_name", "geometry"]]
