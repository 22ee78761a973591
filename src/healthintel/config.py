"""Paths and environment settings: project root, data/raw, data/processed, reports, the data mirror.

Every path can be overridden by an environment variable so that notebooks run by papermill, tests and the CLI
agree on where things are:

- ``HEALTHINTEL_HOME``: the project root (default: the checkout containing this package, else the cwd).
- ``HEALTHINTEL_DATA_MIRROR``: a local directory mirroring the official sources (default ``<root>/../shared/data``
  when it exists).
- ``HEALTHINTEL_RAW_DIR``, ``HEALTHINTEL_INTERIM_DIR``, ``HEALTHINTEL_PROCESSED_DIR``, ``HEALTHINTEL_REPORTS_DIR``,
  ``HEALTHINTEL_KIT_DIR``: override the five folders.
"""

from __future__ import annotations

import os
from pathlib import Path

KERNEL_NAME = "healthintel"


def project_root() -> Path:
    env = os.environ.get("HEALTHINTEL_HOME")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists() and (parent / "src" / "healthintel").exists():
            return parent
    return Path.cwd().resolve()


def _dir(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    return Path(value).resolve() if value else default


def raw_dir() -> Path:
    return _dir("HEALTHINTEL_RAW_DIR", project_root() / "data" / "raw")


def processed_dir() -> Path:
    return _dir("HEALTHINTEL_PROCESSED_DIR", project_root() / "data" / "processed")


def interim_dir() -> Path:
    """``data/interim``: caches of responses and intermediate files that are neither fetched-and-checksummed raw
    data nor reproducible processed data (the Fingertips API cache lives here)."""
    return _dir("HEALTHINTEL_INTERIM_DIR", project_root() / "data" / "interim")


def kit_dir() -> Path:
    """``data/kit``: the embedded data kit committed with the repository (``HEALTHINTEL_KIT_DIR`` overrides)."""
    return _dir("HEALTHINTEL_KIT_DIR", project_root() / "data" / "kit")


def reports_dir() -> Path:
    return _dir("HEALTHINTEL_REPORTS_DIR", project_root() / "reports")


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def mirror_dir() -> Path | None:
    """The local data mirror, or None when neither the variable nor ``../shared/data`` is there."""
    env = os.environ.get("HEALTHINTEL_DATA_MIRROR")
    if env is not None:
        return Path(env).resolve() if env else None
    default = project_root().parent / "shared" / "data"
    return default if default.is_dir() else None


def shared_dir() -> Path | None:
    """``../shared`` beside the checkout (reference vectors for tests), when present."""
    env = os.environ.get("HEALTHINTEL_SHARED")
    path = Path(env) if env else project_root().parent / "shared"
    return path.resolve() if path.is_dir() else None
