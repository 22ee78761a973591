"""Child weight measures: counts, prevalence and the deprivation gap, its trend, the SII and target progress.

- :data:`MEASURES` (prevalence measures per threshold set) and :func:`counts` / :func:`prevalence` (Wilson CIs);
- :func:`deprivation_gap` (most − least deprived quantile, percentage points, Newcombe CI, and the ratio with
  its Katz CI), :func:`sii` (slope index of inequality), :func:`gap_trend` (inverse-variance weighted regression
  of the gap on year, z-test), :func:`target_progress` (through :func:`healthintel.compare.target_progress`)
  and :func:`trajectory` — every output states its deprivation basis (national or local quantiles,
  :func:`basis_label`) in a ``quintile_basis`` column;
- :func:`published_prevalence`: the real Fingertips NCMP obesity figures (England, Kent districts, Medway), read
  by :func:`healthintel.sources.published.ncmp_obesity_extract`.

Statistics come from :mod:`healthintel.stats`.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy.special import ndtr

from ..errors import InvalidInputError, SuppressionWarning, describe_rows
from ..frames import numeric, require_columns
from ..sources import published
from .growth import CLINICAL
from .ncmp import Prepared

__all__ = ["MEASURES", "DEFAULT_TARGET", "PUBLISHED_IDS", "basis_label", "quantile_column", "counts", "prevalence",
           "deprivation_gap", "sii", "gap_trend", "target_progress", "trajectory", "published_prevalence",
           "start_year"]

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


def basis_label(basis: str, n: int = 5, *, vintage: str = "imd2019", area_name: str = "") -> str:
    """Plain-English deprivation basis, stated on every output (e.g. "local IMD 2019 quintiles within Kent")."""
    index = {"imd2019": "IMD 2019", "iod2025": "IoD 2025"}.get(vintage, vintage)
    unit = {5: "quintiles", 10: "deciles"}.get(n, f"{n}-tiles")
    if basis == "national":
        return f"national {index} {unit} of the home LSOA, England ranks"
    if basis == "local":
        return f"local {index} {unit} of the home LSOA, ranked within {area_name or 'the area'} (equal LSOA counts)"
    raise InvalidInputError(f"quintile_basis must be 'national' or 'local'; got {basis!r}.")


def quantile_column(basis: str, n: int) -> str:
    if basis not in ("national", "local"):
        raise InvalidInputError(f"quintile_basis must be 'national' or 'local'; got {basis!r}.")
    if n not in (5, 10):
        raise InvalidInputError(f"n must be 5 (quintiles) or 10 (deciles); got {n!r}.")
    return f"{basis}_{'quintile' if n == 5 else 'decile'}"


# --- counts and prevalence -------------------------------------------------------------------------------------


def _pupils_of(data) -> tuple[pd.DataFrame, str]:
    if isinstance(data, Prepared):
        pupils, scheme = data.pupils, data.thresholds
    elif isinstance(data, pd.DataFrame) and "category" in data:
        cats = list(data["category"].cat.categories) if hasattr(data["category"], "cat") else []
        pupils, scheme = data, "clinical" if cats == list(CLINICAL) else "population"
    else:
        raise InvalidInputError(
            "pass the result of obesity.prepare() (or its .pupils frame with a 'category' column).")
    check_dates(pupils)
    return pupils, scheme


def check_dates(pupils: pd.DataFrame, today=None) -> None:
    """Refuse impossible dates: a measurement in the future or before birth, an academic year that has not
    started, or a measurement outside its academic year (1 September to 31 August). Raises
    :class:`InvalidInputError` naming the column, example rows and the fix."""
    today = pd.Timestamp.today().normalize() if today is None else pd.Timestamp(today)
    shown = [c for c in ("pupil_id", "academic_year", "date_of_birth", "date_of_measurement") if c in pupils]
    problems = []
    start = None
    if "academic_year" in pupils:
        start = pd.to_numeric(pupils["academic_year"].astype("string").str[:4], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)
        problems.append((start > today.year, "academic_year", "is an academic year that has not started yet"))
    if "date_of_measurement" in pupils:
        dom = pd.to_datetime(pupils["date_of_measurement"], errors="coerce")
        problems.append(((dom > today).to_numpy(dtype=bool), "date_of_measurement", "is in the future"))
        if "date_of_birth" in pupils:
            dob = pd.to_datetime(pupils["date_of_birth"], errors="coerce")
            problems.append(((dob > dom).to_numpy(dtype=bool), "date_of_birth", "is after the measurement"))
        if start is not None:
            year = dom.dt.year.to_numpy(dtype=float, na_value=np.nan)
            month = dom.dt.month.to_numpy(dtype=float, na_value=np.nan)
            inside = ((year == start) & (month >= 9)) | ((year == start + 1) & (month <= 8))
            outside = ~inside & ~np.isnan(year) & ~np.isnan(start)
            problems.append((outside, "date_of_measurement", "is outside its academic year (1 Sep - 31 Aug)"))
    for mask, column, what in problems:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            raise InvalidInputError(
                f"column {column!r} {what} in {describe_rows(pupils, mask, shown)}. These dates are impossible: "
                "correct them in the extract, or remove the records before prepare()."
            )


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
    from ..stats import proportion

    c = counts(data, by=by, measures=measures)
    out = proportion(c, "numerator", "denominator", confidence=confidence, multiplier=100)
    if basis is not None:
        out["quintile_basis"] = basis
    return out


def _stack(data, by, basis, n, measure):
    col = quantile_column(basis, n)
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    c = counts(data, by=by + [col], measures=[measure])
    return c.rename(columns={col: "quantile"}), by


def _periods(data, by: list, basis: str, n: int) -> pd.DataFrame:
    """Every ``by`` group of the analysed pupils (first-appearance order) with ``pupils_without_quantile``: the
    pupils of the group who have no quantile on this basis, so are left out of the gap and the SII."""
    pupils, _ = _pupils_of(data)
    col = quantile_column(basis, n)
    if col not in pupils:
        raise InvalidInputError(f"column {col!r} is not in the pupil data (local quantiles need "
                                "add_local_quantiles()).")
    pupils = pupils[pupils["category"].notna()]
    blank = pupils[by].isna().any(axis=1).to_numpy() if by else np.zeros(len(pupils), dtype=bool)
    if blank.any():
        raise InvalidInputError(f"by column(s) {by} have missing values in {describe_rows(pupils, blank, by)}; "
                                "those pupils would drop out of every period. Fill them in or remove the rows.")
    no_q = pupils[col].isna()
    if not by:
        return pd.DataFrame({"pupils_without_quantile": [int(no_q.sum())]})
    out = no_q.groupby([pupils[c] for c in by], sort=False, observed=True).sum().rename("pupils_without_quantile")
    return out.astype("int64").reset_index()


def _every_period(out: pd.DataFrame, periods: pd.DataFrame, by: list, reason: str) -> pd.DataFrame:
    """``out`` with a row for every period of ``periods`` (NA and ``reason`` where a period had no rows)."""
    if by:
        full = periods.merge(out, on=by, how="left", sort=False, indicator=True)
    else:
        full = pd.concat([periods, out.reset_index(drop=True)], axis=1).assign(_merge="both" if len(out) else
                                                                               "left_only")
    absent = (full.pop("_merge") == "left_only").to_numpy()
    if "suppression_reason" not in full:
        full["suppression_reason"] = pd.array([None] * len(full), dtype="string")
    full["suppression_reason"] = full["suppression_reason"].astype("string").mask(absent, reason)
    cols = [c for c in full.columns if c != "pupils_without_quantile"] + ["pupils_without_quantile"]
    return full[cols]


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
    from ..stats import proportion_difference, proportion_ratio

    c, by = _stack(data, by, basis, n, measure)
    periods = _periods(data, by, basis, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=SuppressionWarning)  # reported once below, for every period
        diff = proportion_difference(c, "numerator", "denominator", group="quantile", compare=(1, n), by=by or None,
                                     confidence=confidence, multiplier=100) if _has(c, (1, n)) else None
        ratio = proportion_ratio(c, "numerator", "denominator", group="quantile", compare=(1, n), by=by or None,
                                 confidence=confidence) if diff is not None else None
    keep = ["numerator_1", "denominator_1", "numerator_2", "denominator_2", "proportion_1", "proportion_2", "value",
            "lower_ci", "upper_ci"]
    if diff is None:
        diff = pd.DataFrame(columns=by + keep + ["suppression_reason"])
        ratio = pd.DataFrame(columns=["value", "lower_ci", "upper_ci"])
    reason = diff["suppression_reason"] if "suppression_reason" in diff else pd.Series(pd.NA, index=diff.index)
    out = diff[by + keep].copy()
    out = out.rename(columns={"proportion_1": "most_deprived", "proportion_2": "least_deprived",
                              "numerator_1": "numerator_most", "denominator_1": "denominator_most",
                              "numerator_2": "numerator_least", "denominator_2": "denominator_least"})
    out.insert(len(by), "measure", measure)
    out["ratio"] = ratio["value"].to_numpy()
    out["ratio_lower_ci"] = ratio["lower_ci"].to_numpy()
    out["ratio_upper_ci"] = ratio["upper_ci"].to_numpy()
    out["suppression_reason"] = pd.array(reason.to_numpy(dtype=object), dtype="string")
    unit = "quintile" if n == 5 else "decile"
    why = f"no pupils with a {basis} {unit} in this period" if _has(c, (1, n)) else \
        f"no pupils in {basis} {unit} 1 or {n} in any period"
    out = _every_period(out, periods, by, why)
    out["measure"] = measure
    out["statistic"] = f"gap, most minus least deprived {unit} (percentage points)"
    out["method"] = "Newcombe hybrid score (difference); Katz log (ratio)"
    vintage = data.vintage if isinstance(data, Prepared) else "imd2019"
    out["quintile_basis"] = basis_label(basis, n, vintage=vintage, area_name=area_name)
    _warn_suppressed(out, "deprivation_gap")
    return out


def _has(c: pd.DataFrame, categories) -> bool:
    """True when both compared categories occur somewhere in the counts (else every period is NA)."""
    return all((c["quantile"] == k).any() for k in categories)


def _warn_suppressed(out: pd.DataFrame, what: str) -> None:
    na = out["suppression_reason"].notna()
    if na.any():
        warnings.warn(f"{what}: {int(na.sum())} period(s) are NA (see the suppression_reason column).",
                      SuppressionWarning, stacklevel=3)


def sii(data, *, measure: str = "obesity", basis: str = "national", n: int = 5, by=("academic_year",),
        repetitions: int = 100_000, seed: int = 2026, area_name: str = "") -> pd.DataFrame:
    """Slope index of inequality across deprivation quantiles (percentage points, most − least deprived end).

    Calls :func:`healthintel.stats.slope_index_of_inequality` on the quantiles' prevalences with their Wilson
    95% limits (``value_type="proportion"``, simulated limits). The multiplier is −100 so that a positive SII
    means a higher prevalence at the most deprived end, like the gap.
    """
    from ..stats import proportion, slope_index_of_inequality

    c, by = _stack(data, by, basis, n, measure)
    periods = _periods(data, by, basis, n)
    p = proportion(c, "numerator", "denominator")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=SuppressionWarning)  # reported once below, for every period
        out = slope_index_of_inequality(p, "quantile", "denominator", value="value", lower_ci="lower_ci",
                                        upper_ci="upper_ci", value_type="proportion", multiplier=-100,
                                        repetitions=repetitions, by=by or None, seed=seed, incomplete="na",
                                        quantiles=range(1, n + 1))
    unit = "quintile" if n == 5 else "decile"
    out = _every_period(out, periods, by, f"no pupils with a {basis} {unit} in this period")
    out.insert(len(by), "measure", measure)
    vintage = data.vintage if isinstance(data, Prepared) else "imd2019"
    out["quintile_basis"] = basis_label(basis, n, vintage=vintage, area_name=area_name)
    _warn_suppressed(out, "sii")
    return out


def start_year(period) -> np.ndarray:
    """The start year of each period ("2021/22" -> 2021.0) as floats; an error naming any label that is not a
    period."""
    labels = pd.Series(list(period), dtype=object)
    years = pd.to_numeric(labels.astype(str).str.extract(r"^\s*(\d{4})", expand=False), errors="coerce")
    bad = years.isna().to_numpy()
    if bad.any():
        raise InvalidInputError(
            f"period labels {labels[bad].head(5).tolist()} are not periods: use academic years such as '2021/22' "
            "(or calendar years '2021')."
        )
    return years.to_numpy(dtype=float)


def gap_trend(gaps: pd.DataFrame, *, period: str = "academic_year", value: str = "value",
              lower_ci: str = "lower_ci", upper_ci: str = "upper_ci", alpha: float = 0.05) -> pd.DataFrame:
    """Is the gap narrowing? Inverse-variance weighted regression of the gap on year, with a z-test of the slope.

    Each year's gap has SE = (upper − lower) / (2 × 1.959964) from its 95% Newcombe interval. Returns one row:
    ``slope`` (percentage points per year), ``lower_ci``, ``upper_ci``, ``z``, ``p_value``, ``n_years``,
    ``first_period``, ``last_period``, ``direction`` ("narrowing", "widening" or "no significant change" at
    ``alpha``) and ``method``. Years are placed at their start year, so gaps in the series (e.g. the 2020/21
    collection, partial because of COVID-19) are allowed.
    """
    _check_gaps(gaps, period=period, value=value, lower_ci=lower_ci, upper_ci=upper_ci)
    d = gaps.dropna(subset=[value, lower_ci, upper_ci]).sort_values(period)
    t = start_year(d[period])
    y = d[value].to_numpy(dtype=float)
    se = (d[upper_ci].to_numpy(dtype=float) - d[lower_ci].to_numpy(dtype=float)) / (2 * 1.959963984540054)
    base = {"n_years": len(d), "first_period": d[period].iloc[0] if len(d) else None,
            "last_period": d[period].iloc[-1] if len(d) else None,
            "method": "inverse-variance weighted least squares of the gap on year; z-test of the slope"}
    if len(d) < 3 or np.any(se <= 0):
        why = "fewer than 3 years" if len(d) < 3 else "a year has a zero-width confidence interval"
        return pd.DataFrame([{**base, "slope": np.nan, "lower_ci": np.nan, "upper_ci": np.nan, "z": np.nan,
                              "p_value": np.nan, "direction": f"cannot be calculated ({why})"}])
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


def _check_gaps(gaps, *, period, value, lower_ci, upper_ci) -> None:
    """Columns present and numeric, no infinite value, limits the right way round, one row per period."""
    require_columns(gaps, period=period, value=value, lower_ci=lower_ci, upper_ci=upper_ci)
    lo, hi = numeric(gaps, lower_ci, arg="lower_ci"), numeric(gaps, upper_ci, arg="upper_ci")
    for arr, column in ((numeric(gaps, value, arg="value"), value), (lo, lower_ci), (hi, upper_ci)):
        if np.isinf(arr).any():
            raise InvalidInputError(f"column {column!r} has infinite values in "
                                    f"{describe_rows(gaps, np.isinf(arr), [period, column])}; correct them.")
    with np.errstate(invalid="ignore"):
        if (lo > hi).any():
            raise InvalidInputError(
                f"lower_ci column {lower_ci!r} is above upper_ci column {upper_ci!r} in "
                f"{describe_rows(gaps, lo > hi, [period, lower_ci, upper_ci])}: the limits look swapped.")
    twice = gaps.duplicated(period, keep=False).to_numpy()
    if twice.any():
        raise InvalidInputError(f"more than one gap per period (column {period!r}) in "
                                f"{describe_rows(gaps, twice, [period, value])}; give one row per period.")
    start_year(gaps[period])


def _target_of(target: dict | None) -> dict:
    """The target with the default filled in; numbers and periods checked (an error naming the bad entry)."""
    t = {**DEFAULT_TARGET, **(target or {})}
    for key in ("baseline_value", "goal_value"):
        try:
            t[key] = float(t[key])
        except (TypeError, ValueError):
            raise InvalidInputError(f"target {key} must be a number; got {t[key]!r}.") from None
        if not np.isfinite(t[key]):
            raise InvalidInputError(f"target {key} must be a finite number; got {t[key]!r}.")
    start_year([t["baseline_period"], t["goal_period"]])
    return t


def target_progress(gaps: pd.DataFrame, target: dict | None = None, *, period: str = "academic_year",
                    value: str = "value") -> pd.DataFrame:
    """Progress of the gap against a target (via :func:`healthintel.compare.target_progress`).

    ``target``: ``baseline_period``, ``baseline_value``, ``goal_period``, ``goal_value`` (and optionally ``id``,
    ``name``); default :data:`DEFAULT_TARGET` (Kent and Medway: 13.2 points in 2021/22 → 10 by 2028). The
    required trajectory is the straight line from baseline to goal; the latest gap is "met", "on track" or
    "off track" (lower is better).
    """
    from ..compare import target_progress as _progress

    t = _target_of(target)
    require_columns(gaps, period=period, value=value)
    registry = pd.DataFrame([{
        "id": str(t["id"]), "name": t.get("name", "Deprivation gap"), "polarity": "low_is_good",
        "unit": "percentage points", "baseline_period": t["baseline_period"],
        "baseline_value": float(t["baseline_value"]), "goal_period": t["goal_period"],
        "goal_value": float(t["goal_value"]), "goal_change": np.nan,
    }])
    obs = pd.DataFrame({"id": str(t["id"]), "period": gaps[period].astype(str).to_numpy(),
                        "value": numeric(gaps, value, arg="value")})
    return _progress(obs, registry)


def trajectory(target: dict | None, periods) -> pd.DataFrame:
    """Required value of the target's straight-line trajectory at each period (flat outside baseline–goal)."""
    t = _target_of(target)
    b, g = float(t["baseline_period"][:4]), float(t["goal_period"][:4])
    yrs = start_year(periods)
    frac = np.clip((yrs - b) / (g - b), 0, 1) if g != b else np.ones(len(yrs))
    return pd.DataFrame({"academic_year": list(periods),
                         "required": t["baseline_value"] + frac * (t["goal_value"] - t["baseline_value"])})


# --- published figures (real) ----------------------------------------------------------------------------------

#: School year -> catalog id of the real Fingertips obesity extract (90323 Year 6, 90319 Reception).
PUBLISHED_IDS = published.NCMP_OBESITY_EXTRACTS


def published_prevalence(school_year: str = "Year 6") -> pd.DataFrame:
    """Real Fingertips obesity prevalence (incl. severe; 90323 Year 6 / 90319 Reception): England, Kent's
    districts and Medway, single years. Columns ``area_code``, ``area_name``, ``academic_year``, ``value`` (%,
    1 d.p., no CIs in the extract)."""
    if school_year not in PUBLISHED_IDS:
        raise InvalidInputError(f"school_year must be one of {list(PUBLISHED_IDS)}; got {school_year!r}.")
    return published.ncmp_obesity_extract(school_year)
