"""The report site: ``reports/index.html`` leads with one card per area (its headline figures from the reports'
figures.json, a link to the area overview, and each chapter with its status, report and PDF);
``reports/status.html`` lists the latest result of every chapter × area with its status and links (HTML, PDF,
executed notebook, run time, error). Both are rebuilt from index.json, merged across runs; ``--prune`` removes
stale rows and their files."""

from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime, UTC
from pathlib import Path
from collections.abc import Iterable

import jinja2

import healthintel
from healthintel import config
from healthintel.render.execute import ChapterResult
from healthintel.errors import StorageError
from healthintel.render.export import TEMPLATES_DIR, atomic_write, git_commit, storage_problem

STATE_FILE = "index.json"
INDEX_FILE = "index.html"
STATUS_FILE = "status.html"
#: The chapter whose report is an area's overview (linked from the area's card).
OVERVIEW = "area_overview"
#: Headline figures shown on an area's card.
CARD_FIGURES = 3
LOCK_FILE = "index.lock"
STATE_VERSION = 1


def _relative(path: str | Path | None, root: Path) -> str | None:
    if not path:
        return None
    return Path(os.path.relpath(Path(path).resolve(), root.resolve())).as_posix()


def _entry(result: ChapterResult, root: Path) -> dict:
    params = result.parameters or {}
    return {
        "chapter": result.chapter,
        "slug": result.slug,
        "title": result.title,
        "area": params.get("area"),
        "period": params.get("period"),
        "status": result.status,
        "html": _relative(result.html_path, root) if result.status == "ok" else None,
        "pdf": _relative(result.pdf_path, root) if result.status == "ok" else None,
        "pdf_error": result.pdf_error,
        "notebook": _relative(result.notebook_path, root),
        "seconds": result.seconds,
        "synthetic": bool(result.synthetic),
        "rendered_at": result.rendered_at,
        "error": result.error,
        "parameters": params,
    }


def read_state(reports_dir: str | Path | None = None) -> dict[str, dict]:
    """The entries of ``reports/index.json`` keyed ``"chapter/slug"`` (empty when missing or unreadable)."""
    path = Path(reports_dir or config.reports_dir()) / STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entries = state.get("entries") if isinstance(state, dict) else None
    return dict(entries) if isinstance(entries, dict) else {}


@contextlib.contextmanager
def _locked(root: Path):
    """Serialise read-merge-write of index.json between concurrent ``healthintel render`` runs (POSIX)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: last writer wins
        yield
        return
    try:
        lock = open(root / LOCK_FILE, "a")  # noqa: SIM115 - closed below
    except PermissionError:
        try:  # a lock file we may not write (another user's) still locks when opened for reading
            lock = open(root / LOCK_FILE)  # noqa: SIM115
        except OSError:  # no usable lock file: writing index.json will say what is wrong
            yield
            return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_index(results: Iterable[ChapterResult], reports_dir: str | Path | None = None, *,
                keep: set[tuple[str, str]] | None = None) -> Path:
    """Merge ``results`` into ``reports/index.json`` and (re)write ``reports/index.html`` (one card per area) and
    ``reports/status.html`` (every report's status); returns the path of index.html.

    The index holds the latest result of each chapter × report (slug, from the area's official name): a chapter
    rendered now replaces its earlier entry, so a success replaces an earlier failure and ``kent``/``E10000016``
    are one row; the others are kept, so rendering one chapter does not drop the rest. A skipped (unchanged)
    chapter keeps its earlier entry. Links are only shown for files that exist.

    ``keep`` prunes (``healthintel render --prune``): every entry that is neither one of ``results`` nor a
    ``(chapter, slug)`` in ``keep`` is removed, with its report files (:func:`prune_files`).
    """
    root = Path(reports_dir or config.reports_dir())
    try:
        root.mkdir(parents=True, exist_ok=True)
        with _locked(root):
            return _write_index(list(results), root, keep)
    except OSError as exc:
        raise StorageError(storage_problem(exc, root, "write the report index in"), path=root) from exc


#: The files of one report, beside each other in ``reports/<chapter>/`` (the CSVs are in ``<slug>/``).
REPORT_SUFFIXES = (".html", ".pdf", ".ipynb", ".hash", ".figures.json")


def prune_files(root: Path, chapter: str, slug: str) -> list[Path]:
    """Remove the files of the report ``chapter``/``slug`` (HTML, PDF, executed notebook, hash, figures, CSVs)."""
    from healthintel.render.export import remove_downloads

    folder = root / chapter
    removed = [folder / f"{slug}{suffix}" for suffix in REPORT_SUFFIXES if (folder / f"{slug}{suffix}").is_file()]
    for path in removed:
        path.unlink(missing_ok=True)
    remove_downloads(folder / f"{slug}.html")
    with contextlib.suppress(OSError):
        folder.rmdir()  # only when nothing else is left in it
    return removed


def _orphans(root: Path, chapters: set[str], kept: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Reports on disk in the index's chapter folders that no kept entry describes."""
    found = set()
    for chapter in chapters:
        for path in (root / chapter).glob("*.html") if (root / chapter).is_dir() else []:
            if (chapter, path.stem) not in kept:
                found.add((chapter, path.stem))
    return sorted(found)


def _merge(entries: dict[str, dict], results: list[ChapterResult], root: Path) -> None:
    for result in results:
        key = f"{result.chapter}/{result.slug}"
        if result.status == "skipped":  # nothing ran: the entry of the run that wrote the report stands
            previous = entries.get(key)
            if previous is None or previous.get("status") != "ok":
                previous = {**_entry(result, root), "status": "ok"}
                previous["html"] = _relative(result.html_path, root)
            if result.pdf_path or result.pdf_error:
                previous = {**previous, "pdf": _relative(result.pdf_path, root), "pdf_error": result.pdf_error}
            entries[key] = previous
            continue
        entries[key] = _entry(result, root)


def _prune(entries: dict[str, dict], results: list[ChapterResult], root: Path, keep: set[tuple[str, str]]) -> None:
    kept = set(keep) | {(r.chapter, r.slug) for r in results}
    chapters = {str(e.get("chapter")) for e in entries.values()} | {c for c, _ in kept}
    for key, entry in list(entries.items()):
        if (entry.get("chapter"), entry.get("slug")) not in kept:
            del entries[key]
            prune_files(root, str(entry.get("chapter")), str(entry.get("slug")))
    for chapter, slug in _orphans(root, chapters, kept):
        prune_files(root, chapter, slug)


def _write_index(results: list[ChapterResult], root: Path, keep: set[tuple[str, str]] | None = None) -> Path:
    entries = read_state(root)
    _merge(entries, results, root)
    if keep is not None:
        _prune(entries, results, root, keep)
    for entry in entries.values():  # files may have been removed since the entry was written
        for key in ("html", "pdf", "notebook"):
            if entry.get(key) and not (root / entry[key]).is_file():
                entry[key] = None
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    atomic_write(
        root / STATE_FILE,
        json.dumps({"version": STATE_VERSION, "updated_at": now, "entries": entries}, indent=2, default=str) + "\n",
    )

    values = list(entries.values())
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True
    )
    common = dict(
        total=len(values),
        ok=sum(e["status"] == "ok" for e in values),
        failed=sum(e["status"] != "ok" for e in values),
        synthetic=sum(bool(e.get("synthetic")) for e in values),
        updated_at=now,
        version=healthintel.__version__,
        commit=git_commit(),
    )
    atomic_write(root / STATUS_FILE, env.get_template("status.html.j2").render(chapters=_chapter_groups(entries),
                                                                               **common))
    page = env.get_template("index.html.j2").render(areas=area_cards(entries, root), **common)
    return atomic_write(root / INDEX_FILE, page)


def _by_area(entry: dict) -> tuple[str, str]:
    return str(entry.get("area") or entry.get("slug")).casefold(), str(entry.get("period") or "")


def _chapter_groups(entries: dict[str, dict]) -> list[dict]:
    """The status page's groups: one per chapter (by title), its rows in area order."""
    chapters: dict[str, dict] = {}
    for entry in sorted(entries.values(), key=_by_area):
        group = chapters.setdefault(entry["chapter"], {"chapter": entry["chapter"], "title": None, "rows": []})
        group["title"] = group["title"] or entry.get("title")
        group["rows"].append(entry)
        group["has_period"] = group.get("has_period") or entry.get("period") not in (None, "")
        group["has_pdf"] = group.get("has_pdf") or bool(entry.get("pdf") or entry.get("pdf_error"))
    return sorted(chapters.values(), key=lambda g: str(g["title"] or g["chapter"]).casefold())


def _document(root: Path, entry: dict) -> dict | None:
    """The figures.json of an entry's report (None when it failed, has none, or it cannot be read)."""
    if entry.get("status") != "ok":
        return None
    try:
        document = json.loads((root / str(entry["chapter"]) / f"{entry['slug']}.figures.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _card_figures(root: Path, rows: list[dict]) -> list[dict]:
    """Up to :data:`CARD_FIGURES` headline figures of an area: the overview's own choice (its figures.json
    ``headline``, real first) when it has one, else the same choice made from the chapters' figures.json."""
    from healthintel.headlines import CHAPTER_TITLES, ci_text, figure_text, headline_entries

    overview = next((r for r in rows if r["chapter"] == OVERVIEW), None)
    document = _document(root, overview) if overview else None
    headline = document.get("headline") if document else None
    if not isinstance(headline, list):
        documents = {r["chapter"]: d for r in rows if not r.get("period") and (d := _document(root, r)) is not None}
        headline = headline_entries(documents)
    return [{"value": figure_text(f, ci=False, period=False), "ci": ci_text(f),
             "label": f.get("label", f.get("name", "")), "period": f.get("period", ""), "real": bool(f.get("real")),
             "chapter": CHAPTER_TITLES.get(str(f.get("chapter")), str(f.get("chapter")))}
            for f in headline[:CARD_FIGURES] if isinstance(f, dict)]


def area_cards(entries: dict[str, dict], root: Path) -> list[dict]:
    """The index's cards: one per area (``name``, ``overview`` link, ``figures``, ``chapters`` rows), the areas
    with an overview first, then the others, each group in alphabetical order."""
    areas: dict[str, list[dict]] = {}
    for entry in sorted(entries.values(), key=_by_area):
        areas.setdefault(str(entry.get("area") or entry.get("slug")), []).append(entry)
    cards = []
    for name, rows in areas.items():
        rows = sorted(rows, key=lambda r: (r["chapter"] != OVERVIEW, str(r.get("title") or r["chapter"]).casefold(),
                                           str(r.get("period") or "")))
        overview = next((r for r in rows if r["chapter"] == OVERVIEW and r.get("status") == "ok" and r.get("html")),
                        None)
        cards.append({"name": name, "overview": overview["html"] if overview else None,
                      "figures": _card_figures(root, rows),
                      "chapters": [{**r, "title": r.get("title") or r["chapter"]} for r in rows]})
    return sorted(cards, key=lambda c: (c["overview"] is None, c["name"].casefold()))
