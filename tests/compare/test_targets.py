"""Targets registry and progress rule (met / on track / off track / no data)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from healthintel.compare import load_targets, target_progress
from healthintel.errors import InvalidInputError


def test_registry_holds_the_first_users_indicators():
    reg = load_targets()
    ids = set(reg["id"])
    assert {"G.2-LE-M", "G.2-SII-F", "1.2-HW", "1.2-SO", "1.3", "1.15", "3.1", "3.3", "3.4"} <= ids
    row = reg.set_index("id").loc["1.3"]
    assert (row["baseline_value"], row["goal_value"], row["polarity"]) == (13.2, 10.0, "low_is_good")
    assert reg.set_index("id").loc["1.15", "goal_value"] == 6.0
    assert reg.set_index("id").loc["G.2-LE-M", "fingertips_id"] == 90366


def _progress(rows):
    return target_progress(pd.DataFrame(rows, columns=["id", "period", "value"]))


def test_progress_rule():
    # smoking at delivery 10.2 (2021/22) -> 6.0 (2028/29): trajectory at 2024/25 = 10.2 - 4.2*3/7 = 8.4
    out = _progress([["1.15", "2021/22", 10.2], ["1.15", "2024/25", 8.3]]).set_index("id")
    assert out.loc["1.15", "required_value"] == pytest.approx(8.4)
    assert out.loc["1.15", "progress"] == "on track"
    assert _progress([["1.15", "2024/25", 8.6]]).set_index("id").loc["1.15", "progress"] == "off track"
    assert _progress([["1.15", "2024/25", 5.9]]).set_index("id").loc["1.15", "progress"] == "met"
    assert out.loc["3.1", "progress"] == "no data"
    # relative goal with the baseline read from the data: LE males +1.5 from 2018-20
    le = _progress([["G.2-LE-M", "2018-20", 78.0], ["G.2-LE-M", "2022-24", 78.5]]).set_index("id")
    assert le.loc["G.2-LE-M", "goal_value"] == pytest.approx(79.5)
    assert le.loc["G.2-LE-M", "required_value"] == pytest.approx(78.0 + 1.5 * 4 / 8)
    assert le.loc["G.2-LE-M", "progress"] == "off track"
    # a maintain goal: met while at or above
    hw = _progress([["1.2-HW", "2023/24", 63.0]]).set_index("id")
    assert hw.loc["1.2-HW", "progress"] == "met"
    # no baseline value anywhere -> no data, with a note
    acsc = _progress([["4.3", "2023/24", 1.9]]).set_index("id")
    assert acsc.loc["4.3", "progress"] == "no data" and "baseline" in acsc.loc["4.3", "progress_note"]


def test_bad_registry_is_named(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("- id: X\n  name: x\n  polarity: low_is_good\n  unit: '%'\n  baseline: {period: 2020}\n"
                    "  goal: {period: soon, value: 1}\n")
    with pytest.raises(InvalidInputError, match="'X'.*goal period 'soon'"):
        load_targets(path)
    with pytest.raises(InvalidInputError, match="lacks"):
        path.write_text("- id: Y\n  name: y\n")
        load_targets(path)


def test_bad_period_in_data_names_the_rows():
    with pytest.raises(InvalidInputError, match="period.*'last year'"):
        _progress([["1.15", "last year", 8.0]])


def test_a_latest_value_older_than_the_baseline_is_no_data():
    # physical inactivity: baseline 22.3 (2020/21); a 2017/18 value says nothing about progress since then
    out = _progress([["3.1", "2017/18", 19.98]]).set_index("id")
    assert out.loc["3.1", "progress"] == "no data"
    assert out.loc["3.1", "progress_note"] == "the latest value predates the baseline"


def test_baseline_from_data_can_be_switched_off():
    data = pd.DataFrame([["G.2-LE-M", "2018-20", 78.0], ["G.2-LE-M", "2022-24", 78.5]], columns=["id", "period",
                                                                                                  "value"])
    out = target_progress(data, baseline_from_data=False).set_index("id")
    assert out.loc["G.2-LE-M", "progress"] == "no data" and math.isnan(out.loc["G.2-LE-M", "goal_value"])
