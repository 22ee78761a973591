"""End-to-end in a real browser: a mini series (the deprivation profile for Dartford and Gravesham, plus the
fixture chapter) rendered on a dask LocalCluster, then opened in headless Chromium through Playwright.

Chromium is Debian's (``make test`` installs it when missing: the ``browser`` prerequisite); Playwright only
drives it, it never downloads a browser. Without Chromium these tests FAIL, they do not skip. Set
``HEALTHINTEL_CHROMIUM`` to use another binary, ``HEALTHINTEL_SCREENSHOT_DIR`` to keep the screenshots.
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from healthintel import config
from healthintel.render import render_series, write_index

from .conftest import FIXTURES

pytestmark = pytest.mark.slow

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
    """Render the mini series into a temp reports dir; returns (reports_dir, results)."""
    root = tmp_path_factory.mktemp("browser")
    chapters = root / "notebooks" / "chapters"
    chapters.mkdir(parents=True)
    shutil.copy(config.notebooks_dir() / "chapters" / "deprivation_profile.ipynb", chapters)
    shutil.copy(FIXTURES / "chapters" / "fixture.ipynb", chapters)
    specs = [{"chapter": "deprivation_profile", "parameters": {"area": "Dartford"}},
             {"chapter": "deprivation_profile", "parameters": {"area": "Gravesham"}},
             {"chapter": "fixture", "parameters": {"area": "Dover", "synthetic": True}}]
    reports = root / "reports"
    results = render_series(specs, jobs=2, executor="dask", notebooks_dir=root / "notebooks", reports_dir=reports,
                            progress=False)
    for result in results:
        assert result.status == "ok", f"{result.chapter}/{result.slug}: {result.error}"
    write_index(results, reports)
    return reports, results


@pytest.fixture(scope="module")
def browser():
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

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport=DESKTOP)
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
    return [reports / "index.html"] + [r.html_path for r in results]


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


def test_index_links_resolve_to_files_and_pages_open(site, browser):
    reports, results = site
    opened = Opened(browser, reports / "index.html")
    try:
        hrefs = opened.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        files = [Path(unquote(urlparse(h).path)) for h in hrefs if h.startswith("file:")]
        assert {r.html_path for r in results} <= set(files)
        assert {r.notebook_path for r in results} <= set(files)
        for path in files:
            assert path.is_file(), path
        text = opened.page.inner_text("body")
        assert "Dartford" in text and "Gravesham" in text and "Dover" in text and "SYNTHETIC DATA" in text
        html_links = [h for h in hrefs if h.endswith(".html")]
        for href in html_links:
            opened.page.goto(href, wait_until="load")
            assert opened.page.locator("h1").count() == 1, href
        assert opened.errors == []
    finally:
        opened.close()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_screenshots_at_desktop_width(site, browser, tmp_path):
    from PIL import Image

    reports, results = site
    chapter = next(r for r in results if r.slug == "dartford")
    keep = os.environ.get("HEALTHINTEL_SCREENSHOT_DIR")
    for name, path in (("index", reports / "index.html"), ("chapter-dartford", chapter.html_path)):
        opened = Opened(browser, path)
        try:
            shot = tmp_path / f"{name}.png"
            opened.page.screenshot(path=str(shot), full_page=True)
        finally:
            opened.close()
        data = shot.read_bytes()
        width, height = _png_size(data)
        assert width == DESKTOP["width"] and height >= 300, (name, width, height)
        assert len(data) > 20_000, (name, len(data))
        with Image.open(shot) as image:  # not a blank page: many colours, not one
            colours = image.convert("RGB").resize((200, max(1, 200 * height // width))).getcolors(maxcolors=100_000)
            assert colours is not None and len(colours) > 50, (name, colours and len(colours))
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(keep) / shot.name)
