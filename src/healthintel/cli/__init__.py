"""The ``healthintel`` command line: ``data fetch``/``list``/``check``/``build-kit``, ``render`` and ``version``.

Exit codes: 0 success; 1 a chapter failed to render or data could not be fetched; 2 bad arguments or
parameters (typer's usage errors also exit 2); 3 a file or folder cannot be read or written (permission denied,
read-only or full disk); 4 the network failed; 5 a corrupt manifest, cache or data file; 70 an internal error.
Every expected failure ends as one line on stderr (:mod:`healthintel.cli.failures`), never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from .. import __version__
from ..errors import CorruptFileError, HealthIntelError
from .failures import classify, guarded

app = typer.Typer(help="healthintel: population-health analytics and JSNA chapters for England.",
                  no_args_is_help=True, add_completion=False)
data_app = typer.Typer(help="Fetch and list the real open data the package reads.", no_args_is_help=True)
app.add_typer(data_app, name="data")
from .extracts import data_check  # noqa: E402
from .fingertips import fingertips_app  # noqa: E402
from .kit import data_build_kit, data_list  # noqa: E402

data_app.add_typer(fingertips_app, name="fingertips")
data_app.command("check")(data_check)
data_app.command("list")(data_list)
data_app.command("build-kit")(data_build_kit)
console = Console(stderr=True)


@app.command()
def version() -> None:
    """Print the healthintel version."""
    typer.echo(__version__)


def _manifest_files() -> dict:
    """The ``files`` of data/raw/MANIFEST.json; a :class:`CorruptFileError` naming it when it cannot be parsed."""
    from .. import config
    from ..sources.catalog import MANIFEST, read_manifest

    try:
        manifest = read_manifest()
        files = manifest["files"]
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, HealthIntelError):
            raise
        raise CorruptFileError(
            f"{config.raw_dir() / MANIFEST} is corrupt ({type(exc).__name__}: {exc}). Delete it and run "
            "`healthintel data fetch --force` to verify and record the files again.") from None
    return files


@data_app.command("fetch")
@guarded
def data_fetch(
    dataset: list[str] | None = typer.Option(None, "--dataset", "-d", help="Catalog id (repeatable); all if omitted."),
    mirror: Path | None = typer.Option(
        None, help="Local mirror folder (default $HEALTHINTEL_DATA_MIRROR or ../shared/data)."),
    no_mirror: bool = typer.Option(False, "--no-mirror", help="Ignore any local mirror; download from the publishers."),
    offline: bool = typer.Option(False, help="Never use the network."),
    force: bool = typer.Option(False, help="Fetch again even when data/raw holds a verified copy; download the "
                                           "publishers' files afresh; set a corrupt MANIFEST.json aside."),
    timeout: float = typer.Option(60.0, help="Seconds a download may wait for the server."),
) -> None:
    """Get every catalogued file into data/raw: already there, else the mirror, else the publisher's download
    (converted and checked); writes MANIFEST.json."""
    from ..sources.catalog import catalog
    from ..sources.fetch import fetch

    ids = dataset or list(catalog())
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console,
                  transient=False) as progress:
        task = progress.add_task("Fetching data", total=len(ids))
        try:
            records = fetch(ids, mirror=None if no_mirror else (mirror or "default"), offline=offline, force=force,
                            timeout=timeout, progress=lambda rec: progress.advance(task),
                            notice=lambda text: progress.console.print(f"[yellow]note:[/yellow] {text}",
                                                                       soft_wrap=True, highlight=False))
        except HealthIntelError as exc:
            done = getattr(exc, "records", None)
            if done:
                console.print(_fetch_summary(done))
            code, message = classify(exc)
            console.print(f"[red]error:[/red] {' '.join(message.split())}", soft_wrap=True, highlight=False)
            raise typer.Exit(code) from None
    console.print(_fetch_summary(records))


def _fetch_summary(records) -> str:
    counts: dict[str, int] = {}
    for r in records:
        counts[r.action] = counts.get(r.action, 0) + 1
    return f"{len(records)} dataset(s) verified in data/raw: " + ", ".join(f"{v} {k}" for k, v in counts.items())


def _register_render(target: typer.Typer = app) -> None:
    """Add the ``render`` command to ``target``; when its dependencies cannot be imported, add a stand-in that
    says why (the data commands stay usable)."""
    try:
        from ..render.cli import render
    except ImportError as exc:  # render extras missing: keep data commands usable and say why
        reason = str(exc)  # ``exc`` itself is unbound once the except block ends

        @target.command("render")
        def render_unavailable() -> None:
            """Render chapters (unavailable: see error)."""
            console.print(f"[red]error:[/red] rendering is unavailable: {reason}")
            raise typer.Exit(1) from None
    else:
        target.command("render")(guarded(render))


_register_render()


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
