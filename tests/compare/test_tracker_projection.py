"""The outcomes tracker's projection columns are compare.forecast on the area's real published series.

No goal of the shipped registry has 5 published points with a 95% CI in the data mirror, so the projected case
uses a registry with one extra test goal on a real series that has them: adults classified as obese, Fingertips
93881, Kent (ten financial years with CIs, read from ../shared at run time). The expected values are computed
here twice: compare.forecast on the same published series, and statsmodels' WLS fitted directly on the raw CSV.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from healthintel.chapters.outcomes_tracker import from_tracker
from healthintel.compare import forecast, load_targets, outcomes_tracker, published_series
from healthintel.compare.tracker import DEMO_PROJECTION, NO_GOAL_PROJECTION, PROJECTION_COLUMNS
from healthintel.geography import resolve_area

RAW = "data/fingertips_published/ONSdigital-explore-local-statistics-data_93881_adult_obesity.csv"
GOAL, GOAL_PERIOD = 25.0, "2028/29"


def _registry() -> pd.DataFrame:
    reg = load_targets()
    extra = reg[reg["id"] == "3.2"].iloc[0].copy()
    extra[["id", "name", "fingertips_id", "area", "baseline_period", "goal_period", "goal_value", "polarity"]] = [
        "T-OB", "Adults classified as obese (test goal)", 93881, "Kent", "2015/16", GOAL_PERIOD, GOAL, "low_is_good"]
    extra["published_ids"], extra["baseline_value"], extra["goal_change"] = (93881,), np.nan, np.nan
    return pd.concat([reg, extra.to_frame().T], ignore_index=True)


@pytest.fixture(scope="module")
def tracker():
    return outcomes_tracker("Kent", targets=_registry())


def test_projection_columns_equal_forecast_on_the_same_published_series(tracker):
    reg = _registry().set_index("id", drop=False)
    series = published_series(reg.loc["T-OB"], resolve_area("Kent"))
    expected = forecast(series, period="period", value="value", lower_ci="lower_ci", upper_ci="upper_ci",
                        goal_period=GOAL_PERIOD, goal=GOAL, polarity="low_is_good").iloc[0]
    row = tracker.rows.set_index("id").loc["T-OB"]
    for column, source in (("projected_value", "projected_value"), ("lower_pi", "lower_pi"), ("upper_pi", "upper_pi"),
                           ("probability_goal_met", "probability_goal_met"), ("projection_slope", "slope")):
        assert row[column] == pytest.approx(expected[source], rel=1e-12), column
    assert (row["projection_periods"], row["projection_first"], row["projection_last"]) == (10, "2015/16", "2024/25")
    assert row["projection_reason"] == ""


def test_projection_matches_statsmodels_on_the_raw_published_file(tracker, shared_dir):
    raw = pd.read_csv(shared_dir / RAW)
    kent = raw[(raw["Area Code"] == "E10000016") & (raw["Sex"] == "Persons")].dropna(subset=["Value"])
    t = kent["Time period"].str[:4].astype(float).to_numpy()  # "2015-11-16/P1Y" is 2015/16
    y = kent["Value"].to_numpy(float)
    se = (kent["Upper CI 95.0 limit"] - kent["Lower CI 95.0 limit"]).to_numpy(float) / (2 * 1.959964)
    w = 1 / se**2
    fit = sm.WLS(y, sm.add_constant(t), weights=w).fit()
    pred = fit.get_prediction(np.array([[1.0, 2028.0]]), weights=w.mean())
    frame = pred.summary_frame(alpha=0.05)
    se_obs = np.sqrt(pred.var_pred_mean[0] + pred.var_resid)
    p = stats.t.cdf((GOAL - frame["mean"].iloc[0]) / se_obs, len(y) - 2)  # low is good: at or below the goal
    row = tracker.rows.set_index("id").loc["T-OB"]
    assert len(y) == 10
    assert row["projected_value"] == pytest.approx(frame["mean"].iloc[0], rel=1e-9)
    assert row["lower_pi"] == pytest.approx(frame["obs_ci_lower"].iloc[0], rel=1e-9)
    assert row["upper_pi"] == pytest.approx(frame["obs_ci_upper"].iloc[0], rel=1e-9)
    assert row["probability_goal_met"] == pytest.approx(p, abs=1e-12)


def test_rows_without_a_projection_say_why(tracker):
    rows = tracker.rows.set_index("id")
    assert set(PROJECTION_COLUMNS) <= set(rows.columns)
    demo = rows[~rows["real"].astype(bool)]
    assert len(demo) and (demo["projection_reason"] == DEMO_PROJECTION).all()
    context = rows[~rows["registry"].astype(bool)]
    assert len(context) and (context["projection_reason"] == NO_GOAL_PROJECTION).all()
    # Kent's life expectancy: one published period with a CI in the mirror
    assert rows.loc["G.2-LE-M", "projection_reason"] == "not enough data: 1 period(s) with a value and CI, 5 needed"
    others = rows.drop(index="T-OB")
    assert others[["projected_value", "probability_goal_met"]].isna().all().all()


def test_goals_table_states_numbers_only_where_projected(tracker):
    table = from_tracker(tracker).goals_table().data.set_index("Indicator")
    row = tracker.rows.set_index("id").loc["T-OB"]
    shown = table.loc["Adults classified as obese (test goal)"]
    assert shown["Projected in goal year"] == (f"{row['projected_value']:.1f} (95% PI {row['lower_pi']:.1f} to "
                                               f"{row['upper_pi']:.1f}) in {GOAL_PERIOD}")
    p = row["probability_goal_met"]
    assert shown["Chance of meeting the goal"] == ("<1%" if p < 0.005 else f"{p:.0%}")
    assert shown["Published points"] == "10 (10 with a 95% CI)"
    demo = table[table["Data"] == "DEMO – not real"]
    assert len(demo) and (demo["Projected in goal year"] == "demo").all()
    assert (demo["Chance of meeting the goal"] == "demo").all()
    few = table.loc["Life expectancy at birth, males"]
    assert few["Projected in goal year"] == few["Chance of meeting the goal"] == "not enough data"
    numbers = table.drop(index="Adults classified as obese (test goal)")["Chance of meeting the goal"]
    assert not numbers.str.contains(r"\d").any()  # never a number with fewer than 5 points


def test_goal_chart_draws_the_projection_beside_the_trajectory(tracker):
    charts = from_tracker(tracker).goal_charts()
    chart = next(c for c in charts if "test goal" in c.title)
    row = tracker.rows.set_index("id").loc["T-OB"]
    assert f"projected to {row['projected_value']:.1f}% (95% prediction interval {row['lower_pi']:.1f}% to " \
           f"{row['upper_pi']:.1f}%) in {GOAL_PERIOD}" in chart.alt
    lines = {line.get_label(): line for line in chart.figure.axes[0].get_lines()}
    dotted = next(line for label, line in lines.items() if label.startswith("Projection of recent trend"))
    x, y = dotted.get_data()
    assert x[-1] == 2028 and y[-1] == pytest.approx(row["projected_value"])
    assert y[0] == pytest.approx(row["projected_value"] - row["projection_slope"] * (2028 - 2015))
