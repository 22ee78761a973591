"""The ``healthintel`` command itself: version, and the fallback when rendering cannot be imported."""

from __future__ import annotations

import sys

import typer
from typer.testing import CliRunner

import healthintel
from healthintel import cli


def test_version_prints_the_package_version():
    res = CliRunner().invoke(cli.app, ["version"])
    assert res.exit_code == 0 and res.stdout.strip() == healthintel.__version__


def test_render_unavailable_says_why_instead_of_raising(monkeypatch):
    """Regression: the stand-in used ``exc`` after its ``except`` block, so it raised NameError."""
    monkeypatch.setitem(sys.modules, "healthintel.render.cli", None)  # importing it now raises ImportError
    app = typer.Typer()

    @app.callback()
    def _root() -> None:  # a group, so "render" is a sub-command as in the real app
        pass

    cli._register_render(app)
    res = CliRunner().invoke(app, ["render"])
    assert res.exit_code == 1, res.output
    assert not isinstance(res.exception, NameError)
    assert "rendering is unavailable" in res.output and "healthintel.render.cli" in res.output
