"""Project contract: environment.yml mirrors pyproject, CLI entry points, notebooks are thin and stripped."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from healthintel import config

ROOT = config.project_root()


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r): r for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    wanted |= {_name(r): r for r in project["optional-dependencies"]["growth"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip |= {_name(r): r for r in dep["pip"] if not r.startswith("-")}
        else:
            conda[_name(dep)] = dep
    have = {k: v for k, v in (conda | pip).items() if k not in ("python", "pip")}
    assert set(have) == set(wanted), (f"only in environment.yml: {set(have) - set(wanted)}; "
                                      f"only in pyproject: {set(wanted) - set(have)}")
    for name, req in wanted.items():
        spec = req[len(name):].replace(" ", "")
        assert have[name].replace(" ", "")[len(name):] == spec, f"{name}: {have[name]!r} vs {req!r}"


#: What `make report` must not install (issue 15 item 5): the test and lint tools, Playwright and dask.
NOT_FOR_REPORT = {"pytest", "pytest-xdist", "hypothesis", "nbval", "playwright", "ruff", "mypy", "radon",
                  "pandas-stubs", "types-pyyaml", "dask", "distributed"}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_runtime_dependencies_hold_no_test_tools_and_dev_holds_every_extra():
    project = _project()
    runtime = {_name(r) for r in project["dependencies"]}
    assert not runtime & NOT_FOR_REPORT, f"runtime dependencies that belong in an extra: {runtime & NOT_FOR_REPORT}"
    extras = project["optional-dependencies"]
    dev = set(extras["dev"])
    for extra in ("pdf", "dask"):
        assert set(extras[extra]) <= dev, f"make test must cover the {extra} extra: {set(extras[extra]) - dev}"
    assert {_name(r) for r in extras["pdf"]} == {"playwright"} and {_name(r) for r in extras["dask"]} == {"distributed"}


def test_supported_pythons_are_311_to_313():
    project = _project()
    assert project["requires-python"] == ">=3.11,<3.14"
    prefix = "Programming Language :: Python :: 3."
    versions = {c.rsplit(" :: ", 1)[-1] for c in project["classifiers"] if c.startswith(prefix)}
    assert versions == {"3.11", "3.12", "3.13"}


def _make(tmp_path, *targets: str) -> str:
    """What ``make -n TARGETS`` would run with the venv in ``tmp_path/venv`` (nothing is executed)."""
    out = subprocess.run(["make", "-n", "-C", str(ROOT), *targets, f"VENV={tmp_path / 'venv'}"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _stamp(tmp_path, *names: str) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True, exist_ok=True)
    (venv / "bin" / "python").touch()
    newer = (ROOT / "pyproject.toml").stat().st_mtime + 10
    for name in names:
        (venv / name).touch()
        os.utime(venv / name, (newer, newer))


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_report_installs_the_runtime_and_make_test_the_dev_extras(tmp_path):
    report = _make(tmp_path, "report")
    assert re.search(r"pip install -e \"\.\[growth\]\"", report), report
    assert "[dev" not in report and "healthintel render" in report
    assert re.search(r"pip install -e \"\.\[dev,growth\]\"", _make(tmp_path, "lint"))
    _stamp(tmp_path, ".installed-report")  # after `make report`: make test adds the dev extras
    assert "pip install -e \".[dev,growth]\"" in _make(tmp_path, "lint")
    assert "pip install" not in _make(tmp_path, "report")
    _stamp(tmp_path, ".installed-dev", ".installed-report")  # after `make test`: make report installs nothing
    assert "pip install" not in _make(tmp_path, "report") + _make(tmp_path, "lint")


def test_cli_help_and_offline_fetch_error(tmp_path):
    exe = Path(sys.executable).parent / "healthintel"
    out = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "render" in out.stdout and "data" in out.stdout
    env = {"HEALTHINTEL_RAW_DIR": str(tmp_path / "raw"), "HEALTHINTEL_DATA_MIRROR": "", "PATH": "/usr/bin:/bin"}
    res = subprocess.run([exe, "data", "fetch", "--offline", "-d", "imd2019_index"], capture_output=True, text=True,
                         env=env)
    assert res.returncode == 1
    assert "imd2019_index" in res.stderr and "HEALTHINTEL_DATA_MIRROR" in res.stderr


def test_notebooks_are_stripped_and_thin():
    notebooks = sorted((ROOT / "notebooks").rglob("*.ipynb"))
    assert len(notebooks) >= 2
    for path in notebooks:
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), f"{path} has outputs"
        tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path} needs exactly one parameters cell"
        # chapters: typed as papermill reads them (name: type = literal  # help); explore notebooks may omit the type
        pattern = r"^\w+: [^=]+ = .+  # .+" if path.parent.name == "chapters" else r"^\w+(: [^=]+)? = .+  # .+"
        for line in "".join(tagged[0]["source"]).splitlines():
            assert re.match(pattern, line), f"{path}: parameter line without type, literal and comment: {line}"
        for c in code:
            src = "".join(c["source"])
            assert not re.search(r"^\s*(def|class|for|while) ", src, re.M), f"{path}: logic in a notebook cell"
        assert nb["metadata"]["kernelspec"]["name"] == "healthintel"


def test_chapter_notebooks_are_parameters_then_library_calls():
    """A chapter notebook is a parameters cell, ``ch = chapters.<name>.build(...)`` and one call per table,
    paragraph or figure: no branching, loops, comprehensions or pandas in its cells."""
    for path in sorted((ROOT / "notebooks" / "chapters").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
                and "parameters" not in c.get("metadata", {}).get("tags", [])]
        text = "\n".join(code)
        assert f"chapters.{path.stem}.build(" in text, f"{path}: does not build its chapter"
        for pattern, what in [(r"^\s*(if|elif|else|for|while|try|with)\b", "control flow"),
                              (r"\bfor\b .+\bin\b", "a comprehension"), (r"\bimport pandas\b|\bpd\.", "pandas"),
                              (r"\blambda\b", "a lambda")]:
            assert not re.search(pattern, text, re.M), f"{path}: {what} in a notebook cell"


def test_papermill_reads_a_type_and_help_for_every_chapter_parameter():
    import papermill

    for path in sorted((ROOT / "notebooks" / "chapters").glob("*.ipynb")):
        params = papermill.inspect_notebook(str(path))
        assert params, f"{path}: no parameters"
        for name, info in params.items():
            assert info["inferred_type_name"] not in (None, "None"), f"{path}: {name} has no type"
            assert info["help"], f"{path}: {name} has no help text"
