"""Synthetic pupil-level NCMP records for Kent and Medway — the demo data of the child obesity chapter.

Pupil-level National Child Measurement Programme extracts are not public, so the chapter runs on this seeded,
documented generator. **Everything built on it is synthetic data** (the records carry ``attrs["synthetic"]`` and
the chapter shows the synthetic-data banner). Only the *inputs* are real:

- pupils live in the real Kent and Medway LSOAs (2011), in numbers from the ONS mid-2019 LSOA population by single
  year of age and sex (ages 4–5 for Reception, 10–11 for Year 6; 95% measured), each with its real IMD 2019
  national decile;
- each pupil's BMI z-score is drawn from the **shape of the published England gradient** by national IMD decile
  (NHS Digital/NHS England NCMP; see :func:`targets`), **recalibrated to the local published figures**
  (:func:`local_calibration`): every district's obesity prevalence is the published Fingertips district figure,
  and the Year 6 gap between local deprivation quintiles is the strategy's published 13.2 points (2021/22).

Calibration (documented in :func:`targets`, :func:`local_calibration` and :func:`bmi_z_distribution`):

1. *Obesity by decile.* 2016/17 and 2017/18: every decile as published (PHEindicatormethods' copy of the NHS
   Digital England-by-decile table). 2021/22–2023/24: only the most/least deprived deciles and England are
   published, so the 2017/18 decile profile is mapped on the probit scale by ``a + b·x + c·(x − x₁)(x − x₁₀)``
   with ``a, b`` fixed by deciles 1 and 10 and ``c`` by the England total (2017/18 pupil shares by decile).
   2018/19 and 2019/20 (no decile figures in the mirror): ``b`` and ``c`` interpolated linearly in time between
   2017/18 and 2021/22, ``a`` solved for England's published total (Fingertips 90323/90319). 2020/21 (a partial
   COVID-19 collection) is not generated.
2. *Sex.* Boys and girls differ by a fixed probit shift from the published 2021/22 England figures (Year 6
   26.4/20.4%, Reception 10.3/9.9%), solved per decile so that the decile total stays exact.
3. *Other categories.* Overweight, severe obesity and underweight sit at fixed probit distances from obesity,
   averaged over the years with published England figures (method notes §4); the BMI z-score's distribution is
   piecewise linear in probit space through the four UK90 thresholds, so the expected share of every category
   is exactly the target.
4. *Measurements.* Age from a date of birth in the school year's birth cohort and a measurement date
   (October–June); BMI from the z-score through the UK90 LMS (:func:`healthintel.obesity.bmi_for_z`); height
   from a UK90 height z-score (correlation 0.2 with BMI z), weight = BMI × height², both rounded to 0.1 as
   measured; the supplied centile is recomputed from the rounded values (as the NCMP system would).
5. *Bad records* at small documented rates (:data:`BAD_RECORD_RATES`) so that the exclusion counts are exercised.
6. *Local calibration* (:func:`local_calibration`, on the **resident cohort**: the expected pupils of each real
   Kent and Medway LSOA by sex, each placed by its home LSOA's district and its local IMD 2019 quintile within
   Kent and Medway, equal LSOA counts as the chapter's "local" basis). Each pupil's obesity probit from steps 1–2
   is (a) pulled towards the cohort's mean probit by a factor ``slope`` (Year 6; 1 for Reception), then (b)
   shifted by a per-district, per-year amount solved so that the district's expected obesity equals the
   published Fingertips district figure (90323 Year 6, 90319 Reception; every generated year, residence-based as
   OHID publishes); for Year 6 the overweight threshold is (c) shifted per district so that expected overweight
   including obesity matches the published district excess weight (Fingertips 20602; mean shift over 2016/17 to
   2018/19, the generated years it is published for). ``slope`` is solved (Brent) so that the expected Year 6
   2021/22 gap in overweight including obesity between the most and least deprived local quintile of Kent and
   Medway is :data:`LOCAL_GAP` (13.2 points, the strategy's figure; the England gradient alone gives ≈ 18.6).
   The slope found applies to every Year 6 year (the strategy publishes 2021/22 only).
7. *Stratified draws.* The standard-normal draw behind each BMI z-score is stratified within school year ×
   academic year × home district × local quintile × sex (a random permutation of equally spaced quantiles), so
   that the realised district and quintile prevalences sit close to their calibrated expectations (the Year 6
   2021/22 gap within a few tenths of a point, not the ±1 point of independent draws).
8. *Schools.* Each record carries its home LSOA and its school's district (``school_lad_code``), so the resident
   cohort (OHID's) and the school cohort differ as in real data: :data:`SCHOOL_ELSEWHERE_SHARE` of pupils are
   measured at a school in a neighbouring district (:data:`NEIGHBOURS`, some outside Kent and Medway), and
   :data:`VISITOR_SHARE` of the children of the bordering districts outside Kent and Medway
   (:data:`VISITOR_SCHOOLS`) are measured at Kent schools (ids starting "V"; drawn like the others, from their
   own LSOAs). These draws use their own random streams, so the Kent and Medway residents' measurements do not
   depend on them.

Checks (tests/obesity/test_synthetic.py, against the real Fingertips values read at run time): the Kent and
Medway Year 6 2021/22 local-quintile gap within 1 point of 13.2; every district's (and Kent's and Medway's)
Year 6 2018/19 excess weight within its published 95% CI (Fingertips 20602); obesity by district near the
published figure every year. Compare :func:`plausibility` with the real Fingertips district figures.

Cached as parquet in ``data/processed/`` keyed by :data:`VERSION`, the seed and the input checksums.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

from .. import config
from ..sources import readers
from ..sources.catalog import dataset

VERSION = 3
DEFAULT_SEED = 2026
ACADEMIC_YEARS = ("2016/17", "2017/18", "2018/19", "2019/20", "2021/22", "2022/23", "2023/24")
SCHOOL_YEARS = ("Reception", "Year 6")
AREA_CODES = ("E10000016", "E06000035")  # Kent county, Medway UA
SOURCES = ["ncmp_england_imd_decile_2006_2018", "fingertips_y6_obesity_90323", "fingertips_reception_obesity_90319",
           "population_lsoa11_2019", "imd2019_index", "fingertips_y6_excess_weight_20602",
           "fingertips_pub_district_snapshot_2020"]
NOTE = ("Synthetic pupil-level NCMP records (healthintel.synthetic.ncmp): real Kent and Medway LSOAs and "
        "populations, BMI drawn from the published England deprivation gradient recalibrated to the published "
        "district figures and the strategy's local-quintile gap. Not real children.")
#: The strategy's published figure the Year 6 gradient is calibrated to (Kent and Medway Integrated Care Strategy,
#: outcome 1.3): overweight including obesity, most minus least deprived local IMD 2019 quintile of Kent and
#: Medway, Year 6, 2021/22, percentage points.
LOCAL_GAP = {"school_year": "Year 6", "academic_year": "2021/22", "value": 13.2}
#: Generated years whose published district excess weight (Fingertips 20602) fixes the Year 6 overweight shifts.
OVERWEIGHT_YEARS = ("2016/17", "2017/18", "2018/19")
#: Ages of each school year's cohort (the two single years of age a school year spans; half of each).
COHORT_AGES = {"Reception": (4, 5), "Year 6": (10, 11)}

#: Published England figures (NHS Digital / NHS England NCMP, method notes §4): obesity incl. severe (%) for
#: England and the most / least deprived national IMD deciles (child postcode).
PUBLISHED_DECILE_EXTREMES = {
    ("Year 6", "2021/22"): (23.4, 31.3, 13.5),
    ("Year 6", "2022/23"): (22.7, 30.2, 13.1),
    ("Year 6", "2023/24"): (22.1, 29.2, 13.0),
    ("Reception", "2021/22"): (10.1, 13.6, 6.2),
    ("Reception", "2022/23"): (9.2, 12.4, 5.8),
    ("Reception", "2023/24"): (9.6, 12.9, 6.0),
}
#: England category shares (%) where published (method notes §4): obesity, overweight incl. obesity, severe
#: obesity, underweight (None = not published). 2022/23 underweight = 100 − 36.6 − 61.9 (healthy weight).
PUBLISHED_CATEGORIES = {
    ("Year 6", "2021/22"): (23.4, 37.7, 5.8, None),
    ("Year 6", "2022/23"): (22.7, 36.6, None, 1.5),
    ("Year 6", "2023/24"): (22.1, 35.9, 5.5, 1.7),
    ("Reception", "2023/24"): (9.6, 22.0, 2.6, 1.2),
}
#: Published 2021/22 obesity by sex (%): (boys, girls, all).
PUBLISHED_SEX = {"Year 6": (26.4, 20.4, 23.4), "Reception": (10.3, 9.9, 10.1)}
MALE_SHARE = 0.512
#: UK90 z-score thresholds of the population categories (centiles 2, 85, 95, 99.6).
Z_UNDER, Z_OVER, Z_OBESE, Z_SEVERE = (float(ndtri(p)) for p in (0.02, 0.85, 0.95, 0.996))
#: Share of records made bad on purpose (per record), to exercise the exclusions.
BAD_RECORD_RATES = {
    "independent or special school": 0.004,
    "no measurement (height, weight, BMI and centile blank)": 0.003,
    "impossible height or weight (keying error)": 0.001,
    "home LSOA blank or not an English LSOA": 0.005,
    "sex not recorded": 0.0005,
    "duplicate record": 0.002,
    "centile not supplied (computed from height and weight)": 0.02,
}
MEASURED_SHARE = 0.95
#: Share of Kent and Medway pupils measured at a school in a neighbouring district (see :data:`NEIGHBOURS`).
SCHOOL_ELSEWHERE_SHARE = 0.03
#: Share of the children of the bordering districts outside Kent and Medway measured at Kent schools.
VISITOR_SHARE = 0.04
#: Districts bordering each Kent district and Medway (GSS codes; outside Kent and Medway: Rother E07000064 and
#: Wealden E07000065 in East Sussex, Tandridge E07000215 in Surrey, Bexley E09000004, Bromley E09000006).
NEIGHBOURS = {
    "E07000105": ("E07000106", "E07000112", "E07000110", "E07000113", "E07000116", "E07000064"),
    "E07000106": ("E07000105", "E07000108", "E07000112", "E07000113", "E07000114"),
    "E07000107": ("E07000109", "E07000111", "E09000004"),
    "E07000108": ("E07000106", "E07000112", "E07000114"),
    "E07000109": ("E07000107", "E07000111", "E07000115", "E06000035"),
    "E07000110": ("E07000105", "E06000035", "E07000113", "E07000115", "E07000116"),
    "E07000111": ("E07000107", "E07000109", "E07000115", "E07000116", "E09000006", "E07000215", "E07000065"),
    "E07000112": ("E07000105", "E07000106", "E07000108", "E07000064"),
    "E07000113": ("E06000035", "E07000110", "E07000105", "E07000106"),
    "E07000114": ("E07000106", "E07000108"),
    "E07000115": ("E07000109", "E07000110", "E06000035", "E07000111", "E07000116"),
    "E07000116": ("E07000105", "E07000110", "E07000111", "E07000115", "E07000065", "E07000064"),
    "E06000035": ("E07000109", "E07000110", "E07000113", "E07000115"),
}
#: The districts of Kent and Medway (schools inside the demo's area).
KENT_AND_MEDWAY_SCHOOLS = tuple(NEIGHBOURS)
#: Bordering districts outside Kent and Medway -> the Kent districts whose schools some of their children attend.
VISITOR_SCHOOLS = {
    "E07000064": ("E07000105", "E07000112", "E07000116"),
    "E07000065": ("E07000116", "E07000111"),
    "E07000215": ("E07000111",),
    "E09000004": ("E07000107", "E07000111"),
    "E09000006": ("E07000111", "E07000107"),
}


def _pct(x):
    return np.asarray(x, dtype=float) / 100


@lru_cache(maxsize=1)
def england_by_decile() -> pd.DataFrame:
    """The published England obesity table by national IMD decile, 2006/07–2017/18 (real; NHS Digital, via
    PHEindicatormethods' test data). Columns ``school_year``, ``academic_year``, ``decile``, ``measured``,
    ``obese``, ``value`` (%)."""
    df = readers.csv_table("ncmp_england_imd_decile_2006_2018")
    p = df["Period"].astype(int).astype(str).str.zfill(4)
    year = "20" + p.str[:2] + "/" + p.str[2:]
    return pd.DataFrame({
        "school_year": df["SchoolYear"].astype(str).map({"R": "Reception", "6": "Year 6"}),
        "academic_year": year, "decile": df["Decile"].astype(int), "measured": df["Measured"].astype(int),
        "obese": df["Count"].astype(int), "value": df["Rate"].astype(float),
    })


@lru_cache(maxsize=2)
def _england_total(school_year: str) -> dict:
    """England obesity (%) by academic year from the real Fingertips extract (90323 / 90319)."""
    sid = {"Year 6": "fingertips_y6_obesity_90323", "Reception": "fingertips_reception_obesity_90319"}[school_year]
    df = readers.csv_table(sid)
    df = df[(df["area_code"] == "E92000001") & df["inequality"].isna()]
    return dict(zip(df["period"].astype(str), pd.to_numeric(df["value"], errors="coerce")))


@lru_cache(maxsize=1)
def targets() -> pd.DataFrame:
    """Target obesity prevalence (%) by school year, academic year and national IMD decile, with its basis.

    Columns ``school_year``, ``academic_year``, ``decile``, ``target`` (%), ``published`` (% where NHS Digital
    published that decile, else NaN), ``england_target``/``england_published`` and ``basis``.
    """
    by_dec = england_by_decile()
    rows = []
    for sy in SCHOOL_YEARS:
        ref = by_dec[(by_dec["school_year"] == sy) & (by_dec["academic_year"] == "2017/18")].sort_values("decile")
        x = ndtri(_pct(ref["value"]))
        w = (ref["measured"] / ref["measured"].sum()).to_numpy()
        x1, x10 = x[0], x[-1]

        def curve(a, b, c, x=x, x1=x1, x10=x10):
            return ndtr(a + b * x + c * (x - x1) * (x - x10))

        fitted = {}
        for yr in ("2021/22", "2022/23", "2023/24"):
            eng, most, least = (v / 100 for v in PUBLISHED_DECILE_EXTREMES[(sy, yr)])
            b = (ndtri(most) - ndtri(least)) / (x1 - x10)
            a = ndtri(most) - b * x1
            c = brentq(lambda c, a=a, b=b, eng=eng, w=w, curve=curve: float(np.dot(w, curve(a, b, c))) - eng, -5, 5)
            fitted[yr] = (a, b, c)
        totals = _england_total(sy)
        for yr in ACADEMIC_YEARS:
            start = int(yr[:4])
            pub = by_dec[(by_dec["school_year"] == sy) & (by_dec["academic_year"] == yr)].sort_values("decile")
            if len(pub) == 10:
                p = _pct(pub["value"])
                basis = "published, every decile (NHS Digital England by IMD decile)"
                eng_t = float(np.dot((pub["measured"] / pub["measured"].sum()).to_numpy(), p))
                eng_pub = float(pub["obese"].sum() / pub["measured"].sum())
            elif yr in fitted:
                p = curve(*fitted[yr])
                basis = "2017/18 profile fitted to the published deciles 1 and 10 and England"
                eng_t = float(np.dot(w, p))
                eng_pub = PUBLISHED_DECILE_EXTREMES[(sy, yr)][0] / 100
            else:  # 2018/19, 2019/20: shape interpolated between 2017/18 and 2021/22, level from England
                f = (start - 2017) / (2021 - 2017)
                _, b1, c1 = fitted["2021/22"]
                b, c = 1 + f * (b1 - 1), f * c1
                eng_pub = totals[yr] / 100
                a = brentq(lambda a, b=b, c=c, e=eng_pub, w=w, curve=curve: float(np.dot(w, curve(a, b, c))) - e,
                           -5, 5)
                p = curve(a, b, c)
                basis = "shape interpolated 2017/18-2021/22, level fitted to England (Fingertips)"
                eng_t = float(np.dot(w, p))
            published = np.full(10, np.nan)
            if len(pub) == 10:
                published = _pct(pub["value"])
            elif (sy, yr) in PUBLISHED_DECILE_EXTREMES:
                published[0], published[9] = (v / 100 for v in PUBLISHED_DECILE_EXTREMES[(sy, yr)][1:])
            for d in range(10):
                rows.append({"school_year": sy, "academic_year": yr, "decile": d + 1, "target": 100 * p[d],
                             "published": 100 * published[d], "england_target": 100 * eng_t,
                             "england_published": 100 * eng_pub, "basis": basis})
    return pd.DataFrame(rows)


@lru_cache(maxsize=1)
def shape() -> dict:
    """Probit offsets of overweight-incl-obesity, severe obesity and underweight from obesity, per school year
    (means over the years with published England figures); and the sex shifts."""
    out = {}
    for sy in SCHOOL_YEARS:
        ow, sev, und = [], [], []
        for (s, _), (ob, owp, sv, un) in PUBLISHED_CATEGORIES.items():
            if s != sy:
                continue
            q = ndtri(ob / 100)
            ow.append(ndtri(owp / 100) - q)
            if sv is not None:
                sev.append(ndtri(sv / 100) - q)
            if un is not None:
                und.append(ndtri(un / 100) + q)
        boys, girls, all_ = (ndtri(v / 100) for v in PUBLISHED_SEX[sy])
        out[sy] = {"overweight": float(np.mean(ow)), "severe": float(np.mean(sev)),
                   "underweight": float(np.mean(und)), "male": float(boys - all_), "female": float(girls - all_)}
    return out


def _group_probits(school_year: str, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Obesity probits (boys, girls) for decile prevalences ``p`` keeping the sex-weighted total exact."""
    sh = shape()[school_year]
    boys, girls = np.empty(len(p)), np.empty(len(p))
    for k, pk in enumerate(p):
        c = brentq(lambda c, pk=pk: MALE_SHARE * ndtr(c + sh["male"]) + (1 - MALE_SHARE) * ndtr(c + sh["female"])
                   - pk, -6, 6)
        boys[k], girls[k] = c + sh["male"], c + sh["female"]
    return boys, girls


def bmi_z_distribution(school_year: str, obesity_probit, g, overweight_shift=0.0) -> np.ndarray:
    """BMI z-scores from standard normal draws ``g`` for groups with obesity probit ``probit(P(z ≥ 1.645))``.

    The quantile function is piecewise linear in probit space through the four category thresholds (z = −2.054,
    1.036, 1.645, 2.652) placed at the group's target tail probabilities, extended linearly beyond them; z is
    then limited to [−4.5, 4.5] (no category changes). ``overweight_shift`` (scalar or per draw) moves the
    overweight threshold's tail probability on the probit scale (the district calibration of Year 6 excess
    weight).
    """
    sh = shape()[school_year]
    q = np.asarray(obesity_probit, dtype=float)
    over = sh["overweight"] + np.asarray(overweight_shift, dtype=float)
    if np.any(over <= 0):
        raise ValueError("overweight_shift would put the overweight threshold above the obesity threshold.")
    # probit of the CDF at each threshold (increasing)
    k = np.stack([sh["underweight"] - q, -(q + over) * np.ones_like(q), -q, -(q + sh["severe"])], axis=-1)
    zk = np.array([Z_UNDER, Z_OVER, Z_OBESE, Z_SEVERE])
    seg = np.minimum((g > k[:, 1]).astype(np.intp) + (g > k[:, 2]) + (g > k[:, 3]), 2)  # segment; ends extrapolate
    rows = np.arange(len(g))
    k0, k1 = k[rows, seg], k[rows, seg + 1]
    z = zk[seg] + (g - k0) * (zk[seg + 1] - zk[seg]) / (k1 - k0)
    return np.clip(z, -4.5, 4.5)


# --- local calibration (resident cohort of the generated areas) -------------------------------------------------


def cohort_cells(school_year: str, area_codes=AREA_CODES) -> pd.DataFrame:
    """The resident cohort of ``school_year`` in the upper-tier ``area_codes``: one row per LSOA (2011) and sex.

    Columns ``lsoa_code``, ``sex`` ("male"/"female"), ``population`` (expected pupils before the measured share:
    half of the two single years of age of :data:`COHORT_AGES`, ONS mid-2019), ``lad_code`` (home district),
    ``imd_decile`` (national) and ``local_quintile`` (IMD 2019 score ranked within the areas, equal LSOA counts:
    the chapter's "local" basis for Kent and Medway).
    """
    from .. import deprivation

    dep = deprivation.load_deprivation("imd2019")
    dep = dep[dep["utla_code"].isin(area_codes)]
    dep = deprivation.local_quantiles(dep, n=5, column="local_quintile")
    pop = readers.population_lsoa11_2019(lsoas=dep["lsoa_code"])
    pop = pop[pop["age"].isin(COHORT_AGES[school_year])]
    cells = (pop.groupby(["lsoa_code", "sex"], observed=True)["population"].sum() / 2).reset_index()
    cells = cells.merge(dep[["lsoa_code", "lad_code", "imd_decile", "local_quintile"]], on="lsoa_code")
    cells["lsoa_code"] = cells["lsoa_code"].astype(str)
    cells["sex"] = cells["sex"].astype(str)
    return cells


@lru_cache(maxsize=2)
def _km_cells(school_year: str) -> pd.DataFrame:
    return cohort_cells(school_year)


def _england_probits(school_year: str, academic_year: str, cells: pd.DataFrame) -> np.ndarray:
    """Each cell's obesity probit from the England gradient (steps 1-2 of the calibration)."""
    t = targets()
    t = t[(t["school_year"] == school_year) & (t["academic_year"] == academic_year)].sort_values("decile")
    if len(t) != 10:
        raise ValueError(f"no calibration target for {school_year} {academic_year}; generate one of {ACADEMIC_YEARS}.")
    boys, girls = _group_probits(school_year, t["target"].to_numpy() / 100)
    dec = cells["imd_decile"].to_numpy(dtype=int) - 1
    return np.where(cells["sex"].to_numpy() == "male", boys[dec], girls[dec])


def _level_shifts(q: np.ndarray, w: np.ndarray, group: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per-group shifts ``c`` with ``sum(w * Phi(q + c[group])) / sum(w) == target`` in every group (Newton,
    vectorised over the groups; ``target`` NaN -> shift 0)."""
    n = len(target)
    total = np.bincount(group, w, minlength=n)
    goal = np.where(np.isnan(target), 0.5, target)
    c = np.zeros(n)
    for _ in range(60):
        x = q + c[group]
        f = np.bincount(group, w * ndtr(x), minlength=n) / total - goal
        slope = np.bincount(group, w * np.exp(-x * x / 2) / np.sqrt(2 * np.pi), minlength=n) / total
        step = np.clip(f / slope, -0.5, 0.5)
        c -= step
        if np.abs(step).max() < 1e-12:
            break
    return np.where(np.isnan(target), 0.0, c)


def _published_by_district(frame: pd.DataFrame, lads: pd.Index, year_col: str, year: str) -> np.ndarray:
    """The published prevalence (0-1) of each district of ``lads`` in ``year`` (NaN where not published)."""
    pub = frame[frame[year_col] == year].drop_duplicates("area_code").set_index("area_code")["value"]
    return pd.Series(lads).map(pub).to_numpy(dtype=float) / 100


def _year_probits(school_year: str, academic_year: str, cells: pd.DataFrame, slope: float,
                  lads: pd.Index, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(calibrated obesity probit per cell, shift per district) for one year: England gradient pulled to the
    cohort mean by ``slope``, then each district shifted to its published obesity."""
    from ..obesity import published_prevalence

    base = _england_probits(school_year, academic_year, cells)
    w = cells["population"].to_numpy(dtype=float)
    mean = float(np.dot(w, base) / w.sum())
    q = mean + slope * (base - mean)
    target = _published_by_district(published_prevalence(school_year), lads, "academic_year", academic_year)
    shifts = _level_shifts(q, w, group, target)
    return q + shifts[group], shifts


def _overweight_shifts(cells: pd.DataFrame, probits: dict, lads: pd.Index, group: np.ndarray) -> np.ndarray:
    """Year 6 overweight-threshold shift per district: the mean over :data:`OVERWEIGHT_YEARS` of the shift that
    makes expected overweight incl. obesity equal the published district excess weight (Fingertips 20602)."""
    from ..sources.published import published_values

    ew = published_values(20602, area_codes=list(lads))
    w = cells["population"].to_numpy(dtype=float)
    ow = shape()["Year 6"]["overweight"]
    per_year = [_level_shifts(probits[y] + ow, w, group, _published_by_district(ew, lads, "period", y))
                for y in OVERWEIGHT_YEARS if y in probits]
    return np.mean(per_year, axis=0) if per_year else np.zeros(len(lads))


def _quintile_gap(cells: pd.DataFrame, p: np.ndarray) -> float:
    """Most minus least deprived local quintile of per-cell prevalences ``p`` (weighted by the cohort), points."""
    w = cells["population"].to_numpy(dtype=float)
    quint = cells["local_quintile"].to_numpy()
    prev = [np.dot(w[quint == k], p[quint == k]) / w[quint == k].sum() for k in (1, 5)]
    return 100 * float(prev[0] - prev[1])


def _calibrate(school_year: str, slope: float) -> dict:
    """Every year's calibrated probits and district shifts of ``school_year`` for ``slope`` (Kent and Medway)."""
    cells = _km_cells(school_year)
    lads = pd.Index(sorted(cells["lad_code"].unique()))
    group = lads.get_indexer(cells["lad_code"])
    probits, shifts = {}, {}
    for yr in ACADEMIC_YEARS:  # seven years, vectorised within each
        probits[yr], shifts[yr] = _year_probits(school_year, yr, cells, slope, lads, group)
    ow = _overweight_shifts(cells, probits, lads, group) if school_year == "Year 6" else np.zeros(len(lads))
    return {"cells": cells, "lads": lads, "group": group, "probits": probits, "shifts": shifts,
            "overweight_shift": ow}


def _expected_gap(cal: dict, academic_year: str) -> float:
    ow = shape()["Year 6"]["overweight"] + cal["overweight_shift"][cal["group"]]
    return _quintile_gap(cal["cells"], ndtr(cal["probits"][academic_year] + ow))


@lru_cache(maxsize=1)
def local_calibration() -> dict:
    """The local calibration of the demo (step 6 of the module docstring), solved once.

    Returns
    -------
    dict
        ``slope`` (school year -> the factor pulling the England gradient towards the cohort mean: solved for
        Year 6 so that the expected 2021/22 local-quintile gap in overweight incl. obesity is :data:`LOCAL_GAP`;
        1 for Reception), ``expected_gap`` (that gap, points), ``england_gap`` (the same gap with the England
        gradient and no local calibration, for comparison), ``shifts`` (DataFrame ``school_year``,
        ``academic_year``, ``lad_code``, ``obesity_shift``, ``overweight_shift``: probit shifts per district).
    """
    y6 = LOCAL_GAP["school_year"]
    slope = brentq(lambda s: _expected_gap(_calibrate(y6, s), LOCAL_GAP["academic_year"]) - LOCAL_GAP["value"],
                   0.05, 2.0, xtol=1e-6)
    cals = {y6: _calibrate(y6, slope), "Reception": _calibrate("Reception", 1.0)}
    cells = _km_cells(y6)
    base = _england_probits(y6, LOCAL_GAP["academic_year"], cells)
    england_gap = _quintile_gap(cells, ndtr(base + shape()[y6]["overweight"]))
    rows = [pd.DataFrame({"school_year": sy, "academic_year": yr, "lad_code": cal["lads"],
                          "obesity_shift": cal["shifts"][yr], "overweight_shift": cal["overweight_shift"]})
            for sy, cal in cals.items() for yr in ACADEMIC_YEARS]
    return {"slope": {y6: float(slope), "Reception": 1.0},
            "expected_gap": _expected_gap(cals[y6], LOCAL_GAP["academic_year"]),
            "england_gap": england_gap, "shifts": pd.concat(rows, ignore_index=True)}


def calibrated_probits(school_year: str, academic_year: str, cells: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(obesity probit, overweight-threshold shift) of each cell of ``cells`` (:func:`cohort_cells`) under the
    local calibration: the England gradient pulled towards the cells' mean by the school year's slope, plus the
    district's shifts (0 for a district without published figures)."""
    cal = local_calibration()
    base = _england_probits(school_year, academic_year, cells)
    w = cells["population"].to_numpy(dtype=float)
    mean = float(np.dot(w, base) / w.sum())
    q = mean + cal["slope"][school_year] * (base - mean)
    sh = cal["shifts"]
    sh = sh[(sh["school_year"] == school_year) & (sh["academic_year"] == academic_year)].set_index("lad_code")
    lad = cells["lad_code"]
    return (q + lad.map(sh["obesity_shift"]).fillna(0.0).to_numpy(dtype=float),
            lad.map(sh["overweight_shift"]).fillna(0.0).to_numpy(dtype=float))


def expected_prevalence() -> pd.DataFrame:
    """The calibrated expectation for every Kent and Medway cohort cell: ``school_year``, ``academic_year``,
    ``lsoa_code``, ``sex``, ``lad_code``, ``local_quintile``, ``population``, ``obesity`` and
    ``overweight_incl_obesity`` (probabilities, 0-1). What the generator draws from; :func:`calibration_check`
    compares the records with it."""
    frames = []
    for sy in SCHOOL_YEARS:
        cells = _km_cells(sy)
        for yr in ACADEMIC_YEARS:
            q, ow = calibrated_probits(sy, yr, cells)
            frames.append(cells.assign(school_year=sy, academic_year=yr, obesity=ndtr(q),
                                       overweight_incl_obesity=ndtr(q + shape()[sy]["overweight"] + ow)))
    return pd.concat(frames, ignore_index=True)


def _stratified_normal(rng, strata: np.ndarray) -> np.ndarray:
    """Standard-normal draws stratified within each stratum: the equally spaced quantiles (k + U)/n of the
    stratum in random order (vectorised: one sort, no loop over strata)."""
    m = len(strata)
    perm = rng.permutation(m)
    order = np.argsort(strata[perm], kind="stable")
    sorted_keys = strata[perm][order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_keys)) + 1] if m else np.array([], dtype=int)
    sizes = np.diff(np.r_[starts, m])
    rank = np.arange(m) - np.repeat(starts, sizes)
    u = np.empty(m)
    u[perm[order]] = (rank + rng.random(m)) / np.repeat(sizes, sizes)
    return ndtri(np.clip(u, 1e-12, 1 - 1e-12))


def _cache_path(seed: int) -> Path:
    key = "-".join(dataset(i).sha256[:8] for i in SOURCES)
    return config.processed_dir() / f"synthetic_ncmp-v{VERSION}-seed{seed}-{key}.parquet"


def load(seed: int = DEFAULT_SEED, *, refresh: bool = False) -> pd.DataFrame:
    """The synthetic extract for Kent and Medway, every year of :data:`ACADEMIC_YEARS` (cached parquet)."""
    path = _cache_path(seed)
    if path.exists() and not refresh:
        frame = pd.read_parquet(path)
    else:
        frame = generate(seed=seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".synthetic_ncmp-", suffix=".parquet", dir=path.parent)
        os.close(fd)
        try:
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return _flag(frame)


def _flag(frame: pd.DataFrame) -> pd.DataFrame:
    frame.attrs.update(synthetic=True, sources=list(SOURCES), note=NOTE, version=VERSION)
    return frame


def generate(*, seed: int = DEFAULT_SEED, academic_years=ACADEMIC_YEARS, scale: float = 1.0,
             area_codes=AREA_CODES, bad_records: bool = True, schools: bool = True) -> pd.DataFrame:
    """Generate the synthetic pupil-level extract (no cache; see :func:`load`).

    Parameters
    ----------
    seed : int
        numpy ``default_rng`` seed: same seed, same records.
    academic_years : sequence of str
        Years to generate (each needs a calibration target, see :func:`targets`).
    scale : float
        Multiplies the expected number of pupils (e.g. 0.1 for a small, fast sample in tests).
    area_codes : sequence of str
        Upper-tier areas (or districts) whose LSOAs are populated (default Kent and Medway).
    bad_records : bool
        Inject the bad records of :data:`BAD_RECORD_RATES`.
    schools : bool
        Send :data:`SCHOOL_ELSEWHERE_SHARE` of pupils to a neighbouring district's schools and add the children of
        bordering districts measured at Kent schools (see the module notes); ``False``: every pupil at a school in
        the home district.

    Returns
    -------
    DataFrame
        Columns of :data:`healthintel.obesity.NCMP_SCHEMA` plus ``school_lad_code``; ``attrs["synthetic"]``.
    """
    from .. import obesity

    rng = np.random.default_rng(seed)
    frames = []
    for sy, offset in (("Reception", 4), ("Year 6", 10)):
        cohort = cohort_cells(sy, area_codes)
        stratum = cohort.groupby(["lad_code", "local_quintile", "sex"], sort=False).ngroup().to_numpy()
        for yr in academic_years:
            cell_probit, cell_shift = calibrated_probits(sy, yr, cohort)
            n = rng.poisson(cohort["population"].to_numpy() * MEASURED_SHARE * scale)
            cell = np.repeat(np.arange(len(cohort)), n)
            rows = cohort.iloc[cell].reset_index(drop=True)
            m = len(rows)
            sexes = rows["sex"].astype(str).to_numpy()
            z = bmi_z_distribution(sy, cell_probit[cell], _stratified_normal(rng, stratum[cell]), cell_shift[cell])
            start = int(yr[:4])
            birth_start = np.datetime64(f"{start - offset - 1}-09-01")
            dob = birth_start + rng.integers(0, 365, m).astype("timedelta64[D]")
            meas_start = np.datetime64(f"{start}-10-01")
            dom = meas_start + rng.integers(0, 273, m).astype("timedelta64[D]")  # October to June
            age = (dom - dob).astype(int) / 365.25
            bmi = obesity.bmi_for_z(age, sexes, z)
            hz = 0.2 * z + np.sqrt(1 - 0.04) * rng.standard_normal(m)
            height = np.round(obesity.height_for_z(age, sexes, hz), 1)
            weight = np.round(bmi * (height / 100) ** 2, 1)
            bmi_r = weight / (height / 100) ** 2
            cent = obesity.bmi_centile(age, sexes, bmi_r)["bmi_centile"].to_numpy()
            b, d = pd.DatetimeIndex(dob), pd.DatetimeIndex(dom)
            months = (d.year - b.year) * 12 + (d.month - b.month) - (d.day < b.day)  # completed months
            lad = rows["lad_code"].to_numpy()
            frames.append(pd.DataFrame({
                "academic_year": yr, "school_year": sy, "sex": sexes, "date_of_birth": dob.astype("datetime64[ns]"),
                "date_of_measurement": dom.astype("datetime64[ns]"), "age_months": np.asarray(months, dtype=float),
                "height_cm": height, "weight_kg": weight, "bmi": np.round(bmi_r, 2), "bmi_centile": cent,
                "lsoa_code": rows["lsoa_code"].astype(str).to_numpy(), "school_lad_code": lad,
                "school_code": [f"SYN{c[-3:]}{k:02d}" for c, k in zip(lad, rng.integers(1, 40, m))],
                "school_status": "NCMP",
            }))
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "pupil_id", [f"P{seed % 1000:03d}{i:07d}" for i in range(len(out))])
    if bad_records:
        out = _spoil(out, rng)
    if schools:
        out = _with_schools(out, seed=seed, academic_years=academic_years, scale=scale)
    out["lsoa_code"] = out["lsoa_code"].astype("string")
    return _flag(out)


def _with_schools(out: pd.DataFrame, *, seed: int, academic_years, scale: float) -> pd.DataFrame:
    """Move :data:`SCHOOL_ELSEWHERE_SHARE` of pupils to a neighbouring district's school and append the children
    of the bordering districts outside Kent and Medway measured at Kent schools (own random streams)."""
    rng = np.random.default_rng([seed, 11])
    home = out["school_lad_code"].to_numpy(dtype=object)
    move = (rng.random(len(out)) < SCHOOL_ELSEWHERE_SHARE) & np.isin(home, list(NEIGHBOURS))
    pick = rng.random(len(out))
    school = home.copy()
    for lad, options in NEIGHBOURS.items():
        rows = move & (home == lad)
        school[rows] = np.asarray(options, dtype=object)[(pick[rows] * len(options)).astype(int)]
    out = out.assign(school_lad_code=school)
    out.loc[move, "school_code"] = ["SYN" + s[-3:] + c[-2:] for s, c in zip(school[move], out.loc[move, "school_code"])]
    visitors = generate(seed=seed + 1, academic_years=academic_years, scale=scale * VISITOR_SHARE,
                        area_codes=tuple(VISITOR_SCHOOLS), bad_records=False, schools=False)
    vlad = visitors["school_lad_code"].to_numpy(dtype=object)
    vpick = np.random.default_rng([seed, 12]).random(len(visitors))
    vschool = vlad.copy()
    for lad, options in VISITOR_SCHOOLS.items():
        rows = vlad == lad
        vschool[rows] = np.asarray(options, dtype=object)[(vpick[rows] * len(options)).astype(int)]
    visitors = visitors.assign(
        school_lad_code=vschool, pupil_id="V" + visitors["pupil_id"].str[1:],
        school_code=["SYN" + s[-3:] + c[-2:] for s, c in zip(vschool, visitors["school_code"])])
    return pd.concat([out, visitors], ignore_index=True)


def _spoil(out: pd.DataFrame, rng) -> pd.DataFrame:
    n = len(out)
    r = BAD_RECORD_RATES

    def pick(rate):
        return rng.random(n) < rate

    status = pick(r["independent or special school"])
    out.loc[status, "school_status"] = np.where(rng.random(status.sum()) < 0.5, "Independent", "Special")
    blank = pick(r["no measurement (height, weight, BMI and centile blank)"])
    out.loc[blank, ["height_cm", "weight_kg", "bmi", "bmi_centile"]] = np.nan
    typo = pick(r["impossible height or weight (keying error)"])
    out.loc[typo, "height_cm"] = out.loc[typo, "height_cm"] * 10  # cm keyed as mm
    out.loc[typo, "bmi"] = out.loc[typo, "weight_kg"] / (out.loc[typo, "height_cm"] / 100) ** 2
    out.loc[typo, "bmi_centile"] = np.nan
    lsoa = pick(r["home LSOA blank or not an English LSOA"])
    out["lsoa_code"] = out["lsoa_code"].astype(object)
    out.loc[lsoa, "lsoa_code"] = np.where(rng.random(lsoa.sum()) < 0.6, None, "W01000001")
    sex = pick(r["sex not recorded"])
    out.loc[sex, "sex"] = None
    nocent = pick(r["centile not supplied (computed from height and weight)"])
    out.loc[nocent, "bmi_centile"] = np.nan
    dup = np.flatnonzero(pick(r["duplicate record"]))
    return pd.concat([out, out.iloc[dup]], ignore_index=True)


def calibration_check(prepared, *, school_year: str | None = None) -> pd.DataFrame:
    """Synthetic obesity by national IMD decile and year against its calibrated expectation and the published
    England figure.

    Columns ``school_year``, ``academic_year``, ``decile``, ``measured``, ``obese``, ``synthetic`` (%),
    ``lower_ci``/``upper_ci`` (Wilson 95%), ``target`` (the calibrated expectation for these very pupils: the
    mean of :func:`expected_prevalence` over them, %), ``published`` (England's published figure for the decile,
    where NHS Digital published it: the England gradient the calibration starts from, not a target for Kent and
    Medway), ``z`` ((synthetic − target)/SE) and ``basis`` (of the England gradient).
    """
    from ..obesity import counts
    from ..stats import proportion

    pupils = prepared.pupils if hasattr(prepared, "pupils") else prepared
    c = counts(prepared, by=["school_year", "academic_year", "national_decile"], measures=["obesity"])
    c = c.rename(columns={"national_decile": "decile"})
    if school_year is not None:
        c = c[c["school_year"] == school_year]
    p = proportion(c, "numerator", "denominator", multiplier=100)
    keys = ["school_year", "academic_year", "lsoa_code", "sex"]
    exp = expected_prevalence()[[*keys, "obesity"]]
    mine = pupils[[*keys, "national_decile"]].astype({"lsoa_code": str, "sex": str}).merge(exp, on=keys, how="left")
    expected = (mine.groupby(["school_year", "academic_year", "national_decile"], observed=True)["obesity"].mean()
                .mul(100).rename("target").reset_index().rename(columns={"national_decile": "decile"}))
    england = targets()[["school_year", "academic_year", "decile", "published", "basis"]]
    out = p.merge(expected, on=["school_year", "academic_year", "decile"], how="left").merge(
        england, on=["school_year", "academic_year", "decile"], how="left")
    pt = out["target"] / 100
    se = np.sqrt(pt * (1 - pt) / out["denominator"])
    out["z"] = (out["value"] / 100 - pt) / se
    out = out.rename(columns={"numerator": "obese", "denominator": "measured", "value": "synthetic"})
    return out[["school_year", "academic_year", "decile", "measured", "obese", "synthetic", "lower_ci", "upper_ci",
                "target", "published", "z", "basis"]].reset_index(drop=True)


def plausibility(prepared, *, school_year: str = "Year 6") -> pd.DataFrame:
    """Synthetic obesity by home district and year beside the real Fingertips figure (the calibration target of
    each district: 90323 Year 6 / 90319 Reception)."""
    from ..obesity import prevalence, published_prevalence

    pupils = prepared.pupils if hasattr(prepared, "pupils") else prepared
    syn = prevalence(pupils[pupils["school_year"] == school_year], by=["academic_year", "lad_code"],
                     measures=["obesity"])
    pub = published_prevalence(school_year).rename(columns={"area_code": "lad_code", "value": "published"})
    return syn.merge(pub, on=["lad_code", "academic_year"], how="left")[
        ["academic_year", "lad_code", "area_name", "denominator", "value", "lower_ci", "upper_ci", "published"]]
