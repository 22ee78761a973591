"""Directly standardised rates with Dobson confidence intervals (PHEindicatormethods ``calculate_dsr``).

Owns :func:`dsr` and :data:`ESP2013`, the 19-band European Standard Population 2013 used by Fingertips.
Each input row is one standardisation category (normally an age band) of one group; groups may have different
numbers of bands when the standard population is given as a column.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from ..errors import InvalidInputError, SuppressionWarning, describe_rows
from ._ci import byars_lower, byars_upper, check_multiplier, check_positive, format_number, row_positions
from ._common import (
    as_list,
    check_finite_non_negative,
    grouper,
    text_column,
    numeric,
    parse_confidence,
    require_columns,
)

__all__ = ["dsr", "ESP2013"]

#: European Standard Population 2013, 19 bands (0 and 1-4 merged into 0-4; 90-94 and 95+ merged into 90+),
#: total 100,000, as shipped by PHEindicatormethods (``esp2013``) and used throughout Fingertips.
ESP2013 = pd.Series(
    [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000],
    index=pd.Index(
        ["0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59",
         "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+"],
        name="age_band",
    ),
    name="esp2013",
    dtype="int64",
)

#: Text used for suppressed DSRs, in ``statistic`` (as PHEindicatormethods) and ``suppression_reason``.
SUPPRESSED = "dsr NA for total count < 10"
MIN_COUNT = 10


def _standard_weights(data, standard_population, groups, age_band, by) -> np.ndarray:
    """The standard population of every row, from a column, a labelled Series or a vector by position."""
    if isinstance(standard_population, str):
        require_columns(data, standard_population=standard_population)
        w = numeric(data, standard_population, arg="standard_population")
        if np.isnan(w).any():
            raise InvalidInputError(
                f"standard_population column {standard_population!r} cannot have missing values; offending "
                f"{describe_rows(data, np.isnan(w), as_list(by) + [standard_population])}."
            )
        return w
    std = ESP2013 if standard_population is None else standard_population
    if isinstance(std, pd.DataFrame) or np.ndim(std) != 1:
        raise InvalidInputError(
            "standard_population must be a column name, a 1-D vector/Series of band populations, or None for "
            f"ESP2013; got {type(standard_population).__name__}."
        )
    if isinstance(std, pd.Series) and age_band is not None:
        # match by band label: safest when the data are not sorted in band order
        labels = data[age_band]
        w = pd.to_numeric(std, errors="coerce").reindex(labels.to_numpy()).to_numpy(dtype=float)
        if np.isnan(w).any():
            missing = pd.unique(labels[np.isnan(w)])[:10]
            raise InvalidInputError(
                f"age_band column {age_band!r} has labels that are not in the standard population's index "
                f"{list(std.index)}: {list(missing)}. Relabel the bands (e.g. '0-4', '5-9', ..., '90+') or pass "
                "the standard population as a column."
            )
        return w
    vec = np.asarray(std, dtype=float)
    pos, counts = row_positions(groups.codes, groups.n)
    wrong = counts != len(vec)
    if wrong.any():
        name = "ESP2013 (19 bands)" if standard_population is None else f"the standard population ({len(vec)} bands)"
        keys = groups.keys.loc[wrong].head(5)
        desc = "; ".join(
            ", ".join(f"{c}={v!r}" for c, v in row.items()) + f" ({counts[i]} rows)"
            for i, row in zip(np.flatnonzero(wrong), keys.to_dict("records"))
        ) if groups.by else f"all data ({len(data)} rows)"
        raise InvalidInputError(
            f"{name} is attached by row position, so every group needs exactly {len(vec)} rows, one per band in "
            f"order; {int(wrong.sum())} group(s) do not: {desc}. Add the missing bands (with zero counts), pass "
            "age_band= to match by label, or give standard_population as a column."
        )
    if np.isnan(vec).any():
        raise InvalidInputError("standard_population vector cannot have missing values.")
    return vec[pos]


_BAND_LABEL = re.compile(r"^\s*(\d{1,3})\s*(?:[-\u2013]\s*\d{1,3}|\+|(?:and over|and older|plus))?\s*$", re.I)


def _check_bands(data, standard_population, groups, age_band, by, event_frequency) -> None:
    """Every group has each band of the standard exactly once (by label), or its rows in band order (by position).

    By label (``age_band`` with ESP2013 or a labelled Series): a band missing from a group, or given twice, is
    an error naming the groups and the bands. By position (no ``age_band``): a text column of the data that holds
    age-band labels (e.g. ``"0-4"``) must list them in increasing order within every group, otherwise the
    standard population would be attached to the wrong bands.
    """
    if age_band is not None and data[age_band].isna().any():
        raise InvalidInputError(
            f"age_band column {age_band!r} must not have missing values; offending "
            f"{describe_rows(data, data[age_band].isna().to_numpy(), as_list(by) + [age_band])}. Fill in the bands."
        )
    if isinstance(standard_population, str):
        if age_band is not None:
            present = pd.unique(data[age_band].dropna())
            _check_complete_bands(data, pd.Series(1.0, index=present), groups, age_band, by, event_frequency)
        elif event_frequency is None:
            _check_equal_totals(data, standard_population, groups)
        return
    std = ESP2013 if standard_population is None else standard_population
    if age_band is not None and isinstance(std, pd.Series):
        _check_complete_bands(data, std, groups, age_band, by, event_frequency)
    elif age_band is None:
        _check_positional_order(data, groups, by)


def _check_equal_totals(data, column: str, groups) -> None:
    """Groups standardised to a column must share one standard population total (else a band is missing/twice)."""
    if groups.n < 2:
        return
    totals = groups.sum(numeric(data, column, arg="standard_population"))
    ref = np.median(totals)
    off = ~np.isclose(totals, ref, rtol=1e-9, atol=1e-9)
    if off.any():
        which = np.flatnonzero(off)
        raise InvalidInputError(
            f"standard_population column {column!r} sums to different totals in different groups (most groups "
            f"{ref:,.10g}; {_group_text(groups, which)} have "
            f"{', '.join(f'{t:,.10g}' for t in totals[which[:5]])}): a band is missing or given twice in those "
            "groups, so their DSRs would not be comparable. Give every group each band once (a zero count where "
            "there were no events), or pass age_band= to have the missing bands named."
        )


def _group_text(groups, which: np.ndarray) -> str:
    if not groups.by:
        return "all data"
    keys = groups.keys.iloc[which[:5]]
    return "; ".join(", ".join(f"{c}={v!r}" for c, v in row.items()) for row in keys.to_dict("records"))


def _check_complete_bands(data, std: pd.Series, groups, age_band, by, event_frequency) -> None:
    labels = list(std.index)
    k = len(labels)
    band = pd.Index(labels).get_indexer(data[age_band].to_numpy())
    per_cell = np.bincount(groups.codes * k + band, minlength=groups.n * k).reshape(groups.n, k)
    lacking = (per_cell == 0).any(axis=1)
    if lacking.any():
        which = np.flatnonzero(lacking)
        detail = "; ".join(
            f"{_group_text(groups, np.array([g]))}: missing {[labels[j] for j in np.flatnonzero(per_cell[g] == 0)]}"
            for g in which[:5]
        )
        raise InvalidInputError(
            f"age_band column {age_band!r}: {int(lacking.sum())} group(s) lack some of the {k} bands of the "
            f"standard population ({detail}{' ...' if len(which) > 5 else ''}). A DSR needs every band: add the "
            "missing bands with a zero count and their population."
        )
    if event_frequency is None:
        twice = per_cell[groups.codes, band] > 1
        if twice.any():
            raise InvalidInputError(
                f"age_band column {age_band!r}: a band appears more than once in a group in "
                f"{describe_rows(data, twice, as_list(by) + [age_band])}. Sum or remove the duplicated rows "
                "(each group needs one row per band)."
            )
    else:
        _check_unique_bands(data, groups, age_band, by, event_frequency)


def _check_unique_bands(data, groups, age_band, by, event_frequency) -> None:
    keys = [age_band] + ([event_frequency] if event_frequency is not None else [])
    frame = data[keys].reset_index(drop=True).assign(__g=groups.codes)
    twice = frame.duplicated(keep=False).to_numpy()
    if twice.any():
        raise InvalidInputError(
            f"age_band column {age_band!r}: rows repeat the same group and band"
            f"{' and event frequency' if event_frequency else ''} in "
            f"{describe_rows(data, twice, as_list(by) + keys)}. Sum or remove the duplicated rows."
        )


def _check_positional_order(data, groups, by) -> None:
    """With bands attached by row position, a column of band labels must run in increasing order per group."""
    for column in data.columns:
        if column in groups.by or pd.api.types.is_numeric_dtype(data[column]) or len(data) == 0:
            continue
        text = data[column].astype("string")
        parts = text.str.extract(_BAND_LABEL.pattern, flags=re.I, expand=False)
        if parts.isna().any():
            continue  # not a column of age-band labels
        start = parts.astype(float).to_numpy()
        order = np.argsort(groups.codes, kind="stable")
        same = np.diff(groups.codes[order]) == 0
        wrong = same & (np.diff(start[order]) <= 0)
        if wrong.any():
            rows = np.zeros(len(data), dtype=bool)
            rows[order[1:][wrong]] = True
            raise InvalidInputError(
                f"the standard population is attached by row position, but column {column!r} holds age bands that "
                "are not in increasing order (or repeat) within a group: "
                f"{describe_rows(data, rows, as_list(by) + [column])}. "
                f"Pass age_band={column!r} to match the bands by label, or sort the rows by band."
            )
        return


def dsr(
    data: pd.DataFrame,
    count: str,
    population: str,
    standard_population=None,
    *,
    by=None,
    confidence=0.95,
    multiplier=100_000,
    independent_events: bool = True,
    event_frequency: str | None = None,
    age_band: str | None = None,
):
    """Directly standardised rate with Dobson confidence limits, per group.

    Parameters
    ----------
    data : DataFrame
        One row per standardisation category (age band) per group. For non-independent events one row per
        group × age band × event frequency (see ``independent_events``).
    count : str
        Events in the band (≥ 0; missing counts are treated as 0). With ``independent_events=False``: the
        number of *people* who had exactly ``event_frequency`` events.
    population : str
        Population of the band (> 0, no missing values).
    standard_population : str, Series, array-like or None, default None
        A column of ``data`` with each band's standard population; or a vector attached by row position
        within every group (each group must then have exactly that many rows, in band order); or a Series
        indexed by band label, matched to ``age_band`` when that is given. ``None`` means :data:`ESP2013`
        (19 bands ``"0-4"`` … ``"90+"``): by label when ``age_band`` is given, else by position.
    by : str or list of str, optional
        Group columns (one DSR per group, groups in order of first appearance); None for one DSR of all rows.
        The ``event_frequency`` column is ignored if listed here.
    confidence : float or tuple, default 0.95
        0.95 or 95, or ``(0.95, 0.998)``.
    multiplier : float, default 100_000
        Rate per ``multiplier`` standard population.
    independent_events : bool, default True
        False to widen the interval for people with repeat events (Fingertips technical guidance): the
        data must then be broken down by ``event_frequency`` and ``age_band``.
    event_frequency : str, optional
        Column with the number of events per person (required when ``independent_events`` is False).
    age_band : str, optional
        Column with the band label (required when ``independent_events`` is False; also used to match a
        labelled standard population).

    Returns
    -------
    DataFrame
        Group columns, ``total_count``, ``total_pop``, ``value``, the limits, ``confidence``, ``statistic``
        (``"dsr per 100000"``), ``method`` (``"Dobson"``) and ``suppression_reason``. Groups with fewer
        than 10 events get NA value and limits, ``statistic`` ``"dsr NA for total count < 10"``, a
        ``suppression_reason`` and one :class:`~healthintel.errors.SuppressionWarning`.

    Raises
    ------
    InvalidInputError
        Negative or infinite counts; missing, non-positive or infinite populations; missing, negative or
        infinite standard populations; a band of the standard missing from a group or given twice (matched by
        ``age_band`` label: the error names the groups and the bands); rows whose band labels are out of order
        when the standard is attached by position (a text column of labels such as ``"0-4"`` is checked); groups
        whose standard-population column sums to different totals; a
        standard population vector whose length differs from a group's row count; bad multiplier or
        confidence; missing ``event_frequency``/``age_band`` for non-independent events, or populations that
        differ between frequency rows of the same group and band.

    Notes
    -----
    With counts ``x_i``, populations ``n_i`` and standard populations ``w_i`` of a group, ``O = Σx_i``:
    ``DSR = Σ(x_i w_i / n_i) / Σw_i``, ``var = Σ x_i (w_i/n_i)² / (Σw_i)²`` and the limits are
    ``DSR + √(var/O) · (O_{L,U} − O)``, with ``O_L, O_U`` Byar's limits of ``O`` (whatever its size), all times
    ``multiplier``. For non-independent events ``var`` is computed per event frequency ``f`` from the counts of
    people and combined as ``Σ f² var_f``; the DSR uses events ``Σ f·x``.

    References
    ----------
    Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for weighted sums of Poisson parameters.
    Stat Med 1991;10:457-62. Breslow NE, Day NE. Statistical methods in cancer research, vol II. IARC; 1987.
    Eurostat. Revision of the European Standard Population, 2013. PHEindicatormethods 2.1.0 ``calculate_dsr``.
    """
    if not isinstance(independent_events, (bool, np.bool_)):
        raise InvalidInputError(f"independent_events must be True or False; got {independent_events!r}.")
    by = [c for c in as_list(by) if c != event_frequency or independent_events]
    require_columns(data, count=count, population=population, by=by, age_band=age_band,
                    event_frequency=event_frequency)
    check_finite_non_negative(data, count, arg="count", by=by, allow_na=True)
    n = numeric(data, population, arg="population")
    if np.isnan(n).any():
        raise InvalidInputError(
            f"population column {population!r} cannot have missing values; offending "
            f"{describe_rows(data, np.isnan(n), by + [population])}. Fill them or drop the rows."
        )
    check_positive(data, population, arg="population", by=by)
    multiplier = check_multiplier(multiplier)
    conf = parse_confidence(confidence)
    if not independent_events:
        for arg, col in (("event_frequency", event_frequency), ("age_band", age_band)):
            if col is None:
                raise InvalidInputError(
                    f"dsr with independent_events=False needs {arg}=<column>: the data must be broken down by "
                    "age band and by the number of events per person."
                )
        check_finite_non_negative(data, str(event_frequency), arg="event_frequency", by=by)
        if data[age_band].isna().any():
            raise InvalidInputError(
                f"age_band column {age_band!r} must not have missing values; offending "
                f"{describe_rows(data, data[age_band].isna().to_numpy(), by + [age_band])}."
            )

    groups = grouper(data, by)
    w = _standard_weights(data, standard_population, groups, age_band, by)
    if (w < 0).any() or np.isinf(w).any():
        bad = (w < 0) | np.isinf(w)
        raise InvalidInputError(
            f"standard populations must be zero or more and finite; {int(bad.sum())} row(s) are not, e.g. "
            f"{describe_rows(data, bad, by)}."
        )
    _check_bands(data, standard_population, groups, age_band, by,
                 event_frequency if not independent_events else None)
    x = np.nan_to_num(numeric(data, count, arg="count"), nan=0.0)

    if independent_events:
        total = groups.sum(x)
        pop = groups.sum(n)
        sw = groups.sum(w)
        ratio = w / n
        with np.errstate(divide="ignore", invalid="ignore"):
            value = groups.sum(x * ratio) / sw
            var = groups.sum(x * ratio * ratio) / sw**2
        method = "Dobson"
    else:
        total, pop, value, var = _non_independent(data, x, n, w, groups, event_frequency, age_band, by)
        method = "Dobson, with confidence adjusted for non-independent events"

    # build the output in one constructor call: inserting columns one by one dominates the run time
    cols = {c: groups.keys[c].array for c in groups.keys.columns} if groups.by else {}
    cols["total_count"] = total
    cols["total_pop"] = pop
    suppressed = total < MIN_COUNT
    with np.errstate(divide="ignore", invalid="ignore"):
        cols["value"] = np.where(suppressed, np.nan, value * multiplier)
        spread = np.sqrt(var / total) * multiplier
        for z, (lo, hi) in zip(conf.z, conf.columns):
            cols[lo] = np.where(suppressed, np.nan, value * multiplier + spread * (byars_lower(total, z) - total))
            cols[hi] = np.where(suppressed, np.nan, value * multiplier + spread * (byars_upper(total, z) - total))
    flag = suppressed.astype(np.int8)
    zeros = np.zeros(groups.n, dtype=np.int8)
    cols["confidence"] = text_column(zeros, [conf.label])
    cols["statistic"] = text_column(flag, [f"dsr per {format_number(multiplier)}", SUPPRESSED])
    cols["method"] = text_column(zeros, [method])
    cols["suppression_reason"] = text_column(flag - 1, ["total count < 10"], dtype="string")
    out = pd.DataFrame(cols, index=pd.RangeIndex(groups.n))
    if suppressed.any():
        warnings.warn(
            f"{int(suppressed.sum())} group(s) have fewer than {MIN_COUNT} events: their DSR and limits are NA "
            "(see the suppression_reason column).",
            SuppressionWarning,
            stacklevel=2,
        )
    return out


def _combine(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes for the pairs (a_i, b_i), in first-appearance order."""
    codes, uniques = pd.factorize(a.astype(np.int64) * (int(b.max(initial=0)) + 1) + b, sort=False)
    return codes.astype(np.intp), len(uniques)


def _non_independent(data, x, n, w, groups, event_frequency, age_band, by):
    """Events, population, un-multiplied DSR and the frequency-adjusted variance, per group."""
    freq = numeric(data, event_frequency, arg="event_frequency")
    fcode, funiq = pd.factorize(freq, sort=False)
    acode, _ = pd.factorize(data[age_band], sort=False, use_na_sentinel=False)
    g = groups.codes

    # variance per group x frequency, each over that subset's own standard-population total
    gf, n_gf = _combine(g, fcode)
    sw_gf = np.bincount(gf, weights=w, minlength=n_gf)
    ratio = w / n
    with np.errstate(divide="ignore", invalid="ignore"):
        var_gf = np.bincount(gf, weights=x * ratio * ratio, minlength=n_gf) / sw_gf**2
    f_gf = np.empty(n_gf)
    f_gf[gf] = freq
    g_gf = np.empty(n_gf, dtype=np.intp)
    g_gf[gf] = g
    var = np.bincount(g_gf, weights=f_gf**2 * var_gf, minlength=groups.n)

    # events per group x age band; n and w must be the same on every frequency row of a band
    ga, n_ga = _combine(g, acode.astype(np.int64))
    for arr, label in ((n, "population"), (w, "standard population")):
        lo = np.full(n_ga, np.inf)
        hi = np.full(n_ga, -np.inf)
        np.minimum.at(lo, ga, arr)
        np.maximum.at(hi, ga, arr)
        bad = (hi != lo)[ga]
        if bad.any():
            raise InvalidInputError(
                f"rows with the same group and age band must have the same {label} on every event-frequency "
                f"row; they differ in {describe_rows(data, bad, by + [age_band, event_frequency])}."
            )
    events = np.bincount(ga, weights=freq * x, minlength=n_ga)
    n_band = np.empty(n_ga)
    n_band[ga] = n
    w_band = np.empty(n_ga)
    w_band[ga] = w
    g_band = np.empty(n_ga, dtype=np.intp)
    g_band[ga] = g
    total = np.bincount(g_band, weights=events, minlength=groups.n)
    pop = np.bincount(g_band, weights=n_band, minlength=groups.n)
    sw = np.bincount(g_band, weights=w_band, minlength=groups.n)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.bincount(g_band, weights=events * w_band / n_band, minlength=groups.n) / sw
    return total, pop, value, var
