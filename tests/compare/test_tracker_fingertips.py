"""The outcomes tracker with ``source="fingertips"``: published series through the Fingertips client (replayed by a
local 127.0.0.1 server, never the live API), the warm-cache offline run, the visible fallback to the mirror when
neither the network nor the cache can answer, provenance, and the chapter rendered offline.

The responses are legacy ``all_data/csv`` bodies written at test time from the data mirror's published values
(Medway and England rows, :func:`~healthintel.sources.published.published_values`), so the API and mirror paths
must agree on every latest value. Only four indicators are read from the API (90366, 92901, 90323, 20602); the
other rows come from the mirror's published values on both paths. They also carry rows for four
CIPFA nearest neighbours of Medway served by the nearest-neighbour route: **test-only values** (Medway's value
plus a fixed offset; not published figures) that check the neighbour comparison.
"""

# ruff: noqa: F811  (the fixtures imported from tests.fingertips.conftest are test parameters here)
from __future__ import annotations

import html
import json
import re
import statistics

import pandas as pd
import pytest

from healthintel import chapters, tables
from healthintel.compare.tracker import AREA_CODES, NEIGHBOUR_COLUMNS, outcomes_tracker
from healthintel.errors import InvalidInputError
from healthintel.sources.published import FINGERTIPS_EXTRACTS, published_values
from tests.fingertips import recordings as rec
from tests.fingertips.conftest import _no_env_leaks, make_client, replay, route_of, sleeps  # noqa: F401 (fixtures)

MEDWAY, ENGLAND = AREA_CODES["Medway"], AREA_CODES["England"]
AGES = {90366: "All ages", 92901: "All ages", 90323: "10-11 yrs", 20602: "10-11 yrs"}
#: Test-only confidence limits added to the response (the mirror extracts have none; these are not published
#: values): they check that CIs in an API answer reach the tracker.
TEST_CIS = {("Male", "2023-25"): (78.2, 79.0), ("Female", "2023-25"): (82.3, 83.1)}
#: Test-only nearest neighbours of Medway: (code, name, offset added to Medway's value). Peterborough has values
#: in every period but the latest one of each series (so it must not count for the latest period).
TEST_NEIGHBOURS = [("E06000034", "Thurrock", 1.3), ("E06000033", "Southend-on-Sea", -0.8),
                   ("E06000030", "Swindon", 0.4), ("E06000031", "Peterborough", 2.0)]
NO_LATEST = "E06000031"
NN_ROUTE = f"areas/by_parent_area_code?area_type_id=502&parent_area_code=nn-1-{MEDWAY}"


def _dates(period: str) -> tuple[str, str, str, str]:
    """(legacy label, date_from, date_to, FingertipsNext period type) of a mirror period label."""
    if m := re.fullmatch(r"(\d{4})-(\d{2})", period):  # pooled calendar years "2023-25"
        y0 = int(m[1])
        return f"{m[1]} - {m[2]}", f"{y0}-01-01", f"{y0 // 100 * 100 + int(m[2])}-12-31", "Calendar"
    if m := re.fullmatch(r"(\d{4})/(\d{2})", period):  # academic year (NCMP)
        y0 = int(m[1])
        return period, f"{y0}-09-01", f"{y0 + 1}-08-31", "Academic"
    return period, f"{period}-01-01", f"{period}-12-31", "Calendar"


def mirror_records(fid: int, *, cis: dict | None = None, neighbours=()) -> list[dict]:
    """Recording records (see ``tests/fingertips/recordings.py``) of the mirror's published Medway and England
    rows (their published CIs too), plus test-only rows for ``neighbours`` ((code, name, offset) from Medway's
    value)."""
    ext = published_values(fid, area_codes=[MEDWAY, ENGLAND])
    latest = {}  # sex -> Medway's latest period with a value (by start date)
    for r in ext[(ext["area_code"] == MEDWAY) & ext["value"].notna()].itertuples(index=False):
        if r.sex not in latest or _dates(r.period)[1] > _dates(latest[r.sex])[1]:
            latest[r.sex] = r.period
    out = []
    for r in ext.itertuples(index=False):
        label, start, end, ptype = _dates(r.period)
        published = (None if pd.isna(r.lower_ci) else r.lower_ci, None if pd.isna(r.upper_ci) else r.upper_ci)
        lci, uci = (cis or {}).get((r.sex, r.period), published) if r.area_code == MEDWAY else published
        out.append({
            "indicator_id": fid, "indicator_name": r.indicator, "area_code": r.area_code,
            "area_name": r.area_name, "area_type": "England" if r.area_code == ENGLAND else "UA",
            "parent_code": None if r.area_code == ENGLAND else ENGLAND,
            "parent_name": None if r.area_code == ENGLAND else "England",
            "sex": r.sex, "age": AGES[fid], "period": label, "period_type": ptype, "date_from": start,
            "date_to": end, "value": None if pd.isna(r.value) else float(r.value), "lci": lci, "uci": uci,
            "count": None, "trend": None, "vs_england": r.published_benchmark,
        })
        if r.area_code != MEDWAY:
            continue
        for code, name, offset in neighbours:
            value = None if pd.isna(r.value) or (code == NO_LATEST and r.period == latest[r.sex]) else \
                round(float(r.value) + offset, 1)
            out.append({**out[-1], "area_code": code, "area_name": name, "value": value, "lci": None, "uci": None,
                        "vs_england": "Not compared"})
    return out


def serve(replay, client, shared_dir, fids=tuple(FINGERTIPS_EXTRACTS), neighbours=True) -> dict:
    """Record a legacy CSV answer for each indicator in ``fids`` and (``neighbours``) the CIPFA nearest
    neighbours of Medway; returns their request URLs (key "nn" for the neighbours)."""
    urls = {}
    if neighbours:
        urls["nn"] = client.base_url + NN_ROUTE
        body = [{"Code": c, "Name": n, "Short": n, "AreaTypeId": 502} for c, n, _ in TEST_NEIGHBOURS]
        replay.routes[NN_ROUTE] = (200, "application/json", json.dumps(body).encode())
    for fid in fids:
        req = client.data_request(fid, 502)
        urls[fid] = req.url
        records = mirror_records(fid, cis=TEST_CIS if fid == 90366 else None,
                                 neighbours=TEST_NEIGHBOURS if neighbours else ())
        replay.routes[route_of(req.url)] = (200, "text/csv", rec.legacy_csv(shared_dir, records))
    return urls


#: The tracker rows of the four indicators read from the API.
API_ROWS = ["G.2-LE-M", "G.2-LE-F", "G.2-SII-M", "G.2-SII-F", "ctx-Y6-OB", "ctx-Y6-EW"]


def real_rows(tracker) -> pd.DataFrame:
    """The real rows of the four indicators the API path serves (the others always come from the mirror)."""
    rows = tracker.rows[tracker.rows["real"]].set_index("id")
    return rows.loc[[i for i in API_ROWS if i in rows.index]]


@pytest.fixture
def mirror():
    return outcomes_tracker("Medway")


def test_fingertips_source_gives_the_mirror_latest_values_plus_published_cis(replay, make_client, shared_dir,
                                                                             mirror):
    client = make_client()
    urls = serve(replay, client, shared_dir)
    api = outcomes_tracker("Medway", source="fingertips", client=client)
    assert api.notes == []
    assert not set(api.sources) & set(FINGERTIPS_EXTRACTS.values())  # the four series not from the mirror
    want, got = real_rows(mirror), real_rows(api)
    assert list(got.index) == list(want.index) == API_ROWS
    assert (got["origin"] == "fingertips").all() and (want["origin"] == "mirror").all()
    for col in ("period", "value", "england", "benchmark", "progress"):
        pd.testing.assert_series_equal(got[col], want[col], check_dtype=False)
    assert api.headline("G.2-LE-M") == pytest.approx(78.6)  # Medway males 2023-25, as in the extract
    # the CIs of the response are used (the mirror has none)
    assert got.loc["G.2-LE-M", ["lower_ci", "upper_ci"]].tolist() == [78.2, 79.0]
    assert got.loc["G.2-LE-F", ["lower_ci", "upper_ci"]].tolist() == [82.3, 83.1]
    assert want.loc[["G.2-LE-M", "G.2-LE-F"], ["lower_ci", "upper_ci"]].isna().all().all()
    assert got.loc[["G.2-SII-M", "ctx-Y6-OB"], "lower_ci"].isna().all()  # not in those responses
    le = api.series["G.2-LE-M"]
    assert le["england"].notna().all() and le["lower_ci"].notna().sum() == 1
    # one request per indicator, all downloaded
    assert {r["request"] for r in api.fingertips_requests} == set(urls.values())
    assert {r["cache"] for r in api.fingertips_requests} == {"miss"}
    assert all(replay.hits[route_of(u)] == 1 for u in urls.values())


#: The real indicators of the tracker: id -> (Fingertips id, sex, polarity as in the registry).
REAL = {"G.2-LE-M": (90366, "Male", "high_is_good"), "G.2-LE-F": (90366, "Female", "high_is_good"),
        "G.2-SII-M": (92901, "Male", "low_is_good"), "G.2-SII-F": (92901, "Female", "low_is_good"),
        "ctx-Y6-OB": (90323, "Persons", "low_is_good"), "ctx-Y6-EW": (20602, "Persons", "low_is_good")}


def expected_neighbours(ind_id: str) -> dict:
    """The neighbour comparison of one indicator worked out from the served records (plain Python)."""
    fid, sex, polarity = REAL[ind_id]
    records = [r for r in mirror_records(fid, neighbours=TEST_NEIGHBOURS) if r["sex"] == sex]
    medway = [r for r in records if r["area_code"] == MEDWAY and r["value"] is not None]
    latest = max(medway, key=lambda r: r["date_from"])
    own = latest["value"]
    values = {r["area_name"]: r["value"] for r in records if r["period"] == latest["period"]
              and r["area_code"] not in (MEDWAY, ENGLAND) and r["value"] is not None}
    better = [v for v in values.values() if (v > own if polarity == "high_is_good" else v < own)]
    return {"value": own, "n_neighbours": len(values), "neighbours_median": statistics.median(values.values()),
            "neighbours_min": min(values.values()), "neighbours_max": max(values.values()),
            "rank": 1 + len(better), "n_ranked": 1 + len(values), "names": set(values)}


def test_nearest_neighbours_median_range_and_rank(replay, make_client, shared_dir):
    client = make_client()
    urls = serve(replay, client, shared_dir)
    t = outcomes_tracker("Medway", source="fingertips", client=client)
    assert t.notes == [] and t.neighbour_note == ""
    assert t.n_neighbours == 4 and list(t.nearest_neighbours["area_name"]) == [n for _, n, _ in TEST_NEIGHBOURS]
    nn = t.neighbours()
    assert list(nn.columns) == NEIGHBOUR_COLUMNS and list(nn["id"]) == list(REAL)
    for row in nn.itertuples(index=False):
        want = expected_neighbours(row.id)
        assert row.value == pytest.approx(want["value"]) == t.headline(row.id)
        assert row.period == t.rows.set_index("id").loc[row.id, "period"]
        for col in ("n_neighbours", "rank", "n_ranked"):
            assert getattr(row, col) == want[col], (row.id, col)
        for col in ("neighbours_median", "neighbours_min", "neighbours_max"):
            assert getattr(row, col) == pytest.approx(want[col]), (row.id, col)
        assert set(row.neighbours.split("; ")) == want["names"]
    # Peterborough has no value for any latest period: three neighbours compared, four areas ranked
    assert (nn["n_neighbours"] == 3).all() and not nn["neighbours"].str.contains("Peterborough").any()
    # offsets +1.3, -0.8, +0.4: high is good -> Medway 3rd of 4; low is good -> 2nd of 4
    assert nn.set_index("id")["rank"].to_dict() == {"G.2-LE-M": 3, "G.2-LE-F": 3, "G.2-SII-M": 2,
                                                    "G.2-SII-F": 2, "ctx-Y6-OB": 2, "ctx-Y6-EW": 2}
    # the data requests are the same URLs (the neighbour codes only choose rows), each asked once
    assert all(replay.hits[route_of(u)] == 1 for u in urls.values())
    # the neighbour request is in the provenance and the footer
    assert [r["request"] for r in t.fingertips_requests][0] == urls["nn"]
    assert urls["nn"] in set(t.fingertips_provenance()["Official URL"])
    footer = tables.provenance_footer(t.sources, extra=t.fingertips_provenance())._repr_html_()
    assert html.escape(urls["nn"]) in footer
    page = chapters.outcomes_tracker.from_tracker(t).neighbour_table().to_html()
    assert "data-hi-table" in page and "Southend-on-Sea" in page and "3 of 4" in page and "2 of 4" in page


def test_unanswered_neighbour_request_leaves_the_tracker_complete(replay, make_client, shared_dir):
    """Data recorded, the neighbour request not (HTTP 404): a note naming it, no comparison, all rows real."""
    client = make_client(retries=0)
    urls = serve(replay, client, shared_dir, neighbours=False)
    t = outcomes_tracker("Medway", source="fingertips", client=client)
    nn_url = client.base_url + NN_ROUTE
    assert len(t.notes) == 1 and nn_url in t.notes[0] and "HTTP 404" in t.notes[0]
    assert t.notes[0].startswith("Fingertips CIPFA nearest neighbours of Medway: no answer")
    assert "1 request(s) could not be answered" in t.source_note
    assert (real_rows(t)["origin"] == "fingertips").all() and len(real_rows(t)) == len(API_ROWS)
    assert t.neighbours().empty and list(t.neighbours().columns) == NEIGHBOUR_COLUMNS
    assert t.n_neighbours == 0 and "could not be answered" in t.neighbour_note
    assert {r["request"] for r in t.fingertips_requests} == {urls[f] for f in FINGERTIPS_EXTRACTS}


def test_cold_neighbour_request_offline_with_a_warm_data_cache(replay, make_client, shared_dir, tmp_path):
    serve(replay, make_client(), shared_dir, neighbours=False)
    outcomes_tracker("Medway", source="fingertips", client=make_client(retries=0))  # data cached, no neighbours
    replay.routes.clear()
    t = outcomes_tracker("Medway", source="fingertips", client=make_client(offline=True))
    assert len(t.notes) == 1 and NN_ROUTE in t.notes[0] and "offline, and not in the cache" in t.notes[0]
    assert (real_rows(t)["origin"] == "fingertips").all() and len(t.rows) == len(outcomes_tracker("Medway").rows)
    assert t.neighbours().empty and len(t.fingertips_requests) == 4


def test_kent_and_medway_has_no_neighbours_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_OFFLINE", "1")
    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_CACHE", str(tmp_path / "empty"))
    t = outcomes_tracker("Kent and Medway", source="fingertips")
    assert t.notes == [] and t.fingertips_requests == []  # nothing asked for
    assert t.neighbours().empty and t.n_neighbours == 0
    assert "Kent and Medway has no CIPFA nearest neighbours in Fingertips" in t.neighbour_note


def test_provenance_rows_name_request_fetched_at_generation_and_cache(replay, make_client, shared_dir):
    client = make_client()
    urls = serve(replay, client, shared_dir)
    first = outcomes_tracker("Medway", source="fingertips", client=client)
    again = outcomes_tracker("Medway", source="fingertips", client=client)  # fresh cache: no second download
    assert all(replay.hits[route_of(u)] == 1 for u in urls.values())
    for tracker, cache_note in ((first, "downloaded"), (again, "from cache")):
        prov = tracker.fingertips_provenance()
        assert len(prov) == 5  # the nearest neighbours and four indicators
        assert set(prov["Official URL"]) == set(urls.values())
        records = {r["request"]: r for r in tracker.fingertips_requests}
        for row in prov.itertuples(index=False):
            fetched_at = records[row[4]]["fetched_at"]
            assert fetched_at and fetched_at in row.Fetched and cache_note in row.Fetched
            assert "Fingertips API (legacy)" in row.Vintage and fetched_at[:10] in row.Vintage
            assert row.Source.startswith("OHID Fingertips" if row[4] == urls["nn"] else "OHID Fingertips: ")
        assert {r["api_generation"] for r in tracker.fingertips_requests} == {"legacy"}
    footer = tables.provenance_footer(first.sources, extra=first.fingertips_provenance())._repr_html_()
    assert all(html.escape(u) in footer for u in urls.values())
    assert "Fingertips API (legacy)" in footer and "downloaded" in footer
    # the catalog rows and the Fingertips rows share one table
    mixed = tables.provenance_footer(["fingertips_le_birth_90366"], extra=first.fingertips_provenance())._repr_html_()
    assert mixed.count("<tr>") == 1 + 1 + 5 and "1cfa0a6d5d65" in mixed


def test_warm_cache_offline_run_needs_no_server(replay, make_client, shared_dir, tmp_path, monkeypatch, mirror):
    serve(replay, make_client(), shared_dir)
    outcomes_tracker("Medway", source="fingertips", client=make_client())  # warms tmp_path / "cache"
    hits = dict(replay.hits)
    replay.routes.clear()  # the server could not answer any more
    # the default client, configured from the environment as in a chapter run
    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_URL", replay.url)
    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_OFFLINE", "1")
    offline = outcomes_tracker("Medway", source="fingertips")
    assert replay.hits == hits  # never asked
    assert offline.notes == [] and (real_rows(offline)["origin"] == "fingertips").all()
    pd.testing.assert_series_equal(real_rows(offline)["value"], real_rows(mirror)["value"])
    assert {(r["cache"], r["offline"]) for r in offline.fingertips_requests} == {("hit", True)}
    assert offline.fingertips_provenance()["Fetched"].str.contains("from cache, offline").all()
    assert "could not be answered" not in offline.source_note and "Fingertips API" in offline.source_note


def test_cold_offline_falls_back_to_the_mirror_and_says_so(tmp_path, monkeypatch, mirror):
    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_OFFLINE", "1")
    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_CACHE", str(tmp_path / "empty"))
    cold = outcomes_tracker("Medway", source="fingertips")
    real = real_rows(cold)
    assert (real["origin"] == "mirror").all()
    pd.testing.assert_frame_equal(real.drop(columns="origin"), real_rows(mirror).drop(columns="origin"))
    assert cold.sources == mirror.sources and cold.fingertips_requests == []
    assert set(FINGERTIPS_EXTRACTS.values()) <= set(cold.sources)
    assert len(cold.notes) == 5  # four indicators and the nearest neighbours
    note = cold.source_note
    assert "5 request(s) could not be answered" in note and "HEALTHINTEL_FINGERTIPS_CACHE" in note
    for fid in FINGERTIPS_EXTRACTS:
        url = (f"https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id?child_area_type_id=502&"
               f"indicator_ids={fid}&parent_area_type_id=15")
        assert url in note
    assert "offline, and not in the cache" in note and str(tmp_path / "empty") in note
    assert cold.fingertips_provenance().empty
    # no neighbour comparison, and the note names the request
    nn_url = f"https://fingertips.phe.org.uk/api/{NN_ROUTE}"
    assert [n for n in cold.notes if nn_url in n] == [
        f"Fingertips CIPFA nearest neighbours of Medway: no answer from the network or the cache for {nn_url} "
        f"(offline, and not in the cache {tmp_path / 'empty'}); no nearest-neighbour comparison is shown."]
    assert cold.neighbours().empty and list(cold.neighbours().columns) == NEIGHBOUR_COLUMNS
    assert cold.n_neighbours == 0 and "could not be answered" in cold.neighbour_note


def test_an_unanswered_request_falls_back_alone(replay, make_client, shared_dir):
    """Only 90366 (and the neighbours) recorded: the other three requests get HTTP 404 and fall back to the
    mirror, each named."""
    client = make_client(retries=0)
    urls = serve(replay, client, shared_dir, fids=(90366,))
    t = outcomes_tracker("Medway", source="fingertips", client=client)
    origin = real_rows(t)["origin"]
    assert origin[["G.2-LE-M", "G.2-LE-F"]].eq("fingertips").all()
    assert origin.drop(["G.2-LE-M", "G.2-LE-F"]).eq("mirror").all()
    assert len(t.notes) == 3 and all("HTTP 404" in n for n in t.notes)
    assert all(client.data_request(f, 502).url in t.source_note for f in (92901, 90323, 20602))
    assert "fingertips_le_birth_90366" not in t.sources  # read from the API
    assert {"fingertips_sii_le_92901", "fingertips_y6_obesity_90323", "fingertips_y6_excess_weight_20602"} <= \
        set(t.sources)
    assert [r["request"] for r in t.fingertips_requests] == [urls["nn"], urls[90366]]
    assert list(t.neighbours()["id"]) == ["G.2-LE-M", "G.2-LE-F"]  # the indicator read from the API only


def test_kent_cold_offline_falls_back_to_the_mirror_with_the_note(tmp_path, monkeypatch):
    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_OFFLINE", "1")
    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_CACHE", str(tmp_path / "empty"))
    t = outcomes_tracker("Kent", source="fingertips")
    assert not (t.rows["origin"] == "fingertips").any() and len(t.notes) == 5
    pd.testing.assert_frame_equal(t.rows.drop(columns="origin"), outcomes_tracker("Kent").rows.drop(columns="origin"))
    assert "no row for Kent" in t.source_note
    assert ("https://fingertips.phe.org.uk/api/areas/by_parent_area_code?area_type_id=502&"
            "parent_area_code=nn-1-E10000016") in t.source_note
    assert t.neighbours().empty


def test_mirror_source_is_unchanged_and_bad_source_refused(mirror):
    assert mirror.source == "mirror" and mirror.notes == [] and mirror.source_note == ""
    assert mirror.fingertips_provenance().empty
    nn = mirror.neighbours()
    assert nn.empty and list(nn.columns) == NEIGHBOUR_COLUMNS
    assert mirror.n_neighbours == 0 and mirror.neighbour_note == ""
    with pytest.raises(InvalidInputError, match="source must be one of"):
        outcomes_tracker("Medway", source="api")


@pytest.mark.slow
def test_chapter_renders_offline_with_fingertips_source_and_fallback_note(tmp_path, monkeypatch):
    from healthintel.render import render_chapter
    from healthintel.report import recorded_values

    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_OFFLINE", "1")
    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_CACHE", str(tmp_path / "empty-cache"))
    res = render_chapter("outcomes_tracker", parameters={"area": "Medway", "source": "fingertips"},
                         reports_dir=tmp_path / "reports")
    assert res.status == "ok", res.error
    values = recorded_values(res.notebook_path)
    assert values["source"] == "fingertips" and values["n_from_fingertips_api"] == 0
    assert values["fingertips_unanswered"] == 5 and values["n_neighbours"] == 0
    assert values["n_real"] == outcomes_tracker("Medway").n_real
    assert values["le_male_latest"] == pytest.approx(78.6)
    page = res.html_path.read_text(encoding="utf-8")
    assert "could not be answered" in page and "healthintel-callout-warning" in page
    assert html.escape("https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id?child_area_type_id=502&"
                       "indicator_ids=90366&parent_area_type_id=15") in page
    assert "Traceback" not in page and "1cfa0a6d5d65" in page  # mirror extract in the provenance footer


@pytest.mark.slow
def test_chapter_renders_from_a_warm_cache_with_fingertips_provenance(replay, make_client, shared_dir, tmp_path,
                                                                      monkeypatch):
    from healthintel.render import render_chapter
    from healthintel.report import recorded_values

    urls = serve(replay, make_client(), shared_dir)
    outcomes_tracker("Medway", source="fingertips", client=make_client())  # warms tmp_path / "cache"
    replay.routes.clear()
    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_URL", replay.url)
    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HEALTHINTEL_FINGERTIPS_OFFLINE", "1")
    res = render_chapter("outcomes_tracker", parameters={"area": "Medway", "source": "fingertips"},
                         reports_dir=tmp_path / "reports")
    assert res.status == "ok", res.error
    values = recorded_values(res.notebook_path)
    assert values["n_from_fingertips_api"] == 6 and values["fingertips_unanswered"] == 0
    assert values["n_neighbours"] == len(TEST_NEIGHBOURS)
    page = res.html_path.read_text(encoding="utf-8")
    assert all(html.escape(u) in page for u in urls.values())
    assert "Fingertips API (legacy)" in page and "from cache, offline" in page
    assert "could not be answered" not in page and "78.2" in page  # the response's CI in the table
    assert "CIPFA nearest neighbours" in page and "Southend-on-Sea" in page and "rank 1 = best" in page


def test_chapter_render_inputs_are_the_cache_files_read(replay, make_client, shared_dir):
    """The chapter records each Fingertips response body it read (absolute path, SHA-256) as render_inputs."""
    import hashlib
    from pathlib import Path

    urls = serve(replay, make_client(), shared_dir)
    t = outcomes_tracker("Medway", source="fingertips", client=make_client())
    inputs = chapters.outcomes_tracker.from_tracker(t).recorded_values()["render_inputs"]
    assert len(inputs) == len(urls) == len({r["request"] for r in t.fingertips_requests})
    for item in inputs:
        path = Path(item["path"])
        assert path.is_absolute() and path.parent == Path(t.fingertips_cache_dir) and path.suffix == ".body"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == item["sha256"]
    assert {i["sha256"] for i in inputs} == {r["sha256"] for r in t.fingertips_requests}
    assert chapters.outcomes_tracker.from_tracker(outcomes_tracker("Medway")).render_inputs() == []
