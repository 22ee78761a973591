"""Readers: each source file → a tidy, typed DataFrame with healthintel's column names.

Each reader resolves its table through :func:`healthintel.sources.kit.resolve`: the files in ``data/raw`` when
they are there, else the embedded data kit (``data/kit``) when it holds the table and the rows asked for, else
the fetch (mirror, then the publisher's download) into ``data/raw``. Frames parsed from ``data/raw`` are cached as
parquet in ``data/processed`` (keyed by the raw files' checksums, so a new raw file rebuilds them) — processed
data is always reproducible from code + raw data. :data:`TABLES` maps each kit table to the function that builds
it from ``data/raw`` (``healthintel data build-kit`` uses it).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import HealthIntelError
from . import kit
from .catalog import file_sha256, raw_path

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
    key = "-".join(file_sha256(i)[:8] for i in dataset_ids)
    return cached_parquet(config.processed_dir() / f"{name}-{key}.parquet", build)


def _csv(dataset_id: str, **kw) -> pd.DataFrame:
    return pd.read_csv(raw_path(dataset_id), encoding="utf-8-sig", **kw)


def csv_table(dataset_id: str) -> pd.DataFrame:
    """A catalog CSV read whole with the options ``sources/kit.yaml`` gives it (data/raw → kit → fetch).

    From ``data/raw`` the parsed frame is cached as parquet, so it reads back exactly as the kit's copy does.
    """
    t = kit.table(dataset_id)
    if t.kind != "csv":
        raise HealthIntelError(f"{dataset_id!r} is a reader table of the kit, not a whole CSV file.")

    def build() -> pd.DataFrame:
        return _cached(f"csv_{dataset_id}", [dataset_id], lambda: csv_from_raw(dataset_id))

    return kit.resolve(dataset_id, build)


def csv_from_raw(dataset_id: str) -> pd.DataFrame:
    """The catalog CSV in data/raw (fetched when missing) read whole with its ``sources/kit.yaml`` options: what
    :func:`csv_table` caches and the kit stores."""
    return pd.read_csv(raw_path(dataset_id), **kit.table(dataset_id).read)


def _table(name: str, *, lsoas: Iterable[str] | None = None) -> pd.DataFrame:
    """Kit table ``name`` resolved data/raw → kit → fetch; from data/raw through its builder in :data:`TABLES`."""
    builder = TABLES[name]
    if kit.table(name).geo:
        return kit.resolve(name, builder, lsoas=lsoas)
    return kit.resolve(name, lambda: _cached(name, list(kit.table(name).sources), builder), lsoas=lsoas)


@lru_cache(maxsize=1)
def imd2019_index() -> pd.DataFrame:
    """IMD 2019 File 1 + File 2 + scores + File 6 denominators + income/employment rates, one row per LSOA 2011."""
    return _table("imd2019_lsoa11")


def _build_imd2019_index() -> pd.DataFrame:
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


@lru_cache(maxsize=1)
def imd2019_la_summary() -> pd.DataFrame:
    """IMD 2019 File 10 district summaries: ``lad_code``, ``average_score``, ``proportion``, ``extent``."""
    return _table("imd2019_la_summary")


def _build_imd2019_la_summary() -> pd.DataFrame:
    df = _csv("imd2019_la_summary")
    return df.rename(columns={"ltla19_code": "lad_code", "Score": "average_score", "Proportion": "proportion",
                              "Extent": "extent"})[["lad_code", "average_score", "proportion", "extent"]]


@lru_cache(maxsize=1)
def iod2025_lsoa() -> pd.DataFrame:
    """IoD 2025 scores, ranks and deciles for IMD and the 7 domains, one row per LSOA 2021."""
    return _table("iod2025_lsoa21")


def _build_iod2025_lsoa() -> pd.DataFrame:
    df = _csv("iod2025_lsoa")
    ren = {"lsoa21_code": "lsoa_code"}
    for c in df.columns:
        for src, short in {"IMD": "imd", **IOD2025_DOMAINS}.items():
            for part in ("decile", "rank", "score"):
                if c == f"{src}_{part}":
                    ren[c] = f"{short}_{part}"
    return df.rename(columns=ren)


@lru_cache(maxsize=1)
def iod2025_la_summary() -> pd.DataFrame:
    return _table("iod2025_la_summary")


def _build_iod2025_la_summary() -> pd.DataFrame:
    df = _csv("iod2025_la_summary")
    return df.rename(columns={"ltla24_code": "lad_code", "ltla24_name": "lad_name",
                              "imd_average_score": "average_score"})


@lru_cache(maxsize=1)
def lookup_lsoa21_ltla24() -> pd.DataFrame:
    return _table("lookup_lsoa21_ltla24")


def _build_lookup_lsoa21_ltla24() -> pd.DataFrame:
    df = _csv("lookup_lsoa21_ltla24")
    df = df[df["lsoa21_code"].str.startswith("E01")]
    return (df.rename(columns={"lsoa21_code": "lsoa_code", "lsoa21_name": "lsoa_name",
                               "ltla24_code": "lad_code", "ltla24_name": "lad_name"})
              [["lsoa_code", "lsoa_name", "lad_code", "lad_name"]]
              .drop_duplicates("lsoa_code").reset_index(drop=True))


@lru_cache(maxsize=2)
def lookup_ltla_utla(year: int) -> pd.DataFrame:
    """District → county/unitary lookup: ``lad_code``, ``utla_code``, ``utla_name``."""
    if year not in (2019, 2021):
        raise HealthIntelError(f"no district to county lookup for {year}; use 2019 or 2021.")
    return _table(f"lookup_ltla_utla_{year}")


def _build_lookup_ltla_utla(year: int) -> pd.DataFrame:
    ds = {2019: "lookup_ltla19_utla19", 2021: "lookup_ltla21_utla21"}[year]
    df = _csv(ds)
    y = str(year)[2:]
    df = df.rename(columns={f"ltla{y}_code": "lad_code", f"utla{y}_code": "utla_code", f"utla{y}_name": "utla_name"})
    return df[["lad_code", "utla_code", "utla_name"]].drop_duplicates("lad_code").reset_index(drop=True)


def population_lsoa11_2019(lsoas: Iterable[str] | None = None) -> pd.DataFrame:
    """ONS mid-2019 LSOA 2011 population (SAPE22DT2), long: ``lsoa_code``, ``sex``, ``age`` (0–90; 90 = 90+),
    ``population``. ``sex`` is "female"/"male".

    ``lsoas`` limits the rows to those LSOAs (the embedded kit holds Kent, Medway and their neighbours, and serves
    requests inside them); without it, every LSOA in England (the full file: data/raw or the fetch).
    """
    if lsoas is None:
        return _population_all().copy()
    wanted = pd.Index(pd.unique(pd.Series(list(lsoas), dtype=object).astype(str)))
    frame = kit.resolve("population_lsoa11_2019", _population_all, lsoas=wanted)
    return frame[frame["lsoa_code"].isin(wanted)].reset_index(drop=True)


@lru_cache(maxsize=1)
def _population_all() -> pd.DataFrame:
    """Every LSOA in England, from data/raw (fetched when missing: the kit holds only some districts)."""
    return _cached("population_lsoa11_2019_syoa_sex", ["population_lsoa11_2019"], _build_population)


def _build_population() -> pd.DataFrame:
    wide = _csv("population_lsoa11_2019")
    ages = [str(a) for a in range(90)] + ["90+"]
    long = wide.melt(id_vars=["lsoa11_code", "sex"], value_vars=ages, var_name="age", value_name="population")
    long["age"] = long["age"].str.replace("+", "", regex=False).astype("int16")
    long["sex"] = long["sex"].map({"f": "female", "m": "male"}).astype("category")
    long = long.rename(columns={"lsoa11_code": "lsoa_code"})
    long["population"] = long["population"].astype("int32")
    return long[long["lsoa_code"].str.startswith("E01")].reset_index(drop=True)


def _build_population_kit() -> pd.DataFrame:
    """The kit's rows of the single-year populations: the LSOAs of the districts ``sources/kit.yaml`` names."""
    lads = set(kit.table("population_lsoa11_2019").lads)
    idx = imd2019_index()
    codes = idx.loc[idx["lad_code"].isin(lads), "lsoa_code"]
    pop = _population_all()
    return pop[pop["lsoa_code"].isin(codes)].reset_index(drop=True)


@lru_cache(maxsize=1)
def population_lsoa11_2019_totals() -> pd.DataFrame:
    """Mid-2019 residents of every LSOA 2011 in England: ``lsoa_code``, ``population`` (all ages, both sexes)."""
    return _table("population_lsoa11_2019_totals")


def _build_population_totals() -> pd.DataFrame:
    pop = _population_all()
    out = pop.groupby("lsoa_code", observed=True, sort=True)["population"].sum().reset_index()
    out["population"] = out["population"].astype("int64")
    return out


@lru_cache(maxsize=1)
def population_lsoa11_2019_england() -> pd.DataFrame:
    """Mid-2019 residents of England by ``sex`` and ``age`` (0–90; 90 = 90+): the sum over every LSOA."""
    return _table("population_lsoa11_2019_england")


def _build_population_england() -> pd.DataFrame:
    pop = _population_all()
    out = pop.groupby(["sex", "age"], observed=True, sort=True)["population"].sum().reset_index()
    out["sex"] = out["sex"].astype(str)
    out["population"] = out["population"].astype("int64")
    return out


#: Start of each age band of the abridged life table (0, 1-4, 5-9, ..., 85-89, 90+).
LIFE_TABLE_BANDS = (0, 1, *range(5, 95, 5))


@lru_cache(maxsize=1)
def population_lsoa11_2019_bands() -> pd.DataFrame:
    """Mid-2019 residents of every LSOA 2011 in England by ``sex`` and life-table ``age`` band (its start: 0, 1,
    5, ..., 90): ``lsoa_code``, ``sex``, ``age``, ``population``."""
    return _table("population_lsoa11_2019_bands")


def _build_population_bands() -> pd.DataFrame:
    import numpy as np

    pop = _population_all()
    starts = np.asarray(LIFE_TABLE_BANDS)
    band = starts[np.searchsorted(starts, pop["age"].to_numpy(int), side="right") - 1].astype("int16")
    out = (pop.assign(age=band).groupby(["lsoa_code", "sex", "age"], observed=True, sort=True)["population"]
              .sum().reset_index())
    out["sex"] = out["sex"].astype(str)
    out["population"] = out["population"].astype("int32")
    return out


def lsoa_boundaries(vintage: str = "imd2019"):
    """LSOA boundaries (GeoDataFrame, ``lsoa_code`` column) of the vintage's census geography.

    The data mirror holds Kent and Medway only; other areas' LSOAs are absent (charts say so).
    """
    return _table("boundaries_lsoa11" if vintage == "imd2019" else "boundaries_lsoa21")


def _build_lsoa_boundaries(vintage: str):
    import geopandas as gpd

    if vintage == "imd2019":
        gdf = gpd.read_file(raw_path("boundaries_lsoa11_kent_medway"))
        return gdf.rename(columns={"LSOA11CD": "lsoa_code"})[["lsoa_code", "geometry"]]
    gdf = gpd.read_file(raw_path("boundaries_lsoa21_kent_medway"))
    return gdf.rename(columns={"LSOA21CD": "lsoa_code"})[["lsoa_code", "geometry"]]


def lad_boundaries():
    """District boundaries of the UK (GeoDataFrame: ``lad_code``, ``lad_name``, ``geometry``)."""
    return _table("boundaries_lad24")


def _build_lad_boundaries():
    import geopandas as gpd

    gdf = gpd.read_file(raw_path("boundaries_lad24"))
    return gdf.rename(columns={"LAD24CD": "lad_code", "LAD24NM": "lad_name"})[["lad_code", "lad_name", "geometry"]]


#: Each reader table of the kit → the function that builds it from data/raw.
TABLES: dict[str, Callable[[], pd.DataFrame]] = {
    "imd2019_lsoa11": _build_imd2019_index,
    "imd2019_la_summary": _build_imd2019_la_summary,
    "iod2025_lsoa21": _build_iod2025_lsoa,
    "iod2025_la_summary": _build_iod2025_la_summary,
    "lookup_lsoa21_ltla24": _build_lookup_lsoa21_ltla24,
    "lookup_ltla_utla_2019": lambda: _build_lookup_ltla_utla(2019),
    "lookup_ltla_utla_2021": lambda: _build_lookup_ltla_utla(2021),
    "population_lsoa11_2019": _build_population_kit,
    "population_lsoa11_2019_totals": _build_population_totals,
    "population_lsoa11_2019_england": _build_population_england,
    "population_lsoa11_2019_bands": _build_population_bands,
    "boundaries_lsoa11": lambda: _build_lsoa_boundaries("imd2019"),
    "boundaries_lsoa21": lambda: _build_lsoa_boundaries("iod2025"),
    "boundaries_lad24": _build_lad_boundaries,
}
