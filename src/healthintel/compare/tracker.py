"""The outcomes tracker: every registered outcome-framework indicator for an area with its latest value, CI,
England benchmark, recent trend, progress to goal and the series behind each trend chart (compute only: the
chapter :mod:`healthintel.chapters.outcomes_tracker` draws the tables and charts).

Real published values exist for four Fingertips indicators: life expectancy 90366 and its SII 92901, Year 6
obesity 90323 and excess weight 20602. They come from one of two places (``source=``):

- ``"mirror"`` (default): the static extracts in the data mirror (Medway, Kent's districts and England; no Kent
  county row, no confidence limits).
- ``"fingertips"``: the Fingertips API through :class:`~healthintel.sources.fingertips.FingertipsClient` (legacy
  API, counties and unitary authorities, area type 502, so Kent county has rows too) with its on-disk cache;
  offline it answers from the cache. The 95% confidence limits are used when the API publishes them. A request
  that neither the network nor the cache can answer falls back to the mirror extract, and the tracker says so
  (:attr:`OutcomesTracker.notes`, naming the request). The provenance of every request (URL, fetched-at time,
  API generation, cache status) is in :meth:`OutcomesTracker.fingertips_provenance`.

  With this source the tracker also compares the area with its **CIPFA nearest neighbours** as Fingertips lists
  them (legacy ``areas/by_parent_area_code``, ``nn-1-<code>``; Kent county and Medway UA; the ICB area has
  none): the neighbours' codes go into the same indicator data requests, and
  :meth:`OutcomesTracker.neighbours` gives, per indicator read from the API, the neighbours' median, range and
  the area's rank (1 = best by the indicator's polarity) for the area's latest period. A neighbour request
  that cannot be answered leaves the tracker complete, without the comparison, and adds a note naming it.

Every other indicator gets **demo values**: a seeded, clearly labelled illustrative series so the chapter's
layout and methods can be reviewed. Demo rows say "DEMO – not real" in the table, in the chart titles and in the
report banner.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import FingertipsError, FingertipsOfflineError, InvalidInputError
from ..sources.published import FINGERTIPS_EXTRACTS, _period_label, fingertips_extract
from ..polarity import HIGH_IS_GOOD, LOW_IS_GOOD
from .benchmark import benchmark
from .targets import load_targets, target_progress
from .trend import recent_trend

__all__ = ["outcomes_tracker", "OutcomesTracker", "DEMO_LABEL", "SOURCES", "NEIGHBOUR_COLUMNS"]

DEMO_LABEL = "DEMO – not real"
REAL_LABEL = "Fingertips (published)"
#: Where the published series come from (the ``source`` argument / notebook parameter).
SOURCES = ("mirror", "fingertips")
AREA_CODES = {"Medway": "E06000035", "Kent": "E10000016", "England": "E92000001"}
#: Fingertips area type of the tracker's areas: counties and unitary authorities (April 2023 boundaries).
FINGERTIPS_AREA_TYPE = 502
#: Fingertips nearest-neighbour type: 1 = CIPFA.
CIPFA = 1
#: Columns of :meth:`OutcomesTracker.neighbours`.
NEIGHBOUR_COLUMNS = ["id", "name", "polarity", "period", "value", "n_neighbours", "neighbours_median",
                     "neighbours_min", "neighbours_max", "rank", "n_ranked", "neighbours"]
#: Columns of :attr:`OutcomesTracker.neighbour_values` (one row per indicator and area with a value).
_VALUE_COLUMNS = ["id", "name", "polarity", "period", "area_code", "area_name", "is_area", "value"]
_AREA_COLUMNS = ["area_code", "area_name"]
#: Indicators whose Fingertips periods are academic years ("2021/22" = September to August).
_ACADEMIC = {90323, 20602}
#: Context indicators shown beside the registry (real values, no numeric goal in the strategy).
CONTEXT = [
    {"id": "ctx-Y6-OB", "name": "Year 6 prevalence of obesity (incl. severe obesity)", "fingertips_id": 90323,
     "sex": "Persons", "polarity": "low_is_good", "unit": "%", "value_type": "proportion"},
    {"id": "ctx-Y6-EW", "name": "Year 6 children with excess weight (to 2017/18)", "fingertips_id": 20602,
     "sex": "Persons", "polarity": "low_is_good", "unit": "%", "value_type": "proportion"},
]
# Illustrative starting points for demo series whose registry baseline is "from the data".
_DEMO_BASE = {"G.1": 100.0, "G.2-LE-M": 79.0, "G.2-LE-F": 83.0, "G.2-SII-M": 9.5, "G.2-SII-F": 7.0, "4.3": 2.3}
_TRENDABLE = {"proportion": "proportion", "dsr": "dsr", "crude_rate": "crude_rate"}


def _seed(*parts) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8], 16)


def _demo_periods(baseline_period: str, n: int = 6, last: int = 2023) -> list[str]:
    p = str(baseline_period)
    years = range(last - n + 1, last + 1)
    if "/" in p:
        return [f"{y}/{(y + 1) % 100:02d}" for y in years]
    if "-" in p:
        return [f"{y}-{(y + 2) % 100:02d}" for y in range(last - n - 1, last - 1)]
    return [str(y) for y in years]


def _demo_series(ind: pd.Series, area: str) -> pd.DataFrame:
    rng = np.random.default_rng(_seed(ind["id"], area))
    base = ind["baseline_value"] if not pd.isna(ind["baseline_value"]) else _DEMO_BASE.get(ind["id"], 50.0)
    periods = _demo_periods(ind["baseline_period"])
    drift = rng.normal(0, 0.02) * base
    noise = rng.normal(0, 0.01 * abs(base), len(periods))
    value = base + drift * np.arange(len(periods)) + noise
    half = 0.03 * abs(value) if ind["unit"] != "rank" else np.full(len(periods), np.nan)
    england = base * (1 + rng.normal(0, 0.03)) + 0.5 * drift * np.arange(len(periods))
    return pd.DataFrame({"period": periods, "value": value.round(1), "lower_ci": (value - half).round(1),
                         "upper_ci": (value + half).round(1), "england": england.round(1)})


def _published_id(ind: pd.Series, area: str) -> int | None:
    """The Fingertips id of ``ind`` when real published values can be shown for ``area`` (else None)."""
    fid = ind.get("fingertips_id")
    if AREA_CODES.get(area) is None or pd.isna(fid) or int(fid) not in FINGERTIPS_EXTRACTS:
        return None
    if int(fid) == 90323 and str(ind["id"]).startswith("1.2"):  # healthy weight / severe obesity: other measures
        return None
    return int(fid)


def _real_series(ind: pd.Series, area: str) -> pd.DataFrame | None:
    fid = _published_id(ind, area)
    if fid is None:
        return None
    code = AREA_CODES[area]
    ext = fingertips_extract(fid)
    sex = ind.get("sex", "Persons")
    rows = ext[(ext["area_code"] == code) & (ext["sex"] == sex)]
    eng = ext[(ext["area_code"] == AREA_CODES["England"]) & (ext["sex"] == sex)].set_index("period")["value"]
    if rows["value"].notna().sum() == 0:
        return None
    out = rows[["period", "value", "lower_ci", "upper_ci", "published_benchmark"]].copy()
    out["england"] = out["period"].map(eng).to_numpy(dtype=float)
    out.attrs["sources"] = ext.attrs["sources"]
    return out.reset_index(drop=True)


def _whole_area_rows(data: pd.DataFrame, ind: pd.Series, code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows of area ``code``, rows of every area) of ``ind`` in a tidy Fingertips frame: whole-area rows of the
    indicator's sex and of the age band of the area's rows (the commonest, should the API send more)."""
    sex = ind.get("sex", "Persons")
    whole = data[data["category_type"].isna() & (data["sex"] == sex)]
    rows = whole[whole["area_code"] == code]
    if rows["age"].notna().any():
        age = rows["age"].mode().iloc[0]
        rows, whole = rows[rows["age"] == age], whole[whole["age"] == age]
    return rows, whole


def _api_series(data: pd.DataFrame, ind: pd.Series, area: str) -> pd.DataFrame | None:
    """The tracker series of ``ind`` for ``area`` from a tidy Fingertips frame (whole-area rows; England values
    as the comparator; the published 95% CIs and "compared with England" label)."""
    code, england = AREA_CODES[area], AREA_CODES["England"]
    rows, whole = _whole_area_rows(data, ind, code)
    if rows["value"].notna().sum() == 0:
        return None
    rows = rows.sort_values("period_sortable", kind="stable").drop_duplicates("period_label", keep="last")
    eng = whole[whole["area_code"] == england].drop_duplicates("period_label", keep="last")
    eng = eng.set_index("period_label")["value"]
    out = pd.DataFrame({
        "period": rows["period_label"].map(_period_label).to_numpy(),
        "value": rows["value"].to_numpy(dtype=float),
        "lower_ci": rows["lower_ci_95_0"].to_numpy(dtype=float),
        "upper_ci": rows["upper_ci_95_0"].to_numpy(dtype=float),
        "published_benchmark": rows["compared_to_england"].fillna("Not compared").to_numpy(dtype=object),
        "england": rows["period_label"].map(eng).to_numpy(dtype=float),
    })
    return out


def _neighbour_values(data: pd.DataFrame, ind: pd.Series, area: str, period: str,
                      neighbours: pd.DataFrame) -> pd.DataFrame:
    """Rows of :attr:`OutcomesTracker.neighbour_values` for ``ind``: the neighbours with a value for ``period``
    (the area's latest) in a tidy Fingertips frame (same sex and age band as the area's series)."""
    _, whole = _whole_area_rows(data, ind, AREA_CODES[area])
    rows = whole[whole["area_code"].isin(neighbours["area_code"])]
    rows = rows.sort_values("period_sortable", kind="stable").drop_duplicates(["area_code", "period_label"],
                                                                              keep="last")
    rows = rows[(rows["period_label"].map(_period_label) == period) & rows["value"].notna()]
    names = neighbours.set_index("area_code")["area_name"]
    return _values_frame(rows["area_code"], rows["area_code"].map(names).fillna(rows["area_name"]), rows["value"])


def _values_frame(codes, names, values, is_area: bool = False) -> pd.DataFrame:
    """``area_code``, ``area_name``, ``is_area``, ``value`` with fixed dtypes (also when empty)."""
    return pd.DataFrame({"area_code": np.asarray(codes, dtype=object), "area_name": np.asarray(names, dtype=object),
                         "is_area": np.full(len(codes), is_area, dtype=bool),
                         "value": np.asarray(values, dtype=float)})


def _neighbour_summary(values: pd.DataFrame) -> pd.DataFrame:
    """:meth:`OutcomesTracker.neighbours` from the long ``values`` frame (one row per indicator and area with a
    value; ``is_area`` marks the tracked area): grouped by indicator, no loop over indicators."""
    own = values[values["is_area"]].set_index("id")
    if own.empty:
        return pd.DataFrame(columns=NEIGHBOUR_COLUMNS)
    nb = values[~values["is_area"]]
    by = nb.groupby("id", sort=False)
    stats = by["value"].agg(["count", "median", "min", "max"]).reindex(own.index)
    # rank 1 = best: order by the value with the sign of the polarity (no judgement -> no rank)
    sign = values["polarity"].map({HIGH_IS_GOOD: -1.0, LOW_IS_GOOD: 1.0})
    rank = (values["value"] * sign).groupby(values["id"], sort=False).rank(method="min")
    ranked = (values["value"].notna() & sign.notna()).groupby(values["id"], sort=False).sum()
    out = pd.DataFrame({
        "id": own.index, "name": own["name"].to_numpy(), "polarity": own["polarity"].to_numpy(),
        "period": own["period"].to_numpy(), "value": own["value"].to_numpy(dtype=float),
        "n_neighbours": stats["count"].fillna(0).astype(int).to_numpy(),
        "neighbours_median": stats["median"].to_numpy(dtype=float),
        "neighbours_min": stats["min"].to_numpy(dtype=float), "neighbours_max": stats["max"].to_numpy(dtype=float),
        "rank": rank[values["is_area"]].set_axis(values.loc[values["is_area"], "id"]).reindex(own.index)
        .astype("Int64").array,
        "n_ranked": ranked.reindex(own.index).astype(int).to_numpy(),
        "neighbours": by["area_name"].agg("; ".join).reindex(own.index).fillna("").to_numpy(dtype=object),
    })
    out["n_ranked"] = out["n_ranked"].where(out["rank"].notna(), 0)
    return out[NEIGHBOUR_COLUMNS]


class _FingertipsSource:
    """Published series from the Fingertips API (one request per indicator, cached on disk), falling back to the
    mirror extract, with a note, when neither the network nor the cache can answer; and the area's CIPFA
    nearest neighbours (one request, fetched before the first data request so that their codes are kept)."""

    def __init__(self, client=None, backend: str = "legacy"):
        from ..sources.fingertips import FingertipsClient

        self.own = client is None
        self.client = FingertipsClient(backend) if client is None else client
        self.frames: dict[int, pd.DataFrame | None] = {}
        self.notes: list[str] = []
        #: CIPFA nearest neighbours (``area_code``, ``area_name``; empty: none), once asked for.
        self.nn: pd.DataFrame | None = None
        self.nn_note = ""
        self.nn_provenance: list[dict] = []

    def close(self) -> None:
        if self.own:
            self.client.close()

    def _reason(self, exc: FingertipsError, request: str) -> str:
        if isinstance(exc, FingertipsOfflineError):
            return f"offline, and not in the cache {self.client.cache.directory}"
        return str(exc).replace(f": {request}", "").replace(request, "the request")

    def neighbours(self, area: str) -> pd.DataFrame:
        """The CIPFA nearest neighbours of ``area`` (empty, with :attr:`nn_note` saying why, when there are none
        or the request cannot be answered; the latter also adds a note naming the request)."""
        if self.nn is not None:
            return self.nn
        self.nn = pd.DataFrame(columns=_AREA_COLUMNS)
        code = AREA_CODES.get(area)
        if code is None or area == "England":
            self.nn_note = (f"{area} has no CIPFA nearest neighbours in Fingertips (they are published for "
                            "counties and unitary authorities such as Kent or Medway): no nearest-neighbour "
                            "comparison.")
            return self.nn
        if self.client.backend != "legacy":
            self.nn_note = ("Nearest neighbours are published by the legacy Fingertips API only: no "
                            "nearest-neighbour comparison with this client.")
            return self.nn
        try:
            found = self.client.nearest_neighbours(code, FINGERTIPS_AREA_TYPE, neighbour_type=CIPFA)
        except FingertipsError as exc:
            request = exc.request or self.client.nearest_neighbours_request(code, FINGERTIPS_AREA_TYPE, CIPFA).url
            self.notes.append(
                f"Fingertips CIPFA nearest neighbours of {area}: no answer from the network or the cache for "
                f"{request} ({self._reason(exc, request)}); no nearest-neighbour comparison is shown.")
            self.nn_note = (f"No nearest-neighbour comparison for {area}: the request for its CIPFA nearest "
                            "neighbours could not be answered (see the note on the data source).")
            return self.nn
        self.nn_provenance = list(found.attrs.get("provenance", []))
        self.nn = found.loc[found["area_code"] != code, _AREA_COLUMNS].drop_duplicates("area_code")
        self.nn = self.nn.reset_index(drop=True)
        if self.nn.empty:
            self.nn_note = f"Fingertips lists no CIPFA nearest neighbours for {area}: no nearest-neighbour comparison."
        return self.nn

    def data(self, fid: int, area: str) -> pd.DataFrame | None:
        if fid not in self.frames:
            codes = [AREA_CODES[area], AREA_CODES["England"], *self.neighbours(area)["area_code"]]
            try:
                self.frames[fid] = self.client.indicator_data(
                    fid, FINGERTIPS_AREA_TYPE, area_codes=codes,
                    year_type="academic" if fid in _ACADEMIC else "financial")
            except FingertipsError as exc:
                self.frames[fid] = None
                request = exc.request or self.client.data_request(fid, FINGERTIPS_AREA_TYPE, area_codes=codes).url
                reason = self._reason(exc, request)
                self.notes.append(
                    f"Fingertips indicator {fid}: no answer from the network or the cache for {request} ({reason}); "
                    f"the data mirror extract {FINGERTIPS_EXTRACTS[fid]} is used instead (demo values where it "
                    f"has no row for {area}).")
        return self.frames[fid]

    def series(self, ind: pd.Series, area: str) -> tuple[pd.DataFrame | None, str]:
        """(series, origin): origin is "fingertips", "mirror" (fallback) or "" (no published series)."""
        fid = _published_id(ind, area)
        if fid is None:
            return None, ""
        data = self.data(fid, area)
        if data is None:
            return _real_series(ind, area), "mirror"
        s = _api_series(data, ind, area)
        return s, "fingertips" if s is not None else ""

    def neighbour_values(self, ind: pd.Series, area: str, period: str) -> pd.DataFrame:
        """The CIPFA neighbours' values of ``ind`` for ``period`` (empty without neighbours or API data)."""
        fid = _published_id(ind, area)
        nn = self.neighbours(area)
        data = self.frames.get(fid) if fid is not None else None
        if data is None or nn.empty:
            return _values_frame([], [], [])
        return _neighbour_values(data, ind, area, period, nn)

    @property
    def provenance(self) -> list[dict]:
        """Provenance records of the neighbour request, then of each indicator request, as answered."""
        data = [rec for frame in self.frames.values() if frame is not None for rec in frame.attrs["provenance"]]
        return self.nn_provenance + data


@dataclass
class OutcomesTracker:
    """Results of :func:`outcomes_tracker` for one area (rows, series, sources, nearest neighbours).

    Attributes
    ----------
    area : str
        The tracked area.
    rows : DataFrame
        One row per indicator (see :func:`outcomes_tracker`).
    series : dict
        Indicator id -> the per-period values behind its chart.
    sources : list of str
        Catalog ids of the data mirror extracts used.
    source : {"mirror", "fingertips"}
        Where the published series came from.
    notes : list of str
        Visible notes about Fingertips requests that could not be answered (an indicator request, so the
        mirror extract was used; or the nearest-neighbour request, so there is no neighbour comparison), each
        naming the request.
    fingertips_requests : list of dict
        One provenance record per Fingertips request answered (nearest neighbours and indicator data; the
        ``df.attrs["provenance"]`` records).
    nearest_neighbours : DataFrame
        The area's CIPFA nearest neighbours from Fingertips (``area_code``, ``area_name``); empty for the
        mirror source, for areas without neighbours (Kent and Medway) and when the request was not answered.
    neighbour_values : DataFrame
        Long form behind :meth:`neighbours`: one row per indicator read from the API and area (the tracked
        area, ``is_area`` True, and each neighbour with a value) at the area's latest period: ``id``,
        ``name``, ``polarity``, ``period``, ``area_code``, ``area_name``, ``is_area``, ``value``.
    neighbour_note : str
        Why there is no neighbour comparison with ``source="fingertips"`` (empty when there is one, and for
        the mirror source).
    fingertips_cache_dir : str
        The on-disk cache folder of the Fingertips client the tracker read from (empty for the mirror source).
    """

    area: str
    rows: pd.DataFrame
    series: dict = field(repr=False)
    sources: list
    source: str = "mirror"
    notes: list = field(default_factory=list)
    fingertips_requests: list = field(default_factory=list)
    nearest_neighbours: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_AREA_COLUMNS),
                                             repr=False)
    neighbour_values: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_VALUE_COLUMNS),
                                           repr=False)
    neighbour_note: str = ""
    fingertips_cache_dir: str = ""

    @property
    def n_neighbours(self) -> int:
        """Number of CIPFA nearest neighbours compared with (0 when none)."""
        return len(self.nearest_neighbours)

    def neighbours(self) -> pd.DataFrame:
        """The area against its CIPFA nearest neighbours, one row per indicator read from the Fingertips API.

        Returns
        -------
        DataFrame
            Columns :data:`NEIGHBOUR_COLUMNS`: ``id``, ``name``, ``polarity``, ``period`` (the area's latest),
            ``value`` (the area's), ``n_neighbours`` (neighbours with a value for that period),
            ``neighbours_median``, ``neighbours_min``, ``neighbours_max`` (of those values; NaN when none),
            ``rank`` (the area among itself and those neighbours, 1 = best by the indicator's polarity, ties
            share the best rank; NA when the polarity makes no judgement), ``n_ranked`` (areas ranked) and
            ``neighbours`` (names of the neighbours with a value, "; "-separated). Empty, with these columns,
            for the mirror source and when there are no neighbours (see :attr:`neighbour_note`).
        """
        if self.nearest_neighbours.empty or self.neighbour_values.empty:
            return pd.DataFrame(columns=NEIGHBOUR_COLUMNS)
        return _neighbour_summary(self.neighbour_values)

    def fingertips_provenance(self) -> pd.DataFrame:
        """Provenance rows of the Fingertips requests (URL, API generation, fetched-at time, cache status) in the
        columns of :func:`healthintel.sources.catalog.provenance`, for the report footer (empty when none)."""
        from ..sources.fingertips import provenance_table

        return provenance_table(self.fingertips_requests)

    @property
    def n_from_api(self) -> int:
        """Indicators whose published series was read from the Fingertips API (0 for the mirror source)."""
        return int((self.rows["origin"] == "fingertips").sum()) if len(self.rows) else 0

    @property
    def source_note(self) -> str:
        """Where the real rows came from, and any fallback (plain text; empty for the mirror)."""
        if self.source != "fingertips":
            return ""
        text = (f"Published comparators from the Fingertips API (source=\"fingertips\", through the local cache): "
                f"{self.n_from_api} indicator(s) read from the API; request, fetched-at time, API generation and "
                "cache status are in the provenance table.")
        if self.notes:
            text += (f" {len(self.notes)} request(s) could not be answered: " + " ".join(self.notes) +
                     " To answer them offline, run the chapter once with network access or set "
                     "HEALTHINTEL_FINGERTIPS_CACHE to a folder holding a warm cache.")
        return text

    @property
    def has_demo(self) -> bool:
        return bool((self.rows["source"] == DEMO_LABEL).any())

    @property
    def demo_note(self) -> str:
        n = int((self.rows["source"] == DEMO_LABEL).sum())
        return (f"{n} of {len(self.rows)} indicators for {self.area} show DEMO values (labelled \"{DEMO_LABEL}\"): "
                "illustrative numbers generated by healthintel so the layout and methods can be reviewed. They are "
                "not real figures. Rows marked \"Fingertips (published)\" are real published values.")

    def headline(self, indicator_id: str) -> float | None:
        """Latest value of one indicator (None if the area has no row for it)."""
        r = self.rows.set_index("id")
        return float(r.loc[indicator_id, "value"]) if indicator_id in r.index else None

    @property
    def n_real(self) -> int:
        """Indicators with real published values."""
        return int((self.rows["source"] == REAL_LABEL).sum())

    def progress(self) -> dict:
        """Indicator id -> progress to goal ("met", "on track", "off track", "no data", "no target set")."""
        return dict(zip(self.rows["id"], self.rows["progress"]))

    def real_progress_counts(self) -> pd.Series:
        """How many of the real indicators are in each progress category (most common first)."""
        return self.rows.loc[self.rows["source"] == REAL_LABEL, "progress"].value_counts()


def outcomes_tracker(area: str, *, targets: pd.DataFrame | None = None, source: str = "mirror",
                     client=None) -> OutcomesTracker:
    """Every registered outcome indicator (plus real context indicators) for ``area``.

    Parameters
    ----------
    area : str
        "Kent and Medway", "Kent", "Medway" (the mirror extracts have real published values for Medway and
        England only, no Kent county row; the Fingertips API has Kent county too) — other areas get demo values
        throughout.
    targets : DataFrame, optional
        The registry (:func:`~healthintel.compare.load_targets`); its indicators whose ``area`` is
        "Kent and Medway" or ``area`` are tracked.
    source : {"mirror", "fingertips"}
        Where the published series (area and England comparator) come from: the data mirror extracts, or the
        Fingertips API through the on-disk cache (offline: the cache only; a request neither can answer falls
        back to the mirror extract with a note in ``notes``).
    client : FingertipsClient, optional
        The client for ``source="fingertips"`` (default: a legacy-API client configured from the environment,
        ``HEALTHINTEL_FINGERTIPS_CACHE``, ``HEALTHINTEL_FINGERTIPS_OFFLINE``, ``HEALTHINTEL_FINGERTIPS_URL``).

    Returns
    -------
    OutcomesTracker
        ``rows`` — one row per indicator: ``id``, ``name``, ``source`` ("Fingertips (published)" or
        "DEMO – not real"), ``origin`` ("fingertips" API, "mirror" extract or "demo"), ``period``, ``value``,
        ``lower_ci``, ``upper_ci`` (published 95% limits from the API; the mirror extracts have none),
        ``england``, ``benchmark`` (Fingertips' own published label for real rows; our CI-overlap benchmark for
        demo rows), ``trend`` (:func:`recent_trend`; "Cannot be calculated" where CIs or counts are not
        published), goal and ``progress`` (:func:`target_progress`); ``series`` — the per-period values behind
        each chart; ``sources`` — catalog ids of the mirror extracts used; ``fingertips_requests`` — the
        provenance records of the API requests (nearest neighbours and indicator data); ``notes`` — requests
        that could not be answered (fallbacks to the mirror; a missing neighbour comparison);
        ``nearest_neighbours``, ``neighbour_values``, :meth:`~OutcomesTracker.neighbours` and
        ``neighbour_note`` — the comparison with the area's CIPFA nearest neighbours (``source="fingertips"``
        only; none for "Kent and Medway").

    Notes
    -----
    With ``source="fingertips"`` the area's CIPFA nearest neighbours are asked for first
    (``areas/by_parent_area_code?area_type_id=502&parent_area_code=nn-1-<code>``) and their codes are added to
    each indicator data request. The legacy data request has no area filter (the same URL and cache entry
    whatever the codes), so the codes only decide which rows are kept. A neighbour request that neither the
    network nor the cache can answer adds a note and the tracker is built without the comparison.
    """
    if source not in SOURCES:
        raise InvalidInputError(f"source must be one of {', '.join(map(repr, SOURCES))}, not {source!r}.")
    api = _FingertipsSource(client) if source == "fingertips" else None
    try:
        return _track(area, targets, api)
    finally:
        if api is not None:
            api.close()


def _track(area: str, targets, api) -> OutcomesTracker:
    reg = load_targets() if targets is None else targets
    reg = reg[reg["area"].isin(["Kent and Medway", area]) | (area == "Kent and Medway")]
    ctx = pd.DataFrame(CONTEXT).assign(baseline_period="2018", baseline_value=np.nan, goal_period="2018",
                                       goal_value=np.nan, goal_change=np.nan, area=area, comparator="England",
                                       note="context indicator: no numeric goal in the strategy")
    rows, series, sources, nn_values = [], {}, [], []
    for _, ind in pd.concat([reg, ctx], ignore_index=True).iterrows():  # ≤ 20 indicators: a loop is fine here
        s, origin = api.series(ind, area) if api is not None else (_real_series(ind, area), "mirror")
        if s is None:
            if str(ind["id"]).startswith("ctx-"):
                continue
            s = _demo_series(ind, area)
            s["benchmark"] = benchmark(s, "england", polarity=ind["polarity"])["benchmark"].to_numpy()
            source, origin = DEMO_LABEL, "demo"
        else:
            s["benchmark"] = s["published_benchmark"]
            sources += [x for x in s.attrs.get("sources", []) if x not in sources]
            source = REAL_LABEL
        vt = _TRENDABLE.get(ind["value_type"], "other")
        tr = recent_trend(s, period="period", value="value", lower_ci="lower_ci", upper_ci="upper_ci",
                          value_type=vt, polarity=ind["polarity"], method="weighted_regression",
                          missing_ci="cannot").iloc[0]
        if str(ind["id"]).startswith("ctx-"):
            prog = {"goal_value": np.nan, "goal_period": "", "progress": "no target set", "required_value": np.nan}
        else:
            p = target_progress(s.assign(id=ind["id"]), reg[reg["id"] == ind["id"]]).iloc[0]
            prog = p[["goal_value", "goal_period", "progress", "required_value"]].to_dict()
        last = s.dropna(subset=["value"]).iloc[-1]
        rows.append({"id": ind["id"], "name": ind["name"], "unit": ind["unit"], "source": source, "origin": origin,
                     "period": last["period"], "value": last["value"], "lower_ci": last["lower_ci"],
                     "upper_ci": last["upper_ci"], "england": last["england"], "benchmark": last["benchmark"],
                     "trend": tr["trend"], "trend_reason": tr["reason"], **prog})
        series[ind["id"]] = s
        if origin == "fingertips":  # the area and its neighbours at the area's latest period
            own = _values_frame([AREA_CODES[area]], [area], [last["value"]], is_area=True)
            nn_values.append(pd.concat([own, api.neighbour_values(ind, area, last["period"])], ignore_index=True)
                             .assign(id=ind["id"], name=ind["name"], polarity=ind["polarity"],
                                     period=last["period"]))
    frame = pd.DataFrame(rows)
    if api is None:
        return OutcomesTracker(area=area, rows=frame, series=series, sources=sources)
    nn = api.neighbours(area)
    values = pd.concat(nn_values, ignore_index=True)[_VALUE_COLUMNS] if nn_values and len(nn) else \
        pd.DataFrame(columns=_VALUE_COLUMNS)
    return OutcomesTracker(area=area, rows=frame, series=series, sources=sources, source="fingertips",
                           notes=list(api.notes), fingertips_requests=api.provenance, nearest_neighbours=nn,
                           neighbour_values=values, neighbour_note=api.nn_note,
                           fingertips_cache_dir=str(api.client.cache.directory))
