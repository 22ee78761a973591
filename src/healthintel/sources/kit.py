"""The embedded data kit: what ``data/kit/`` holds, reading its tables, and the resolution order of every table.

The kit is a set of compact parquet tables committed with the repository (``data/kit/``, or
``HEALTHINTEL_KIT_DIR``), built from the full sources by ``healthintel data build-kit``
(:mod:`healthintel.sources.kit_build`) and listed in ``data/kit/KIT.json`` with each table's SHA-256, rows and the
SHA-256 of the source files it was built from. ``sources/kit.yaml`` says which tables it holds:

- ``csv`` tables: one catalog file read whole (with the read options given there), e.g. a published Fingertips
  extract;
- ``reader`` tables: the tidy frame a reader in :mod:`healthintel.sources.readers` returns, all rows or only the
  rows of some districts (``rows: {lads: [...]}``, e.g. single-year populations for Kent, Medway and their
  neighbours), in which case the reader serves it only for requests inside those rows.

Every reader resolves a table in this order (:func:`resolve`), and ``healthintel data list`` shows it:

1. the files in ``data/raw`` (the analyst's own copies, or what ``healthintel data fetch`` put there);
2. the kit, when it holds the table and covers the rows asked for;
3. the configured data mirror, copied into ``data/raw`` by the fetch;
4. the publisher's download, by the fetch.

The default chapter series reads nothing beyond the kit, so it renders on a machine with no mirror and no network.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .. import config
from ..errors import CorruptFileError, HealthIntelError
from .catalog import dataset

INDEX = "KIT.json"

#: Dataset ids served from the kit in this process (the provenance footer says "embedded data kit" for them).
USED: set[str] = set()


@dataclass(frozen=True)
class KitTable:
    """One table of the kit (an entry of ``sources/kit.yaml``)."""

    name: str
    kind: str  # "csv" | "reader"
    sources: tuple[str, ...]
    read: dict[str, Any] = field(default_factory=dict)
    lads: tuple[str, ...] = ()  # reader tables limited to the LSOAs of these districts (empty: all rows)
    geo: bool = False
    note: str = ""

    @property
    def file(self) -> str:
        return f"{self.name}.parquet"


@lru_cache(maxsize=1)
def spec() -> dict[str, KitTable]:
    """The kit's tables by name, from ``sources/kit.yaml``."""
    text = resources.files("healthintel.sources").joinpath("kit.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    out: dict[str, KitTable] = {}
    for name, entry in (doc.get("csv") or {}).items():
        out[name] = KitTable(name, "csv", (name,), read=dict(entry.get("read") or {}), note=entry.get("note", ""))
    for name, entry in (doc.get("tables") or {}).items():
        rows = entry.get("rows") or {}
        out[name] = KitTable(name, "reader", tuple(entry["sources"]), lads=tuple(rows.get("lads", ())),
                             geo=bool(entry.get("geo", False)), note=entry.get("note", ""))
    return out


def table(name: str) -> KitTable:
    try:
        return spec()[name]
    except KeyError:
        raise HealthIntelError(f"{name!r} is not a table of the data kit (sources/kit.yaml lists "
                               f"{', '.join(sorted(spec()))}).") from None


def kit_dir() -> Path:
    return config.kit_dir()


def read_index(directory: Path | None = None) -> dict:
    """``KIT.json`` of the kit folder (``{"tables": {}}`` when there is no kit there); parsed once per version of
    the file (its size and modification time)."""
    path = (directory or kit_dir()) / INDEX
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {"tables": {}}
    return _parse_index(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=8)
def _parse_index(name: str, size: int, mtime_ns: int) -> dict:
    path = Path(name)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorruptFileError(
            f"{path} cannot be read ({type(exc).__name__}: {exc}). Restore it from git "
            "(`git checkout -- data/kit`) or rebuild the kit with `healthintel data build-kit`."
        ) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("tables"), dict):
        raise CorruptFileError(f"{path} has no 'tables' object. Restore it from git (`git checkout -- data/kit`) "
                               "or rebuild the kit with `healthintel data build-kit`.")
    return doc


def holds(name: str) -> bool:
    """Whether the kit folder holds ``name`` (listed in KIT.json and its file present)."""
    return name in read_index()["tables"] and (kit_dir() / table(name).file).is_file()


def raw_present(dataset_ids: Iterable[str]) -> bool:
    """Whether every one of the datasets is in ``data/raw``."""
    raw = config.raw_dir()
    return all((raw / dataset(i).path).is_file() for i in dataset_ids)


@lru_cache(maxsize=64)
def _read(path: str, geo: bool, mtime: float) -> pd.DataFrame:
    if geo:
        import geopandas as gpd

        return gpd.read_parquet(path)
    return pd.read_parquet(path)


def read(name: str) -> pd.DataFrame:
    """The kit's table ``name`` (a copy; :class:`HealthIntelError` when the kit does not hold it)."""
    t = table(name)
    path = kit_dir() / t.file
    if not holds(name):
        raise HealthIntelError(f"the data kit ({kit_dir()}) does not hold {name!r}; run `healthintel data fetch` "
                               f"for its sources ({', '.join(t.sources)}).")
    frame = _read(str(path), t.geo, path.stat().st_mtime).copy()
    USED.update(t.sources)
    return frame


def lsoas_covered(name: str) -> frozenset[str] | None:
    """The LSOA codes a row-limited kit table holds; ``None`` for a table with all rows."""
    t = table(name)
    if not t.lads:
        return None
    path = kit_dir() / t.file
    return _covered(str(path), t.geo, path.stat().st_mtime)


@lru_cache(maxsize=8)
def _covered(path: str, geo: bool, mtime: float) -> frozenset[str]:
    return frozenset(_read(path, geo, mtime)["lsoa_code"].astype(str))


def resolve(name: str, build_from_raw: Callable[[], pd.DataFrame], *, lsoas: Iterable[str] | None = None
            ) -> pd.DataFrame:
    """The table ``name`` from the first place that has it: data/raw → kit → mirror/download (fetch).

    ``lsoas`` is the set of LSOAs the caller needs (``None``: all of England); a row-limited kit table serves only
    requests inside its rows, otherwise the full sources are fetched.
    """
    t = spec().get(name)
    sources = t.sources if t else ()
    if t is None or raw_present(sources) or not holds(name):
        return build_from_raw()
    covered = lsoas_covered(name)
    if covered is None:
        return read(name)
    if lsoas is not None:
        wanted = set(map(str, lsoas))
        if wanted <= covered:
            frame = read(name)
            return frame[frame["lsoa_code"].isin(wanted)].reset_index(drop=True)
    return build_from_raw()  # the kit holds only some districts: the fetch gets the national file


def fingerprint() -> str:
    """The kit's identity for the render cache key: the tables and their SHA-256 from KIT.json ("no-kit")."""
    tables = read_index()["tables"]
    if not tables:
        return "no-kit"
    return json.dumps(sorted((k, str(v.get("sha256"))) for k, v in tables.items()))


def kit_datasets() -> dict[str, list[str]]:
    """Dataset id → the kit tables built from it (for ``healthintel data list``)."""
    out: dict[str, list[str]] = {}
    held = read_index()["tables"]
    for t in spec().values():
        if t.name not in held:
            continue
        for s in t.sources:
            label = t.name + (f" (districts {', '.join(t.lads)})" if t.lads else "")
            out.setdefault(s, []).append(label)
    return out
