"""Run one chapter notebook with papermill and write its executed notebook and HTML report."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from typing import Any

import nbformat

from healthintel import config
from healthintel import disclosure as disclosure_module
from healthintel import report
from healthintel.errors import RenderError
from healthintel.render import cache, commentary
from healthintel.render.export import (
    atomic_write,
    is_synthetic,
    notebook_title,
    readable,
    remove_downloads,
    write_html,
)
from healthintel.render.guard import DEFAULT_MAX_ROWS, check_notebook
from healthintel.render.parameters import (
    canonical_parameters,
    chapter_path,
    default_slug,
    slugify,
    validate_parameters,
)

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class ChapterResult:
    """What happened to one chapter × parameters: where its files are and whether a reviewer can read it."""

    chapter: str
    slug: str
    parameters: dict[str, Any]
    status: str  # "ok" | "failed" | "skipped" (unchanged since the stored report: nothing ran)
    html_path: Path | None
    notebook_path: Path | None
    error: str | None = None
    seconds: float = 0.0
    title: str | None = None
    synthetic: bool = False
    rendered_at: str | None = field(default=None, repr=False)
    pdf_path: Path | None = None  # set by render.pdf.print_reports (--format pdf|both)
    pdf_error: str | None = None
    pdf_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """A report a reviewer can read: rendered now, or skipped because the stored one is current."""
        return self.status in ("ok", "skipped")

    @property
    def skipped(self) -> bool:
        return self.status == "skipped"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["html_path"] = str(self.html_path) if self.html_path else None
        out["notebook_path"] = str(self.notebook_path) if self.notebook_path else None
        out["pdf_path"] = str(self.pdf_path) if self.pdf_path else None
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


def disclosure_settings(settings: dict | None) -> tuple[int, int]:
    """``(threshold, max_rows)`` from a series' ``disclosure:`` mapping (defaults: the library's, 200)."""
    settings = dict(settings or {})
    unknown = set(settings) - {"threshold", "max_rows"}
    if unknown:
        raise RenderError(f"disclosure settings: unknown key(s) {sorted(unknown)}; valid: threshold, max_rows")
    threshold = settings.get("threshold", disclosure_module.threshold())
    max_rows = settings.get("max_rows", DEFAULT_MAX_ROWS)
    for name, value in (("threshold", threshold), ("max_rows", max_rows)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise RenderError(f"disclosure.{name} must be an integer >= 1, got {value!r}")
    return threshold, max_rows


@contextlib.contextmanager
def _environment(name: str, value: str):
    """Set an environment variable for the kernel this process starts (restored afterwards)."""
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def remove_stale_temps(out_dir: Path, slug: str) -> None:
    """Temp files of a run of this slug that was killed (SIGKILL leaves them); never read as reports."""
    for pattern in (f".{slug}.*.tmp.ipynb", f".{slug}.html.*.tmp", f".{slug}.hash.*.tmp", f".{slug}.pdf.*.tmp",
                    f"{slug}/.*.csv.*.tmp"):
        for path in out_dir.glob(pattern):
            path.unlink(missing_ok=True)


def skipped_result(chapter: str, slug: str, merged: dict, out_dir: Path, parts: dict) -> ChapterResult | None:
    """The stored result, as ``status="skipped"``, when the report for these inputs is current."""
    stored = cache.unchanged(out_dir, slug, parts)
    if stored is None:
        return None
    nb_path = out_dir / f"{slug}.ipynb"
    return ChapterResult(
        chapter=chapter, slug=slug, parameters=merged, status="skipped", html_path=out_dir / f"{slug}.html",
        notebook_path=nb_path if nb_path.exists() else None, error=None, seconds=float(stored.get("seconds") or 0),
        title=stored.get("title"), synthetic=bool(stored.get("synthetic")), rendered_at=stored.get("rendered_at"),
    )


def _write_figures(executed: Any, path: Path) -> str | None:
    """Write the chapter's recorded figures document as ``path`` (atomic); remove a stale one when none.

    Returns an error message when the document cannot be written, else ``None``.
    """
    document = report.figures_document(executed)
    if document is None:
        path.unlink(missing_ok=True)
        return None
    try:
        atomic_write(path, json.dumps(document, indent=2, allow_nan=False) + "\n")
    except (OSError, ValueError) as exc:
        return "figures.json failed: " + short_error(exc)
    return None


def _publish_figures(error: str | None, executed: Any, html_path: Path, figures_path: Path) -> str | None:
    """Write figures.json after a good render; after a failed one remove the HTML and any figures.json."""
    if error is None:
        error = _write_figures(executed, figures_path)
    if error is not None:
        html_path.unlink(missing_ok=True)
        remove_downloads(html_path)
        figures_path.unlink(missing_ok=True)
    return error


def render_chapter(
    chapter: str,
    parameters: dict | None = None,
    *,
    reports_dir: str | Path | None = None,
    notebooks_dir: str | Path | None = None,
    kernel: str = config.KERNEL_NAME,
    timeout: int = 900,
    slug: str | None = None,
    force: bool = False,
    disclosure: dict | None = None,
) -> ChapterResult:
    """Execute ``notebooks/chapters/{chapter}.ipynb`` and write ``reports/{chapter}/{slug}.ipynb`` and ``.html``.

    Parameters are validated first (:class:`~healthintel.errors.ParameterError`, no kernel started). A failed
    execution is not raised: the result has ``status="failed"``, the executed notebook (with the error cell) is
    kept and any previous HTML for the slug is removed, so an out-of-date report is never read as current.
    ``timeout`` is per cell, in seconds. Every file is written atomically (temp file + ``os.replace``).

    Unless ``force``, nothing runs when ``reports/{chapter}/{slug}.hash`` matches the content hash of the
    notebook, parameters, healthintel code and raw-data checksums (:mod:`healthintel.render.cache`): the result
    is the stored one with ``status="skipped"``.

    ``disclosure`` (``{"threshold": 5, "max_rows": 200}``) sets the small-count threshold given to the kernel
    (``HEALTHINTEL_DISCLOSURE_THRESHOLD``) and checked by :mod:`healthintel.render.guard` on the executed
    notebook before export; a refused notebook fails with ``"disclosure: ..."`` and no HTML.
    """
    import papermill

    threshold, max_rows = disclosure_settings(disclosure)
    source = chapter_path(chapter, notebooks_dir)
    merged = canonical_parameters(validate_parameters(source, parameters))
    slug = resolve_slug(slug, merged)
    out_dir = Path(reports_dir or config.reports_dir()).resolve() / chapter
    out_dir.mkdir(parents=True, exist_ok=True)
    nb_path, html_path = out_dir / f"{slug}.ipynb", out_dir / f"{slug}.html"
    parts = cache.chapter_hash(source, merged, kernel=kernel, threshold=threshold,
                               commentary=commentary.fingerprint(chapter, slug))
    if not force:
        skipped = skipped_result(chapter, slug, merged, out_dir, parts)
        if skipped is not None:
            return skipped
    # From here the stored hash no longer vouches for what is on disk: a run killed half way re-renders next time.
    cache.forget(out_dir, slug)
    remove_stale_temps(out_dir, slug)
    (out_dir / f"{slug}.pdf").unlink(missing_ok=True)  # printed from the HTML this run replaces

    started = time.perf_counter()
    rendered_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    fd, tmp_name = tempfile.mkstemp(dir=out_dir, prefix=f".{slug}.", suffix=".tmp.ipynb")
    os.close(fd)
    tmp = Path(tmp_name)
    error: str | None = None
    executed = None
    try:
        # the kernel's reports folder is this run's: a chapter that reads other reports (area_overview) finds them
        with _environment(disclosure_module.THRESHOLD_ENV, str(threshold)), \
                _environment("HEALTHINTEL_REPORTS_DIR", str(out_dir.parent)):
            executed = papermill.execute_notebook(
                str(source),
                str(tmp),
                parameters=merged,
                kernel_name=kernel,
                cwd=str(config.project_root()),
                progress_bar=False,
                log_output=False,
                execution_timeout=timeout,
                # batch kernels log errors only: ipykernel's per-kernel notice that local TCP is unencrypted
                # otherwise fills the render log (cell output, warnings included, reaches the notebook as before)
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
    except Exception as exc:  # one chapter's failure is a result, not a crash
        error = short_error(exc)
    except BaseException:  # interrupted: keep what ran for the analyst, never a stale report
        html_path.unlink(missing_ok=True)
        remove_downloads(html_path)
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
            check_notebook(executed, threshold=threshold, max_rows=max_rows)
        except RenderError as exc:
            error = f"disclosure: {exc}"
    if error is None:
        try:
            write_html(
                executed, html_path, parameters=merged, chapter=chapter, kernel=kernel,
                rendered_at=rendered_at, notebook_dir=source.parent, disclosure_threshold=threshold,
                commentary=commentary.read(chapter, slug),
            )
        except Exception as exc:
            error = "export failed: " + short_error(exc)
    error = _publish_figures(error, executed, html_path, out_dir / f"{slug}.figures.json")

    facts = executed
    if facts is None:
        facts = nbformat.read(str(nb_path if nb_path.exists() else source), as_version=4)
    result = ChapterResult(
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
    if result.ok:
        try:
            cache.store(out_dir, slug, parts, result.to_dict(), inputs=cache.inputs_of(facts))
        except OSError:  # no hash: the next run re-renders, which is always safe
            cache.forget(out_dir, slug)
    return result
