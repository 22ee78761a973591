"""Slope and relative index of inequality across deprivation quantiles, with Monte-Carlo confidence limits.

Owns :func:`slope_index_of_inequality` — Low & Low (2004) as used by OHID Fingertips and PHEindicatormethods
``phe_sii``: a population-weighted regression of the indicator on the mid-point rank of each quantile, and
confidence limits from simulating the quantile values from their standard errors.

Vectorised over groups: the point estimate is a closed-form weighted least squares computed for every group at
once, and the simulation draws (groups x repetitions x quantiles) normal deviates in chunks of bounded memory
(``MEMORY_BUDGET_BYTES``), turning each chunk into intercepts and slopes with one batched matrix product.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from ..errors import HealthIntelWarning, InvalidInputError, SuppressionWarning, describe_rows
from ._common import (
    Confidence, Groups, as_list, grouper, numeric, parse_confidence, require_columns, suffix,
)

__all__ = ["slope_index_of_inequality", "VALUE_TYPES"]

#: Accepted ``value_type`` values and PHEindicatormethods' codes for them.
VALUE_TYPES = {"other": 0, "rate": 1, "proportion": 2}
_TRANSFORM_NAME = {0: "none", 1: "log", 2: "logit"}

#: Upper bound on the memory used by one chunk of simulated values (bytes).
MEMORY_BUDGET_BYTES = 200 * 1024**2
MIN_REPETITIONS = 1000
Z95 = 1.959963984540054  # supplied confidence limits are always taken as 95% limits
STATISTIC = "Slope index of inequality"
INCOMPLETE = "incomplete or invalid data (a quantile missing, duplicated, or with a missing value)"


def _g(x: np.ndarray, kind: int) -> np.ndarray:
    """The working scale: identity (other), log (rate) or logit (proportion)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == 1:
            return np.log(x)
        if kind == 2:
            return logit(x)
    return x


def _g_inverse(x: np.ndarray, kind: int, out=None) -> np.ndarray:
    if kind == 1:
        return np.exp(x, out=out)
    if kind == 2:
        return expit(x, out=out)
    return x


def _value_type_code(value_type) -> int:
    if isinstance(value_type, str) and value_type in VALUE_TYPES:
        return VALUE_TYPES[value_type]
    if isinstance(value_type, (int, np.integer)) and not isinstance(value_type, bool) and value_type in (0, 1, 2):
        return int(value_type)
    raise InvalidInputError(
        f"value_type must be 'other', 'rate' or 'proportion' (PHEindicatormethods' 0, 1, 2); got {value_type!r}."
    )


def _quantile_order(column: pd.Series) -> tuple[np.ndarray, list]:
    """Rank of each row's quantile label among the sorted distinct labels (-1 where missing), and the labels.

    Numbers sort numerically, ordered categoricals by their order; text labels that are all numbers sort as
    numbers ("2" before "10"), other text lexically.
    """
    if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.ordered:
        codes = column.cat.remove_unused_categories().cat.codes.to_numpy()
        labels = list(column.cat.remove_unused_categories().cat.categories)
        return codes.astype(np.int64), labels
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        key = column.to_numpy(dtype=float, na_value=np.nan)
    else:
        as_text = column.astype(object).where(column.notna(), None)
        parsed = pd.to_numeric(as_text, errors="coerce")
        if (parsed.notna() == column.notna()).all():
            key = parsed.to_numpy(dtype=float, na_value=np.nan)
        else:
            text = np.array([None if v is None else str(v) for v in as_text], dtype=object)
            present = text != None  # noqa: E711
            labels = sorted(set(text[present]))
            lookup = {v: i for i, v in enumerate(labels)}
            return np.array([lookup[v] if v is not None else -1 for v in text], dtype=np.int64), labels
    present = ~np.isnan(key)
    uniques = np.unique(key[present])
    rank = np.full(len(key), -1, dtype=np.int64)
    rank[present] = np.searchsorted(uniques, key[present])
    labels = [column[present].iloc[np.flatnonzero(key[present] == u)[0]] for u in uniques]
    return rank, labels


def _order_positions(repetitions: int, conf: Confidence) -> list[tuple[int, int]]:
    """0-based positions of the lower/upper order statistics, R's ``round(R (1 -/+ c) / 2)`` (half to even)."""
    out = []
    for c in conf.levels:
        lo = round(repetitions * (1 - c) / 2)
        hi = round(repetitions * (1 + c) / 2)
        out.append((max(lo, 1) - 1, min(hi, repetitions) - 1))
    return out


def _order_statistics(samples: np.ndarray, positions: list[tuple[int, int]]) -> np.ndarray:
    """Order statistics along the last axis: shape ``samples.shape[:-1] + (levels, 2)``."""
    kth = sorted({p for pair in positions for p in pair})
    part = np.partition(samples, kth, axis=-1)
    idx = np.array(positions)
    return part[..., idx]


def slope_index_of_inequality(
    data: pd.DataFrame,
    quantile: str,
    population: str,
    *,
    value: str | None = None,
    numerator: str | None = None,
    se: str | None = None,
    lower_ci: str | None = None,
    upper_ci: str | None = None,
    value_type: str = "other",
    transform: bool = False,
    multiplier: float = 1,
    repetitions: int = 100_000,
    confidence=0.95,
    rii: bool = False,
    by=None,
    seed=None,
    intercept: bool = False,
    reliability_stat: bool = False,
    incomplete: str = "drop",
    quantiles=None,
) -> pd.DataFrame:
    """Slope index of inequality (and optionally the relative index) per group, with simulated limits.

    Parameters
    ----------
    data : DataFrame
        One row per group x quantile (e.g. area x deprivation decile).
    quantile : str
        Quantile label column; quantile 1 (the lowest label) must be the **most deprived**. Numbers sort
        numerically; every group needs each label found anywhere in ``data`` exactly once.
    population : str
        Population of each quantile (> 0); it sets each quantile's weight and mid-point rank.
    value : str, optional
        The indicator value per quantile. For ``value_type="proportion"`` it may be left out and ``numerator``
        given instead (value = numerator / population).
    numerator : str, optional
        Count with the attribute (PHEindicatormethods ``x``); only used when ``value`` is not given.
    se : str, optional
        Standard error of the value **on the working scale** (log rate, logit proportion). Give either ``se`` or
        both ``lower_ci`` and ``upper_ci``.
    lower_ci, upper_ci : str, optional
        The value's **95%** confidence limits; the SE is ``(g(upper) - g(lower)) / (2 x 1.959964)`` with ``g``
        the working scale.
    value_type : {"other", "rate", "proportion"}, default "other"
        Working scale for the simulation: identity, log or logit (PHEindicatormethods' 0, 1, 2). Life
        expectancy is "other".
    transform : bool, default False
        Fit the regression on the log/logit scale (rates and proportions only; needs the CIs, not ``se``).
    multiplier : float, default 1
        Scales the SII (e.g. 100 for percentages, 100000 for rates per 100,000). A negative multiplier flips the
        sign of the SII and inverts the RII (use it when a higher value is better).
    repetitions : int, default 100000
        Monte-Carlo repetitions (at least 1,000).
    confidence : float or (0.95, 0.998), default 0.95
        Level(s) of the simulated limits.
    rii : bool, default False
        Also return the relative index of inequality and its limits.
    by : str or list of str, optional
        Group columns (e.g. area code, sex); one SII per group.
    seed : int or numpy SeedSequence, optional
        Seeds numpy's random generator so the limits are reproducible. Groups are simulated in sorted order of
        their keys, so the input's row order does not change the result.
    intercept : bool, default False
        Also return the fitted value at rank 0 (the most deprived end), as PHEindicatormethods does.
    reliability_stat : bool, default False
        Simulate 10 x ``repetitions``; limits come from the first block and ``sii_mad`` (``rii_mad``) give the
        mean absolute difference of the other nine blocks' limits from them.
    incomplete : {"drop", "na"}, default "drop"
        What happens to a group that lacks a quantile, has one twice, or has a missing (suppressed) value, SE or
        confidence limit: ``"drop"`` leaves it out with one warning (PHEindicatormethods); ``"na"`` keeps its row
        with NA SII and limits and says why in a ``suppression_reason`` column (one warning), so that no period
        or area silently disappears from a report.
    quantiles : sequence, optional
        The quantile labels every group must have (e.g. ``range(1, 11)`` for deciles). By default the labels
        found anywhere in ``data``; give them so that a label missing from *every* group (e.g. a decile
        suppressed everywhere) is not mistaken for a complete set of fewer quantiles. Labels outside this set are
        an error.

    Returns
    -------
    DataFrame
        One row per group (first-appearance order): group columns, ``sii``, ``sii_lower_ci``,
        ``sii_upper_ci`` (``sii_lower_ci_95_0`` ... for two levels), then with ``rii=True`` ``rii``,
        ``rii_lower_ci``, ``rii_upper_ci``; with ``reliability_stat`` ``sii_mad`` (``sii_mad_95_0`` ...) and
        ``rii_mad``; with ``intercept=True`` ``intercept``; then ``confidence``, ``statistic``, ``method``.

    Warns
    -----
    SuppressionWarning
        Once, when groups are dropped because a quantile is missing, duplicated or has a missing value.
    HealthIntelWarning
        When there are more than 10 quantiles (small quantiles make the SII unstable).

    Raises
    ------
    InvalidInputError
        In PHEindicatormethods' order: a missing value/numerator, missing se/CIs, a bad value_type, multiplier,
        repetitions (< 1,000), transform without CIs or with se or for "other", confidence, non-numeric
        columns, population <= 0 or missing, se < 0 or missing, missing CIs, proportions outside [0, 1],
        numerator <= 0, rates or their limits <= 0 on the log scale, fewer than 5 or more than 100 quantiles.

    Notes
    -----
    Within a group, quantile ``i`` (sorted, 1 = most deprived) has population share ``a_i`` and mid-point rank
    ``b_i = sum_{j<i} a_j + a_i / 2``. Weighted least squares of ``y`` on ``b`` with weights ``a`` (the
    ``sqrt(a)`` regression of Low & Low) gives intercept ``alpha`` and slope ``beta``. Without ``transform``:
    SII = multiplier x beta, RII = (alpha + beta) / alpha (inverted when multiplier < 0), intercept = alpha.
    With ``transform``, ``y = g(value)`` and SII = (g^-1(alpha + beta) - g^-1(alpha)) x multiplier,
    RII = g^-1(alpha + beta) / g^-1(alpha), intercept = g^-1(alpha) x |multiplier|.

    Limits: each repetition draws ``g(value_i) + se_i Z`` for every quantile (back-transformed unless
    ``transform``), refits, and the limits are the order statistics ``round(R (1 -/+ c) / 2)`` of the replicate
    SIIs (RIIs). With ``transform`` the slope's order statistics are pivoted about the fitted mid-point
    ``alpha + beta / 2``. A different random generator cannot reproduce R's draws: limits agree with
    PHEindicatormethods to Monte-Carlo error (~0.01 years for life expectancy at 100,000 repetitions), point
    estimates exactly.

    Deliberate differences from PHEindicatormethods 2.1.0: text quantile labels that are all numbers sort as
    numbers (R sorts "10" before "2"); the lower/upper swap for a negative multiplier with log-transformed rates
    tests ``multiplier < 0`` (R tests ``< 1``); groups with a missing value are dropped with the warning rather
    than silently fitted on fewer quantiles.

    References
    ----------
    Low A, Low A. Measuring the gap: quantifying and comparing local health inequalities. *J Public Health*
    2004;26:388-395. Public Health England, *Technical Guide: Calculating the slope index of inequality* (2018).
    PHEindicatormethods 2.1.0, ``phe_sii``.
    """
    if incomplete not in ("drop", "na"):
        raise InvalidInputError(f"incomplete must be 'drop' or 'na'; got {incomplete!r}.")
    if incomplete == "na" or quantiles is not None:
        return _sii_with_reasons(
            data, quantile, population, quantiles=quantiles, drop=incomplete == "drop",
            kwargs=dict(value=value, numerator=numerator, se=se, lower_ci=lower_ci, upper_ci=upper_ci,
                        value_type=value_type, transform=transform, multiplier=multiplier, repetitions=repetitions,
                        confidence=confidence, rii=rii, by=by, seed=seed, intercept=intercept,
                        reliability_stat=reliability_stat),
        )
    # Named steps, in PHEindicatormethods' order of checks: arguments (1-10), columns (11-15), quantiles (16),
    # complete groups (17), then the grid, the weighted fit, the simulated limits and the output frame.
    kind, repetitions, conf = _check_arguments(
        data, quantile, population, value=value, numerator=numerator, se=se, lower_ci=lower_ci, upper_ci=upper_ci,
        by=by, value_type=value_type, transform=transform, multiplier=multiplier, repetitions=repetitions,
        confidence=confidence,
    )
    cols = _read_columns(
        data, quantile, population, value=value, numerator=numerator, se=se, lower_ci=lower_ci, upper_ci=upper_ci,
        by=by, kind=kind, transform=transform,
    )
    qrank, qlabels = _check_quantiles(data, quantile)
    groups = grouper(data, by)
    gv, se_v = _working_scale(cols, kind)
    keep, rows, flat = _complete_groups(groups, qrank, qlabels, cols.val, se_v)
    grid = _Grid(rows, flat, (len(keep), len(qlabels)))
    pop_g, val_g, y_work, se_g = grid(cols.pop), grid(cols.val), grid(gv), grid(se_v)
    fit = _weighted_fit(pop_g, y_work if transform else val_g)
    points = _point_estimates(fit, kind=kind, transform=transform, multiplier=multiplier)
    kept_keys = groups.keys.iloc[keep].reset_index(drop=True)
    sii_lim, rii_lim = _simulated_limits(
        fit, y_work, se_g, kind=kind, transform=transform, multiplier=multiplier, repetitions=repetitions,
        conf=conf, rii=rii, reliability_stat=reliability_stat, seed=seed,
        order=_simulation_order(kept_keys, groups.by),
    )
    out = kept_keys if groups.by else pd.DataFrame(index=range(len(keep)))
    return _assemble(
        out, points, sii_lim, rii_lim, conf=conf, kind=kind, transform=transform, multiplier=multiplier,
        repetitions=repetitions, rii=rii, reliability_stat=reliability_stat, intercept=intercept,
    )


# ---------------------------------------------------------------------------------------------- NA with reasons
def _sii_with_reasons(data, quantile, population, *, quantiles, drop: bool, kwargs: dict) -> pd.DataFrame:
    """Every group of ``data``: the SII of complete groups, NA and a ``suppression_reason`` for the others.

    A group is complete when it has each expected quantile label exactly once, with a value (or numerator), a
    population and its SE or both limits. Incomplete groups are never fitted on the quantiles they have.
    """
    by = as_list(kwargs["by"])
    _check_arguments(
        data, quantile, population, value=kwargs["value"], numerator=kwargs["numerator"], se=kwargs["se"],
        lower_ci=kwargs["lower_ci"], upper_ci=kwargs["upper_ci"], by=by, value_type=kwargs["value_type"],
        transform=kwargs["transform"], multiplier=kwargs["multiplier"], repetitions=kwargs["repetitions"],
        confidence=kwargs["confidence"],
    )
    groups = grouper(data, by)
    labels = data[quantile]
    expected = pd.Index(pd.unique(labels.dropna())) if quantiles is None else pd.Index(list(quantiles))
    if not 5 <= len(expected) <= 100:
        raise InvalidInputError(
            f"quantile column {quantile!r}: the SII needs between 5 and 100 quantiles (e.g. deciles 1-10 or "
            f"quintiles 1-5); got {len(expected)}: {list(expected)[:12]}."
        )
    unknown = labels.notna().to_numpy() & ~labels.isin(expected).to_numpy()
    if unknown.any():
        raise InvalidInputError(
            f"quantile column {quantile!r} has labels outside quantiles={list(expected)} in "
            f"{describe_rows(data, unknown, by + [quantile])}. Fix the labels or the quantiles= argument."
        )
    present, finite = _rows_with_values(data, population, kwargs)
    present &= labels.notna().to_numpy()
    reasons = _incomplete_reasons(groups, expected.get_indexer(labels), present, finite, list(expected))
    complete = reasons == ""
    if drop:
        reasons[:] = ""
    rows = complete[groups.codes]
    if complete.any():
        fitted = slope_index_of_inequality(data.loc[rows], quantile, population, **kwargs)
    else:
        fitted = _empty_result(kwargs, by)
    fitted.index = np.flatnonzero(complete)
    full = fitted.reindex(range(groups.n) if not drop else np.flatnonzero(complete))
    for c in by:
        full[c] = groups.keys[c].to_numpy()[full.index] if len(full) else groups.keys[c].iloc[:0]
    labels_text = _labels(parse_confidence(kwargs["confidence"]), _value_type_code(kwargs["value_type"]),
                          kwargs["transform"], kwargs["multiplier"], int(kwargs["repetitions"]), kwargs["rii"])
    for c, text in labels_text.items():
        full[c] = text
    full = full.reset_index(drop=True)
    if drop:
        if not complete.all():
            _warn_dropped(groups.keys.loc[~complete], int((~complete).sum()), groups.n, list(expected))
        return full
    full["suppression_reason"] = pd.array([None if ok else r for ok, r in zip(complete, reasons)], dtype="string")
    if not complete.all():
        warnings.warn(
            f"slope_index_of_inequality: {int((~complete).sum())} of {groups.n} group(s) have incomplete data "
            "(a quantile missing, duplicated or with a suppressed/missing value): their SII is NA (see the "
            "suppression_reason column).",
            SuppressionWarning,
            stacklevel=3,
        )
    return full


def _rows_with_values(data, population, kwargs) -> tuple[np.ndarray, np.ndarray]:
    """Rows with a value (or numerator), a population and a spread (SE, or both limits); and, of those, rows
    whose value and limits are finite on the working scale (a proportion of 0 or 1 is not, on the logit scale)."""
    present = data[population].notna().to_numpy().copy()
    present &= data[kwargs["value"] or kwargs["numerator"]].notna().to_numpy()
    spread = [kwargs["se"]] if kwargs["se"] is not None else [kwargs["lower_ci"], kwargs["upper_ci"]]
    for col in spread:
        present &= data[col].notna().to_numpy()
    finite = np.ones(len(data), dtype=bool)
    if _value_type_code(kwargs["value_type"]) == 2 and kwargs["value"] is not None:
        for col in [kwargs["value"]] + ([] if kwargs["se"] is not None else spread):
            v = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(invalid="ignore"):
                finite &= ~((v <= 0) | (v >= 1))
    return present, finite


def _incomplete_reasons(groups: Groups, label_pos: np.ndarray, present: np.ndarray, finite: np.ndarray,
                        expected: list) -> np.ndarray:
    """Per group: "" when complete, else which quantiles are missing, duplicated, without a value, or 0/1."""
    k = len(expected)
    labelled = label_pos >= 0

    def per_cell(mask):
        return np.bincount(groups.codes[mask] * k + label_pos[mask], minlength=groups.n * k).reshape(groups.n, k)

    rows_per = per_cell(labelled)
    ok_per = per_cell(labelled & present)
    fin_per = per_cell(labelled & present & finite)
    reasons = np.full(groups.n, "", dtype=object)
    bad = np.flatnonzero(((rows_per != 1) | (ok_per != 1) | (fin_per != 1)).any(axis=1))
    for g in bad:  # only the incomplete groups: a few words each
        parts = []
        single = rows_per[g] == 1
        for what, mask in (("no row for quantile(s)", rows_per[g] == 0),
                           ("more than one row for quantile(s)", rows_per[g] > 1),
                           ("a suppressed or missing value for quantile(s)", single & (ok_per[g] == 0)),
                           ("a proportion (or limit) of 0 or 1, infinite on the logit scale, for quantile(s)",
                            single & (ok_per[g] == 1) & (fin_per[g] == 0))):
            if mask.any():
                parts.append(f"{what} {[expected[j] for j in np.flatnonzero(mask)]}")
        reasons[g] = "incomplete data: " + "; ".join(parts)
    return reasons


def _empty_result(kwargs: dict, by: list) -> pd.DataFrame:
    """A zero-row result with the columns :func:`slope_index_of_inequality` would return."""
    conf = parse_confidence(kwargs["confidence"])
    kind = _value_type_code(kwargs["value_type"])
    blocks, levels = (10 if kwargs["reliability_stat"] else 1), len(conf.levels)
    empty = np.empty(0)
    lim = np.empty((0, blocks, levels, 2))
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in by})
    return _assemble(
        out, (empty, empty, empty), lim, lim if kwargs["rii"] else None, conf=conf, kind=kind,
        transform=kwargs["transform"], multiplier=kwargs["multiplier"], repetitions=int(kwargs["repetitions"]),
        rii=kwargs["rii"], reliability_stat=kwargs["reliability_stat"], intercept=kwargs["intercept"],
    )


# ---------------------------------------------------------------------------------------------- 1-10: arguments
def _check_arguments(
    data, quantile, population, *, value, numerator, se, lower_ci, upper_ci, by, value_type, transform, multiplier,
    repetitions, confidence,
) -> tuple[int, int, Confidence]:
    """PHEindicatormethods' argument checks 1-10, in its order: the value type code, repetitions and levels."""
    require_columns(
        data, quantile=quantile, population=population, value=value, numerator=numerator, se=se,
        lower_ci=lower_ci, upper_ci=upper_ci, by=by,
    )
    has_cis = lower_ci is not None and upper_ci is not None
    _check_value_and_spread(value, numerator, se, has_cis)
    kind = _value_type_code(value_type)
    if value is None and kind != 2:
        raise InvalidInputError(
            "numerator= without value= only works for value_type='proportion'; give value= for other indicators."
        )
    _check_multiplier_and_repetitions(multiplier, repetitions)
    _check_transform(transform, kind, se, has_cis)
    return kind, int(repetitions), parse_confidence(confidence)


def _check_value_and_spread(value, numerator, se, has_cis: bool) -> None:
    if value is None and numerator is None:
        raise InvalidInputError(
            "slope_index_of_inequality needs value= (the indicator column), or numerator= when value_type is "
            "'proportion' (value = numerator / population)."
        )
    if se is None and not has_cis:
        raise InvalidInputError(
            "slope_index_of_inequality needs either se= (standard errors) or both lower_ci= and upper_ci= "
            "(95% confidence limits) to simulate the confidence interval."
        )


def _check_multiplier_and_repetitions(multiplier, repetitions) -> None:
    for name, arg in (("multiplier", multiplier), ("repetitions", repetitions)):
        if isinstance(arg, bool) or not isinstance(arg, (int, float, np.integer, np.floating)) or not np.isfinite(arg):
            raise InvalidInputError(f"{name} must be a finite number; got {arg!r}.")
    if multiplier == 0:
        raise InvalidInputError("multiplier must not be 0; use 1 (or -1 to reverse the polarity).")
    if repetitions < MIN_REPETITIONS or int(repetitions) != repetitions:
        raise InvalidInputError(
            f"repetitions must be a whole number of at least {MIN_REPETITIONS:,} (default 100,000); "
            f"got {repetitions!r}."
        )


def _check_transform(transform: bool, kind: int, se, has_cis: bool) -> None:
    if not transform:
        return
    if kind == 0:
        raise InvalidInputError("transform=True needs value_type 'rate' or 'proportion'; 'other' is never transformed.")
    if se is not None:
        raise InvalidInputError(
            "transform=True takes the standard error from lower_ci/upper_ci on the log/logit scale; drop se=."
        )
    if not has_cis:
        raise InvalidInputError("transform=True needs both lower_ci= and upper_ci= (95% confidence limits).")


# ---------------------------------------------------------------------------------------------- 11-15: columns
@dataclass
class _Columns:
    """The numeric input columns (``val`` derived from the numerator for proportions given as counts)."""

    pop: np.ndarray
    val: np.ndarray
    se: np.ndarray | None
    lo: np.ndarray | None
    hi: np.ndarray | None


class _RowCheck:
    """Raises an error naming the offending rows (with the group, quantile and the columns concerned)."""

    def __init__(self, data: pd.DataFrame, keys: list, quantile: str) -> None:
        self.data, self.keys, self.quantile = data, keys, quantile

    def __call__(self, mask, columns: list, message: str) -> None:
        if np.any(mask):
            described = describe_rows(self.data, mask, self.keys + [self.quantile] + columns)
            raise InvalidInputError(f"{message} in {described}.")


def _read_columns(
    data, quantile, population, *, value, numerator, se, lower_ci, upper_ci, by, kind, transform,
) -> _Columns:
    """PHEindicatormethods' data checks 11-15: numeric columns, populations, SEs, limits and value ranges."""
    has_cis = lower_ci is not None and upper_ci is not None
    pop = numeric(data, population, arg="population")
    val = _optional_numeric(data, value, "value")
    num = _optional_numeric(data, numerator if value is None else None, "numerator")
    se_v = _optional_numeric(data, se, "se")
    lo_v = _optional_numeric(data, lower_ci if has_cis else None, "lower_ci")
    hi_v = _optional_numeric(data, upper_ci if has_cis else None, "upper_ci")
    fail = _RowCheck(data, as_list(by), quantile)
    for arr, column in ((pop, population), (val, value), (num, numerator), (se_v, se), (lo_v, lower_ci),
                        (hi_v, upper_ci)):
        if arr is not None:
            fail(np.isinf(arr), [column], f"column {column!r} must not have infinite values; correct them")
    if lo_v is not None and hi_v is not None:
        with np.errstate(invalid="ignore"):
            fail(lo_v > hi_v, [lower_ci, upper_ci], "lower_ci is above upper_ci (the limits look swapped); pass "
                 "the lower and upper limit columns the right way round")
    fail(~(pop > 0), [population], f"population column {population!r} must be greater than 0 with no missing "
         "values (an SII needs every quantile populated); fix or remove the groups")
    if se_v is not None:
        fail(~(se_v >= 0), [se], f"se column {se!r} must be non-negative with no missing values; supply the "
             "standard errors or use lower_ci/upper_ci instead")
    cis = (lo_v, hi_v) if lo_v is not None and hi_v is not None and se_v is None else None
    if cis is not None:
        fail(np.isnan(cis[0]) | np.isnan(cis[1]), [lower_ci, upper_ci],
             "confidence limit columns must have no missing values; supply them or give se=")
    if kind == 2:
        val = _check_proportions(fail, val, num, pop, cis, value=value, numerator=numerator, lower_ci=lower_ci,
                                 upper_ci=upper_ci)
    assert val is not None  # value is required unless value_type is "proportion" (checked with the arguments)
    if kind == 1:
        _check_rates(fail, val, cis, transform=transform, has_se=se_v is not None, value=value, lower_ci=lower_ci,
                     upper_ci=upper_ci)
    return _Columns(pop, val, se_v, lo_v, hi_v)


def _optional_numeric(data: pd.DataFrame, column: str | None, arg: str) -> np.ndarray | None:
    return None if column is None else numeric(data, column, arg=arg)


def _check_proportions(fail, val, num, pop, cis, *, value, numerator, lower_ci, upper_ci) -> np.ndarray | None:
    """Proportions (and their limits) within [0, 1]; the value derived from a positive numerator if not given."""
    if val is not None:
        fail((val < 0) | (val > 1), [value], f"value column {value!r} holds proportions and must lie between 0 "
             "and 1; divide percentages by 100")
    if cis is not None:
        lo_v, hi_v = cis
        fail((lo_v < 0) | (lo_v > 1) | (hi_v < 0) | (hi_v > 1), [lower_ci, upper_ci],
             "confidence limits of a proportion must lie between 0 and 1; divide percentages by 100")
    if num is not None:
        fail(~(num > 0), [numerator], f"numerator column {numerator!r} must be greater than 0 with no missing "
             "values to derive a proportion")
        val = num / pop
    return val


def _check_rates(fail, val, cis, *, transform, has_se, value, lower_ci, upper_ci) -> None:
    """Rates (and their limits) must be positive wherever they are taken on the log scale."""
    if transform or not has_se:
        fail(val <= 0, [value], f"value column {value!r} holds rates, which must be greater than 0 on the log "
             "scale; remove zero rates or use value_type='other'")
    if cis is not None:
        lo_v, hi_v = cis
        fail((lo_v <= 0) | (hi_v <= 0), [lower_ci, upper_ci],
             "confidence limits of a rate must be greater than 0 on the log scale; use se= or value_type='other'")


# ---------------------------------------------------------------------------------------------- 16-17: quantiles
def _check_quantiles(data: pd.DataFrame, quantile: str) -> tuple[np.ndarray, list]:
    """Check 16: between 5 and 100 distinct quantile labels (a warning above 10); each row's rank and the labels."""
    qrank, qlabels = _quantile_order(data[quantile])
    n_q = len(qlabels)
    if n_q < 5 or n_q > 100:
        raise InvalidInputError(
            f"quantile column {quantile!r} has {n_q} distinct labels {qlabels[:12]}; the SII needs between 5 and "
            "100 quantiles (e.g. deciles 1-10 or quintiles 1-5)."
        )
    if n_q > 10:
        warnings.warn(
            f"slope_index_of_inequality: {n_q} quantiles; small quantiles can make the SII unstable.",
            HealthIntelWarning,
            stacklevel=3,  # the caller of slope_index_of_inequality
        )
    return qrank, qlabels


def _working_scale(cols: _Columns, kind: int) -> tuple[np.ndarray, np.ndarray]:
    """The values on the working scale and their standard errors (from the 95% limits when no se= is given)."""
    gv = _g(cols.val, kind)
    se_v = cols.se
    if se_v is None:
        assert cols.lo is not None and cols.hi is not None  # se= or both limits (checked with the arguments)
        with np.errstate(invalid="ignore"):
            se_v = (_g(cols.hi, kind) - _g(cols.lo, kind)) / (2 * Z95)
    return gv, se_v


def _complete_groups(
    groups: Groups, qrank: np.ndarray, qlabels: list, val: np.ndarray, se_v: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check 17: groups with exactly one complete row per quantile (others dropped with one warning).

    Returns the kept groups' codes, the rows that feed the grid and each such row's flat (group, quantile) cell.
    """
    n_q, n_groups = len(qlabels), groups.n
    present = qrank >= 0
    row_ok = present & ~np.isnan(val) & ~np.isnan(se_v)
    cell = groups.codes * n_q + np.where(present, qrank, 0)
    size = n_groups * n_q
    rows_per_cell = np.bincount(cell[present], minlength=size).reshape(n_groups, n_q)
    bad_rows = np.bincount(groups.codes[~row_ok], minlength=n_groups)
    complete = (rows_per_cell == 1).all(axis=1) & (bad_rows == 0)
    if not complete.all():
        _warn_dropped(groups.keys.loc[~complete], int((~complete).sum()), n_groups, qlabels)
    keep = np.flatnonzero(complete)
    new_index = np.full(n_groups, -1)
    new_index[keep] = np.arange(len(keep))
    rows = np.flatnonzero(complete[groups.codes] & present)
    flat = new_index[groups.codes[rows]] * n_q + qrank[rows]
    return keep, rows, flat


def _warn_dropped(dropped: pd.DataFrame, n_dropped: int, n_groups: int, qlabels: list) -> None:
    shown = "; ".join(
        ", ".join(f"{c}={v!r}" for c, v in row.items()) for _, row in dropped.head(5).iterrows()
    ) or "all data"
    warnings.warn(
        f"slope_index_of_inequality: {n_dropped} of {n_groups} group(s) dropped for "
        f"{INCOMPLETE}; each group needs one row for each of the {len(qlabels)} quantiles {qlabels[:12]} "
        f"({shown}{' ...' if len(dropped) > 5 else ''}).",
        SuppressionWarning,
        stacklevel=4,  # the caller of slope_index_of_inequality
    )


class _Grid:
    """Scatters per-row values of the kept groups into a (groups, quantiles) array, quantiles in rank order."""

    def __init__(self, rows: np.ndarray, flat: np.ndarray, shape: tuple[int, int]) -> None:
        self.rows, self.flat, self.shape = rows, flat, shape

    def __call__(self, x: np.ndarray) -> np.ndarray:
        out = np.empty(self.shape[0] * self.shape[1])
        out[self.flat] = x[self.rows]
        return out.reshape(self.shape)


# ---------------------------------------------------------------------------------------------- point estimate
@dataclass
class _Fit:
    """Closed-form weighted least squares of every group: weights giving alpha and beta, and their values."""

    icpt_w: np.ndarray
    slope_w: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray


def _weighted_fit(pop_g: np.ndarray, y_fit: np.ndarray) -> _Fit:
    share = pop_g / pop_g.sum(axis=1, keepdims=True)
    rank_mid = np.cumsum(share, axis=1) - share / 2
    mean_b = (share * rank_mid).sum(axis=1, keepdims=True)
    var_b = (share * (rank_mid - mean_b) ** 2).sum(axis=1, keepdims=True)
    slope_w = share * (rank_mid - mean_b) / var_b  # beta = sum(slope_w * y)
    icpt_w = share - mean_b * slope_w  # alpha = sum(icpt_w * y)
    alpha = (icpt_w * y_fit).sum(axis=1)
    beta = (slope_w * y_fit).sum(axis=1)
    return _Fit(icpt_w, slope_w, alpha, beta)


def _point_estimates(fit: _Fit, *, kind: int, transform: bool, multiplier) -> tuple[np.ndarray, ...]:
    """SII, RII and intercept of every group from the fitted intercept and slope."""
    alpha, beta = fit.alpha, fit.beta
    with np.errstate(divide="ignore", invalid="ignore"):
        if transform:
            y0, y1 = _g_inverse(alpha, kind), _g_inverse(alpha + beta, kind)
            sii_point = (y1 - y0) * multiplier
            rii_point = y1 / y0
            icpt_point = y0 * abs(multiplier)
        else:
            sii_point = beta * multiplier
            rii_point = (alpha + beta) / alpha
            icpt_point = alpha
        if multiplier < 0:
            rii_point = 1 / rii_point
    return sii_point, rii_point, icpt_point


# ---------------------------------------------------------------------------------------------- simulated limits
def _simulated_limits(
    fit: _Fit, y_work, se_g, *, kind, transform, multiplier, repetitions, conf, rii, reliability_stat, seed, order,
) -> tuple[np.ndarray, np.ndarray | None]:
    """SII and RII order statistics, shape (groups, blocks, levels, 2) (the RII's None unless computed)."""
    blocks = 10 if reliability_stat else 1
    positions = _order_positions(repetitions, conf)
    coef = np.stack([fit.icpt_w, fit.slope_w], axis=-1)  # (groups, quantiles, 2)
    sim = _simulate(
        y_work, se_g, coef, kind=kind, transform=transform, multiplier=multiplier, blocks=blocks,
        repetitions=repetitions, positions=positions, want_rii=rii, seed=seed, order=order,
    )
    # sim["sii"]/["rii"]: (groups, blocks, levels, 2) order statistics, or slope order statistics if transform
    if not transform:
        return sim["sii"], sim.get("rii")
    mid = (fit.alpha + fit.beta / 2)[:, None, None, None]
    half = sim["beta"] / 2
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        lo_y, hi_y = _g_inverse(mid - half, kind), _g_inverse(mid + half, kind)
        sii_lim = (hi_y - lo_y) * multiplier
        rii_lim = hi_y / lo_y
        if multiplier < 0:
            sii_lim = sii_lim[..., ::-1]
            rii_lim = 1 / rii_lim[..., ::-1]
    return sii_lim, rii_lim


# ---------------------------------------------------------------------------------------------- output
def _assemble(
    out: pd.DataFrame, points, sii_lim, rii_lim, *, conf, kind, transform, multiplier, repetitions, rii,
    reliability_stat, intercept,
) -> pd.DataFrame:
    """The result frame: group keys, SII (and RII) with limits, reliability, intercept, labels."""
    sii_point, rii_point, icpt_point = points
    _limit_columns(out, "sii", sii_point, sii_lim, conf)
    if rii:
        _limit_columns(out, "rii", rii_point, rii_lim, conf)
    if reliability_stat:
        for stat, lim in (("sii", sii_lim), ("rii", rii_lim)) if rii else (("sii", sii_lim),):
            mad = np.abs(lim[:, 1:] - lim[:, :1]).mean(axis=(1, 3))  # (groups, levels)
            for li, c in enumerate(conf.levels):
                name = f"{stat}_mad" if len(conf.levels) == 1 else f"{stat}_mad_{suffix(c)}"
                out[name] = mad[:, li]
    if intercept:
        out["intercept"] = icpt_point
    for name, text in _labels(conf, kind, transform, multiplier, repetitions, rii).items():
        out[name] = text
    return out


def _labels(conf: Confidence, kind: int, transform: bool, multiplier, repetitions: int, rii: bool) -> dict:
    """The ``confidence``, ``statistic`` and ``method`` texts of a result."""
    type_name = {0: "other", 1: "rate", 2: "proportion"}[kind]
    return {
        "confidence": conf.label,
        "statistic": STATISTIC + (" and relative index of inequality" if rii else ""),
        "method": (
            "Low & Low (2004) population-weighted regression on mid-point ranks; Monte Carlo limits from "
            f"{repetitions:,} repetitions; {type_name} indicator, "
            f"{_TRANSFORM_NAME[kind] + ' transform' if transform else 'no transform'}, multiplier {multiplier:g}"
        ),
    }


def _limit_columns(out: pd.DataFrame, stat: str, point, lim, conf: Confidence) -> None:
    out[stat] = point
    for li, (lo_name, hi_name) in enumerate(conf.prefixed(stat)):
        out[lo_name] = lim[:, 0, li, 0]
        out[hi_name] = lim[:, 0, li, 1]


def _simulation_order(keys: pd.DataFrame, by: list) -> np.ndarray:
    """Groups in sorted key order, so the random draws a group gets do not depend on the input's row order."""
    if not by or len(keys) == 0:
        return np.arange(len(keys))
    try:
        return keys.sort_values(list(by), kind="stable", na_position="last").index.to_numpy()
    except TypeError:  # unorderable mixed keys: fall back to first appearance
        return np.arange(len(keys))


def _simulate(
    y_work, se, coef, *, kind, transform, multiplier, blocks, repetitions, positions, want_rii, seed, order
) -> dict:
    """Order statistics of the simulated SII/RII (or slope, when ``transform``) for every group.

    Draws ``N(y_work, se)`` for (groups x blocks*repetitions x quantiles) in chunks of groups (and, if one
    group alone exceeds the memory budget, of repetitions), back-transforms unless ``transform``, and gets every
    replicate's (intercept, slope) from one batched matrix product with the closed-form regression weights.
    Chunks use independent child generators of ``seed`` and run on a small thread pool (numpy releases the GIL
    while it draws and multiplies).
    """
    n_groups, n_q = y_work.shape
    total = blocks * repetitions
    n_levels = len(positions)
    result = {"sii": np.empty((n_groups, blocks, n_levels, 2)), "beta": np.empty((n_groups, blocks, n_levels, 2))}
    if want_rii:
        result["rii"] = np.empty((n_groups, blocks, n_levels, 2))
    if n_groups == 0:
        return result
    workers = max(1, min(os.cpu_count() or 1, 4))
    budget = MEMORY_BUDGET_BYTES // workers  # chunks in flight at once share the budget
    per_group = total * 8 * (n_q + 6)
    group_chunk = int(max(1, min(n_groups, budget // per_group)))
    rep_chunk = int(max(1, min(total, budget // (group_chunk * 8 * (n_q + 2)))))
    chunks = [order[i : i + group_chunk] for i in range(0, n_groups, group_chunk)]
    seeds = np.random.SeedSequence(seed).spawn(len(chunks))
    negative = multiplier < 0

    def run(chunk: np.ndarray, seq) -> None:
        rng = np.random.default_rng(seq)
        mu = y_work[chunk][:, None, :]
        sd = se[chunk][:, None, :]
        w = coef[chunk]
        ab = np.empty((len(chunk), total, 2))
        for r0 in range(0, total, rep_chunk):
            r1 = min(total, r0 + rep_chunk)
            draws = rng.standard_normal((len(chunk), r1 - r0, n_q))
            draws *= sd
            draws += mu
            if not transform and kind:
                _g_inverse(draws, kind, out=draws)
            np.matmul(draws, w, out=ab[:, r0:r1, :])
        alpha = ab[..., 0].reshape(len(chunk), blocks, repetitions)
        beta = ab[..., 1].reshape(len(chunk), blocks, repetitions)
        if transform:
            result["beta"][chunk] = _order_statistics(beta, positions)
            return
        result["sii"][chunk] = _order_statistics(beta * multiplier, positions)
        if want_rii:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = (alpha + beta) / alpha
                if negative:
                    ratio = 1 / ratio
            result["rii"][chunk] = _order_statistics(ratio, positions)

    if min(workers, len(chunks)) <= 1:
        for chunk, seq in zip(chunks, seeds):
            run(chunk, seq)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for f in [pool.submit(run, chunk, seq) for chunk, seq in zip(chunks, seeds)]:
                f.result()
    return result
