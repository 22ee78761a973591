"""Author commentary: the JSNA author's own words, kept in Markdown files beside the code, put into the report.

A chapter × area's commentary is ``commentary/<chapter>/<slug>.md`` under the project root (the folder is
``HEALTHINTEL_COMMENTARY_DIR`` when set), e.g. ``commentary/child_obesity/kent.md``. Text before any slot marker
goes into a "Commentary" section of its own, before the chapter's "Data sources and provenance"; text after a line
``<!-- slot: <section> -->`` goes at the end of that section of the chapter, where ``<section>`` is the section's
anchor (the part after ``#`` of its link in the page's Contents, e.g. ``Prevalence-by-district``; case and
hyphens or spaces do not matter). A slot that names no section of the chapter is an error naming the sections, so
an author's text is never dropped silently.

The Markdown is rendered with markdown-it-py (CommonMark and tables) and the HTML sanitised with nh3 (ammonia):
prose tags only, no ``<script>``/``<style>``, no event handlers or inline styles, links limited to http(s),
mailto and in-page anchors. Headings move down so the author's top level sits under the section (``#`` → h3).
The file's bytes are part of the render cache key (:func:`fingerprint`): editing it re-renders the chapter. No file,
no section: a report without commentary says nothing about it (no placeholder).
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from healthintel import config
from healthintel.errors import RenderError

COMMENTARY_ENV = "HEALTHINTEL_COMMENTARY_DIR"
SECTION_TITLE = "Commentary"
_SLOT = re.compile(r"^[ \t]*<!--\s*slot\s*:\s*(.*?)\s*-->[ \t]*$", re.MULTILINE | re.IGNORECASE)
_HEADING_TAG = re.compile(r"<(/?)h([1-6])(\b[^>]*)>", re.IGNORECASE)
#: Prose only: no landmarks (nav, header, footer, aside), no forms, no media beyond images.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "dl", "dt", "em", "figcaption",
    "figure", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"}, "abbr": {"title"}, "img": {"src", "alt", "width", "height", "title"},
    "th": {"scope", "colspan", "rowspan"}, "td": {"colspan", "rowspan"}, "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True)
class Commentary:
    """One commentary file: its path, the text of the Commentary section and the text for each named slot."""

    path: Path
    main: str
    slots: dict[str, str] = field(default_factory=dict)


def commentary_dir() -> Path:
    """``HEALTHINTEL_COMMENTARY_DIR`` when set, else ``<project root>/commentary``."""
    folder = os.environ.get(COMMENTARY_ENV, "").strip()
    return Path(folder).expanduser() if folder else config.project_root() / "commentary"


def commentary_path(chapter: str, slug: str) -> Path:
    """Where the commentary of ``chapter`` for the report ``slug`` lives (it need not exist)."""
    return commentary_dir() / chapter / f"{slug}.md"


def fingerprint(chapter: str, slug: str) -> str:
    """sha256 of the commentary file's bytes (``"none"`` without one): the render cache key's commentary part."""
    try:
        return hashlib.sha256(commentary_path(chapter, slug).read_bytes()).hexdigest()
    except OSError:
        return "none"


def _slot_key(name: str) -> str:
    return re.sub(r"[\s_-]+", "-", name.strip().casefold())


def parse(text: str, path: Path | str = "commentary.md") -> Commentary:
    """Split a commentary file into the Commentary section's text and the text of each ``<!-- slot: x -->``."""
    parts = _SLOT.split(text)
    main, slots = parts[0].strip(), {}  # type: tuple[str, dict[str, str]]
    for name, body in zip(parts[1::2], parts[2::2]):
        if not name.strip():
            raise RenderError(f"{path}: a slot marker names no section: write <!-- slot: <section anchor> -->")
        key = _slot_key(name)
        slots[key] = (slots.get(key, "") + "\n\n" + body.strip()).strip()
    return Commentary(Path(path), main, {k: v for k, v in slots.items() if v})


def read(chapter: str, slug: str) -> Commentary | None:
    """The commentary for ``chapter`` × ``slug``, or None when there is no file (or it holds only whitespace)."""
    path = commentary_path(chapter, slug)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise RenderError(f"cannot read the commentary {path}: {exc}") from exc
    found = parse(text, path)
    return found if found.main or found.slots else None


def to_html(markdown_text: str, *, top_level: int = 3) -> str:
    """Markdown → sanitised HTML, headings moved down so that ``#`` becomes ``<h{top_level}>`` (at most h6)."""
    import nh3
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown_text)
    shift = top_level - 1

    def move(match: re.Match) -> str:
        return f"<{match.group(1)}h{min(6, int(match.group(2)) + shift)}{match.group(3)}>"

    rendered = _HEADING_TAG.sub(move, rendered)
    return nh3.clean(rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer")


# ------------------------------------------------------------------------------------------- into the notebook
def _html_cell(html_text: str, where: str):
    import nbformat

    cell = nbformat.v4.new_code_cell(source="")
    cell.outputs = [nbformat.v4.new_output(
        "display_data", data={"text/html": f'<div class="hi-commentary" data-hi-commentary="{where}">'
                                           f"{html_text}</div>", "text/plain": "commentary"})]
    return cell


def _headings(cell) -> list[tuple[int, str]]:
    """``(level, anchor)`` of the headings a cell shows (markdown source or Markdown outputs)."""
    from healthintel.render.export import cell_headings

    return [(level, anchor) for level, anchor, _ in cell_headings(cell)]


def _section_ends(nb) -> dict[str, int]:
    """For each section anchor (slot key), the cell index where that section ends: the next heading of the same
    or a higher level, the provenance footer, or the end of the notebook."""
    footer = _provenance_index(nb)
    open_sections: list[tuple[int, str]] = []
    ends: dict[str, int] = {}
    for i, cell in enumerate(nb.cells):
        headings = [(0, "")] if i == footer else _headings(cell)  # the footer closes every section
        for level, anchor in headings:
            while open_sections and open_sections[-1][0] >= level:
                ends.setdefault(_slot_key(open_sections.pop()[1]), i)
            if level:
                open_sections.append((level, anchor))
    for _, anchor in open_sections:
        ends.setdefault(_slot_key(anchor), len(nb.cells))
    return ends


def _provenance_index(nb) -> int:
    """The index of the first cell showing the "Data sources and provenance" footer (else the end)."""
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            text = (output.get("data") or {}).get("text/html", "")
            text = text if isinstance(text, str) else "".join(text)
            if 'data-hi-table="provenance"' in text:
                return i
    return len(nb.cells)


def insert(nb, found: Commentary):
    """A copy of the (cleaned) report notebook with the commentary in it: a "Commentary" section (heading + the
    sanitised HTML) before the provenance footer, and each slot's text at the end of its section.

    Raises :class:`~healthintel.errors.RenderError` naming the sections when a slot names none of them.
    """
    import nbformat

    nb = copy.deepcopy(nb)
    ends = _section_ends(nb)
    unknown = sorted(set(found.slots) - set(ends))
    if unknown:
        raise RenderError(f"{found.path}: slot(s) {', '.join(map(repr, unknown))} name no section of this chapter; "
                          f"its sections are: {', '.join(sorted(ends)) or '(none)'}")
    inserts: list[tuple[int, list]] = []
    if found.main:  # first: at the same index a slot's text (the section before) must come before it
        heading = nbformat.v4.new_markdown_cell(f"## {SECTION_TITLE}")
        inserts.append((_provenance_index(nb), [heading, _html_cell(to_html(found.main), "main")]))
    inserts += [(ends[key], [_html_cell(to_html(text), key)]) for key, text in found.slots.items()]
    for index, cells in sorted(inserts, key=lambda item: item[0], reverse=True):  # from the end (stable sort)
        nb.cells[index:index] = cells
    return nb
