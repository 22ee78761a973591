"""``healthintel data build-kit``: build the embedded data kit (``data/kit/``) from the full sources, and check it.

Each table of ``sources/kit.yaml`` is built from the files in ``data/raw`` (fetched first: mirror, then the
publishers' downloads) by the same code the readers use (:data:`healthintel.sources.readers.TABLES`, or the CSV
read whole), limited to the rows the kit keeps, and written as zstd-compressed parquet. ``KIT.json`` records each
table's SHA-256, rows, columns and the SHA-256 of every source file; ``README.md`` carries the attribution the
Open Government Licence asks for. :func:`compare_kit` rebuilds the kit into a temporary folder and reports every
table that differs from the committed one (the kit can never drift from its sources).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config
from . import kit, readers
from .catalog import dataset, fetch, sha256_of

PARQUET = {"compression": "zstd", "compression_level": 19, "index": False}


@dataclass(frozen=True)
class KitDifference:
    """One table whose rebuilt frame is not the committed one."""

    table: str
    why: str


def _frame(t: kit.KitTable) -> pd.DataFrame:
    """Table ``t`` built from data/raw: the CSV read whole, or the reader table (limited to the kit's rows)."""
    return readers.csv_from_raw(t.name) if t.kind == "csv" else readers.TABLES[t.name]()


def _write(frame: pd.DataFrame, path: Path, geo: bool) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".parquet", dir=path.parent)
    os.close(fd)
    try:
        if geo:
            frame.to_parquet(tmp, **PARQUET)
        else:
            pd.DataFrame(frame).to_parquet(tmp, **PARQUET)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def build_kit(out_dir: Path | None = None, *, fetch_sources: bool = True, progress=None) -> dict:
    """Build every kit table into ``out_dir`` (default ``data/kit``) and write ``KIT.json`` and ``README.md``.

    Returns the KIT.json document. The sources are fetched into data/raw first (``fetch_sources``).
    """
    out_dir = Path(out_dir) if out_dir else config.kit_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = kit.spec()
    sources = sorted({s for t in tables.values() for s in t.sources})
    if fetch_sources:
        fetch(sources)
    doc: dict = {"tables": {}, "sources": {}}
    for name, t in tables.items():
        frame = _frame(t)
        path = out_dir / t.file
        _write(frame, path, t.geo)
        doc["tables"][name] = {
            "file": t.file, "sha256": sha256_of(path), "bytes": path.stat().st_size, "rows": int(len(frame)),
            "columns": [str(c) for c in frame.columns], "sources": list(t.sources),
            "districts": list(t.lads),
        }
        if progress:
            progress(name)
    for s in sources:
        ds = dataset(s)
        doc["sources"][s] = {"sha256": ds.sha256, "path": ds.path, "title": ds.title, "publisher": ds.publisher,
                             "vintage": ds.vintage, "licence": ds.licence, "url": ds.url}
    doc["built_with"] = {"pandas": pd.__version__, "pyarrow": _pyarrow_version()}
    doc["built_at"] = _dt.date.today().isoformat()
    (out_dir / kit.INDEX).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    (out_dir / "README.md").write_text(readme(doc), encoding="utf-8")
    return doc


def _pyarrow_version() -> str:
    import pyarrow

    return str(pyarrow.__version__)


def readme(doc: dict) -> str:
    """The kit's README: what it holds, where each table comes from, and the attribution its licences ask for."""
    lines = [
        "# The embedded data kit",
        "",
        "Compact parquet tables of exactly what the default chapter series reads, so that `make report` renders "
        "on a machine with no data mirror and no network. Built from the full sources by "
        "`healthintel data build-kit` (do not edit by hand); `tests/test_kit.py` rebuilds it from the sources and "
        "checks it is identical. `KIT.json` lists each table's SHA-256, rows, columns and the SHA-256 of its "
        "sources. Readers use the kit only when `data/raw` lacks a table's source files and the kit covers the "
        "rows asked for (`healthintel data list` shows the resolution order for every dataset).",
        "",
        "| table | rows | sources | note |",
        "|---|---:|---|---|",
    ]
    for name, entry in sorted(doc["tables"].items()):
        note = kit.spec()[name].note.replace("\n", " ")
        lines.append(f"| `{entry['file']}` | {entry['rows']:,} | {', '.join(entry['sources'])} | {note} |")
    lines += ["", "## Sources and licences", "",
              "| source | publisher | vintage | licence | official address |", "|---|---|---|---|---|"]
    for s, src in sorted(doc["sources"].items()):
        lines.append(f"| {src['title']} (`{s}`) | {src['publisher']} | {src['vintage']} | {src['licence']} | "
                     f"{src['url']} |")
    lines += [
        "", "## Attribution", "",
        "Contains public sector information licensed under the Open Government Licence v3.0 "
        "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/): Ministry of Housing, "
        "Communities and Local Government (English Indices of Deprivation 2019 and 2025), Office for National "
        "Statistics (population estimates, deaths, lookups and boundaries), Office for Health Improvement and "
        "Disparities (Fingertips public health profiles; National Child Measurement Programme, NHS England).",
        "",
        "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
        "Contains OS data © Crown copyright and database right 2024 (the ONS boundary files: LSOA December 2011 "
        "and December 2021, local authority districts May 2024).",
        "",
        "The tables are derived (filtered, reshaped and typed) from those releases by healthintel's readers; no "
        "value was changed. The kit's code is MIT; the data stay under their own licences above.",
        "",
    ]
    return "\n".join(lines)


def compare_kit(kit_path: Path | None = None, *, fetch_sources: bool = True) -> list[KitDifference]:
    """Rebuild the kit into a temporary folder and compare every table with the committed one (frames equal,
    same columns and types) and KIT.json's source checksums with the catalog's. ``[]`` when identical."""
    kit_path = Path(kit_path) if kit_path else config.kit_dir()
    committed = kit.read_index(kit_path)
    tmp = Path(tempfile.mkdtemp(prefix="healthintel-kit-"))
    try:
        fresh = build_kit(tmp, fetch_sources=fetch_sources)
        return _differences(committed, fresh, kit_path, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _differences(committed: dict, fresh: dict, old_dir: Path, new_dir: Path) -> list[KitDifference]:
    out: list[KitDifference] = []
    for name in sorted(set(committed["tables"]) | set(fresh["tables"])):
        if name not in committed["tables"] or name not in fresh["tables"]:
            out.append(KitDifference(name, "in one kit only"))
            continue
        t = kit.spec()[name]
        why = _frame_difference(old_dir / t.file, new_dir / t.file, t.geo)
        if why:
            out.append(KitDifference(name, why))
    for s, entry in fresh["sources"].items():
        old = committed.get("sources", {}).get(s, {}).get("sha256")
        if old != entry["sha256"]:
            out.append(KitDifference(s, f"source SHA-256 {old} in KIT.json, {entry['sha256']} in the catalog"))
    return out


def _frame_difference(old: Path, new: Path, geo: bool) -> str:
    if not old.is_file():
        return f"{old} is missing"
    reader = _read_geo if geo else pd.read_parquet
    a, b = reader(old), reader(new)
    try:
        pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b), check_exact=True)
    except AssertionError as exc:
        return str(exc).splitlines()[0] if str(exc) else "frames differ"
    return ""


def _read_geo(path: Path):
    import geopandas as gpd

    frame = gpd.read_parquet(path)
    return pd.DataFrame(frame).assign(geometry=frame.geometry.to_wkb())

