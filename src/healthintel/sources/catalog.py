"""The data catalog: which real files the package reads, where they come from, and where they sit.

Each catalog entry (``catalog.yaml``) names a file's publisher, landing page (``url``), licence, vintage, path and
the SHA-256 of the data mirror's bytes, and a ``download:`` block: the publisher's own file (``url``,
``format``), the converter that turns it into the canonical file at ``path`` and the content ``checks`` it must
pass, or ``none`` with the reason there is no official file. Getting the files is
:mod:`healthintel.sources.fetch` (``healthintel data fetch``; :func:`fetch` is re-exported here); it records
what it did in ``data/raw/MANIFEST.json``. Files in ``data/raw`` are never modified afterwards.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from .. import config
from ..errors import CorruptFileError, DataNotFoundError, HealthIntelError

MANIFEST = "MANIFEST.json"


@dataclass(frozen=True)
class Dataset:
    """One catalog entry."""

    id: str
    title: str
    publisher: str
    url: str
    licence: str
    vintage: str
    path: str
    sha256: str
    derived_from: str = ""
    format_note: str = ""
    #: The publisher's file and how to convert and check it (``url``, ``format``, ``convert``, ``checks``), or
    #: ``{"none": reason}`` when there is none; see :mod:`healthintel.sources.fetch`.
    download: dict | None = field(default=None, compare=False)


@lru_cache(maxsize=1)
def catalog() -> dict[str, Dataset]:
    """All datasets in the catalog, by id."""
    text = resources.files("healthintel.sources").joinpath("catalog.yaml").read_text(encoding="utf-8")
    entries = yaml.safe_load(text)
    return {key: Dataset(id=key, **value) for key, value in entries.items()}


def dataset(dataset_id: str) -> Dataset:
    try:
        return catalog()[dataset_id]
    except KeyError:
        raise HealthIntelError(
            f"unknown dataset {dataset_id!r}; the catalog has: {', '.join(sorted(catalog()))}."
        ) from None


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(raw_dir: Path | None = None) -> dict:
    """``data/raw/MANIFEST.json`` (``{"files": {}}`` when there is none); a :class:`CorruptFileError` naming it
    and the fix when it cannot be parsed."""
    path = (raw_dir or config.raw_dir()) / MANIFEST
    if not path.exists():
        return {"files": {}}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        doc = exc
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), dict):
        raise CorruptFileError(f"{path} is corrupt ({doc if isinstance(doc, ValueError) else 'no files object'}). "
                               "Run `healthintel data fetch --force` to verify and record the files again.")
    return doc


def file_sha256(dataset_id: str) -> str:
    """The SHA-256 of the dataset's file in data/raw as MANIFEST.json records it (a file converted from the
    publisher's download, or the analyst's own copy), else the catalog's."""
    entry = read_manifest()["files"].get(dataset_id) or {}
    return str(entry.get("sha256") or dataset(dataset_id).sha256)


def fetch(datasets: list[str] | None = None, **kwargs):
    """Fetch catalog datasets into ``data/raw``: :func:`healthintel.sources.fetch.fetch` (re-exported here, where
    :func:`raw_path` and older callers find it)."""
    from .fetch import fetch as _fetch

    return _fetch(datasets, **kwargs)


def __getattr__(name: str):
    if name == "FetchRecord":  # moved to healthintel.sources.fetch
        from .fetch import FetchRecord

        return FetchRecord
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def raw_path(dataset_id: str, *, fetch_missing: bool = True) -> Path:
    """The path of a dataset in ``data/raw``, fetching it from the mirror first when it is missing."""
    ds = dataset(dataset_id)
    path = config.raw_dir() / ds.path
    if not path.exists():
        if not fetch_missing:
            raise DataNotFoundError(f"{ds.id} is not in {config.raw_dir()}; run `healthintel data fetch`.")
        fetch([dataset_id])
    return path


def provenance(dataset_ids: list[str]):
    """A table of the sources behind a result: title, publisher, vintage, licence, URL, checksum, fetched.

    "Fetched" is the time the file entered data/raw, or "embedded data kit (built <date>)" for a source this
    process read from the kit (:mod:`healthintel.sources.kit`).
    """
    import pandas as pd

    from . import kit

    manifest = read_manifest()
    rows = []
    for i in dataset_ids:
        ds = dataset(i)
        m = manifest["files"].get(i, {})
        if i in kit.USED:
            m = {"fetched_at": f"embedded data kit (built {kit.read_index().get('built_at', 'date not recorded')})"}
        rows.append({
            "Source": ds.title,
            "Publisher": ds.publisher,
            "Vintage": ds.vintage,
            "Licence": ds.licence,
            "Official URL": ds.url,
            "SHA-256": file_sha256(i)[:12] + "…",
            "Fetched": m.get("fetched_at", "not recorded"),
        })
    return pd.DataFrame(rows)
