"""Executed notebook → reviewer HTML: no code, no stderr, header + table of contents + provenance footer."""

from __future__ import annotations

import contextlib
import copy
import functools
import html
import os
import re
import subprocess
import tempfile
from datetime import datetime, UTC
from pathlib import Path
from typing import Any
from collections.abc import Iterable

import nbformat

import healthintel
from healthintel import config
from healthintel.errors import StorageError

TEMPLATES_DIR = Path(__file__).parent / "templates"
CHAPTER_TEMPLATE = TEMPLATES_DIR / "chapter" / "chapter.html.j2"

_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
_HEADING = re.compile(r'<h([1-6])[^>]*\bid="([^"]*)"[^>]*>(.*?)</h\1>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_ANCHOR = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.DOTALL)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.DOTALL | re.MULTILINE)
_PRIVATE_MIMETYPE = "application/vnd.healthintel."  # record() and friends: never shown


# ---------------------------------------------------------------------------------------------- atomic writes
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def readable(path: str | Path) -> None:
    """mkstemp files are 0600; reports are for reviewers, so give them the usual umask-based mode."""
    os.chmod(path, 0o666 & ~_umask())


def atomic_write(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to a temp file beside ``path`` and ``os.replace`` it, so readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        readable(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def check_writable(folders: Iterable[str | Path]) -> None:
    """Create each folder if needed and write (and remove) a small probe file in it; a
    :class:`~healthintel.errors.StorageError` naming the folder and the fix when that fails (permission denied,
    read-only or full disk), so a render stops before any kernel starts rather than after the work is done."""
    for folder in folders:
        folder = Path(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".write-check.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(b"\0" * 4096)
                    fh.flush()
                    os.fsync(fh.fileno())
            finally:
                Path(tmp).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(storage_problem(exc, folder, "write the reports to"), path=folder) from exc


def storage_problem(exc: OSError, path: str | Path, doing: str) -> str:
    """A one-line description of a failed read/write of ``path``: permission, read-only or full disk, and the fix."""
    import errno

    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        why = "the disk is full"
    elif exc.errno == errno.EROFS:
        why = "the file system is read-only"
    elif isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        why = "permission denied"
    else:
        why = exc.strerror or type(exc).__name__
    return (f"cannot {doing} {path}: {why}. Make the folder writable (or free disk space), or choose another "
            "with --reports-dir / HEALTHINTEL_REPORTS_DIR.")


# ------------------------------------------------------------------------------------------- notebook facts
def notebook_title(nb) -> str | None:
    """``metadata.healthintel.title``, else the first markdown H1, else None."""
    title = (nb.metadata.get("healthintel") or {}).get("title")
    if title:
        return str(title)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = _H1.search(_FENCE.sub("", cell.source))
            if match:
                return _TAG.sub("", match.group(1)).strip()
    return None


def is_synthetic(nb) -> bool:
    """True when the notebook metadata or any output's metadata says ``healthintel.synthetic``."""
    if (nb.metadata.get("healthintel") or {}).get("synthetic") is True:
        return True
    return any(
        ((output.get("metadata") or {}).get("healthintel") or {}).get("synthetic") is True
        for cell in nb.cells
        for output in cell.get("outputs", [])
    )


@functools.lru_cache(maxsize=8)
def git_commit(root: str | Path | None = None) -> str:
    """Short hash of HEAD when ``root`` (default: the project root) is a git checkout, else ``"unknown"``."""
    root = Path(root or config.project_root())
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


# --------------------------------------------------------------------------------------------- cleaning
def _image_alt(output) -> str:
    """Alt text for an image output: its metadata's ``alt``, else its ``text/plain`` (nbconvert uses neither)."""
    meta = output.get("metadata") or {}
    candidates = [meta.get(m) for m in ("image/png", "image/jpeg", "image/svg+xml", "healthintel")]
    for candidate in candidates:
        if isinstance(candidate, dict) and candidate.get("alt"):
            return str(candidate["alt"])
    text = output.get("data", {}).get("text/plain", "")
    return (text if isinstance(text, str) else "".join(text)).strip() or "Figure"


def _keep_output(output) -> bool:
    kind = output.get("output_type")
    if kind == "error":
        return False  # a report never carries a traceback
    if kind == "stream":
        return output.get("name") != "stderr"  # warnings and logging belong to the analyst's notebook
    data = output.get("data") or {}
    visible = [m for m in data if not m.startswith(_PRIVATE_MIMETYPE)]
    return bool(visible)


def _clean_code_cell(cell, tags) -> bool:
    """Keep the visible outputs of a code cell (private mimetypes removed, images given alt text); False when
    nothing is left to show."""
    outputs = [o for o in cell.get("outputs", []) if _keep_output(o)]
    for output in outputs:
        data = output.get("data") or {}
        for mime in [m for m in data if m.startswith(_PRIVATE_MIMETYPE)]:
            del data[mime]
        if any(m in data for m in ("image/png", "image/jpeg", "image/svg+xml")):
            output.setdefault("metadata", {}).setdefault("healthintel", {})["alt"] = _image_alt(output)
    if not outputs or "remove-output" in tags:
        return False
    cell.outputs = outputs
    return True


def _drop_title(cell, title: str) -> bool | None:
    """Remove an H1 equal to ``title`` from a markdown cell: None when there is none, else whether the cell
    still has text."""
    match = _H1.search(cell.source)
    if not (match and _TAG.sub("", match.group(1)).strip() == title):
        return None
    cell.source = (cell.source[: match.start()] + cell.source[match.end():]).strip()
    return bool(cell.source)


def clean_for_report(nb, title: str | None = None):
    """A copy of ``nb`` ready for the reviewer: hidden/stderr/error outputs and output-less code cells removed.

    The first markdown H1 is dropped when it repeats ``title`` (the page header shows it), and every image
    output gets ``metadata.healthintel.alt`` (its own alt, else its ``text/plain``) for the template.
    """
    nb = copy.deepcopy(nb)
    cells = []
    dropped_title = title is None
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "papermill-error-cell-tag" in tags or "remove-cell" in tags:
            continue
        if cell.cell_type == "code" and not _clean_code_cell(cell, tags):
            continue
        if cell.cell_type == "markdown" and not dropped_title:
            kept = _drop_title(cell, title or "")
            dropped_title = kept is not None
            if kept is False:
                continue
        cells.append(cell)
    nb.cells = cells
    return nb


def cell_headings(cell) -> list[tuple[int, str, str]]:
    """``(level, anchor id, text)`` of every heading a cell shows (its Markdown source, or its Markdown outputs),
    ids as nbconvert renders them."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    sources = [cell.source] if cell.cell_type == "markdown" else [
        o["data"]["text/markdown"] for o in cell.get("outputs", []) if "text/markdown" in (o.get("data") or {})
    ]
    found = []
    for source in sources:
        source = source if isinstance(source, str) else "".join(source)
        for level, anchor, inner in _HEADING.findall(markdown2html_mistune(source)):
            text = html.unescape(_TAG.sub("", _ANCHOR.sub("", inner))).strip()
            found.append((int(level), html.unescape(anchor), text))
    return found


def table_of_contents(nb, max_level: int = 3) -> list[dict]:
    """Nested ``[{level, id, text, children}]`` from markdown headings, ids as nbconvert renders them."""
    flat = [{"level": level, "id": anchor, "text": text, "children": []}
            for cell in nb.cells for level, anchor, text in cell_headings(cell) if level <= max_level]
    root: list[dict] = []
    stack: list[dict] = []
    for item in flat:
        while stack and stack[-1]["level"] >= item["level"]:
            stack.pop()
        (stack[-1]["children"] if stack else root).append(item)
        stack.append(item)
    return root


# --------------------------------------------------------------------------------------------- export
#: Parameters naming an analyst's file: the report shows the file's name, never the folders it sits in.
FILE_PARAMETER_SUFFIX = "_extract"


def _display_value(value: Any, name: str = "") -> str:
    if name.endswith(FILE_PARAMETER_SUFFIX) and isinstance(value, str) and value:
        return Path(value).name
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return "None" if value is None else str(value)


def export_html(
    nb,
    *,
    parameters: dict | None = None,
    chapter: str | None = None,
    kernel: str = config.KERNEL_NAME,
    rendered_at: str | None = None,
    notebook_dir: str | Path | None = None,
    disclosure_threshold: int | None = None,
    commentary: Any = None,
    downloads_folder: str | None = None,
    downloads: list | None = None,
) -> str:
    """Render an executed notebook to the reviewer HTML page (as a string).

    The footer's methods notes state the disclosure rule for ``disclosure_threshold`` (default: the configured
    threshold, :func:`healthintel.disclosure.threshold`). ``commentary`` (a
    :class:`~healthintel.render.commentary.Commentary`) puts the author's text into the page. With
    ``downloads_folder`` (the report's slug) every data table gets a "Download CSV" link to
    ``<downloads_folder>/<name>.csv`` and the CSVs are appended to ``downloads``
    (:mod:`healthintel.render.downloads`); :func:`write_html` writes them.
    """
    from nbconvert import HTMLExporter

    from healthintel import disclosure

    if isinstance(nb, (str, Path)):
        notebook_dir = notebook_dir or Path(nb).parent
        nb = nbformat.read(str(nb), as_version=4)
    parameters = dict(parameters if parameters is not None else nb.metadata.get("papermill", {}).get("parameters", {}))
    title = notebook_title(nb) or (chapter or "Untitled chapter").replace("_", " ").capitalize()
    synthetic = is_synthetic(nb)
    report_nb = clean_for_report(nb, title)
    if commentary is not None:
        from healthintel.render import commentary as commentary_module

        report_nb = commentary_module.insert(report_nb, commentary)
    if downloads_folder:
        from healthintel.render import downloads as downloads_module

        found = downloads_module.attach(report_nb, downloads_folder)
        if downloads is not None:
            downloads.extend(found)
    area, period = parameters.get("area"), parameters.get("period")
    page_title = " — ".join(str(x) for x in (title, area, period) if x not in (None, ""))
    report_nb.metadata["title"] = page_title  # the lab template's <title>
    context = {
        "title": title,
        "page_title": page_title,
        "area": area,
        "period": period,
        "chapter": chapter,
        "synthetic": synthetic,
        "toc": table_of_contents(report_nb),
        "version": healthintel.__version__,
        "commit": git_commit(),
        "rendered_at": rendered_at or datetime.now(UTC).replace(microsecond=0).isoformat(),
        "kernel": kernel,
        "parameters": [(k, _display_value(v, k)) for k, v in parameters.items()],
        "disclosure_rule": disclosure.rule_text(disclosure_threshold or disclosure.threshold()),
    }
    exporter = HTMLExporter(
        template_file=str(CHAPTER_TEMPLATE),
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    resources = {"healthintel": context, "metadata": {"name": page_title, "path": str(notebook_dir or ".")}}
    body, _ = exporter.from_notebook_node(report_nb, resources=resources)
    return body


def downloads_dir(html_path: str | Path) -> Path:
    """The folder of a report's CSV downloads: ``<slug>/`` beside ``<slug>.html``."""
    html_path = Path(html_path)
    return html_path.with_name(html_path.stem)


def remove_downloads(html_path: str | Path) -> None:
    """Remove a report's CSV downloads (and their folder when nothing else is in it)."""
    folder = downloads_dir(html_path)
    if not folder.is_dir():
        return
    for path in folder.glob("*.csv"):
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()


def write_html(nb, path: str | Path, **kw) -> Path:
    """:func:`export_html` then an atomic write to ``path``. The tables' CSVs are written to ``<slug>/`` beside it
    first (each atomically) and the CSVs of an earlier render that the new page no longer links are removed last,
    so neither the old page (should this run die half way) nor the new one links a file that is not there."""
    path = Path(path)
    downloads: list = []
    page = export_html(nb, downloads_folder=path.stem, downloads=downloads, **kw)
    folder = downloads_dir(path)
    for download in downloads:
        atomic_write(folder / f"{download.name}.csv", download.text)
    written = atomic_write(path, page)
    current = {f"{d.name}.csv" for d in downloads}
    for old in folder.glob("*.csv") if folder.is_dir() else []:
        if old.name not in current:
            old.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()  # only when empty: a page without data tables
    return written
