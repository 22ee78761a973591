"""Proportion, rate and mean (and the CI building blocks) against PHEindicatormethods 2.1.0 and its Excel tool.

Reference files are read at run time from ../shared/reference/pheim (fixture ``pheim_dir``), never copied.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from healthintel.errors import InvalidInputError, MissingColumnError
from healthintel.stats import mean, proportion, rate
from healthintel.stats._ci import byars_lower, byars_upper, wilson, z_value

RENAME = {
    "lowercl": "lower_ci",
    "uppercl": "upper_ci",
    "lower95_0cl": "lower_ci_95_0",
    "upper95_0cl": "upper_ci_95_0",
    "lower99_8cl": "lower_ci_99_8",
    "upper99_8cl": "upper_ci_99_8",
}


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.rename(columns=RENAME).reset_index(drop=True)
    out = {}
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[c] = s.astype(float)
        else:
            out[c] = s.astype(object).where(s.notna(), None)
    return pd.DataFrame(out)


def assert_matches_reference(ours: pd.DataFrame, ref: pd.DataFrame, *, key=None, drop=()) -> None:
    """Equal to 1e-6 relative, NA where the reference is NA; rows aligned on ``key`` when R sorted the groups."""
    ours = ours.drop(columns=[c for c in ("suppression_reason", *drop) if c in ours.columns])
    if key is not None:
        ours = ours.set_index(key).loc[ref[key].to_list()].reset_index()
    assert_frame_equal(_normalise(ours), _normalise(ref), check_dtype=False, rtol=1e-6, atol=1e-300)


def read(pheim_dir, name):
    return pd.read_csv(pheim_dir / name)


# ------------------------------------------------------------------------------------------ CI building blocks


def test_byars_and_wilson_against_excel_tool(pheim_dir):
    bw = read(pheim_dir, "inputs/sysdata__test_BW.csv")
    for _, row in bw.iterrows():
        conf = float(row.confidence.rstrip("%")) / 100
        z = z_value(conf)
        if row.method == "Byars":
            lo, hi = byars_lower(row.x, z), byars_upper(row.x, z)
        else:
            lo, hi = wilson(row.x, row.n, z)
        np.testing.assert_allclose([lo, hi], [row.lowercl, row.uppercl], rtol=1e-6, equal_nan=True)


# --------------------------------------------------------------------------------------------------- proportion


def _prop_input(pheim_dir):
    return read(pheim_dir, "inputs/sysdata__test_Prop.csv")[["Area", "Numerator", "Denominator"]]


@pytest.mark.parametrize(
    "file, kwargs",
    [
        ("proportion_test_Prop_2ci.csv", dict(confidence=(0.95, 0.998))),
        ("proportion_test_Prop_pct_2ci.csv", dict(confidence=(95, 99.8), multiplier=100)),
        ("proportion_test_Prop_conf998.csv", dict(confidence=99.8)),
        ("proportion_test_Prop_noCI.csv", dict(confidence=None)),
    ],
)
def test_proportion_rowwise_reference(pheim_dir, file, kwargs):
    data = _prop_input(pheim_dir)
    data.index = data.index + 100  # the input index must be kept
    ours = proportion(data, "Numerator", "Denominator", **kwargs)
    assert ours.index.equals(data.index)
    assert_matches_reference(ours, read(pheim_dir, f"outputs/{file}"))


def test_proportion_grouped_reference(pheim_dir):
    data = _prop_input(pheim_dir)
    ours = proportion(data, "Numerator", "Denominator", by="Area")
    assert ours["Area"].tolist() == list(pd.unique(data["Area"]))  # first-appearance order
    assert_matches_reference(ours, read(pheim_dir, "outputs/proportion_test_Prop_g_grouped.csv"), key="Area")


def test_proportion_grouped_excel_results(pheim_dir):
    expected = read(pheim_dir, "inputs/sysdata__test_Prop_g_results.csv").drop(columns="multiplier")
    ours = proportion(_prop_input(pheim_dir), "Numerator", "Denominator", by="Area")
    assert_matches_reference(ours, expected, key="Area")


def test_proportion_excel_rows_with_their_multiplier(pheim_dir):
    full = read(pheim_dir, "inputs/sysdata__test_Prop.csv")
    for mult in (1, 100):
        rows = full[full["multiplier"] == mult]
        ours = proportion(rows[["Area", "Numerator", "Denominator"]], "Numerator", "Denominator",
                          confidence=(0.95, 0.998), multiplier=mult)
        expected = rows.drop(columns="multiplier")
        assert_matches_reference(ours.drop(columns="confidence"), expected)


@pytest.mark.parametrize(
    "frame, match",
    [
        (pd.DataFrame({"x": [1, -1], "n": [10, 10]}), "numerator column 'x'"),
        (pd.DataFrame({"x": [1, 1], "n": [10, 0]}), "denominator column 'n'"),
        (pd.DataFrame({"x": [1, 11], "n": [10, 10]}), "greater than column 'n'"),
        (pd.DataFrame({"x": ["1", "2"], "n": [10, 10]}), "must be numeric"),
    ],
)
def test_proportion_invalid_inputs(frame, match):
    with pytest.raises(InvalidInputError, match=match) as err:
        proportion(frame, "x", "n")
    if "numeric" not in match:
        assert "row 1" in str(err.value)  # names the offending row


def test_proportion_bad_arguments():
    d = pd.DataFrame({"x": [1], "n": [10]})
    with pytest.raises(MissingColumnError, match="numerator='nope'"):
        proportion(d, "nope", "n")
    for conf in (0.5, 50, 101, (0.95, 0.99), (0.95, 0.998, 0.99), "95"):
        with pytest.raises(InvalidInputError):
            proportion(d, "x", "n", confidence=conf)
    for mult in (0, -1, float("nan"), "100"):
        with pytest.raises(InvalidInputError, match="multiplier"):
            proportion(d, "x", "n", multiplier=mult)


# --------------------------------------------------------------------------------------------------------- rate


def _rate_input(pheim_dir):
    return read(pheim_dir, "inputs/sysdata__test_Rate.csv")[["Area", "Numerator", "Denominator"]]


@pytest.mark.parametrize(
    "file, kwargs",
    [
        ("rate_test_Rate_2ci.csv", dict(confidence=(0.95, 0.998))),
        ("rate_test_Rate_per100_conf95.csv", dict(multiplier=100)),
    ],
)
def test_rate_rowwise_reference(pheim_dir, file, kwargs):
    data = _rate_input(pheim_dir)
    ours = rate(data, "Numerator", "Denominator", **kwargs)
    assert ours.index.equals(data.index)
    assert_matches_reference(ours, read(pheim_dir, f"outputs/{file}"))


def test_rate_grouped_reference_and_excel(pheim_dir):
    ours = rate(_rate_input(pheim_dir), "Numerator", "Denominator", by="Area")
    assert_matches_reference(ours, read(pheim_dir, "outputs/rate_test_Rate_g_grouped.csv"), key="Area")
    excel = read(pheim_dir, "inputs/sysdata__test_Rate_g_results.csv").drop(columns="multiplier")
    assert_matches_reference(ours, excel, key="Area")


def test_rate_excel_rows_with_their_multiplier(pheim_dir):
    full = read(pheim_dir, "inputs/sysdata__test_Rate.csv")
    for mult in (100, 100_000):
        rows = full[full["multiplier"] == mult]
        ours = rate(rows[["Area", "Numerator", "Denominator"]], "Numerator", "Denominator",
                    confidence=(0.95, 0.998), multiplier=mult)
        assert_matches_reference(ours.drop(columns="confidence"), rows.drop(columns="multiplier"))


def test_rate_invalid_inputs():
    with pytest.raises(InvalidInputError, match="count column 'x'"):
        rate(pd.DataFrame({"x": [-1], "n": [10]}), "x", "n")
    with pytest.raises(InvalidInputError, match="population column 'n'"):
        rate(pd.DataFrame({"x": [1], "n": [0]}), "x", "n")
    # counts above the population are allowed for rates
    assert rate(pd.DataFrame({"x": [20], "n": [10]}), "x", "n")["value"].iloc[0] == 200_000


def test_rate_zero_count_is_exact():
    out = rate(pd.DataFrame({"x": [0], "n": [1000]}), "x", "n")
    assert out["lower_ci"].iloc[0] == 0
    np.testing.assert_allclose(out["upper_ci"].iloc[0], -np.log(0.025) / 1000 * 100_000, rtol=1e-12)
    assert out["method"].iloc[0] == "Exact"


# --------------------------------------------------------------------------------------------------------- mean


def test_mean_ungrouped_reference(pheim_dir):
    data = read(pheim_dir, "inputs/sysdata__test_Mean.csv")
    ours = mean(data, "values", confidence=(0.95, 0.998))
    assert_matches_reference(ours, read(pheim_dir, "outputs/mean_test_Mean_ungrouped_2ci.csv"))


def test_mean_grouped_reference(pheim_dir):
    data = read(pheim_dir, "inputs/sysdata__test_Mean_Grp.csv")
    ours = mean(data, "values", by="area")
    assert_matches_reference(ours, read(pheim_dir, "outputs/mean_test_Mean_Grp_grouped.csv"), key="area")


def test_mean_excel_results(pheim_dir):
    data = read(pheim_dir, "inputs/sysdata__test_Mean_Grp.csv")
    expected = read(pheim_dir, "inputs/sysdata__test_Mean_results.csv")
    grouped = mean(data, "values", by="area", confidence=(0.95, 0.998)).drop(columns="confidence")
    assert_matches_reference(grouped, expected.iloc[:2], key="area")
    total = mean(data, "values", confidence=(0.95, 0.998)).drop(columns="confidence")
    assert_matches_reference(total, expected.iloc[2:].drop(columns="area"))


def test_mean_missing_value_makes_group_missing():
    d = pd.DataFrame({"g": ["a", "a", "b", "b"], "v": [1.0, np.nan, 2.0, 4.0]})
    out = mean(d, "v", by="g")
    assert np.isnan(out["value"].iloc[0]) and out["value_count"].iloc[0] == 2
    assert out["value"].iloc[1] == 3.0


def test_mean_non_numeric_column():
    with pytest.raises(InvalidInputError, match="value column 'v'"):
        mean(pd.DataFrame({"v": ["a"]}), "v")


def test_no_warning_for_valid_rowwise_inputs(pheim_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proportion(_prop_input(pheim_dir), "Numerator", "Denominator")
        rate(_rate_input(pheim_dir), "Numerator", "Denominator")
