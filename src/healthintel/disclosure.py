"""Disclosure control for published outputs: the one suppression rule every report table goes through.

Rule (stated in every report's methods notes): counts of people from 1 to ``threshold - 1`` (default 1–4) are
replaced by NA and flagged, together with every statistic on the same row that was derived from them; zeros
are shown. Outputs are aggregates only: record-level data never reaches a report.

NCMP tables follow OHID's own rule instead (:func:`ncmp_rates`, :func:`ncmp_counts`, :func:`ncmp_rule_text`): any
value based on a numerator of 7 or less is suppressed, numerators and denominators are rounded to the nearest 5 and
prevalence is computed from the rounded counts, while confidence intervals come from the unrounded counts
(Fingertips NCMP metadata, indicator 92033). The general rule stays the default of every other table.

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


# --- the NCMP rule (OHID) -----------------------------------------------------------------------------------------

#: NCMP: values based on a numerator of this or less are suppressed (zero included).
NCMP_SUPPRESS_AT_MOST = 7
#: NCMP: published numerators and denominators are rounded to the nearest multiple of this.
NCMP_ROUND_TO = 5


def ncmp_rule_text() -> str:
    """The NCMP disclosure rule as stated in the child obesity chapter's methods notes."""
    return (f"NCMP figures follow OHID's rule (Fingertips NCMP metadata): any value based on a numerator of "
            f"{NCMP_SUPPRESS_AT_MOST} or less is suppressed (shown as '{SUPPRESSED_MARK}'); numerators and "
            f"denominators are rounded to the nearest {NCMP_ROUND_TO} and prevalence is calculated from the rounded "
            "counts; confidence intervals are calculated on the unrounded counts. Counts of records in the data "
            f"quality tables are rounded the same way, counts of 1 to {NCMP_SUPPRESS_AT_MOST} suppressed and zeros "
            "shown.")


def round_to_nearest(values, base: int = NCMP_ROUND_TO) -> np.ndarray:
    """Counts rounded to the nearest multiple of ``base`` (halves away from zero); NaN stays NaN."""
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").astype("float64"), dtype=float)
    return np.sign(v) * np.floor(np.abs(v) / base + 0.5) * base


def ncmp_rates(data: pd.DataFrame, numerator: str, denominator: str, *, value: str = "value",
               multiplier: float = 100.0, derived: list[str] | None = None) -> pd.DataFrame:
    """A prevalence table as OHID publishes NCMP figures.

    Numerator and denominator are rounded to the nearest 5 and ``value`` recomputed from them (× ``multiplier``);
    where the unrounded numerator is 7 or less the numerator, ``value`` and the ``derived`` columns (e.g. the
    confidence limits, which stay those of the unrounded counts) are NA. Adds a boolean ``suppressed`` column.
    """
    out = data.copy()
    num = pd.to_numeric(out[numerator], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    den = pd.to_numeric(out[denominator], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    hide = ~np.isnan(num) & (num <= NCMP_SUPPRESS_AT_MOST)
    rnum, rden = round_to_nearest(num), round_to_nearest(den)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(rden > 0, multiplier * rnum / rden, np.nan)
    out[numerator] = pd.array(np.where(hide, np.nan, rnum), dtype="Float64")
    out[denominator] = pd.array(rden, dtype="Float64")
    out[value] = pd.array(np.where(hide, np.nan, rate), dtype="Float64")
    for c in derived or []:
        out[c] = out[c].astype("Float64")
        out.loc[hide, c] = pd.NA
    out["suppressed"] = hide
    return out


def ncmp_counts(data: pd.DataFrame, counts: list[str], *, shares: dict[str, tuple[str, float | str]] | None = None
                ) -> pd.DataFrame:
    """Counts of records (data-quality tables) as NCMP publishes them: rounded to the nearest 5, counts of 1 to 7
    suppressed (zeros shown). ``shares`` maps a percentage column to ``(count column, total)`` (the total a number
    or a column): recomputed from the rounded counts, NA where the count is suppressed."""
    out = data.copy()
    raw = {c: pd.to_numeric(out[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan) for c in counts}
    for c, v in raw.items():
        hide = (v > 0) & (v <= NCMP_SUPPRESS_AT_MOST)
        out[c] = pd.array(np.where(hide, np.nan, round_to_nearest(v)), dtype="Float64")
    for share, (count, total) in (shares or {}).items():
        tot = (round_to_nearest(out[total]) if isinstance(total, str) else
               np.full(len(out), float(round_to_nearest([total])[0])))
        num = out[count].to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[share] = pd.array(np.where(tot > 0, 100 * num / tot, np.nan), dtype="Float64")
    return out
