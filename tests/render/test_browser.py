"""End-to-end in a real browser: a mini series with every chapter kind (the deprivation profile for Dartford and
Gravesham, life expectancy for "E10000016", child obesity for "kent" with an author's commentary, the outcomes tracker
for Medway, the KPI dashboard for Kent, the area overview for Kent (listed first: it runs in the second wave, after
the Kent chapters it reads) and the synthetic fixture chapter for Dover) rendered on a dask LocalCluster, printed to
PDF with one browser, then opened in headless Chromium through Playwright at 1366 and 390 px.

Accessibility is checked with axe-core (``make axe`` installs it from npm into ``node_modules/``; ``make test`` does
that first): zero violations on the index (one card per area), the status page and every chapter page at both
widths. Without axe-core these tests FAIL.

Chromium is Debian's (``make test`` installs it when missing: the ``browser`` prerequisite); Playwright only
drives it, it never downloads a browser. Without Chromium these tests FAIL, they do not skip. Set
``HEALTHINTEL_CHROMIUM`` to use another binary, ``HEALTHINTEL_SCREENSHOT_DIR`` to keep the screenshots.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from healthintel import config
from healthintel.render import render_series, write_index
from healthintel.render.execute import ChapterResult

from .conftest import FIXTURES

pytestmark = pytest.mark.slow

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
COMMENTARY = ("Kent commissions its healthy-weight services with the NHS. **Recommendation:** keep the Year 6 focus "
              "on the most deprived quintile.\n\n<script>window.pwned = 1</script>\n\n"
              "<p onclick=\"window.pwned = 2\">A paragraph with a handler.</p>\n\n"
              "<!-- slot: Prevalence by district -->\n"
              "District teams should read this with the school cohort in mind.\n")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1366, "height": 900}
DEBIAN_CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> str:
    candidates = [os.environ.get("HEALTHINTEL_CHROMIUM"), shutil.which("chromium"), DEBIAN_CHROMIUM]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("Chromium is not installed: the browser tests need Debian's chromium (run `make browser`, "
                "or set HEALTHINTEL_CHROMIUM)", pytrace=False)


def test_missing_chromium_fails_not_skips(monkeypatch, tmp_path):
    import sys

    module = sys.modules[__name__]
    monkeypatch.setenv("HEALTHINTEL_CHROMIUM", str(tmp_path / "no-such-chromium"))
    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    monkeypatch.setattr(module, "DEBIAN_CHROMIUM", str(tmp_path / "also-missing"))
    with pytest.raises(pytest.fail.Exception, match="Chromium is not installed"):
        chromium_path()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Render the mini series into a temp reports dir and print its PDFs; returns (reports_dir, results)."""
    from healthintel.render.pdf import print_reports

    root = tmp_path_factory.mktemp("browser")
    chapters = root / "notebooks" / "chapters"
    chapters.mkdir(parents=True)
    for name in ("deprivation_profile", "life_expectancy", "child_obesity", "outcomes_tracker", "kpi_dashboard",
                 "area_overview"):
        shutil.copy(config.notebooks_dir() / "chapters" / f"{name}.ipynb", chapters)
    shutil.copy(FIXTURES / "chapters" / "fixture.ipynb", chapters)
    notes = root / "commentary" / "child_obesity" / "kent.md"
    notes.parent.mkdir(parents=True)
    notes.write_text(COMMENTARY, encoding="utf-8")
    specs = [{"chapter": "area_overview", "parameters": {"area": "Kent"}},
             {"chapter": "deprivation_profile", "parameters": {"area": "Dartford"}},
             {"chapter": "deprivation_profile", "parameters": {"area": "Gravesham"}},
             {"chapter": "life_expectancy", "parameters": {"area": "E10000016"}},
             {"chapter": "child_obesity", "parameters": {"area": "kent"}},
             {"chapter": "outcomes_tracker", "parameters": {"area": "Medway"}},
             {"chapter": "kpi_dashboard", "parameters": {"area": "Kent"}},
             {"chapter": "fixture", "parameters": {"area": "Dover", "synthetic": True}}]
    reports = root / "reports"
    with pytest.MonkeyPatch.context() as patch:  # the workers inherit it: set before the cluster starts
        patch.setenv("HEALTHINTEL_COMMENTARY_DIR", str(root / "commentary"))
        results = render_series(specs, jobs=2, executor="dask", notebooks_dir=root / "notebooks",
                                reports_dir=reports, progress=False)
    for result in results:
        assert result.status == "ok", f"{result.chapter}/{result.slug}: {result.error}"
    printed = print_reports(results, executable=chromium_path())
    assert len(printed) == len(results)
    write_index(results, reports)
    return reports, results


@pytest.fixture(scope="module")
def browser(site):  # after the site: its PDFs are printed by their own Playwright instance
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


class Opened:
    """A page opened at a file, with every console error and uncaught exception it produced."""

    def __init__(self, browser, path: Path, viewport: dict | None = None):
        self.page = browser.new_page(viewport=viewport or DESKTOP)
        self.errors: list[str] = []
        self.page.on("console", lambda msg: self.errors.append(f"console.{msg.type}: {msg.text}")
                     if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("requestfailed", lambda req: self.errors.append(f"requestfailed: {req.url}"))
        self.page.goto(path.as_uri(), wait_until="load")
        self.path = path

    def close(self):
        self.page.close()


def _pages(site) -> list[Path]:
    reports, results = site
    return [reports / "index.html", reports / "status.html"] + [r.html_path for r in results]


def test_pages_have_no_console_errors_or_tracebacks(site, browser):
    for path in _pages(site):
        opened = Opened(browser, path)
        try:
            assert opened.errors == [], f"{path.name}: {opened.errors}"
            text = opened.page.inner_text("body")
            assert "Traceback" not in text and "Error:" not in text, path
            assert opened.page.title()
        finally:
            opened.close()


def test_every_image_loads_and_has_alt_text(site, browser):
    reports, results = site
    for result in results:
        opened = Opened(browser, result.html_path)
        try:
            images = opened.page.evaluate(
                "Array.from(document.images).map(i => ({complete: i.complete, width: i.naturalWidth, alt: i.alt}))")
            if result.chapter == "deprivation_profile":
                assert len(images) >= 3, images  # quintile chart, map, domain bars
            for image in images:
                assert image["complete"] and image["width"] > 0, (result.slug, image)
                assert image["alt"].strip(), (result.slug, image)
        finally:
            opened.close()


def test_every_toc_link_resolves_to_an_element(site, browser):
    reports, results = site
    for result in results:
        opened = Opened(browser, result.html_path)
        try:
            hrefs = opened.page.eval_on_selector_all("nav.hi-toc a", "els => els.map(e => e.getAttribute('href'))")
            assert len(hrefs) >= (4 if result.chapter == "deprivation_profile" else 2), hrefs
            for href in hrefs:
                assert href.startswith("#"), href
                found = opened.page.evaluate("id => document.getElementById(id) !== null", unquote(href[1:]))
                assert found, f"{result.slug}: TOC link {href} has no target"
        finally:
            opened.close()


def _links(browser, path: Path) -> tuple[list[str], str, list[str]]:
    opened = Opened(browser, path)
    try:
        hrefs = opened.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        text = opened.page.inner_text("body")
        html_links = [h for h in hrefs if h.endswith(".html")]
        for href in html_links:
            opened.page.goto(href, wait_until="load")
            assert opened.page.locator("h1").count() == 1, href
        assert opened.errors == []
    finally:
        opened.close()
    return hrefs, text, html_links


def test_index_links_resolve_to_files_and_pages_open(site, browser):
    reports, results = site
    hrefs, text, _ = _links(browser, reports / "index.html")
    files = [Path(unquote(urlparse(h).path)) for h in hrefs if h.startswith("file:")]
    assert {r.html_path for r in results} <= set(files)
    assert reports / "status.html" in files
    for path in files:
        assert path.is_file(), path
    assert "Dartford" in text and "Gravesham" in text and "Dover" in text and "SYNTHETIC DATA" in text
    # the status page keeps the full table: every report and executed notebook
    hrefs, text, _ = _links(browser, reports / "status.html")
    files = [Path(unquote(urlparse(h).path)) for h in hrefs if h.startswith("file:")]
    assert {r.html_path for r in results} <= set(files) and {r.notebook_path for r in results} <= set(files)
    assert reports / "index.html" in files and all(path.is_file() for path in files)


def test_index_has_one_card_per_area_with_the_overview_first(site, browser):
    reports, results = site
    opened = Opened(browser, reports / "index.html")
    try:
        cards = opened.page.evaluate("""() => Array.from(document.querySelectorAll("section.area")).map(c => ({
            name: c.querySelector("h2").innerText,
            overview: (c.querySelector("a.overview") || {}).href || null,
            figures: Array.from(c.querySelectorAll(".figures li")).map(li => li.innerText),
            chapters: Array.from(c.querySelectorAll(".chapters li")).length}))""")
    finally:
        opened.close()
    areas = {str(r.parameters.get("area")) for r in results}
    assert sorted(c["name"] for c in cards) == sorted(areas)
    assert cards[0]["name"] == "Kent" and cards[0]["overview"].endswith("/area_overview/kent.html")
    assert cards[0]["chapters"] == sum(r.parameters.get("area") == "Kent" for r in results)
    overview = json.loads((reports / "area_overview" / "kent.figures.json").read_text())
    assert 2 <= len(cards[0]["figures"]) <= 3
    for shown, entry in zip(cards[0]["figures"], overview["headline"]):
        assert entry["label"] in shown and entry["period"] in shown
        assert ("synthetic (demo)" in shown) is (not entry["real"])


def test_overview_links_every_kent_report_and_they_open(site, browser):
    reports, results = site
    overview = next(r for r in results if r.chapter == "area_overview")
    hrefs, text, html_links = _links(browser, overview.html_path)
    kent = {r.html_path for r in results if r.parameters.get("area") == "Kent" and r.chapter != "area_overview"}
    linked = {Path(unquote(urlparse(h).path)).resolve() for h in html_links}
    assert {p.resolve() for p in kent} <= linked
    assert "Priorities" in text and "significantly worse than England" in text


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def _result(site, chapter: str) -> ChapterResult:
    return next(r for r in site[1] if r.chapter == chapter)


def test_screenshots_at_desktop_and_phone_width(site, browser, tmp_path):
    from PIL import Image

    reports, results = site
    keep = os.environ.get("HEALTHINTEL_SCREENSHOT_DIR")
    pages = [("index", reports / "index.html"), ("status", reports / "status.html")] + [
        (f"{r.chapter}-{r.slug}", r.html_path) for r in results if r.slug != "gravesham"]
    for name, path in pages:
        for viewport in (DESKTOP, PHONE):
            opened = Opened(browser, path, viewport)
            try:
                shot = tmp_path / f"{name}-{viewport['width']}.png"
                opened.page.screenshot(path=str(shot), full_page=True)
            finally:
                opened.close()
            data = shot.read_bytes()
            width, height = _png_size(data)
            assert width == viewport["width"] and height >= 300, (name, width, height)
            assert len(data) > 20_000, (name, len(data))
            with Image.open(shot) as image:  # not a blank page: many colours, not one
                colours = image.convert("RGB").resize((200, max(1, 200 * height // width))).getcolors(
                    maxcolors=100_000)
                assert colours is not None and len(colours) > 50, (name, colours and len(colours))
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, Path(keep) / shot.name)


# ------------------------------------------------------------------------------------------ accessibility (axe)
def _axe(page) -> list[dict]:
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed ({AXE}): run `make axe` (npm ci)", pytrace=False)
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.html.slice(0, 160))}));
    }""")


def test_axe_finds_no_violations_on_any_page_at_1366_and_390(site, browser):
    reports, results = site
    problems = []
    for path in _pages(site):
        for viewport in (DESKTOP, PHONE):
            opened = Opened(browser, path, viewport)
            try:
                problems += [f"{path.relative_to(reports)} @ {viewport['width']} px: {v['id']} ({v['impact']}): "
                             f"{v['help']} {v['nodes']}" for v in _axe(opened.page)]
            finally:
                opened.close()
    assert problems == [], "\n".join(problems)


def test_axe_would_catch_a_violation(browser, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><main>'
                   '<img src="missing.png"><a href="#"></a></main></body></html>')
    opened = Opened(browser, bad)
    try:
        found = {v["id"] for v in _axe(opened.page)}
    finally:
        opened.close()
    assert {"image-alt", "link-name"} <= found


# ------------------------------------------------------------------------------------------------- phone width
_LAYOUT = """() => {
    const box = e => e.getBoundingClientRect();
    const main = document.querySelector("main");
    const column = main ? main.clientWidth : innerWidth;
    const tables = Array.from(document.querySelectorAll("table.hi-table")).map(t => {
        const holder = t.closest(".jp-OutputArea-output") || t.parentElement;
        const caption = t.querySelector("caption");
        return {table: box(t).width, holder: holder.clientWidth, scroll: holder.scrollWidth,
                overflow: getComputedStyle(holder).overflowX, captionRight: caption ? box(caption).right : 0,
                provenance: t.classList.contains("hi-provenance-table")};
    });
    const charts = Array.from(document.querySelectorAll("figure.hi-chart img")).map(i => box(i).width);
    return {scrollWidth: document.documentElement.scrollWidth, innerWidth, column, tables, charts};
}"""


def test_no_page_scrolls_sideways_at_390(site, browser):
    for path in _pages(site):
        opened = Opened(browser, path, PHONE)
        try:
            layout = opened.page.evaluate(_LAYOUT)
        finally:
            opened.close()
        assert layout["scrollWidth"] <= PHONE["width"], (path.name, layout["scrollWidth"])


def test_wide_tables_scroll_in_their_box_captions_wrap_and_charts_fill_the_column_at_390(site, browser):
    _, results = site
    wide = 0
    for result in results:
        opened = Opened(browser, result.html_path, PHONE)
        try:
            layout = opened.page.evaluate(_LAYOUT)
        finally:
            opened.close()
        for table in layout["tables"]:
            assert table["captionRight"] <= PHONE["width"], (result.slug, table)  # a caption wraps on screen
            if table["table"] > table["holder"] + 1:  # wider than the column: every column is reachable
                wide += 1
                assert table["overflow"] == "auto" and table["scroll"] >= table["table"] - 1, (result.slug, table)
        for width in layout["charts"]:
            assert width >= 0.95 * layout["column"], (result.slug, width, layout["column"])
    assert wide >= 3  # the decile, district and tracker tables are wider than a phone


def test_first_column_stays_in_view_while_a_wide_table_scrolls(site, browser):
    opened = Opened(browser, _result(site, "life_expectancy").html_path, PHONE)
    try:
        moved = opened.page.evaluate("""() => {
            const table = Array.from(document.querySelectorAll("table.hi-table:not(.hi-provenance-table)"))
                .find(t => t.getBoundingClientRect().width > t.closest(".jp-OutputArea-output").clientWidth);
            const holder = table.closest(".jp-OutputArea-output");
            const first = table.querySelector("tbody tr > :first-child"), second = first.nextElementSibling;
            const before = [first.getBoundingClientRect().left, second.getBoundingClientRect().left];
            holder.scrollLeft = 10000;
            const left = holder.getBoundingClientRect().left;
            return {scrolled: holder.scrollLeft, left, first: first.getBoundingClientRect().left - left,
                    secondMoved: before[1] - second.getBoundingClientRect().left};
        }""")
    finally:
        opened.close()
    assert moved["scrolled"] > 50 and moved["secondMoved"] > 50, moved  # the rest scrolled ...
    assert abs(moved["first"]) <= 1, moved  # ... and the first column did not


def test_no_table_column_is_cut_off_at_1366(site, browser):
    for result in site[1]:
        opened = Opened(browser, result.html_path)
        try:
            layout = opened.page.evaluate(_LAYOUT)
        finally:
            opened.close()
        for table in layout["tables"]:
            assert table["overflow"] != "hidden" and table["scroll"] >= table["table"] - 1, (result.slug, table)


def test_index_cards_fit_the_phone_one_per_row_at_390(site, browser):
    reports, _ = site
    opened = Opened(browser, reports / "index.html", PHONE)
    try:
        boxes = opened.page.eval_on_selector_all("section.area", """els => els.map(e => {
            const b = e.getBoundingClientRect(); return {left: b.left, right: b.right, width: b.width,
            inner: e.scrollWidth <= e.clientWidth + 1}; })""")
    finally:
        opened.close()
    assert len(boxes) >= 5
    for box in boxes:
        assert box["left"] >= 0 and box["right"] <= PHONE["width"] and box["inner"], box
        assert box["width"] >= 0.8 * PHONE["width"], box  # one card per row


def test_provenance_and_status_page_reflow_as_cards_at_390(site, browser):
    reports, _ = site
    for path, selector in ((reports / "status.html", "table.reports tbody tr"),
                           (_result(site, "child_obesity").html_path, "table.hi-provenance-table tbody tr")):
        opened = Opened(browser, path, PHONE)
        try:
            display = opened.page.eval_on_selector(selector, "e => getComputedStyle(e).display")
            label = opened.page.eval_on_selector(selector + " td[data-label]",
                                                 "e => getComputedStyle(e, '::before').content")
            fits = opened.page.eval_on_selector(selector, """e => { const box = e.closest(".jp-OutputArea-output")
                || document.documentElement; return box.scrollWidth <= box.clientWidth + 1; }""")
        finally:
            opened.close()
        assert display == "block" and label.strip('"').endswith(": "), (path.name, display, label)
        assert fits, path.name  # a card fits the screen: nothing to scroll sideways inside it either


# ----------------------------------------------------------------------------------------- canonical areas
def test_header_title_and_slug_come_from_the_official_name(site, browser):
    for chapter, given in (("life_expectancy", "E10000016"), ("child_obesity", "kent")):
        result = _result(site, chapter)
        assert result.slug == "kent" and result.html_path.name == "kent.html" and result.parameters["area"] == "Kent"
        opened = Opened(browser, result.html_path)
        try:
            meta = opened.page.inner_text(".hi-meta")
            title = opened.page.title()
        finally:
            opened.close()
        assert "Kent" in meta and given not in meta and "— Kent" in title, (chapter, meta, title)


# ------------------------------------------------------------------------------------------------- commentary
def test_commentary_is_in_its_section_and_slot_sanitised(site, browser):
    opened = Opened(browser, _result(site, "child_obesity").html_path)
    try:
        found = opened.page.evaluate("""() => {
            const heading = document.getElementById("Commentary");
            const sections = Array.from(document.querySelectorAll("h2")).map(h => h.id);
            const slot = document.querySelector('[data-hi-commentary="prevalence-by-district"]');
            const district = document.getElementById("Prevalence-by-district");
            const after = h => Array.from(document.querySelectorAll("h2")).find(
                x => h.compareDocumentPosition(x) & Node.DOCUMENT_POSITION_FOLLOWING);
            const next = after(district);
            return {
                heading: heading && heading.tagName, sections,
                main: document.querySelector('[data-hi-commentary="main"]').innerText,
                slot: slot && slot.innerText,
                slotInSection: !!slot && !!(district.compareDocumentPosition(slot) & Node.DOCUMENT_POSITION_FOLLOWING)
                    && !!(slot.compareDocumentPosition(next) & Node.DOCUMENT_POSITION_FOLLOWING),
                scripts: document.querySelectorAll(".hi-commentary script").length,
                handlers: Array.from(document.querySelectorAll(".hi-commentary *")).filter(
                    e => Array.from(e.attributes).some(a => a.name.startsWith("on"))).length,
                pwned: window.pwned || 0, toc: !!document.querySelector('nav.hi-toc a[href="#Commentary"]'),
            };
        }""")
        text = opened.page.inner_text("body")
    finally:
        opened.close()
    assert found["heading"] == "H2" and found["toc"], found
    assert "Recommendation:" in found["main"] and "A paragraph with a handler." in found["main"]
    assert "school cohort" in found["slot"] and found["slotInSection"], found
    assert found["scripts"] == 0 and found["handlers"] == 0 and found["pwned"] == 0, found
    after = found["sections"][found["sections"].index("Commentary") + 1:]
    assert after and not any(after), found["sections"]  # the last section: only the provenance footer follows
    assert "Author's text goes here" not in text


def test_no_commentary_file_means_no_commentary_section(site, browser):
    opened = Opened(browser, _result(site, "life_expectancy").html_path)
    try:
        assert opened.page.locator("#Commentary, .hi-commentary").count() == 0
        assert "Author's text goes here" not in opened.page.inner_text("body")
    finally:
        opened.close()


# --------------------------------------------------------------------------------------------- CSV downloads
def test_every_data_table_has_a_csv_equal_to_it(site, browser):
    import csv

    total = 0
    for result in site[1]:
        opened = Opened(browser, result.html_path)
        try:
            tables = opened.page.evaluate("""() => Array.from(document.querySelectorAll(
                    'table[data-hi-table="table"]')).map(t => {
                const link = t.closest(".jp-OutputArea-output").querySelector(".hi-download a");
                const cells = r => Array.from(r.children).map(c => c.innerText.trim());
                return {href: link && link.href, caption: t.caption ? t.caption.innerText : "",
                        header: cells(t.tHead.rows[t.tHead.rows.length - 1]),
                        rows: Array.from(t.tBodies[0].rows).map(cells)};
            })""")
        finally:
            opened.close()
        assert tables, result.slug
        for table in tables:
            assert table["href"], (result.slug, table["caption"])
            path = Path(unquote(urlparse(table["href"]).path))
            assert path.parent == result.html_path.with_suffix("") and path.is_file(), path
            with path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.reader(handle))
            header, body = rows[0], rows[1:]
            assert [h.removesuffix(" (%)") for h in header] == table["header"], (path.name, header)
            assert len(body) == len(table["rows"]), path.name
            for shown, written in zip(table["rows"], body):
                for page_cell, csv_cell in zip(shown, written):
                    expected = page_cell.replace("\u2212", "-").strip()
                    if re.fullmatch(r"[-+]?[\d,]+(\.\d+)?\s?%?", expected):  # numbers: spelt for spreadsheets
                        expected = expected.replace(",", "").replace(" ", "").rstrip("%")
                    expected = "" if expected in ("–", "—", "-") else expected
                    assert csv_cell == expected, (path.name, page_cell, csv_cell)
            total += 1
    assert total >= 20


# ------------------------------------------------------------------------------------------------------- PDF
def test_every_report_has_an_a4_pdf_linked_from_the_index(site, browser):
    reports, results = site
    for result in results:
        pdf = result.html_path.with_suffix(".pdf")
        data = pdf.read_bytes()
        assert result.pdf_path == pdf and result.pdf_error is None
        assert data[:5] == b"%PDF-" and len(data) > 20_000, (pdf, len(data))
        pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
        assert pages >= (2 if result.chapter != "fixture" else 1), (pdf.name, pages)
        assert re.search(rb"/MediaBox\s*\[\s*0 0 59[45](\.\d+)? 841(\.\d+)?\s*\]", data), pdf  # A4 in points
    opened = Opened(browser, reports / "index.html")
    try:
        hrefs = opened.page.eval_on_selector_all("a[href$='.pdf']", "els => els.map(e => e.href)")
    finally:
        opened.close()
    assert {Path(unquote(urlparse(h).path)) for h in hrefs} == {r.html_path.with_suffix(".pdf") for r in results}


def test_print_stylesheet_keeps_figures_and_tables_whole(site, browser):
    opened = Opened(browser, _result(site, "deprivation_profile").html_path)
    try:
        opened.page.emulate_media(media="print")
        styles = opened.page.evaluate("""() => ({
            toc: getComputedStyle(document.querySelector("nav.hi-toc")).display,
            download: getComputedStyle(document.querySelector(".hi-download")).display,
            figure: getComputedStyle(document.querySelector("figure.hi-chart")).breakInside,
            table: getComputedStyle(document.querySelector('table[data-hi-table="table"]')).breakInside,
            heading: getComputedStyle(document.querySelector("main h2")).breakAfter,
        })""")
    finally:
        opened.close()
    assert styles == {"toc": "none", "download": "none", "figure": "avoid", "table": "avoid", "heading": "avoid"}


def test_one_browser_prints_the_whole_series(site, monkeypatch, tmp_path):
    from healthintel.render import pdf

    launched = []
    original = pdf.PdfPrinter.__enter__

    def counting(self):
        launched.append(1)
        return original(self)

    monkeypatch.setattr(pdf.PdfPrinter, "__enter__", counting)
    copies = []
    for result in site[1][:3]:
        target = tmp_path / f"{result.chapter}-{result.slug}.html"
        shutil.copy(result.html_path, target)
        copies.append(ChapterResult(chapter=result.chapter, slug=result.slug, parameters=result.parameters,
                                    status="ok", html_path=target, notebook_path=None, title=result.title))
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as thread:  # its own thread: the module's browser holds this one's Playwright loop
        printed = thread.submit(pdf.print_reports, copies, executable=chromium_path()).result()
    assert printed == copies, [c.pdf_error for c in copies]
    assert launched == [1] and all(c.pdf_path and c.pdf_path.is_file() for c in copies)
