"""Gaps between two independent proportions: differences (Newcombe) and ratios (Katz log method).

Owns :func:`proportion_difference` and :func:`proportion_ratio`, the building blocks of every "gap between the
most and least deprived" figure. Both take either a wide frame (columns for the two groups' numerators and
denominators) or a tidy frame of counts with a ``group`` column and the two categories to ``compare`` (e.g.
deprivation quintile 1 vs 5), with ``by=`` for further grouping (year, sex, ...)::

    proportion_difference(counts, "obese", "measured", group="quintile", compare=(1, 5), by="year",
                          multiplier=100)
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import InvalidInputError, SuppressionWarning
from ._ci import check_multiplier, check_positive, format_number, wilson
from ._common import (
    as_list,
    check_finite_non_negative,
    check_not_greater,
    grouper,
    numeric,
    parse_confidence,
    require_columns,
)

__all__ = ["proportion_difference", "proportion_ratio"]

NEWCOMBE = "Newcombe hybrid score (method 10)"
KATZ = "Katz log"


def _two_groups(data, numerator, denominator, numerator_2, denominator_2, group, compare, by):
    """Numerators/denominators of the two groups being compared and the output frame (keys or input rows)."""
    wide = _is_wide(numerator_2, denominator_2, group, compare)
    by = as_list(by)
    require_columns(data, numerator=numerator, denominator=denominator, numerator_2=numerator_2,
                    denominator_2=denominator_2, group=group, by=by)
    pairs = [(numerator, denominator)] + ([(numerator_2, denominator_2)] if wide else [])
    for num, den in pairs:
        check_finite_non_negative(data, num, arg="numerator", by=by + as_list(group), allow_na=True)
        check_positive(data, den, arg="denominator", by=by + as_list(group))
        check_not_greater(data, num, den, what="a proportion needs numerator ≤ denominator", by=by + as_list(group))
    if wide:
        return _wide_counts(data, numerator, denominator, numerator_2, denominator_2, by)
    return _tidy_counts(data, numerator, denominator, group, compare, by)


def _is_wide(numerator_2, denominator_2, group, compare) -> bool:
    """True for the wide form (second group's columns), False for the tidy form; an error for neither/both."""
    wide = numerator_2 is not None or denominator_2 is not None
    tidy = group is not None or compare is not None
    if wide == tidy or (wide and (numerator_2 is None or denominator_2 is None)) or (
        tidy and (group is None or compare is None)
    ):
        raise InvalidInputError(
            "give either numerator_2= and denominator_2= (wide data: the second group's columns), or group= and "
            "compare=(first, second) (tidy data: one row per category, e.g. group='quintile', compare=(1, 5))."
        )
    return wide


def _wide_counts(data, numerator, denominator, numerator_2, denominator_2, by):
    x1, n1 = numeric(data, numerator, arg="numerator"), numeric(data, denominator, arg="denominator")
    x2, n2 = numeric(data, numerator_2, arg="numerator_2"), numeric(data, denominator_2, arg="denominator_2")
    if by:
        groups = grouper(data, by)
        x1, n1, x2, n2 = (groups.sum(v) for v in (x1, n1, x2, n2))
        out = groups.keys.copy()
    else:
        out = data.copy()
    return out, x1, n1, x2, n2, np.zeros(len(x1), dtype=bool), None


def _tidy_counts(data, numerator, denominator, group, compare, by):
    if not isinstance(compare, (tuple, list)) or len(compare) != 2:
        raise InvalidInputError(
            f"compare must be a pair of {group!r} categories (first, second), e.g. compare=(1, 5); got {compare!r}."
        )
    groups = grouper(data, by)
    x = numeric(data, numerator, arg="numerator")
    n = numeric(data, denominator, arg="denominator")
    cats = data[group]
    sums, present = [], []
    for cat in compare:
        mask = (cats == cat).to_numpy(dtype=bool)
        sums.append((groups.sum(np.where(mask, x, 0.0)), groups.sum(np.where(mask, n, 0.0))))
        present.append(np.bincount(groups.codes[mask], minlength=groups.n) > 0)
    found = [bool(p.any()) for p in present]
    if not all(found):
        absent = [c for c, f in zip(compare, found) if not f]
        raise InvalidInputError(
            f"{group!r} has no rows with the value(s) {absent}; it has {list(pd.unique(cats))[:12]}. "
            "Check compare= (e.g. quintiles 1 and 5, not '1' and '5')."
        )
    # a NaN in a category's rows must make that category missing (R-style sum), not be hidden by the where()
    (x1, n1), (x2, n2) = sums
    x1, n1 = np.where(present[0], x1, np.nan), np.where(present[0], n1, np.nan)
    x2, n2 = np.where(present[1], x2, np.nan), np.where(present[1], n2, np.nan)
    missing = ~(present[0] & present[1])
    out = groups.keys.copy() if groups.by else pd.DataFrame(index=range(1))
    return out, x1, n1, x2, n2, missing, compare


def _suppress(out, missing, compare, group):
    if missing.any():
        out["suppression_reason"] = pd.array(
            np.where(missing, f"no rows for one of {group} = {compare[0]!r} / {compare[1]!r}", None), dtype="string"
        )
        warnings.warn(
            f"{int(missing.sum())} group(s) lack rows for {group} = {compare[0]!r} or {compare[1]!r}: their "
            "results are NA (see suppression_reason).",
            SuppressionWarning,
            stacklevel=3,
        )


def proportion_difference(
    data: pd.DataFrame,
    numerator: str,
    denominator: str,
    *,
    numerator_2: str | None = None,
    denominator_2: str | None = None,
    group: str | None = None,
    compare: tuple | None = None,
    by=None,
    confidence=0.95,
    multiplier: float = 1,
):
    """Difference between two independent proportions ``p1 − p2`` with Newcombe's hybrid score interval.

    Parameters
    ----------
    data : DataFrame
        Wide data (each row holds both groups' counts) or tidy data (one row per category of ``group``).
    numerator, denominator : str
        Wide: the first group's columns. Tidy: the count columns for every category.
    numerator_2, denominator_2 : str, optional
        Wide form only: the second group's columns.
    group : str, optional
        Tidy form only: the column holding the categories (e.g. deprivation quintile).
    compare : tuple of two values, optional
        Tidy form only: ``(first, second)`` categories; the result is first minus second (e.g. ``(1, 5)`` for
        most minus least deprived quintile). Rows of other categories are ignored; several rows of one
        category within a group are summed.
    by : str or list of str, optional
        Further grouping (e.g. year, sex): counts are summed within groups. Wide data without ``by`` are
        compared row by row (same rows and index as ``data``).
    confidence : float or tuple, default 0.95
        0.95 or 95, or ``(0.95, 0.998)``.
    multiplier : float, default 1
        100 to express the difference in percentage points.

    Returns
    -------
    DataFrame
        Group columns (or the input rows), ``numerator_1``, ``denominator_1``, ``numerator_2``,
        ``denominator_2``, ``proportion_1``, ``proportion_2`` (× multiplier), ``value`` (the difference),
        the limits, ``confidence``, ``statistic`` and ``method`` (``"Newcombe hybrid score (method 10)"``).
        In the tidy form a group lacking one of the two categories gets NA, a ``suppression_reason`` and one
        :class:`~healthintel.errors.SuppressionWarning`.

    Raises
    ------
    InvalidInputError
        Neither or both of the wide/tidy forms, negative numerators, denominators ≤ 0, numerator greater than
        denominator, a ``compare`` category absent from the data, bad confidence or multiplier.

    Notes
    -----
    With Wilson limits ``(l1, u1)`` of ``p1`` and ``(l2, u2)`` of ``p2`` (Wilson 1927):
    ``L = (p1 − p2) − √((p1 − l1)² + (u2 − p2)²)``, ``U = (p1 − p2) + √((u1 − p1)² + (p2 − l2)²)``.
    This interval (Newcombe's method 10) respects the [−1, 1] bounds and behaves well with small counts.

    References
    ----------
    Newcombe RG. Interval estimation for the difference between independent proportions: comparison of eleven
    methods. Stat Med 1998;17:873-90. Wilson EB. J Am Stat Assoc 1927;22:209-12.
    """
    multiplier = check_multiplier(multiplier)
    conf = parse_confidence(confidence)
    out, x1, n1, x2, n2, missing, compare_ = _two_groups(data, numerator, denominator, numerator_2,
                                                         denominator_2, group, compare, by)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
    p1 = np.where(missing, np.nan, p1)
    p2 = np.where(missing, np.nan, p2)
    _columns(out, x1, n1, x2, n2, p1 * multiplier, p2 * multiplier)
    out["value"] = (p1 - p2) * multiplier
    for z, (lo, hi) in zip(conf.z, conf.columns):
        l1, u1 = wilson(x1, n1, z)
        l2, u2 = wilson(x2, n2, z)
        d = p1 - p2
        out[lo] = (d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)) * multiplier
        out[hi] = (d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)) * multiplier
    out["confidence"] = conf.label
    out["statistic"] = "difference in proportions" + ("" if multiplier == 1 else f" x {format_number(multiplier)}")
    out["method"] = NEWCOMBE
    _suppress(out, missing, compare_, group)
    return out


def proportion_ratio(
    data: pd.DataFrame,
    numerator: str,
    denominator: str,
    *,
    numerator_2: str | None = None,
    denominator_2: str | None = None,
    group: str | None = None,
    compare: tuple | None = None,
    by=None,
    confidence=0.95,
):
    """Ratio of two independent proportions ``p1 / p2`` (relative risk) with the Katz log interval.

    Parameters are as for :func:`proportion_difference` (without ``multiplier``: a ratio has no scale).

    Returns
    -------
    DataFrame
        As :func:`proportion_difference`, with ``value`` = ``p1 / p2`` and ``method`` ``"Katz log"``. When
        either numerator is 0 the log interval is undefined: value (0 or infinite) is kept but the limits are
        NA, with a ``suppression_reason`` and one :class:`~healthintel.errors.SuppressionWarning`.

    Notes
    -----
    ``ln(p1/p2) ∓ z·√(1/x1 − 1/n1 + 1/x2 − 1/n2)``, exponentiated (the "log method" of Katz et al.; the
    standard interval for a risk ratio, e.g. Altman et al., *Statistics with confidence*, 2000).

    References
    ----------
    Katz D, Baptista J, Azen SP, Pike MC. Obtaining confidence intervals for the risk ratio in cohort studies.
    Biometrics 1978;34:469-74.
    """
    conf = parse_confidence(confidence)
    out, x1, n1, x2, n2, missing, compare_ = _two_groups(data, numerator, denominator, numerator_2,
                                                         denominator_2, group, compare, by)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
        p1 = np.where(missing, np.nan, p1)
        p2 = np.where(missing, np.nan, p2)
        ratio = p1 / p2
        se = np.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
    zero = ((x1 == 0) | (x2 == 0)) & ~missing
    _columns(out, x1, n1, x2, n2, p1, p2)
    out["value"] = ratio
    for z, (lo, hi) in zip(conf.z, conf.columns):
        with np.errstate(divide="ignore", invalid="ignore"):
            out[lo] = np.where(zero, np.nan, np.exp(np.log(ratio) - z * se))
            out[hi] = np.where(zero, np.nan, np.exp(np.log(ratio) + z * se))
    out["confidence"] = conf.label
    out["statistic"] = "ratio of proportions"
    out["method"] = KATZ
    _suppress(out, missing, compare_, group)
    if zero.any():
        reason = np.where(zero, "zero numerator: log interval undefined", None)  # type: ignore[call-overload]
        if "suppression_reason" in out:
            reason = np.where(zero, reason, out["suppression_reason"].to_numpy(dtype=object))
        out["suppression_reason"] = pd.array(reason, dtype="string")
        warnings.warn(
            f"{int(zero.sum())} comparison(s) have a zero numerator: their ratio limits are NA "
            "(see suppression_reason).",
            SuppressionWarning,
            stacklevel=2,
        )
    return out


def _columns(out, x1, n1, x2, n2, p1, p2):
    out["numerator_1"] = x1
    out["denominator_1"] = n1
    out["numerator_2"] = x2
    out["denominator_2"] = n2
    out["proportion_1"] = p1
    out["proportion_2"] = p2
