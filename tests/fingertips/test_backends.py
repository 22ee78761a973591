"""Both API generations give the same tidy frame (acceptance), parsing of the recorded samples, deprivation
numbering (1 = most deprived always), periods, areas and provenance."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthintel.errors import FingertipsPayloadError
from healthintel.sources import catalog
from healthintel.sources.fingertips import COLUMNS, FingertipsData, provenance_table
from healthintel.sources.fingertips.tidy import (category_from_label, deprivation_columns, parse_period,
                                                 period_label)

from . import recordings as rec
from .conftest import route_of

SAMPLES = {
    "hle_90362_regions": (rec.sample_90362, "financial"),
    "readmissions_41101_next_example": (lambda s: rec.sample_from_next(
        s, "test-indicators-benchmark-rag_expected-response.json"), "financial"),
    "dementia_383_quintile_benchmark": (lambda s: rec.sample_from_next(
        s, "test-indicators-benchmark-quintiles-response.json"), "financial"),
    "le_medway_local_deciles": (rec.sample_le_local_deciles, "financial"),
    "ncmp_y6_england_national_quintiles": (rec.sample_ncmp_quintiles, "academic"),
}


def serve_both(replay, make_client, records, year_type="financial"):
    legacy, nxt = make_client("legacy"), make_client("next")
    ind = records[0]["indicator_id"]
    lreq = legacy.data_request(ind, 502)
    nreq = nxt.data_request(ind, 502)
    replay.routes[route_of(lreq.url)] = (200, "text/csv", rec.legacy_csv(replay.shared, records))
    replay.routes[route_of(nreq.url)] = (200, "application/json", rec.next_json(records))
    return legacy.indicator_data(ind, 502, year_type=year_type), nxt.indicator_data(ind, 502)


@pytest.fixture
def served(replay, shared):
    replay.shared = shared
    return replay


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_both_backends_give_identical_tidy_frames(sample, served, make_client, shared):
    build, year_type = SAMPLES[sample]
    records = build(shared)
    assert records, "the shared sample is empty"
    legacy, nxt = serve_both(served, make_client, records, year_type)
    assert list(legacy.columns) == COLUMNS
    pd.testing.assert_frame_equal(legacy, nxt)
    assert len(legacy) == len(records)
    assert {p["api_generation"] for p in legacy.attrs["provenance"]} == {"legacy"}
    assert {p["api_generation"] for p in nxt.attrs["provenance"]} == {"next"}


def test_recorded_next_example_used_as_recorded(served, make_client, shared):
    """The FingertipsNext example body itself (not re-written) matches the legacy CSV written from it."""
    records = rec.sample_from_next(shared, "test-indicators-benchmark-rag_expected-response.json")
    legacy, nxt = make_client("legacy"), make_client("next")
    served.routes[route_of(legacy.data_request(41101, 6).url)] = (200, "text/csv", rec.legacy_csv(shared, records))
    body = (shared / rec.FT / "next_api_examples" / "test-indicators-benchmark-rag_expected-response.json").read_bytes()
    served.routes[route_of(nxt.data_request(41101, 6).url)] = (200, "application/json", body)
    pd.testing.assert_frame_equal(legacy.indicator_data(41101, 6), nxt.indicator_data(41101, 6))


def test_legacy_sample_values(served, make_client, shared):
    client = make_client()
    served.routes[route_of(client.data_request(90362, 202).url)] = (
        200, "text/csv", rec.legacy_csv(shared, rec.sample_90362(shared)))
    df = client.indicator_data(90362, 202)
    FingertipsData.validate(df)
    eng = df[(df.area_code == "E92000001") & (df.sex == "Male")].iloc[0]
    assert eng.value == pytest.approx(63.02647) and eng.lower_ci_95_0 == pytest.approx(62.87787)
    assert eng.period_label == "2009 - 11"
    assert eng.period_start == pd.Timestamp("2009-01-01") and eng.period_end == pd.Timestamp("2011-12-31")
    assert eng.period_sortable == 20090101 and pd.isna(eng.parent_code) and eng.area_type == "England"
    ne = df[df.area_code == "E12000001"].iloc[0]
    assert (ne.parent_code, ne.area_type, ne.compared_to_england) == ("E92000001", "Region", "Worse")
    assert pd.isna(ne.compared_to_parent)  # the parent is England: compared_to_england says it
    assert df.deprivation_category.isna().all()


def test_fingertipsr_style_header_is_accepted(served, make_client, shared):
    """fingertipsR writes the same CSV with the spaces removed (the recorded README sample)."""
    client = make_client()
    body = (shared / rec.FT / "readme_fingertips_data_IndicatorID90362_AreaTypeID202_head.csv").read_bytes()
    served.routes[route_of(client.data_request(90362, 202).url)] = (200, "text/csv", body)
    df = client.indicator_data(90362, 202)
    assert len(df) == 6 and df.value.notna().all()


def test_next_quintile_outcomes_use_legacy_vocabulary(served, make_client, shared):
    client = make_client("next")
    body = (shared / rec.FT / "next_api_examples" / "test-indicators-benchmark-quintiles-response.json").read_bytes()
    served.routes[route_of(client.data_request(383, 7).url)] = (200, "application/json", body)
    df = client.indicator_data(383, 7)
    assert set(df.compared_to_england) <= {"Lowest quintile", "2nd lowest quintile", "Middle quintile",
                                           "2nd highest quintile", "Highest quintile"}
    assert (df.age == "16+ yrs").all() and (df.area_type == "GP practice").all()


# --- deprivation numbering ---------------------------------------------------------------------------------

def test_next_sequence_is_converted_to_one_most_deprived(served, make_client, shared):
    client = make_client("next")
    records = rec.sample_le_local_deciles(shared)
    served.routes[route_of(client.data_request(90366, 502).url)] = (200, "application/json", rec.next_json(records))
    df = client.indicator_data(90366, 502)
    most = df[df.deprivation_category == 1].iloc[0]
    assert most.category == "Most deprived decile"  # FingertipsNext sequence 10
    assert most.value == pytest.approx(74.22126476)   # PHEindicatormethods: Medway male decile 1
    assert list(df.sort_values("deprivation_category").value.round(2))[-1] == pytest.approx(83.9, abs=0.05)
    assert set(df.deprivation_scale) == {"decile"} and set(df.category_basis) == {"within area"}
    assert set(df.deprivation_index) == {"IMD2015"}


def test_every_next_category_label_agrees_with_its_sequence(shared):
    """FingertipsNext's own category list: label word order and sequence (10 = most deprived) agree with
    1 = most deprived after conversion, for every category type it defines."""
    path = shared / rec.FT / "next_datacreator" / "categories.csv"
    rows = rec.csv_rows(path, encoding="utf-8-sig")
    assert len(rows) >= 100
    for r in rows:
        cols = deprivation_columns(r["CategoryTypeName"], r["CategoryName"], sequence=int(r["Sequence"]))
        assert cols["deprivation_category"] == 11 - int(r["Sequence"]), r
        assert cols["deprivation_scale"] == "decile" and cols["category_basis"] == "national"
        assert cols["deprivation_index"] in {"IMD2010", "IMD2015", "IMD2019", "IMD trend"}


@pytest.mark.parametrize("label,scale,expected", [
    ("Most deprived decile (IMD2019)", "decile", 1), ("Second most deprived decile (IMD2019)", "decile", 2),
    ("Fifth more deprived decile", "decile", 5), ("Fifth less deprived decile", "decile", 6),
    ("Second least deprived decile", "decile", 9), ("Least deprived decile (IMD2019)", "decile", 10),
    ("Most deprived quintile", "quintile", 1), ("Average deprived quintile", "quintile", 3),
    ("Middle quintile", "quintile", 3), ("Second least deprived quintile", "quintile", 4),
    ("Least deprived quintile", "quintile", 5), ("Some other label", "decile", None),
])
def test_legacy_category_labels(label, scale, expected):
    assert category_from_label(label, scale) == expected


def test_sequence_contradicting_label_is_rejected():
    with pytest.raises(FingertipsPayloadError, match="contradicts the label"):
        deprivation_columns("District & UA deprivation deciles in England (IMD2019, 4/21 geography)",
                            "Most deprived decile", sequence=1, request_url="http://x/")
    with pytest.raises(FingertipsPayloadError, match="outside 1..5"):
        deprivation_columns("County & UA deprivation quintiles in England (IMD2019)", "x", sequence=7)


def test_non_deprivation_categories_keep_no_deprivation_columns():
    cols = deprivation_columns("Ethnic groups", "White")
    assert set(cols.values()) == {None}


# --- periods -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("label,year_type,start,end", [
    ("2015", "financial", "2015-01-01", "2015-12-31"),
    ("2009 - 11", "financial", "2009-01-01", "2011-12-31"),
    ("2017-19", "financial", "2017-01-01", "2019-12-31"),
    ("2013/14", "financial", "2013-04-01", "2014-03-31"),
    ("2013/14", "academic", "2013-09-01", "2014-08-31"),
    ("2020/21 - 24/25", "academic", "2020-09-01", "2025-08-31"),
    ("1999/00", "financial", "1999-04-01", "2000-03-31"),
    ("2021/22 Q4", "financial", "2022-01-01", "2022-03-31"),
    ("Mar 2021", "financial", "2021-03-01", "2021-03-31"),
])
def test_parse_period(label, year_type, start, end):
    assert parse_period(label, year_type) == (dt.date.fromisoformat(start), dt.date.fromisoformat(end))


def test_unknown_period_form_gives_no_dates():
    assert parse_period("Not a period") == (None, None)


@pytest.mark.parametrize("kind,start,end,label", [
    ("Calendar", "2012-01-01", "2012-12-31", "2012"), ("Calendar", "2009-01-01", "2011-12-31", "2009 - 11"),
    ("Financial", "2013-04-01", "2014-03-31", "2013/14"),
    ("FinancialMultiYear", "2020-04-01", "2025-03-31", "2020/21 - 24/25"),
    ("Academic", "2020-09-01", "2025-08-31", "2020/21 - 24/25"),
])
def test_next_period_labels_are_legacy_style(kind, start, end, label):
    assert period_label(kind, dt.date.fromisoformat(start), dt.date.fromisoformat(end)) == label
    assert parse_period(label, "academic" if kind == "Academic" else "financial") == (
        dt.date.fromisoformat(start), dt.date.fromisoformat(end))


# --- areas, metadata, provenance ---------------------------------------------------------------------------

def _areas(shared, area_type_code):
    rows = rec.csv_rows(shared / rec.FT / "next_datacreator" / "areas.csv", encoding="utf-8-sig")
    return [r for r in rows if r["AreaTypeCode"] == area_type_code]


def test_areas_both_backends(served, make_client, shared):
    import json

    areas = _areas(shared, "counties-and-unitary-authorities")
    legacy_body = json.dumps([{"Code": a["AreaCode"], "Name": a["AreaName"], "Short": a["AreaName"],
                               "AreaTypeId": 502} for a in areas]).encode()
    next_body = json.dumps([{"code": a["AreaCode"], "name": a["AreaName"],
                             "areaType": {"key": a["AreaTypeCode"], "name": a["AreaType"], "level": 2,
                                          "hierarchyName": "Administrative"}} for a in areas]).encode()
    legacy, nxt = make_client("legacy"), make_client("next")
    served.routes["areas/by_area_type?area_type_id=502"] = (200, "application/json", legacy_body)
    served.routes["areas/areatypes/counties-and-unitary-authorities/areas"] = (200, "application/json", next_body)
    a, b = legacy.areas(502), nxt.areas(502)
    pd.testing.assert_frame_equal(a, b)
    kent = a[a.area_code == "E10000016"].iloc[0]
    assert (kent.area_name, kent.area_type) == ("Kent", "County")


def test_recorded_next_areas_example(served, make_client, shared):
    client = make_client("next")
    served.routes["areas/areatypes/regions/areas"] = (
        200, "application/json", (shared / rec.FT / "next_api_examples" / "test-areas-multiple-areas-response.json"
                                  ).read_bytes())
    df = client.areas("regions")
    assert list(df.area_code) == ["E12000001", "E12000003"] and set(df.area_type) == {"Region"}


def test_area_types_from_vignette_sample(served, make_client, shared):
    import json

    rows = rec.csv_rows(shared / rec.FT / "vignette_area_types_202.csv")
    body = json.dumps([{"Id": int(r["ParentAreaTypeID"]), "Name": r["ParentAreaTypeName"], "Short": None}
                       for r in rows]).encode()
    client = make_client()
    served.routes["area_types"] = (200, "application/json", body)
    df = client.area_types()
    assert "10113" in set(df.area_type) and len(df) == len(rows)


def test_nearest_neighbours_request(served, make_client, shared):
    import json

    client = make_client()
    body = json.dumps([{"Code": "E06000035", "Name": "Medway", "Short": "Medway", "AreaTypeId": 502}]).encode()
    served.routes["areas/by_parent_area_code?area_type_id=502&parent_area_code=nn-1-E10000016"] = (
        200, "application/json", body)
    df = client.nearest_neighbours("E10000016", 502)
    assert list(df.area_code) == ["E06000035"]
    assert df.attrs["provenance"][0]["request"].endswith("parent_area_code=nn-1-E10000016")


def test_indicator_metadata_legacy(served, make_client, shared):
    import json

    body = json.dumps({"90366": {"IID": 90366, "Descriptive": {"Name": "Life expectancy at birth",
                                                                "Definition": "Average years..."},
                                 "Unit": {"Label": "years"}, "DataChange": {"LastUploadedAt": "2026-01-06"}}})
    client = make_client()
    served.routes["indicator_metadata/by_indicator_id?indicator_ids=90366"] = (200, "application/json",
                                                                               body.encode())
    df = client.indicator_metadata(90366)
    assert df.loc[0, "indicator_name"] == "Life expectancy at birth" and df.loc[0, "unit"] == "years"


def test_provenance_table_matches_the_report_table(served, make_client, shared):
    client = make_client()
    served.routes[route_of(client.data_request(90362, 202).url)] = (
        200, "text/csv", rec.legacy_csv(shared, rec.sample_90362(shared)))
    df = client.indicator_data(90362, 202)
    prov = df.attrs["provenance"]
    assert len(prov) == 1 and prov[0]["cache"] == "miss" and prov[0]["api_generation"] == "legacy"
    assert prov[0]["request"] == client.data_request(90362, 202).url and prov[0]["fetched_at"]
    table = provenance_table(df)
    assert list(table.columns) == list(catalog.provenance([next(iter(catalog.catalog()))]).columns)
    row = table.iloc[0]
    assert "Healthy life expectancy at birth (90362)" in row.Source and "downloaded" in row.Fetched
    assert row["Official URL"].endswith("indicator_ids=90362&parent_area_type_id=15")


def test_fingertipsr_sample_parent_comparison_is_left_to_england(served, make_client, shared):
    """In the README sample every parent is England, so "Compared to Region" says nothing more."""
    client = make_client()
    body = (shared / rec.FT / "readme_fingertips_data_IndicatorID90362_AreaTypeID202_head.csv").read_bytes()
    served.routes[route_of(client.data_request(90362, 202).url)] = (200, "text/csv", body)
    df = client.indicator_data(90362, 202)
    assert df.compared_to_parent.isna().all() and (df.compared_to_england.iloc[2:] != "Not compared").any()



@given(st.integers(1990, 2030), st.integers(1, 5), st.sampled_from(["Calendar", "Financial", "Academic"]))
def test_period_label_round_trip(year, span, kind):
    """Any FingertipsNext period written as a legacy label parses back to the same dates."""
    if kind == "Calendar":
        start, end = dt.date(year, 1, 1), dt.date(year + span - 1, 12, 31)
    else:
        month = 4 if kind == "Financial" else 9
        start, end = dt.date(year, month, 1), dt.date(year + span, month, 1) - dt.timedelta(days=1)
    label = period_label(kind, start, end)
    assert parse_period(label, "academic" if kind == "Academic" else "financial") == (start, end)


def test_area_codes_filter_keeps_parents_and_england(served, make_client, shared):
    client = make_client()
    served.routes[route_of(client.data_request(90362, 202).url)] = (
        200, "text/csv", rec.legacy_csv(shared, rec.sample_90362(shared)))
    df = client.indicator_data(90362, 202, area_codes=["E12000002"])
    assert set(df.area_code) == {"E12000002", "E92000001"}
    both = client.indicators_data([90362], 202, area_codes=["E12000002"])
    pd.testing.assert_frame_equal(df, both)
