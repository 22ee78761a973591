"""End-to-end: fixture chapters executed by papermill in the healthintel kernel, exported and indexed."""

from __future__ import annotations

import json
import re

import nbformat
import pytest

import healthintel
from healthintel.render import render_chapter, render_series, write_index
from healthintel.render.site import read_state
from healthintel.report import recorded_values

from .conftest import leftovers

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The fixture chapter rendered once for Tunbridge Wells (in-process)."""
    import shutil

    from .conftest import FIXTURES

    root = tmp_path_factory.mktemp("render")
    shutil.copytree(FIXTURES, root / "notebooks")
    result = render_chapter("fixture", {"area": "Tunbridge Wells"}, notebooks_dir=root / "notebooks",
                            reports_dir=root / "reports")
    return root, result


def test_render_chapter_writes_notebook_and_html(rendered):
    root, result = rendered
    assert result.status == "ok", result.error
    assert result.slug == "tunbridge-wells" and result.error is None
    assert result.html_path == root / "reports" / "fixture" / "tunbridge-wells.html"
    assert result.notebook_path == root / "reports" / "fixture" / "tunbridge-wells.ipynb"
    assert result.html_path.is_file() and result.notebook_path.is_file()
    assert result.title == "Fixture chapter" and result.synthetic is False and result.seconds > 0
    assert result.parameters == {"area": "Tunbridge Wells", "n": 3, "period": "2019", "synthetic": False}
    assert leftovers(root / "reports") == []


def test_recorded_values(rendered):
    assert recorded_values(rendered[1].notebook_path) == {"answer": 6}


def test_executed_notebook_keeps_code_and_stderr_for_analysts(rendered):
    nb = nbformat.read(str(rendered[1].notebook_path), as_version=4)
    text = nbformat.writes(nb)
    assert "CODE_SOURCE_MARKER" in text and "STDERR_WARNING_MARKER" in text
    assert nb.metadata["papermill"]["parameters"]["area"] == "Tunbridge Wells"


def test_html_has_outputs_but_no_code_traceback_or_warnings(rendered):
    html = rendered[1].html_path.read_text(encoding="utf-8")
    body = html[html.index("<body"):]
    assert "printed for Tunbridge Wells" in body
    assert "<table" in body and "quintile" in body  # the DataFrame
    assert "Method described here." in body  # the callout
    for leaked in ["CODE_SOURCE_MARKER", "import pandas", "report.record", "warnings.warn", "display(frame)",
                   "Traceback", "STDERR_WARNING_MARKER", "UserWarning", "application/vnd.healthintel",
                   "jp-InputArea", "jp-InputPrompt", "In&nbsp;[", "Out["]:
        assert leaked not in body, leaked


def test_html_title_header_toc_footer(rendered):
    html = rendered[1].html_path.read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert "<title>Fixture chapter — Tunbridge Wells — 2019</title>" in html
    assert "<h1>Fixture chapter</h1>" in html and html.count("<h1") == 1
    toc = re.search(r"<nav[^>]*hi-toc.*?</nav>", html, re.DOTALL).group(0)
    assert '<a href="#Results">Results</a>' in toc and '<a href="#Method-notes">Method notes</a>' in toc
    assert 'id="Results"' in html and 'id="Method-notes"' in html
    footer = html[html.index('<footer class="hi-footer">'):]
    assert f"version {healthintel.__version__}" in footer
    commit = re.search(r"<dt>Commit</dt><dd><code>([^<]+)</code>", footer).group(1)
    assert commit == "unknown" or re.fullmatch(r"[0-9a-f]{7,12}", commit)
    assert "<code>healthintel</code>" in footer  # the kernel
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", footer)
    assert "<code>area</code></th><td>Tunbridge Wells</td>" in footer and "<code>n</code></th><td>3</td>" in footer
    assert "SYNTHETIC DATA" not in html


def test_synthetic_banner_when_flagged(notebooks, reports):
    result = render_chapter("fixture", {"area": "Kent", "synthetic": True}, notebooks_dir=notebooks,
                            reports_dir=reports)
    assert result.status == "ok" and result.synthetic is True
    html = result.html_path.read_text(encoding="utf-8")
    assert '<div class="hi-synthetic" role="alert">' in html and "SYNTHETIC DATA" in html
    assert "fixture data is made up" in html  # mark_synthetic's visible note
    index = write_index([result], reports).read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" in index


def test_series_failure_does_not_stop_the_others_and_index_links_exist(notebooks, reports):
    stale = reports / "failing" / "medway.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("<html>an old report</html>", encoding="utf-8")

    specs = [{"chapter": "failing", "parameters": {"area": "Medway"}},
             {"chapter": "fixture", "parameters": {"area": "Dover", "n": 5}}]
    results = render_series(specs, jobs=2, notebooks_dir=notebooks, reports_dir=reports, progress=True)
    failed, ok = results  # in the order given
    assert ok.status == "ok" and ok.html_path.is_file(), ok.error
    assert recorded_values(ok.notebook_path) == {"answer": 10}

    assert failed.status == "failed" and failed.html_path is None
    assert failed.error == "RuntimeError: boom for Medway"
    assert not stale.exists()  # a reviewer never reads an out-of-date report as current
    kept = nbformat.read(str(failed.notebook_path), as_version=4)
    errors = [o for c in kept.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "RuntimeError"
    assert leftovers(reports) == []

    index_path = write_index(results, reports)
    assert index_path == reports / "index.html"
    index = index_path.read_text(encoding="utf-8")
    assert "Medway" in index and "Dover" in index
    assert 'status-failed">failed' in index and 'status-ok">ok' in index
    assert "RuntimeError: boom for Medway" in index
    links = re.findall(r'href="([^"#]+)"', index)
    assert "fixture/dover.html" in links and "status.html" in links and "failing/medway.html" not in links
    status = (reports / "status.html").read_text(encoding="utf-8")  # the full table: notebooks and errors
    assert "RuntimeError: boom for Medway" in status
    status_links = re.findall(r'href="([^"#]+)"', status)
    assert "fixture/dover.html" in status_links and "fixture/dover.ipynb" in status_links
    assert "failing/medway.ipynb" in status_links and "failing/medway.html" not in status_links
    for link in links + status_links:
        assert (reports / link).is_file(), link


def test_index_merges_runs(notebooks, reports):
    first = render_chapter("fixture", {"area": "Dover"}, notebooks_dir=notebooks, reports_dir=reports)
    write_index([first], reports)
    second = render_chapter("failing", {"area": "Swale"}, notebooks_dir=notebooks, reports_dir=reports)
    write_index([second], reports)
    state = read_state(reports)
    assert set(state) == {"fixture/dover", "failing/swale"}
    assert state["fixture/dover"]["status"] == "ok" and state["failing/swale"]["status"] == "failed"
    assert json.loads((reports / "index.json").read_text())["version"] == 1
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "fixture/dover.html" in index and "Swale" in index


def test_series_on_a_local_dask_cluster(notebooks, reports):
    specs = [{"chapter": "fixture", "parameters": {"area": "Thanet"}},
             {"chapter": "failing", "parameters": {"area": "Swale"}}]
    ok, failed = render_series(specs, jobs=2, scheduler="local", notebooks_dir=notebooks, reports_dir=reports,
                               progress=False)
    assert ok.status == "ok" and ok.html_path.is_file(), ok.error
    assert failed.status == "failed" and failed.error == "RuntimeError: boom for Swale"


def test_export_failure_is_a_failed_result_and_drops_the_stale_html(notebooks, reports, monkeypatch):
    import healthintel.render.execute as execute

    first = render_chapter("fixture", {"area": "Dover"}, notebooks_dir=notebooks, reports_dir=reports)
    assert first.html_path.is_file()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(execute, "write_html", broken)
    second = render_chapter("fixture", {"area": "Dover", "n": 4}, notebooks_dir=notebooks, reports_dir=reports)
    assert second.status == "failed" and second.error == "export failed: OSError: disk full"
    assert not first.html_path.exists() and second.html_path is None
    assert recorded_values(second.notebook_path) == {"answer": 8}  # the new executed notebook is kept
    assert leftovers(reports) == []
