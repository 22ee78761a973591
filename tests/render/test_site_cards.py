"""The report site without a kernel: index.html leads with one card per area (headline figures from the reports'
figures.json, the overview link, each chapter with status and PDF), status.html keeps the full status table."""

from __future__ import annotations

import re
from pathlib import Path

from healthintel.render import write_index
from healthintel.render.execute import ChapterResult
from healthintel.render.series import waves

from .helpers import fake_result


def _result(reports: Path, chapter: str, slug: str, area: str, status: str = "ok", title: str | None = None,
            figures: dict | None = None, **kw) -> ChapterResult:
    notebook = reports / chapter / f"{slug}.ipynb" if status == "ok" else None
    return fake_result(reports, chapter, slug, area, status, figures=figures, notebook_path=notebook,
                       title=title or chapter, seconds=2.5, **kw)


def _fig(name, value, unit="%", period="2023/24", **extra):
    return {"name": name, "value": value, "lower_ci": None, "upper_ci": None, "unit": unit, "period": period,
            "source": "test", **extra}


def _doc(chapter, area, real, figures):
    return {"chapter": chapter, "area_code": "", "area_name": area, "real": real, "figures": figures}


def _cards(page: str) -> dict[str, str]:
    parts = page.split('<section class="area"')[1:]
    return {re.search(r"<h2[^>]*>([^<]+)</h2>", p).group(1): p for p in parts}


def _site(reports: Path) -> list[ChapterResult]:
    headline = [{"chapter": "deprivation_profile", "label": "Average deprivation score", "real": True,
                 **_fig("imd_average_score", 20.54, "score", "IMD 2019")},
                {"chapter": "outcomes_tracker", "label": "Life expectancy at birth, males", "real": True,
                 **_fig("G.2-LE-M", 79.87, "years", "2016-18")},
                {"chapter": "life_expectancy", "label": "Life expectancy at birth, males (chapter)", "real": False,
                 **_fig("le_birth_male", 79.5, "years", "2022-24")},
                {"chapter": "child_obesity", "label": "Year 6 obesity", "real": False, **_fig("obesity", 21.0)}]
    overview = {**_doc("area_overview", "Kent", False, []), "headline": headline, "priorities": []}
    return [
        _result(reports, "area_overview", "kent", "Kent", title="Area overview", figures=overview),
        _result(reports, "deprivation_profile", "kent", "Kent", title="Deprivation profile"),
        _result(reports, "life_expectancy", "kent", "Kent", title="Life expectancy", synthetic=True),
        _result(reports, "child_obesity", "kent", "Kent", status="failed", title="Child obesity"),
        _result(reports, "deprivation_profile", "dover", "Dover", title="Deprivation profile",
                figures=_doc("deprivation_profile", "Dover", True, [_fig("imd_average_score", 25.49, "score",
                                                                          "IMD 2019")])),
        _result(reports, "life_expectancy", "dover", "Dover", title="Life expectancy", synthetic=True,
                figures=_doc("life_expectancy", "Dover", False, [_fig("le_birth_male", 78.25, "years", "2022-24"),
                                                                  _fig("le_birth_female", 82.0, "years", "2022-24")])),
        _result(reports, "area_overview", "medway", "Medway", title="Area overview",
                figures={**_doc("area_overview", "Medway", True, []), "headline": []}),
    ]


def test_index_has_one_card_per_area_overviews_first(tmp_path):
    reports = tmp_path / "reports"
    write_index(_site(reports), reports)
    page = (reports / "index.html").read_text()
    cards = _cards(page)
    assert list(cards) == ["Kent", "Medway", "Dover"]  # areas with an overview first, then alphabetical
    kent = cards["Kent"]
    assert 'href="area_overview/kent.html"' in kent and "Kent overview: priorities" in kent
    assert 'href="status.html"' in page and "7 reports: 6 ok, 1 failed" in page
    # the overview's own choice of headline figures, the first three, synthetic ones said so
    values = re.findall(r'<span class="figure-value">([^<]+)</span>', kent)
    assert values == ["20.5", "79.9 years", "79.5 years"]
    assert kent.count("synthetic (demo)") == 1 and "Year 6 obesity" not in kent
    # each chapter with its status; a failure shows its error; the synthetic one is badged
    assert 'href="life_expectancy/kent.html"' in kent and "SYNTHETIC DATA" in kent
    assert 'status-failed">failed' in kent and "ValueError: boom" in kent
    assert ".ipynb" not in page  # executed notebooks are on the status page


def test_an_area_without_overview_takes_figures_from_its_chapters(tmp_path):
    reports = tmp_path / "reports"
    write_index(_site(reports), reports)
    dover = _cards((reports / "index.html").read_text())["Dover"]
    assert "overview" not in dover.split("<h3>")[0]
    values = re.findall(r'<span class="figure-value">([^<]+)</span>', dover)
    assert values == ["25.5", "78.2 years", "82.0 years"]  # real first, then the synthetic chapter's
    assert dover.count("synthetic (demo)") == 2


def test_status_page_keeps_the_full_table(tmp_path):
    reports = tmp_path / "reports"
    write_index(_site(reports), reports)
    status = (reports / "status.html").read_text()
    assert 'href="index.html"' in status and "7 reports: 6 ok, 1 failed" in status
    assert 'href="deprivation_profile/dover.ipynb"' in status and "2.5 s" in status
    assert "ValueError: boom" in status and 'class="reports"' in status
    section = status[status.index("<code>deprivation_profile</code>"):]
    assert section.index(">Dover<") < section.index(">Kent<")  # area order within a chapter


def test_pdf_links_on_cards(tmp_path):
    reports = tmp_path / "reports"
    result = _result(reports, "deprivation_profile", "kent", "Kent", title="Deprivation profile")
    (reports / "deprivation_profile" / "kent.pdf").write_bytes(b"%PDF-1.4")
    result.pdf_path = reports / "deprivation_profile" / "kent.pdf"
    write_index([result], reports)
    assert 'href="deprivation_profile/kent.pdf"' in _cards((reports / "index.html").read_text())["Kent"]


def test_prune_rewrites_both_pages(tmp_path):
    reports = tmp_path / "reports"
    write_index(_site(reports), reports)
    write_index([], reports, keep={("deprivation_profile", "dover")})
    assert list(_cards((reports / "index.html").read_text())) == ["Dover"]
    assert "Kent" not in (reports / "status.html").read_text()


def test_overviews_run_in_a_second_wave():
    specs = [{"chapter": c} for c in ("area_overview", "life_expectancy", "area_overview", "outcomes_tracker")]
    assert waves(specs) == [[1, 3], [0, 2]]
    assert waves([{"chapter": "life_expectancy"}]) == [[0]]
