"""DataFrame plumbing shared by every layer: column checks, numeric columns, grouping in first-appearance order.

Owns the checks behind the "bad input gets a clear error" rule: :func:`require_columns` (missing columns named
with the available ones), :func:`numeric` (non-numeric columns), :func:`check_finite_non_negative` and
:func:`check_not_greater` (offending rows named), and :func:`grouper` (``by=`` groups as integer codes, NaN keys
kept as a group). Nothing here knows a statistic, a place or a file.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InvalidInputError, MissingColumnError, describe_rows

__all__ = [
    "Groups",
    "as_list",
    "require_columns",
    "grouper",
    "numeric",
    "check_finite_non_negative",
    "check_not_greater",
    "text_column",
]


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
    if pd.api.types.is_bool_dtype(s) and len(s):
        raise InvalidInputError(
            f"{arg} column {column!r} holds True/False values, not numbers; pass the column of counts or values "
            "(or convert deliberately with .astype(int))."
        )
    if not (pd.api.types.is_numeric_dtype(s) or s.isna().all()):
        raise InvalidInputError(
            f"{arg} column {column!r} must be numeric; it has dtype {s.dtype}. Convert it with pd.to_numeric."
        )
    if isinstance(s.dtype, np.dtype):  # plain numpy column: no NA mask to resolve (fast path)
        return s.to_numpy(dtype=float, copy=False)
    return s.to_numpy(dtype=float, na_value=np.nan)


def check_finite_non_negative(data: pd.DataFrame, column: str, *, arg: str, by=None, allow_na=False) -> None:
    """Raise when ``column`` has negative or infinite (or, unless allowed, missing) values, naming the rows."""
    values = numeric(data, column, arg=arg)
    bad = (values < 0) | np.isinf(values)
    if not allow_na:
        bad |= np.isnan(values)
    if bad.any():
        keys = as_list(by) + [column]
        raise InvalidInputError(
            f"{arg} column {column!r} must be a non-negative, finite number"
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
