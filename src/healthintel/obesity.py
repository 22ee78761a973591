"""Child obesity (National Child Measurement Programme): pupil records → weight categories → prevalence by
deprivation → the deprivation gap, its trend, the SII and progress against a target.

Owns:

- the pupil-level NCMP input schema (:data:`NCMP_SCHEMA`, pandera) and :func:`prepare`, which excludes bad
  records with a count per reason (never silently) and flags extreme BMI z-scores (kept, as NHS England does);
- the UK90 BMI reference: :func:`bmi_centile` (vectorised LMS, 4-point Lagrange interpolation between monthly
  knots as in rcpchgrowth, linear at the table ends) and :func:`bmi_for_z` (its inverse), reading the reference
  table from the installed ``rcpchgrowth`` package (``pip install 'healthintel[growth]'``) — the UK90 table is
  not redistributed with healthintel;
- :func:`classify_weight` with the NCMP population-monitoring thresholds (underweight ≤ 2nd centile, overweight
  ≥ 85th, obese ≥ 95th, severely obese ≥ 99.6th) or the clinical ones (≥ 91st / ≥ 98th, i.e. z ≥ 4/3 / z ≥ 2);
- :func:`prevalence` (Wilson CIs), :func:`deprivation_gap` (most − least deprived quantile, percentage points,
  Newcombe CI, and the ratio with its Katz CI), :func:`sii` (slope index of inequality), :func:`gap_trend`
  (inverse-variance weighted regression of the gap on year, z-test), :func:`target_progress` (through
  :func:`healthintel.compare.target_progress`) — every output states its deprivation basis (national or local
  quantiles) in a ``quintile_basis`` column;
- :func:`published_prevalence`: the real Fingertips NCMP obesity figures (England, Kent districts, Medway);
- :func:`chapter`: everything the ``child_obesity`` chapter shows, built from one call.

Method notes: ``docs/methods/ncmp-child-weight.md`` in the shared docs. Statistics come from
:mod:`healthintel.stats`; deprivation from :mod:`healthintel.deprivation`.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from .errors import DataNotFoundError, HealthIntelError, InvalidInputError

__all__ = [
    "NCMP_SCHEMA", "POPULATION", "CLINICAL", "MEASURES", "Prepared", "ObesityChapter", "bmi_centile", "bmi_for_z",
    "lms", "classify_weight", "prepare", "counts", "prevalence", "deprivation_gap", "sii", "gap_trend",
    "target_progress", "DEFAULT_TARGET", "published_prevalence", "chapter", "age_in_years",
]

GROWTH_HINT = ("the UK90 growth reference is read from the optional 'rcpchgrowth' package, which is not "
               "installed: run  pip install 'healthintel[growth]'  (or pip install rcpchgrowth), or supply the "
               "BMI centile computed by the NCMP system in the 'bmi_centile' column.")

SCHOOL_YEARS = ("Reception", "Year 6")
SEXES = ("male", "female")

# --- thresholds --------------------------------------------------------------------------------------------
#: Population-monitoring categories (NCMP/Fingertips), mutually exclusive. "obese" here is obese *excluding*
#: severe obesity; the published "obesity (incl. severe obesity)" measure is obese + severely obese.
POPULATION = ("underweight", "healthy weight", "overweight", "obese", "severely obese")
#: Clinical categories (individual assessment).
CLINICAL = ("underweight", "healthy weight", "overweight", "obese")
#: Centile boundaries (0–100). Population: p ≤ 2 | 2 < p < 85 | 85 ≤ p < 95 | 95 ≤ p < 99.6 | p ≥ 99.6
#: (NHS Digital ``ncmp_code/parameters.py``: BmiPScore <= 0.02, >= 0.85, >= 0.95, >= 0.996).
POPULATION_CUTS = {"underweight_max": 2.0, "overweight": 85.0, "obese": 95.0, "severe": 99.6}
#: Clinical: overweight z ≥ 4/3 (centile 90.8789, "91st"), obese z ≥ 2 (97.7250, "98th").
CLINICAL_CUTS = {"underweight_max": 2.0, "overweight": float(100 * ndtr(4 / 3)), "obese": float(100 * ndtr(2.0))}

#: Prevalence measures: name -> (label, categories counted in the numerator) per threshold set.
MEASURES = {
    "population": {
        "underweight": ("Underweight", ("underweight",)),
        "healthy_weight": ("Healthy weight", ("healthy weight",)),
        "overweight": ("Overweight (excl. obesity)", ("overweight",)),
        "obesity": ("Obesity (incl. severe obesity)", ("obese", "severely obese")),
        "severe_obesity": ("Severe obesity", ("severely obese",)),
        "overweight_incl_obesity": ("Overweight incl. obesity", ("overweight", "obese", "severely obese")),
    },
    "clinical": {
        "underweight": ("Underweight", ("underweight",)),
        "healthy_weight": ("Healthy weight", ("healthy weight",)),
        "overweight": ("Overweight (clinical, excl. obesity)", ("overweight",)),
        "obesity": ("Obesity (clinical)", ("obese",)),
        "overweight_incl_obesity": ("Overweight incl. obesity (clinical)", ("overweight", "obese")),
    },
}

#: Default target: Kent and Medway Integrated Care Strategy outcome 1.3 (USERS.md; registry id "1.3").
DEFAULT_TARGET = {
    "id": "1.3", "measure": "overweight_incl_obesity", "school_year": "Year 6",
    "baseline_period": "2021/22", "baseline_value": 13.2, "goal_period": "2027/28", "goal_value": 10.0,
}

# --- UK90 LMS --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _reference(measurement: str = "bmi") -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """UK90 child LMS knots (4–20 y, monthly) by sex code (1 male, 2 female) from rcpchgrowth's data files."""
    try:
        from importlib import resources

        text = resources.files("rcpchgrowth").joinpath("data_tables", "uk90_child.json").read_text("utf-8")
    except ModuleNotFoundError:
        raise DataNotFoundError(GROWTH_HINT) from None
    except (FileNotFoundError, OSError) as exc:  # a broken install: name it rather than fail obscurely
        raise DataNotFoundError(f"rcpchgrowth is installed but its data_tables/uk90_child.json could not be read "
                                f"({exc}); reinstall it: pip install --force-reinstall 'healthintel[growth]'.") from None
    table = json.loads(text)["measurement"][measurement]
    out = {}
    for code, sex in ((1, "male"), (2, "female")):
        rows = table[sex]
        out[code] = tuple(np.array([r[k] for r in rows], dtype=float) for k in ("decimal_age", "L", "M", "S"))
    return out


def _sex_codes(sex) -> np.ndarray:
    """1 = male, 2 = female, 0 = unknown, from "male"/"female"/"m"/"f"/1/2 (NCMP codes)."""
    arr = np.asarray(sex)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.dtype.kind in "iuf":  # NCMP codes: no string work on a million rows
        with np.errstate(invalid="ignore"):
            return np.where(arr == 1, 1, np.where(arr == 2, 2, 0)).astype(np.int8)
    # fast exact path for the usual labels; anything else goes through the general mapping below
    out = np.where(arr == "male", 1, np.where(arr == "female", 2, 0)).astype(np.int8)
    rest = np.flatnonzero(out == 0)
    if rest.size:
        inverse, uniques = pd.factorize(pd.Series(arr[rest], dtype=object), use_na_sentinel=True)
        lookup = {"male": 1, "m": 1, "1": 1, "1.0": 1, "boy": 1, "female": 2, "f": 2, "2": 2, "2.0": 2,
                  "girl": 2}
        codes = np.array([lookup.get(str(u).strip().lower(), 0) for u in uniques] + [0], dtype=np.int8)
        out[rest] = codes[inverse]  # the sentinel -1 picks the trailing 0 (unknown)
    return out


def lms(age_years, sex, measurement: str = "bmi") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """UK90 L, M, S at exact ages (vectorised); NaN outside 4–20 years or for an unknown sex.

    Interpolation follows rcpchgrowth ``fetch_lms``: the knot itself when the age matches one to 4 decimal places,
    otherwise a 4-point Lagrange cubic through the two knots either side, or linear interpolation when the age
    lies in the first or last interval of the table. The four interpolation weights are computed once per child
    and shared by L, M and S.
    """
    age = np.asarray(age_years, dtype=float).reshape(-1)
    code = _sex_codes(sex)
    if code.size == 1 and age.size > 1:
        code = np.repeat(code, age.size)
    if code.size != age.size:
        raise InvalidInputError(f"age_years ({age.size}) and sex ({code.size}) must have the same length.")
    ref = _reference(measurement)
    knots = ref[1][0]
    n = knots.size
    h = knots[1] - knots[0]
    if not (np.array_equal(knots, ref[2][0]) and np.allclose(np.diff(knots), h, rtol=0, atol=1e-9)):
        raise InvalidInputError("the UK90 table in rcpchgrowth is not on one monthly grid for both sexes; "
                                "this rcpchgrowth version is not supported.")
    L = np.full(age.size, np.nan)
    M, S = L.copy(), L.copy()
    sel = np.flatnonzero((code > 0) & (age >= knots[0]) & (age <= knots[-1]))
    if not sel.size:
        return L, M, S
    a = age[sel]
    x = (a - knots[0]) / h  # position on the knot grid
    j = np.rint(x).astype(np.intp)
    np.clip(j, 0, n - 1, out=j)
    exact = np.abs(x - j) < 1e-3  # only ages within ~1 hour of a knot can match it to 4 d.p. (rcpchgrowth rule)
    if exact.any():
        near = np.flatnonzero(exact)
        exact[near] = np.round(a[near], 4) == np.round(knots, 4)[j[near]]
    i = np.ceil(x).astype(np.intp) - 1  # last knot strictly below the age
    np.clip(i, 0, n - 2, out=i)
    u = x - i  # in (0, 1] between knots i and i+1
    cubic = ~exact & (i >= 1) & (i <= n - 3)
    # Lagrange weights on an even grid (knots i-1, i, i+1, i+2 at u = -1, 0, 1, 2)
    um1, up1, um2 = u - 1, u + 1, u - 2
    w0 = np.where(cubic, -u * um1 * um2 / 6, 0.0)
    w1 = np.where(cubic, up1 * um1 * um2 / 2, 1 - u)
    w2 = np.where(cubic, -up1 * u * um2 / 2, u)
    w3 = np.where(cubic, up1 * u * um1 / 6, 0.0)
    if exact.any():
        i = np.where(exact, j, i)
        w1[exact], w0[exact], w2[exact], w3[exact] = 1.0, 0.0, 0.0, 0.0
    off = (code[sel].astype(np.intp) - 1) * n + i  # row-major offset into the stacked (male, female) table
    lo = np.maximum(off - 1, 0)
    hi1 = np.minimum(off + 1, 2 * n - 1)
    hi2 = np.minimum(off + 2, 2 * n - 1)
    for dest, k in ((L, 1), (M, 2), (S, 3)):
        table = np.concatenate([ref[1][k], ref[2][k]])
        dest[sel] = (w0 * table.take(lo) + w1 * table.take(off) + w2 * table.take(hi1) + w3 * table.take(hi2))
    return L, M, S


def bmi_centile(age_years, sex, bmi) -> pd.DataFrame:
    """UK90 BMI z-score and centile for each child (vectorised).

    Parameters
    ----------
    age_years : array-like of float
        Exact decimal age at measurement (see :func:`age_in_years`); UK90 covers 4–20 years.
    sex : array-like or scalar
        "male"/"female" (also "m"/"f") or the NCMP codes 1 (male) / 2 (female).
    bmi : array-like of float
        Body mass index, kg/m².

    Returns
    -------
    DataFrame
        ``bmi_z`` and ``bmi_centile`` (0–100), one row per child (index of ``bmi`` when it is a Series). NaN where
        the age is outside 4–20 years, the sex unknown or the BMI missing or ≤ 0.

    Raises
    ------
    DataNotFoundError
        When the optional ``rcpchgrowth`` package (the reference table's source) is not installed.

    Notes
    -----
    ``z = ((BMI/M)^L − 1)/(L·S)`` (``ln(BMI/M)/S`` when L = 0); centile = 100·Φ(z). Agrees with rcpchgrowth's
    ``sds_for_measurement("uk-who", age, "bmi", bmi, sex)`` to within 1e-6 SDS (tested).

    References
    ----------
    Cole TJ, Freeman JV, Preece MA. Body mass index reference curves for the UK, 1990. Arch Dis Child
    1995;73:25-29. Cole TJ, Green PJ. Smoothing reference centile curves: the LMS method. Stat Med 1992;11:1305-19.
    """
    b = np.asarray(bmi, dtype=float).reshape(-1)
    age = np.asarray(age_years, dtype=float).reshape(-1)
    code = _sex_codes(sex)
    if code.size == 1 and b.size > 1:
        code = np.repeat(code, b.size)
    if not (age.size == b.size == code.size):
        raise InvalidInputError(f"age_years ({age.size}), sex ({code.size}) and bmi ({b.size}) must have the same "
                                "length.")
    z = np.empty(b.size)
    for start in range(0, b.size, _BLOCK):  # cache-sized blocks: ~1.5x faster than whole-array temporaries
        end = start + _BLOCK
        L, M, S = lms(age[start:end], code[start:end])
        bb = b[start:end]
        with np.errstate(invalid="ignore", divide="ignore"):
            bb = np.where(bb > 0, bb, np.nan)
            zz = ((bb / M) ** L - 1) / (L * S)
            zero = L == 0
            if zero.any():
                zz[zero] = np.log(bb[zero] / M[zero]) / S[zero]
        z[start:end] = zz
    index = bmi.index if isinstance(bmi, pd.Series) else None
    return pd.DataFrame({"bmi_z": z, "bmi_centile": 100 * ndtr(z)}, index=index)


_BLOCK = 1 << 16


def bmi_for_z(age_years, sex, z) -> np.ndarray:
    """The BMI at UK90 z-score ``z`` (inverse LMS: ``M (1 + L S z)^(1/L)``); NaN where undefined."""
    L, M, S = lms(age_years, sex)
    z = np.asarray(z, dtype=float).reshape(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        base = 1 + L * S * z
        return np.where(L != 0, M * np.where(base > 0, base, np.nan) ** (1 / L), M * np.exp(S * z))


def height_for_z(age_years, sex, z) -> np.ndarray:
    """Height (cm) at UK90 height z-score ``z`` (used by the synthetic generator)."""
    L, M, S = lms(age_years, sex, measurement="height")
    z = np.asarray(z, dtype=float).reshape(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(L != 0, M * (1 + L * S * z) ** (1 / L), M * np.exp(S * z))


# --- categories ----------------------------------------------------------------------------------------------


def classify_weight(centile, thresholds: str = "population") -> pd.Categorical:
    """Weight category of each BMI centile (0–100).

    Parameters
    ----------
    centile : array-like of float
        UK90 BMI centiles on the 0–100 scale (NCMP's ``BmiPScore`` × 100).
    thresholds : {"population", "clinical"}
        ``"population"`` (NCMP/Fingertips monitoring): underweight p ≤ 2; healthy 2 < p < 85; overweight
        85 ≤ p < 95; obese 95 ≤ p < 99.6; severely obese p ≥ 99.6 (the published "obesity" is obese + severely
        obese). ``"clinical"``: underweight p ≤ 2; overweight p ≥ 90.8789 (z ≥ 4/3); obese p ≥ 97.7250 (z ≥ 2).

    Returns
    -------
    pandas.Categorical
        Ordered categories :data:`POPULATION` or :data:`CLINICAL`; NaN centiles give NaN.
    """
    p = np.asarray(centile, dtype=float).reshape(-1)
    if thresholds == "population":
        c = POPULATION_CUTS
        codes = ((p > c["underweight_max"]).astype(np.int8) + (p >= c["overweight"]) + (p >= c["obese"])
                 + (p >= c["severe"]))
        labels = POPULATION
    elif thresholds == "clinical":
        c = CLINICAL_CUTS
        codes = (p > c["underweight_max"]).astype(np.int8) + (p >= c["overweight"]) + (p >= c["obese"])
        labels = CLINICAL
    else:
        raise InvalidInputError(f"thresholds must be 'population' or 'clinical'; got {thresholds!r}.")
    codes = np.where(np.isnan(p), -1, codes).astype(np.int8)
    return pd.Categorical.from_codes(codes, categories=list(labels), ordered=True)


# --- input schema and preparation ----------------------------------------------------------------------------


def _schema():
    import pandera.pandas as pa

    def col(dtype, *checks, required=True, **kw):
        return pa.Column(dtype, list(checks) or None, nullable=True, required=required, coerce=True, **kw)

    return pa.DataFrameSchema(
        {
            "pupil_id": pa.Column("string", nullable=False, coerce=True),
            "school_year": pa.Column("string", pa.Check.isin(SCHOOL_YEARS), coerce=True,
                                     description="'Reception' or 'Year 6'"),
            "academic_year": pa.Column("string", pa.Check.str_matches(r"^\d{4}/\d{2}$"), coerce=True,
                                       description="e.g. '2021/22'"),
            "sex": pa.Column(None, nullable=True, description="male/female, m/f or NCMP 1/2"),
            "age_months": col("float64", required=False, description="completed months at measurement"),
            "date_of_birth": col("datetime64[ns]", required=False),
            "date_of_measurement": col("datetime64[ns]", required=False),
            "height_cm": col("float64", required=False),
            "weight_kg": col("float64", required=False),
            "bmi": col("float64", required=False),
            "bmi_centile": col("float64", pa.Check.in_range(0, 100), required=False,
                               description="UK90 BMI centile 0-100 as supplied by the NCMP system"),
            "lsoa_code": col("string", description="home LSOA (2011 or 2021 codes, matching the vintage)"),
            "school_code": col("string"),
            "school_status": col("string", required=False, description="'NCMP' = mainstream state-maintained"),
        },
        strict=False,
        name="NCMP pupil-level extract",
    )


@lru_cache(maxsize=1)
def _get_schema():
    return _schema()


def __getattr__(name: str):
    # NCMP_SCHEMA: the pandera schema of a pupil-level NCMP extract (structure and types; bad *values* are
    # exclusions, counted by prepare()). Built on first use: importing pandera is not free.
    if name == "NCMP_SCHEMA":
        return _get_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def validate(records: pd.DataFrame) -> pd.DataFrame:
    """Check an extract against :data:`NCMP_SCHEMA`; raise :class:`InvalidInputError` listing every problem."""
    import pandera.errors as pe

    if not isinstance(records, pd.DataFrame):
        raise InvalidInputError(f"records must be a DataFrame of pupil rows; got {type(records).__name__}.")
    has_bmi = "bmi" in records or {"height_cm", "weight_kg"} <= set(records) or "bmi_centile" in records
    has_age = "age_months" in records or {"date_of_birth", "date_of_measurement"} <= set(records) \
        or "bmi_centile" in records
    missing = [] if has_bmi else ["bmi (or height_cm and weight_kg, or bmi_centile)"]
    missing += [] if has_age else ["age_months (or date_of_birth and date_of_measurement)"]
    if missing:
        raise InvalidInputError(f"the NCMP extract lacks {', '.join(missing)}.")
    try:
        return _get_schema().validate(records, lazy=True)
    except pe.SchemaErrors as exc:
        cases = exc.failure_cases
        lines = [f"{r.column}: {r.check} (e.g. {r.failure_case!r})" for r in cases.drop_duplicates(
            ["column", "check"]).head(12).itertuples()]
        raise InvalidInputError("the NCMP extract does not match the schema:\n  " + "\n  ".join(lines)) from None


def age_in_years(records: pd.DataFrame, convention: str = "auto") -> np.ndarray:
    """Decimal age at measurement.

    ``convention``: ``"exact"`` — (measurement date − birth date) days / 365.25; ``"months_midpoint"`` —
    (AgeInMonths + 0.5) / 12; ``"months"`` — AgeInMonths / 12; ``"auto"`` (default, the method notes'
    recommendation) — exact where both dates are present, else the months midpoint.
    """
    n = len(records)
    exact = np.full(n, np.nan)
    if {"date_of_birth", "date_of_measurement"} <= set(records):
        dob = pd.to_datetime(records["date_of_birth"])
        dom = pd.to_datetime(records["date_of_measurement"])
        exact = ((dom - dob).dt.days / 365.25).to_numpy(dtype=float, na_value=np.nan)
    months = (pd.to_numeric(records["age_months"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
              if "age_months" in records else np.full(n, np.nan))
    if convention == "exact":
        return exact
    if convention == "months":
        return months / 12
    if convention == "months_midpoint":
        return (months + 0.5) / 12
    if convention == "auto":
        return np.where(np.isnan(exact), (months + 0.5) / 12, exact)
    raise InvalidInputError(f"convention must be 'auto', 'exact', 'months_midpoint' or 'months'; got {convention!r}.")


#: Exclusion reasons in the order they are tested (a record is counted under its first reason).
EXCLUSION_REASONS = (
    "not a mainstream state-maintained school",
    "duplicate pupil record",
    "sex missing or unknown",
    "BMI missing (no BMI, height or weight)",
    "impossible height, weight or BMI",
    "age missing or outside the UK90 range (4-20 years)",
    "home LSOA missing or unknown",
)
#: Plausible-value limits: outside them a measurement is impossible for a 4–12 year old (keying errors).
LIMITS = {"height_cm": (70.0, 200.0), "weight_kg": (8.0, 200.0), "bmi": (8.0, 80.0)}


@dataclass
class Prepared:
    """Records ready for analysis, with the exclusions and data-quality flags that produced them."""

    pupils: pd.DataFrame
    exclusions: pd.DataFrame
    flags: pd.DataFrame
    n_records: int
    vintage: str
    thresholds: str
    synthetic: bool = False
    sources: list = field(default_factory=list)


def prepare(records: pd.DataFrame, *, vintage: str = "imd2019", thresholds: str = "population",
            age_convention: str = "auto", z_flag=(-3.0, 4.0), recompute_centile: bool = False) -> Prepared:
    """Validate, exclude bad records (counted per reason), compute missing centiles, classify, attach deprivation.

    Parameters
    ----------
    records : DataFrame
        Pupil-level NCMP extract (:data:`NCMP_SCHEMA`).
    vintage : {"imd2019", "iod2025"}
        Deprivation index; home LSOA codes must be of its census geography (LSOA 2011 / 2021).
    thresholds : {"population", "clinical"}
    age_convention : str
        See :func:`age_in_years`.
    z_flag : (low, high)
        BMI z-scores outside are flagged as extreme (NHS England's post-deadline check: −3/+4) — flagged and
        counted, never excluded.
    recompute_centile : bool
        Recompute every centile from BMI and age (UK90) instead of using the supplied one.

    Returns
    -------
    Prepared
        ``pupils`` (kept rows with ``age_years``, ``bmi``, ``bmi_z``, ``bmi_centile``, ``centile_source``,
        ``category``, ``lad_code``, ``national_decile``, ``national_quintile``), ``exclusions`` (reason, records,
        share of all records — a "records analysed" row last) and ``flags`` (data-quality counts).
    """
    from . import geography

    data = validate(records).reset_index(drop=True)
    n = len(data)
    reason = np.full(n, "", dtype=object)

    def exclude(mask, label):
        mask = np.asarray(mask, dtype=bool) & (reason == "")
        reason[mask] = label

    if "school_status" in data:
        exclude(data["school_status"].fillna("").str.upper().to_numpy() != "NCMP", EXCLUSION_REASONS[0])
    exclude(data.duplicated(["pupil_id", "academic_year", "school_year"]).to_numpy(), EXCLUSION_REASONS[1])
    sex = _sex_codes(data["sex"])
    exclude(sex == 0, EXCLUSION_REASONS[2])

    def num(c):
        return data[c].to_numpy(dtype=float, na_value=np.nan) if c in data else np.full(n, np.nan)

    height, weight, bmi, centile = num("height_cm"), num("weight_kg"), num("bmi"), num("bmi_centile")
    with np.errstate(invalid="ignore", divide="ignore"):
        bmi = np.where(np.isnan(bmi), weight / (height / 100) ** 2, bmi)
    exclude(np.isnan(bmi) & np.isnan(centile), EXCLUSION_REASONS[3])
    bad = np.zeros(n, dtype=bool)
    for name, values in (("height_cm", height), ("weight_kg", weight), ("bmi", bmi)):
        lo, hi = LIMITS[name]
        bad |= ~np.isnan(values) & ((values < lo) | (values > hi))
    exclude(bad, EXCLUSION_REASONS[4])
    age = age_in_years(data, age_convention)
    need_centile = np.isnan(centile) | recompute_centile
    exclude(need_centile & (np.isnan(age) | (age < 4) | (age > 20)), EXCLUSION_REASONS[5])
    lsoa = data["lsoa_code"].astype("string")
    known = set(geography.lsoa_lookup(vintage)["lsoa_code"])
    exclude(~lsoa.isin(known).fillna(False).to_numpy(dtype=bool), EXCLUSION_REASONS[6])

    keep = reason == ""
    computed = keep & need_centile
    z = np.full(n, np.nan)
    if computed.any():
        res = bmi_centile(age[computed], sex[computed], bmi[computed])
        centile = centile.copy()
        centile[computed] = res["bmi_centile"].to_numpy()
        z[computed] = res["bmi_z"].to_numpy()
    supplied = keep & ~need_centile
    z[supplied] = ndtri(np.clip(centile[supplied] / 100, 1e-300, 1 - 1e-16))
    with np.errstate(invalid="ignore"):
        extreme = keep & ((z < z_flag[0]) | (z > z_flag[1]))

    pupils = data.loc[keep].copy()
    pupils["sex"] = np.where(sex[keep] == 1, "male", "female")
    pupils["age_years"] = age[keep]
    pupils["bmi"] = bmi[keep]
    pupils["bmi_z"] = z[keep]
    pupils["bmi_centile"] = centile[keep]
    pupils["centile_source"] = np.where(computed[keep], "computed (UK90 LMS)", "supplied")
    pupils["extreme_bmi_z"] = extreme[keep]
    pupils["category"] = classify_weight(centile[keep], thresholds)
    from . import deprivation

    dep = deprivation.load_deprivation(vintage)[["lsoa_code", "lad_code", "lad_name", "utla_code", "imd_score",
                                                 "imd_decile", "imd_quintile"]]
    pupils["lsoa_code"] = pupils["lsoa_code"].astype(str)
    pupils = pupils.merge(dep, on="lsoa_code", how="left", validate="m:1")
    pupils = pupils.rename(columns={"imd_decile": "national_decile", "imd_quintile": "national_quintile"})

    counts_ = pd.Series(reason[~keep]).value_counts()
    excl = pd.DataFrame({"reason": list(EXCLUSION_REASONS),
                         "records": [int(counts_.get(r, 0)) for r in EXCLUSION_REASONS]})
    excl = pd.concat([excl, pd.DataFrame({"reason": ["records analysed"], "records": [int(keep.sum())]})],
                     ignore_index=True)
    excl["percent_of_records"] = 100 * excl["records"] / max(n, 1)
    flags = pd.DataFrame({
        "check": [f"extreme BMI z-score (< {z_flag[0]:g} or > +{z_flag[1]:g}): flagged, kept",
                  "BMI centile computed from height, weight and age (UK90 LMS)",
                  "age outside the school year's usual range (Reception 4-6 y, Year 6 10-12 y): reported only"],
        "records": [int(extreme.sum()), int(computed.sum()), int(_age_outside(pupils).sum())],
    })
    flags["percent_of_analysed"] = 100 * flags["records"] / max(int(keep.sum()), 1)
    synthetic = bool(records.attrs.get("synthetic", False))
    return Prepared(pupils.reset_index(drop=True), excl, flags, n, vintage, thresholds, synthetic,
                    list(records.attrs.get("sources", [])))


def _age_outside(pupils: pd.DataFrame) -> np.ndarray:
    a = pupils["age_years"].to_numpy(dtype=float)
    rec = pupils["school_year"].to_numpy() == "Reception"
    with np.errstate(invalid="ignore"):
        return np.where(rec, (a < 4) | (a >= 6), (a < 10) | (a >= 12)) & ~np.isnan(a)


# --- deprivation basis -----------------------------------------------------------------------------------------


def add_local_quantiles(prepared: Prepared, area, *, weighted: bool = False) -> Prepared:
    """Add ``local_quintile`` and ``local_decile``: home LSOAs ranked by IMD score *within* ``area``.

    Count-based (equal numbers of LSOAs, the OHID rule) unless ``weighted``. Pupils living outside the area
    get NA local categories.
    """
    from . import deprivation

    lsoas = deprivation.load_deprivation(prepared.vintage, area=area)
    q = deprivation.local_quantiles(lsoas, n=5, weighted=weighted, column="local_quintile")
    d = deprivation.local_quantiles(lsoas, n=10, weighted=weighted, column="local_decile")
    lk = q[["lsoa_code", "local_quintile"]].merge(d[["lsoa_code", "local_decile"]], on="lsoa_code")
    pupils = prepared.pupils.drop(columns=["local_quintile", "local_decile"], errors="ignore")
    pupils = pupils.merge(lk, on="lsoa_code", how="left", validate="m:1")
    return Prepared(pupils, prepared.exclusions, prepared.flags, prepared.n_records, prepared.vintage,
                    prepared.thresholds, prepared.synthetic, prepared.sources)


def basis_label(basis: str, n: int = 5, *, vintage: str = "imd2019", area_name: str = "") -> str:
    """Plain-English deprivation basis, stated on every output (e.g. "local IMD 2019 quintiles within Kent")."""
    index = {"imd2019": "IMD 2019", "iod2025": "IoD 2025"}.get(vintage, vintage)
    unit = {5: "quintiles", 10: "deciles"}.get(n, f"{n}-tiles")
    if basis == "national":
        return f"national {index} {unit} of the home LSOA, England ranks"
    if basis == "local":
        return f"local {index} {unit} of the home LSOA, ranked within {area_name or 'the area'} (equal LSOA counts)"
    raise InvalidInputError(f"quintile_basis must be 'national' or 'local'; got {basis!r}.")


def _quantile_column(basis: str, n: int) -> str:
    if basis not in ("national", "local"):
        raise InvalidInputError(f"quintile_basis must be 'national' or 'local'; got {basis!r}.")
    if n not in (5, 10):
        raise InvalidInputError(f"n must be 5 (quintiles) or 10 (deciles); got {n!r}.")
    return f"{basis}_{'quintile' if n == 5 else 'decile'}"


# --- counts and prevalence -------------------------------------------------------------------------------------


def _pupils_of(data) -> tuple[pd.DataFrame, str]:
    if isinstance(data, Prepared):
        return data.pupils, data.thresholds
    if isinstance(data, pd.DataFrame) and "category" in data:
        cats = list(data["category"].cat.categories) if hasattr(data["category"], "cat") else []
        return data, "clinical" if cats == list(CLINICAL) else "population"
    raise InvalidInputError("pass the result of obesity.prepare() (or its .pupils frame with a 'category' column).")


def counts(data, *, by=None, measures=None) -> pd.DataFrame:
    """Numerator (children in the measure) and denominator (children measured and analysed) per group × measure.

    Parameters
    ----------
    data : Prepared or DataFrame
        :func:`prepare` output (or its ``pupils``).
    by : str or list of str, optional
        Group columns, e.g. ``["academic_year", "school_year", "national_quintile"]``.
    measures : list of str, optional
        Names in :data:`MEASURES` (default all of the threshold set).

    Returns
    -------
    DataFrame
        ``by`` columns, ``measure``, ``measure_label``, ``numerator``, ``denominator`` (one row per group ×
        measure; groups with no children are absent).
    """
    pupils, scheme = _pupils_of(data)
    spec = MEASURES[scheme]
    measures = list(spec) if measures is None else ([measures] if isinstance(measures, str) else list(measures))
    unknown = [m for m in measures if m not in spec]
    if unknown:
        raise InvalidInputError(f"unknown measure(s) {unknown} for {scheme} thresholds; use {list(spec)}.")
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    missing = [c for c in by if c not in pupils]
    if missing:
        raise InvalidInputError(f"by column(s) {missing} are not in the pupil data (local quantiles need "
                                "add_local_quantiles()).")
    frame = pupils.dropna(subset=by) if by else pupils
    frame = frame[frame["category"].notna()]
    cat = pd.crosstab([frame[c] for c in by], frame["category"]) if by else \
        frame["category"].value_counts().to_frame().T
    cat = cat.reindex(columns=list(frame["category"].cat.categories), fill_value=0)
    den = cat.sum(axis=1)
    rows = []
    for m in measures:
        label, members = spec[m]
        part = (cat[list(members)].sum(axis=1)).rename("numerator").to_frame()
        part["denominator"] = den
        part["measure"] = m
        part["measure_label"] = label
        rows.append(part)
    out = pd.concat(rows)
    out = out.reset_index(drop=not by)
    if not by:
        out = out.drop(columns=[c for c in out.columns if c not in ("numerator", "denominator", "measure",
                                                                     "measure_label")])
    out = out[by + ["measure", "measure_label", "numerator", "denominator"]]
    out[["numerator", "denominator"]] = out[["numerator", "denominator"]].astype("int64")
    return out.reset_index(drop=True)


def prevalence(data, *, by=None, measures=None, confidence=0.95, basis: str | None = None) -> pd.DataFrame:
    """Prevalence (%) with Wilson score CIs per group × measure (see :func:`counts` for the arguments).

    ``basis`` (e.g. from :func:`basis_label`) is written to a ``quintile_basis`` column when given.
    """
    from .stats import proportion

    c = counts(data, by=by, measures=measures)
    out = proportion(c, "numerator", "denominator", confidence=confidence, multiplier=100)
    if basis is not None:
        out["quintile_basis"] = basis
    return out


def _stack(data, by, basis, n, measure):
    col = _quantile_column(basis, n)
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    c = counts(data, by=by + [col], measures=[measure])
    return c.rename(columns={col: "quantile"}), by


def deprivation_gap(data, *, measure: str = "obesity", basis: str = "national", n: int = 5, by=("academic_year",),
                    confidence=0.95, area_name: str = "") -> pd.DataFrame:
    """The deprivation gap: prevalence in the most minus the least deprived quantile (percentage points).

    Parameters
    ----------
    data : Prepared or DataFrame
        :func:`prepare` output (with :func:`add_local_quantiles` for ``basis="local"``).
    measure : str
        A :data:`MEASURES` name ("obesity", "overweight_incl_obesity", "severe_obesity", …).
    basis : {"national", "local"}
        National IMD quantiles of the home LSOA, or quantiles re-ranked within the area.
    n : {5, 10}
        Quintiles (gap = Q1 − Q5) or deciles (D1 − D10, the national NCMP definition).
    by : sequence of str
        Grouping (default academic year).

    Returns
    -------
    DataFrame
        ``by``, ``measure``, ``most_deprived`` / ``least_deprived`` prevalence (%), ``value`` (gap, pp),
        ``lower_ci``, ``upper_ci`` (Newcombe hybrid score, method 10), ``ratio``, ``ratio_lower_ci``,
        ``ratio_upper_ci`` (Katz log), counts of both groups, ``quintile_basis``.
    """
    from .stats import proportion_difference, proportion_ratio

    c, by = _stack(data, by, basis, n, measure)
    diff = proportion_difference(c, "numerator", "denominator", group="quantile", compare=(1, n), by=by or None,
                                 confidence=confidence, multiplier=100)
    ratio = proportion_ratio(c, "numerator", "denominator", group="quantile", compare=(1, n), by=by or None,
                             confidence=confidence)
    out = diff[by + ["numerator_1", "denominator_1", "numerator_2", "denominator_2", "proportion_1",
                     "proportion_2", "value", "lower_ci", "upper_ci"]].copy()
    out = out.rename(columns={"proportion_1": "most_deprived", "proportion_2": "least_deprived",
                              "numerator_1": "numerator_most", "denominator_1": "denominator_most",
                              "numerator_2": "numerator_least", "denominator_2": "denominator_least"})
    out.insert(len(by), "measure", measure)
    out["ratio"] = ratio["value"].to_numpy()
    out["ratio_lower_ci"] = ratio["lower_ci"].to_numpy()
    out["ratio_upper_ci"] = ratio["upper_ci"].to_numpy()
    out["statistic"] = f"gap, most minus least deprived {'quintile' if n == 5 else 'decile'} (percentage points)"
    out["method"] = "Newcombe hybrid score (difference); Katz log (ratio)"
    vintage = data.vintage if isinstance(data, Prepared) else "imd2019"
    out["quintile_basis"] = basis_label(basis, n, vintage=vintage, area_name=area_name)
    return out


def sii(data, *, measure: str = "obesity", basis: str = "national", n: int = 5, by=("academic_year",),
        repetitions: int = 100_000, seed: int = 2026, area_name: str = "") -> pd.DataFrame:
    """Slope index of inequality across deprivation quantiles (percentage points, most − least deprived end).

    Calls :func:`healthintel.stats.slope_index_of_inequality` on the quantiles' prevalences with their Wilson
    95% limits (``value_type="proportion"``, simulated limits). The multiplier is −100 so that a positive SII
    means a higher prevalence at the most deprived end, like the gap.
    """
    from .stats import proportion, slope_index_of_inequality

    c, by = _stack(data, by, basis, n, measure)
    p = proportion(c, "numerator", "denominator")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        out = slope_index_of_inequality(p, "quantile", "denominator", value="value", lower_ci="lower_ci",
                                        upper_ci="upper_ci", value_type="proportion", multiplier=-100,
                                        repetitions=repetitions, by=by or None, seed=seed)
    out.insert(len(by), "measure", measure)
    vintage = data.vintage if isinstance(data, Prepared) else "imd2019"
    out["quintile_basis"] = basis_label(basis, n, vintage=vintage, area_name=area_name)
    return out


def _year(period) -> np.ndarray:
    return np.array([float(str(p)[:4]) for p in period], dtype=float)


def gap_trend(gaps: pd.DataFrame, *, period: str = "academic_year", value: str = "value",
              lower_ci: str = "lower_ci", upper_ci: str = "upper_ci", alpha: float = 0.05) -> pd.DataFrame:
    """Is the gap narrowing? Inverse-variance weighted regression of the gap on year, with a z-test of the slope.

    Each year's gap has SE = (upper − lower) / (2 × 1.959964) from its 95% Newcombe interval. Returns one row:
    ``slope`` (percentage points per year), ``lower_ci``, ``upper_ci``, ``z``, ``p_value``, ``n_years``,
    ``first_period``, ``last_period``, ``direction`` ("narrowing", "widening" or "no significant change" at
    ``alpha``) and ``method``. Years are placed at their start year, so gaps in the series (e.g. the 2020/21
    collection, partial because of COVID-19) are allowed.
    """
    d = gaps.dropna(subset=[value, lower_ci, upper_ci]).sort_values(period)
    t = _year(d[period])
    y = d[value].to_numpy(dtype=float)
    se = (d[upper_ci].to_numpy(dtype=float) - d[lower_ci].to_numpy(dtype=float)) / (2 * 1.959963984540054)
    base = {"n_years": len(d), "first_period": d[period].iloc[0] if len(d) else None,
            "last_period": d[period].iloc[-1] if len(d) else None,
            "method": "inverse-variance weighted least squares of the gap on year; z-test of the slope"}
    if len(d) < 3 or np.any(se <= 0):
        return pd.DataFrame([{**base, "slope": np.nan, "lower_ci": np.nan, "upper_ci": np.nan, "z": np.nan,
                              "p_value": np.nan, "direction": "cannot be calculated (fewer than 3 years)"}])
    w = 1 / se ** 2
    tbar = np.sum(w * t) / np.sum(w)
    sxx = np.sum(w * (t - tbar) ** 2)
    slope = np.sum(w * (t - tbar) * (y - np.sum(w * y) / np.sum(w))) / sxx
    se_b = 1 / math.sqrt(sxx)
    z = slope / se_b
    p = 2 * (1 - ndtr(abs(z)))
    direction = "no significant change" if p >= alpha else ("narrowing" if slope < 0 else "widening")
    return pd.DataFrame([{**base, "slope": slope, "lower_ci": slope - 1.959963984540054 * se_b,
                          "upper_ci": slope + 1.959963984540054 * se_b, "z": z, "p_value": p,
                          "direction": direction}])


def target_progress(gaps: pd.DataFrame, target: dict | None = None, *, period: str = "academic_year",
                    value: str = "value") -> pd.DataFrame:
    """Progress of the gap against a target (via :func:`healthintel.compare.target_progress`).

    ``target``: ``baseline_period``, ``baseline_value``, ``goal_period``, ``goal_value`` (and optionally ``id``,
    ``name``); default :data:`DEFAULT_TARGET` (Kent and Medway: 13.2 points in 2021/22 → 10 by 2028). The
    required trajectory is the straight line from baseline to goal; the latest gap is "met", "on track" or
    "off track" (lower is better).
    """
    from .compare import target_progress as _progress

    t = {**DEFAULT_TARGET, **(target or {})}
    registry = pd.DataFrame([{
        "id": str(t["id"]), "name": t.get("name", "Deprivation gap"), "polarity": "low_is_good",
        "unit": "percentage points", "baseline_period": t["baseline_period"],
        "baseline_value": float(t["baseline_value"]), "goal_period": t["goal_period"],
        "goal_value": float(t["goal_value"]), "goal_change": np.nan,
    }])
    obs = pd.DataFrame({"id": str(t["id"]), "period": gaps[period].astype(str).to_numpy(),
                        "value": gaps[value].to_numpy(dtype=float)})
    return _progress(obs, registry)


def trajectory(target: dict | None, periods) -> pd.DataFrame:
    """Required value of the target's straight-line trajectory at each period (flat outside baseline–goal)."""
    t = {**DEFAULT_TARGET, **(target or {})}
    b, g = float(t["baseline_period"][:4]), float(t["goal_period"][:4])
    yrs = _year(periods)
    frac = np.clip((yrs - b) / (g - b), 0, 1) if g != b else np.ones(len(yrs))
    return pd.DataFrame({"academic_year": list(periods),
                         "required": t["baseline_value"] + frac * (t["goal_value"] - t["baseline_value"])})


# --- published figures (real) ----------------------------------------------------------------------------------

PUBLISHED_IDS = {"Year 6": "fingertips_y6_obesity_90323", "Reception": "fingertips_reception_obesity_90319"}


def published_prevalence(school_year: str = "Year 6") -> pd.DataFrame:
    """Real Fingertips obesity prevalence (incl. severe; 90323 Year 6 / 90319 Reception): England, Kent's
    districts and Medway, single years. Columns ``area_code``, ``area_name``, ``academic_year``, ``value`` (%,
    1 d.p., no CIs in the extract)."""
    from .sources.catalog import raw_path

    if school_year not in PUBLISHED_IDS:
        raise InvalidInputError(f"school_year must be one of {list(PUBLISHED_IDS)}; got {school_year!r}.")
    df = pd.read_csv(raw_path(PUBLISHED_IDS[school_year]), encoding="utf-8-sig", na_values=["NA"])
    df = df[df["inequality"].isna() & ~df["period"].astype(str).str.contains(" - ")]
    out = pd.DataFrame({"area_code": df["area_code"], "area_name": df["area_name"].str.replace("&", "and"),
                        "academic_year": df["period"].astype(str), "value": pd.to_numeric(df["value"],
                                                                                          errors="coerce")})
    out.attrs["sources"] = [PUBLISHED_IDS[school_year]]
    return out.reset_index(drop=True)


# --- the chapter ---------------------------------------------------------------------------------------------


@dataclass
class ObesityChapter:
    """Everything the child_obesity chapter shows for one area (results frames; tables/charts on demand)."""

    area: object
    school_year: str
    academic_years: list
    quintile_basis: str
    basis_text: str
    target: dict
    prepared: Prepared
    prevalence_trend: pd.DataFrame
    england: pd.DataFrame
    by_quintile: pd.DataFrame
    gaps: pd.DataFrame
    gaps_obesity: pd.DataFrame
    gap_trend: pd.DataFrame
    progress: pd.DataFrame
    sii: pd.DataFrame
    by_district: pd.DataFrame
    by_sex: pd.DataFrame
    calibration: pd.DataFrame
    sources: list
    synthetic: bool


def chapter(area: str = "Kent and Medway", *, academic_years=None, school_year: str = "Year 6",
            quintile_basis: str = "local", target: dict | None = None, records: pd.DataFrame | None = None,
            seed: int = 2026, sii_repetitions: int = 20_000, vintage: str = "imd2019") -> ObesityChapter:
    """Compute everything the ``child_obesity`` chapter shows for ``area``.

    ``records`` defaults to the seeded synthetic demo extract (:mod:`healthintel.synthetic.ncmp`); pupils
    are kept when their school is in the area (the local extract) — the deprivation of their *home* LSOA is used.
    """
    from . import geography
    from .synthetic import ncmp as synthetic_ncmp

    place = geography.resolve_area(area, vintage)
    if school_year not in SCHOOL_YEARS:
        raise InvalidInputError(f"school_year must be 'Reception' or 'Year 6'; got {school_year!r}.")
    _quantile_column(quintile_basis, 5)  # validate before any work
    target = {**DEFAULT_TARGET, **(target or {})}
    if target["measure"] not in MEASURES["population"]:
        raise InvalidInputError(f"target measure {target['measure']!r} is not one of {list(MEASURES['population'])}.")
    if records is None:
        records = synthetic_ncmp.load(seed=seed)
    available = sorted(records["academic_year"].dropna().unique())
    years = sorted(academic_years) if academic_years else available
    unknown = [y for y in years if y not in available]
    if unknown:
        raise InvalidInputError(f"academic_years {unknown} are not in the NCMP records; they have {available} "
                                "(2020/21, a partial COVID-19 collection, is not in the synthetic data).")
    in_area = records["school_lad_code"].isin(place.members) if "school_lad_code" in records else \
        pd.Series(True, index=records.index)
    sel = records[in_area & records["academic_year"].isin(years) & (records["school_year"] == school_year)]
    sel.attrs.update(records.attrs)
    if sel.empty:
        raise InvalidInputError(f"no {school_year} records for {place.name} in {years}.")
    prep = add_local_quantiles(prepare(sel, vintage=vintage), place)
    basis = basis_label(quintile_basis, 5, vintage=vintage, area_name=place.name)
    qcol = _quantile_column(quintile_basis, 5)
    trend = prevalence(prep, by=["academic_year"], measures=["obesity", "overweight_incl_obesity",
                                                             "severe_obesity", "healthy_weight"])
    england = published_prevalence(school_year)
    england = england[england["area_code"] == geography.ENGLAND]
    by_q = prevalence(prep, by=["academic_year", qcol], measures=["obesity", "overweight_incl_obesity"],
                      basis=basis).rename(columns={qcol: "quintile"})
    gaps = deprivation_gap(prep, measure=target["measure"], basis=quintile_basis, area_name=place.name)
    gaps_ob = deprivation_gap(prep, measure="obesity", basis=quintile_basis, area_name=place.name)
    trend_test = gap_trend(gaps)
    progress = target_progress(gaps, target) if school_year == target["school_year"] else pd.DataFrame()
    s = pd.concat([sii(prep, measure=m, basis=quintile_basis, area_name=place.name, repetitions=sii_repetitions,
                       seed=seed) for m in ("obesity", "overweight_incl_obesity")], ignore_index=True)
    latest = years[-1]
    by_lad = prevalence(prep.pupils[prep.pupils["academic_year"] == latest].assign(
        category=lambda d: d["category"]), by=["lad_code", "lad_name"], measures=["obesity"])
    by_lad = by_lad[by_lad["lad_code"].isin(place.members)].reset_index(drop=True)
    by_sex = prevalence(prep, by=["academic_year", "sex"], measures=["obesity"])
    calib = synthetic_ncmp.calibration_check(prep, school_year=school_year)
    sources = sorted(set(prep.sources) | set(england.attrs.get("sources", [])) | set(synthetic_ncmp.SOURCES))
    return ObesityChapter(place, school_year, years, quintile_basis, basis, target, prep, trend, england, by_q,
                          gaps, gaps_ob, trend_test, progress, s, by_lad, by_sex, calib, sources, prep.synthetic)


# --- chapter presentation (tables, charts, text) ------------------------------------------------------------------

SYNTHETIC_TAG = "synthetic data"


def _tag(text: str, synthetic: bool) -> str:
    return f"{text} ({SYNTHETIC_TAG})" if synthetic else text


def _title(text: str, synthetic: bool) -> str:
    """A chart title with the synthetic-data tag, wrapped to fit the figure."""
    import textwrap

    return textwrap.fill(_tag(text, synthetic), 62)


def _fmt(v, dps=1) -> str:
    return "no value" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:,.{dps}f}"


def _ci(lo, hi, dps=1) -> str:
    return f"95% CI {_fmt(lo, dps)} to {_fmt(hi, dps)}"


def _chapter_methods():
    def latest(self) -> str:
        return self.academic_years[-1]

    def measure_label(self, measure: str) -> str:
        return MEASURES[self.prepared.thresholds][measure][0].lower()

    def headline(self) -> dict:
        """The figures the headline quotes (also recorded in the notebook)."""
        tr = self.prevalence_trend
        ob = tr[(tr["measure"] == "obesity") & (tr["academic_year"] == self.latest())].iloc[0]
        g = self.gaps[self.gaps["academic_year"] == self.latest()].iloc[0]
        eng = self.england.set_index("academic_year")["value"].get(self.latest(), np.nan)
        prog = self.progress.iloc[0] if len(self.progress) else None
        excl = self.prepared.exclusions
        return {
            "latest_year": self.latest(), "obesity": float(ob["value"]), "obesity_lower": float(ob["lower_ci"]),
            "obesity_upper": float(ob["upper_ci"]), "measured": int(ob["denominator"]),
            "england_obesity": float(eng), "gap": float(g["value"]), "gap_lower": float(g["lower_ci"]),
            "gap_upper": float(g["upper_ci"]), "ratio": float(g["ratio"]),
            "progress": None if prog is None else str(prog["progress"]),
            "required": None if prog is None else float(prog["required_value"]),
            "trend": str(self.gap_trend.iloc[0]["direction"]),
            "excluded": int(excl.loc[excl["reason"] != "records analysed", "records"].sum()),
            "analysed": int(excl.loc[excl["reason"] == "records analysed", "records"].iloc[0]),
            "records": int(self.prepared.n_records), "synthetic": bool(self.synthetic),
        }

    def headline_markdown(self) -> str:
        h = self.headline()
        t = self.target
        gap_name = self.measure_label(t["measure"])
        lines = [
            f"**{self.area.name}, {self.school_year}, {h['latest_year']}** — "
            + ("figures below are **synthetic data** (a seeded demonstration extract), not real children." if
               self.synthetic else "pupil-level NCMP extract."),
            "",
            f"- **Obesity (incl. severe obesity): {_fmt(h['obesity'])}%** ({_ci(h['obesity_lower'], h['obesity_upper'])}) "
            f"of {h['measured']:,} children measured; England (real, Fingertips): {_fmt(h['england_obesity'])}%.",
            f"- **Deprivation gap in {gap_name}: {_fmt(h['gap'])} percentage points** "
            f"({_ci(h['gap_lower'], h['gap_upper'])}) between the most and least deprived quintiles — "
            f"{self.basis_text}; the most deprived quintile's prevalence is {_fmt(h['ratio'], 2)} times the least "
            "deprived's.",
            f"- **Trend in the gap** ({self.gap_trend.iloc[0]['first_period']} to "
            f"{self.gap_trend.iloc[0]['last_period']}): {h['trend']}.",
        ]
        if h["progress"] is not None:
            lines.append(
                f"- **Target** ({t['baseline_value']:g} points in {t['baseline_period']} to {t['goal_value']:g} by "
                f"{t['goal_period']}): **{h['progress']}** — the required trajectory is "
                f"{_fmt(h['required'])} points in {h['latest_year']}.")
            if self.synthetic:
                lines.append("  The target's baseline is the strategy's published figure; the synthetic gap is not "
                             "calibrated to it, so this status only shows how the check works.")
        else:
            lines.append(f"- **Target**: set for {t['school_year']}, so not assessed for {self.school_year}.")
        lines.append(f"- {h['excluded']:,} of {h['records']:,} records were excluded (reasons under *Data quality*).")
        return "\n".join(lines)

    def trend_frame(self) -> pd.DataFrame:
        from .compare import benchmark

        tr = self.prevalence_trend[self.prevalence_trend["measure"] == "obesity"].copy()
        eng = self.england.set_index("academic_year")["value"]
        tr["england"] = tr["academic_year"].map(eng).astype(float)
        tr = benchmark(tr, "england", method="ci_overlap_95", polarity="low_is_good")
        return tr.reset_index(drop=True)

    def trend_chart(self):
        from . import charts

        tr = self.trend_frame()
        comp = self.england.rename(columns={"academic_year": "period"})
        comp = comp[comp["period"].isin(tr["academic_year"])]
        return charts.trend(tr.rename(columns={"academic_year": "period"}), comparator=comp[["period", "value"]],
                            comparator_name="England (real, Fingertips)", area_name=self.area.name,
                            title=_title(f"{self.school_year} obesity, {self.area.name}", self.synthetic), unit="%")

    def trend_table(self):
        from . import tables

        tr = self.trend_frame()[["academic_year", "numerator", "denominator", "value", "lower_ci", "upper_ci",
                                 "england", "benchmark"]]
        tr = tr.rename(columns={"academic_year": "Academic year", "numerator": "Obese", "denominator": "Measured",
                                "value": "Obesity %", "lower_ci": "Lower 95% CI", "upper_ci": "Upper 95% CI",
                                "england": "England % (real)", "benchmark": "Compared with England"})
        return tables.table(tr, caption=_tag(f"{self.school_year} obesity (incl. severe), {self.area.name}, by year",
                                             self.synthetic),
                            formats={c: "{:.1f}" for c in ["Obesity %", "Lower 95% CI", "Upper 95% CI",
                                                           "England % (real)"]},
                            counts=["Obese", "Measured"], derived=["Obesity %", "Lower 95% CI", "Upper 95% CI"])

    def sex_table(self):
        from . import tables

        d = self.by_sex[["academic_year", "sex", "numerator", "denominator", "value", "lower_ci", "upper_ci"]].copy()
        d["sex"] = d["sex"].str.capitalize()
        d = d.rename(columns={"academic_year": "Academic year", "sex": "Sex", "numerator": "Obese",
                              "denominator": "Measured", "value": "Obesity %", "lower_ci": "Lower 95% CI",
                              "upper_ci": "Upper 95% CI"})
        return tables.table(d, caption=_tag(f"{self.school_year} obesity (incl. severe) by sex, {self.area.name}",
                                            self.synthetic),
                            formats={c: "{:.1f}" for c in ["Obesity %", "Lower 95% CI", "Upper 95% CI"]},
                            counts=["Obese", "Measured"], derived=["Obesity %", "Lower 95% CI", "Upper 95% CI"])

    def quintile_frame(self, measure: str | None = None, year: str | None = None) -> pd.DataFrame:
        measure = measure or self.target["measure"]
        q = self.by_quintile
        q = q[(q["measure"] == measure) & (q["academic_year"] == (year or self.latest()))]
        return q.sort_values("quintile").reset_index(drop=True)

    def gradient_chart(self, measure: str | None = None):
        from . import charts

        measure = measure or self.target["measure"]
        q = self.quintile_frame(measure)
        overall = self.prevalence_trend
        ov = overall[(overall["measure"] == measure) & (overall["academic_year"] == self.latest())]["value"]
        return charts.deprivation_gradient(
            q, quantile="quintile", comparator=float(ov.iloc[0]) if len(ov) else None, comparator_name=f"{self.area.name} overall",
            area_name=self.area.name, unit="%", value_label=MEASURES[self.prepared.thresholds][measure][0],
            title=_title(f"{MEASURES[self.prepared.thresholds][measure][0]} by {self._basis_short()} quintile, "
                       f"{self.latest()}", self.synthetic))

    def _basis_short(self) -> str:
        return "local deprivation" if self.quintile_basis == "local" else "national deprivation"

    def quintile_table(self):
        from . import tables

        rows = []
        for m in ("obesity", "overweight_incl_obesity"):
            q = self.quintile_frame(m)
            rows.append(q.assign(Measure=MEASURES[self.prepared.thresholds][m][0]))
        q = pd.concat(rows, ignore_index=True)[["Measure", "quintile", "numerator", "denominator", "value",
                                                "lower_ci", "upper_ci"]]
        q["quintile"] = q["quintile"].astype(int)
        q = q.rename(columns={"quintile": "Quintile (1 = most deprived)", "numerator": "Children",
                              "denominator": "Measured", "value": "%", "lower_ci": "Lower 95% CI",
                              "upper_ci": "Upper 95% CI"})
        return tables.table(q, caption=_tag(f"Prevalence by {self.basis_text}, {self.latest()}", self.synthetic),
                            formats={c: "{:.1f}" for c in ["%", "Lower 95% CI", "Upper 95% CI"]},
                            counts=["Children", "Measured"], derived=["%", "Lower 95% CI", "Upper 95% CI"])

    def gap_chart(self):
        from . import charts

        t = self.target
        return charts.gap_trajectory(
            self.gaps, baseline=(t["baseline_period"], t["baseline_value"]), goal=(t["goal_period"], t["goal_value"]),
            area_name=self.area.name, value_label="Gap",
            title=_title(f"Gap in {self.measure_label(t['measure'])}, most minus least deprived quintile",
                       self.synthetic))

    def gap_table(self):
        from . import tables

        rows = []
        for frame in (self.gaps, self.gaps_obesity):
            rows.append(frame.assign(Measure=MEASURES[self.prepared.thresholds][frame["measure"].iloc[0]][0]))
        g = pd.concat(rows, ignore_index=True)
        traj = trajectory(self.target, g["academic_year"])
        started = _year(g["academic_year"]) >= float(str(self.target["baseline_period"])[:4])
        g["required"] = np.where((g["measure"] == self.target["measure"]) & started, traj["required"].to_numpy(),
                                 np.nan)
        g = g[["Measure", "academic_year", "numerator_most", "denominator_most", "most_deprived", "numerator_least",
               "denominator_least", "least_deprived", "value", "lower_ci", "upper_ci", "ratio", "ratio_lower_ci",
               "ratio_upper_ci", "required"]]
        g = g.rename(columns={"academic_year": "Academic year", "numerator_most": "Children (most deprived)",
                              "denominator_most": "Measured (most deprived)", "most_deprived": "Most deprived %",
                              "numerator_least": "Children (least deprived)",
                              "denominator_least": "Measured (least deprived)", "least_deprived": "Least deprived %",
                              "value": "Gap (pp)", "lower_ci": "Gap lower CI", "upper_ci": "Gap upper CI",
                              "ratio": "Ratio", "ratio_lower_ci": "Ratio lower CI", "ratio_upper_ci": "Ratio upper CI",
                              "required": "Target trajectory (pp)"})
        num = [c for c in g.columns if c not in ("Measure", "Academic year") and not c.startswith(("Children",
                                                                                                   "Measured"))]
        return tables.table(g, caption=_tag(f"Deprivation gap (most minus least deprived quintile; "
                                            f"{self.basis_text}), Newcombe 95% CI; ratio with Katz 95% CI",
                                            self.synthetic),
                            formats={c: ("{:.2f}" if c.startswith("Ratio") else "{:.1f}") for c in num},
                            counts=["Children (most deprived)", "Measured (most deprived)", "Children (least deprived)",
                                    "Measured (least deprived)"], derived=num)

    def trend_test_markdown(self) -> str:
        r = self.gap_trend.iloc[0]
        if np.isnan(r["slope"]):
            return f"Trend in the gap: {r['direction']}."
        return (f"Trend in the gap, {r['first_period']} to {r['last_period']} ({int(r['n_years'])} years): "
                f"**{r['direction']}** — change {_fmt(r['slope'], 2)} percentage points a year "
                f"({_ci(r['lower_ci'], r['upper_ci'], 2)}; z = {_fmt(r['z'], 2)}, p = {r['p_value']:.3f}). "
                f"Method: {r['method']}.")

    def progress_table(self):
        from . import tables

        if not len(self.progress):
            from .tables import HTML

            return HTML(f"<p><em>The target ({self.target['school_year']}) does not apply to {self.school_year}: "
                        "no progress assessment.</em></p>")
        p = self.progress[["baseline_period", "baseline_value", "goal_period", "goal_value", "latest_period",
                           "latest_value", "required_value", "progress"]]
        p = p.rename(columns={"baseline_period": "Baseline year", "baseline_value": "Baseline (pp)",
                              "goal_period": "Goal year", "goal_value": "Goal (pp)", "latest_period": "Latest year",
                              "latest_value": "Latest gap (pp)", "required_value": "Required now (pp)",
                              "progress": "Progress"})
        return tables.table(p, caption=_tag("Progress against the target (straight-line trajectory rule)",
                                            self.synthetic),
                            formats={c: "{:.1f}" for c in ["Baseline (pp)", "Goal (pp)", "Latest gap (pp)",
                                                           "Required now (pp)"]})

    def sii_chart(self, measure: str = "obesity"):
        from . import charts

        q = self.quintile_frame(measure)
        s = self.sii[(self.sii["measure"] == measure) & (self.sii["academic_year"] == self.latest())]
        return charts.sii_chart(q, s, quantile="quintile", population="denominator", multiplier=-1, area_name=self.area.name, unit="%",
                                value_label=MEASURES[self.prepared.thresholds][measure][0],
                                title=_title(f"Slope index of inequality, {MEASURES[self.prepared.thresholds][measure][0]}"
                                           f" ({self._basis_short()} quintiles), {self.latest()}", self.synthetic))

    def sii_table(self):
        from . import tables

        s = self.sii[["measure", "academic_year", "sii", "sii_lower_ci", "sii_upper_ci"]].copy()
        s["measure"] = s["measure"].map(lambda m: MEASURES[self.prepared.thresholds][m][0])
        s = s.rename(columns={"measure": "Measure", "academic_year": "Academic year", "sii": "SII (pp)",
                              "sii_lower_ci": "Lower 95% CI", "sii_upper_ci": "Upper 95% CI"})
        return tables.table(s, caption=_tag(f"Slope index of inequality across {self.basis_text} (positive = higher "
                                            "at the most deprived end)", self.synthetic),
                            formats={c: "{:.1f}" for c in ["SII (pp)", "Lower 95% CI", "Upper 95% CI"]})

    def district_frame(self) -> pd.DataFrame:
        """District prevalence for the latest year, after small-count suppression (what the map shows)."""
        from . import disclosure

        d = self.by_district[["lad_code", "lad_name", "numerator", "denominator", "value", "lower_ci", "upper_ci"]]
        return disclosure.suppress_small_counts(d, ["numerator", "denominator"],
                                                derived=["value", "lower_ci", "upper_ci"])

    def district_map(self):
        from . import charts
        from .sources import readers

        from .tables import HTML

        d = self.district_frame()
        if len(d) < 2:
            return HTML(f"<p><em>{self.area.name} is a single local authority: a map by district has one area "
                        f"({_fmt(float(d['value'].iloc[0]) if len(d) else float('nan'))}% in {self.latest()}). "
                        "Ward-level maps need a pupil-to-ward lookup that is not in the data mirror; LSOA-level "
                        "prevalence is not published (small counts).</em></p>")
        shapes = readers.lad_boundaries()
        gdf = shapes.merge(d.drop(columns=["lad_name"]), on="lad_code", how="inner")
        gdf["value"] = gdf["value"].astype(float)
        return charts.choropleth(gdf, "value", area_name=self.area.name, label_col="lad_name", unit="%",
                                 value_label=f"{self.school_year} obesity",
                                 title=_title(f"{self.school_year} obesity by district, {self.latest()}", self.synthetic))

    def district_table(self):
        from . import tables

        d = self.by_district[["lad_name", "numerator", "denominator", "value", "lower_ci", "upper_ci"]]
        d = d.rename(columns={"lad_name": "District", "numerator": "Obese", "denominator": "Measured",
                              "value": "Obesity %", "lower_ci": "Lower 95% CI", "upper_ci": "Upper 95% CI"})
        return tables.table(d, caption=_tag(f"{self.school_year} obesity by district of the school, {self.latest()}",
                                            self.synthetic),
                            formats={c: "{:.1f}" for c in ["Obesity %", "Lower 95% CI", "Upper 95% CI"]},
                            counts=["Obese", "Measured"], derived=["Obesity %", "Lower 95% CI", "Upper 95% CI"])

    def exclusions_table(self):
        from . import tables

        e = self.prepared.exclusions.rename(columns={"reason": "Reason", "records": "Records",
                                                     "percent_of_records": "% of all records"})
        return tables.table(e, caption=_tag(f"Records excluded before analysis, by reason (first reason counted; "
                                            f"{self.prepared.n_records:,} records in the extract)", self.synthetic),
                            formats={"% of all records": "{:.2f}"}, counts=["Records"], derived=["% of all records"])

    def flags_table(self):
        from . import tables

        f = self.prepared.flags.rename(columns={"check": "Check", "records": "Records",
                                                "percent_of_analysed": "% of analysed"})
        return tables.table(f, caption=_tag("Data-quality flags (records kept)", self.synthetic),
                            formats={"% of analysed": "{:.2f}"}, counts=["Records"], derived=["% of analysed"])

    def calibration_table(self):
        from . import tables

        c = self.calibration
        c = c[c["decile"].isin([1, 10]) | c["published"].notna()]
        c = c[c["academic_year"].isin(self.academic_years[-3:])][
            ["academic_year", "decile", "measured", "synthetic", "lower_ci", "upper_ci", "target", "published"]]
        c = c.rename(columns={"academic_year": "Academic year", "decile": "National IMD decile",
                              "measured": "Measured", "synthetic": "Synthetic %", "lower_ci": "Lower 95% CI",
                              "upper_ci": "Upper 95% CI", "target": "Calibration target %",
                              "published": "Published England %"})
        return tables.table(c, caption=_tag("Calibration of the synthetic data: obesity by national IMD decile "
                                            "against the published England figures", self.synthetic),
                            formats={k: "{:.1f}" for k in ["Synthetic %", "Lower 95% CI", "Upper 95% CI",
                                                           "Calibration target %", "Published England %"]},
                            counts=["Measured"], derived=["Synthetic %", "Lower 95% CI", "Upper 95% CI"])

    def methods_markdown(self) -> str:
        from . import disclosure

        t = self.target
        text = [
            "**Weight categories.** UK90 BMI centile (Cole et al. 1995) with the NCMP population-monitoring "
            "thresholds: underweight ≤ 2nd centile; healthy weight 2nd < p < 85th; overweight 85th ≤ p < 95th; "
            "obesity ≥ 95th (including severe obesity ≥ 99.6th); overweight including obesity ≥ 85th. Where a record "
            "has no centile it is computed from height, weight and exact age (vectorised LMS, reference table read "
            "from the installed rcpchgrowth package). Age: (measurement date − birth date) / 365.25 when both dates "
            "are present, else (age in months + 0.5) / 12.",
            f"**Deprivation.** Children are placed by the {self.basis_text}. Quintile 1 is the most deprived. "
            + ("Local quintiles rank the area's LSOAs by IMD 2019 score into five groups with equal numbers of "
               "LSOAs (OHID rule)." if self.quintile_basis == "local" else
               "National quintiles are the published IMD 2019 ranks of all 32,844 LSOAs in England."),
            "**Statistics.** Prevalence with Wilson score 95% CIs; the gap (most minus least deprived quintile, "
            "percentage points) with Newcombe's hybrid score interval; the ratio with the Katz log interval; the "
            "slope index of inequality (Low & Low 2004) with simulated 95% limits, signed so that a positive value "
            "means higher prevalence at the most deprived end; the gap's trend by inverse-variance weighted "
            "regression on year (z-test). 2020/21 is absent: that collection was partial (COVID-19).",
            f"**Target.** {t['baseline_value']:g} percentage points in {t['baseline_period']} to "
            f"{t['goal_value']:g} by {t['goal_period']} (Kent and Medway Integrated Care Strategy, outcome 1.3: "
            "Year 6 overweight including obesity, top vs bottom local deprivation quintile). The baseline figure is "
            "not corroborated in any published source found; on track = at or below the straight line from baseline "
            "to goal in the latest year.",
            "**Exclusions.** Records from independent or special schools, duplicates, records without sex, without "
            "BMI (or height and weight), with impossible values (height outside 70–200 cm, weight outside 8–200 kg, "
            "BMI outside 8–80), without a usable age when the centile must be computed, and without a known home "
            "LSOA are excluded and counted; extreme BMI z-scores (< −3 or > +4, NHS England's check) are flagged "
            "and kept.",
            f"**Disclosure control.** {disclosure.rule_text(disclosure.threshold())} No LSOA-level prevalence is "
            "published: the map aggregates to districts.",
        ]
        if self.synthetic:
            from .synthetic import ncmp as synthetic_ncmp

            text.append(
                "**Synthetic data.** Pupil-level NCMP data are not public, so this chapter runs on a seeded synthetic "
                f"extract (healthintel.synthetic.ncmp, version {synthetic_ncmp.VERSION}): real Kent and "
                "Medway LSOAs and populations (ONS mid-2019), BMI drawn so that obesity by national IMD decile, "
                "school year and academic year matches the published England figures (see the calibration table). "
                "District differences follow only from deprivation. England figures in the trend are real "
                "(Fingertips 90323/90319).")
        return "\n\n".join(text)

    for name, fn in list(locals().items()):
        if callable(fn):
            setattr(ObesityChapter, name, fn)


_chapter_methods()
