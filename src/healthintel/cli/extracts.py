"""``healthintel data check KIND FILE``: the validation report of an analyst's extract (ncmp, deaths, population).

Exit codes: 0 the file can be used; 1 it cannot (the report lists every error with the column, example rows and
the fix) or it cannot be read; 2 bad arguments (unknown kind or vintage, no such file).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ..errors import DataNotFoundError, HealthIntelError

console = Console(stderr=True)


def data_check(
    kind: str = typer.Argument(..., help="Extract layout: ncmp, deaths or population (docs/extracts.md)."),
    file: Path = typer.Argument(..., help="The extract: a .csv (UTF-8, header row) or .parquet file."),
    vintage: str = typer.Option("auto", help="LSOA codes expected: auto, imd2019 (LSOA 2011) or iod2025 "
                                             "(LSOA 2021)."),
) -> None:
    """Check an extract against its layout and print the validation report (exit 1 when it cannot be used)."""
    from .. import extracts

    if kind not in extracts.KINDS:
        console.print(f"[red]error:[/red] unknown extract kind {kind!r}; use one of {', '.join(extracts.KINDS)}.")
        raise typer.Exit(2)
    if vintage not in ("auto", "imd2019", "iod2025"):
        console.print(f"[red]error:[/red] --vintage must be auto, imd2019 or iod2025; got {vintage!r}.")
        raise typer.Exit(2)
    try:
        _, report = extracts.check_extract(kind, file, vintage=vintage)
    except DataNotFoundError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except HealthIntelError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    typer.echo(report.text())
    raise typer.Exit(0 if report.ok else 1)
