"""Vectorised confidence-interval building blocks shared by every statistic in :mod:`healthintel.stats`.

Owns the three interval methods the national (OHID Fingertips / PHEindicatormethods) statistics are built from:
Wilson's score interval for a proportion, Byar's approximation to the Poisson interval of a count, and exact
Poisson limits from the chi-square (gamma) distribution, plus the small helpers that format multipliers and
pick exact/Byar's per count. Everything works on whole numpy arrays (no per-group Python loops) and returns NaN
where an input is NaN.

References
----------
Wilson EB. Probable inference, the law of succession, and statistical inference. J Am Stat Assoc 1927;22:209-12.
Breslow NE, Day NE. Statistical methods in cancer research, volume II: the design and analysis of cohort
studies. Lyon: IARC; 1987 (Byar's approximation).
Clopper CJ, Pearson ES. Biometrika 1934;26:404-13; Ulm K. Am J Epidemiol 1990;131:373-5 (exact Poisson limits
via the chi-square distribution).
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import special as _sp
from scipy import stats as _sps

from ..errors import InvalidInputError

__all__ = [
    "z_value",
    "wilson",
    "byars_lower",
    "byars_upper",
    "exact_lower",
    "exact_upper",
    "poisson_limits",
    "format_number",
    "check_multiplier",
]

#: Counts below this use exact Poisson limits in :func:`poisson_limits` (PHEindicatormethods ``phe_rate``/ISR rule).
EXACT_BELOW = 10


def z_value(confidence: float) -> float:
    """Two-sided standard-normal quantile ``Φ⁻¹(1 − (1 − c)/2)`` for a confidence fraction ``c``."""
    return float(_sps.norm.ppf(confidence + (1 - confidence) / 2))


def wilson(x, n, z):
    """Wilson score limits ``(lower, upper)`` for ``x`` successes out of ``n`` (fractions, not multiplied).

    ``L, U = [2x + z² ∓ z·√(z² + 4x(1 − x/n))] / [2(n + z²)]`` (Wilson 1927; PHEindicatormethods
    ``wilson_lower``/``wilson_upper``). NaN in, NaN out; ``n = 0`` gives NaN.
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        root = z * np.sqrt(z2 + 4 * x * (1 - x / n))
        denom = 2 * (n + z2)
        lower = (2 * x + z2 - root) / denom
        upper = (2 * x + z2 + root) / denom
    return lower, upper


def byars_lower(count, z):
    """Byar's lower limit of a Poisson count ``O·(1 − 1/(9O) − z/(3√O))³``; NaN where negative or O = 0."""
    o = np.asarray(count, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    return np.where(out < 0, np.nan, out)


def byars_upper(count, z):
    """Byar's upper limit of a Poisson count ``(O+1)·(1 − 1/(9(O+1)) + z/(3√(O+1)))³``."""
    o1 = np.asarray(count, dtype=float) + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        return o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3


def exact_lower(count, confidence: float):
    """Exact Poisson lower limit ``χ²_{α/2}(2O)/2`` (= the gamma quantile), 0 when O = 0."""
    o = np.asarray(count, dtype=float)
    alpha = 1 - confidence
    with np.errstate(invalid="ignore"):
        out = _sp.gammaincinv(np.where(o > 0, o, 1.0), alpha / 2)
    return np.where(o > 0, out, np.where(o == 0, 0.0, np.nan))


def exact_upper(count, confidence: float):
    """Exact Poisson upper limit ``χ²_{1−α/2}(2O + 2)/2``."""
    o = np.asarray(count, dtype=float)
    alpha = 1 - confidence
    with np.errstate(invalid="ignore"):
        return _sp.gammaincinv(o + 1, 1 - alpha / 2)


def poisson_limits(count, confidence: float):
    """Limits of a Poisson count: exact for counts < 10, Byar's otherwise; also the method label per count.

    Returns
    -------
    lower, upper : ndarray
        Limits on the count scale.
    method : ndarray of object
        ``"Exact"``, ``"Byars"`` or ``None`` (missing count), as PHEindicatormethods labels them.
    """
    o = np.asarray(count, dtype=float)
    z = z_value(confidence)
    small = o < EXACT_BELOW
    lower = np.where(small, exact_lower(o, confidence), byars_lower(o, z))
    upper = np.where(small, exact_upper(o, confidence), byars_upper(o, z))
    method = np.where(np.isnan(o), None, np.where(small, "Exact", "Byars")).astype(object)  # type: ignore[call-overload]
    return lower, upper, method


def format_number(value) -> str:
    """A multiplier as PHEindicatormethods prints it: ``100000`` (not ``1e+05``), ``0.5``."""
    v = float(value)
    if v.is_integer():
        return str(int(v))
    return f"{v:.15g}"


def check_multiplier(multiplier, *, allow_negative: bool = False) -> float:
    """Validate a multiplier: a finite real number, positive (unless ``allow_negative``)."""
    if isinstance(multiplier, bool) or not isinstance(multiplier, numbers.Real) or not np.isfinite(float(multiplier)):
        raise InvalidInputError(
            f"multiplier must be a finite number such as 1, 100 or 100_000; got {multiplier!r}."
        )
    if multiplier == 0 or (multiplier < 0 and not allow_negative):
        raise InvalidInputError(
            f"multiplier must be greater than 0 (e.g. 100 for a percentage, 100_000 for a rate per 100,000); "
            f"got {multiplier!r}."
        )
    return float(multiplier)


def check_positive(data, column: str, *, arg: str, by=None, allow_zero: bool = False) -> None:
    """Raise when ``column`` has values ≤ 0 (< 0 with ``allow_zero``) or infinite ones; missing values are allowed."""
    import numpy as _np

    from ..errors import describe_rows
    from ._common import as_list, numeric

    values = numeric(data, column, arg=arg)
    with _np.errstate(invalid="ignore"):
        bad = (values < 0 if allow_zero else values <= 0) | _np.isinf(values)
    if bad.any():
        need = ("zero or more" if allow_zero else "greater than zero") + " and finite"
        raise InvalidInputError(
            f"{arg} column {column!r} must be {need}; offending "
            f"{describe_rows(data, bad, as_list(by) + [column])}. Correct or remove these rows."
        )


def row_positions(codes, n_groups: int):
    """Position of each row within its group (0, 1, ...) and the number of rows per group, vectorised."""
    codes = np.asarray(codes, dtype=np.intp)
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=n_groups)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    pos = np.empty(len(codes), dtype=np.int64)
    pos[order] = np.arange(len(codes)) - starts[codes[order]]
    return pos, counts


def summed_counts(data, numerator: str, denominator: str, by):
    """Numerator/denominator arrays, summed within ``by`` groups (R-style: a missing value makes the group
    missing) when ``by`` is given, plus the output frame: group keys with the sums, or a copy of ``data``."""
    from ._common import as_list, grouper, numeric

    x = numeric(data, numerator, arg="numerator")
    n = numeric(data, denominator, arg="denominator")
    if as_list(by):
        groups = grouper(data, by)
        x, n = groups.sum(x), groups.sum(n)
        out = groups.keys.copy()
        out[numerator] = x
        out[denominator] = n
    else:
        out = data.copy()
    return x, n, out
