"""The outcomes tracker: every registered outcome-framework indicator for an area with its latest value, CI,
England benchmark, recent trend, progress to goal and the series behind each trend chart (compute only: the
chapter :mod:`healthintel.chapters.outcomes_tracker` draws the tables and charts).

**Real first.** Every indicator shows a real value wherever one is published for the area itself
(:func:`healthintel.compare.published.published_series`): OHID Fingertips values from the data mirror (life
expectancy 90366 and its SII 92901, smoking at delivery 93085, routine-and-manual smoking 92445, inactivity
93015, adult overweight 93088, alcohol admissions 91414, ... for Kent county, Medway, England; labelled with the
indicator id and period, even when older than the goal's baseline), or the strategy's own published baseline
(``targets.yaml``) for the area the entry is set for. Real context indicators with no numeric goal (Year 6
weight, school readiness, adult obesity, cancer early diagnosis and screening) follow the registry. Goals come
from :func:`~healthintel.compare.published.area_targets`, once per area. The tracker covers the areas its
registry sets goals for; any other area is an :class:`~healthintel.errors.AreaNotCoveredError`.

Four of the Fingertips series (90366, 92901, 90323, 20602) for Kent and Medway can come from one of two places
(``source=``):

- ``"mirror"`` (default): the published values in the data mirror (above).
- ``"fingertips"``: the Fingertips API through :class:`~healthintel.sources.fingertips.FingertipsClient` (legacy
  API, counties and unitary authorities, area type 502, so Kent county has rows too) with its on-disk cache;
  offline it answers from the cache. The 95% confidence limits are used when the API publishes them. A request
  that neither the network nor the cache can answer falls back to the mirror's values, and the tracker says so
  (:attr:`OutcomesTracker.notes`, naming the request). The provenance of every request (URL, fetched-at time,
  API generation, cache status) is in :meth:`OutcomesTracker.fingertips_provenance`.

  With this source the tracker also compares the area with its **CIPFA nearest neighbours** as Fingertips lists
  them (legacy ``areas/by_parent_area_code``, ``nn-1-<code>``; Kent county and Medway UA; the ICB area has
  none): the neighbours' codes go into the same indicator data requests, and
  :meth:`OutcomesTracker.neighbours` gives, per indicator read from the API, the neighbours' median, range and
  the area's rank (1 = best by the indicator's polarity) for the area's latest period. A neighbour request
  that cannot be answered leaves the tracker complete, without the comparison, and adds a note naming it.

An indicator with nothing published for the area gets **demo values**: a seeded, clearly labelled illustrative
series around the *published* England value (where England has none, no England is shown and the series sits
around a seeded series of the indicator alone), so England is the same on every area's page; only the area's
level is seeded by area. Demo rows say
"DEMO – not real" in the table, in the chart titles and in the report banner, and their goal status says
"demo (…)".
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import AreaNotCoveredError, FingertipsError, FingertipsOfflineError, InvalidInputError, SuppressionWarning
from ..geography import Area, normalise_name, resolve_area
from ..polarity import HIGH_IS_GOOD, LOW_IS_GOOD
from ..sources.published import FINGERTIPS_EXTRACTS, _period_label
from .benchmark import benchmark
from .forecast import forecast
from .published import STRATEGY_LABEL, area_targets, england_series, published_series
from .targets import load_targets, target_progress
from .trend import recent_trend

__all__ = ["outcomes_tracker", "OutcomesTracker", "DEMO_LABEL", "SOURCES", "NEIGHBOUR_COLUMNS", "BASELINE_ONLY",
           "tracked_area", "STRATEGY_LABEL", "PROJECTION_COLUMNS", "DEMO_PROJECTION", "NO_GOAL_PROJECTION"]

DEMO_LABEL = "DEMO – not real"
#: Progress of a real row whose latest published value is the baseline itself (no progress to judge yet).
BASELINE_ONLY = "baseline only"
#: ``source`` of a real row read through the Fingertips API without an indicator id in the response.
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
#: Context indicators shown beside the registry when the area has real published values for them (never demo):
#: no numeric goal in the strategy.
CONTEXT = [
    {"id": "ctx-Y6-OB", "name": "Year 6 prevalence of obesity (incl. severe obesity)", "fingertips_id": 90323,
     "sex": "Persons", "polarity": "low_is_good", "unit": "%", "value_type": "proportion"},
    {"id": "ctx-Y6-EW", "name": "Year 6 children with excess weight (to 2018/19)", "fingertips_id": 20602,
     "sex": "Persons", "polarity": "low_is_good", "unit": "%", "value_type": "proportion"},
    {"id": "ctx-GLD", "name": "School readiness: good level of development at the end of Reception",
     "fingertips_id": 90631, "sex": "Persons", "polarity": "high_is_good", "unit": "%",
     "value_type": "proportion"},
    {"id": "ctx-ADULT-OB", "name": "Adults (18+) classified as obese", "fingertips_id": 93881, "sex": "Persons",
     "polarity": "low_is_good", "unit": "%", "value_type": "proportion"},
    {"id": "ctx-CANCER-EARLY", "name": "Cancer diagnosed at an early stage (stage 1 and 2)", "fingertips_id": 93671,
     "sex": "Persons", "polarity": "high_is_good", "unit": "%", "value_type": "proportion"},
    {"id": "ctx-SCREEN-BREAST", "name": "Cancer screening coverage: breast cancer", "fingertips_id": 22001,
     "sex": "Persons", "polarity": "high_is_good", "unit": "%", "value_type": "proportion"},
    {"id": "ctx-SCREEN-BOWEL", "name": "Cancer screening coverage: bowel cancer", "fingertips_id": 91720,
     "sex": "Persons", "polarity": "high_is_good", "unit": "%", "value_type": "proportion"},
    {"id": "ctx-SCREEN-CERVICAL-25", "name": "Cancer screening coverage: cervical cancer (aged 25 to 49)",
     "fingertips_id": 93560, "sex": "Persons", "polarity": "high_is_good", "unit": "%", "value_type": "proportion"},
    {"id": "ctx-SCREEN-CERVICAL-50", "name": "Cancer screening coverage: cervical cancer (aged 50 to 64)",
     "fingertips_id": 93561, "sex": "Persons", "polarity": "high_is_good", "unit": "%", "value_type": "proportion"},
]
# Illustrative starting points for demo series with neither a published England series nor a registry baseline.
_DEMO_BASE = {"G.1": 100.0, "G.2-LE-M": 79.0, "G.2-LE-F": 83.0, "G.2-SII-M": 9.5, "G.2-SII-F": 7.0, "4.3": 2.3}
#: Relative spread of a demo area's level around England's (life expectancy varies little between areas).
_DEMO_SPREAD = {"life_expectancy": 0.015}
_TRENDABLE = {"proportion": "proportion", "dsr": "dsr", "crude_rate": "crude_rate"}
#: Columns :func:`outcomes_tracker` adds from :func:`~healthintel.compare.forecast` (the recent linear trend of the
#: real published series projected to the goal period): projection, 95% prediction interval, probability that
#: the goal is met, periods fitted (first and last) and why there is no projection ("" when there is one).
PROJECTION_COLUMNS = ["projected_value", "lower_pi", "upper_pi", "probability_goal_met", "projection_slope",
                      "projection_periods", "projection_first", "projection_last", "projection_reason"]
#: ``projection_reason`` of a DEMO row: demo values are never projected.
DEMO_PROJECTION = "demo values: not projected"
#: ``projection_reason`` of a context indicator (no goal period in the strategy).
NO_GOAL_PROJECTION = "no goal in the strategy: not projected"


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


def _has_comparator(ind: pd.Series) -> bool:
    comp = ind.get("comparator")
    return comp is not None and not pd.isna(comp) and ind["unit"] != "rank"


def _demo_england(ind: pd.Series) -> tuple[list[str], np.ndarray, np.ndarray, float]:
    """(periods, anchor, England, base level) of a demo series. With a published England series (its last six
    periods) the anchor *is* England; without one, England is not shown (NaN: never invented) and the anchor is
    a seeded series of the indicator alone around its registry baseline. Either way the same on every area's
    page."""
    eng = england_series(ind) if _has_comparator(ind) else None
    if eng is not None and len(eng):
        eng = eng.tail(6)
        values = eng["value"].to_numpy(dtype=float)
        return eng["period"].tolist(), values, values, float(values.mean())
    rng = np.random.default_rng(_seed(ind["id"]))
    base = ind["baseline_value"] if not pd.isna(ind["baseline_value"]) else _DEMO_BASE.get(ind["id"], 50.0)
    periods = _demo_periods(ind["baseline_period"])
    anchor = base + rng.normal(0, 0.01) * base * np.arange(len(periods))
    return periods, anchor, np.full(len(periods), np.nan), float(base)


def _demo_series(ind: pd.Series, place: Area) -> pd.DataFrame:
    """A seeded, clearly labelled illustrative series for ``place``: the published England values (or the
    indicator's seeded anchor) times a seeded area level, with small seeded noise; CIs of ±3% (±0.5% for life
    expectancy)."""
    periods, anchor, england, base = _demo_england(ind)
    rng = np.random.default_rng(_seed(ind["id"], place.code))
    spread = _DEMO_SPREAD.get(ind["value_type"], 0.08)
    value = anchor * (1 + rng.normal(0, spread)) + rng.normal(0, 0.005 * abs(base), len(periods))
    width = 0.005 if ind["value_type"] == "life_expectancy" else 0.03
    half = width * np.abs(value) if ind["unit"] != "rank" else np.full(len(periods), np.nan)
    return pd.DataFrame({"period": periods, "value": value.round(1), "lower_ci": (value - half).round(1),
                         "upper_ci": (value + half).round(1), "england": england,
                         "origin_label": DEMO_LABEL, "catalog_id": ""})


def _api_id(ind: pd.Series, area: str) -> int | None:
    """The Fingertips id of ``ind`` read from the API (``source="fingertips"``): one of the four indicators the
    API path serves, for Kent or Medway (else None: the mirror's published values are used)."""
    if AREA_CODES.get(area) is None or area == "England":
        return None
    ids = ind.get("published_ids")
    ids = (ind.get("fingertips_id"),) if ids is None or isinstance(ids, float) else ids
    return next((int(i) for i in ids if i is not None and not pd.isna(i) and int(i) in FINGERTIPS_EXTRACTS), None)


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
        "fingertips_id": float(data["indicator_id"].iloc[0]) if "indicator_id" in data else np.nan,
        "catalog_id": "",
    })
    fid = out["fingertips_id"].iloc[0]
    out["origin_label"] = "Fingertips (published)" if pd.isna(fid) else f"Fingertips {int(fid)} (published)"
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
                    f"the data mirror's published values are used instead (demo values where the mirror has no "
                    f"row for {area}).")
        return self.frames[fid]

    def series(self, ind: pd.Series, place: Area) -> tuple[pd.DataFrame | None, str]:
        """(series, origin): origin is "fingertips" (API), "mirror" (the mirror's published values: the indicator
        is not read from the API, the request was not answered or the API has no row for the area)."""
        fid = _api_id(ind, place.name)
        data = self.data(fid, place.name) if fid is not None else None
        s = _api_series(data, ind, place.name) if data is not None else None
        if s is not None:
            return s, "fingertips"
        return published_series(ind, place), "mirror"

    def neighbour_values(self, ind: pd.Series, area: str, period: str) -> pd.DataFrame:
        """The CIPFA neighbours' values of ``ind`` for ``period`` (empty without neighbours or API data)."""
        fid = _api_id(ind, area)
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
        return bool(len(self.rows)) and not bool(self.rows["real"].all())

    @property
    def demo_note(self) -> str:
        n = self.n_demo
        return (f"{n} of {self.n_registry} outcome-framework indicators for {self.area} show DEMO values (labelled "
                f"\"{DEMO_LABEL}\"): illustrative numbers generated by healthintel, around the published England "
                "value where there is one, so the layout and methods can be reviewed. They are not real figures; "
                "their goal status says \"demo\". Every other row is a real published value: Fingertips "
                "(the indicator id is given) or the strategy's own published baseline.")

    def headline(self, indicator_id: str) -> float | None:
        """Latest value of one indicator (None if the area has no row for it)."""
        r = self.rows.set_index("id")
        return float(r.loc[indicator_id, "value"]) if indicator_id in r.index else None

    @property
    def n_real(self) -> int:
        """Rows (outcome-framework and context indicators) with real published values."""
        return int(self.rows["real"].sum()) if len(self.rows) else 0

    @property
    def n_registry(self) -> int:
        """Outcome-framework indicators tracked (the registry's entries for the area; context rows excluded)."""
        return int(self.rows["registry"].sum()) if len(self.rows) else 0

    @property
    def n_registry_real(self) -> int:
        """Outcome-framework indicators with a real published value (Fingertips or the strategy's baseline)."""
        return int((self.rows["registry"] & self.rows["real"]).sum()) if len(self.rows) else 0

    @property
    def n_demo(self) -> int:
        """Outcome-framework indicators shown with DEMO values (nothing real is published for the area)."""
        return self.n_registry - self.n_registry_real

    @property
    def n_context(self) -> int:
        """Context indicators shown (each with real published values)."""
        return len(self.rows) - self.n_registry

    def progress(self) -> dict:
        """Indicator id -> progress to goal ("met", "on track", "off track", "no data", "no target set", and
        "demo (…)" on demo values)."""
        return dict(zip(self.rows["id"], self.rows["progress"]))

    def real_progress_counts(self) -> pd.Series:
        """How many of the real outcome-framework indicators are in each progress category (most common first)."""
        rows = self.rows[self.rows["real"] & self.rows["registry"]] if len(self.rows) else self.rows
        return rows["progress"].value_counts()


def outcomes_tracker(area: str, *, targets: pd.DataFrame | None = None, source: str = "mirror",
                     client=None) -> OutcomesTracker:
    """Every registered outcome indicator (plus real context indicators) for ``area``.

    Parameters
    ----------
    area : str
        An area the registry sets goals for ("Kent and Medway", "Kent", "Medway" with the shipped registry);
        any other area raises :class:`~healthintel.errors.AreaNotCoveredError` naming those areas.
    targets : DataFrame, optional
        The registry (:func:`~healthintel.compare.load_targets`); its indicators whose ``area`` is
        "Kent and Medway" or ``area`` are tracked, with baselines fixed once by
        :func:`~healthintel.compare.published.area_targets`.
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
        ``rows`` — one row per indicator (registry entries, then context indicators with real values): ``id``, ``name``,
        ``unit``, ``source`` (the latest value's label: "Fingertips 90366 (published)", "Strategy baseline (published)"
        or "DEMO – not real"), ``real``, ``registry`` (False for context rows), ``origin`` ("fingertips" API, "mirror"
        or "demo"), ``period`` (of the latest value), ``value``, ``lower_ci``, ``upper_ci`` (published 95% limits where
        the copy has them), ``england`` (England's published value for that period), ``benchmark`` (Fingertips' own
        published label for real rows, else the CI-overlap benchmark where CIs are published; CI overlap for demo rows),
        ``trend`` (:func:`recent_trend`; "Cannot be calculated" where CIs or counts are not published), ``catalog_id``,
        ``goal_value``, ``goal_period``, ``goal_text``, ``baseline_period``, ``baseline_value`` (the goal's, fixed once
        by :func:`~healthintel.compare.published.area_targets`; NaN when not published), ``required_value``,
        ``progress`` (:func:`target_progress`; "baseline only", "demo (…)") and ``progress_note``, ``polarity``, and the
        projection of the recent linear trend to the goal period (:data:`PROJECTION_COLUMNS`, from
        :func:`~healthintel.compare.forecast` on the real published series: ``projected_value``,
        ``lower_pi``/``upper_pi`` (95% prediction interval), ``probability_goal_met``, ``projection_slope`` (per year),
        ``projection_periods`` (points fitted), ``projection_first`` / ``projection_last`` and ``projection_reason``:
        "demo values: not projected", "no goal in the strategy: not projected" or forecast's reason such as "not enough
        data: …"); ``series`` — the per-period values behind each chart (with ``origin_label`` and ``catalog_id`` per
        point); ``sources`` — catalog ids of the mirror files used; ``fingertips_requests`` — the provenance records of
        the API requests (nearest neighbours and indicator data); ``notes`` — requests that could not be answered
        (fallbacks to the mirror; a missing neighbour comparison); ``nearest_neighbours``, ``neighbour_values``,
        :meth:`~OutcomesTracker.neighbours` and ``neighbour_note`` — the comparison with the area's CIPFA nearest
        neighbours (``source="fingertips"`` only; none for "Kent and Medway").

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


def tracked_area(area: str, registry: pd.DataFrame) -> Area:
    """``area`` resolved, when the registry sets goals for it (else :class:`AreaNotCoveredError` naming the areas
    it covers: another area's goals and figures are never shown under its name)."""
    place = resolve_area(area)
    covered = {normalise_name(a): a for a in registry["area"].dropna().astype(str)}
    if normalise_name(place.name) not in covered:
        raise AreaNotCoveredError(
            f"The outcomes tracker follows its targets registry (default healthintel/compare/targets.yaml, the "
            f"Kent and Medway Integrated Care Strategy), which sets goals for {', '.join(sorted(covered.values()))}"
            f" only; {place.name} ({place.code}) is not covered, and its page would show another area's goals. "
            f"Choose one of those areas, or pass targets= a registry in the same YAML format with entries for "
            f"{place.name}.")
    return place


def _context(place: Area) -> pd.DataFrame:
    return pd.DataFrame(CONTEXT).assign(
        published_ids=[(c["fingertips_id"],) for c in CONTEXT], baseline_period="", baseline_value=np.nan,
        goal_period="", goal_value=np.nan, goal_change=np.nan, area=place.name, comparator="England",
        note="context indicator: no numeric goal in the strategy")


def _real_benchmark(s: pd.DataFrame, polarity: str) -> np.ndarray:
    """Fingertips' published label where there is one; else the 95% CI-overlap benchmark against England
    where the copy publishes CIs; else "Not compared"."""
    computed = benchmark(s, "england", polarity=polarity)["benchmark"].to_numpy(dtype=object)
    published = s["published_benchmark"].fillna("Not compared").to_numpy(dtype=object)
    return np.where(published == "Not compared", computed, published)


def _progress(ind: pd.Series, s: pd.DataFrame, goals: pd.DataFrame, real: bool) -> dict:
    """Goal and progress of one row (registry goals resolved once, :func:`area_targets`); "demo (…)" on demo
    values; "no target set" for context indicators."""
    if str(ind["id"]).startswith("ctx-"):
        return {"goal_value": np.nan, "goal_period": "", "goal_text": "–", "progress": "no target set",
                "progress_note": "", "required_value": np.nan, "baseline_period": "", "baseline_value": np.nan}
    goal = goals[goals["id"] == ind["id"]]
    p = target_progress(s.assign(id=ind["id"]), goal, baseline_from_data=False).iloc[0]
    out = p[["goal_value", "goal_period", "progress", "progress_note", "required_value", "baseline_period",
             "baseline_value"]].to_dict()
    out["goal_text"] = goal["goal_text"].iloc[0]
    if not real:
        out["progress"] = f"demo ({out['progress']})"
    elif p["latest_period"] == p["baseline_period"]:  # the rule would say "on track" (or "met") at the baseline
        out["progress"], out["progress_note"] = BASELINE_ONLY, "only the baseline is published"
    return out


def _row(ind: pd.Series, place: Area, goals: pd.DataFrame, api) -> tuple[dict, pd.DataFrame] | None:
    """(table row, series) of one indicator for ``place`` (None: a context indicator without real values)."""
    s, origin = api.series(ind, place) if api is not None else (published_series(ind, place), "mirror")
    real = s is not None
    if not real:
        if str(ind["id"]).startswith("ctx-"):
            return None
        s, origin = _demo_series(ind, place), "demo"
        s["benchmark"] = benchmark(s, "england", polarity=ind["polarity"])["benchmark"].to_numpy()
    else:
        s["benchmark"] = _real_benchmark(s, ind["polarity"])
    tr = recent_trend(s, period="period", value="value", lower_ci="lower_ci", upper_ci="upper_ci",
                      value_type=_TRENDABLE.get(ind["value_type"], "other"), polarity=ind["polarity"],
                      method="weighted_regression", missing_ci="cannot").iloc[0]
    last = s.dropna(subset=["value"]).iloc[-1]
    row = {"id": ind["id"], "name": ind["name"], "unit": ind["unit"], "source": last["origin_label"], "real": real,
           "registry": not str(ind["id"]).startswith("ctx-"), "origin": origin, "polarity": ind["polarity"],
           "period": last["period"],
           "value": last["value"], "lower_ci": last["lower_ci"], "upper_ci": last["upper_ci"],
           "england": last["england"], "benchmark": last["benchmark"], "trend": tr["trend"],
           "trend_reason": tr["reason"], "catalog_id": last["catalog_id"],
           **_progress(ind, s, goals, real)}
    return row, s


def _projection_reasons(frame: pd.DataFrame) -> np.ndarray:
    """Why a row is not projected before any fit: demo values, a context indicator, or no goal period."""
    no_period = frame["goal_period"].isna() | (frame["goal_period"].astype(str).str.strip() == "")
    return np.select([~frame["real"].astype(bool), ~frame["registry"].astype(bool), no_period],
                     [DEMO_PROJECTION, NO_GOAL_PROJECTION, "no goal period: not projected"], default="")


def _with_projections(frame: pd.DataFrame, series: dict) -> pd.DataFrame:
    """``frame`` with :data:`PROJECTION_COLUMNS`: every real registry row's published series (the points with a
    value and 95% CI; the strategy's baseline, which has no CI, is counted but not fitted) projected to its goal
    period by one :func:`~healthintel.compare.forecast` call over all of them (``by="id"``).

    A row without a projection says why in ``projection_reason`` (demo values, no goal, or forecast's own reason,
    e.g. "not enough data: 1 period(s) with a value and CI, 5 needed"); the table shows that reason, so the
    forecast's per-row warning is not repeated here.
    """
    out = frame.assign(projected_value=np.nan, lower_pi=np.nan, upper_pi=np.nan, probability_goal_met=np.nan,
                       projection_slope=np.nan, projection_periods=0, projection_first=None, projection_last=None)
    if out.empty:
        return out.assign(projection_reason=pd.Series(dtype=object))
    out["projection_reason"] = _projection_reasons(out)
    todo = out[out["projection_reason"] == ""]
    if todo.empty:
        return out
    long = pd.concat([series[r.id][["period", "value", "lower_ci", "upper_ci"]].assign(
        id=r.id, goal_period=str(r.goal_period), goal=r.goal_value, polarity=r.polarity)
        for r in todo.itertuples()], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)
        fc = forecast(long, period="period", value="value", lower_ci="lower_ci", upper_ci="upper_ci",
                      goal_period="goal_period", goal="goal", polarity="polarity", by="id").set_index("id")
    at = out.index[out["projection_reason"] == ""]
    ids = out.loc[at, "id"]
    for column, source in (("projected_value", "projected_value"), ("lower_pi", "lower_pi"),
                           ("upper_pi", "upper_pi"), ("probability_goal_met", "probability_goal_met"),
                           ("projection_slope", "slope"), ("projection_periods", "n_periods"),
                           ("projection_first", "first_period"), ("projection_last", "last_period"),
                           ("projection_reason", "reason")):
        out.loc[at, column] = fc.loc[ids, source].to_numpy()
    return out


def _track(area: str, targets, api) -> OutcomesTracker:
    registry = load_targets() if targets is None else targets
    place = tracked_area(area, registry)
    goals = area_targets(place, registry)
    rows, series, sources, nn_values = [], {}, [], []
    for _, ind in pd.concat([goals, _context(place)], ignore_index=True).iterrows():  # ≤ 30 indicators
        built = _row(ind, place, goals, api)
        if built is None:
            continue
        row, s = built
        rows.append(row)
        series[ind["id"]] = s
        sources += [x for x in s.attrs.get("sources", []) if x not in sources]
        if row["origin"] == "fingertips":  # the area and its neighbours at the area's latest period
            own = _values_frame([place.code], [place.name], [row["value"]], is_area=True)
            nn_values.append(pd.concat([own, api.neighbour_values(ind, place.name, row["period"])],
                                       ignore_index=True)
                             .assign(id=ind["id"], name=ind["name"], polarity=ind["polarity"], period=row["period"]))
    frame = _with_projections(pd.DataFrame(rows), series)
    if api is None:
        return OutcomesTracker(area=place.name, rows=frame, series=series, sources=sources)
    nn = api.neighbours(place.name)
    values = pd.concat(nn_values, ignore_index=True)[_VALUE_COLUMNS] if nn_values and len(nn) else \
        pd.DataFrame(columns=_VALUE_COLUMNS)
    return OutcomesTracker(area=place.name, rows=frame, series=series, sources=sources, source="fingertips",
                           notes=list(api.notes), fingertips_requests=api.provenance, nearest_neighbours=nn,
                           neighbour_values=values, neighbour_note=api.nn_note,
                           fingertips_cache_dir=str(api.client.cache.directory))
