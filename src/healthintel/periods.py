"""Period labels → (start, length) in years, for ordering, gaps and trajectories.

Accepts calendar years (2021 or "2021"), financial/academic years ("2021/22", "2021/2022"), pooled years
("2015 - 17", "2017-19", "2015-2017"), pooled financial years ("2020/21 - 24/25"), financial quarters
("2022/23 Q3" → start 2022.5 with Q1 = April–June) and ISO dates ("2024-12-31", FingertipsNext ``to_date``:
the year).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .errors import InvalidInputError, describe_rows

_ISO = re.compile(r"^\s*(\d{4})-\d{2}-\d{2}\s*$")
_QUARTER = re.compile(r"^\s*(\d{4})/(\d{2}|\d{4})\s*Q([1-4])\s*$", re.I)
_FY_POOL = re.compile(r"^\s*(\d{4})/\d{2}\s*-\s*(\d{2})/(\d{2})\s*$")
_POOL = re.compile(r"^\s*(\d{4})\s*-\s*(\d{2}|\d{4})\s*$")
_FY = re.compile(r"^\s*(\d{4})/(\d{2}|\d{4})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})(?:\.0)?\s*$")


def _full(start: int, short: str) -> int:
    end = int(short)
    if end < 100:
        end = start // 100 * 100 + end
        if end < start:
            end += 100
    return end


def parse_period(label) -> tuple[float, float]:
    """``(start, length)`` in years for one period label; ``(nan, nan)`` when it cannot be read."""
    if label is None or (isinstance(label, float) and np.isnan(label)):
        return np.nan, np.nan
    if isinstance(label, (int, np.integer)) or (isinstance(label, (float, np.floating)) and float(label).is_integer()):
        return float(label), 1.0
    text = str(label)
    if m := _ISO.match(text):
        return float(m.group(1)), 1.0
    if m := _QUARTER.match(text):
        return int(m.group(1)) + (int(m.group(3)) - 1) / 4, 0.25
    if m := _FY_POOL.match(text):
        start = int(m.group(1))
        return float(start), float(_full(start, m.group(2)) - start + 1)
    if m := _FY.match(text):
        return float(m.group(1)), 1.0
    if m := _POOL.match(text):
        start = int(m.group(1))
        return float(start), float(_full(start, m.group(2)) - start + 1)
    if m := _YEAR.match(text):
        return float(m.group(1)), 1.0
    return np.nan, np.nan


def parse_periods(data: pd.DataFrame, column: str, *, arg: str = "period") -> tuple[np.ndarray, np.ndarray]:
    """Start and length arrays for a period column; unreadable labels raise an error naming the rows."""
    col = data[column]
    text = col.astype(object).where(col.notna(), "").astype(str).to_numpy(dtype=object)  # missing -> unreadable
    uniques, codes = np.unique(text, return_inverse=True) if len(data) else ([], [])
    parsed = np.array([parse_period(_back(u)) for u in uniques], dtype=float).reshape(-1, 2)
    start = parsed[codes, 0] if len(data) else np.array([])
    length = parsed[codes, 1] if len(data) else np.array([])
    bad = np.isnan(start)
    if bad.any():
        raise InvalidInputError(
            f"{arg} column {column!r} has labels that are not periods: {describe_rows(data, bad, [column])}. "
            "Use e.g. 2021, '2021/22', '2017-19', '2022/23 Q3' or '2024-12-31'."
        )
    return start, length


def _back(text: str):
    return text
