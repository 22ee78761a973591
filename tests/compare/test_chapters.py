"""End-to-end: the outcomes tracker and KPI dashboard chapters rendered to HTML, with recorded real figures."""

from __future__ import annotations

import pytest

from healthintel.report import recorded_values

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from healthintel.render import render_chapter

    out = tmp_path_factory.mktemp("reports")
    return {
        "Medway": render_chapter("outcomes_tracker", {"area": "Medway"}, reports_dir=out),
        "Kent": render_chapter("outcomes_tracker", {"area": "Kent"}, reports_dir=out),
        "kpi": render_chapter("kpi_dashboard", {"area": "Kent"}, reports_dir=out),
    }


def test_outcomes_tracker_renders_with_real_published_values(rendered):
    res = rendered["Medway"]
    assert res.status == "ok", res.error
    rec = recorded_values(res.notebook_path)
    assert rec["le_male_latest"] == pytest.approx(78.6)  # Fingertips 90366, Medway males 2023-25
    assert rec["y6_obesity_latest"] == pytest.approx(24.2)  # Fingertips 90323, Medway 2024/25
    assert (rec["n_registry"], rec["n_registry_real"], rec["n_demo"]) == (16, 9, 7)
    assert rec["n_indicators"] == rec["n_registry"] + rec["n_context"] and rec["n_context"] >= 6
    assert rec["progress"]["G.2-LE-M"] in {"met", "on track", "off track"}
    html = res.html_path.read_text(encoding="utf-8")
    assert "Traceback" not in html and "compare.outcomes_tracker" not in html and "import " not in html
    assert "DEMO – not real" in html and "Fingertips 90366 (published)" in html
    assert "Synthetic data:" in html  # the visible demo note
    assert html.count('alt="') >= 18 and 'alt=""' not in html
    assert "Data sources and provenance" in html and "1cfa0a6d5d65" in html  # LE extract checksum prefix


def test_outcomes_tracker_for_kent_shows_its_real_published_values_and_labels_the_demo_rows(rendered):
    res = rendered["Kent"]
    assert res.status == "ok", res.error
    rec = recorded_values(res.notebook_path)
    assert (rec["n_registry"], rec["n_registry_real"], rec["n_demo"]) == (16, 9, 7)
    assert rec["le_male_latest"] == pytest.approx(79.8689)  # Fingertips 90366, Kent county males 2016-18
    html = res.html_path.read_text(encoding="utf-8")
    assert "are not real" in html or "not real figures" in html
    assert "Strategy baseline (published)" in html and "Fingertips 93085 (published)" in html
    assert "9 with real published values" in html


def test_kpi_dashboard_for_an_area_without_kpi_data_fails_naming_kent(tmp_path):
    from healthintel.render import render_chapter

    res = render_chapter("kpi_dashboard", {"area": "Cornwall"}, reports_dir=tmp_path)
    assert res.status != "ok"
    assert "AreaNotCoveredError" in str(res.error) or "No KPI dashboard data for Cornwall" in str(res.error)
    assert not (tmp_path / "kpi_dashboard" / "cornwall.html").exists()


def test_kpi_dashboard_renders_and_agrees_with_every_published_rating(rendered):
    res = rendered["kpi"]
    assert res.status == "ok", res.error
    rec = recorded_values(res.notebook_path)
    assert rec["n_kpis"] == 14
    assert rec["green_agreement"] == rec["n_rated"] == 64
    html = res.html_path.read_text(encoding="utf-8")
    assert "Direction of travel" in html and "069c25dc31e4" in html
    assert "Synthetic data:" not in html
