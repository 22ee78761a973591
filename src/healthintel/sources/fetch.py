"""``healthintel data fetch``: getting each catalogued file into ``data/raw`` safely, and keeping
``data/raw/MANIFEST.json`` true.

Resolution, for each dataset (:func:`fetch`):

1. **data/raw already valid**: the file there has the catalog's SHA-256 (a copy of the data mirror's file) or
   the SHA-256 ``MANIFEST.json`` recorded when it was downloaded and converted;
2. **the data mirror** (``HEALTHINTEL_DATA_MIRROR``, default ``../shared/data``): the file is copied and its
   checksum verified against the catalog; or a web mirror with the same layout (``HEALTHINTEL_DATA_URL``);
3. **the publisher's download** (the entry's ``download:`` block): the official file (gov.uk asset, ONS zip,
   ArcGIS REST pages, Fingertips API CSV) is fetched with :mod:`pooch` into a cache
   (``data/interim/downloads``; one download serves every dataset built from the same file), converted by
   :mod:`healthintel.sources.convert` to the canonical layout the readers read, and written only when its
   content checks pass (columns, row counts, control totals). The official file's SHA-256 is recorded as
   ``source_sha256``; a later download with other bytes is reported as a revision by the publisher, and the
   old checksum is kept in ``previous_source_sha256``.

Integrity: fetches into one ``data/raw`` are serialised by a lock file (``data/raw/.fetch.lock``, via
:mod:`filelock`); files are written to ``.fetch-*`` temporary files and renamed into place, and partial files an
interrupted fetch left behind are removed by the next one; the manifest is rewritten atomically after every
dataset, so one dataset's failure neither stops the others nor loses what was fetched; entries whose file is no
longer in ``data/raw`` (or was changed) are dropped. A read-only or full disk and a corrupt manifest are
:class:`~healthintel.errors.StorageError` / :class:`~healthintel.errors.CorruptFileError` naming the path and the
fix. ``HEALTHINTEL_DOWNLOAD_BASE`` (or ``download_base=``) sends every publisher request to another host
(``<base>/<official host>/<path>``): the tests serve the official layouts from 127.0.0.1 that way.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import config
from ..errors import ChecksumMismatchError, CorruptFileError, DataNotFoundError, HealthIntelError, StorageError
from .catalog import MANIFEST, Dataset, catalog, dataset, sha256_of
from .convert import ContentCheckError, ConversionError, Converted, convert, run_checks

__all__ = ["FetchRecord", "DownloadError", "FetchLockedError", "fetch", "load_manifest", "LOCK_FILE",
           "TMP_PREFIX", "DOWNLOAD_BASE_ENV", "official_url", "download_spec"]

LOCK_FILE = ".fetch.lock"
TMP_PREFIX = ".fetch-"
DOWNLOAD_BASE_ENV = "HEALTHINTEL_DOWNLOAD_BASE"
#: Features asked for per ArcGIS REST page (the ONS services cap pages at 2,000; a short page with
#: ``exceededTransferLimit`` is followed by the next offset).
ARCGIS_PAGE = 2000
_CORRUPT_SUFFIX = ".corrupt"


class DownloadError(DataNotFoundError):
    """A publisher's (or web mirror's) file could not be downloaded: HTTP error, timeout, refused connection.

    ``transient`` is True for a timeout or a failed connection (worth trying again later; the command line exits
    with its network code).
    """

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


class FetchLockedError(HealthIntelError):
    """Another ``healthintel data fetch`` holds the lock on the same ``data/raw`` for longer than allowed."""


@dataclass
class FetchRecord:
    """What :func:`fetch` did for one dataset (one entry of MANIFEST.json)."""

    id: str
    path: str
    sha256: str
    bytes: int
    action: str  # "already present" | "copied from mirror" | "downloaded" | "downloaded from the publisher"
    origin: str
    fetched_at: str
    source_url: str = ""
    source_sha256: str = ""
    checks: str = ""
    previous_source_sha256: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


# ------------------------------------------------------------------------------------------------ storage
def _storage_error(exc: OSError, path: Path | str) -> StorageError:
    """An OSError while writing ``path`` as a StorageError naming the path and the fix."""
    where = exc.filename or path
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        msg = (f"no space left on the disk to write {where}: free some space, or point HEALTHINTEL_RAW_DIR "
               "(data/raw) and HEALTHINTEL_INTERIM_DIR (the download cache) at another disk, then run "
               "`healthintel data fetch` again (partial files were removed).")
    elif exc.errno == errno.EROFS:
        msg = (f"cannot write {where}: the file system is read-only. Point HEALTHINTEL_RAW_DIR at a writable "
               "folder (or HEALTHINTEL_HOME at a writable copy of the project).")
    elif isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        msg = (f"permission denied: cannot write {where}. Make the folder writable (chmod/chown), or point "
               "HEALTHINTEL_RAW_DIR at a folder you can write.")
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST):
        msg = (f"cannot create the folder {where}: a file is in the way ({exc.strerror}). Remove it, or point "
               "HEALTHINTEL_RAW_DIR at a folder.")
    else:
        msg = f"cannot write {where}: {exc.strerror or exc}."
    return StorageError(msg, path=where)


def _atomic_write(target: Path, write: Callable[[Any], None], check: Callable[[Path], None] | None = None) -> None:
    """Write via ``write(binary file)`` into a ``.fetch-*`` file beside ``target``, ``check`` it, and rename it
    into place.

    The temporary file is removed on any failure; an OSError becomes a :class:`StorageError` naming the path.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=target.parent)
    except OSError as exc:
        raise _storage_error(exc, target.parent) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if check is not None:
            check(Path(tmp))
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, HealthIntelError):
            raise
        raise _storage_error(exc, target) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------------------------------ manifest
def load_manifest(raw_dir: Path, *, set_aside_corrupt: bool = False) -> tuple[dict, str]:
    """``data/raw/MANIFEST.json`` checked for shape: ``({"files": {...}, ...}, note)``.

    A file that is not a JSON object with a ``files`` object of objects is corrupt: a
    :class:`CorruptFileError` naming it and the fix, or, with ``set_aside_corrupt``, renamed to
    ``MANIFEST.json.corrupt`` (``note`` says so) and replaced by an empty manifest.
    """
    path = raw_dir / MANIFEST
    if not path.exists():
        return {"files": {}}, ""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict) or not all(
                isinstance(v, dict) for v in manifest["files"].values()):
            raise ValueError("not an object with a 'files' object of entries")
    except (ValueError, UnicodeDecodeError) as exc:
        if not set_aside_corrupt:
            raise CorruptFileError(
                f"{path} is corrupt ({type(exc).__name__}: {exc}). Run `healthintel data fetch --force`: it sets "
                f"the corrupt file aside as {MANIFEST}{_CORRUPT_SUFFIX} and verifies every file again.") from None
        aside = path.with_name(MANIFEST + _CORRUPT_SUFFIX)
        try:
            os.replace(path, aside)
        except OSError as err:
            raise _storage_error(err, path) from None
        return {"files": {}}, f"{path} was corrupt: set aside as {aside.name}; a new manifest is written."
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}. Check its permissions.", path=path) from None
    return manifest, ""


def _write_manifest(raw_dir: Path, manifest: dict) -> None:
    manifest["updated_at"] = _now()
    data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    _atomic_write(raw_dir / MANIFEST, lambda fh: fh.write(data))


class _Hashes:
    """SHA-256 of files in data/raw, each computed once per fetch."""

    def __init__(self) -> None:
        self._cache: dict[Path, str] = {}

    def __call__(self, path: Path) -> str:
        if path not in self._cache:
            self._cache[path] = sha256_of(path)
        return self._cache[path]

    def forget(self, path: Path) -> None:
        self._cache.pop(path, None)


def _reconcile(manifest: dict, raw_dir: Path, hashes: _Hashes) -> list[str]:
    """Drop manifest entries whose file is gone from data/raw, was changed, or is no longer catalogued."""
    notes = []
    known = catalog()
    for key, entry in list(manifest["files"].items()):
        path = raw_dir / str(entry.get("path", ""))
        if key not in known:
            reason = "is no longer in the catalog"
        elif not entry.get("path") or not path.is_file():
            reason = f"{entry.get('path') or '(no path)'} is no longer in data/raw"
        elif hashes(path) != entry.get("sha256"):
            reason = (f"{entry['path']} changed since it was fetched (SHA-256 {hashes(path)[:12]}…, recorded "
                      f"{str(entry.get('sha256'))[:12]}…); run `healthintel data fetch --force -d {key}`")
        else:
            continue
        del manifest["files"][key]
        notes.append(f"{key}: dropped from {MANIFEST}: {reason}.")
    return notes


# ------------------------------------------------------------------------------------------------ lock, leftovers
@contextlib.contextmanager
def _locked(raw_dir: Path, timeout: float | None, notice: Callable[[str], None]) -> Iterator[None]:
    """Hold ``raw_dir/.fetch.lock`` (waiting for another fetch, with a notice, up to ``timeout`` seconds)."""
    import filelock

    path = raw_dir / LOCK_FILE
    try:
        raw_dir.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o666))  # say "permission denied" before filelock does
    except OSError as exc:
        raise _storage_error(exc, path) from None
    lock = filelock.FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        notice(f"waiting for another `healthintel data fetch` to finish writing {raw_dir} (lock file {path}).")
        try:
            lock.acquire(timeout=-1 if timeout is None else timeout)
        except filelock.Timeout:
            raise FetchLockedError(
                f"another `healthintel data fetch` is writing {raw_dir} (it holds the lock file {path}); wait for "
                "it to finish and run the command again.") from None
    except OSError as exc:
        raise _storage_error(exc, path) from None
    try:
        yield
    finally:
        lock.release()


def _remove_leftovers(raw_dir: Path, cache_dir: Path) -> list[str]:
    """Remove partial files an interrupted fetch left: ``.fetch-*`` in data/raw and the download cache, and
    pooch's ``tmp*`` files in the cache that have not been written to for an hour."""
    removed = [p for p in raw_dir.rglob(f"{TMP_PREFIX}*") if p.is_file()]
    if cache_dir.is_dir():
        removed += [p for p in cache_dir.glob(f"{TMP_PREFIX}*") if p.is_file()]
        removed += [p for p in cache_dir.glob("tmp*") if p.is_file() and time.time() - p.stat().st_mtime > 3600]
    for p in removed:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
    return [f"removed {len(removed)} partial file(s) an interrupted fetch left behind: "
            f"{', '.join(p.name for p in removed[:5])}{' …' if len(removed) > 5 else ''}."] if removed else []


# ------------------------------------------------------------------------------------------------ downloads
def download_spec(ds: Dataset) -> dict | None:
    """The entry's ``download:`` block when it names a publisher file, else None (``download: {none: why}``)."""
    spec = ds.download
    return spec if isinstance(spec, Mapping) and spec.get("url") else None  # type: ignore[return-value]


def official_url(ds: Dataset) -> str:
    """The publisher's file address of a dataset (its first, for several), else its catalog ``url``."""
    spec = download_spec(ds)
    if spec is None:
        return ds.url
    urls = spec["url"]
    return str(urls[0] if isinstance(urls, list) else urls)


def rewrite_url(url: str, base: str | None) -> str:
    """``https://host/path?q`` -> ``<base>/host/path?q`` when ``base`` is set (tests and private mirrors)."""
    if not base:
        return url
    parts = urllib.parse.urlsplit(url)
    rest = parts.netloc + parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{base.rstrip('/')}/{rest}"


def _cache_name(url: str, suffix: str = "") -> str:
    stem = Path(urllib.parse.urlsplit(url).path).name or "download"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)[-80:]
    return f"{hashlib.sha256(url.encode()).hexdigest()[:12]}-{stem}{suffix}"


def _connection_reason(exc: Exception) -> str:
    """The root cause of a requests ConnectionError in a few words."""
    text = str(exc)
    if "NameResolution" in text or "Name or service not known" in text or "getaddrinfo" in text:
        return "its name could not be resolved: no network, or no DNS"
    if "Connection refused" in text:
        return "connection refused"
    if "reset" in text.lower():
        return "connection reset"
    match = re.search(r"Caused by \w+\((.*)\)\)?$", text)
    return (match.group(1) if match else text)[:200]


@dataclass
class _Source:
    url: str
    paths: list[Path]
    sha256: str
    downloaded: bool


class _Downloader:
    """Publisher downloads through pooch into the cache, each official file once per fetch."""

    def __init__(self, cache_dir: Path, *, base: str | None, timeout: float, force: bool):
        self.cache_dir, self.base, self.timeout, self.force = cache_dir, base, timeout, force
        self._done: dict[str, _Source] = {}

    def _retrieve(self, url: str, fname: str, known_hash: str | None = None) -> tuple[Path, bool]:
        """pooch.retrieve into the cache: ``(path, downloaded now)``. Errors name the URL and the fix."""
        import pooch
        import requests

        pooch.get_logger().setLevel("WARNING")
        target = self.cache_dir / fname
        if self.force and known_hash is None:
            target.unlink(missing_ok=True)
        fresh = not target.exists()
        real = rewrite_url(url, self.base)
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            path = pooch.retrieve(real, known_hash=known_hash, fname=fname, path=self.cache_dir,
                                  downloader=pooch.HTTPDownloader(timeout=self.timeout, progressbar=False))
        except requests.exceptions.HTTPError as exc:
            code = exc.response.status_code if exc.response is not None else "?"
            reason = exc.response.reason if exc.response is not None else ""
            raise DownloadError(f"download from {real} failed: HTTP {code} {reason}".rstrip() + ".") from None
        except requests.exceptions.Timeout:
            raise DownloadError(f"download from {real} failed: timed out after {self.timeout:g} s. Try again later "
                                "or with a longer --timeout.", transient=True) from None
        except requests.exceptions.ConnectionError as exc:
            raise DownloadError(f"download from {real} failed: could not connect to "
                                f"{urllib.parse.urlsplit(real).netloc} ({_connection_reason(exc)}). Check the network "
                                "connection (and HTTPS_PROXY if you use a proxy), or use a data mirror "
                                "(HEALTHINTEL_DATA_MIRROR).", transient=True) from None
        except requests.exceptions.RequestException as exc:
            raise DownloadError(f"download from {real} failed: {type(exc).__name__}: {exc}.") from None
        except ValueError as exc:  # pooch: the bytes do not have the known hash
            raise ChecksumMismatchError(f"the file from {real} does not have the expected SHA-256 ({exc}).") from None
        except OSError as exc:
            raise _storage_error(exc, target) from None
        return Path(path), fresh

    def single(self, url: str) -> _Source:
        if url not in self._done:
            path, fresh = self._retrieve(url, _cache_name(url))
            self._done[url] = _Source(url, [path], sha256_of(path), fresh)
        return self._done[url]

    def several(self, urls: list[str]) -> _Source:
        parts = [self.single(u) for u in urls]
        digest = hashlib.sha256("".join(p.sha256 for p in parts).encode()).hexdigest() if len(parts) > 1 \
            else parts[0].sha256
        return _Source(" + ".join(urls), [p.paths[0] for p in parts], digest, any(p.downloaded for p in parts))

    def arcgis(self, url: str, query: Mapping[str, Any], page: int) -> _Source:
        """Every page of an ArcGIS REST ``query`` as GeoJSON (``resultOffset`` paging until a page neither is
        full nor says ``exceededTransferLimit``)."""
        params = {"where": "1=1", "outFields": "*", "outSR": "4326", "f": "geojson", **query}
        first = f"{url}?{urllib.parse.urlencode(params)}"
        if first in self._done:
            return self._done[first]
        paths: list[Path] = []
        digest = hashlib.sha256()
        offset, fresh = 0, False
        while True:
            page_url = f"{first}&resultOffset={offset}&resultRecordCount={page}"
            path, new = self._retrieve(page_url, _cache_name(first, f"-p{offset:07d}.geojson"))
            fresh |= new
            try:
                body = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                path.unlink(missing_ok=True)
                raise DownloadError(f"{rewrite_url(page_url, self.base)} did not return GeoJSON (an ArcGIS error "
                                    "page?); the layer may have moved: check its address in catalog.yaml.") from None
            if "error" in body:
                path.unlink(missing_ok=True)
                raise DownloadError(f"{rewrite_url(page_url, self.base)} returned an ArcGIS error: {body['error']}.")
            paths.append(path)
            digest.update(path.read_bytes())
            n = len(body.get("features") or [])
            more = bool((body.get("properties") or {}).get("exceededTransferLimit") or body.get(
                "exceededTransferLimit"))
            if n == 0 or (n < page and not more):
                break
            offset += n
        self._done[first] = _Source(first, paths, digest.hexdigest(), fresh)
        return self._done[first]

    def get(self, spec: Mapping) -> _Source:
        fmt = str(spec.get("format", ""))
        urls = spec["url"] if isinstance(spec["url"], list) else [spec["url"]]
        if fmt == "arcgis-geojson":
            return self.arcgis(urls[0], spec.get("query") or {}, int(spec.get("page_size", ARCGIS_PAGE)))
        return self.several([str(u) for u in urls])


# ------------------------------------------------------------------------------------------------ one dataset
@dataclass
class _Options:
    raw_dir: Path
    mirror: Path | None
    base_url: str | None
    offline: bool
    force: bool
    timeout: float
    downloader: _Downloader
    hashes: _Hashes


def _record(ds: Dataset, target: Path, action: str, origin: str, opts: _Options, **extra) -> FetchRecord:
    opts.hashes.forget(target)
    return FetchRecord(ds.id, ds.path, opts.hashes(target), target.stat().st_size, action, origin, _now(), **extra)


def _verify(ds: Dataset, path: Path, origin: str) -> None:
    digest = sha256_of(path)
    if digest != ds.sha256:
        raise ChecksumMismatchError(
            f"{ds.id}: the file from {origin} has SHA-256 {digest}, but the catalog expects {ds.sha256}. "
            f"It was not written to data/raw. The mirror's copy may be damaged or a different version "
            f"({ds.format_note or 'see catalog.yaml'}); restore it, or fetch without the mirror (--no-mirror) to "
            "download the publisher's file.")


def _copy_verified(ds: Dataset, src: Path, target: Path, origin: str) -> None:
    """Copy ``src`` to ``target`` atomically, refusing bytes that differ from the catalog's checksum."""

    def copy(fh) -> None:
        with open(src, "rb") as sfh:
            shutil.copyfileobj(sfh, fh)

    _atomic_write(target, copy, lambda tmp: _verify(ds, tmp, origin))


def _from_web_mirror(ds: Dataset, target: Path, opts: _Options) -> FetchRecord:
    assert opts.base_url is not None
    url = f"{opts.base_url.rstrip('/')}/{ds.path}"
    path, _ = opts.downloader._retrieve(url, _cache_name(url), known_hash=f"sha256:{ds.sha256}")
    _copy_verified(ds, path, target, url)
    return _record(ds, target, "downloaded", url, opts)


def _write_converted(converted: Converted, ds: Dataset, target: Path) -> None:
    if converted.geojson is not None:
        data = json.dumps(converted.geojson, ensure_ascii=False).encode("utf-8")
        _atomic_write(target, lambda fh: fh.write(data))
        return
    table = converted.table
    assert table is not None
    if ds.path.endswith(".gz"):
        _atomic_write(target, lambda fh: table.to_csv(fh, index=False, compression="gzip"))
    else:
        _atomic_write(target, lambda fh: table.to_csv(fh, index=False))


def _from_publisher(ds: Dataset, spec: Mapping, target: Path, old: Mapping, opts: _Options) -> FetchRecord:
    """Download (or reuse) the official file, convert it, check it, write it; note a revision."""
    try:
        source = opts.downloader.get(spec)
    except DownloadError as exc:
        if exc.transient:
            raise
        raise DownloadError(f"{exc} The publisher may have moved the file: find it from {ds.url} and update "
                            "download.url in catalog.yaml, or use a data mirror (HEALTHINTEL_DATA_MIRROR).") from None
    converted = convert(str(spec["convert"]), source.paths, spec)
    summary = run_checks(ds.id, converted.check_frame, spec.get("checks"))
    _write_converted(converted, ds, target)
    notes = []
    history = list(old.get("previous_source_sha256") or [])
    before = old.get("source_sha256")
    if before and before != source.sha256:
        name = Path(urllib.parse.urlsplit(official_url(ds)).path).name or official_url(ds)
        notes.append(f"{ds.id}: the publisher revised {name} ({before[:12]}… → {source.sha256[:12]}…); "
                     "the content checks passed on the new file.")
        history.append(before)
    return _record(ds, target, "downloaded from the publisher", rewrite_url(source.url, opts.downloader.base), opts,
                   source_url=source.url, source_sha256=source.sha256, checks=summary,
                   previous_source_sha256=history, notes=notes)


class _Unavailable(HealthIntelError):
    """This dataset cannot be had with the options given (offline, no mirror, no publisher file)."""


def _fix_for(ds: Dataset, opts: _Options) -> str:
    """What to do when a dataset is neither in data/raw nor in a mirror."""
    spec = ds.download if isinstance(ds.download, Mapping) else {}
    mirror = (f"point HEALTHINTEL_DATA_MIRROR at a copy of the project's data mirror (a folder holding {ds.path}), "
              f"or put the file at {opts.raw_dir / ds.path} yourself")
    if download_spec(ds) is None:
        why = spec.get("none") or "the catalog names no publisher file for it"
        return f"there is no publisher file to download ({why}). To get it, {mirror}."
    return (f"offline and not in data/raw or a mirror. Run without --offline to download it from "
            f"{official_url(ds)}, or {mirror}.")


def _fetch_one(ds: Dataset, manifest: dict, opts: _Options) -> FetchRecord:
    """Fetch one dataset: valid in data/raw, else the mirror, else a web mirror, else the publisher."""
    target = opts.raw_dir / ds.path
    old = manifest["files"].get(ds.id, {})
    if target.is_file() and not opts.force and opts.hashes(target) in {ds.sha256, old.get("sha256")}:
        return FetchRecord(ds.id, ds.path, opts.hashes(target), target.stat().st_size, "already present",
                           old.get("origin", "data/raw"), old.get("fetched_at", _now()),
                           old.get("source_url", ""), old.get("source_sha256", ""), old.get("checks", ""),
                           list(old.get("previous_source_sha256") or []))
    if target.is_file() and not opts.force:
        return _kept_own_file(ds, target, opts)
    if opts.mirror is not None and (opts.mirror / ds.path).is_file():
        src = opts.mirror / ds.path
        _copy_verified(ds, src, target, f"the mirror ({src})")
        return _record(ds, target, "copied from mirror", str(src), opts)
    if opts.offline:
        raise _Unavailable(_fix_for(ds, opts))
    if opts.base_url:
        return _from_web_mirror(ds, target, opts)
    spec = download_spec(ds)
    if spec is None:
        raise _Unavailable(_fix_for(ds, opts))
    return _from_publisher(ds, spec, target, old, opts)


def _kept_own_file(ds: Dataset, target: Path, opts: _Options) -> FetchRecord:
    """A file in data/raw that is neither the catalog's nor what a fetch recorded: the analyst's own copy, which
    comes first in the resolution order. It is kept as it is (``--force`` replaces it) and recorded with its own
    checksum, so the processed caches and the provenance follow it."""
    rec = _record(ds, target, "kept (your own file)", "data/raw (not fetched: your own copy)", opts)
    rec.notes.append(f"{ds.id}: {target} is not the catalog's file (SHA-256 {rec.sha256[:12]}…); it was kept as your "
                     f"own copy and the readers use it. To replace it with the official file run `healthintel data "
                     f"fetch -d {ds.id} --force`.")
    return rec


def _manifest_entry(ds: Dataset, rec: FetchRecord) -> dict:
    entry = {k: v for k, v in asdict(rec).items() if k != "notes" and (v or k == "bytes")}
    return entry | {"title": ds.title, "publisher": ds.publisher, "url": ds.url, "licence": ds.licence,
                    "vintage": ds.vintage}


def _failure_error(failures: list[tuple[Dataset, HealthIntelError]], raw_dir: Path,
                   records: list[FetchRecord]) -> HealthIntelError:
    """One error listing every dataset that failed (its class when they all failed alike)."""
    lines = "\n".join(f"  - {ds.id} ({ds.path}): {' '.join(str(exc).split())}" for ds, exc in failures)
    kinds = {type(exc) for _, exc in failures}
    done = f" (the other {len(records)} were, and {MANIFEST} records them)" if records else ""
    message = f"{len(failures)} data file(s) could not be fetched into {raw_dir}{done}:\n{lines}"
    again = "`healthintel data fetch " + " ".join(f"-d {ds.id}" for ds, _ in failures) + "`"
    if kinds == {_Unavailable}:
        message += ("\nEither point HEALTHINTEL_DATA_MIRROR at a copy of the project's data mirror (the folder "
                    "holding these paths, e.g. ../shared/data), or allow network access so the publishers' files "
                    "can be downloaded (or set HEALTHINTEL_DATA_URL to a web mirror with the same layout), then run "
                    f"{again}.")
    else:
        message += f"\nThen run {again} again."
    cls = next(iter(kinds)) if len(kinds) == 1 and not issubclass(next(iter(kinds)), _Unavailable) \
        else DataNotFoundError
    try:
        err = cls(message)
    except TypeError:  # an error class with a different constructor
        err = DataNotFoundError(message)
    err.records = records  # type: ignore[attr-defined]
    if all(getattr(exc, "transient", False) for _, exc in failures):
        err.transient = True  # type: ignore[attr-defined]  # the network failed: worth trying again later
    return err


def fetch(
    datasets: list[str] | None = None,
    *,
    raw_dir: Path | None = None,
    mirror: Path | None | str = "default",
    base_url: str | None = None,
    offline: bool = False,
    force: bool = False,
    timeout: float = 60.0,
    progress: Callable[[FetchRecord | None], None] | None = None,
    notice: Callable[[str], None] | None = None,
    download_base: str | None = None,
    lock_timeout: float | None = None,
) -> list[FetchRecord]:
    """Fetch catalog datasets into ``data/raw``: already valid there, else the mirror, else the publisher.

    Parameters
    ----------
    datasets : list of str, optional
        Catalog ids; all datasets when omitted.
    raw_dir : Path, optional
        Target folder (default ``config.raw_dir()``).
    mirror : Path or None, optional
        Local mirror folder; by default ``HEALTHINTEL_DATA_MIRROR`` or ``../shared/data``; ``None`` for no mirror.
    base_url : str, optional
        A web mirror with the same layout (``<base_url>/<path>``, checksums as the catalog's); default
        ``HEALTHINTEL_DATA_URL``. When set, publisher downloads are not used.
    offline : bool
        Never use the network: a file neither valid in data/raw nor in the mirror is an error.
    force : bool
        Fetch again even when data/raw holds a valid file, download the publishers' files afresh, and set a
        corrupt MANIFEST.json aside instead of stopping.
    timeout : float
        Seconds a download may wait for the server (connect and each read).
    progress : callable, optional
        Called with each :class:`FetchRecord` as it completes, or ``None`` for a dataset that failed.
    notice : callable, optional
        Called with each notice (a publisher revision, a dropped manifest entry, leftovers removed, waiting
        for the lock). Notices are also in the records' ``notes``.
    download_base : str, optional
        Send every publisher request to ``<download_base>/<official host>/<path>`` (default
        ``HEALTHINTEL_DOWNLOAD_BASE``): a private copy of the publishers' files, or the tests' local server.
    lock_timeout : float, optional
        Seconds to wait for another fetch into the same data/raw (default: as long as it takes).

    Returns
    -------
    list of FetchRecord
        One per dataset fetched, in the order asked.

    Raises
    ------
    DataNotFoundError
        After trying every dataset, listing those that could not be had and how to get each (a
        :class:`DownloadError` when downloads failed; a :class:`ChecksumMismatchError` or
        :class:`~healthintel.sources.convert.ContentCheckError` when they all failed that way). The records of
        the datasets that were fetched are in its ``records``.
    StorageError
        data/raw or the download cache cannot be written (permission denied, read-only or full disk).
    CorruptFileError
        MANIFEST.json cannot be parsed (without ``force``).
    """
    raw_dir = Path(raw_dir) if raw_dir else config.raw_dir()
    mirror_path = config.mirror_dir() if mirror == "default" else (Path(mirror) if mirror else None)
    base_url = base_url if base_url is not None else (os.environ.get("HEALTHINTEL_DATA_URL") or None)
    download_base = download_base if download_base is not None else (os.environ.get(DOWNLOAD_BASE_ENV) or None)
    entries = [dataset(i) for i in (datasets or list(catalog()))]
    notes: list[str] = []

    def say(text: str) -> None:
        notes.append(text)
        if notice:
            notice(text)

    cache_dir = config.interim_dir() / "downloads"
    if not force and raw_dir.is_dir():
        load_manifest(raw_dir)  # a corrupt manifest is named before anything is written (even the lock)
    with _locked(raw_dir, lock_timeout, say):
        for text in _remove_leftovers(raw_dir, cache_dir):
            say(text)
        manifest, text = load_manifest(raw_dir, set_aside_corrupt=force)
        if text:
            say(text)
        hashes = _Hashes()
        dropped = _reconcile(manifest, raw_dir, hashes)
        for text in dropped:
            say(text)
        if dropped or text:
            _write_manifest(raw_dir, manifest)
        opts = _Options(raw_dir, mirror_path, base_url, offline, force, timeout,
                        _Downloader(cache_dir, base=download_base, timeout=timeout, force=force), hashes)
        records, failures = _fetch_all(entries, manifest, opts, progress, say)
    if failures:
        raise _failure_error(failures, raw_dir, records)
    return records


def _fetch_all(entries: list[Dataset], manifest: dict, opts: _Options, progress, say) \
        -> tuple[list[FetchRecord], list[tuple[Dataset, HealthIntelError]]]:
    """Each dataset in turn; the manifest rewritten after each. Storage errors stop the fetch at once."""
    records: list[FetchRecord] = []
    failures: list[tuple[Dataset, HealthIntelError]] = []
    for ds in entries:
        try:
            rec = _fetch_one(ds, manifest, opts)
        except StorageError:
            raise
        except (DataNotFoundError, ChecksumMismatchError, ContentCheckError, ConversionError, _Unavailable) as exc:
            failures.append((ds, exc))
            if progress:
                progress(None)
            continue
        before = manifest["files"].get(ds.id)
        manifest["files"][ds.id] = _manifest_entry(ds, rec)
        if before != manifest["files"][ds.id]:
            _write_manifest(opts.raw_dir, manifest)
        for text in rec.notes:
            say(text)
        records.append(rec)
        if progress:
            progress(rec)
    return records, failures
