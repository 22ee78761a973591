"""Edge cases give the documented label (never a numpy error); bad input names column, rows and fix; charts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from healthintel.charts import PALETTE, target_trajectory, trend
from healthintel.compare import benchmark, quintile_benchmark, recent_trend
from healthintel.errors import InvalidInputError, MissingColumnError


def _series(n=6, start=2015, **cols):
    base = pd.DataFrame({"year": range(start, start + n), "value": np.linspace(20, 30, n),
                         "count": np.linspace(200, 300, n), "denominator": 1000.0})
    base["lower_ci"], base["upper_ci"] = base["value"] - 1, base["value"] + 1
    for k, v in cols.items():
        base[k] = v
    return base


def _trend(data, **kw):
    args = dict(period="year", value="value", count="count", denominator="denominator", lower_ci="lower_ci",
                upper_ci="upper_ci", polarity="high_is_good")
    args.update(kw)
    return recent_trend(data, **args).iloc[0]


def test_fewer_than_five_points():
    row = _trend(_series(4))
    assert row["trend"] == "Cannot be calculated" and row["n_points"] == 4 and "fewer than 5" in row["reason"]


def test_broken_series_uses_only_the_latest_unbroken_run():
    gap = _series(8).drop(index=3)  # a missing year breaks the run: 4 points after the gap
    assert _trend(gap)["n_points"] == 4 and _trend(gap)["trend"] == "Cannot be calculated"
    missing = _series(8)
    missing.loc[2, "value"] = np.nan  # a missing value breaks it too: 5 points after it
    row = _trend(missing)
    assert row["n_points"] == 5 and row["trend"] == "Increasing and getting better"


def test_count_equal_to_denominator():
    data = _series(5)
    data.loc[4, "count"] = 1000.0
    row = _trend(data, method="chi2_linear")
    assert row["trend"] == "Cannot be calculated" and "count = denominator" in row["reason"]


def test_missing_cis_documented_label():
    data = _series(5, lower_ci=np.nan, upper_ci=np.nan)
    assert _trend(data, method="weighted_regression")["trend"] == "No significant change"  # Fingertips parity
    assert _trend(data, method="weighted_regression", missing_ci="cannot")["trend"] == "Cannot be calculated"
    out = benchmark(data, 25.0, polarity="high_is_good")
    assert (out["benchmark"] == "Not compared").all()


def test_unsupported_value_type_and_pooled_periods():
    assert _trend(_series(5), value_type="life_expectancy")["trend"] == "Cannot be calculated"
    pooled = _series(5, year=["2013-15", "2014-16", "2015-17", "2016-18", "2017-19"])
    assert "year range" in _trend(pooled, method="weighted_regression")["reason"]


def test_no_rows_and_all_zero_counts_do_not_raise():
    empty = _series(0)
    assert recent_trend(empty, period="year", value="value", lower_ci="lower_ci", upper_ci="upper_ci").empty
    zeros = _series(5, count=0.0)
    assert _trend(zeros, method="chi2_linear")["trend"] == "Cannot be calculated"


def test_ties_at_quintile_bounds_go_to_the_lower_bin():
    data = pd.DataFrame({"value": [1, 2, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10.0]})
    out = quintile_benchmark(data, polarity="low_is_good")
    bounds = np.quantile(data["value"], [0.2, 0.4, 0.6, 0.8])
    for b in bounds:  # any value equal to a bound sits in the bin that bound closes
        at = data["value"] == b
        if at.any():
            k = int(np.searchsorted(bounds, b)) + 1
            assert (out.loc[at, "quintile"] == k).all()
    ntile = quintile_benchmark(data, method="ntile")
    assert ntile["quintile"].value_counts().sort_index().tolist() == [3, 3, 2, 2, 2]


def test_quintiles_per_group_and_too_few():
    data = pd.DataFrame({"g": ["a"] * 10 + ["b"] * 4, "value": list(range(1, 11)) + [1, 2, 3, 4.0]})
    out = quintile_benchmark(data, by="g", polarity="high_is_good")
    assert out.loc[data["g"] == "b", "quintile"].isna().all()
    assert out.loc[0, "quintile"] == 5 and out.loc[0, "quintile_label"] == "Worst"


def test_bad_input_errors_name_column_rows_and_fix():
    with pytest.raises(MissingColumnError, match="value='rate'"):
        benchmark(_series(3), 25.0, value="rate")
    with pytest.raises(InvalidInputError, match="polarity 'up'"):
        benchmark(_series(3), 25.0, polarity="up")
    with pytest.raises(InvalidInputError, match="method 'funnel'"):
        benchmark(_series(3), 25.0, method="funnel")
    with pytest.raises(InvalidInputError, match="needs denominator"):
        benchmark(_series(3), 25.0, method="spc_proportion")
    with pytest.raises(InvalidInputError, match=r"not periods.*'soon'"):
        recent_trend(_series(3, year=["2015", "soon", "2017"]), period="year", value="value",
                     lower_ci="lower_ci", upper_ci="upper_ci")
    with pytest.raises(InvalidInputError, match="more than one row per group"):
        recent_trend(pd.concat([_series(5), _series(5)]), period="year", value="value", lower_ci="lower_ci",
                     upper_ci="upper_ci")
    with pytest.raises(InvalidInputError, match="must be numeric"):
        benchmark(_series(3, value=["a", "b", "c"]), 25.0)


def test_no_judgement_and_not_applicable_polarity():
    data = pd.DataFrame({"value": [10.0, 20, 30], "lower_ci": [9.0, 19, 29], "upper_ci": [11.0, 21, 31]})
    assert benchmark(data, 20, polarity="no_judgement")["benchmark"].tolist() == ["Lower", "Similar", "Higher"]
    assert benchmark(data, 20, polarity=-1)["benchmark"].tolist() == ["Not compared"] * 3


def test_trend_chart_structure():
    data = _series(6)
    data["period"] = data["year"]
    data["benchmark"] = ["Better", "Similar", "Worse", "Worse", "Similar", None]
    england = data[["period"]].assign(value=25.0)
    chart = trend(data, comparator=england, area_name="Medway", title="Test indicator", unit="%")
    ax = chart.figure.axes[0]
    named = [ln for ln in ax.lines if not ln.get_label().startswith("_")]
    assert [ln.get_label() for ln in named] == ["Medway", "England"]  # area line + England line
    assert len(ax.containers) == 1  # the CI whiskers
    points = ax.collections[-1]
    assert len(points.get_offsets()) == 6
    colours = {to_hex(c).upper() for c in points.get_facecolors()}
    palette = {v.upper() for v in PALETTE.values()}
    assert colours <= palette and PALETTE["better"].upper() in colours and PALETTE["not compared"].upper() in colours
    assert chart.alt and "Medway" in chart.alt and "England" in chart.alt


def test_target_trajectory_chart_structure():
    data = pd.DataFrame({"period": ["2021/22", "2022/23", "2023/24"], "value": [10.2, 9.5, 8.9]})
    chart = target_trajectory(data, baseline=("2021/22", 10.2), goal=("2028/29", 6.0), title="Smoking at delivery",
                              unit="%")
    ax = chart.figure.axes[0]
    assert len(ax.lines) == 2 and len(ax.lines[1].get_xdata()) == 3
    assert list(ax.lines[0].get_xdata()) == [2021, 2028]
    assert "6" in chart.alt and "2028/29" in chart.alt
