"""The optional extras (issue 15 item 5): `make report` installs neither Playwright (``pdf``) nor dask.distributed
(``dask``); asking for what needs one fails before anything renders, with a healthintel error naming the
``pip install 'healthintel[EXTRA]'`` to run. Nothing here starts a kernel; a missing package is simulated with
``sys.modules[name] = None`` (what ``import name`` then refuses)."""

from __future__ import annotations

import html
import sys

import pytest
from typer.testing import CliRunner

from healthintel.cli import app
from healthintel.errors import HealthIntelError, MissingExtraError
from healthintel.render import pdf, render_series
from healthintel.render.execute import ChapterResult
from healthintel.render.extras import EXTRAS, installed, require_extra


@pytest.fixture
def without(monkeypatch):
    """``without("distributed")``: that package (and its submodules) cannot be imported for the test."""

    def hide(name: str) -> None:
        for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            monkeypatch.delitem(sys.modules, loaded)
        monkeypatch.setitem(sys.modules, name, None)

    return hide


def _output(result) -> str:
    return " ".join(html.unescape(result.output).split())


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_a_missing_extra_names_the_install_command(extra, without):
    module = EXTRAS[extra][0]
    without(module)
    assert not installed(module)
    with pytest.raises(MissingExtraError) as info:
        require_extra(extra)
    err = info.value
    assert isinstance(err, HealthIntelError) and isinstance(err, ImportError)
    assert f"pip install 'healthintel[{extra}]'" in str(err) and f"-e '.[{extra}]'" in str(err)
    assert err.extra == extra and err.name == module and sys.prefix in str(err)


def test_an_installed_extra_passes(monkeypatch):
    monkeypatch.setitem(EXTRAS, "json", ("json", "a test"))
    require_extra("json")  # no error: json is importable
    assert installed("json") and not installed("healthintel_no_such_module")


@pytest.mark.parametrize("how", [{"executor": "dask"}, {"scheduler": "tcp://127.0.0.1:1"}, {"scheduler": "local"}])
def test_the_dask_executor_without_distributed_fails_before_any_kernel(how, notebooks, reports, no_kernel, without):
    without("distributed")
    with pytest.raises(MissingExtraError, match=r"pip install 'healthintel\[dask\]'"):
        render_series([{"chapter": "fixture", "parameters": {}}], notebooks_dir=notebooks, reports_dir=reports,
                      progress=False, **how)
    assert not reports.exists()


def test_the_process_executor_does_not_need_distributed(notebooks, reports, no_kernel, without, monkeypatch):
    import healthintel.render.series as series

    without("distributed")
    ran = []
    monkeypatch.setattr(series, "_run_in_process", lambda specs, todo, kw, results, bar: ran.extend(todo))
    render_series([{"chapter": "fixture", "parameters": {}}], jobs=1, notebooks_dir=notebooks, reports_dir=reports,
                  progress=False, force=True)
    assert ran == [0]


def test_cli_executor_dask_without_distributed_exits_2(no_kernel, without, tmp_path):
    without("distributed")
    out = CliRunner().invoke(app, ["render", "--chapter", "deprivation_profile", "--area", "Kent", "--executor",
                                   "dask", "--reports-dir", str(tmp_path / "r"), "--no-progress"],
                             env={"COLUMNS": "300"})
    assert out.exit_code == 2, out.output
    assert "pip install 'healthintel[dask]'" in _output(out) and "Traceback" not in out.output


@pytest.mark.parametrize("fmt", ["pdf", "both"])
def test_cli_format_pdf_without_playwright_exits_2_before_rendering(fmt, no_kernel, without, tmp_path):
    without("playwright")
    out = CliRunner().invoke(app, ["render", "--chapter", "deprivation_profile", "--area", "Kent", "--format", fmt,
                                   "--reports-dir", str(tmp_path / "r"), "--no-progress"], env={"COLUMNS": "300"})
    assert out.exit_code == 2, out.output
    text = _output(out)
    assert "--format pdf" in text and "pip install 'healthintel[pdf]'" in text and "Traceback" not in out.output
    assert not (tmp_path / "r").exists()  # nothing rendered, no index written


def test_print_reports_without_playwright_is_a_pdf_error_naming_the_extra(tmp_path, without):
    without("playwright")
    page = tmp_path / "kent.html"
    page.write_text("<html><body>x</body></html>")
    result = ChapterResult(chapter="fixture", slug="kent", parameters={"area": "Kent"}, status="ok",
                           html_path=page, notebook_path=None)
    assert pdf.print_reports([result]) == [result]
    assert "pip install 'healthintel[pdf]'" in (result.pdf_error or "") and result.pdf_path is None
