"""The pupil-level NCMP extract: its schema, validation, exact ages, and :func:`prepare` (records → analysis).

- :data:`NCMP_SCHEMA` (pandera, built on first use) and :func:`validate`, which lists every problem at once;
- :func:`age_in_years`: decimal age at measurement (exact from the dates, else the months midpoint);
- :func:`prepare`: excludes bad records with a count per reason (never silently; :data:`EXCLUSION_REASONS`),
  computes missing centiles (UK90, :mod:`.growth`), classifies, flags extreme BMI z-scores (kept, as NHS England
  does) and attaches the national deprivation of the home LSOA — a :class:`Prepared`;
- :func:`add_local_quantiles`: quintiles and deciles of the home LSOA re-ranked within an area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.special import ndtri

from ..errors import InvalidInputError
from .growth import _sex_codes, bmi_centile, classify_weight

__all__ = ["SCHOOL_YEARS", "EXCLUSION_REASONS", "LIMITS", "Prepared", "validate", "age_in_years",
           "prepare", "exclusion_reasons", "exclusion_table", "add_local_quantiles"]

SCHOOL_YEARS = ("Reception", "Year 6")

# --- input schema ----------------------------------------------------------------------------------------------


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
            "school_lad_code": col("string", required=False,
                                   description="GSS code of the school's district or unitary authority (optional; "
                                               "needed for cohort='school' and the cohort counts)"),
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



# --- preparation -----------------------------------------------------------------------------------------------


def _measurements(data: pd.DataFrame, age_convention: str) -> dict[str, np.ndarray]:
    """Sex codes, height, weight, BMI (from height and weight where missing), supplied centile and age."""
    n = len(data)

    def num(c):
        return data[c].to_numpy(dtype=float, na_value=np.nan) if c in data else np.full(n, np.nan)

    height, weight, bmi, centile = num("height_cm"), num("weight_kg"), num("bmi"), num("bmi_centile")
    with np.errstate(invalid="ignore", divide="ignore"):
        bmi = np.where(np.isnan(bmi), weight / (height / 100) ** 2, bmi)
    return {"sex": _sex_codes(data["sex"]), "height": height, "weight": weight, "bmi": bmi, "centile": centile,
            "age": age_in_years(data, age_convention)}


def exclusion_reasons(data: pd.DataFrame, m: dict[str, np.ndarray], need_centile: np.ndarray,
                      vintage: str) -> np.ndarray:
    """The first :data:`EXCLUSION_REASONS` entry each record fails ("" for a record kept)."""
    from .. import geography

    reason = np.full(len(data), "", dtype=object)

    def exclude(mask, label):
        mask = np.asarray(mask, dtype=bool) & (reason == "")
        reason[mask] = label

    if "school_status" in data:
        exclude(data["school_status"].fillna("").str.upper().to_numpy() != "NCMP", EXCLUSION_REASONS[0])
    exclude(data.duplicated(["pupil_id", "academic_year", "school_year"]).to_numpy(), EXCLUSION_REASONS[1])
    exclude(m["sex"] == 0, EXCLUSION_REASONS[2])
    exclude(np.isnan(m["bmi"]) & np.isnan(m["centile"]), EXCLUSION_REASONS[3])
    bad = np.zeros(len(data), dtype=bool)
    for name, values in (("height_cm", m["height"]), ("weight_kg", m["weight"]), ("bmi", m["bmi"])):
        lo, hi = LIMITS[name]
        bad |= ~np.isnan(values) & ((values < lo) | (values > hi))
    exclude(bad, EXCLUSION_REASONS[4])
    age = m["age"]
    exclude(need_centile & (np.isnan(age) | (age < 4) | (age > 20)), EXCLUSION_REASONS[5])
    known = set(geography.lsoa_lookup(vintage)["lsoa_code"])
    lsoa = data["lsoa_code"]
    if isinstance(lsoa.dtype, pd.CategoricalDtype):  # millions of rows: test the distinct codes only
        codes = lsoa.cat.codes.to_numpy()
        valid = np.append(np.asarray(lsoa.cat.categories.astype(str).isin(known)), False)[codes]
    else:
        valid = lsoa.astype("string").isin(known).fillna(False).to_numpy(dtype=bool)
    exclude(~valid, EXCLUSION_REASONS[6])
    return reason


def _centiles(m: dict[str, np.ndarray], keep: np.ndarray, need_centile: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(centile, z, computed): UK90 centiles computed where needed, z-scores of the supplied ones."""
    centile = m["centile"]
    computed = keep & need_centile
    z = np.full(len(keep), np.nan)
    if computed.any():
        res = bmi_centile(m["age"][computed], m["sex"][computed], m["bmi"][computed])
        centile = centile.copy()
        centile[computed] = res["bmi_centile"].to_numpy()
        z[computed] = res["bmi_z"].to_numpy()
    supplied = keep & ~need_centile
    z[supplied] = ndtri(np.clip(centile[supplied] / 100, 1e-300, 1 - 1e-16))
    return centile, z, computed


def _with_deprivation(pupils: pd.DataFrame, vintage: str) -> pd.DataFrame:
    """Attach the district and national IMD decile/quintile of each pupil's home LSOA."""
    from .. import deprivation

    dep = deprivation.load_deprivation(vintage)[["lsoa_code", "lad_code", "lad_name", "utla_code", "imd_score",
                                                 "imd_decile", "imd_quintile"]]
    pupils["lsoa_code"] = pupils["lsoa_code"].astype(str)
    pupils = pupils.merge(dep, on="lsoa_code", how="left", validate="m:1")
    return pupils.rename(columns={"imd_decile": "national_decile", "imd_quintile": "national_quintile"})


def exclusion_table(reason: np.ndarray, keep: np.ndarray) -> pd.DataFrame:
    """Records per exclusion reason (first reason counted) and a last "records analysed" row, with shares."""
    n = len(reason)
    counts_ = pd.Series(reason[~keep]).value_counts()
    excl = pd.DataFrame({"reason": list(EXCLUSION_REASONS),
                         "records": [int(counts_.get(r, 0)) for r in EXCLUSION_REASONS]})
    excl = pd.concat([excl, pd.DataFrame({"reason": ["records analysed"], "records": [int(keep.sum())]})],
                     ignore_index=True)
    excl["percent_of_records"] = 100 * excl["records"] / max(n, 1)
    return excl


def _flag_table(extreme: np.ndarray, computed: np.ndarray, pupils: pd.DataFrame, z_flag, n_kept: int
                ) -> pd.DataFrame:
    flags = pd.DataFrame({
        "check": [f"extreme BMI z-score (< {z_flag[0]:g} or > +{z_flag[1]:g}): flagged, kept",
                  "BMI centile computed from height, weight and age (UK90 LMS)",
                  "age outside the school year's usual range (Reception 4-6 y, Year 6 10-12 y): reported only"],
        "records": [int(extreme.sum()), int(computed.sum()), int(_age_outside(pupils).sum())],
    })
    flags["percent_of_analysed"] = 100 * flags["records"] / max(n_kept, 1)
    return flags


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
    data = validate(records).reset_index(drop=True)
    n = len(data)
    m = _measurements(data, age_convention)
    need_centile = np.isnan(m["centile"]) | recompute_centile
    reason = exclusion_reasons(data, m, need_centile, vintage)
    keep = reason == ""
    centile, z, computed = _centiles(m, keep, need_centile)
    with np.errstate(invalid="ignore"):
        extreme = keep & ((z < z_flag[0]) | (z > z_flag[1]))

    pupils = data.loc[keep].copy()
    pupils["sex"] = np.where(m["sex"][keep] == 1, "male", "female")
    pupils["age_years"] = m["age"][keep]
    pupils["bmi"] = m["bmi"][keep]
    pupils["bmi_z"] = z[keep]
    pupils["bmi_centile"] = centile[keep]
    pupils["centile_source"] = np.where(computed[keep], "computed (UK90 LMS)", "supplied")
    pupils["extreme_bmi_z"] = extreme[keep]
    pupils["category"] = classify_weight(centile[keep], thresholds)
    pupils = _with_deprivation(pupils, vintage)

    excl = exclusion_table(reason, keep)
    flags = _flag_table(extreme, computed, pupils, z_flag, int(keep.sum()))
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
    from .. import deprivation

    lsoas = deprivation.load_deprivation(prepared.vintage, area=area)
    q = deprivation.local_quantiles(lsoas, n=5, weighted=weighted, column="local_quintile")
    d = deprivation.local_quantiles(lsoas, n=10, weighted=weighted, column="local_decile")
    lk = q[["lsoa_code", "local_quintile"]].merge(d[["lsoa_code", "local_decile"]], on="lsoa_code")
    pupils = prepared.pupils.drop(columns=["local_quintile", "local_decile"], errors="ignore")
    pupils = pupils.merge(lk, on="lsoa_code", how="left", validate="m:1")
    return Prepared(pupils, prepared.exclusions, prepared.flags, prepared.n_records, prepared.vintage,
                    prepared.thresholds, prepared.synthetic, prepared.sources)
