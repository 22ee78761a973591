"""The UK90 BMI reference: LMS values, BMI z-scores and centiles, their inverses and the weight categories.

- :func:`lms`: UK90 L, M, S at exact ages (vectorised; 4-point Lagrange interpolation between monthly knots as in
  rcpchgrowth, linear at the table ends), reading the reference table from the installed ``rcpchgrowth``
  package (``pip install 'healthintel[growth]'``) — the UK90 table is not redistributed with healthintel;
- :func:`bmi_centile` (z-score and centile of each child), :func:`bmi_for_z` and :func:`height_for_z` (inverses);
- :func:`classify_weight` with the NCMP population-monitoring thresholds (underweight ≤ 2nd centile, overweight
  ≥ 85th, obese ≥ 95th, severely obese ≥ 99.6th) or the clinical ones (≥ 91st / ≥ 98th, i.e. z ≥ 4/3 / z ≥ 2).
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.special import ndtr

from ..errors import DataNotFoundError, InvalidInputError

__all__ = ["GROWTH_HINT", "SEXES", "POPULATION", "CLINICAL", "POPULATION_CUTS", "CLINICAL_CUTS", "lms",
           "bmi_centile", "bmi_for_z", "height_for_z", "classify_weight"]

GROWTH_HINT = ("the UK90 growth reference is read from the optional 'rcpchgrowth' package, which is not "
               "installed: run  pip install 'healthintel[growth]'  (or pip install rcpchgrowth), or supply the "
               "BMI centile computed by the NCMP system in the 'bmi_centile' column.")

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
                                f"({exc}); reinstall it: pip install --force-reinstall 'healthintel[growth]'."
                                ) from None
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

