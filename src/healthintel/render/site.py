"""``reports/index.html``: every chapter by area with its status and links, merged across runs via index.json."""

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


def write_index(results: Iterable[ChapterResult], reports_dir: str | Path | None = None) -> Path:
    """Merge ``results`` into ``reports/index.json`` and (re)write ``reports/index.html``; returns its path.

    A chapter rendered now replaces its earlier entry; the others are kept, so rendering one chapter does
    not drop the rest. A skipped (unchanged) chapter keeps its earlier entry. Links are only shown for files
    that exist.
    """
    root = Path(reports_dir or config.reports_dir())
    try:
        root.mkdir(parents=True, exist_ok=True)
        with _locked(root):
            return _write_index(list(results), root)
    except OSError as exc:
        raise StorageError(storage_problem(exc, root, "write the report index in"), path=root) from exc


def _write_index(results: list[ChapterResult], root: Path) -> Path:
    entries = read_state(root)
    for result in results:
        key = f"{result.chapter}/{result.slug}"
        if result.status == "skipped":  # nothing ran: the entry of the run that wrote the report stands
            previous = entries.get(key)
            if previous is None or previous.get("status") != "ok":
                previous = {**_entry(result, root), "status": "ok"}
                previous["html"] = _relative(result.html_path, root)
            entries[key] = previous
            continue
        entries[key] = _entry(result, root)
    for entry in entries.values():  # files may have been removed since the entry was written
        for key in ("html", "notebook"):
            if entry.get(key) and not (root / entry[key]).is_file():
                entry[key] = None
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    atomic_write(
        root / STATE_FILE,
        json.dumps({"version": STATE_VERSION, "updated_at": now, "entries": entries}, indent=2, default=str) + "\n",
    )

    chapters: dict[str, dict] = {}
    for entry in entries.values():
        group = chapters.setdefault(entry["chapter"], {"chapter": entry["chapter"], "title": None, "rows": []})
        group["title"] = group["title"] or entry.get("title")
        group["rows"].append(entry)
        group["has_period"] = group.get("has_period") or entry.get("period") not in (None, "")
    values = list(entries.values())
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True
    )
    page = env.get_template("index.html.j2").render(
        chapters=list(chapters.values()),
        total=len(values),
        ok=sum(e["status"] == "ok" for e in values),
        failed=sum(e["status"] != "ok" for e in values),
        synthetic=sum(bool(e.get("synthetic")) for e in values),
        updated_at=now,
        version=healthintel.__version__,
        commit=git_commit(),
    )
    return atomic_write(root / INDEX_FILE, page)
