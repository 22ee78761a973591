"""Shared plumbing for the statistics: confidence levels, output column names, grouping, validation.

Nothing here computes a statistic; it keeps every function in :mod:`healthintel.stats` consistent:
confidence given as 0.95 or 95 (or the pair 0.95/0.998), output columns ``value``, ``lower_ci``, ``upper_ci``
(``lower_ci_95_0`` ... for two levels), ``confidence``, ``statistic``, ``method``; groups from ``by=`` in order of
first appearance; errors that name the column, the rows and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _sps

from ..errors import InvalidInputError
from ..frames import (  # noqa: F401  (re-exported for the stats modules)
    Groups,
    as_list,
    check_finite_non_negative,
    check_not_greater,
    grouper,
    numeric,
    require_columns,
    text_column,
)

__all__ = [
    "Confidence",
    "parse_confidence",
    "as_list",
    "require_columns",
    "grouper",
    "check_finite_non_negative",
    "check_not_greater",
]


@dataclass(frozen=True)
class Confidence:
    """One or two confidence levels, normalised to fractions, with their z values and column names."""

    levels: tuple[float, ...]

    @property
    def z(self) -> np.ndarray:
        return np.array([_sps.norm.ppf(1 - (1 - c) / 2) for c in self.levels])

    @property
    def columns(self) -> list[tuple[str, str]]:
        """(lower, upper) column names per level: ``lower_ci``/``upper_ci`` or ``lower_ci_95_0``/...."""
        if len(self.levels) == 1:
            return [("lower_ci", "upper_ci")]
        return [(f"lower_ci_{suffix(c)}", f"upper_ci_{suffix(c)}") for c in self.levels]

    def prefixed(self, prefix: str) -> list[tuple[str, str]]:
        """Column names for a statistic-specific interval, e.g. ``sii_lower_ci``/``sii_lower_ci_95_0``."""
        return [(f"{prefix}_{lo}", f"{prefix}_{hi}") for lo, hi in self.columns]

    @property
    def label(self) -> str:
        """The ``confidence`` column text: ``"95%"`` or ``"95%, 99.8%"``."""
        return ", ".join(_pct(c) + "%" for c in self.levels)


def suffix(c: float) -> str:
    """0.95 -> ``95_0``; 0.998 -> ``99_8``."""
    return f"{c * 100:.1f}".replace(".", "_")


def _pct(c: float) -> str:
    text = f"{c * 100:.10g}"
    return text


def parse_confidence(confidence, *, allow_two: bool = True) -> Confidence:
    """Normalise ``confidence`` (0.95, 95, or the pair (0.95, 0.998) / (95, 99.8)).

    Raises
    ------
    InvalidInputError
        When a level is below 0.9 (90%) or above 1 (100%), or when two levels other than 95% and 99.8% are given.
    """
    if isinstance(confidence, (str, bytes)) or confidence is None:
        raise InvalidInputError(
            f"confidence must be a number such as 0.95 or 95, or the pair (0.95, 0.998); got {confidence!r}."
        )
    values = list(confidence) if isinstance(confidence, (Sequence, np.ndarray, pd.Series)) else [confidence]
    out = []
    for v in values:
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise InvalidInputError(f"confidence values must be numbers; got {v!r}.") from None
        if v >= 90:
            v = v / 100
        if not (0.9 <= v <= 1) or v == 1:
            raise InvalidInputError(
                f"confidence level {v!r} is out of range: give a value between 0.9 and 1 (or 90 and 100), "
                "e.g. 0.95 or 95."
            )
        out.append(round(v, 10))
    if len(out) == 2:
        if not allow_two:
            raise InvalidInputError("this statistic takes a single confidence level, e.g. confidence=0.95.")
        if sorted(out) != [0.95, 0.998]:
            raise InvalidInputError(
                f"two confidence levels must be exactly (0.95, 0.998), the Fingertips pair; got {tuple(values)!r}."
            )
        out = [0.95, 0.998]
    elif len(out) != 1:
        raise InvalidInputError(
            f"give one confidence level or the pair (0.95, 0.998); got {len(out)} levels {tuple(values)!r}."
        )
    return Confidence(tuple(out))


def metadata(out: pd.DataFrame, conf: Confidence | None, statistic: str, method: str) -> pd.DataFrame:
    """Add the ``confidence``, ``statistic`` and ``method`` columns (in that order)."""
    out["confidence"] = conf.label if conf is not None else pd.NA
    out["statistic"] = statistic
    out["method"] = method
    return out
