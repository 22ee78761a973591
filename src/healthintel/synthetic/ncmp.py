"""Synthetic pupil-level NCMP records for Kent and Medway — the demo data of the child obesity chapter.

Pupil-level National Child Measurement Programme extracts are not public, so the chapter runs on this seeded,
documented generator. **Everything built on it is synthetic data** (the records carry ``attrs["synthetic"]`` and
the chapter shows the synthetic-data banner). Only the *inputs* are real:

- pupils live in the real Kent and Medway LSOAs (2011), in numbers from the ONS mid-2019 LSOA population by single
  year of age and sex (ages 4–5 for Reception, 10–11 for Year 6; 95% measured), each with its real IMD 2019
  national decile;
- each pupil's BMI z-score is drawn so that obesity prevalence **by national IMD decile, school year and
  academic year matches the published England figures** (NHS Digital/NHS England NCMP; see :func:`targets`).

Calibration (documented in :func:`targets` and :func:`bmi_z_distribution`):

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
6. *Schools.* Each record carries its home LSOA and its school's district (``school_lad_code``), so the resident
   cohort (OHID's) and the school cohort differ as in real data: :data:`SCHOOL_ELSEWHERE_SHARE` of pupils are
   measured at a school in a neighbouring district (:data:`NEIGHBOURS`, some outside Kent and Medway), and
   :data:`VISITOR_SHARE` of the children of the bordering districts outside Kent and Medway
   (:data:`VISITOR_SCHOOLS`) are measured at Kent schools (ids starting "V"; drawn like the others, from their
   own LSOAs). These draws use their own random streams, so the Kent and Medway residents' measurements do not
   depend on them.

District-level differences beyond deprivation are *not* modelled: a district's synthetic level follows from its
deprivation mix (compare :func:`plausibility` with the real Fingertips district figures).

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
from ..sources.catalog import dataset, raw_path

VERSION = 2
DEFAULT_SEED = 2026
ACADEMIC_YEARS = ("2016/17", "2017/18", "2018/19", "2019/20", "2021/22", "2022/23", "2023/24")
SCHOOL_YEARS = ("Reception", "Year 6")
AREA_CODES = ("E10000016", "E06000035")  # Kent county, Medway UA
SOURCES = ["ncmp_england_imd_decile_2006_2018", "fingertips_y6_obesity_90323", "fingertips_reception_obesity_90319",
           "population_lsoa11_2019", "imd2019_index"]
NOTE = ("Synthetic pupil-level NCMP records (healthintel.synthetic.ncmp): real Kent and Medway LSOAs and "
        "populations, BMI drawn to match published England obesity by deprivation decile. Not real children.")

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
    df = pd.read_csv(raw_path("ncmp_england_imd_decile_2006_2018"))
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
    df = pd.read_csv(raw_path(sid), na_values=["NA"])
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


def bmi_z_distribution(school_year: str, obesity_probit, g) -> np.ndarray:
    """BMI z-scores from standard normal draws ``g`` for groups with obesity probit ``probit(P(z ≥ 1.645))``.

    The quantile function is piecewise linear in probit space through the four category thresholds (z = −2.054,
    1.036, 1.645, 2.652) placed at the group's target tail probabilities, extended linearly beyond them; z is
    then limited to [−4.5, 4.5] (no category changes).
    """
    sh = shape()[school_year]
    q = np.asarray(obesity_probit, dtype=float)
    # probit of the CDF at each threshold (increasing)
    k = np.stack([sh["underweight"] - q, -(q + sh["overweight"]), -q, -(q + sh["severe"])], axis=-1)
    zk = np.array([Z_UNDER, Z_OVER, Z_OBESE, Z_SEVERE])
    seg = np.minimum((g > k[:, 1]).astype(np.intp) + (g > k[:, 2]) + (g > k[:, 3]), 2)  # segment; ends extrapolate
    rows = np.arange(len(g))
    k0, k1 = k[rows, seg], k[rows, seg + 1]
    z = zk[seg] + (g - k0) * (zk[seg + 1] - zk[seg]) / (k1 - k0)
    return np.clip(z, -4.5, 4.5)


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
    from .. import deprivation, obesity
    from ..sources import readers

    rng = np.random.default_rng(seed)
    dep = deprivation.load_deprivation("imd2019")
    dep = dep[dep["utla_code"].isin(area_codes) | dep["lad_code"].isin(area_codes)][
        ["lsoa_code", "lad_code", "imd_decile"]]
    pop = readers.population_lsoa11_2019()
    pop = pop[pop["lsoa_code"].isin(dep["lsoa_code"])]
    tg = targets()
    frames = []
    for sy, ages, offset in (("Reception", (4, 5), 4), ("Year 6", (10, 11), 10)):
        cohort = (pop[pop["age"].isin(ages)].groupby(["lsoa_code", "sex"], observed=True)["population"].sum() / 2)
        cohort = cohort.reset_index().merge(dep, on="lsoa_code")
        for yr in academic_years:
            t = tg[(tg["school_year"] == sy) & (tg["academic_year"] == yr)].sort_values("decile")
            if len(t) != 10:
                raise ValueError(f"no calibration target for {sy} {yr}; generate one of {ACADEMIC_YEARS}.")
            boys, girls = _group_probits(sy, t["target"].to_numpy() / 100)
            n = rng.poisson(cohort["population"].to_numpy() * MEASURED_SHARE * scale)
            rows = cohort.loc[cohort.index.repeat(n)].reset_index(drop=True)
            m = len(rows)
            sexes = rows["sex"].astype(str).to_numpy()
            dec = rows["imd_decile"].to_numpy(dtype=int) - 1
            probit = np.where(sexes == "male", boys[dec], girls[dec])
            z = bmi_z_distribution(sy, probit, rng.standard_normal(m))
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
    """Synthetic obesity by national IMD decile and year against the calibration target and the published figure.

    Columns ``school_year``, ``academic_year``, ``decile``, ``measured``, ``obese``, ``synthetic`` (%),
    ``lower_ci``/``upper_ci`` (Wilson 95%), ``target``, ``published``, ``z`` ((synthetic − target)/SE) and
    ``basis``.
    """
    from ..obesity import counts
    from ..stats import proportion

    c = counts(prepared, by=["school_year", "academic_year", "national_decile"], measures=["obesity"])
    c = c.rename(columns={"national_decile": "decile"})
    if school_year is not None:
        c = c[c["school_year"] == school_year]
    p = proportion(c, "numerator", "denominator", multiplier=100)
    out = p.merge(targets(), on=["school_year", "academic_year", "decile"], how="left")
    pt = out["target"] / 100
    se = np.sqrt(pt * (1 - pt) / out["denominator"])
    out["z"] = (out["value"] / 100 - pt) / se
    out = out.rename(columns={"numerator": "obese", "denominator": "measured", "value": "synthetic"})
    return out[["school_year", "academic_year", "decile", "measured", "obese", "synthetic", "lower_ci", "upper_ci",
                "target", "published", "z", "basis"]].reset_index(drop=True)


def plausibility(prepared, *, school_year: str = "Year 6") -> pd.DataFrame:
    """Synthetic obesity by district (school's district) and year beside the real Fingertips figure."""
    from ..obesity import prevalence, published_prevalence

    pupils = prepared.pupils if hasattr(prepared, "pupils") else prepared
    syn = prevalence(pupils[pupils["school_year"] == school_year], by=["academic_year", "lad_code"],
                     measures=["obesity"])
    pub = published_prevalence(school_year).rename(columns={"area_code": "lad_code", "value": "published"})
    return syn.merge(pub, on=["lad_code", "academic_year"], how="left")[
        ["academic_year", "lad_code", "area_name", "denominator", "value", "lower_ci", "upper_ci", "published"]]
