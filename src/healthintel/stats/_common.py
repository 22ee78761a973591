"""Shared plumbing for the statistics: confidence levels, output column names, grouping, validation.

Nothing here computes a statistic; it keeps every function in :mod:`healthintel.stats` consistent:
confidence given as 0.95 or 95 (or the pair 0.95/0.998), output columns ``value``, ``lower_ci``, ``upper_ci``
(``lower_ci_95_0`` ... for two levels), ``confidence``, ``statistic``, ``method``; groups from ``by=`` in order of
first appearance; errors that name the column, the rows and the fix.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _sps

from ..errors import InvalidInputError, MissingColumnError, describe_rows

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


def as_list(by) -> list[Hashable]:
    """``None`` -> [], a column name -> [name], a list/tuple -> list."""
    if by is None:
        return []
    if isinstance(by, (list, tuple)):
        return list(by)
    return [by]


def require_columns(data: pd.DataFrame, **columns) -> None:
    """Raise :class:`MissingColumnError` for every argument whose column name is not in ``data``."""
    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(f"data must be a pandas DataFrame; got {type(data).__name__}.")
    missing = []
    for arg, col in columns.items():
        if col is None:
            continue
        for c in as_list(col):
            if c not in data.columns:
                missing.append(f"{arg}={c!r}")
    if missing:
        raise MissingColumnError(
            f"column(s) not found in data: {', '.join(missing)}. Available columns: {list(data.columns)}. "
            "Pass the name of an existing column."
        )


@dataclass
class Groups:
    """Integer group codes per row plus one row of key values per group (first-appearance order)."""

    codes: np.ndarray
    keys: pd.DataFrame
    by: list[Hashable]

    @property
    def n(self) -> int:
        return len(self.keys)

    _starts: np.ndarray | None = None
    _contiguous: bool | None = None

    def _block_starts(self) -> np.ndarray | None:
        """Row where each group starts when rows come one block per group (the usual sorted input)."""
        if self._contiguous is None:
            c = self.codes
            steps = np.diff(c)
            self._contiguous = bool(len(c)) and c[0] == 0 and bool(((steps == 0) | (steps == 1)).all())
            if self._contiguous:
                self._starts = np.r_[0, np.flatnonzero(steps) + 1]
        return self._starts if self._contiguous else None

    def sum(self, values) -> np.ndarray:
        """Sum ``values`` within each group (``np.add.reduceat`` over contiguous blocks, else bincount)."""
        values = np.asarray(values, dtype=float)
        starts = self._block_starts()
        if starts is not None:
            return np.add.reduceat(values, starts)
        return np.bincount(self.codes, weights=values, minlength=self.n)

    def count(self) -> np.ndarray:
        return np.bincount(self.codes, minlength=self.n)


def grouper(data: pd.DataFrame, by) -> Groups:
    """Factorise ``by`` columns into group codes in order of first appearance (NaN keys kept as a group)."""
    by = as_list(by)
    require_columns(data, by=by)
    if not by:
        return Groups(np.zeros(len(data), dtype=np.intp), pd.DataFrame(index=[0]), by)
    if len(by) == 1:
        codes, uniques = pd.factorize(data[by[0]], sort=False, use_na_sentinel=False)
        keys = pd.DataFrame({by[0]: uniques}, copy=False)
    else:
        idx = pd.MultiIndex.from_frame(data[by])
        codes, uniques = pd.factorize(idx, sort=False, use_na_sentinel=False)
        keys = uniques.to_frame(index=False)
        keys.columns = by
        keys = keys.reset_index(drop=True)
    return Groups(np.asarray(codes, dtype=np.intp), keys, by)


def numeric(data: pd.DataFrame, column: str, *, arg: str) -> np.ndarray:
    """A column as float64, with a clear error when it is not numeric."""
    s = data[column]
    if not (pd.api.types.is_numeric_dtype(s) or s.isna().all()):
        raise InvalidInputError(
            f"{arg} column {column!r} must be numeric; it has dtype {s.dtype}. Convert it with pd.to_numeric."
        )
    if isinstance(s.dtype, np.dtype):  # plain numpy column: no NA mask to resolve (fast path)
        return s.to_numpy(dtype=float, copy=False)
    return s.to_numpy(dtype=float, na_value=np.nan)


def check_finite_non_negative(data: pd.DataFrame, column: str, *, arg: str, by=None, allow_na=False) -> None:
    """Raise when ``column`` has negative (or, unless allowed, missing) values, naming the rows."""
    values = numeric(data, column, arg=arg)
    bad = values < 0
    if not allow_na:
        bad |= np.isnan(values)
    if bad.any():
        keys = as_list(by) + [column]
        raise InvalidInputError(
            f"{arg} column {column!r} must be a non-negative number"
            f"{'' if allow_na else ' with no missing values'}; offending "
            f"{describe_rows(data, bad, keys)}. Correct or remove these rows."
        )


def check_not_greater(data: pd.DataFrame, small: str, large: str, *, what: str, by=None) -> None:
    """Raise when ``data[small] > data[large]`` (e.g. numerator greater than denominator)."""
    a = numeric(data, small, arg=small)
    b = numeric(data, large, arg=large)
    bad = a > b
    if bad.any():
        raise InvalidInputError(
            f"{what}: column {small!r} is greater than column {large!r} in "
            f"{describe_rows(data, bad, as_list(by) + [small, large])}. Check the rows or swap the arguments."
        )


_STR = pd.StringDtype("pyarrow", na_value=np.nan) if pd.__version__ >= "3" else "string"


def text_column(codes: np.ndarray, labels: list, dtype=None) -> pd.api.extensions.ExtensionArray:
    """A text column from integer codes into ``labels`` (code -1 = missing), built in Arrow without a Python
    loop over rows (pandas 3 would otherwise convert an object array string by string)."""
    import pyarrow as pa

    codes = np.asarray(codes)
    mask = codes < 0
    taken = pa.array(labels, type=pa.large_string()).take(pa.array(np.where(mask, 0, codes), mask=mask))
    return pd.array(taken, dtype=dtype or _STR)


def metadata(out: pd.DataFrame, conf: Confidence | None, statistic: str, method: str) -> pd.DataFrame:
    """Add the ``confidence``, ``statistic`` and ``method`` columns (in that order)."""
    out["confidence"] = conf.label if conf is not None else pd.NA
    out["statistic"] = statistic
    out["method"] = method
    return out
