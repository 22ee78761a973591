"""Notebook tests: execute each notebook with papermill and assert the values it records (nbval-lax runs
them as well, from `make test`)."""

from __future__ import annotations

import papermill as pm
import pytest

from healthintel import config
from healthintel.report import recorded_values

pytestmark = pytest.mark.slow


def test_quickstart_records_kent_and_medway_lsoas(tmp_path):
    out = tmp_path / "quickstart.ipynb"
    pm.execute_notebook(str(config.notebooks_dir() / "explore" / "quickstart.ipynb"), str(out),
                        kernel_name=config.KERNEL_NAME, cwd=str(config.project_root()), progress_bar=False)
    assert recorded_values(out) == {"lsoas": 1065}


def test_quickstart_parameters_change_the_result(tmp_path):
    out = tmp_path / "quickstart.ipynb"
    pm.execute_notebook(str(config.notebooks_dir() / "explore" / "quickstart.ipynb"), str(out),
                        parameters={"area": "Thanet", "n": 10}, kernel_name=config.KERNEL_NAME,
                        cwd=str(config.project_root()), progress_bar=False)
    assert recorded_values(out) == {"lsoas": 84}
