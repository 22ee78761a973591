"""Reports as PDF for committee papers: each chapter's HTML printed by headless Chromium, one browser per series.

``healthintel render --format pdf`` (or ``both``) prints every report that rendered (or was skipped as
unchanged and has no PDF yet) to ``<slug>.pdf`` beside its ``<slug>.html``: the same page, with the print
stylesheet of the report (A4, no contents sidebar, figures and tables kept whole where they fit on a page) and
Chromium's running header (chapter and area) and footer (page N of M). Chromium is Debian's (``apt-get install
chromium``, or ``HEALTHINTEL_CHROMIUM``); Playwright only drives it and never downloads a browser. One browser is
started for the whole series and each report is printed in a fresh page of it, so the cost per chapter is the
print itself (``benchmarks/bench_pdf.py``).

A PDF that cannot be printed does not fail the HTML report: the result carries ``pdf_error`` and the command exits
1. A re-render of a chapter removes its old PDF first (:func:`healthintel.render.render_chapter`), so a PDF is
never older than the HTML beside it.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from collections.abc import Iterable

from healthintel.errors import RenderError
from healthintel.render.execute import ChapterResult, short_error
from healthintel.render.export import readable
from healthintel.render.extras import require_extra

FORMATS = ("html", "pdf", "both")
CHROMIUM_ENV = "HEALTHINTEL_CHROMIUM"
DEBIAN_CHROMIUM = "/usr/bin/chromium"
#: Flags that work in containers and offline machines (no sandbox, GPU, QUIC, first-run, sync or updates).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
MARGINS = {"top": "18mm", "bottom": "16mm", "left": "14mm", "right": "14mm"}
_BAND = "font-family: system-ui, Arial, sans-serif; font-size: 8pt; color: #333; width: 100%; margin: 0 14mm;"


def chromium_executable() -> str:
    """``HEALTHINTEL_CHROMIUM``, else ``chromium`` on the PATH, else Debian's ``/usr/bin/chromium``."""
    for candidate in (os.environ.get(CHROMIUM_ENV), shutil.which("chromium"), DEBIAN_CHROMIUM):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise RenderError("PDF export needs Chromium: install Debian's (`apt-get install chromium`, or `make browser`) "
                      f"or point {CHROMIUM_ENV} at a Chromium binary")


def header_template(chapter_title: str, area: str | None, period: str | None = None) -> str:
    """Chromium's running header: the chapter's title, then its area (and period)."""
    where = " · ".join(str(x) for x in (area, period) if x not in (None, ""))
    return (f'<div style="{_BAND} display: flex; justify-content: space-between;">'
            f"<span>{html.escape(chapter_title)}</span><span>{html.escape(where)}</span></div>")


def footer_template() -> str:
    """Chromium's running footer: page N of M."""
    return (f'<div style="{_BAND} text-align: center;">Page <span class="pageNumber"></span> of '
            '<span class="totalPages"></span></div>')


class PdfPrinter:
    """One headless Chromium for many reports: ``with PdfPrinter() as printer: printer.print(html, pdf, ...)``."""

    def __init__(self, executable: str | None = None, timeout: float = 120.0):
        require_extra("pdf")  # Playwright first: without it, Chromium alone cannot print
        self.executable = executable or chromium_executable()
        self.timeout_ms = timeout * 1000
        self._playwright: Any = None
        self._browser: Any = None

    def __enter__(self) -> PdfPrinter:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:  # Playwright gives the browser a new, empty --user-data-dir (a temp folder it removes on close)
            self._browser = self._playwright.chromium.launch(executable_path=self.executable, headless=True,
                                                             args=CHROMIUM_ARGS)
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()
        self._playwright = self._browser = None

    def print(self, html_path: str | Path, pdf_path: str | Path, *, title: str, area: str | None = None,
              period: str | None = None) -> Path:
        """Print ``html_path`` (a file) to ``pdf_path`` (A4, running header and page numbers), atomically."""
        if self._browser is None:
            raise RenderError("PdfPrinter.print outside `with PdfPrinter() as printer:`")
        html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
        page = self._browser.new_page()
        fd, tmp = tempfile.mkstemp(dir=pdf_path.parent, prefix=f".{pdf_path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            page.goto(html_path.as_uri(), wait_until="load", timeout=self.timeout_ms)
            page.emulate_media(media="print")
            page.pdf(path=tmp, format="A4", print_background=True, display_header_footer=True,
                     header_template=header_template(title, area, period), footer_template=footer_template(),
                     margin=MARGINS, prefer_css_page_size=True, outline=True, tagged=True)
            readable(tmp)
            os.replace(tmp, pdf_path)
        finally:
            page.close()
            Path(tmp).unlink(missing_ok=True)
        return pdf_path


def print_reports(results: Iterable[ChapterResult], *, executable: str | None = None) -> list[ChapterResult]:
    """Print a PDF beside every readable report in ``results`` that has none yet (one browser for all); sets
    ``pdf_path`` (or ``pdf_error``) and ``pdf_seconds`` on each result. Returns the results it printed."""
    todo = [r for r in results if r.ok and r.html_path and Path(r.html_path).is_file()]
    for result in todo:
        pdf = Path(result.html_path).with_suffix(".pdf")  # type: ignore[arg-type]
        result.pdf_path = pdf if pdf.is_file() else None
    todo = [r for r in todo if r.pdf_path is None]
    if not todo:
        return []
    try:
        printer = PdfPrinter(executable)
        printer.__enter__()
    except Exception as exc:  # no Chromium or Playwright: every PDF fails with the reason, the HTML stands
        for result in todo:
            result.pdf_error = short_error(exc)
        return todo
    try:
        for result in todo:
            started = time.perf_counter()
            html_path = Path(result.html_path)  # type: ignore[arg-type]
            try:
                result.pdf_path = printer.print(
                    html_path, html_path.with_suffix(".pdf"), title=result.title or result.chapter,
                    area=result.parameters.get("area"), period=result.parameters.get("period"))
            except Exception as exc:
                result.pdf_error = "pdf failed: " + short_error(exc)
            result.pdf_seconds = round(time.perf_counter() - started, 2)
    finally:
        printer.__exit__(None, None, None)
    return todo
