"""Shared fixtures: where ../shared/reference and the data mirror are (read at run time, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthintel import config


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = config.shared_dir()
    if path is None:
        raise RuntimeError(
            "../shared (reference vectors and data mirror) is not beside the checkout; "
            "set HEALTHINTEL_SHARED to its path. Reference tests cannot run without it."
        )
    return path


@pytest.fixture(scope="session")
def reference_dir(shared_dir: Path) -> Path:
    return shared_dir / "reference"


@pytest.fixture(scope="session")
def pheim_dir(reference_dir: Path) -> Path:
    return reference_dir / "pheim"


def pytest_collection_modifyitems(config, items):
    """Notebook cells run by nbval (``make test`` collects ``notebooks/``) execute whole chapters: mark them slow
    so ``make test-fast`` (``-m "not slow"``) skips them."""
    for item in items:
        if type(item).__module__.startswith("nbval"):
            item.add_marker(pytest.mark.slow)
