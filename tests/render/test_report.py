"""healthintel.report helpers, called in-process with display() captured."""

from __future__ import annotations

import nbformat
import numpy as np
import pytest

from healthintel import report
from healthintel.render.export import is_synthetic


@pytest.fixture
def shown(monkeypatch):
    calls = []
    monkeypatch.setattr(report, "_display", lambda obj, **kw: calls.append((obj, kw)))
    return calls


def test_record_is_hidden_json_and_reads_back(shown, tmp_path):
    report.record("answer", np.int64(6))
    report.record("share", np.float64(0.25))
    (first, kw), (second, _) = shown
    assert first == {report.RECORD_MIMETYPE: {"answer": 6}} and kw == {"raw": True}
    assert type(first[report.RECORD_MIMETYPE]["answer"]) is int  # plain JSON, not numpy

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data=obj) for obj, _ in shown]
    nb.cells = [cell]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(path))
    assert report.recorded_values(path) == {"answer": 6, "share": 0.25}


def test_record_refuses_values_json_cannot_hold(shown):
    with pytest.raises(TypeError):
        report.record("bad", object())


def test_mark_synthetic_shows_a_note_and_flags_the_output(shown):
    report.mark_synthetic("made-up <numbers>")
    (data, kw), = shown
    assert "Synthetic data: made-up &lt;numbers&gt;" in data["text/html"]
    assert kw["metadata"]["healthintel"]["synthetic"] is True
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data, metadata=kw["metadata"])]
    nb.cells = [cell]
    assert is_synthetic(nb)


def test_callout_kinds(shown):
    report.callout("Author's text goes here", kind="placeholder")
    (data, _), = shown
    assert "healthintel-callout-placeholder" in data["text/html"]
    assert "Author&#x27;s text goes here" in data["text/html"]
    with pytest.raises(ValueError, match="note, method, warning, placeholder"):
        report.callout("x", kind="shout")


def test_mark_synthetic_does_not_repeat_its_prefix(shown):
    report.mark_synthetic("Synthetic data: deaths are simulated.")
    (data, _), = shown
    assert data["text/html"].count("Synthetic data:") == 1 and "deaths are simulated." in data["text/html"]
