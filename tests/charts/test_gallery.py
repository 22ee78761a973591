"""The gallery notebook runs end to end and its reviewer page shows every chart as an image with alt text."""

from __future__ import annotations

import re

import pytest

from healthintel.render import gallery
from healthintel.report import recorded_values

pytestmark = pytest.mark.slow

EXPECTED = [  # one per chart call, in notebook order (the PNG names follow the chart titles)
    "smoking_prevalence", "area_profile", "overview", "year_6_obesity_prevalence",
    "year_6_obesity_prevalence_against_the_goal", "year_6_obesity_prevalence_by_deprivation",
    "slope_index_of_inequality", "population_by_age_and_sex_kent_compared", "funnel_plot",
    "lsoas_by_national_imd_decile",
    "residents_aged_65_by_lsoa", "residents_aged_65_by_district", "population_by_national_deprivation_quintile",
    "deprivation_domains",
]


def test_gallery_renders_html_and_one_png_per_chart(tmp_path):
    page_path = gallery.render_gallery(tmp_path, parameters={"sii_repetitions": 1000})
    page = page_path.read_text()
    alts = re.findall(r'<img[^>]*\balt="([^"]*)"', page)
    assert len(alts) == len(EXPECTED)
    assert all(len(a) > 40 and re.search(r"\d", a) for a in alts)
    assert "Traceback" not in page and "Warning" not in page
    assert 'class="healthintel-synthetic"' in page or "Synthetic data" in page  # demo values are flagged
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert len(pngs) == len(EXPECTED)
    for name, stem in zip(pngs, EXPECTED):
        assert name[3:].startswith(stem), (name, stem)
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert recorded_values(tmp_path / "chart_gallery.ipynb") == {"lsoas": 1065}
    demo_titles = [a for a in alts if "demo data" in a.lower()]
    assert len(demo_titles) >= 8
