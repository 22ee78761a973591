"""Parameter inspection and validation, series loading, CLI parsing: nothing here starts a kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import typer
from typer.testing import CliRunner

from healthintel.errors import ParameterError, RenderError
from healthintel.render import (
    load_series,
    notebook_parameters,
    render_chapter,
    render_series,
    slugify,
    validate_parameters,
)
from healthintel.render.cli import parse_params, render
from healthintel.render.execute import ChapterResult

KENT_AND_MEDWAY = [
    "Kent", "Medway", "Ashford", "Canterbury", "Dartford", "Dover", "Folkestone and Hythe", "Gravesham",
    "Maidstone", "Sevenoaks", "Swale", "Thanet", "Tonbridge and Malling", "Tunbridge Wells",
]


def _typed_notebook(path: Path) -> Path:
    cell = nbformat.v4.new_code_cell(
        'rate = 0.5  # a float\nlabels = ["a", "b"]  # a list\nanything = None  # no type\nflag = True  # a bool'
    )
    cell.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nbformat.write(nb, str(path))
    return path


def test_notebook_parameters_reads_names_defaults_types_and_help(notebooks):
    params = notebook_parameters(notebooks / "chapters" / "fixture.ipynb")
    assert list(params)[:2] == ["area", "n"]
    assert params["area"]["default"] == "Kent" and params["area"]["type"] == "str"
    assert params["area"]["help"] == "area name"
    assert params["n"]["default"] == 3 and params["n"]["type"] == "int" and params["n"]["help"] == "an int"
    assert params["synthetic"]["type"] == "bool"


def test_validate_merges_defaults(notebooks):
    merged = validate_parameters(notebooks / "chapters" / "fixture.ipynb", {"area": "Dover"})
    assert merged == {"area": "Dover", "n": 3, "period": "2019", "synthetic": False}


def test_unknown_parameter_lists_valid_names_before_any_kernel(notebooks, reports, no_kernel):
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\) 'colour'.*valid parameters: area, n"):
        render_chapter("fixture", {"colour": "red"}, notebooks_dir=notebooks, reports_dir=reports)
    assert not reports.exists()


@pytest.mark.parametrize(
    "bad, expected",
    [({"n": "three"}, r"'n' expects int.*'three'"), ({"n": True}, r"'n' expects int"),
     ({"n": 2.5}, r"'n' expects int"), ({"area": 3}, r"'area' expects str.*3"),
     ({"synthetic": "yes"}, r"'synthetic' expects bool")],
)
def test_wrong_type_names_parameter_type_and_value(notebooks, reports, no_kernel, bad, expected):
    with pytest.raises(ParameterError, match=expected):
        render_chapter("fixture", bad, notebooks_dir=notebooks, reports_dir=reports)


def test_type_rules_int_for_float_none_accepts_anything(tmp_path):
    path = _typed_notebook(tmp_path / "typed.ipynb")
    merged = validate_parameters(path, {"rate": 1, "labels": ["x"], "anything": {"k": [1]}, "flag": False})
    assert merged == {"rate": 1, "labels": ["x"], "anything": {"k": [1]}, "flag": False}
    with pytest.raises(ParameterError, match="'labels' expects list"):
        validate_parameters(path, {"labels": "x"})
    with pytest.raises(ParameterError, match="'rate' expects float"):
        validate_parameters(path, {"rate": "0.5"})


def test_missing_chapter_lists_the_chapters(notebooks, no_kernel):
    with pytest.raises(RenderError, match="failing, figured, fixture"):
        render_chapter("nope", {}, notebooks_dir=notebooks)


def test_series_validates_everything_first(notebooks, reports, no_kernel):
    specs = [{"chapter": "fixture", "parameters": {"area": "Dover"}},
             {"chapter": "fixture", "parameters": {"area": "Thanet", "n": "x"}},
             {"chapter": "failing", "parameters": {"bogus": 1}}]
    with pytest.raises(ParameterError) as info:
        render_series(specs, notebooks_dir=notebooks, reports_dir=reports, progress=False)
    assert "2 problem(s)" in str(info.value) and "Thanet" in str(info.value) and "bogus" in str(info.value)
    assert not reports.exists()


def test_series_refuses_two_jobs_writing_the_same_report(notebooks, reports, no_kernel):
    specs = [{"chapter": "fixture", "parameters": {"area": "Dover"}},
             {"chapter": "fixture", "parameters": {"area": "Dover", "n": 4}}]
    with pytest.raises(ParameterError, match="give it a 'slug'"):
        render_series(specs, notebooks_dir=notebooks, reports_dir=reports, progress=False)


@pytest.mark.parametrize(
    "text, slug",
    [("Tunbridge Wells", "tunbridge-wells"), ("Folkestone and Hythe", "folkestone-and-hythe"),
     ("Kent", "kent"), ("  St. Helens/Ömega  ", "st-helens-omega"), ("2021/22", "2021-22"), ("", "default")],
)
def test_slugify(text, slug):
    assert slugify(text) == slug


def test_default_series_covers_kent_and_medway():
    specs = [s for s in load_series() if s["chapter"] == "deprivation_profile"]  # other chapters set own areas
    assert len(specs) == 14
    assert [s["parameters"]["area"] for s in specs] == KENT_AND_MEDWAY
    assert all("slug" not in s for s in specs)  # the slug is the area's


def test_series_yaml_expands_chapters_areas_and_periods(tmp_path):
    path = tmp_path / "series.yaml"
    path.write_text(
        "chapters:\n"
        "  fixture:\n    parameters: {n: 5}\n"
        "  failing:\n    areas: [Medway]\n    periods: null\n"
        "areas: [Kent, Tunbridge Wells]\n"
        "periods: ['2021/22', '2022/23']\n",
        encoding="utf-8",
    )
    specs = load_series(path)
    got = [(s["chapter"], s["parameters"].get("area"), s["parameters"].get("period"), s.get("slug")) for s in specs]
    assert got == [
        ("fixture", "Kent", "2021/22", "kent-2021-22"),
        ("fixture", "Kent", "2022/23", "kent-2022-23"),
        ("fixture", "Tunbridge Wells", "2021/22", "tunbridge-wells-2021-22"),
        ("fixture", "Tunbridge Wells", "2022/23", "tunbridge-wells-2022-23"),
        ("failing", "Medway", None, None),
    ]
    assert specs[0]["parameters"]["n"] == 5


def test_series_yaml_errors_are_render_errors(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("areas: [Kent]\n", encoding="utf-8")
    with pytest.raises(RenderError, match="'chapters'"):
        load_series(path)


def test_parse_params_reads_yaml_scalars():
    assert parse_params(["n=3", "area=Tunbridge Wells", "rate=0.5", "flag=true", "period=2021/22", "empty="]) == {
        "n": 3, "area": "Tunbridge Wells", "rate": 0.5, "flag": True, "period": "2021/22", "empty": ""}
    with pytest.raises(typer.BadParameter):
        parse_params(["no-equals"])


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("render")(render)
    return app


def test_cli_bad_parameter_exits_2_before_rendering(tmp_path, no_kernel):
    out = CliRunner().invoke(_app(), ["--chapter", "deprivation_profile", "--param", "bogus=1",
                                      "--reports-dir", str(tmp_path / "r")])
    assert out.exit_code == 2, out.output
    assert "bogus" in out.output and not (tmp_path / "r").exists()


def test_cli_exits_1_when_a_chapter_failed_and_writes_the_index(tmp_path, monkeypatch):
    import healthintel.render.series as series

    def fake(specs, **kw):
        return [ChapterResult(chapter=s["chapter"], slug=slugify(s["parameters"]["area"]), parameters=s["parameters"],
                              status="failed" if s["parameters"]["area"] == "Dover" else "ok",
                              html_path=None, notebook_path=None, error="RuntimeError: boom") for s in specs]

    monkeypatch.setattr(series, "render_series", fake)
    out = CliRunner().invoke(_app(), ["--area", "Dover", "--area", "kent", "--reports-dir", str(tmp_path / "r"),
                                      "--no-progress"])
    assert out.exit_code == 1, out.output
    assert "index.html" in out.output and "RuntimeError: boom" in out.output
    index = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert "Dover" in index and "Kent" in index and "failed" in index


def test_unknown_executor_is_refused_before_any_kernel(notebooks, reports, no_kernel):
    with pytest.raises(RenderError, match="executor must be one of process, dask"):
        render_series([{"chapter": "fixture", "parameters": {}}], executor="threads", notebooks_dir=notebooks,
                      reports_dir=reports, progress=False)


def test_cli_passes_executor_and_force(tmp_path, monkeypatch):
    import healthintel.render.series as series

    seen = {}

    def fake(specs, **kw):
        seen.update(kw)
        return [ChapterResult(chapter=s["chapter"], slug="kent", parameters=s["parameters"], status="skipped",
                              html_path=None, notebook_path=None) for s in specs]

    monkeypatch.setattr(series, "render_series", fake)
    out = CliRunner().invoke(_app(), ["--chapter", "fixture", "--area", "Kent", "--executor", "dask", "--force",
                                      "--reports-dir", str(tmp_path / "r"), "--no-progress"],
                             env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert seen["executor"] == "dask" and seen["force"] is True
    assert "skipped (unchanged)" in out.output
