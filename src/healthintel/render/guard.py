"""Disclosure guard: checked on the executed notebook after execution and before any HTML is written.

What it guarantees, for every HTML table a reviewer would see (``text/html`` outputs that survive
:func:`~healthintel.render.export.clean_for_report`):

1. **Provenance of tables.** Each ``<table>`` came through :func:`healthintel.tables.table` (or the provenance
   footer): it carries ``data-hi-table``. A bare ``display(df)`` is refused, so an author cannot bypass the one
   suppression function by accident.
2. **Small counts.** In a table tagged with count columns (``tables.table(..., counts=[...])``), no displayed
   cell of those columns holds a number from 1 to ``threshold - 1``; the threshold is the render's
   (series ``disclosure: {threshold: N}``), so a table suppressed at a lower threshold than the series asks for
   is caught too. Suppressed cells read ``c`` (or the table's NA mark).
3. **No record-level tables.** No table has a column named like a record identifier (:data:`RECORD_IDENTIFIERS`:
   NHS number, patient/person/pupil/child id, date of birth, ...), and no table has more than ``max_rows``
   body rows (default 200: larger tables read as listings of records, not aggregates).

What it does not look at: images (charts are drawn from tables that went through the same functions),
plain-text outputs (``print(df)``; stdout is kept in the report, so chapters must not print frames), Markdown
tables (in markdown cells or ``Markdown`` outputs), and columns of a ``tables.table`` that were not declared as
``counts`` (declaring them is the chapter author's job; the guard then holds them to the threshold). A refusal
fails the chapter ("disclosure: ..."), keeps the executed notebook for the analyst and writes no HTML.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from healthintel import disclosure
from healthintel.errors import RenderError

DEFAULT_MAX_ROWS = 200
RECORD_IDENTIFIERS = (
    "nhs_number", "nhs_no", "nhsnumber", "patient_id", "person_id", "pupil_id", "child_id", "record_id",
    "upn", "date_of_birth", "dob", "birth_date", "postcode", "address", "forename", "surname", "full_name",
)
_MISSING = {"", "c", "–", "-", "—", "nan", "<na>", "na", "n/a", "none", "*", ":", ".."}
_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?(e[-+]?\d+)?$", re.IGNORECASE)


class DisclosureError(RenderError):
    """A report would publish a small count, a table that bypassed suppression, or record-level data."""


@dataclass
class _Table:
    attrs: dict
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


class _Tables(HTMLParser):
    """Collects every <table>: its attributes, the last header row's cell texts and the body rows' cell texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[_Table] = []
        self._stack: list[_Table] = []
        self._section = None  # "thead" | "tbody" | None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._header_row = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            table = _Table(dict(attrs))
            self.tables.append(table)
            self._stack.append(table)
        elif not self._stack:
            return
        elif tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "tr":
            self._row, self._header_row = [], self._section == "thead"
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if not self._stack:
            return
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self._stack[-1]
            if self._header_row or (not table.rows and self._section is None and not table.header):
                table.header = self._row
            else:
                table.rows.append(self._row)
            self._row = None
        elif tag in ("thead", "tbody"):
            self._section = None
        elif tag == "table":
            self._stack.pop()

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(text: str) -> list[_Table]:
    parser = _Tables()
    parser.feed(text)
    parser.close()
    return parser.tables


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")


def _small(cell: str, threshold: int) -> bool:
    text = cell.replace(",", "").replace("\u202f", "").replace(" ", "").strip()
    if text.casefold() in _MISSING:
        return False
    if not _NUMBER.match(text):
        return True  # a count column must hold numbers or a suppression mark; anything else is not checkable
    value = float(text)
    return 0 < value < threshold


def check_table(table: _Table, *, threshold: int, max_rows: int, where: str) -> list[str]:
    """Problems with one parsed table (empty when it may be published)."""
    caption = table.attrs.get("id") or "a table"
    problems = []
    if "data-hi-table" not in table.attrs:
        problems.append(f"{where}: {caption} was not made with healthintel.tables.table() (a bare DataFrame "
                        "display?); show tables through tables.table(..., counts=[...]) so disclosure control applies")
    identifiers = [h for h in table.header if _normal(h) in RECORD_IDENTIFIERS]
    if identifiers:
        problems.append(f"{where}: {caption} has record identifier column(s) {identifiers}; "
                        "reports show aggregates only")
    if len(table.rows) > max_rows:
        problems.append(f"{where}: {caption} has {len(table.rows)} rows (> max_rows {max_rows}); that reads as "
                        "record-level data: aggregate it or raise the series' disclosure.max_rows")
    raw = table.attrs.get("data-hi-counts")
    if raw:
        try:
            counts = [str(c) for c in json.loads(raw)]
        except ValueError:
            counts = [raw]
        header = table.header
        for name in counts:
            if name not in header:
                problems.append(f"{where}: {caption} declares count column {name!r} that is not displayed")
                continue
            j = header.index(name)
            offset = len(header) - max((len(r) for r in table.rows), default=len(header))
            bad = [r[j - offset] for r in table.rows if 0 <= j - offset < len(r) and _small(r[j - offset], threshold)]
            if bad:
                problems.append(f"{where}: {caption} shows {len(bad)} count(s) in {name!r} below the disclosure "
                                f"threshold {threshold} (e.g. {bad[0]!r})")
    return problems


def check_notebook(nb, *, threshold: int | None = None, max_rows: int = DEFAULT_MAX_ROWS) -> None:
    """Raise :class:`DisclosureError` listing every problem in the notebook's report outputs (see module doc)."""
    from healthintel.render.export import clean_for_report

    threshold = disclosure.threshold() if threshold is None else int(threshold)
    problems: list[str] = []
    for number, cell in enumerate(clean_for_report(nb).cells, start=1):
        for output in cell.get("outputs", []):
            text = (output.get("data") or {}).get("text/html")
            if not text:
                continue
            text = text if isinstance(text, str) else "".join(text)
            for table in html_tables(text):
                problems += check_table(table, threshold=threshold, max_rows=max_rows, where=f"output of cell {number}")
    if problems:
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise DisclosureError("; ".join(problems[:5]) + more)
