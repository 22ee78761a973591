"""The default chapters as a reviewer reads them, in a real browser (issue 16, items 4 and 5).

Every chapter of the series is rendered with its notebook's default parameters (deprivation profile, life
expectancy and KPI dashboard for Kent, child obesity for Kent and Medway, the outcomes tracker for Medway), plus
life expectancy for Medway (an area of one district), then opened in headless Chromium through Playwright at 1366
and 390 px. Checked on the pages themselves: no table header is a code name, districts are in name order, charts
are PNGs at twice their CSS size (crisp at both widths), the life-expectancy gap is signed as the text gives it
and drawn as points, trend markers have a colour key, maps say which end is worse, the missing NCMP year is a gap,
a one-district area gets a value statement instead of a map, and the wording fixes hold. Screenshots of every
page at both widths are kept in ``HEALTHINTEL_SCREENSHOT_DIR`` when it is set.

Chromium is Debian's (``make browser``); without it these tests FAIL (``chromium_path``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest


from ..test_reviewer_tables import code_like
from .helpers import render_copies
from .test_browser import DESKTOP, LAUNCH_ARGS, PHONE, Opened, chromium_path

pytestmark = pytest.mark.slow

CHAPTERS = ("deprivation_profile", "life_expectancy", "child_obesity", "outcomes_tracker", "kpi_dashboard")
SPECS = [{"chapter": name, "parameters": {}} for name in CHAPTERS] + [
    {"chapter": "life_expectancy", "parameters": {"area": "Medway", "repetitions": 1000}}]

#: What each page shows, read in the browser: every table's caption, headers and body cells (text as shown), every
#: chart's alt text, attributes and sizes, the page's text, and the value statements.
_READ = """() => {
    const cells = r => Array.from(r.children).map(c => c.innerText.trim());
    const tables = Array.from(document.querySelectorAll("table.hi-table")).map(t => ({
        caption: t.caption ? t.caption.innerText.trim() : "",
        kind: t.getAttribute("data-hi-table"),
        headers: t.tHead ? cells(t.tHead.rows[t.tHead.rows.length - 1]) : [],
        rows: Array.from(t.tBodies[0].rows).map(cells)}));
    const column = document.querySelector("main").clientWidth;
    const charts = Array.from(document.querySelectorAll("figure.hi-chart img")).map(i => ({
        alt: i.alt, attrWidth: Number(i.getAttribute("width")), attrHeight: Number(i.getAttribute("height")),
        natural: i.naturalWidth, shown: i.getBoundingClientRect().width}));
    const statements = Array.from(document.querySelectorAll(".hi-value-statement")).map(p => p.innerText.trim());
    return {tables, charts, column, statements, text: document.body.innerText};
}"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Render the default series, then read every page at 1366 and 390 px: {(chapter, slug): {width: page}}."""
    root = tmp_path_factory.mktemp("reviewer")
    results = render_copies(root, SPECS, CHAPTERS)
    for result in results:
        assert result.status == "ok", f"{result.chapter}/{result.slug}: {result.error}"
    keep = os.environ.get("HEALTHINTEL_SCREENSHOT_DIR")
    from playwright.sync_api import sync_playwright

    read = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS, headless=True)
        try:
            for result in results:
                for viewport in (DESKTOP, PHONE):
                    opened = Opened(browser, result.html_path, viewport)
                    try:
                        assert opened.errors == [], opened.errors
                        read.setdefault((result.chapter, result.slug), {})[viewport["width"]] = \
                            opened.page.evaluate(_READ)
                        if keep:
                            Path(keep).mkdir(parents=True, exist_ok=True)
                            opened.page.screenshot(path=str(Path(keep) / f"{result.chapter}-{result.slug}-"
                                                                         f"{viewport['width']}.png"), full_page=True)
                    finally:
                        opened.close()
        finally:
            browser.close()
    return read


def _page(pages, chapter: str, slug: str, width: int = 1366) -> dict:
    return pages[(chapter, slug)][width]


def _table(page: dict, caption_start: str) -> dict:
    return next(t for t in page["tables"] if t["caption"].startswith(caption_start))


def test_the_default_series_is_rendered(pages):
    assert {c for c, _ in pages} == set(CHAPTERS)
    assert ("life_expectancy", "medway") in pages and ("child_obesity", "kent-and-medway") in pages


# ------------------------------------------------------------------------------------------------ item 4: tables
def test_no_table_header_in_any_chapter_is_a_code_name(pages):
    for (chapter, slug), by_width in pages.items():
        page = by_width[1366]
        assert any(t["kind"] == "table" for t in page["tables"]), (chapter, slug)
        for table in page["tables"]:
            bad = [h for h in table["headers"] if code_like(h)]
            assert not bad, f"{chapter}/{slug} {table['caption']!r}: {bad}"


def test_district_tables_are_in_name_order(pages):
    checked = 0
    for (chapter, slug), by_width in pages.items():
        for table in by_width[1366]["tables"]:
            if table["headers"][:1] == ["District"]:
                names = [r[0].casefold() for r in table["rows"]]
                assert names == sorted(names), (chapter, slug, table["caption"])
                checked += 1
    assert checked >= 3  # life expectancy for Kent and for Medway, child obesity for Kent and Medway
    obesity = _table(_page(pages, "child_obesity", "kent-and-medway"), "Year 6 obesity by district")
    assert [r[0] for r in obesity["rows"]][:2] == ["Ashford", "Canterbury"] and len(obesity["rows"]) == 13


def test_numbers_carry_their_unit_and_precision(pages):
    le = _page(pages, "life_expectancy", "kent")
    head = _table(le, "Life expectancy (years), Kent")
    assert head["headers"][:3] == ["Sex", "Life expectancy at", "Life expectancy (years)"]
    assert all(re.fullmatch(r"\d{2}\.\d", r[2]) for r in head["rows"])
    targets = _table(le, "Progress against the outcome-framework targets")
    assert not re.search(r"\d+\.\d{2,}", " ".join(" ".join(r) for r in targets["rows"]))  # no "80.9081"
    kpi = _table(_page(pages, "kpi_dashboard", "kent"), "Public health commissioned services KPIs")
    target = kpi["headers"].index("Latest target")
    for row in kpi["rows"]:
        assert row[target] == "–" or row[target].endswith("%") == row[target - 1].split(" (")[0].endswith("%"), row


# ------------------------------------------------------------------------------------------------ item 5: charts
def test_charts_are_crisp_at_both_widths(pages):
    for (chapter, slug), by_width in pages.items():
        for width, page in by_width.items():
            assert page["charts"] or chapter == "kpi_dashboard", (chapter, slug)
            for chart in page["charts"]:
                assert chart["attrWidth"] > 0 and chart["attrHeight"] > 0, (chapter, slug, chart["alt"][:60])
                assert abs(chart["natural"] - 2 * chart["attrWidth"]) <= 1, (chapter, slug, chart)
                # never drawn wider than its CSS size, so at least 2 image pixels per CSS pixel at any width
                assert chart["shown"] <= chart["attrWidth"] + 1 and chart["natural"] / chart["shown"] >= 1.99
                if width == PHONE["width"]:
                    assert chart["shown"] >= 0.95 * page["column"], (chapter, slug, chart["shown"])


def test_life_expectancy_gap_is_signed_as_the_text_and_drawn_as_points(pages):
    for slug in ("kent", "medway"):
        page = _page(pages, "life_expectancy", slug)
        deciles = [c for c in page["charts"] if "by local deprivation decile" in c["alt"]]
        assert len(deciles) == 2
        text_gaps = re.findall(r"gap between most and least deprived local decile (\d+\.\d) years", page["text"])
        gap_table = _table(page, "Gap and SII in life expectancy")
        table_gaps = [r[3] for r in gap_table["rows"] if r[0].startswith("Gap") and r[2] == "birth"]
        for chart, sex in zip(deciles, ("Male", "Female")):
            assert chart["alt"].startswith("Dot chart of"), chart["alt"][:40]  # points on an axis near the data
            drawn = re.search(r"Gap \(least − most deprived\): ([+−-]?\d+\.\d) years", chart["alt"]).group(1)
            in_table = next(r[3] for r in gap_table["rows"] if r[0].startswith("Gap") and r[1] == sex
                            and r[2] == "birth")
            assert float(drawn) == float(in_table) > 0
        assert sorted(text_gaps) == sorted(table_gaps)
    districts = [c for c in _page(pages, "life_expectancy", "kent")["charts"] if "by district, " in c["alt"]
                 and "Dot chart" in c["alt"]]
    assert len(districts) == 2


def test_coloured_markers_have_a_key_and_scales_say_darker_is_worse(pages):
    for chapter, slug in (("life_expectancy", "kent"), ("child_obesity", "kent-and-medway"),
                          ("outcomes_tracker", "medway")):
        trends = [c for c in _page(pages, chapter, slug)["charts"] if c["alt"].startswith("Line chart")]
        assert trends and all("(key under the chart)" in c["alt"] for c in trends), (chapter, slug)
    maps = {(chapter, slug): [c["alt"] for c in by_width[1366]["charts"] if c["alt"].startswith("Map of")]
            for (chapter, slug), by_width in pages.items()}
    assert "Colour scale: darker = lower (worse)." in maps[("life_expectancy", "kent")][0]
    assert "Colour scale: darker = higher (worse)." in maps[("child_obesity", "kent-and-medway")][0]
    assert "1 = most deprived; darker = more deprived" in maps[("deprivation_profile", "kent")][0]
    gradient = [c["alt"] for c in _page(pages, "child_obesity", "kent-and-medway")["charts"]
                if "Slope index of inequality" in c["alt"]]
    assert gradient and "percentage points" in gradient[0] and not re.search(r"SII = [\d.]+%", gradient[0])


def test_the_missing_ncmp_year_is_a_gap(pages):
    page = _page(pages, "child_obesity", "kent-and-medway")
    trend = next(c for c in page["charts"] if c["alt"].startswith("Line chart"))
    assert "No value for 2020/21 (a gap in the line)." in trend["alt"]


def test_a_one_district_area_gets_a_value_statement_not_a_map(pages):
    page = _page(pages, "life_expectancy", "medway")
    assert not [c for c in page["charts"] if c["alt"].startswith("Map of")]
    assert len(page["statements"]) == 1
    head = _table(page, "Life expectancy (years), Medway")
    for row in head["rows"]:
        if row[1] == "birth":
            assert f"{row[0].lower()}s {row[2]} years (95% CI {row[3]} to {row[4]})" in page["statements"][0]
    assert [c for c in _page(pages, "life_expectancy", "kent")["charts"] if c["alt"].startswith("Map of")]


def test_wording(pages):
    depr = _page(pages, "deprivation_profile", "kent")["text"]
    assert re.search(r"most deprived 10%: [\d,]+ \(\d+\.\d% of the area's LSOAs\); in the most deprived 20%: "
                     r"[\d,]+ \(\d+\.\d%\)", depr)
    for by_width in pages.values():
        assert ".);" not in by_width[1366]["text"]
