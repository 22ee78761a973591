"""Run one chapter notebook with papermill and write its executed notebook and HTML report."""

from __future__ import annotations

import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import nbformat

from healthintel import config
from healthintel.errors import RenderError
from healthintel.render.export import is_synthetic, notebook_title, readable, write_html
from healthintel.render.parameters import chapter_path, default_slug, slugify, validate_parameters

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class ChapterResult:
    """What happened to one chapter × parameters: where its files are and whether a reviewer can read it."""

    chapter: str
    slug: str
    parameters: dict[str, Any]
    status: str  # "ok" | "failed"
    html_path: Path | None
    notebook_path: Path | None
    error: str | None = None
    seconds: float = 0.0
    title: str | None = None
    synthetic: bool = False
    rendered_at: str | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["html_path"] = str(self.html_path) if self.html_path else None
        out["notebook_path"] = str(self.notebook_path) if self.notebook_path else None
        return out


def check_kernel(kernel: str) -> None:
    """Fail early (and say how to fix it) when the Jupyter kernel is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel:
        raise RenderError(
            f"Jupyter kernel {kernel!r} is not installed; run "
            f"`python -m ipykernel install --sys-prefix --name {kernel} --display-name \"Python (healthintel)\"`"
        ) from None


def short_error(exc: BaseException) -> str:
    """Exception name and first lines of its message, without a traceback."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        name, message = exc.ename, exc.evalue
    else:
        name, message = type(exc).__name__, str(exc)
    message = _ANSI.sub("", message or "").strip()
    lines = [line for line in message.splitlines() if line.strip()]
    message = " ".join(lines[:3])
    if len(message) > 500:
        message = message[:497] + "..."
    return f"{name}: {message}" if message else name


def resolve_slug(slug: str | None, parameters: dict) -> str:
    return slugify(slug) if slug else default_slug(parameters)


def render_chapter(
    chapter: str,
    parameters: dict | None = None,
    *,
    reports_dir: str | Path | None = None,
    notebooks_dir: str | Path | None = None,
    kernel: str = config.KERNEL_NAME,
    timeout: int = 900,
    slug: str | None = None,
) -> ChapterResult:
    """Execute ``notebooks/chapters/{chapter}.ipynb`` and write ``reports/{chapter}/{slug}.ipynb`` and ``.html``.

    Parameters are validated first (:class:`~healthintel.errors.ParameterError`, no kernel started). A failed
    execution is not raised: the result has ``status="failed"``, the executed notebook (with the error cell) is
    kept and any previous HTML for the slug is removed, so an out-of-date report is never read as current.
    ``timeout`` is per cell, in seconds. Every file is written atomically (temp file + ``os.replace``).
    """
    import papermill

    source = chapter_path(chapter, notebooks_dir)
    merged = validate_parameters(source, parameters)
    slug = resolve_slug(slug, merged)
    out_dir = Path(reports_dir or config.reports_dir()).resolve() / chapter
    out_dir.mkdir(parents=True, exist_ok=True)
    nb_path, html_path = out_dir / f"{slug}.ipynb", out_dir / f"{slug}.html"

    started = time.perf_counter()
    rendered_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    fd, tmp_name = tempfile.mkstemp(dir=out_dir, prefix=f".{slug}.", suffix=".tmp.ipynb")
    os.close(fd)
    tmp = Path(tmp_name)
    error: str | None = None
    executed = None
    try:
        executed = papermill.execute_notebook(
            str(source),
            str(tmp),
            parameters=merged,
            kernel_name=kernel,
            cwd=str(config.project_root()),
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
        )
    except Exception as exc:  # one chapter's failure is a result, not a crash
        error = short_error(exc)
    except BaseException:  # interrupted: keep what ran for the analyst, never a stale report
        html_path.unlink(missing_ok=True)
        raise
    finally:
        if tmp.exists() and tmp.stat().st_size > 0:
            readable(tmp)
            os.replace(tmp, nb_path)
        else:  # nothing executed: an older notebook here would describe another run
            tmp.unlink(missing_ok=True)
            nb_path.unlink(missing_ok=True)

    if error is None:
        try:
            write_html(
                executed, html_path, parameters=merged, chapter=chapter, kernel=kernel,
                rendered_at=rendered_at, notebook_dir=source.parent,
            )
        except Exception as exc:
            error = "export failed: " + short_error(exc)
    if error is not None:
        html_path.unlink(missing_ok=True)

    facts = executed
    if facts is None:
        facts = nbformat.read(str(nb_path if nb_path.exists() else source), as_version=4)
    return ChapterResult(
        chapter=chapter,
        slug=slug,
        parameters=merged,
        status="ok" if error is None else "failed",
        html_path=html_path if error is None else None,
        notebook_path=nb_path if nb_path.exists() else None,
        error=error,
        seconds=round(time.perf_counter() - started, 2),
        title=notebook_title(facts),
        synthetic=is_synthetic(facts),
        rendered_at=rendered_at,
    )
