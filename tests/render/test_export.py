"""HTML export of an executed notebook built in memory (no kernel): what a reviewer may and may not see."""

from __future__ import annotations

import base64

import nbformat
import pytest

import healthintel
from healthintel.render.export import (
    atomic_write,
    clean_for_report,
    export_html,
    is_synthetic,
    notebook_title,
    table_of_contents,
)
from healthintel.report import RECORD_MIMETYPE

from .conftest import leftovers

PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()


def executed_notebook(synthetic_output: bool = False):
    v4 = nbformat.v4
    nb = v4.new_notebook()
    code = v4.new_code_cell("secret = compute_things()  # CODE_SOURCE_MARKER", execution_count=2)
    code.outputs = [
        v4.new_output("stream", name="stdout", text="hello reviewers\n"),
        v4.new_output("stream", name="stderr", text="UserWarning: STDERR_WARNING_MARKER\n"),
        v4.new_output("display_data", data={RECORD_MIMETYPE: {"answer": 6}}),
        v4.new_output("display_data", data={"image/png": PNG, "text/plain": "Bar chart of values by quintile"}),
        v4.new_output("execute_result", data={"text/plain": "42"}, execution_count=2),
    ]
    if synthetic_output:
        code.outputs.append(v4.new_output("display_data", data={"text/html": "<p>made up</p>"},
                                          metadata={"healthintel": {"synthetic": True}}))
    silent = v4.new_code_cell("import pandas as pd  # SILENT_CELL_MARKER", execution_count=1)
    nb.cells = [
        v4.new_markdown_cell("# My chapter\n\nIntro text."),
        silent,
        v4.new_markdown_cell("## First section\n\nBody."),
        code,
        v4.new_markdown_cell("### A detail"),
        v4.new_markdown_cell("## Second & last"),
    ]
    return nb


def test_title_from_metadata_else_first_h1():
    nb = executed_notebook()
    assert notebook_title(nb) == "My chapter"
    nb.metadata["healthintel"] = {"title": "From metadata"}
    assert notebook_title(nb) == "From metadata"


def test_synthetic_from_metadata_or_any_output():
    assert not is_synthetic(executed_notebook())
    assert is_synthetic(executed_notebook(synthetic_output=True))
    nb = executed_notebook()
    nb.metadata["healthintel"] = {"synthetic": True}
    assert is_synthetic(nb)


def test_clean_removes_stderr_records_and_output_less_cells():
    cleaned = clean_for_report(executed_notebook(), "My chapter")
    texts = nbformat.writes(cleaned)
    assert "STDERR_WARNING_MARKER" not in texts and RECORD_MIMETYPE not in texts
    assert "SILENT_CELL_MARKER" not in texts
    assert "# My chapter" not in texts  # the page header shows the title once


def test_table_of_contents_is_nested_and_matches_nbconvert_ids():
    toc = table_of_contents(clean_for_report(executed_notebook(), "My chapter"))
    assert [(t["text"], t["id"]) for t in toc] == [("First section", "First-section"),
                                                  ("Second & last", "Second-&-last")]
    assert [c["text"] for c in toc[0]["children"]] == ["A detail"]


@pytest.fixture
def page() -> str:
    return export_html(executed_notebook(), parameters={"area": "Tunbridge Wells", "period": "2021/22", "n": 3},
                       chapter="demo", kernel="healthintel", rendered_at="2026-01-02T03:04:05+00:00")


def test_page_has_no_code_no_stderr_no_record(page):
    body = page[page.index("<body"):]  # the head only has the lab theme CSS
    assert "CODE_SOURCE_MARKER" not in page and "compute_things" not in page and "SILENT_CELL_MARKER" not in page
    assert 'class="jp-InputArea' not in page and 'class="jp-InputPrompt' not in page and "In&nbsp;[" not in page
    assert "Out[" not in body and "In [" not in body and "jp-OutputPrompt" not in body and "cm-editor" not in body
    assert "jp-InputArea" not in body and "highlight" not in body
    assert "STDERR_WARNING_MARKER" not in page and "Traceback" not in page
    assert '"answer"' not in page and RECORD_MIMETYPE not in page
    assert "hello reviewers" in page and "42" in page


def test_page_header_title_toc_footer(page):
    assert '<html lang="en">' in page
    assert "<title>My chapter — Tunbridge Wells — 2021/22</title>" in page
    assert page.count("<h1") == 1 and "<h1>My chapter</h1>" in page
    assert "Tunbridge Wells" in page and "2021/22" in page
    assert '<a href="#First-section">First section</a>' in page and 'id="First-section"' in page
    assert '<a href="#Second-&amp;-last">Second &amp; last</a>' in page
    footer = page[page.index('<footer class="hi-footer">'):]
    assert f"version {healthintel.__version__}" in footer and "<dt>Commit</dt>" in footer
    assert "2026-01-02T03:04:05+00:00" in footer and "<code>healthintel</code>" in footer
    assert "<code>area</code></th><td>Tunbridge Wells</td>" in footer and "<code>n</code></th><td>3</td>" in footer
    assert "SYNTHETIC DATA" not in page


def test_headings_are_in_order(page):
    import re

    levels = [int(h) for h in re.findall(r"<h([1-6])[\s>]", page[page.index("<body"):])]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels


def test_images_keep_alt_text(page):
    assert 'alt="Bar chart of values by quintile"' in page and 'alt=""' not in page


def test_synthetic_banner():
    page = export_html(executed_notebook(synthetic_output=True), parameters={"area": "Kent"})
    assert '<div class="hi-synthetic" role="alert">' in page and "SYNTHETIC DATA" in page


def test_atomic_write_replaces_whole_or_leaves_old(tmp_path):
    target = tmp_path / "out" / "page.html"
    atomic_write(target, "first")
    assert target.read_text() == "first"
    with pytest.raises(TypeError):
        atomic_write(target, object())  # fails after the temp file exists
    assert target.read_text() == "first" and leftovers(tmp_path) == []
