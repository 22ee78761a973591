"""The life expectancy chapter renders for Kent and a district with the synthetic banner and sane values."""

from __future__ import annotations

import pytest

from healthintel.report import recorded_values

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("area", ["Kent", "Thanet"])
def test_chapter_renders_with_synthetic_banner_and_sane_values(area, tmp_path):
    from healthintel.render import render_chapter

    res = render_chapter("life_expectancy", {"area": area, "repetitions": 1000}, reports_dir=tmp_path)
    assert res.status == "ok", res.error
    html = res.html_path.read_text(encoding="utf-8")
    assert "Synthetic data" in html and "synthetic data" in html
    assert "Suppressed values explained" in html and "Data sources and provenance" in html
    assert "Traceback" not in html and "import " not in html
    v = recorded_values(res.notebook_path)
    assert 74 < v["le_birth"]["Male"] < v["le_birth"]["Female"] < 88
    assert 15 < v["le_65"]["Male"] < v["le_65"]["Female"] < 25
    assert 0 < v["sii"]["Female"] < 16 and 0 < v["sii"]["Male"] < 16
    assert isinstance(v["suppression_reasons"], list)
