"""Property-based tests (hypothesis) for life_expectancy and slope_index_of_inequality.

Properties: the interval contains the value; 99.8% limits are at least as wide as 95% limits; row order does not
matter; computing grouped data equals computing each group alone.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthintel.stats import life_expectancy, slope_index_of_inequality
from healthintel.stats.life_expectancy import AGE_BAND_STARTS

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# death rates by band, scaled per group, keep life tables realistic
BASE_RATE = np.array([.004, .0002, .0001, .0001, .0003, .0005, .0006, .0008, .0012, .0018, .0028, .0045, .007, .011,
                      .017, .028, .048, .085, .15, .28])


@st.composite
def life_table_groups(draw, max_groups=4):
    n = draw(st.integers(1, max_groups))
    frames = []
    for g in range(n):
        pops = draw(st.lists(st.integers(300, 60_000), min_size=20, max_size=20))
        scale = draw(st.floats(0.3, 3.0))
        noise = draw(st.lists(st.floats(0.0, 2.0), min_size=20, max_size=20))
        deaths = np.floor(np.array(pops) * np.minimum(BASE_RATE * scale * np.array(noise), 0.9)).astype(int)
        deaths[-1] = max(deaths[-1], 1)
        frames.append(pd.DataFrame({"area": f"A{g}", "age": AGE_BAND_STARTS, "pop": pops, "deaths": deaths}))
    return pd.concat(frames, ignore_index=True)


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@SETTINGS
@given(data=life_table_groups())
def test_le_interval_contains_value_and_widens_with_confidence(data):
    out = quiet(life_expectancy, data, "deaths", "pop", "age", by="area", le_age="all", confidence=(0.95, 0.998))
    # (PHEindicatormethods' rule: where q is capped at 1, later ages get LE 0 with NaN limits; skip those rows)
    ok = out["value"].notna() & out["lower_ci_95_0"].notna()
    assert (out.loc[ok, "lower_ci_95_0"] <= out.loc[ok, "value"]).all()
    assert (out.loc[ok, "value"] <= out.loc[ok, "upper_ci_95_0"]).all()
    lim = out["lower_ci_95_0"].notna()
    assert (out.loc[lim, "lower_ci_99_8"] <= out.loc[lim, "lower_ci_95_0"]).all()
    assert (out.loc[lim, "upper_ci_99_8"] >= out.loc[lim, "upper_ci_95_0"]).all()
    # a suppressed value always carries a reason, a reported one never does
    assert (out["value"].isna() == out["suppression_reason"].notna()).all()


@SETTINGS
@given(data=life_table_groups(), seed=st.integers(0, 2**32 - 1))
def test_le_row_order_does_not_matter(data, seed):
    shuffled = data.sample(frac=1, random_state=seed % (2**32))
    a = quiet(life_expectancy, data, "deaths", "pop", "age", by="area", le_age="all")
    b = quiet(life_expectancy, shuffled, "deaths", "pop", "age", by="area", le_age="all")
    key = ["area", "le_age"]
    pd.testing.assert_frame_equal(a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True))


@SETTINGS
@given(data=life_table_groups())
def test_le_grouped_equals_each_group_alone(data):
    grouped = quiet(life_expectancy, data, "deaths", "pop", "age", by="area", le_age=[0, 65, 90])
    for area, rows in data.groupby("area"):
        alone = quiet(life_expectancy, rows, "deaths", "pop", "age", le_age=[0, 65, 90])
        mine = grouped[grouped["area"] == area].drop(columns="area").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone)


@st.composite
def sii_groups(draw, max_groups=3):
    n = draw(st.integers(1, max_groups))
    k = draw(st.sampled_from([5, 10]))
    frames = []
    for g in range(n):
        pops = draw(st.lists(st.integers(500, 50_000), min_size=k, max_size=k))
        start = draw(st.floats(60, 85))
        gradient = draw(st.floats(-10, 10))
        wobble = draw(st.lists(st.floats(-1, 1), min_size=k, max_size=k))
        se = draw(st.lists(st.floats(0.05, 3), min_size=k, max_size=k))
        values = start + gradient * np.linspace(0, 1, k) + np.array(wobble)
        frames.append(pd.DataFrame({"area": f"A{g}", "q": np.arange(1, k + 1), "pop": pops, "value": values, "se": se}))
    return pd.concat(frames, ignore_index=True)


REPS = 2000


@SETTINGS
@given(data=sii_groups(), seed=st.integers(0, 1000))
def test_sii_interval_contains_estimate_and_widens(data, seed):
    out = slope_index_of_inequality(data, "q", "pop", value="value", se="se", by="area", repetitions=REPS,
                                    confidence=(0.95, 0.998), rii=True, seed=seed)
    for stat in ("sii", "rii"):
        assert (out[f"{stat}_lower_ci_95_0"] <= out[stat]).all() and (out[stat] <= out[f"{stat}_upper_ci_95_0"]).all()
        assert (out[f"{stat}_lower_ci_99_8"] <= out[f"{stat}_lower_ci_95_0"]).all()
        assert (out[f"{stat}_upper_ci_99_8"] >= out[f"{stat}_upper_ci_95_0"]).all()


@SETTINGS
@given(data=sii_groups(), seed=st.integers(0, 1000), shuffle=st.integers(0, 2**31))
def test_sii_row_order_does_not_matter(data, seed, shuffle):
    kwargs = dict(value="value", se="se", by="area", repetitions=REPS, rii=True, intercept=True, seed=seed)
    a = slope_index_of_inequality(data, "q", "pop", **kwargs)
    b = slope_index_of_inequality(data.sample(frac=1, random_state=shuffle), "q", "pop", **kwargs)
    pd.testing.assert_frame_equal(a.sort_values("area").reset_index(drop=True),
                                  b.sort_values("area").reset_index(drop=True))


@SETTINGS
@given(data=sii_groups(), seed=st.integers(0, 1000))
def test_sii_grouped_equals_each_group_alone(data, seed):
    """Point estimates exactly; simulated limits to Monte-Carlo error (each group gets its own draws)."""
    kwargs = dict(value="value", se="se", repetitions=REPS, rii=True, intercept=True, seed=seed)
    grouped = slope_index_of_inequality(data, "q", "pop", by="area", **kwargs).set_index("area")
    for area, rows in data.groupby("area"):
        alone = slope_index_of_inequality(rows, "q", "pop", **kwargs).iloc[0]
        mine = grouped.loc[area]
        for col in ("sii", "rii", "intercept"):
            assert np.isclose(mine[col], alone[col], rtol=1e-12, atol=1e-12), col
        width = alone["sii_upper_ci"] - alone["sii_lower_ci"]
        # order statistics of 2,000 draws: each limit's Monte-Carlo SD is ~2.5% of the 95% width
        for col in ("sii_lower_ci", "sii_upper_ci"):
            assert abs(mine[col] - alone[col]) <= 0.2 * width + 1e-12, col
