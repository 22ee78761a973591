"""Deprivation: IMD 2019 (LSOA 2011) and IoD 2025 (LSOA 2021) as tidy frames, national and local quantiles.

Owns: loading an index with its geography and population; national deciles/quintiles (1 = most deprived, as
published); local quantiles within any area, count-based (OHID rule) or population-weighted, through
:func:`healthintel.stats.assign_quantiles`; population-weighted average scores; the share of an area's people in
each national quintile; joining deprivation onto LSOA-level data with strict code checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import geography
from .errors import InvalidInputError, describe_rows
from .frames import check_finite_non_negative, numeric, require_columns
from .sources import readers
from .stats import assign_quantiles

DOMAINS = ["imd", "income", "employment", "education", "health", "crime", "barriers", "environment"]
DOMAIN_LABELS = readers.DOMAIN_LABELS
SOURCES = {
    "imd2019": ["imd2019_index", "imd2019_domains", "imd2019_scores", "imd2019_income_employment",
                "imd2019_population", "population_lsoa11_2019", "lookup_ltla19_utla19"],
    "iod2025": ["iod2025_lsoa", "lookup_lsoa21_ltla24", "lookup_ltla21_utla21"],
}
POPULATION_NOTE = {
    "imd2019": "ONS mid-2019 LSOA population estimates (SAPE22DT2), all ages",
    "iod2025": "not available: the data mirror holds no LSOA 2021 population estimates",
}


def national_quantile(rank, n: int, n_areas: int) -> np.ndarray:
    """The published IoD category of a national rank (1 = most deprived): ``ceil(rank × n / N)``.

    The IoD deciles (and quintiles) are equal-count bands of the national rank: category ``d`` holds ranks
    ``(d-1)N/n < rank ≤ dN/n``. (The OHID small-area rule in :func:`assign_quantiles` can place the single
    LSOA at a band edge one category lower, so national categories follow the publisher's definition.)
    """
    r = np.asarray(rank, dtype=float)
    return np.ceil(r * n / n_areas).astype(int)


def load_deprivation(vintage: str = "imd2019", area=None) -> pd.DataFrame:
    """One row per LSOA with geography, index scores/ranks/deciles, national quintile and population.

    Parameters
    ----------
    vintage : {"imd2019", "iod2025"}
        IMD 2019 on LSOA 2011 codes, or IoD 2025 on LSOA 2021 codes.
    area : str, optional
        Restrict to an area (name or code, see :func:`healthintel.geography.resolve_area`); national categories
        are computed on all of England first.

    Returns
    -------
    DataFrame
        ``lsoa_code, lsoa_name, lad_code, lad_name, utla_code, utla_name``, ``{domain}_score`` (where
        published in the mirror), ``{domain}_rank``, ``{domain}_decile`` for IMD and the 7 domains,
        ``imd_quintile`` (national, 1 = most deprived), ``population`` (mid-2019 persons for IMD 2019; NA for
        IoD 2025, whose LSOA 2021 populations are not in the mirror) and, for IMD 2019, the mid-2015
        denominators of File 6 (``population_2015`` …).
    """
    geography.check_vintage(vintage)
    lk = geography.lsoa_lookup(vintage)
    if vintage == "imd2019":
        idx = readers.imd2019_index().drop(columns=["lsoa_name", "lad_code", "lad_name"])
        pop = readers.population_lsoa11_2019_totals().set_index("lsoa_code")["population"]
    else:
        idx = readers.iod2025_lsoa()
        pop = None
    df = lk.merge(idx, on="lsoa_code", how="inner", validate="1:1")
    n_areas = len(df)
    df["imd_decile_check"] = national_quantile(df["imd_rank"], 10, n_areas)
    if not (df["imd_decile_check"] == df["imd_decile"]).all():  # guard against a corrupted raw file
        raise InvalidInputError(f"{vintage}: published IMD deciles do not follow the national ranks.")
    df = df.drop(columns="imd_decile_check")
    df["imd_quintile"] = national_quantile(df["imd_rank"], 5, n_areas)
    df["population"] = df["lsoa_code"].map(pop).astype("Float64") if pop is not None else pd.NA
    df["population"] = df["population"].astype("Float64")
    df.attrs["vintage"] = vintage
    df.attrs["sources"] = SOURCES[vintage]
    if area is not None:
        codes = set(geography.lsoas_in(area, vintage)["lsoa_code"])
        df = df[df["lsoa_code"].isin(codes)].reset_index(drop=True)
        df.attrs.update(vintage=vintage, sources=SOURCES[vintage])
    return df


def local_quantiles(
    data: pd.DataFrame,
    *,
    n: int = 5,
    weighted: bool = False,
    value: str = "imd_score",
    population: str = "population",
    by=None,
    column: str | None = None,
) -> pd.DataFrame:
    """Local deprivation categories within the areas of ``data`` (1 = most deprived within the area).

    Parameters
    ----------
    data : DataFrame
        LSOAs of the area(s), e.g. ``load_deprivation(area="Kent and Medway")``.
    n : int
        5 for quintiles, 10 for deciles.
    weighted : bool
        False: count-based OHID rule (equal numbers of LSOAs). True: each category holds ≈ 1/n of the population.
    value : str
        Ranking column (higher = more deprived), default the IMD score.
    by : str or list, optional
        Compute within each group (e.g. ``"lad_code"`` for district-local categories).
    column : str, optional
        Output column; default ``local_quintile``/``local_decile`` (+ ``_weighted``).
    """
    require_columns(data, value=value, population=population if weighted else None, by=by)
    if weighted and data[population].isna().any():
        raise InvalidInputError(
            f"population-weighted categories need column {population!r} for every LSOA, but "
            f"{int(data[population].isna().sum())} are missing (IoD 2025 LSOA populations are not in the mirror): "
            "supply a population column or use weighted=False."
        )
    name = column or local_column(n, weighted)
    frame = data.copy()
    if weighted:
        frame[population] = frame[population].astype(float)
    out = assign_quantiles(frame, value, n=n, by=by, highest_first=True,
                           weights=population if weighted else None, column=name)
    out = out.drop(columns=["nquantiles", "quantile_method"])
    out[population] = data[population]
    out.attrs.update(data.attrs)
    return out


def local_column(n: int, weighted: bool = False) -> str:
    """Default column name of local categories: ``local_quintile``, ``local_decile_weighted``, ``local_q4`` …"""
    return "local_" + {5: "quintile", 10: "decile"}.get(n, f"q{n}") + ("_weighted" if weighted else "")


def average_score(data: pd.DataFrame, *, value: str = "imd_score", weights: str = "population_2015") -> float:
    """Population-weighted average score of the LSOAs in ``data`` (the IoD File 10 "average score" when
    ``weights`` is the mid-2015 File 6 denominator)."""
    require_columns(data, value=value, weights=weights)
    if len(data) == 0:
        raise InvalidInputError("average_score needs at least one LSOA; the data frame is empty.")
    w = numeric(data, weights, arg="weights")
    if np.isnan(w).any():
        shown = ["lsoa_code", weights] if "lsoa_code" in data else [weights]
        raise InvalidInputError(f"column {weights!r} has missing populations; cannot weight the average score "
                                f"({describe_rows(data, np.isnan(w), shown)}).")
    check_finite_non_negative(data, weights, arg="weights")
    x = numeric(data, value, arg="value")
    if not np.isfinite(x).all():
        bad = ~np.isfinite(x)
        raise InvalidInputError(f"column {value!r} has missing or infinite scores in "
                                f"{describe_rows(data, bad, [value])}; every LSOA needs a score for the average.")
    if w.sum() <= 0:
        raise InvalidInputError(f"column {weights!r} sums to zero: there is no population to weight the scores by.")
    return float(np.average(x, weights=w))


def population_by_quintile(data: pd.DataFrame, england: pd.DataFrame | None = None, *,
                           quantile: str = "imd_quintile", population: str = "population") -> pd.DataFrame:
    """People in each national quintile: the area's count and share next to England's share.

    Raises :class:`InvalidInputError` for a missing or non-whole quantile (those LSOAs would drop out of every
    share), an LSOA listed twice (counted twice), or a missing, negative or infinite population.
    """
    n = _check_quantile_frame(data, quantile, population, "data")
    if england is not None:
        n = max(n, _check_quantile_frame(england, quantile, population, "england"))
    cats = pd.Index(range(1, max(n, 5) + 1), name=quantile)
    area = data.groupby(quantile)[population].sum().reindex(cats, fill_value=0).astype(float)
    out = pd.DataFrame({"population": area, "share": area / area.sum()})
    out["lsoas"] = data.groupby(quantile).size().reindex(cats, fill_value=0)
    if england is not None:
        eng = england.groupby(quantile)[population].sum().reindex(cats, fill_value=0).astype(float)
        out["england_share"] = eng / eng.sum()
    return out.reset_index()


def _check_quantile_frame(data: pd.DataFrame, quantile: str, population: str, what: str) -> int:
    """Quantiles 1, 2, ... with no gap in the keys, one row per LSOA, populations present; the largest quantile."""
    require_columns(data, quantile=quantile, population=population)
    keys = ["lsoa_code", quantile, population] if "lsoa_code" in data else [quantile, population]
    if data[population].isna().any():
        raise InvalidInputError(
            f"{what}: column {population!r} has missing values; population shares need a population for every "
            f"LSOA ({describe_rows(data, data[population].isna().to_numpy(), keys)})."
        )
    check_finite_non_negative(data, population, arg="population")
    q = pd.to_numeric(data[quantile], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.isnan(q) | (q < 1) | (q != np.round(q))
    if bad.any():
        raise InvalidInputError(
            f"{what}: column {quantile!r} must hold whole quantiles 1, 2, ... for every LSOA; offending "
            f"{describe_rows(data, bad, keys)}. Those LSOAs would silently drop out of the shares: attach their "
            "deprivation (attach_deprivation) or remove them."
        )
    if "lsoa_code" in data:
        twice = data.duplicated("lsoa_code", keep=False).to_numpy()
        if twice.any():
            raise InvalidInputError(
                f"{what}: an LSOA appears more than once (column 'lsoa_code') in {describe_rows(data, twice, keys)}; "
                "its people would be counted twice. Keep one row per LSOA."
            )
    return int(q.max()) if len(q) else 5


def domain_summary(data: pd.DataFrame, *, most_deprived: int = 2) -> pd.DataFrame:
    """For IMD and each domain: LSOAs (count and share) in the nationally most deprived ``most_deprived``
    deciles (default 2 = most deprived 20%), against 20% for England by construction."""
    rows = []
    for d in DOMAINS:
        col = f"{d}_decile"
        if col not in data:
            continue
        k = int((data[col] <= most_deprived).sum())
        rows.append({"domain": DOMAIN_LABELS[d], "lsoas_most_deprived": k,
                     "share_most_deprived": k / len(data) if len(data) else np.nan,
                     "england_share": most_deprived / 10})
    return pd.DataFrame(rows)


def most_deprived_lsoas(data: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    """The ``k`` most deprived LSOAs of ``data`` by national rank."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise InvalidInputError(f"k must be a whole number of LSOAs (0 or more); got {k!r}.")
    require_columns(data, imd_rank="imd_rank")
    cols = [c for c in ["lsoa_code", "lsoa_name", "lad_name", "imd_score", "imd_rank", "imd_decile", "population"]
            if c in data]
    return data.nsmallest(k, "imd_rank")[cols].reset_index(drop=True)


def attach_deprivation(data: pd.DataFrame, lsoa: str, *, vintage: str = "imd2019",
                       columns: list[str] | None = None) -> pd.DataFrame:
    """Join deprivation columns onto LSOA-level rows, refusing unknown or wrong-vintage LSOA codes.

    Raises
    ------
    GeographyError
        When any code is missing, not an LSOA code, or of the other census vintage (listing examples).
    """
    if lsoa not in data:
        raise InvalidInputError(f"column {lsoa!r} not found in data; pass the LSOA code column as lsoa=.")
    geography.check_lsoa_codes(data[lsoa], vintage, column=lsoa)
    dep = load_deprivation(vintage)
    keep = columns or ["lsoa_code", "lad_code", "lad_name", "utla_code", "imd_score", "imd_rank", "imd_decile",
                       "imd_quintile"]
    dep = dep[keep].rename(columns={"lsoa_code": lsoa})
    return data.merge(dep, on=lsoa, how="left", validate="m:1")


def headline(data: pd.DataFrame, england: pd.DataFrame) -> dict:
    """Headline figures for an area's LSOAs (``data``) against England."""
    pop = data["population"].astype(float)
    has_pop = not pop.isna().any()
    out = {
        "lsoas": int(len(data)),
        "population": float(pop.sum()) if has_pop else float("nan"),
        "lsoas_most_deprived_decile": int((data["imd_decile"] == 1).sum()),
        "share_lsoas_most_deprived_quintile": float((data["imd_quintile"] == 1).mean()),
        "share_population_most_deprived_quintile": float(pop[data["imd_quintile"] == 1].sum() / pop.sum())
        if has_pop else float("nan"),
        "england_share_population_most_deprived_quintile": float(
            england.loc[england["imd_quintile"] == 1, "population"].astype(float).sum()
            / england["population"].astype(float).sum()) if has_pop else float("nan"),
    }
    if "population_2015" in data:
        out["average_score"] = average_score(data)
        out["england_average_score"] = average_score(england)
    else:
        out["average_score"] = float(data["imd_score"].mean())
        out["england_average_score"] = float(england["imd_score"].mean())
    return out


def map_layers(data: pd.DataFrame, area=None):
    """The area's LSOA polygons joined to ``data`` and its district outlines, for :func:`charts.deprivation_map`.

    Returns ``(lsoas, districts)``; ``lsoas`` is empty when the mirror has no boundaries for the area.
    """
    vintage = data.attrs.get("vintage", "imd2019")
    polys = readers.lsoa_boundaries(vintage)
    lsoas = polys.merge(data, on="lsoa_code", how="inner")
    lads = readers.lad_boundaries()
    districts = lads[lads["lad_code"].isin(data["lad_code"].unique())]
    return lsoas, districts


def local_quantile_summary(data: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """LSOAs, population and mean IMD score in each local category, for both count-based and weighted ones."""
    name = local_column(n)[len("local_"):]
    frames = []
    for col, label in [(local_column(n), "count-based"), (local_column(n, True), "population-weighted")]:
        if col not in data:
            continue
        g = data.groupby(col)
        part = pd.DataFrame({
            "method": label,
            f"local {name}": g.size().index,
            "lsoas": g.size().to_numpy(),
            "population": g["population"].sum().astype(float).to_numpy(),
            "mean_imd_score": g["imd_score"].mean().to_numpy(),
        })
        part["population_share"] = part["population"] / part["population"].sum()
        part["lsoa_share"] = part["lsoas"] / part["lsoas"].sum()
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True, eq=False)
class DeprivationProfile:
    """Everything the deprivation profile of one area is computed from, computed once by :func:`profile`.

    Compute only: the chapter (:mod:`healthintel.chapters.deprivation_profile`) turns it into tables, charts
    and text.

    Attributes
    ----------
    lsoas, reference : DataFrame
        The area's and the comparator's LSOAs (:func:`load_deprivation`).
    place, comparator : geography.Area
        The area and its comparator.
    vintage : str
        ``"imd2019"`` or ``"iod2025"``.
    has_population : bool
        True when every LSOA of the area has a population (IMD 2019).
    headline : dict
        :func:`headline` figures.
    quintiles : DataFrame
        People (or, without populations, LSOAs) in each national quintile against the comparator's shares.
    domains : DataFrame
        :func:`domain_summary`.
    local : DataFrame
        The area's LSOAs with local quintiles (count-based, and population-weighted when populations exist).
    sources : list of str
        Catalog ids behind the profile (index, populations, lookups and boundaries).
    """

    lsoas: pd.DataFrame
    reference: pd.DataFrame
    place: geography.Area
    comparator: geography.Area
    vintage: str
    has_population: bool
    headline: dict
    quintiles: pd.DataFrame
    domains: pd.DataFrame
    local: pd.DataFrame
    sources: list = field(default_factory=list)

    @property
    def index_name(self) -> str:
        """``"IMD 2019"`` or ``"IoD 2025"``."""
        return index_name(self.vintage)

    def most_deprived(self, k: int = 10) -> pd.DataFrame:
        """The ``k`` most deprived LSOAs of the area (:func:`most_deprived_lsoas`)."""
        return most_deprived_lsoas(self.lsoas, k)

    def local_summary(self) -> pd.DataFrame:
        """:func:`local_quantile_summary` of the local quintiles."""
        return local_quantile_summary(self.local, 5)

    def map_layers(self):
        """``(lsoas, districts)`` polygons of the area (:func:`map_layers`)."""
        return map_layers(self.lsoas)


def index_name(vintage: str) -> str:
    """The display name of an index vintage: ``"IMD 2019"`` or ``"IoD 2025"``."""
    return "IMD 2019" if vintage == "imd2019" else "IoD 2025"


def profile_sources(vintage: str) -> list[str]:
    """Catalog ids behind a deprivation profile: the index, populations and lookups, and the boundaries."""
    return SOURCES[vintage] + ["boundaries_lad24"] + (
        ["boundaries_lsoa11_kent_medway"] if vintage == "imd2019" else ["boundaries_lsoa21_kent_medway"])


def _lsoa_share_by_quintile(data: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    cats = pd.Index(range(1, 6), name="imd_quintile")
    area = data.groupby("imd_quintile").size().reindex(cats, fill_value=0)
    eng = reference.groupby("imd_quintile").size().reindex(cats, fill_value=0)
    return pd.DataFrame({"population": np.nan, "share": area / area.sum(), "lsoas": area,
                         "england_share": eng / eng.sum()}).reset_index()


def profile(lsoas: pd.DataFrame, reference: pd.DataFrame, *, place, comparator) -> DeprivationProfile:
    """Compute the deprivation profile of ``place`` against ``comparator`` (see :class:`DeprivationProfile`).

    Raises
    ------
    InvalidInputError
        When ``lsoas`` is empty (the area has no LSOAs in the index's vintage).
    """
    vintage = lsoas.attrs.get("vintage", "imd2019")
    if len(lsoas) == 0:
        raise InvalidInputError(f"{place.name} has no LSOAs in {vintage}; check the area and vintage.")
    has_population = not lsoas["population"].isna().any()
    local = local_quantiles(lsoas, n=5)
    if has_population:
        local = local_quantiles(local, n=5, weighted=True)
    return DeprivationProfile(
        lsoas=lsoas, reference=reference, place=place, comparator=comparator, vintage=vintage,
        has_population=has_population, headline=headline(lsoas, reference),
        quintiles=population_by_quintile(lsoas, reference) if has_population else
        _lsoa_share_by_quintile(lsoas, reference),
        domains=domain_summary(lsoas), local=local, sources=profile_sources(vintage))
