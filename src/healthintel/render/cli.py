"""``healthintel render``: one chapter for some areas, or a whole series, then the index and a summary.

The main CLI registers it with ``app.command("render")(render)``. Exit codes: 0 all ok (or skipped because
unchanged), 1 a chapter (or its PDF) failed, 2 bad parameters or a missing extra (``--format pdf`` without the
``pdf`` extra, ``--executor dask`` without the ``dask`` one: nothing was run), 3 the reports folder cannot be
written (permission denied, read-only or full disk: checked before any kernel starts, and again for the index).
``--format pdf|both`` prints each report to PDF after the series (:mod:`healthintel.render.pdf`); ``--prune``
keeps only this run's and the series' reports in the index (:func:`healthintel.render.site.write_index`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from healthintel import config
from healthintel.errors import MissingExtraError, RenderError, StorageError

EXIT_STORAGE = 3  # as healthintel.cli.failures


def parse_params(items: list[str]) -> dict[str, Any]:
    """``["n=3", "area=Tunbridge Wells"]`` → ``{"n": 3, "area": "Tunbridge Wells"}`` (values as YAML scalars)."""
    out: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"expected name=value, got {item!r}", param_hint="--param")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        out[name.strip()] = value
    return out


def _specs(chapter, area, series, params) -> list[dict]:
    from healthintel.render.series import load_series

    if chapter and series is None:
        from healthintel.render.series import series_disclosure

        settings = series_disclosure()  # the packaged series' disclosure settings apply to ad hoc runs too
        areas = area or [None]
        specs = []
        for a in areas:
            p = dict(params)
            if a is not None:
                p["area"] = a
            spec = {"chapter": chapter, "parameters": p}
            if settings:
                spec["disclosure"] = settings
            specs.append(spec)
        return specs
    specs = load_series(series)
    if chapter:
        specs = [s for s in specs if s["chapter"] == chapter]
    if area:
        from healthintel.render.parameters import canonical_area

        wanted = {canonical_area(a).casefold() for a in area}  # "kent" and "E10000016" pick the series' "Kent"
        specs = [s for s in specs if canonical_area(str(s["parameters"].get("area", ""))).casefold() in wanted]
    for s in specs:
        s["parameters"] = {**s["parameters"], **params}
    return specs


def _summary(results, index_path: Path) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    root = index_path.parent.resolve()
    table = Table(title=f"healthintel render → {root}")
    for column in ("chapter", "area", "status", "seconds", "report / error"):
        table.add_column(column, justify="right" if column == "seconds" else "left", overflow="fold")
    for r in results:
        status = ("[cyan]skipped (unchanged)[/]" if r.skipped else "[green]ok[/]" if r.ok
                  else "[bold red]failed[/]")
        if r.ok and r.html_path:
            path = Path(r.html_path)
            detail = escape(str(path.relative_to(root) if path.is_relative_to(root) else path))
        else:
            detail = f"[red]{escape(r.error or '')}[/]"
        if r.synthetic:
            status += " [magenta](synthetic)[/]"
        if r.pdf_path:
            detail += " [dim]+ PDF[/]"
        elif r.pdf_error:
            detail += f"\n[red]{escape(r.pdf_error)}[/]"
        table.add_row(r.chapter, escape(str(r.parameters.get("area", r.slug))), status, f"{r.seconds:.1f}", detail)
    console = Console()
    console.print(table)
    counts = {"ok": sum(r.status == "ok" for r in results), "skipped (unchanged)": sum(r.skipped for r in results),
              "failed": sum(not r.ok for r in results), "PDF failed": sum(bool(r.pdf_error) for r in results)}
    console.print(", ".join(f"{n} {label}" for label, n in counts.items() if n or label == "ok"))
    console.print(f"index: {index_path}", soft_wrap=True, highlight=False)  # a path must stay copyable: no wrap


def render(
    chapter: Annotated[
        str | None, typer.Option(help="Chapter notebook name (notebooks/chapters/<name>.ipynb).")
    ] = None,
    area: Annotated[list[str] | None, typer.Option("--area", "-a", help="Area to render; repeat for several.")] = None,
    series: Annotated[Path | None, typer.Option(help="Series YAML (default: the packaged series).")] = None,
    param: Annotated[
        list[str], typer.Option("--param", "-p", help="Parameter as name=value (YAML scalar); repeatable.")
    ] = [],  # noqa: B006
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help="Worker processes (default: CPU count).")] = None,
    reports_dir: Annotated[Path | None, typer.Option(help="Output folder (default: reports/).")] = None,
    timeout: Annotated[int, typer.Option(help="Per-cell timeout in seconds.")] = 900,
    kernel: Annotated[str, typer.Option(help="Jupyter kernel name.")] = config.KERNEL_NAME,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    scheduler: Annotated[
        str | None, typer.Option(help="dask.distributed scheduler (tcp://host:8786 or 'local').")
    ] = None,
    executor: Annotated[
        str, typer.Option(help="'process' (local process pool) or 'dask' (a dask LocalCluster).")
    ] = "process",
    force: Annotated[
        bool, typer.Option("--force", help="Re-render chapters whose inputs, parameters and code are unchanged.")
    ] = False,
    output_format: Annotated[
        str, typer.Option("--format", help="html, pdf or both: pdf prints <slug>.pdf beside each report's HTML "
                                           "(the page it is printed from, kept) with headless Chromium.")
    ] = "html",
    prune: Annotated[
        bool, typer.Option("--prune", help="Drop index rows (and their files) that are neither rendered now nor in "
                                           "the series: old failures, typos, ad hoc areas.")
    ] = False,
) -> None:
    """Render chapter notebooks to HTML (and PDF) reports and update reports/index.html."""
    from healthintel.render.extras import require_extra
    from healthintel.render.pdf import FORMATS, print_reports
    from healthintel.render.series import render_series, series_keys
    from healthintel.render.site import write_index

    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True)
    try:
        if output_format not in FORMATS:
            raise typer.BadParameter(f"expected one of {', '.join(FORMATS)}, got {output_format!r}",
                                     param_hint="--format")
        if output_format != "html":
            require_extra("pdf")  # before any chapter renders, not a PDF error per report afterwards
        specs = _specs(chapter, area, series, parse_params(list(param or [])))
        if not specs:
            raise RenderError("nothing to render: no series entry matches the chapter/area given")
        results = render_series(
            specs, jobs=jobs, progress=progress, scheduler=scheduler, executor=executor, force=force,
            reports_dir=reports_dir, kernel=kernel, timeout=timeout,
        )
    except (RenderError, MissingExtraError, typer.BadParameter) as exc:  # a missing extra: the pip command unwrapped
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False,
                  soft_wrap=isinstance(exc, MissingExtraError))
        raise typer.Exit(code=2) from None
    except StorageError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=EXIT_STORAGE) from None
    if output_format in ("pdf", "both"):
        print_reports(results)
    keep = series_keys(series) if prune else None
    try:
        index_path = write_index(results, reports_dir, keep=keep)
    except StorageError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=EXIT_STORAGE) from None
    _summary(results, index_path)
    if any(not r.ok or r.pdf_error for r in results):
        raise typer.Exit(code=1)
