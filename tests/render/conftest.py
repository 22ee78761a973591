"""Fixtures for the render tests: fixture chapters copied into tmp_path so nothing touches the real reports/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "notebooks"

# The fixture chapters are inputs (one raises on purpose), not notebooks for nbval to run.
collect_ignore_glob = ["notebooks/*"]


@pytest.fixture
def notebooks(tmp_path: Path) -> Path:
    """A notebooks dir with ``chapters/fixture.ipynb`` (good) and ``chapters/failing.ipynb`` (raises)."""
    target = tmp_path / "notebooks"
    shutil.copytree(FIXTURES, target)
    return target


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    return tmp_path / "reports"


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if anything tries to execute a notebook."""
    import papermill

    def refuse(*args, **kwargs):
        raise AssertionError("a kernel was started; validation should have failed first")

    monkeypatch.setattr(papermill, "execute_notebook", refuse)
    return refuse


def leftovers(folder: Path) -> list[Path]:
    """Temp files an atomic write or an interrupted execution could leave behind."""
    return [p for p in folder.rglob("*") if p.name.startswith(".") or ".tmp" in p.name]
