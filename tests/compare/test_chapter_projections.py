"""The life-expectancy and child-obesity chapters project their own series to the goal year with
compare.forecast (fitted here again with statsmodels on the series the chapter shows), state the projection and
the chance of meeting the goal in their target tables, and draw it on their target charts; the shared cell texts
say "not enough data" (never a number) with fewer than 5 points and "demo" on demo values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from healthintel import chapters
from healthintel.chapters.projections import NOT_ENOUGH_DATA, chance_text, percent, projected_header, projected_text

Z = 1.959964


def _wls(t, y, lo, hi, goal_t, goal, high_is_good):
    """statsmodels WLS, written out here: projection, PI limits, probability of meeting the goal."""
    t, y = np.asarray(t, float), np.asarray(y, float)
    w = 1 / ((np.asarray(hi, float) - np.asarray(lo, float)) / (2 * Z)) ** 2
    pred = sm.WLS(y, sm.add_constant(t), weights=w).fit().get_prediction(np.array([[1.0, goal_t]]),
                                                                         weights=w.mean())
    frame = pred.summary_frame(alpha=0.05)
    se = np.sqrt(pred.var_pred_mean[0] + pred.var_resid)
    z = (goal - frame["mean"].iloc[0]) / se
    p = stats.t.sf(z, len(y) - 2) if high_is_good else stats.t.cdf(z, len(y) - 2)
    return frame["mean"].iloc[0], frame["obs_ci_lower"].iloc[0], frame["obs_ci_upper"].iloc[0], p


@pytest.fixture(scope="module")
def medway_le():
    return chapters.life_expectancy.build(area="Medway", repetitions=1000)


@pytest.fixture(scope="module")
def kent_obesity():
    return chapters.child_obesity.build(area="Kent", sii_repetitions=1000)


def test_life_expectancy_targets_are_projected_from_the_chapter_series(medway_le):
    ch = medway_le
    table = ch.targets_table().data.set_index("Target")
    targets = ch.targets.set_index("id")
    for sex in ("Male", "Female"):
        trend = ch.trend[(ch.trend["sex"] == sex) & (ch.trend["le_age"] == 0)]
        t = trend["period"].str[:4].astype(float)
        goal = targets.loc[f"G.2-LE-{sex[0]}", "goal_value"]
        proj, lo, hi, p = _wls(t, trend["value"], trend["lower_ci"], trend["upper_ci"], 2026.0, goal, True)
        shown = table.loc[targets.loc[f"G.2-LE-{sex[0]}", "name"]]
        # synthetic deaths: the numbers are stated as demo
        assert shown["Projected in 2026-28"] == f"demo: {proj:.1f} (95% PI {lo:.1f} to {hi:.1f})"
        assert shown["Chance of meeting the goal"] == f"demo ({percent(p)})"
    assert "not a prediction of the effect of policy" in ch.projection_note()
    assert "synthetic deaths" in ch.projection_note()


def test_life_expectancy_target_charts_carry_the_projection(medway_le):
    charts = medway_le.target_charts()
    assert len(charts) == 4
    for chart in charts:
        labels = [line.get_label() for line in chart.figure.axes[0].get_lines()]
        assert any(label.startswith("Projection of recent trend") for label in labels), labels
        assert "projected to" in chart.alt and "95% prediction interval" in chart.alt


def test_child_obesity_gap_is_projected_to_the_goal_year(kent_obesity):
    ch = kent_obesity
    gaps = ch.published_gaps().astype({"value": float, "lower_ci": float, "upper_ci": float})
    gaps = gaps.dropna(subset=["value", "lower_ci", "upper_ci"])
    t = gaps["academic_year"].str[:4].astype(float)
    proj, lo, hi, p = _wls(t, gaps["value"], gaps["lower_ci"], gaps["upper_ci"], 2027.0, ch.target["goal_value"],
                           False)
    row = ch.progress_table().data.iloc[0]
    assert row["Projected in 2027/28 (pp)"] == f"demo: {proj:.1f} (95% PI {lo:.1f} to {hi:.1f})"
    assert row["Chance of meeting the goal"] == f"demo ({percent(p)})"
    chart = ch.gap_chart()
    assert f"projected to {proj:.1f} percentage points" in chart.alt


@pytest.mark.parametrize("row, projected, chance", [
    ({"projected_value": 12.34, "lower_pi": 10.0, "upper_pi": 14.5, "probability_goal_met": 0.234, "reason": ""},
     "12.3 (95% PI 10.0 to 14.5)", "23%"),
    ({"projected_value": 12.34, "lower_pi": 10.0, "upper_pi": 14.5, "probability_goal_met": np.nan, "reason": ""},
     "12.3 (95% PI 10.0 to 14.5)", "no numeric goal"),
    ({"projected_value": np.nan, "probability_goal_met": np.nan,
      "reason": "not enough data: 4 period(s) with a value and CI, 5 needed"}, NOT_ENOUGH_DATA, NOT_ENOUGH_DATA),
    ({"projected_value": np.nan, "probability_goal_met": np.nan, "projection_reason": "demo values: not projected"},
     "demo", "demo"),
    ({"projected_value": np.nan, "probability_goal_met": np.nan,
      "reason": "zero-width confidence interval in 2017: weight 1/SE² undefined"},
     "not computed: zero-width confidence interval in 2017", "not computed: zero-width confidence interval in 2017"),
    ({"projected_value": 1.0, "lower_pi": 0.5, "upper_pi": 1.5, "probability_goal_met": 0.999, "reason": ""},
     "1.0 (95% PI 0.5 to 1.5)", ">99%"),
])
def test_cell_texts(row, projected, chance):
    assert projected_text(pd.Series(row)) == projected
    assert chance_text(row) == chance


def test_projected_header():
    assert projected_header(["2026-28", "2026-28"]) == "Projected in 2026-28"
    assert projected_header(["2026-28", "2027/28", ""]) == "Projected in goal year"
