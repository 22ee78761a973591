"""Disclosure control for published outputs: the one suppression rule every report table goes through.

Rule (stated in every report's methods notes): counts of people from 1 to ``threshold - 1`` (default 1–4) are
replaced by NA and flagged, together with every statistic on the same row that was derived from them; zeros
are shown. Outputs are aggregates only: record-level data never reaches a report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SMALL_COUNT_THRESHOLD = 5
RULE = ("Counts between 1 and 4 are suppressed (shown as 'c'), with the statistics on the same row, to protect "
        "confidentiality; zeros are shown.")


def suppress_small_counts(data: pd.DataFrame, counts: list[str], *, derived: list[str] | None = None,
                          threshold: int = SMALL_COUNT_THRESHOLD) -> pd.DataFrame:
    """Replace small counts (1 to ``threshold``-1) and the ``derived`` columns of those rows by NA.

    Adds a boolean ``suppressed`` column (True on rows where anything was suppressed).
    """
    out = data.copy()
    mask = np.zeros(len(out), dtype=bool)
    for c in counts:
        v = pd.to_numeric(out[c], errors="coerce")
        mask |= ((v > 0) & (v < threshold)).fillna(False).to_numpy()
    for c in counts + list(derived or []):
        out[c] = out[c].astype("Float64" if pd.api.types.is_numeric_dtype(out[c]) else "object")
        out.loc[mask, c] = pd.NA
    out["suppressed"] = mask
    return out
