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
    assert rec["n_real"] == 6 and rec["n_indicators"] == 18
    assert rec["progress"]["G.2-LE-M"] in {"met", "on track", "off track"}
    html = res.html_path.read_text(encoding="utf-8")
    assert "Traceback" not in html and "compare.outcomes_tracker" not in html and "import " not in html
    assert "DEMO – not real" in html and "Fingertips (published)" in html
    assert "Synthetic data:" in html  # the visible demo note
    assert html.count('alt="') >= 18 and 'alt=""' not in html
    assert "Data sources and provenance" in html and "1cfa0a6d5d65" in html  # LE extract checksum prefix


def test_outcomes_tracker_for_kent_is_all_demo_and_says_so(rendered):
    res = rendered["Kent"]
    assert res.status == "ok", res.error
    rec = recorded_values(res.notebook_path)
    assert rec["n_real"] == 0
    html = res.html_path.read_text(encoding="utf-8")
    assert "are not real" in html or "not real figures" in html


def test_kpi_dashboard_renders_and_agrees_with_every_published_rating(rendered):
    res = rendered["kpi"]
    assert res.status == "ok", res.error
    rec = recorded_values(res.notebook_path)
    assert rec["n_kpis"] == 14
    assert rec["green_agreement"] == rec["n_rated"] == 64
    html = res.html_path.read_text(encoding="utf-8")
    assert "Direction of travel" in html and "069c25dc31e4" in html
    assert "Synthetic data:" not in html
