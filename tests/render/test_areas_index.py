"""Canonical areas (official name → header, title, slug) and a truthful index (latest result per chapter × area,
``--prune``), without running a kernel."""

from __future__ import annotations

import json

import pytest

from healthintel.errors import ParameterError
from healthintel.render import render_series, write_index
from healthintel.render.parameters import canonical_area, canonical_parameters, default_slug
from healthintel.render.series import load_series, series_keys
from healthintel.render.site import read_state

from .helpers import fake_result


@pytest.mark.parametrize("given, official", [
    ("kent", "Kent"), ("Kent", "Kent"), ("E10000016", "Kent"), (" e10000016 ", "Kent"),
    ("manchester", "Manchester"), ("E08000003", "Manchester"), ("kent & medway", "Kent and Medway"),
    ("E54000032", "Kent and Medway"), ("TUNBRIDGE WELLS", "Tunbridge Wells"), ("shepway", "Folkestone and Hythe"),
    ("Cumberland", "Cumberland"),  # a 2023 unitary: only in the IoD 2025 areas
])
def test_canonical_area_is_the_official_name(given, official):
    assert canonical_area(given) == official


def test_kent_names_and_code_share_one_slug():
    slugs = {default_slug(canonical_parameters({"area": a})) for a in ("kent", "Kent", "E10000016")}
    assert slugs == {"kent"}
    assert default_slug(canonical_parameters({"area": "kent & medway"})) == "kent-and-medway"


def test_unknown_area_is_kept_for_the_chapter_to_report():
    assert canonical_area("  Atlantis ") == "Atlantis"
    assert canonical_parameters({"area": "", "n": 1}) == {"area": "", "n": 1}


def test_series_refuses_kent_twice_under_two_spellings(notebooks, reports, no_kernel):
    specs = [{"chapter": "fixture", "parameters": {"area": "kent"}},
             {"chapter": "fixture", "parameters": {"area": "E10000016"}}]
    with pytest.raises(ParameterError, match="writes reports/fixture/kent.html like item 0"):
        render_series(specs, notebooks_dir=notebooks, reports_dir=reports, progress=False)


def test_series_period_slugs_use_the_official_name(tmp_path):
    path = tmp_path / "series.yaml"
    path.write_text("chapters:\n  fixture: {}\nareas: [kent & medway]\nperiods: ['2021/22']\n", encoding="utf-8")
    assert [s["slug"] for s in load_series(path)] == ["kent-and-medway-2021-22"]


_result = fake_result


def test_a_later_success_replaces_an_earlier_failure(tmp_path):
    reports = tmp_path / "reports"
    write_index([_result(reports, "fixture", "kent", "Kent", status="failed")], reports)
    assert read_state(reports)["fixture/kent"]["status"] == "failed"
    write_index([_result(reports, "fixture", "kent", "Kent")], reports)
    state = read_state(reports)
    assert list(state) == ["fixture/kent"] and state["fixture/kent"]["status"] == "ok"
    page = (reports / "index.html").read_text()
    assert "1 report: 1 ok, 0 failed" in page and "boom" not in page


def test_index_links_the_pdf_only_when_it_exists(tmp_path):
    reports = tmp_path / "reports"
    result = _result(reports, "fixture", "kent", "Kent")
    (reports / "fixture" / "kent.pdf").write_bytes(b"%PDF-1.4")
    result.pdf_path = reports / "fixture" / "kent.pdf"
    failed_pdf = _result(reports, "fixture", "dover", "Dover", pdf_error="pdf failed: TimeoutError")
    write_index([result, failed_pdf], reports)
    page = (reports / "index.html").read_text()
    assert 'href="fixture/kent.pdf"' in page and "pdf failed: TimeoutError" in page
    (reports / "fixture" / "kent.pdf").unlink()
    write_index([], reports)
    assert 'href="fixture/kent.pdf"' not in (reports / "index.html").read_text()


def test_rows_are_in_area_order(tmp_path):
    reports = tmp_path / "reports"
    write_index([_result(reports, "fixture", s, a) for s, a in
                 (("thanet", "Thanet"), ("ashford", "Ashford"), ("dover", "Dover"))], reports)
    page = (reports / "index.html").read_text()
    assert page.index(">Ashford<") < page.index(">Dover<") < page.index(">Thanet<")


def test_prune_removes_stale_rows_and_their_files(tmp_path):
    reports = tmp_path / "reports"
    old = [_result(reports, "fixture", "kent", "Kent"), _result(reports, "fixture", "kentt", "kentt", status="failed"),
           _result(reports, "fixture", "e10000016", "E10000016"), _result(reports, "fixture", "dover", "Dover")]
    (reports / "fixture" / "e10000016").mkdir()
    (reports / "fixture" / "e10000016" / "table.csv").write_text("a\n1\n")
    (reports / "fixture" / "e10000016.pdf").write_bytes(b"%PDF")
    (reports / "fixture" / "orphan.html").write_text("<html></html>")  # on disk, in no index row
    (reports / "fixture" / "notes.txt").write_text("the analyst's own file")
    write_index(old, reports)
    assert len(read_state(reports)) == 4
    write_index([_result(reports, "fixture", "dover", "Dover")], reports, keep={("fixture", "kent")})
    state = read_state(reports)
    assert sorted(state) == ["fixture/dover", "fixture/kent"]  # this run's and the series'
    left = sorted(p.relative_to(reports).as_posix() for p in (reports / "fixture").rglob("*"))
    assert left == ["fixture/dover.html", "fixture/dover.ipynb", "fixture/kent.html", "fixture/kent.ipynb",
                    "fixture/notes.txt"]
    page = (reports / "index.html").read_text()
    assert "2 reports: 2 ok, 0 failed" in page and "kentt" not in page
    assert json.loads((reports / "index.json").read_text())["entries"].keys() == state.keys()


def test_series_keys_are_the_packaged_series_reports():
    keys = series_keys()
    assert ("child_obesity", "kent-and-medway") in keys and ("life_expectancy", "tunbridge-wells") in keys
    assert ("deprivation_profile", "medway") in keys and len(keys) == 14 + 3 + 1 + 15 + 3 + 3
    assert {("area_overview", s) for s in ("kent", "medway", "kent-and-medway")} <= keys
