"""Funnel limits, significance and points against PHEindicatormethods 2.1.0 outputs and the package's test tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthintel.errors import InvalidInputError
from healthintel.stats import funnel_limits, funnel_points, funnel_significance
from tests.stats.test_proportion_rate_mean import assert_matches_reference, read


@pytest.fixture
def prop_in(pheim_dir):
    return read(pheim_dir, "inputs/sysdata__test_funnel_inputs.csv")


@pytest.fixture
def ratio_in(pheim_dir):
    return read(pheim_dir, "inputs/sysdata__test_funnel_ratio_inputs.csv")


@pytest.fixture
def rate_in(pheim_dir):
    return read(pheim_dir, "inputs/sysdata__test_funnel_rate_funnels_input.csv")


@pytest.fixture
def rate_sig_in(pheim_dir):
    return read(pheim_dir, "inputs/sysdata__test_funnel_rate_inputs.csv")


# ------------------------------------------------------------------------------------------------------- limits


def test_limits_proportion_reference(pheim_dir, prop_in):
    ours = funnel_limits(prop_in, "numerator", "denominator", statistic="proportion", multiplier=100)
    assert_matches_reference(ours, read(pheim_dir, "outputs/funnel_limits_proportion.csv"))
    # the package's own expected table (typed to 6 d.p.)
    expected = read(pheim_dir, "inputs/sysdata__test_funnel_outputs.csv")
    np.testing.assert_allclose(ours[expected.columns].to_numpy(float), expected.to_numpy(float), atol=5e-6)


def test_limits_proportion_axis_variation(pheim_dir, prop_in):
    ours = funnel_limits(prop_in[prop_in["denominator"] < 31000], "numerator", "denominator",
                         statistic="proportion", multiplier=100)
    expected = read(pheim_dir, "inputs/sysdata__test_funnel_outputs_axis_variation.csv")
    assert ours["Population"].iloc[0] == 10000  # axis starts at a rounded minimum, not 0
    assert_matches_reference(ours, expected)


@pytest.mark.parametrize("ratio_type", ["count", "isr"])
def test_limits_ratio_reference(pheim_dir, ratio_in, ratio_type):
    ours = funnel_limits(ratio_in, "obs", "expected", statistic="ratio", multiplier=100, ratio_type=ratio_type)
    assert_matches_reference(ours, read(pheim_dir, f"outputs/funnel_limits_ratio_{ratio_type}.csv"))
    # the package's own expected table (both scales side by side, typed to 9-10 decimal places)
    table = read(pheim_dir, "inputs/sysdata__test_funnel_ratio_outputs.csv")
    for col in [c for c in table.columns if c.endswith(ratio_type)]:
        np.testing.assert_allclose(ours[col.replace(ratio_type, "limit")], table[col], rtol=1e-8, atol=1e-9)
    for col in [c for c in table.columns if c.endswith("exp_events")]:
        np.testing.assert_allclose(ours[col], table[col], rtol=1e-8, atol=1e-9)


def test_limits_rate_dsr_reference(pheim_dir, rate_in):
    ours = funnel_limits(rate_in, "ev", rate="rate", statistic="rate", rate_type="dsr", multiplier=100_000,
                         years_of_data=3)
    assert_matches_reference(ours, read(pheim_dir, "outputs/funnel_limits_rate_dsr.csv"))
    assert_matches_reference(ours, read(pheim_dir, "inputs/sysdata__test_funnel_rate_funnels.csv"))


def test_limits_rate_crude_with_small_count(pheim_dir, rate_in):
    data = rate_in.assign(ev=np.where(rate_in["ev"] == rate_in["ev"].max(), 5, rate_in["ev"]))
    ours = funnel_limits(data, "ev", rate="rate", statistic="rate", rate_type="crude", multiplier=1e5,
                         years_of_data=3)
    assert_matches_reference(ours, read(pheim_dir, "inputs/sysdata__test_funnel_rate_funnels_2.csv"))


def test_limits_rate_crude_zero_events_with_denominator(pheim_dir, rate_in):
    data = rate_in[["ev", "rate"]].copy()
    data["pop"] = 1e5 * data["ev"] / data["rate"]
    top = data["ev"] == data["ev"].max()
    data.loc[top, ["rate", "ev"]] = 0
    data = data[data["pop"] > data["pop"].max() / 2]
    ours = funnel_limits(data, "ev", "pop", rate="rate", statistic="rate", rate_type="crude", multiplier=1e5,
                         years_of_data=3)
    assert_matches_reference(ours, read(pheim_dir, "inputs/sysdata__test_funnel_rate_funnels_3.csv"))


def test_limits_errors(prop_in, rate_in):
    with pytest.raises(InvalidInputError, match="statistic must be one of"):
        funnel_limits(prop_in, "numerator", "denominator", statistic="pop", multiplier=100)
    with pytest.raises(InvalidInputError, match="needs multiplier"):
        funnel_limits(prop_in, "numerator", "denominator", statistic="proportion")
    with pytest.raises(InvalidInputError, match="ratio_type"):
        funnel_limits(prop_in, "numerator", "denominator", statistic="ratio")
    with pytest.raises(InvalidInputError, match="years_of_data"):
        funnel_limits(rate_in, "ev", rate="rate", statistic="rate", rate_type="dsr", multiplier=1e5)
    zero = rate_in.assign(ev=np.where(rate_in.index == 0, 0, rate_in["ev"]))
    with pytest.raises(InvalidInputError, match="0 events for a record, the denominator"):
        funnel_limits(zero, "ev", rate="rate", statistic="rate", rate_type="dsr", multiplier=1e5, years_of_data=3)
    missing = prop_in.assign(numerator=prop_in["numerator"].where(prop_in.index != 4))
    with pytest.raises(InvalidInputError, match="must be provided for all records.*row 4"):
        funnel_limits(missing, "numerator", "denominator", statistic="proportion", multiplier=100)


# -------------------------------------------------------------------------------------------------- significance


def test_significance_proportion_reference(pheim_dir, prop_in):
    data = prop_in[["Area", "numerator", "denominator"]]
    ours = funnel_significance(data, "numerator", "denominator", statistic="proportion")
    ref = read(pheim_dir, "outputs/funnel_significance_proportion.csv")
    assert_matches_reference(ours.assign(significance=ours["significance"].astype(str)), ref)
    assert (ours["significance"].astype(str) == prop_in["significance"]).all()  # the package's expected flags


def test_significance_ratio_reference(pheim_dir, ratio_in):
    ours = funnel_significance(ratio_in[["obs", "expected"]], "obs", "expected", statistic="ratio")
    ref = read(pheim_dir, "outputs/funnel_significance_ratio.csv")
    assert_matches_reference(ours.assign(significance=ours["significance"].astype(str)), ref)
    assert list(ours["significance"].cat.categories) == [
        "High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)", "Not significant"]


def test_significance_rate_dsr_reference(pheim_dir, rate_sig_in):
    data = rate_sig_in[["count", "rate_dsr", "pop"]]
    ours = funnel_significance(data, "count", "pop", rate="rate_dsr", statistic="rate", rate_type="dsr",
                               multiplier=1e5)
    ref = read(pheim_dir, "outputs/funnel_significance_rate_dsr.csv")
    assert_matches_reference(ours.assign(significance=ours["significance"].astype(str)), ref)


@pytest.mark.parametrize(
    "rate, rate_type, multiplier, expected, drop_zero",
    [
        ("rate_dsr", "dsr", 1e5, "dsr_per_100000_with_0", False),
        ("rate_dsr", "dsr", 1e5, "dsr_per_100000_without_0", True),
        ("rate_dsr", "dsr", 100, "dsr_per_100_without_0", True),
        ("rate_crude_per_100000", "crude", 1e5, "crude_per_100000_with_0", False),
        ("rate_crude_per_100", "crude", 100, "crude_per_100_with_0", False),
        ("rate_crude_per_100000", "crude", 1e5, "crude_per_100000_without_0", True),
        ("rate_crude_per_100", "crude", 100, "crude_per_100_without_0", True),
    ],
)
def test_significance_rate_settings(rate_sig_in, rate, rate_type, multiplier, expected, drop_zero):
    data = rate_sig_in[rate_sig_in["count"] != 0] if drop_zero else rate_sig_in
    ours = funnel_significance(data[["count", rate, "pop"]], "count", "pop", rate=rate, statistic="rate",
                               rate_type=rate_type, multiplier=multiplier)
    assert ours["significance"].astype(str).tolist() == data[expected].tolist()


def test_significance_errors():
    base = pd.DataFrame({"obs": [65, 80, 30], "pop": [100, 100, 200]})
    with pytest.raises(InvalidInputError, match="denominators must be greater than zero"):
        funnel_significance(base.assign(pop=[100, 100, 0]), "obs", "pop", statistic="proportion")
    with pytest.raises(InvalidInputError, match="numerators must be greater than or equal to zero"):
        funnel_significance(base.assign(obs=[65, -80, 30]), "obs", "pop", statistic="proportion")
    with pytest.raises(InvalidInputError, match="less than or equal to denominator"):
        funnel_significance(base.assign(obs=[65, 180, 30]), "obs", "pop", statistic="proportion")
    with pytest.raises(InvalidInputError, match="needs multiplier"):
        funnel_significance(base.assign(r=[1.0, 2.0, 3.0]), "obs", "pop", rate="r", statistic="rate",
                            rate_type="dsr")


# -------------------------------------------------------------------------------------------------------- points


def test_points_rate_dsr_reference(pheim_dir, rate_in):
    ours = funnel_points(rate_in, "ev", "rate", rate_type="dsr", years_of_data=3, multiplier=1e5)
    assert ours.index.equals(rate_in.index)
    assert_matches_reference(ours, read(pheim_dir, "outputs/funnel_points_rate_dsr.csv"))


def test_points_package_expectations(rate_in):
    small = rate_in.assign(ev=np.where(rate_in["ev"] == rate_in["ev"].max(), 5, rate_in["ev"]))
    ours = funnel_points(small[["ev", "rate"]], "ev", "rate", rate_type="dsr", years_of_data=3, multiplier=1e5)
    np.testing.assert_allclose(ours["rate_chart"], small["rate_chart"], equal_nan=True)
    np.testing.assert_allclose(ours["denominator_derived"], small["denominator_derived"], rtol=1e-8,
                               equal_nan=True)
    assert ours["rate_chart"].isna().sum() == 1

    crude = funnel_points(rate_in[["ev", "rate"]], "ev", "rate", rate_type="crude", years_of_data=3, multiplier=1e5)
    np.testing.assert_allclose(crude["denominator_derived"], rate_in["denominator_derived_crude"], rtol=1e-8)

    zero = rate_in.assign(ev=np.where(rate_in["ev"] == rate_in["ev"].max(), 0, rate_in["ev"]))
    with_denom = funnel_points(zero[["ev", "rate", "pop"]], "ev", "rate", denominator="pop", rate_type="crude",
                               years_of_data=5, multiplier=1e5)
    np.testing.assert_allclose(with_denom["denominator_derived"], zero["denominator_derived_crude_with_denom"],
                               rtol=1e-8)
    with pytest.raises(InvalidInputError, match="denominator argument"):
        funnel_points(zero[["ev", "rate"]], "ev", "rate", rate_type="crude", years_of_data=5, multiplier=1e5)
