"""figures.json: the renderer writes a chapter's recorded figures document beside its HTML, strict JSON."""

from __future__ import annotations

import json

import pytest

from healthintel.render import render_chapter

pytestmark = pytest.mark.slow  # executes notebooks


def test_figures_json_written_beside_the_html(notebooks, reports):
    result = render_chapter("figured", {"area": "Kent"}, notebooks_dir=notebooks, reports_dir=reports)
    assert result.ok, result.error
    path = reports / "figured" / "kent.figures.json"
    assert path.with_suffix("").with_suffix(".html").is_file()
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text  # strict JSON: a missing value is null
    document = json.loads(text)
    assert document == {
        "chapter": "__main__", "area_code": "", "area_name": "Kent", "real": True,
        "figures": [
            {"name": "prevalence", "value": 12.25, "lower_ci": 11.5, "upper_ci": 13.0, "unit": "%",
             "period": "2023/24", "source": "test"},
            {"name": "suppressed", "value": None, "lower_ci": None, "upper_ci": None, "unit": "%",
             "period": "2023/24", "source": "test"},
        ],
    }


def test_synthetic_chapter_is_not_real(notebooks, reports):
    result = render_chapter("figured", {"area": "Demo"}, notebooks_dir=notebooks, reports_dir=reports)
    assert result.ok, result.error
    assert json.loads((reports / "figured" / "demo.figures.json").read_text())["real"] is False


def test_failed_render_leaves_no_figures_json(notebooks, reports):
    assert render_chapter("figured", {"area": "Kent"}, notebooks_dir=notebooks, reports_dir=reports).ok
    path = reports / "figured" / "kent.figures.json"
    assert path.is_file()
    result = render_chapter("figured", {"area": "Kent", "fail": True}, notebooks_dir=notebooks,
                            reports_dir=reports, force=True)
    assert result.status == "failed"
    assert not path.exists()  # a stale figures.json would describe another run
