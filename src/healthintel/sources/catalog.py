"""The data catalog and ``healthintel data fetch``: which real files the package reads, and getting them safely.

Each catalog entry (``catalog.yaml``) names a file's publisher, official URL, licence, vintage, path and the
SHA-256 of its bytes. :func:`fetch` copies each file from the local mirror (``HEALTHINTEL_DATA_MIRROR``, default
``../shared/data``) or downloads it (from ``HEALTHINTEL_DATA_URL``/<path> when set, else the official URL),
verifies the checksum, writes ``data/raw/<path>`` atomically and records what it did in
``data/raw/MANIFEST.json``. Files in ``data/raw`` are never modified afterwards.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from .. import config
from ..errors import ChecksumMismatchError, DataNotFoundError, HealthIntelError

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


@dataclass
class FetchRecord:
    """What :func:`fetch` did for one dataset (one entry of MANIFEST.json)."""

    id: str
    path: str
    sha256: str
    bytes: int
    action: str  # "copied from mirror" | "downloaded" | "already present"
    origin: str
    fetched_at: str


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def _atomic_copy(write, target: Path, check=None) -> None:
    """Write via ``write(fileobj)`` into a temp file beside ``target``, ``check`` it, and rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".fetch-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        if check is not None:
            check(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _verify(ds: Dataset, path: Path, origin: str) -> str:
    digest = sha256_of(path)
    if digest != ds.sha256:
        raise ChecksumMismatchError(
            f"{ds.id}: the file from {origin} has SHA-256 {digest}, but the catalog expects {ds.sha256}. "
            f"It was not written to data/raw. The source may have been revised or be a different format "
            f"({ds.format_note or 'see catalog.yaml'}); fetch it from the project's data mirror "
            "(set HEALTHINTEL_DATA_MIRROR) or update the catalog entry after checking the new release."
        )
    return digest


def read_manifest(raw_dir: Path | None = None) -> dict:
    path = (raw_dir or config.raw_dir()) / MANIFEST
    if not path.exists():
        return {"files": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def _write_manifest(raw_dir: Path, manifest: dict) -> None:
    data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    _atomic_copy(lambda fh: fh.write(data), raw_dir / MANIFEST)


def _fetch_one(ds: Dataset, target: Path, manifest: dict, *, mirror_path: Path | None, base_url: str | None,
               offline: bool, force: bool, timeout: float) -> tuple[FetchRecord | None, str]:
    """Fetch one dataset: already present, else from the mirror, else downloaded; ``(None, why)`` when it
    cannot be had."""
    if target.exists() and not force and sha256_of(target) == ds.sha256:
        old = manifest["files"].get(ds.id, {})
        return FetchRecord(ds.id, ds.path, ds.sha256, target.stat().st_size, "already present",
                           old.get("origin", "data/raw"), old.get("fetched_at", _now())), ""
    if mirror_path is not None and (mirror_path / ds.path).is_file():
        return _copy_from_mirror(ds, target, mirror_path / ds.path), ""
    if offline:
        return None, "offline mode and not in the mirror"
    url = f"{base_url.rstrip('/')}/{ds.path}" if base_url else ds.url
    try:
        _download(ds, target, url, timeout)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        return None, f"download from {url} failed: {exc}"
    return FetchRecord(ds.id, ds.path, ds.sha256, target.stat().st_size, "downloaded", url, _now()), ""


def _copy_from_mirror(ds: Dataset, target: Path, src: Path) -> FetchRecord:
    def copy(fh) -> None:
        with open(src, "rb") as sfh:
            shutil.copyfileobj(sfh, fh)

    _atomic_copy(copy, target, lambda tmp: _verify(ds, tmp, f"the mirror ({src})"))
    return FetchRecord(ds.id, ds.path, ds.sha256, target.stat().st_size, "copied from mirror", str(src), _now())


def _download(ds: Dataset, target: Path, url: str, timeout: float) -> None:
    if not url.startswith(("http://", "https://")):
        raise urllib.error.URLError(f"not an http(s) URL: {url}")

    def download(fh) -> None:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (https/http only)
            shutil.copyfileobj(resp, fh)

    _atomic_copy(download, target, lambda tmp: _verify(ds, tmp, url))


def fetch(
    datasets: list[str] | None = None,
    *,
    raw_dir: Path | None = None,
    mirror: Path | None | str = "default",
    base_url: str | None = None,
    offline: bool = False,
    force: bool = False,
    timeout: float = 60.0,
    progress=None,
) -> list[FetchRecord]:
    """Fetch catalog datasets into ``data/raw`` (mirror first, then download), verifying checksums.

    Parameters
    ----------
    datasets : list of str, optional
        Catalog ids; all datasets when omitted.
    raw_dir : Path, optional
        Target folder (default ``config.raw_dir()``).
    mirror : Path or None, optional
        Local mirror folder; by default ``HEALTHINTEL_DATA_MIRROR`` or ``../shared/data``; ``None`` for no mirror.
    base_url : str, optional
        A web mirror with the same layout (``<base_url>/<path>``); default ``HEALTHINTEL_DATA_URL``. Without it,
        files are downloaded from each entry's official URL.
    offline : bool
        Never use the network: a file neither present nor in the mirror is an error.
    force : bool
        Fetch again even when ``data/raw`` already holds a file with the right checksum.
    progress : callable, optional
        Called with each :class:`FetchRecord` as it completes (the CLI draws a progress bar with it).

    Raises
    ------
    DataNotFoundError
        Listing every file that could not be had, and both ways to get it (mirror or download).
    ChecksumMismatchError
        A file's bytes differ from the catalog.
    """
    raw_dir = Path(raw_dir) if raw_dir else config.raw_dir()
    mirror_path = config.mirror_dir() if mirror == "default" else (Path(mirror) if mirror else None)
    base_url = base_url if base_url is not None else os.environ.get("HEALTHINTEL_DATA_URL")
    ids = datasets or list(catalog())
    entries = [dataset(i) for i in ids]
    manifest = read_manifest(raw_dir)
    records: list[FetchRecord] = []
    missing: list[tuple[Dataset, str]] = []
    for ds in entries:
        rec, why = _fetch_one(ds, raw_dir / ds.path, manifest, mirror_path=mirror_path, base_url=base_url,
                              offline=offline, force=force, timeout=timeout)
        if rec is None:
            missing.append((ds, why))
            continue
        records.append(rec)
        manifest["files"][ds.id] = asdict(rec) | {
            "title": ds.title, "publisher": ds.publisher, "url": ds.url, "licence": ds.licence,
            "vintage": ds.vintage,
        }
        if progress:
            progress(rec)
    manifest["updated_at"] = _now()
    if records:
        _write_manifest(raw_dir, manifest)
    if missing:
        lines = "\n".join(f"  - {ds.id}: {ds.path} ({why}); official source: {ds.url}" for ds, why in missing)
        raise DataNotFoundError(
            f"{len(missing)} data file(s) could not be fetched into {raw_dir}:\n{lines}\n"
            "Either point HEALTHINTEL_DATA_MIRROR at a copy of the project's data mirror (the folder holding "
            "these paths, e.g. ../shared/data), or allow network access so they can be downloaded "
            "(set HEALTHINTEL_DATA_URL to a web mirror with the same layout), then run `healthintel data fetch`."
        )
    return records


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
            "SHA-256": ds.sha256[:12] + "…",
            "Fetched": m.get("fetched_at", "not recorded"),
        })
    return pd.DataFrame(rows)
