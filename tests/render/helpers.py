"""Helpers shared by the render tests: stand-in chapter results on disk, and rendering copies of real chapters."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from healthintel import config
from healthintel.render import render_series
from healthintel.render.execute import ChapterResult


def fake_result(reports: Path, chapter: str, slug: str, area: str, status: str = "ok", *,
                figures: dict | None = None, **kw) -> ChapterResult:
    """A :class:`ChapterResult` as a render leaves it, without a kernel: for an ok result an empty HTML page, an
    empty notebook and (``figures``) a figures.json under ``reports/<chapter>/``; a failed one has an error."""
    folder = reports / chapter
    folder.mkdir(parents=True, exist_ok=True)
    html = folder / f"{slug}.html"
    if status == "ok":
        html.write_text("<html></html>")
        (folder / f"{slug}.ipynb").write_text("{}")
        if figures is not None:
            (folder / f"{slug}.figures.json").write_text(json.dumps(figures))
    kw.setdefault("notebook_path", None)
    return ChapterResult(chapter=chapter, slug=slug, parameters={"area": area}, status=status,
                         html_path=html if status == "ok" else None,
                         error=None if status == "ok" else "ValueError: boom", **kw)


def render_copies(root: Path, specs: list[dict], chapters) -> list[ChapterResult]:
    """Copy the real chapter notebooks ``chapters`` into ``root/notebooks/chapters`` and render ``specs`` from them
    into ``root/reports`` (two jobs, no progress bar)."""
    target = root / "notebooks" / "chapters"
    target.mkdir(parents=True)
    for name in chapters:
        shutil.copy(config.notebooks_dir() / "chapters" / f"{name}.ipynb", target)
    return render_series(specs, jobs=2, notebooks_dir=root / "notebooks", reports_dir=root / "reports",
                         progress=False)
