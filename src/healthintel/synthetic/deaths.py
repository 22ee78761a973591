"""Synthetic deaths by LSOA 2011, sex, age band and calendar year, calibrated to published life expectancy.

Record-level deaths by small area are not public, so the life expectancy chapter runs on a **synthetic** demo
set. Everything except the deaths is real:

- **Populations** -- ONS mid-2019 LSOA 2011 estimates by sex and single year of age (SAPE22DT2, catalog id
  ``population_lsoa11_2019``). The data mirror holds no other year by sex, so every calendar year 2015-2024
  uses the mid-2019 population (age structure held fixed; the ONS mid-year estimates of England changed by
  under 0.7% a year in that decade). :func:`populations` returns that frame with a ``year`` column so that the
  life expectancy module receives an explicit population for every year of deaths.
- **Age pattern** -- real ONS deaths registered in 2014 by age band and sex for England and Wales, over the
  mid-2014 estimates: the base rates ``m0[sex, band]``.
- **Deprivation** -- IMD 2019 national rank ``r`` of each LSOA: ``u = 1 - (r - 0.5) / N`` (1 = most deprived).

Model, per LSOA ``l``, sex ``s``, age band ``b`` and year ``y`` (district ``d`` of ``l``)::

    log m = log m0[s,b] + h[b] * gamma_s * (F(u_l) + (lambda[d,s,y] - 1) * (F(u_l) - Fbar_d)) + delta[d,s,y] + tau[s,y]
    F(u) = u + kappa_s * (2u - 1)**3   (kappa > 0: the extreme deciles sit further out, so the decile gap can
                                        exceed the SII as ONS publishes)
    h[b] = 1 up to age 60, falling linearly to 0.25 at 90+ (the relative gradient narrows in old age)
    deaths ~ Poisson(population * m)   (numpy PCG64, seeded)

Calibration (on expected deaths, so it is deterministic; the seed only draws the Poisson counts):

1. ``tau[s,y]`` -- England's life expectancy at birth per 3-year period equals Fingertips 90366 (England).
2. ``gamma_s, kappa_s`` -- England's SII in life expectancy at birth across national deciles, 2017-19, equals
   the ONS figure (9.4 years males, 7.6 females) and the gap between the most and least deprived deciles,
   2018-20, equals the ONS figure (9.7 / 7.9).
3. ``delta[d,s,y]`` and ``lambda[d,s,y]`` -- each Kent district's and Medway's life expectancy at birth
   (Fingertips 90366) and SII across its own local deciles (Fingertips 92901) per period.

Year parameters are solved by damped iteration: each period's residual is spread over its three years by a
smoothed least-squares inverse of the 3-year averaging (10 years, 8 periods), so each pooled period
reproduces its target. Other English districts take the
national gradient and level only (they have no local targets here). The achieved fit is in
:func:`calibration_report` and the module's tests; tolerances are stated there.

Every output carries ``attrs["synthetic"] = True``; every report built on it must say "synthetic data".
Outputs are cached as parquet in ``data/processed`` keyed by :data:`VERSION`, the seed and the source checksums.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import config
from ..errors import InvalidInputError
from ..stats import assign_quantiles, life_expectancy, slope_index_of_inequality
from ..sources.catalog import dataset
from ..sources.published import fingertips_extract
from ..sources import readers
from ..sources.readers import (
    cached_parquet,
    imd2019_index,
    population_lsoa11_2019,
    population_lsoa11_2019_bands,
)

__all__ = [
    "VERSION", "DEFAULT_SEED", "YEARS", "PERIODS", "BAND_STARTS", "ONS_TARGETS", "SOURCES", "KENT_MEDWAY_LADS",
    "deaths", "populations", "england_aggregate", "calibration_report", "base_rates", "band_of_age",
]

VERSION = 1
DEFAULT_SEED = 20240601
YEARS = tuple(range(2015, 2025))
PERIODS = tuple(f"{y}-{str(y + 2)[-2:]}" for y in range(YEARS[0], YEARS[-1] - 1))  # 2015-17 ... 2022-24
BAND_STARTS = np.array([0, 1] + list(range(5, 95, 5)))
SEXES = ("female", "male")
#: ONS, "Health state life expectancies by national deprivation deciles, England" (see SOURCES.md).
ONS_TARGETS = {
    ("sii", "male"): ("2017-19", 9.4), ("sii", "female"): ("2017-19", 7.6),
    ("gap", "male"): ("2018-20", 9.7), ("gap", "female"): ("2018-20", 7.9),
}
KENT_MEDWAY_LADS = (
    "E07000105", "E07000106", "E07000107", "E07000108", "E07000109", "E07000110", "E07000111", "E07000112",
    "E07000113", "E07000114", "E07000115", "E07000116", "E06000035",
)
SOURCES = ["population_lsoa11_2019", "imd2019_index", "deaths_2014_lad_ageband_sex_ew", "mye_2014_lad_syoa_sex_ew",
           "fingertips_le_birth_90366", "fingertips_sii_le_92901"]
_LE_PER_LOG_RATE = 11.0  # years of life expectancy per unit shift of log mortality at all ages (damped Newton step)
_ITERATIONS = 14


def band_of_age(age) -> np.ndarray:
    """Band start (0, 1, 5, ..., 90) of single years of age (90 = 90 and over)."""
    a = np.asarray(age, dtype=int)
    return BAND_STARTS[np.searchsorted(BAND_STARTS, a, side="right") - 1]


def _h() -> np.ndarray:
    return np.clip(1 - 0.75 * (BAND_STARTS - 60) / 30, 0.25, 1.0)


def base_rates() -> pd.DataFrame:
    """Real ONS 2014 death rates by sex and age band, England and Wales (deaths registered / mid-2014 pop)."""
    d = readers.csv_table("deaths_2014_lad_ageband_sex_ew")
    p = readers.csv_table("mye_2014_lad_syoa_sex_ew")
    d["age"] = d["age"].astype(str).str.extract(r"^(\d+)")[0].astype(int)
    p["age"] = band_of_age(p["age"].astype(str).str.extract(r"^(\d+)")[0].astype(int))
    d = d[d["region"] != "Usual residence outside England and Wales"]
    dd = d.groupby(["sex", "age"])["deaths"].sum()
    pp = p.groupby(["sex", "age"])["population"].sum()
    out = pd.DataFrame({"deaths": dd, "population": pp}).reset_index()
    out["sex"] = out["sex"].str.lower().str.rstrip("s")
    out["rate"] = out["deaths"] / out["population"]
    return out


# ---- inputs as arrays ------------------------------------------------------------------------------------------
class _Inputs:
    """LSOAs (sorted), their deprivation and districts, and population P[l, s, b] (mid-2019)."""

    def __init__(self):
        imd = imd2019_index()[["lsoa_code", "lad_code", "imd_rank", "imd_score", "imd_decile"]]
        pop = population_lsoa11_2019_bands()
        pop = pop[pop["lsoa_code"].isin(imd["lsoa_code"])]
        imd = imd.sort_values("lsoa_code").reset_index(drop=True)
        with warnings.catch_warnings():  # City of London and Isles of Scilly have < 10 LSOAs: no local deciles
            warnings.simplefilter("ignore")
            local = assign_quantiles(imd, "imd_score", n=10, by="lad_code", highest_first=True, column="local_decile")
        imd["local_decile"] = local["local_decile"].fillna(0).to_numpy(dtype=int)
        self.lsoas = imd
        n = len(imd)
        self.u = 1 - (imd["imd_rank"].to_numpy(float) - 0.5) / n
        li = pd.Index(imd["lsoa_code"]).get_indexer(pop["lsoa_code"])
        si = (pop["sex"].astype(str) == "male").to_numpy().astype(int)
        bi = np.searchsorted(BAND_STARTS, pop["age"].to_numpy(int), side="right") - 1
        P = np.zeros((n, 2, len(BAND_STARTS)))
        np.add.at(P, (li, si, bi), pop["population"].to_numpy(float))
        self.P = P
        lad = imd["lad_code"].to_numpy()
        self.km = np.array([list(KENT_MEDWAY_LADS).index(c) if c in KENT_MEDWAY_LADS else -1 for c in lad])
        self.decile = imd["imd_decile"].to_numpy(int)
        self.local_decile = imd["local_decile"].to_numpy(int)
        rates = base_rates()
        m0 = np.zeros((2, len(BAND_STARTS)))
        for r in rates.itertuples():
            m0[SEXES.index(r.sex), list(BAND_STARTS).index(r.age)] = r.rate
        self.m0 = m0


def _targets() -> dict:
    """Published targets: England LE by period; district LE and SII by (district index, sex, period)."""
    le = fingertips_extract(90366)
    sii = fingertips_extract(92901)
    out = {"england_le": np.full((2, len(PERIODS)), np.nan),
           "lad_le": np.full((len(KENT_MEDWAY_LADS), 2, len(PERIODS)), np.nan),
           "lad_sii": np.full((len(KENT_MEDWAY_LADS), 2, len(PERIODS)), np.nan)}
    for frame, key_e, key_l in ((le, "england_le", "lad_le"), (sii, None, "lad_sii")):
        for r in frame.itertuples():
            if r.period not in PERIODS or r.sex not in ("Male", "Female"):
                continue
            s, p = SEXES.index(r.sex.lower()), PERIODS.index(r.period)
            if r.area_code == "E92000001":
                if key_e:
                    out[key_e][s, p] = r.value
            elif r.area_code in KENT_MEDWAY_LADS:
                out[key_l][KENT_MEDWAY_LADS.index(r.area_code), s, p] = r.value
    return out


def _expected(inp: _Inputs, prm: dict) -> np.ndarray:
    """Expected deaths E[l, s, b, y]."""
    F = inp.u[:, None] + prm["kappa"][None, :] * (2 * inp.u[:, None] - 1) ** 3  # [l, s]
    km = inp.km
    in_km = km >= 0
    fbar = np.zeros((len(KENT_MEDWAY_LADS), 2))
    w = inp.P.sum(axis=2)
    for d in range(len(KENT_MEDWAY_LADS)):
        sel = km == d
        fbar[d] = (F[sel] * w[sel]).sum(0) / w[sel].sum(0)
    lam = np.ones((len(inp.u), 2, len(YEARS)))
    delta = np.zeros((len(inp.u), 2, len(YEARS)))
    lam[in_km] = prm["lam"][km[in_km]]
    delta[in_km] = prm["delta"][km[in_km]]
    dev = np.zeros_like(F)
    dev[in_km] = F[in_km] - fbar[km[in_km]]
    lin = prm["gamma"][None, :, None] * (F[:, :, None] + (lam - 1) * dev[:, :, None])  # [l, s, y]
    h = _h()
    logm = (np.log(inp.m0)[None, :, :, None] + h[None, None, :, None] * lin[:, :, None, :]
            + (delta + prm["tau"][None, :, :])[:, :, None, :])
    return inp.P[:, :, :, None] * np.exp(logm)


def _pooled_le(D: np.ndarray, P: np.ndarray, keys: dict) -> np.ndarray:
    """LE at birth per group x sex x period from group deaths D[g, s, b, y] and population P[g, s, b]."""
    g, s, b, _ = D.shape
    Dp = np.stack([D[..., i:i + 3].sum(-1) for i in range(len(PERIODS))], axis=-1)  # [g, s, b, p]
    G, S, B, Q = np.meshgrid(np.arange(g), np.arange(s), np.arange(b), np.arange(len(PERIODS)), indexing="ij")
    frame = pd.DataFrame({"g": G.ravel(), "s": S.ravel(), "age": BAND_STARTS[B.ravel()], "p": Q.ravel(),
                          "deaths": Dp.ravel(), "pop": np.repeat(P[..., None] * 3, len(PERIODS), -1).ravel()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        le = life_expectancy(frame, "deaths", "pop", "age", by=["g", "s", "p"])
    out = np.full((g, s, len(PERIODS)), np.nan)
    se = np.full((g, s, len(PERIODS)), np.nan)
    gi, si, pi = le["g"].to_numpy(int), le["s"].to_numpy(int), le["p"].to_numpy(int)
    out[gi, si, pi] = le["value"].to_numpy(float)
    se[gi, si, pi] = (le["upper_ci"].to_numpy(float) - le["lower_ci"].to_numpy(float)) / (2 * 1.959964)
    return out, se


def _sum_by(E: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    from scipy import sparse

    ok = codes >= 0
    M = sparse.csr_matrix((np.ones(ok.sum()), (codes[ok], np.nonzero(ok)[0])), shape=(n, len(codes)))
    return (M @ E.reshape(len(codes), -1)).reshape((n,) + E.shape[1:])


def _sii(le: np.ndarray, se: np.ndarray, pop: np.ndarray) -> np.ndarray:
    """SII point estimates over the decile axis (axis 1) of le[k, decile, s, p] (repetitions kept minimal)."""
    k, nd, ns, npd = le.shape
    K, Dd, S, Q = np.meshgrid(np.arange(k), np.arange(nd), np.arange(ns), np.arange(npd), indexing="ij")
    frame = pd.DataFrame({"k": K.ravel(), "decile": Dd.ravel() + 1, "s": S.ravel(), "p": Q.ravel(),
                          "value": le.ravel(), "se": np.nan_to_num(se.ravel(), nan=1.0),
                          "pop": np.repeat(pop[..., None], npd, -1).ravel()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = slope_index_of_inequality(frame, "decile", "pop", value="value", se="se", by=["k", "s", "p"],
                                        repetitions=1000, seed=0)
    out = np.full((k, ns, npd), np.nan)
    out[res["k"].to_numpy(int), res["s"].to_numpy(int), res["p"].to_numpy(int)] = res["sii"].to_numpy(float)
    return out


def _fit(inp: _Inputs, prm: dict) -> dict:
    E = _expected(inp, prm)
    nk = len(KENT_MEDWAY_LADS)
    eng_le, _ = _pooled_le(E.sum(0, keepdims=True), inp.P.sum(0, keepdims=True), {})
    dec_D, dec_P = _sum_by(E, inp.decile - 1, 10), _sum_by(inp.P, inp.decile - 1, 10)
    dec_le, dec_se = _pooled_le(dec_D, dec_P, {})
    eng_sii = _sii(dec_le[None], dec_se[None], dec_P.sum(-1)[None])[0]
    lad_D, lad_P = _sum_by(E, inp.km, nk), _sum_by(inp.P, inp.km, nk)
    lad_le, _ = _pooled_le(lad_D, lad_P, {})
    code = np.where(inp.km >= 0, inp.km * 10 + inp.local_decile - 1, -1)
    ld_D, ld_P = _sum_by(E, code, nk * 10), _sum_by(inp.P, code, nk * 10)
    ld_le, ld_se = _pooled_le(ld_D, ld_P, {})
    lad_sii = _sii(ld_le.reshape(nk, 10, 2, -1), ld_se.reshape(nk, 10, 2, -1), ld_P.sum(-1).reshape(nk, 10, 2))
    return {"england_le": eng_le[0], "decile_le": dec_le, "england_sii": eng_sii, "gap": dec_le[9] - dec_le[0],
            "lad_le": lad_le, "lad_sii": lad_sii}


def _period_solver(alpha: float = 0.05) -> np.ndarray:
    """S (years x periods): year changes that move each 3-year period by r, ``(A'A + a D'D)^-1 A'`` with A the
    period-averaging matrix and D first differences (the 10 years are 2 more unknowns than the 8 periods)."""
    A = np.zeros((len(PERIODS), len(YEARS)))
    for p in range(len(PERIODS)):
        A[p, p:p + 3] = 1 / 3
    D = np.diff(np.eye(len(YEARS)), axis=0)
    return np.linalg.solve(A.T @ A + alpha * D.T @ D, A.T)


_SOLVE = _period_solver()


@lru_cache(maxsize=2)
def _calibrate() -> tuple:
    inp = _Inputs()
    tg = _targets()
    nk = len(KENT_MEDWAY_LADS)
    prm = {"gamma": np.array([0.9, 1.1]), "kappa": np.array([0.5, 0.5]), "tau": np.zeros((2, len(YEARS))),
           "delta": np.zeros((nk, 2, len(YEARS))), "lam": np.ones((nk, 2, len(YEARS)))}
    ons = {k: v for k, v in ONS_TARGETS.items()}
    ps = {k: PERIODS.index(v[0]) for k, v in ons.items()}
    for _ in range(_ITERATIONS):
        fit = _fit(inp, prm)
        for s, sex in enumerate(SEXES):
            sii_t, gap_t = ons[("sii", sex)][1], ons[("gap", sex)][1]
            sii_f = fit["england_sii"][s, ps[("sii", sex)]]
            gap_f = fit["gap"][s, ps[("gap", sex)]]
            prm["gamma"][s] *= (sii_t / sii_f) ** 0.9
            prm["kappa"][s] = float(np.clip(prm["kappa"][s] + 3.0 * (gap_t / sii_t - gap_f / sii_f), -0.15, 3.0))
            resid = tg["england_le"][s] - fit["england_le"][s]  # [p]
            prm["tau"][s] -= _SOLVE @ resid / _LE_PER_LOG_RATE
            r_le = np.nan_to_num(tg["lad_le"][:, s] - fit["lad_le"][:, s])  # [d, p]
            prm["delta"][:, s] -= r_le @ _SOLVE.T / _LE_PER_LOG_RATE
            ratio = np.nan_to_num(tg["lad_sii"][:, s] / fit["lad_sii"][:, s], nan=1.0)
            step = np.log(np.clip(ratio, 0.5, 2.0)) @ _SOLVE.T * 0.8
            prm["lam"][:, s] = np.clip(prm["lam"][:, s] * np.exp(step), 0.02, 8.0)
    fit = _fit(inp, prm)
    return inp, prm, fit, tg


# ---- caching -------------------------------------------------------------------------------------------------
def _key(seed: int) -> str:
    sums = "-".join(dataset(i).sha256[:8] for i in SOURCES)
    return f"v{VERSION}-seed{int(seed)}-{sums}"


def _cache(name: str, build) -> pd.DataFrame:
    return cached_parquet(config.processed_dir() / f"{name}.parquet", build)


def _mark(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    frame.attrs.update(synthetic=True, seed=int(seed), version=VERSION, sources=list(SOURCES),
                       synthetic_note=("Synthetic data: deaths are simulated (seeded) from real mid-2019 LSOA "
                                       "populations and calibrated to published life expectancy; not real deaths."))
    return frame


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidInputError(f"seed must be a non-negative integer; got {seed!r}.")
    return int(seed)


def deaths(seed: int = DEFAULT_SEED, *, lsoas=None) -> pd.DataFrame:
    """Synthetic deaths: ``lsoa_code``, ``sex`` ("female"/"male"), ``age`` (band start 0, 1, 5, ..., 90),
    ``year`` (2015-2024), ``deaths`` (> 0; absent rows are zero deaths). ``lsoas`` restricts to some LSOA codes.

    Cached in ``data/processed/synthetic_deaths_lsoa11-<version>-seed<seed>-<checksums>.parquet``.
    """
    seed = _check_seed(seed)

    def build():
        inp, prm, _, _ = _calibrate()
        E = _expected(inp, prm)
        rng = np.random.default_rng(seed)
        D = rng.poisson(E).astype(np.int32)
        lsoa, s, b, y = np.nonzero(D)
        return pd.DataFrame({
            "lsoa_code": pd.Categorical.from_codes(lsoa, categories=inp.lsoas["lsoa_code"].to_numpy()),
            "sex": pd.Categorical.from_codes(s, categories=list(SEXES)),
            "age": BAND_STARTS[b].astype("int16"),
            "year": np.asarray(YEARS, dtype="int16")[y],
            "deaths": D[lsoa, s, b, y],
        })

    out = _cache(f"synthetic_deaths_lsoa11-{_key(seed)}", build)
    if lsoas is not None:
        out = out[out["lsoa_code"].isin(set(lsoas))].reset_index(drop=True)
    return _mark(out, seed)


def populations(lsoas=None, years=YEARS) -> pd.DataFrame:
    """Populations for the synthetic deaths: ``lsoa_code``, ``sex``, ``age`` (single year 0-90), ``year``,
    ``population`` -- the real ONS mid-2019 LSOA estimate repeated for each year (see the module notes)."""
    pop = population_lsoa11_2019(lsoas=None if lsoas is None else list(lsoas))
    years = [int(y) for y in years]
    out = pd.concat([pop.assign(year=np.int16(y)) for y in years], ignore_index=True)
    out.attrs.update(sources=["population_lsoa11_2019"],
                     population_note="ONS mid-2019 LSOA population (SAPE22DT2) used for every year 2015-2024")
    return out


def england_aggregate(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Synthetic deaths and (mid-2019) populations for all of England by ``lad_code`` (2019), national IMD 2019
    ``imd_decile``, ``sex``, ``age`` band and ``year``: the input for England, national-decile and comparator
    figures without reading every LSOA."""
    seed = _check_seed(seed)

    def build():
        d = deaths(seed)
        imd = imd2019_index()[["lsoa_code", "lad_code", "imd_decile"]]
        pop = population_lsoa11_2019_bands()
        pop = pop.merge(imd, on="lsoa_code").groupby(["lad_code", "imd_decile", "sex", "age"], observed=True)[
            "population"].sum().reset_index()
        d = d.assign(lsoa_code=d["lsoa_code"].astype(str)).merge(imd, on="lsoa_code")
        d = d.groupby(["lad_code", "imd_decile", "sex", "age", "year"], observed=True)["deaths"].sum().reset_index()
        frames = [pop.assign(year=np.int16(y)) for y in YEARS]
        full = pd.concat(frames, ignore_index=True)
        full["sex"] = full["sex"].astype(str)
        d["sex"] = d["sex"].astype(str)
        full = full.merge(d, on=["lad_code", "imd_decile", "sex", "age", "year"], how="left")
        full["deaths"] = full["deaths"].fillna(0).astype("int32")
        return full

    return _mark(_cache(f"synthetic_deaths_england_lad_decile-{_key(seed)}", build), seed)


def calibration_report() -> pd.DataFrame:
    """Targets against the calibrated model's expected values (no Poisson noise): one row per target with
    ``target``, ``kind`` (england_le, england_sii, england_gap, lad_le, lad_sii), ``area_code``, ``sex``,
    ``period``, ``target_value``, ``expected_value``."""
    inp, prm, fit, tg = _calibrate()
    rows = []
    for s, sex in enumerate(SEXES):
        for p, period in enumerate(PERIODS):
            rows.append(("england_le", "E92000001", sex, period, tg["england_le"][s, p], fit["england_le"][s, p]))
            for d, code in enumerate(KENT_MEDWAY_LADS):
                rows.append(("lad_le", code, sex, period, tg["lad_le"][d, s, p], fit["lad_le"][d, s, p]))
                rows.append(("lad_sii", code, sex, period, tg["lad_sii"][d, s, p], fit["lad_sii"][d, s, p]))
        for kind in ("sii", "gap"):
            period, value = ONS_TARGETS[(kind, sex)]
            got = fit["england_sii" if kind == "sii" else "gap"][s, PERIODS.index(period)]
            rows.append((f"england_{kind}", "E92000001", sex, period, value, got))
    out = pd.DataFrame(rows, columns=["kind", "area_code", "sex", "period", "target_value", "expected_value"])
    out.attrs["parameters"] = {k: np.asarray(v).tolist() for k, v in prm.items()}
    return out.dropna(subset=["target_value"]).reset_index(drop=True)
