"""Disclosure control for published outputs: the one suppression rule every report table goes through.

Rule (stated in every report's methods notes): counts of people from 1 to ``threshold - 1`` (default 1–4) are
replaced by NA and flagged, together with every statistic on the same row that was derived from them; zeros
are shown. Outputs are aggregates only: record-level data never reaches a report.

The threshold is :data:`SMALL_COUNT_THRESHOLD` unless the environment variable
``HEALTHINTEL_DISCLOSURE_THRESHOLD`` says otherwise (``healthintel render`` sets it for the kernel from the
series YAML's ``disclosure: {threshold: N}``), see :func:`threshold`.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

SMALL_COUNT_THRESHOLD = 5
THRESHOLD_ENV = "HEALTHINTEL_DISCLOSURE_THRESHOLD"
SUPPRESSED_MARK = "c"


def rule_text(threshold: int = SMALL_COUNT_THRESHOLD) -> str:
    """The suppression rule as stated in report methods notes, for ``threshold``."""
    return (f"Counts between 1 and {int(threshold) - 1} are suppressed (shown as '{SUPPRESSED_MARK}'), with the "
            "statistics on the same row, to protect confidentiality; zeros are shown.")


RULE = rule_text(SMALL_COUNT_THRESHOLD)


def threshold() -> int:
    """The configured threshold: ``HEALTHINTEL_DISCLOSURE_THRESHOLD`` when set (an integer >= 1), else 5."""
    raw = os.environ.get(THRESHOLD_ENV, "").strip()
    if not raw:
        return SMALL_COUNT_THRESHOLD
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{THRESHOLD_ENV} must be an integer >= 1, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{THRESHOLD_ENV} must be an integer >= 1, got {raw!r}")
    return value


def suppress_small_counts(data: pd.DataFrame, counts: list[str], *, derived: list[str] | None = None,
                          threshold: int | None = None) -> pd.DataFrame:
    """Replace small counts (1 to ``threshold``-1) and the ``derived`` columns of those rows by NA.

    Adds a boolean ``suppressed`` column (True on rows where anything was suppressed). ``threshold`` defaults
    to :func:`threshold` (5 unless configured).
    """
    limit = _threshold() if threshold is None else threshold
    out = data.copy()
    mask = np.zeros(len(out), dtype=bool)
    for c in counts:
        v = pd.to_numeric(out[c], errors="coerce")
        mask |= ((v > 0) & (v < limit)).fillna(False).to_numpy()
    for c in counts + list(derived or []):
        out[c] = out[c].astype("Float64" if pd.api.types.is_numeric_dtype(out[c]) else "object")
        out.loc[mask, c] = pd.NA
    out["suppressed"] = mask
    return out


_threshold = threshold
