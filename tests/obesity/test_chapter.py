"""End-to-end: the child_obesity chapter rendered for Kent, Medway and Kent and Medway."""

from __future__ import annotations

import pytest

from healthintel.report import recorded_values

pytestmark = pytest.mark.slow

AREAS = ["Kent", "Medway", "Kent and Medway"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from healthintel.render import render_chapter

    out = tmp_path_factory.mktemp("reports")
    return {area: render_chapter("child_obesity", {"area": area}, reports_dir=out) for area in AREAS}


@pytest.mark.parametrize("area", AREAS)
def test_renders_with_banner_and_sane_recorded_values(rendered, area):
    res = rendered[area]
    assert res.status == "ok", res.error
    v = recorded_values(res.notebook_path)
    assert v["synthetic"] is True
    assert 12 < v["obesity_latest"] < 32  # Year 6 obesity, England 22.1% in 2023/24
    assert 5 < v["gap_latest"] < 30 and v["gap_lower"] < v["gap_latest"] < v["gap_upper"]
    assert v["records"] == v["excluded"] + v["analysed"] and 0 < v["excluded"] < 0.05 * v["records"]
    assert v["progress"] in {"demo (met)", "demo (on track)", "demo (off track)"}  # synthetic data: "demo"
    html = res.html_path.read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" in html and html.count("(synthetic data)") >= 8
    assert "Traceback" not in html and "import " not in html and "display(" not in html
    assert "Data sources and provenance" in html and "970b82d11eea" in html  # NCMP-by-decile checksum prefix
    for heading in ["Prevalence over time, compared with England", "Prevalence by deprivation quintile",
                    "The gap over time and the target", "Slope index of inequality", "Prevalence by district",
                    "Data quality", "Methods"]:
        assert heading in html
    assert "quintiles of the home LSOA, ranked within" in html  # the basis is stated
    assert 'alt=""' not in html and html.count('alt="') >= 4
    assert "UserWarning" not in html and "FutureWarning" not in html


def test_kent_and_medway_sizes(rendered):
    km = recorded_values(rendered["Kent and Medway"].notebook_path)
    kent = recorded_values(rendered["Kent"].notebook_path)
    medway = recorded_values(rendered["Medway"].notebook_path)
    assert km["records"] == kent["records"] + medway["records"]
