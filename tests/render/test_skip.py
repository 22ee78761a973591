"""Skip unchanged: a chapter whose notebook, parameters, healthintel code and raw-data checksums are unchanged is
not executed again (unless forced); the index keeps the result of the run that wrote the report."""

from __future__ import annotations

import json

import nbformat
import pytest
import typer
from typer.testing import CliRunner

from healthintel.render import cache, render_chapter, render_series, write_index
from healthintel.render.cli import render
from healthintel.render.site import read_state

from .conftest import leftovers

FIXTURE = {"chapter": "fixture", "parameters": {"area": "Dover"}}


def _series(notebooks, reports, specs=(FIXTURE,), **kw):
    results = render_series([dict(s) for s in specs], jobs=1, notebooks_dir=notebooks, reports_dir=reports,
                            progress=False, **kw)
    write_index(results, reports)
    return results


# ------------------------------------------------------------------------------------------ the hash, no kernel
def test_hash_parts_change_with_each_input(notebooks, tmp_path, monkeypatch):
    source = notebooks / "chapters" / "fixture.ipynb"
    raw = tmp_path / "raw"
    raw.mkdir()
    monkeypatch.setenv("HEALTHINTEL_RAW_DIR", str(raw))
    base = cache.chapter_hash(source, {"area": "Dover", "n": 3}, kernel="healthintel", threshold=5)
    assert base["data"] == "no-manifest" and len(base["hash"]) == 64
    assert cache.chapter_hash(source, {"n": 3, "area": "Dover"}, kernel="healthintel", threshold=5) == base

    def key(params, threshold=5):
        return cache.chapter_hash(source, params, kernel="healthintel", threshold=threshold)["hash"]

    assert key({"area": "Dover", "n": 4}) != base["hash"]
    assert key({"area": "Dover", "n": 3}, threshold=10) != base["hash"]

    manifest = {"files": {"imd": {"path": "imd.csv", "sha256": "aa", "fetched_at": "2026-01-01T00:00:00"}}}
    (raw / "MANIFEST.json").write_text(json.dumps(manifest))
    with_data = cache.chapter_hash(source, {"area": "Dover", "n": 3}, kernel="healthintel", threshold=5)
    assert with_data["hash"] != base["hash"]
    manifest["files"]["imd"]["fetched_at"] = "2026-02-02T00:00:00"  # re-fetched, same bytes: same hash
    (raw / "MANIFEST.json").write_text(json.dumps(manifest))
    assert cache.chapter_hash(source, {"area": "Dover", "n": 3}, kernel="healthintel", threshold=5) == with_data
    manifest["files"]["imd"]["sha256"] = "bb"
    (raw / "MANIFEST.json").write_text(json.dumps(manifest))
    assert cache.chapter_hash(source, {"area": "Dover", "n": 3}, kernel="healthintel", threshold=5) != with_data

    nb = nbformat.read(str(source), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("An edit."))
    nbformat.write(nb, str(source))
    assert cache.chapter_hash(source, {"area": "Dover", "n": 3}, kernel="healthintel", threshold=5) != with_data


def test_code_hash_covers_package_sources_and_data(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "render" / "templates").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "render" / "templates" / "page.html.j2").write_text("<p>")
    code_hash = cache.code_hash.__wrapped__  # not the per-process cache
    first = code_hash(str(pkg))
    (pkg / "render" / "templates" / "page.html.j2").write_text("<p>changed")
    second = code_hash(str(pkg))
    assert second != first
    (pkg / "a.py").write_text("x = 2\n")
    assert code_hash(str(pkg)) != second
    third = code_hash(str(pkg))
    (pkg / "notes.txt").write_text("not package code")
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "a.py").write_text("compiled")
    assert code_hash(str(pkg)) == third


# ----------------------------------------------------------------------------------------- with a kernel
@pytest.mark.slow
def test_second_run_skips_and_index_keeps_the_previous_result(notebooks, reports):
    first, = _series(notebooks, reports)
    assert first.status == "ok"
    html = first.html_path
    stamp = html.stat().st_mtime_ns
    stored = json.loads((reports / "fixture" / "dover.hash").read_text())
    assert stored["result"]["status"] == "ok" and len(stored["hash"]) == 64

    second, = _series(notebooks, reports)
    assert second.status == "skipped" and second.ok and second.skipped
    assert second.html_path == html and html.stat().st_mtime_ns == stamp  # nothing was rewritten
    assert second.rendered_at == first.rendered_at and second.seconds == first.seconds
    entry = read_state(reports)["fixture/dover"]
    assert entry["status"] == "ok" and entry["rendered_at"] == first.rendered_at
    assert entry["html"] == "fixture/dover.html"
    assert leftovers(reports) == []


@pytest.mark.slow
def test_changed_parameter_or_notebook_re_renders_and_force_re_renders(notebooks, reports):
    first, = _series(notebooks, reports)
    changed, = _series(notebooks, reports, specs=[{"chapter": "fixture", "parameters": {"area": "Dover", "n": 4}}])
    assert changed.status == "ok" and changed.rendered_at >= first.rendered_at
    assert "8" in changed.html_path.read_text()

    source = notebooks / "chapters" / "fixture.ipynb"
    nb = nbformat.read(str(source), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("## Added section\n\nNew text after an edit."))
    nbformat.write(nb, str(source))
    edited, = _series(notebooks, reports, specs=[{"chapter": "fixture", "parameters": {"area": "Dover", "n": 4}}])
    assert edited.status == "ok" and "New text after an edit." in edited.html_path.read_text()

    again, = _series(notebooks, reports, specs=[{"chapter": "fixture", "parameters": {"area": "Dover", "n": 4}}])
    assert again.status == "skipped"
    forced, = _series(notebooks, reports, specs=[{"chapter": "fixture", "parameters": {"area": "Dover", "n": 4}}],
                      force=True)
    assert forced.status == "ok"
    # render_chapter alone honours the hash too
    assert render_chapter("fixture", {"area": "Dover", "n": 4}, notebooks_dir=notebooks,
                          reports_dir=reports).status == "skipped"


@pytest.mark.slow
def test_missing_html_or_failed_run_is_not_skipped(notebooks, reports):
    first, = _series(notebooks, reports)
    first.html_path.unlink()  # someone deleted the report: the hash alone does not vouch for it
    again, = _series(notebooks, reports)
    assert again.status == "ok" and again.html_path.is_file()

    failed, = _series(notebooks, reports, specs=[{"chapter": "failing", "parameters": {"area": "Dover"}}])
    assert failed.status == "failed" and not (reports / "failing" / "dover.hash").exists()
    failing = [{"chapter": "failing", "parameters": {"area": "Dover"}}]
    assert _series(notebooks, reports, specs=failing)[0].status == "failed"


@pytest.mark.slow
def test_cli_summary_says_skipped_and_force_re_renders(notebooks, reports, tmp_path, monkeypatch):
    series = tmp_path / "series.yaml"
    series.write_text("chapters:\n  fixture: {}\nareas: [Dover]\n", encoding="utf-8")
    app = typer.Typer()
    app.command("render")(render)
    args = ["--series", str(series), "--reports-dir", str(reports), "--no-progress", "--jobs", "1"]
    import healthintel.config as config

    monkeypatch.setattr(config, "notebooks_dir", lambda: notebooks)
    run = lambda extra=(): CliRunner().invoke(app, args + list(extra), env={"COLUMNS": "200"})  # noqa: E731
    out = run()
    assert out.exit_code == 0, out.output
    assert "1 ok" in out.output
    out = run()
    assert out.exit_code == 0, out.output
    assert "skipped (unchanged)" in out.output and "0 ok, 1 skipped (unchanged)" in out.output
    out = run(["--force"])
    assert out.exit_code == 0 and "1 ok" in out.output and "skipped (unchanged)" not in out.output, out.output


@pytest.mark.slow
def test_a_refreshed_input_outside_raw_re_renders(notebooks, reports, tmp_path):
    """A chapter that records ``render_inputs`` (as the outcomes tracker does for the Fingertips cache entries it
    read) is skipped while those files are unchanged and re-rendered when one of them changes."""
    entry = tmp_path / "interim" / "response.body"
    entry.parent.mkdir()
    entry.write_text("first response")
    spec = {"chapter": "reads_cache", "parameters": {"area": "Dover", "input_path": str(entry)}}
    first, = _series(notebooks, reports, specs=[spec])
    assert first.status == "ok", first.error
    stored = json.loads((reports / "reads_cache" / "dover.hash").read_text())
    assert stored["inputs"] == [{"path": str(entry), "sha256": cache._sha(b"first response")}]

    second, = _series(notebooks, reports, specs=[spec])
    assert second.status == "skipped"

    entry.write_text("refreshed response")
    third, = _series(notebooks, reports, specs=[spec])
    assert third.status == "ok" and not third.skipped
    assert "refreshed response" in third.html_path.read_text()
