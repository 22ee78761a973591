"""Every line of every chapter's ``parameters`` cell is understood (papermill drops a line it cannot parse, and
the render would then refuse that parameter), typed and documented; report slugs are official names."""

from __future__ import annotations

import ast

import nbformat
import pytest

from healthintel import config
from healthintel.render.parameters import area_slug, default_slug, notebook_parameters

CHAPTERS = sorted(p.stem for p in (config.notebooks_dir() / "chapters").glob("*.ipynb"))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_parameter_line_is_parsed_with_type_and_help(chapter):
    path = config.notebooks_dir() / "chapters" / f"{chapter}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    declared = [node.target.id for node in ast.parse(cell.source).body if isinstance(node, ast.AnnAssign)]
    parsed = notebook_parameters(path)
    assert list(parsed) == declared
    for name, info in parsed.items():
        assert info["type"] not in (None, "None") and info["help"], name


def test_slugs_are_official_names():
    assert default_slug({"area": "E54000032"}) == area_slug("kent & medway") == "kent-and-medway"
    assert default_slug({"area": "E10000016"}) == "kent"
    assert default_slug({"area": "Tunbridge Wells"}) == "tunbridge-wells"
    assert default_slug({"area": "Testshire"}) == "testshire" and default_slug({}) == "default"
