"""CSV downloads: every data table of a report, as the page shows it, in a CSV file beside the report.

Every table made by :func:`healthintel.tables.table` (``data-hi-table="table"``) gets a link under it to
``<slug>/<name>.csv``, next to ``<slug>.html``. The CSV is read back from the table's own HTML, after the disclosure
guard (:mod:`healthintel.render.guard`) has passed it, so it holds exactly what the page shows: the same rows, the
same column headers, the same rounding and the same suppression (a suppressed cell reads ``c`` in both). Only the
spelling of numbers changes, for spreadsheets: thousands separators are dropped, a typographic minus becomes ``-``,
a column whose numbers all end in ``%`` loses the sign and says ``(%)`` in its header, and the page's missing-value
dash becomes an empty cell.

The file name is ``data-hi-download`` when the table sets it (``tables.table(..., download="name")``), else the
caption's slug (at most 60 characters), made unique within the page (``-2``, ``-3`` ...).
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass

from healthintel.render.guard import html_tables
from healthintel.render.parameters import slugify

_DATA_TABLE = re.compile(r"<table\b[^>]*\bdata-hi-table=\"table\"[^>]*>.*?</table>", re.DOTALL | re.IGNORECASE)
_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.DOTALL | re.IGNORECASE)
_OPENING = re.compile(r"<table\b[^>]*>", re.IGNORECASE)
_NAME = re.compile(r'\bdata-hi-download="([^"]*)"')
_TAG = re.compile(r"<[^>]+>")
_NUMBER = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_PERCENT = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\s?%$")
#: What the page shows for a missing value (``tables.table``'s ``na_rep``): empty in the CSV.
MISSING = {"–", "—", "-", ""}
MAX_NAME = 60


@dataclass(frozen=True)
class Download:
    """One table's CSV: its file name (without ``.csv``), the table caption and the CSV text."""

    name: str
    caption: str
    text: str
    rows: int


def _number(cell: str) -> str:
    cell = cell.replace("\u2212", "-").replace("\u202f", "").strip()
    if _NUMBER.match(cell) or _PERCENT.match(cell):
        return cell.replace(",", "").replace(" ", "").rstrip("%")
    return cell


def _columns(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """Headers and cells with numbers spelt for spreadsheets (see the module doc)."""
    width = max([len(header)] + [len(r) for r in rows])
    header = [""] * (width - len(header)) + header
    rows = [[""] * (width - len(r)) + r for r in rows]
    out_header, out_rows = list(header), [list(r) for r in rows]
    for j in range(width):
        cells = [r[j].strip() for r in rows]
        filled = [c for c in cells if c not in MISSING and c.casefold() != "c"]
        if filled and all(_PERCENT.match(c.replace("\u2212", "-")) for c in filled) and "%" not in header[j]:
            out_header[j] = f"{header[j]} (%)".strip()
        for i, cell in enumerate(cells):
            out_rows[i][j] = "" if cell in MISSING else _number(cell)
    return out_header, out_rows


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _file_name(table_html: str, caption: str) -> str:
    opening = _OPENING.search(table_html)
    given = _NAME.search(opening.group(0)) if opening else None
    base = slugify(html.unescape(given.group(1)) if given else caption or "table")
    if len(base) > MAX_NAME:
        base = base[:MAX_NAME].rsplit("-", 1)[0] or base[:MAX_NAME]
    return base


def table_download(table_html: str, taken: set[str]) -> Download | None:
    """The CSV of one ``data-hi-table="table"`` HTML table (None for a table without rows)."""
    parsed = html_tables(table_html)
    if not parsed or not parsed[0].rows:
        return None
    caption_match = _CAPTION.search(table_html)
    caption = " ".join(html.unescape(_TAG.sub("", caption_match.group(1))).split()) if caption_match else ""
    header, rows = _columns(parsed[0].header, parsed[0].rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return Download(_unique(_file_name(table_html, caption), taken), caption, buffer.getvalue(), len(rows))


def link_html(download: Download, folder: str) -> str:
    """The "Download CSV" link shown under a table (the caption is in the link's accessible name)."""
    href = html.escape(f"{folder}/{download.name}.csv", quote=True)
    label = html.escape(download.caption or download.name)
    rows = f"{download.rows} row{'' if download.rows == 1 else 's'}"
    return (f'<p class="hi-download"><a href="{href}" download>Download CSV'
            f'<span class="hi-visually-hidden"> of the table: {label}</span></a> <span>({rows})</span></p>')


def add_links(text: str, folder: str, taken: set[str]) -> tuple[str, list[Download]]:
    """``text`` (an output's HTML) with a link after each data table, and the tables' CSVs."""
    found: list[Download] = []

    def replace(match: re.Match) -> str:
        download = table_download(match.group(0), taken)
        if download is None:
            return match.group(0)
        found.append(download)
        return match.group(0) + link_html(download, folder)

    return _DATA_TABLE.sub(replace, text), found


def attach(nb, folder: str) -> list[Download]:
    """Add the links to every data table of a (cleaned) report notebook, in place; returns the CSVs in page order.

    ``folder`` is the link's folder relative to the page (the report's slug)."""
    taken: set[str] = set()
    downloads: list[Download] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            text = data.get("text/html")
            if not text:
                continue
            text = text if isinstance(text, str) else "".join(text)
            data["text/html"], found = add_links(text, folder, taken)
            downloads += found
    return downloads
