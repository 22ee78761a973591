"""The outcomes tracker: every registered outcome-framework indicator for an area with its latest value, CI,
England benchmark, recent trend, progress to goal and a small trend chart.

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
from .benchmark import benchmark
from .targets import load_targets, target_progress
from .trend import recent_trend

__all__ = ["outcomes_tracker", "OutcomesTracker", "DEMO_LABEL", "SOURCES"]

DEMO_LABEL = "DEMO – not real"
REAL_LABEL = "Fingertips (published)"
#: Where the published series come from (the ``source`` argument / notebook parameter).
SOURCES = ("mirror", "fingertips")
AREA_CODES = {"Medway": "E06000035", "Kent": "E10000016", "England": "E92000001"}
#: Fingertips area type of the tracker's areas: counties and unitary authorities (April 2023 boundaries).
FINGERTIPS_AREA_TYPE = 502
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


def _api_series(data: pd.DataFrame, ind: pd.Series, area: str) -> pd.DataFrame | None:
    """The tracker series of ``ind`` for ``area`` from a tidy Fingertips frame (whole-area rows; England values
    as the comparator; the published 95% CIs and "compared with England" label)."""
    code, england = AREA_CODES[area], AREA_CODES["England"]
    sex = ind.get("sex", "Persons")
    whole = data[data["category_type"].isna() & (data["sex"] == sex)]
    rows = whole[whole["area_code"] == code]
    if rows["value"].notna().sum() == 0:
        return None
    if rows["age"].notna().any():  # one age band per indicator; keep the commonest should the API send more
        age = rows["age"].mode().iloc[0]
        rows, whole = rows[rows["age"] == age], whole[whole["age"] == age]
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


class _FingertipsSource:
    """Published series from the Fingertips API (one request per indicator, cached on disk), falling back to the
    mirror extract, with a note, when neither the network nor the cache can answer."""

    def __init__(self, client=None, backend: str = "legacy"):
        from ..sources.fingertips import FingertipsClient

        self.own = client is None
        self.client = FingertipsClient(backend) if client is None else client
        self.frames: dict[int, pd.DataFrame | None] = {}
        self.notes: list[str] = []
        self.failed: list[str] = []

    def close(self) -> None:
        if self.own:
            self.client.close()

    def data(self, fid: int, area: str) -> pd.DataFrame | None:
        if fid not in self.frames:
            codes = [AREA_CODES[area], AREA_CODES["England"]]
            try:
                self.frames[fid] = self.client.indicator_data(
                    fid, FINGERTIPS_AREA_TYPE, area_codes=codes,
                    year_type="academic" if fid in _ACADEMIC else "financial")
            except FingertipsError as exc:
                self.frames[fid] = None
                request = exc.request or self.client.data_request(fid, FINGERTIPS_AREA_TYPE, area_codes=codes).url
                if isinstance(exc, FingertipsOfflineError):
                    reason = f"offline, and not in the cache {self.client.cache.directory}"
                else:
                    reason = str(exc).replace(f": {request}", "").replace(request, "the request")
                self.failed.append(request)
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

    @property
    def provenance(self) -> list[dict]:
        return [rec for frame in self.frames.values() if frame is not None for rec in frame.attrs["provenance"]]


@dataclass
class OutcomesTracker:
    """Results of :func:`outcomes_tracker` for one area (rows, series, charts, sources)."""

    area: str
    rows: pd.DataFrame
    series: dict = field(repr=False)
    sources: list
    source: str = "mirror"
    #: Visible notes about where the published values came from (e.g. a Fingertips request that could not be
    #: answered, so the mirror extract was used).
    notes: list = field(default_factory=list)
    #: One record per Fingertips request behind the real rows (``df.attrs["provenance"]`` records).
    fingertips_requests: list = field(default_factory=list)

    def fingertips_provenance(self) -> pd.DataFrame:
        """Provenance rows of the Fingertips requests (URL, API generation, fetched-at time, cache status) in the
        columns of :func:`healthintel.sources.catalog.provenance`, for the report footer (empty when none)."""
        from ..sources.fingertips import provenance_table

        return provenance_table(self.fingertips_requests)

    @property
    def source_note(self) -> str:
        """Where the real rows came from, and any fallback (plain text; empty for the mirror)."""
        if self.source != "fingertips":
            return ""
        n_api = int((self.rows["origin"] == "fingertips").sum()) if len(self.rows) else 0
        text = (f"Published comparators from the Fingertips API (source=\"fingertips\", through the local cache): "
                f"{n_api} indicator(s) read from the API; request, fetched-at time, API generation and cache status "
                "are in the provenance table.")
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

    def summary_markdown(self) -> str:
        real = self.rows[self.rows["source"] == REAL_LABEL]
        lines = [f"**{self.area}**: {len(self.rows)} indicators; {len(real)} with real published values, "
                 f"{len(self.rows) - len(real)} with demo values (not real)."]
        counts = self.rows.loc[self.rows["source"] == REAL_LABEL, "progress"].value_counts()
        if len(counts):
            lines.append("Progress of the real indicators to goal: " +
                         ", ".join(f"{k}: {v}" for k, v in counts.items()) + ".")
        return "\n\n".join(lines)

    def table(self):
        from ..tables import table

        t = self.rows
        ci = [("not published" if pd.isna(lo) else f"{lo:,.1f} – {hi:,.1f}") for lo, hi in zip(t["lower_ci"], t["upper_ci"])]
        goal = [("–" if pd.isna(g) else f"{g:,.1f} by {p}") for g, p in zip(t["goal_value"], t["goal_period"])]
        view = pd.DataFrame({
            "Indicator": t["name"], "Data": t["source"], "Period": t["period"], "Value": t["value"], "95% CI": ci,
            "England": t["england"], "Compared with England": t["benchmark"], "Recent trend": t["trend"],
            "Goal": goal, "Progress": t["progress"],
        })
        return table(view, caption=f"Outcome-framework indicators, {self.area}",
                     formats={"Value": "{:,.1f}", "England": "{:,.1f}"})

    def charts(self) -> list:
        from ..charts.trends import trend

        out = []
        for _, r in self.rows.iterrows():
            s = self.series[r["id"]]
            label = "" if r["source"] == REAL_LABEL else f" ({DEMO_LABEL})"
            cmp = s[["period", "england"]].rename(columns={"england": "value"}).dropna()
            out.append(trend(s, benchmark="benchmark", comparator=cmp, area_name=self.area,
                             title=f"{r['name']}{label}"[:80], unit=str(r["unit"])))
        return out


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
        provenance records of the API requests; ``notes`` — fallbacks to the mirror.
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
    rows, series, sources = [], {}, []
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
    frame = pd.DataFrame(rows)
    if api is None:
        return OutcomesTracker(area=area, rows=frame, series=series, sources=sources)
    return OutcomesTracker(area=area, rows=frame, series=series, sources=sources, source="fingertips",
                           notes=list(api.notes), fingertips_requests=api.provenance)
