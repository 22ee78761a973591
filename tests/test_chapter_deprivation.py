"""End-to-end: the deprivation profile chapter rendered through papermill to HTML, opened and checked."""

from __future__ import annotations

import pytest

from healthintel.report import recorded_values

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from healthintel.render import render_chapter

    out = tmp_path_factory.mktemp("reports")
    results = {area: render_chapter("deprivation_profile", {"area": area}, reports_dir=out)
               for area in ["Medway", "Tunbridge Wells"]}
    return out, results


def test_chapter_renders_with_recorded_real_figures(rendered):
    _, results = rendered
    for _area, res in results.items():
        assert res.status == "ok", res.error
    assert recorded_values(results["Medway"].notebook_path)["lsoas"] == 163
    assert recorded_values(results["Medway"].notebook_path)["average_score"] == pytest.approx(23.936, abs=5e-4)
    assert recorded_values(results["Tunbridge Wells"].notebook_path)["lsoas"] == 68


def test_html_has_no_code_no_tracebacks_and_a_provenance_footer(rendered):
    _, results = rendered
    html = results["Medway"].html_path.read_text(encoding="utf-8")
    assert "Traceback" not in html and "ename" not in html
    for code in ["deprivation.load_deprivation", "geography.resolve_area", "import ", "display("]:
        assert code not in html, f"code leaked into the report: {code}"
    assert "Data sources and provenance" in html
    assert "Open Government Licence" in html and "08eaaf9e5525" in html  # IMD 2019 File 1 checksum prefix
    assert "healthintel 0." in html
    assert "Medway" in html and "163 LSOAs" in html
    assert html.count('alt="') >= 3 and 'alt=""' not in html
    assert "UserWarning" not in html and "FutureWarning" not in html
