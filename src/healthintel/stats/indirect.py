"""Indirect standardisation: standardised ratios (SMR) and indirectly standardised rates (ISR).

Owns :func:`smr` and :func:`isr` (PHEindicatormethods ``calculate_ISRatio`` / ``calculate_ISRate``). Expected
events come from reference age-specific rates applied to each group's populations; the reference is given as
columns, as vectors (attached by position or by band label), or computed from the data themselves (e.g. the
England total of all the areas supplied).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import InvalidInputError, MissingColumnError, SuppressionWarning, describe_rows
from ._ci import check_positive, format_number, poisson_limits, row_positions
from ._common import (
    as_list,
    check_finite_non_negative,
    grouper,
    numeric,
    parse_confidence,
    require_columns,
)

__all__ = ["smr", "isr"]


def _attach(data, ref, *, arg, groups, age_band, by):
    """Reference values per row from a column name, a labelled Series (with ``age_band``) or a vector by position."""
    if isinstance(ref, str):
        require_columns(data, **{arg: ref})
        return numeric(data, ref, arg=arg)
    if isinstance(ref, pd.DataFrame) or np.ndim(ref) != 1:
        raise InvalidInputError(f"{arg} must be a column name or a 1-D vector of reference values by band.")
    if isinstance(ref, pd.Series) and age_band is not None:
        labels = data[age_band].to_numpy()
        if not pd.Index(labels).isin(ref.index).all():
            missing = pd.unique(labels[~pd.Index(labels).isin(ref.index)])[:10]
            raise InvalidInputError(
                f"age_band column {age_band!r} has labels missing from the index of {arg}: {list(missing)}. "
                "Make the band labels match, or pass a plain vector in band order."
            )
        return pd.to_numeric(ref, errors="coerce").reindex(labels).to_numpy(dtype=float)
    vec = np.asarray(ref, dtype=float)
    pos, counts = row_positions(groups.codes, groups.n)
    wrong = counts != len(vec)
    if wrong.any():
        raise InvalidInputError(
            f"{arg} has {len(vec)} values and is attached by row position, so every group needs exactly "
            f"{len(vec)} rows (one per band, in the same order); {int(wrong.sum())} group(s) have "
            f"{sorted(set(counts[wrong].tolist()))[:5]} rows. Add the missing bands with zero counts, or pass "
            "age_band= with a Series indexed by band label."
        )
    return vec[pos]


def _from_data(data, x, n, groups, age_band):
    """Reference counts/populations per row computed as the totals over all groups, band by band."""
    if age_band is not None:
        band, _ = pd.factorize(data[age_band], use_na_sentinel=False)
    else:
        band, counts = row_positions(groups.codes, groups.n)
        if len(set(counts.tolist())) > 1:
            raise InvalidInputError(
                "to compute the reference rates from the data without age_band=, every group must have the same "
                f"number of rows in the same band order; groups have {sorted(set(counts.tolist()))} rows. Pass "
                "age_band=<column> to match bands by label."
            )
    band = np.asarray(band, dtype=np.intp)
    nb = int(band.max(initial=-1)) + 1
    xr = np.bincount(band, weights=np.nan_to_num(x), minlength=nb)
    nr = np.bincount(band, weights=np.nan_to_num(n), minlength=nb)
    return xr[band], nr[band]


def _indirect(data, observed, population, reference_count, reference_population, by, age_band, confidence,
              observed_totals):
    """Observed, expected, reference rate (un-multiplied) and the output frame per group, plus validated conf."""
    by = as_list(by)
    require_columns(data, population=population, by=by, age_band=age_band)
    if observed_totals is None:
        require_columns(data, observed=observed)
        check_finite_non_negative(data, observed, arg="observed", by=by, allow_na=True)
    check_finite_non_negative(data, population, arg="population", by=by, allow_na=True)
    conf = parse_confidence(confidence)
    groups = grouper(data, by)
    n = numeric(data, population, arg="population")

    if (reference_count is None) != (reference_population is None):
        raise InvalidInputError(
            "give both reference_count and reference_population (columns or vectors), or neither to compute the "
            "reference rates from the data (the total of all groups)."
        )
    if reference_count is None:
        if observed_totals is not None:
            raise InvalidInputError(
                "reference rates cannot be computed from the data when observed_totals is given (the data have no "
                "observed counts by band); pass reference_count and reference_population."
            )
        xr, nr = _from_data(data, numeric(data, observed, arg="observed"), n, groups, age_band)
    else:
        xr = _attach(data, reference_count, arg="reference_count", groups=groups, age_band=age_band, by=by)
        nr = _attach(data, reference_population, arg="reference_population", groups=groups, age_band=age_band,
                     by=by)
    frame = pd.DataFrame({"reference_count": xr, "reference_population": nr}, index=data.index)
    check_finite_non_negative(frame, "reference_count", arg="reference_count", allow_na=True)
    if np.isnan(nr).any():
        raise InvalidInputError(
            f"reference_population has missing values in {describe_rows(data, np.isnan(nr), by + as_list(age_band))}."
        )
    check_positive(frame, "reference_population", arg="reference_population")

    with np.errstate(divide="ignore", invalid="ignore"):
        expected = groups.sum(np.nan_to_num(xr) / nr * np.nan_to_num(n))
        ref_rate = groups.sum(np.nan_to_num(xr)) / groups.sum(nr)
    out = groups.keys.copy() if groups.by else pd.DataFrame(index=range(1))
    if observed_totals is None:
        obs = groups.sum(np.nan_to_num(numeric(data, observed, arg="observed")))
    else:
        obs = _join_totals(out, observed_totals, observed, by)
    return obs, expected, ref_rate, out, conf


def _join_totals(keys: pd.DataFrame, totals, observed: str, by: list) -> np.ndarray:
    """Observed totals per group from a frame holding the ``by`` columns and the ``observed`` column."""
    if not isinstance(totals, pd.DataFrame):
        raise InvalidInputError("observed_totals must be a DataFrame with the by= columns and the observed column.")
    missing = [c for c in by + [observed] if c not in totals.columns]
    if missing:
        raise MissingColumnError(
            f"observed_totals lacks column(s) {missing}: it needs the by= columns {by} and the observed column "
            f"{observed!r} (one row per group)."
        )
    check_finite_non_negative(totals, observed, arg="observed", by=by, allow_na=True)
    if not by:
        if len(totals) != 1:
            raise InvalidInputError("without by=, observed_totals must have exactly one row.")
        return totals[observed].to_numpy(dtype=float)
    dup = totals.duplicated(by, keep=False).to_numpy()
    if dup.any():
        raise InvalidInputError(
            f"observed_totals has more than one row per group in {describe_rows(totals, dup, by)}; give one total "
            "per group."
        )
    merged = keys.merge(totals[by + [observed]], on=by, how="left", sort=False)
    return merged[observed].to_numpy(dtype=float)


def _finish(out, obs, expected, scale, conf, statistic):
    """Add value, limits and metadata: ``O/E × scale`` with exact (O < 10) or Byar's limits of O."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = obs / expected * scale
        method = None
        for c, (lo, hi) in zip(conf.levels, conf.columns):
            lower, upper, method = poisson_limits(obs, c)
            out[lo] = lower / expected * scale
            out[hi] = upper / expected * scale
    out["confidence"] = conf.label
    out["statistic"] = statistic
    out["method"] = method
    return _suppress_undefined(out, obs, expected, conf)


NO_EXPECTED = "no expected events (zero or missing population in every band)"
NO_OBSERVED = "no observed total for this group"


def _suppress_undefined(out, obs, expected, conf):
    """NA value and limits, a ``suppression_reason`` and one warning where O/E is undefined (E = 0, or O missing)."""
    no_expected = ~(np.asarray(expected, dtype=float) > 0)
    no_observed = np.isnan(np.asarray(obs, dtype=float)) & ~no_expected
    reason = np.where(no_expected, NO_EXPECTED, np.where(no_observed, NO_OBSERVED, None))
    bad = no_expected | no_observed
    if bad.any():
        cols = ["value"] + [c for pair in conf.columns for c in pair]
        out.loc[bad, cols] = np.nan
        warnings.warn(
            f"{int(bad.sum())} group(s) have no expected events or no observed total: their ratio/rate and limits "
            "are NA (see the suppression_reason column).",
            SuppressionWarning,
            stacklevel=4,
        )
    out["suppression_reason"] = pd.array(reason, dtype="string")
    return out


_PARAMS = """
    Parameters
    ----------
    data : DataFrame
        One row per age band (or other standardisation category) per group.
    observed : str
        Column of observed events per band (≥ 0; missing counted as 0). With ``observed_totals`` it names the
        column of that frame instead and need not be in ``data``.
    population : str
        Column of the group's population per band (≥ 0; zero and missing allowed, contributing no expected
        events).
    reference_count, reference_population : str, Series, array-like or None
        Reference events and population by band: column names of ``data`` (e.g. England counts repeated on every
        area's rows), vectors attached by row position within every group (each group then needs exactly as
        many rows, in band order), or Series indexed by band label matched to ``age_band``. Leave both None to
        compute the reference from the data: the total over all groups, band by band (by ``age_band`` label,
        or by position when every group has the same number of rows).
    by : str or list of str, optional
        Group columns (one result per group, in order of first appearance); None for one result.
    age_band : str, optional
        Band label column, used to match labelled reference Series or to total the data by band.
    confidence : float or tuple, default 0.95
        0.95 or 95, or ``(0.95, 0.998)``.
    observed_totals : DataFrame, optional
        One row per group with the ``by`` columns and the ``observed`` column: observed totals not broken down
        by band (joined on the ``by`` columns; groups without a row get NA)."""


def smr(data: pd.DataFrame, observed: str, population: str, reference_count=None, reference_population=None, *,
        by=None, age_band: str | None = None, confidence=0.95, reference_value: float = 1,
        observed_totals: pd.DataFrame | None = None):
    _check_scale(reference_value, "reference_value")
    obs, expected, _, out, conf = _indirect(data, observed, population, reference_count, reference_population, by,
                                            age_band, confidence, observed_totals)
    out["observed"] = obs
    out["expected"] = expected
    return _finish(out, obs, expected, float(reference_value), conf,
                   f"indirectly standardised ratio x {format_number(reference_value)}")


def isr(data: pd.DataFrame, observed: str, population: str, reference_count=None, reference_population=None, *,
        by=None, age_band: str | None = None, confidence=0.95, multiplier: float = 100_000,
        observed_totals: pd.DataFrame | None = None):
    _check_scale(multiplier, "multiplier")
    obs, expected, ref_rate, out, conf = _indirect(data, observed, population, reference_count,
                                                   reference_population, by, age_band, confidence, observed_totals)
    out["observed"] = obs
    out["expected"] = expected
    out["ref_rate"] = ref_rate * multiplier
    return _finish(out, obs, expected, ref_rate * multiplier, conf,
                   f"indirectly standardised rate per {format_number(multiplier)}")


def _check_scale(value, arg):
    from ._ci import check_multiplier

    try:
        check_multiplier(value)
    except InvalidInputError:
        raise InvalidInputError(f"{arg} must be a finite number greater than 0; got {value!r}.") from None


smr.__doc__ = f"""Indirectly standardised ratio (e.g. SMR): observed / expected events × ``reference_value``.
{_PARAMS}
    reference_value : float, default 1
        1 for a ratio, 100 for the Fingertips "SMR × 100" presentation.

    Returns
    -------
    DataFrame
        Group columns, ``observed``, ``expected``, ``value``, the limits, ``confidence``, ``statistic``
        (``"indirectly standardised ratio x 1"``) and ``method`` (``"Exact"`` when observed < 10, else
        ``"Byars"``).

    Raises
    ------
    InvalidInputError
        Negative counts or populations, reference vectors whose length differs from a group's rows, missing
        or non-positive reference populations, bad confidence or reference value.

    Notes
    -----
    ``E = Σ_i (x_ref,i / n_ref,i) · n_i``; ``value = O/E × reference_value``; limits ``O_L/E``, ``O_U/E`` ×
    ``reference_value``, with exact Poisson limits of ``O`` (χ², Ulm 1990) when ``O < 10`` and Byar's
    approximation (Breslow & Day 1987) otherwise.

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, vol II. Lyon: IARC; 1987. Ulm K. Am J Epidemiol
    1990;131:373-5. PHEindicatormethods 2.1.0 ``calculate_ISRatio``.
    """

isr.__doc__ = f"""Indirectly standardised rate: observed / expected events × the reference (crude) rate.
{_PARAMS}
    multiplier : float, default 100_000
        Rate per ``multiplier`` population.

    Returns
    -------
    DataFrame
        Group columns, ``observed``, ``expected``, ``ref_rate`` (``Σx_ref / Σn_ref × multiplier`` over the
        group's reference rows), ``value``, the limits, ``confidence``, ``statistic``
        (``"indirectly standardised rate per 100000"``) and ``method`` (``"Exact"``/``"Byars"``).

    Raises
    ------
    InvalidInputError
        As for :func:`smr`, plus a bad multiplier.

    Notes
    -----
    ``value = O/E × ref_rate``; limits ``O_L/E × ref_rate`` and ``O_U/E × ref_rate`` (exact Poisson for
    ``O < 10``, Byar's otherwise).

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, vol II. Lyon: IARC; 1987. PHEindicatormethods
    2.1.0 ``calculate_ISRate``.
    """
