"""compare.forecast against values computed independently in the test.

Two independent computations: the weighted least-squares algebra written out with numpy (normal equations,
residual variance, prediction variance for a new observation, the t distribution from scipy), and statsmodels'
WLS fitted here directly. Series: rising and falling, high- and low-is-good, fewer than 5 points, a zero-width CI,
missing rows, and a real published series (Fingertips 90366, read from ../shared at run time).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from healthintel.compare import forecast
from healthintel.errors import InvalidInputError, MissingColumnError, SuppressionWarning

Z = 1.959964


def _by_hand(t, y, lo, hi, goal_t, goal, high_is_good):
    """Weighted least squares written out: returns projection, PI limits, probability."""
    t, y = np.asarray(t, float), np.asarray(y, float)
    centre = t.mean()  # centred years: the same line, better conditioned normal equations
    t, goal_t = t - centre, goal_t - centre
    se = (np.asarray(hi, float) - np.asarray(lo, float)) / (2 * Z)
    w = 1 / se**2
    x = np.column_stack([np.ones_like(t), t])
    xtwx = x.T @ (w[:, None] * x)
    beta = np.linalg.solve(xtwx, x.T @ (w * y))
    resid = y - x @ beta
    n = len(y)
    sigma2 = (w * resid**2).sum() / (n - 2)
    cov = sigma2 * np.linalg.inv(xtwx)
    x0 = np.array([1.0, goal_t])
    proj = x0 @ beta
    se_obs = np.sqrt(x0 @ cov @ x0 + sigma2 / w.mean())
    q = stats.t.ppf(0.975, n - 2)
    z = (goal - proj) / se_obs
    p = stats.t.sf(z, n - 2) if high_is_good else stats.t.cdf(z, n - 2)
    return proj, proj - q * se_obs, proj + q * se_obs, p, beta[1]


def _series(values, half_widths, start=2015, **extra):
    years = np.arange(start, start + len(values))
    return pd.DataFrame({"period": [str(y) for y in years], "value": values,
                         "lower": np.asarray(values) - np.asarray(half_widths),
                         "upper": np.asarray(values) + np.asarray(half_widths), **extra})


RISING = ([70.1, 70.6, 70.9, 71.5, 71.7, 72.4, 72.6], [0.5, 0.4, 0.6, 0.5, 0.45, 0.5, 0.55])
FALLING = ([24.0, 23.1, 22.8, 21.5, 21.2, 20.1], [1.2, 1.0, 1.1, 0.9, 1.3, 1.0])


@pytest.mark.parametrize("case, polarity, goal, goal_period", [
    (RISING, "high_is_good", 74.0, "2026-28"),
    (RISING, "low_is_good", 74.0, "2028"),
    (FALLING, "low_is_good", 18.0, "2028/29"),
    (FALLING, "high_is_good", 18.0, 2030),
])
def test_matches_the_algebra_and_statsmodels(case, polarity, goal, goal_period):
    data = _series(*case)
    out = forecast(data, period="period", value="value", lower_ci="lower", upper_ci="upper",
                   goal_period=goal_period, goal=goal, polarity=polarity)
    assert len(out) == 1
    row = out.iloc[0]
    goal_t = float(str(goal_period)[:4])
    t = data["period"].astype(int)
    proj, lo, hi, p, slope = _by_hand(t, data["value"], data["lower"], data["upper"], goal_t, goal,
                                      polarity == "high_is_good")
    assert row["projected_value"] == pytest.approx(proj, rel=1e-10)
    assert row["lower_pi"] == pytest.approx(lo, rel=1e-10)
    assert row["upper_pi"] == pytest.approx(hi, rel=1e-10)
    assert row["probability_goal_met"] == pytest.approx(p, abs=1e-10)
    assert row["slope"] == pytest.approx(slope, rel=1e-10)
    # statsmodels, fitted here on its own
    w = 1 / ((data["upper"] - data["lower"]) / (2 * Z)) ** 2
    res = sm.WLS(data["value"].to_numpy(), sm.add_constant(t.to_numpy(float)), weights=w.to_numpy()).fit()
    frame = res.get_prediction(np.array([[1.0, goal_t]]), weights=w.mean()).summary_frame(alpha=0.05)
    assert row["lower_pi"] == pytest.approx(frame["obs_ci_lower"].iloc[0], rel=1e-10)
    assert row["upper_pi"] == pytest.approx(frame["obs_ci_upper"].iloc[0], rel=1e-10)
    assert row["n_periods"] == len(data) and row["reason"] == ""
    assert "not a prediction of policy effects" in row["method"]


def test_direction_of_probability():
    rising = _series(*RISING)
    kw = dict(period="period", value="value", lower_ci="lower", upper_ci="upper", goal_period="2028", goal=74.0)
    high = forecast(rising, polarity="high_is_good", **kw)["probability_goal_met"].iloc[0]
    low = forecast(rising, polarity="low_is_good", **kw)["probability_goal_met"].iloc[0]
    assert high > 0.9 and low < 0.1  # a rising line well above 74 by 2028
    assert high + low == pytest.approx(1.0)


def test_groups_with_their_own_goals_in_first_appearance_order():
    a = _series(*RISING, indicator="le", goal=74.0, pol="high_is_good", goal_p="2028")
    b = _series(*FALLING, indicator="smoking", goal=18.0, pol="low_is_good", goal_p="2028/29")
    data = pd.concat([b, a], ignore_index=True).sample(frac=1, random_state=3)
    out = forecast(data, period="period", value="value", lower_ci="lower", upper_ci="upper", goal_period="goal_p",
                   goal="goal", polarity="pol", by="indicator")
    first = data["indicator"].iloc[0]
    assert out["indicator"].iloc[0] == first
    for _, row in out.iterrows():
        src = a if row["indicator"] == "le" else b
        proj, *_rest = _by_hand(src["period"].astype(int), src["value"], src["lower"], src["upper"],
                                2028.0, row["goal"], row["polarity"] == "high_is_good")
        assert row["projected_value"] == pytest.approx(proj, rel=1e-10)


def test_fewer_than_five_points_is_na_with_reason():
    data = _series([10.0, 11.0, 12.0, 12.5], [0.5] * 4)
    with pytest.warns(SuppressionWarning):
        out = forecast(data, period="period", value="value", lower_ci="lower", upper_ci="upper",
                       goal_period="2028", goal=15.0, polarity="high_is_good")
    row = out.iloc[0]
    assert np.isnan(row["projected_value"]) and np.isnan(row["probability_goal_met"])
    assert row["reason"].startswith("not enough data: 4 period(s)")


def test_zero_width_ci_is_na_with_reason():
    data = _series([10.0, 11.0, 12.0, 12.5, 13.0], [0.5, 0.5, 0.0, 0.5, 0.5])
    with pytest.warns(SuppressionWarning):
        out = forecast(data, period="period", value="value", lower_ci="lower", upper_ci="upper",
                       goal_period="2028", goal=15.0, polarity="high_is_good")
    assert np.isnan(out["projected_value"].iloc[0])
    assert "zero-width confidence interval in 2017" in out["reason"].iloc[0]


def test_missing_rows_are_counted_not_fitted():
    data = _series(*RISING)
    data.loc[2, ["lower", "upper"]] = np.nan
    out = forecast(data, period="period", value="value", lower_ci="lower", upper_ci="upper",
                   goal_period="2028", goal=74.0, polarity="high_is_good")
    kept = data.drop(index=2)
    proj, *_ = _by_hand(kept["period"].astype(int), kept["value"], kept["lower"], kept["upper"], 2028.0, 74.0, True)
    assert out["n_periods"].iloc[0] == 6 and out["periods_not_fitted"].iloc[0] == 1
    assert out["projected_value"].iloc[0] == pytest.approx(proj, rel=1e-10)


def test_no_goal_or_no_judgement_gives_projection_without_probability():
    data = _series(*RISING)
    for kw in ({"goal": None, "polarity": "high_is_good"}, {"goal": 74.0, "polarity": "no_judgement"}):
        out = forecast(data, period="period", value="value", lower_ci="lower", upper_ci="upper",
                       goal_period="2028", **kw)
        assert np.isfinite(out["projected_value"].iloc[0]) and np.isnan(out["probability_goal_met"].iloc[0])


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.assign(lower=d["upper"], upper=d["lower"]), "limits look swapped"),
    (lambda d: pd.concat([d, d.tail(1)]), "repeats within a series"),
    (lambda d: d.assign(value=d["upper"] + 1), "outside its confidence interval"),
    (lambda d: d.assign(value=np.where(d.index == 0, np.inf, d["value"])), "infinite"),
    (lambda d: d.head(0), "no rows"),
    (lambda d: d.assign(period=["x"] * len(d)), "not periods"),
])
def test_impossible_input_is_a_clear_error(mutate, message):
    data = mutate(_series(*RISING))
    with pytest.raises(InvalidInputError, match=message):
        forecast(data, period="period", value="value", lower_ci="lower", upper_ci="upper", goal_period="2028",
                 goal=74.0, polarity="high_is_good")


def test_missing_column_and_bad_goal_period():
    data = _series(*RISING)
    with pytest.raises(MissingColumnError, match="upper_ci='hi'"):
        forecast(data, period="period", value="value", lower_ci="lower", upper_ci="hi", goal_period="2028",
                 polarity="high_is_good")
    with pytest.raises(InvalidInputError, match="goal_period"):
        forecast(data, period="period", value="value", lower_ci="lower", upper_ci="upper", goal_period="soon",
                 polarity="high_is_good")


def test_real_published_series(shared_dir):
    """Kent, cancers diagnosed at stage 1 or 2 (Fingertips 93671): the published values and 95% CIs as they are,
    three years without a value counted, not fitted."""
    path = (shared_dir / "data/fingertips_published"
            / "ONSdigital-explore-local-statistics-data_93671_cancer_early_stage.csv")
    raw = pd.read_csv(path)
    kent = raw[raw["Area Code"] == "E10000016"].assign(year=lambda d: d["Time period"].str[:4])
    assert len(kent) == 10
    out = forecast(kent, period="year", value="Value", lower_ci="Lower CI 95.0 limit",
                   upper_ci="Upper CI 95.0 limit", goal_period="2028", goal=75.0, polarity="high_is_good")
    used = kent.dropna(subset=["Value"])
    proj, lo, hi, p, _ = _by_hand(used["year"].astype(float), used["Value"], used["Lower CI 95.0 limit"],
                                  used["Upper CI 95.0 limit"], 2028.0, 75.0, True)
    row = out.iloc[0]
    assert row["n_periods"] == 7 and row["periods_not_fitted"] == 3
    assert (row["projected_value"], row["lower_pi"], row["upper_pi"]) == pytest.approx((proj, lo, hi), rel=1e-10)
    assert row["probability_goal_met"] == pytest.approx(p, abs=1e-10)
    assert row["probability_goal_met"] < 0.01  # 75% early diagnosis is far above a flat series near 54%
