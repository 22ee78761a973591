"""``healthintel data list`` (where each dataset resolves from) and ``healthintel data build-kit``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from .failures import guarded


def _mirror_has(path: str) -> str:
    from .. import config

    mirror = config.mirror_dir()
    if mirror is None:
        return "not configured"
    return "yes" if (mirror / path).is_file() else "no"


@guarded
def data_list() -> None:
    """List every dataset and where it resolves from: data/raw → the embedded kit → the mirror → the download.

    The first "yes" in that order is what the readers use (the kit only for the rows it holds).
    """
    from .. import config
    from ..sources import kit
    from ..sources.catalog import catalog
    from . import _manifest_files

    manifest = _manifest_files()
    in_kit = kit.kit_datasets()
    table = Table("id", "vintage", "1. data/raw", "2. kit (data/kit)", "3. mirror", "4. download", "used",
                  title="Datasets, in the order the readers look for them")
    for ds in catalog().values():
        raw = "yes" if (config.raw_dir() / ds.path).is_file() and ds.id in manifest else "no"
        kit_tables = ", ".join(in_kit.get(ds.id, [])) or "no"
        mirror = _mirror_has(ds.path)
        used = ("data/raw" if raw == "yes" else "kit" if kit_tables != "no" else
                "mirror" if mirror == "yes" else "download")
        table.add_row(ds.id, ds.vintage, raw, kit_tables, mirror, ds.url, used)
    Console(width=200).print(table)


@guarded
def data_build_kit(
    out: Path | None = typer.Option(None, help="Folder to write the kit into (default data/kit)."),
    check: bool = typer.Option(False, help="Rebuild into a temporary folder and report any table that differs "
                                           "from the committed kit (exit 1 when one does)."),
) -> None:
    """Build the embedded data kit (data/kit) from the full sources (fetched into data/raw first)."""
    from ..sources.kit_build import build_kit, compare_kit

    console = Console(stderr=True)
    if check:
        diffs = compare_kit(out)
        for d in diffs:
            console.print(f"[red]differs:[/red] {d.table}: {d.why}", soft_wrap=True, highlight=False)
        console.print(f"kit {'differs from' if diffs else 'is identical to'} its sources "
                      f"({len(diffs)} table(s) differ)")
        raise typer.Exit(1 if diffs else 0)
    doc = build_kit(out, progress=lambda name: console.print(f"built {name}"))
    size = sum(t["bytes"] for t in doc["tables"].values())
    console.print(f"{len(doc['tables'])} tables, {size / 1e6:.1f} MB, from {len(doc['sources'])} source files")
