"""Skip unchanged chapters: a content hash of everything a report depends on, stored beside the report.

The hash covers

- the chapter notebook file (bytes),
- the merged parameters, the kernel name and the disclosure threshold,
- the author's commentary file (:mod:`healthintel.render.commentary`), by content (``"none"`` without one),
- the healthintel package: every ``*.py`` file and package data file (``*.yaml``, templates, CSS) under the
  installed package directory, by relative path and content,
- the raw data: ``data/raw/MANIFEST.json``'s ``id``/``path``/``sha256`` of every file (not its timestamps, so a
  re-fetch of identical data does not re-render everything), and the embedded data kit's table checksums
  (``data/kit/KIT.json``),
- the inputs a chapter read from outside ``data/raw`` (e.g. Fingertips API responses in ``data/interim``): a chapter
  records them as ``render_inputs`` (``[{"path", "sha256"}]``, :func:`healthintel.report.record`); they are stored
  with the hash and re-checked before a skip, so a refreshed cache re-renders the chapters that read it.

It is written to ``reports/<chapter>/<slug>.hash`` (JSON: the hash, its parts and the result of the run that
produced the report) *after* the HTML, and removed before a new execution starts, so a run that dies half way
never leaves a hash that vouches for a report it did not write.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import healthintel
from healthintel import config
from healthintel.errors import HealthIntelError

#: The recorded value (``report.record``) in which a chapter lists the files it read outside ``data/raw``.
INPUTS_RECORD = "render_inputs"
#: The checksum recorded for an input that did not exist when the chapter ran (e.g. a chapter's figures.json the
#: area overview looked for).
MISSING = "missing"
HASH_SUFFIX = ".hash"
HASH_VERSION = 1
_DATA_SUFFIXES = {".py", ".yaml", ".yml", ".j2", ".css", ".json", ".csv", ".tpl"}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@functools.lru_cache(maxsize=4)
def code_hash(package_dir: str | None = None) -> str:
    """sha256 over the healthintel package source and data files (relative path + content), cached per process."""
    root = Path(package_dir or Path(healthintel.__file__).parent)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in _DATA_SUFFIXES
                       and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(_sha(path.read_bytes()).encode())
    return digest.hexdigest()


def data_hash(raw_dir: str | Path | None = None) -> str:
    """sha256 of the checksums recorded in ``data/raw/MANIFEST.json`` (``"no-manifest"`` when there is none)."""
    path = Path(raw_dir or config.raw_dir()) / "MANIFEST.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no-manifest"
    files = manifest.get("files") if isinstance(manifest, dict) else None
    files = files if isinstance(files, dict) else {}
    checksums = sorted((str(k), str((v or {}).get("path")), str((v or {}).get("sha256"))) for k, v in files.items())
    return _sha(json.dumps(checksums).encode())


def kit_fingerprint() -> str:
    """sha256 of the embedded data kit's table checksums (``data/kit/KIT.json``; ``"no-kit"`` without one or when
    it cannot be read — the render itself then names the problem)."""
    from healthintel.sources import kit

    try:
        fingerprint = kit.fingerprint()
    except HealthIntelError:
        return "no-kit"
    return fingerprint if fingerprint == "no-kit" else _sha(fingerprint.encode())


def chapter_hash(notebook: str | Path, parameters: dict, *, kernel: str, threshold: int,
                 commentary: str = "none") -> dict[str, str]:
    """The parts and the combined ``hash`` of one chapter × parameters; ``commentary`` is the fingerprint of the
    author's commentary file (:func:`healthintel.render.commentary.fingerprint`)."""
    parts = {
        "notebook": _sha(Path(notebook).read_bytes()),
        "parameters": _sha(json.dumps(parameters, sort_keys=True, default=str).encode()),
        "settings": _sha(json.dumps({"kernel": kernel, "disclosure_threshold": threshold}).encode()),
        "code": code_hash(),
        "data": data_hash(),
    }
    kit_print = kit_fingerprint()
    if kit_print != "no-kit":  # without a kit the hash is the one earlier versions stored
        parts["kit"] = kit_print
    if commentary != "none":  # without commentary the hash is the one earlier versions stored
        parts["commentary"] = commentary
    parts["hash"] = _sha(json.dumps(parts, sort_keys=True).encode())
    return parts


def _file_sha(path: str) -> str | None:
    try:
        return _sha(Path(path).read_bytes())
    except OSError:
        return None


def inputs_of(nb) -> list[dict[str, str]]:
    """The ``render_inputs`` an executed notebook recorded, each ``{"path", "sha256"}`` (``[]`` when none);
    ``sha256`` is :data:`MISSING` for an input that did not exist (its appearing re-renders the chapter)."""
    from healthintel.report import recorded_values

    listed = recorded_values(nb).get(INPUTS_RECORD) or []
    out = []
    for item in listed if isinstance(listed, list) else []:
        if isinstance(item, dict) and item.get("path"):
            sha = item.get("sha256") or _file_sha(item["path"]) or MISSING
            out.append({"path": str(item["path"]), "sha256": str(sha)})
    return out


def inputs_current(inputs: list[dict[str, str]]) -> bool:
    """True when every recorded input still has the checksum it had when the report was rendered (an input
    recorded as :data:`MISSING` must still be missing)."""
    return all((_file_sha(item["path"]) or MISSING) == item["sha256"] for item in inputs)


def hash_path(out_dir: Path, slug: str) -> Path:
    return out_dir / f"{slug}{HASH_SUFFIX}"


def read_stored(out_dir: Path, slug: str) -> dict[str, Any] | None:
    try:
        stored = json.loads(hash_path(out_dir, slug).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stored if isinstance(stored, dict) and stored.get("version") == HASH_VERSION else None


def unchanged(out_dir: Path, slug: str, parts: dict[str, str]) -> dict[str, Any] | None:
    """The stored result when the stored hash equals ``parts["hash"]`` and its HTML is still there, else None."""
    stored = read_stored(out_dir, slug)
    if not stored or stored.get("hash") != parts["hash"]:
        return None
    if not (out_dir / f"{slug}.html").is_file():
        return None
    if not inputs_current(stored.get("inputs") or []):  # e.g. a Fingertips response the chapter read was refreshed
        return None
    result = stored.get("result")
    return result if isinstance(result, dict) else None


def store(out_dir: Path, slug: str, parts: dict[str, str], result: dict[str, Any],
          inputs: list[dict[str, str]] | None = None) -> None:
    """Write the hash file: the hash, its parts, the run's result and the inputs read outside ``data/raw``."""
    from healthintel.render.export import atomic_write

    payload = {"version": HASH_VERSION, **parts, "result": result, "inputs": list(inputs or [])}
    atomic_write(hash_path(out_dir, slug), json.dumps(payload, indent=2, default=str) + "\n")


def forget(out_dir: Path, slug: str) -> None:
    hash_path(out_dir, slug).unlink(missing_ok=True)
