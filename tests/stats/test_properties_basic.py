"""Property tests (hypothesis): intervals contain the value, widen with confidence, ignore row order, and
grouped results equal per-group results."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from healthintel.stats import ESP2013, dsr, mean, proportion, proportion_difference, rate, smr

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def counts(draw, min_rows=1, max_rows=30, groups=4):
    n_rows = draw(st.integers(min_rows, max_rows))
    den = draw(st.lists(st.integers(1, 100_000), min_size=n_rows, max_size=n_rows))
    num = [draw(st.integers(0, d)) for d in den]
    grp = draw(st.lists(st.sampled_from("abcdefgh"[:groups]), min_size=n_rows, max_size=n_rows))
    return pd.DataFrame({"g": grp, "x": num, "n": den})


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@SETTINGS
@given(counts())
def test_proportion_ci_contains_value_and_widens(df):
    out = proportion(df, "x", "n", confidence=(0.95, 0.998))
    assert (out["lower_ci_95_0"] <= out["value"] + 1e-12).all() and (out["value"] <= out["upper_ci_95_0"] + 1e-12).all()
    assert (out["lower_ci_99_8"] <= out["lower_ci_95_0"] + 1e-12).all()
    assert (out["upper_ci_99_8"] >= out["upper_ci_95_0"] - 1e-12).all()
    assert ((out["lower_ci_95_0"] >= -1e-12) & (out["upper_ci_95_0"] <= 1 + 1e-12)).all()


@SETTINGS
@given(counts(), st.sampled_from([0.9, 0.95, 0.99]))
def test_rate_limits_widen_with_confidence(df, lower_level):
    a = rate(df, "x", "n", confidence=lower_level)
    b = rate(df, "x", "n", confidence=0.998)
    assert (a["lower_ci"] <= a["value"] + 1e-9).all() and (a["value"] <= a["upper_ci"] + 1e-9).all()
    assert (b["lower_ci"] <= a["lower_ci"] + 1e-9).all() and (b["upper_ci"] >= a["upper_ci"] - 1e-9).all()


@SETTINGS
@given(counts(), st.randoms(use_true_random=False))
def test_grouped_results_do_not_depend_on_row_order(df, rnd):
    shuffled = df.sample(frac=1, random_state=rnd.randint(0, 10_000))
    for fn, kw in ((proportion, {}), (rate, {})):
        a = fn(df, "x", "n", by="g", **kw).set_index("g").sort_index()
        b = fn(shuffled, "x", "n", by="g", **kw).set_index("g").sort_index()
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
    a = mean(df, "x", by="g").set_index("g").sort_index()
    b = mean(shuffled, "x", by="g").set_index("g").sort_index()
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)


@SETTINGS
@given(counts())
def test_grouping_equals_each_group_alone(df):
    grouped = proportion(df, "x", "n", by="g").set_index("g")
    grouped_mean = mean(df, "x", by="g").set_index("g")
    for key, part in df.groupby("g", sort=False):
        one = proportion(pd.DataFrame({"x": [part["x"].sum()], "n": [part["n"].sum()]}), "x", "n")
        np.testing.assert_allclose(grouped.loc[key, ["value", "lower_ci", "upper_ci"]].to_numpy(float),
                                   one[["value", "lower_ci", "upper_ci"]].to_numpy(float)[0], rtol=1e-12)
        alone = mean(part, "x")
        np.testing.assert_allclose(grouped_mean.loc[key, ["value", "lower_ci", "upper_ci"]].to_numpy(float),
                                   alone[["value", "lower_ci", "upper_ci"]].to_numpy(float)[0], rtol=1e-9,
                                   equal_nan=True)


@st.composite
def band_data(draw):
    n_groups = draw(st.integers(1, 5))
    rows = []
    for g in range(n_groups):
        for band in ESP2013.index:
            pop = draw(st.integers(1, 50_000))
            rows.append((f"area{g}", band, draw(st.integers(0, min(pop, 400))), pop))
    return pd.DataFrame(rows, columns=["area", "band", "deaths", "pop"])


@SETTINGS
@given(band_data(), st.randoms(use_true_random=False))
def test_dsr_properties(df, rnd):
    out = _quiet(dsr, df, "deaths", "pop", by="area", confidence=(0.95, 0.998))
    ok = out["total_count"] >= 10
    assert (out.loc[ok, "lower_ci_95_0"] <= out.loc[ok, "value"] + 1e-9).all()
    assert (out.loc[ok, "upper_ci_95_0"] >= out.loc[ok, "value"] - 1e-9).all()
    assert (out.loc[ok, "lower_ci_99_8"].fillna(-np.inf) <= out.loc[ok, "lower_ci_95_0"] + 1e-9).all()
    assert (out.loc[ok, "upper_ci_99_8"] >= out.loc[ok, "upper_ci_95_0"] - 1e-9).all()
    assert out.loc[~ok, "value"].isna().all()
    # by label, in any row order, equals by position in band order
    shuffled = df.sample(frac=1, random_state=rnd.randint(0, 10_000))
    by_label = _quiet(dsr, shuffled, "deaths", "pop", by="area", age_band="band", confidence=(0.95, 0.998))
    pd.testing.assert_frame_equal(by_label.set_index("area").sort_index(), out.set_index("area").sort_index(),
                                  check_exact=False, rtol=1e-10)
    # one group alone gives the same DSR
    first = df[df["area"] == df["area"].iloc[0]]
    alone = _quiet(dsr, first, "deaths", "pop", confidence=(0.95, 0.998))
    np.testing.assert_allclose(out.iloc[0, 3:8].to_numpy(float), alone.iloc[0, 2:7].to_numpy(float), rtol=1e-12,
                               equal_nan=True)


@SETTINGS
@given(band_data())
def test_smr_against_own_total_is_one_overall(df):
    out = smr(df, "deaths", "pop", by="area", age_band="band")
    if out["observed"].sum() > 0:
        np.testing.assert_allclose(out["observed"].sum(), out["expected"].sum(), rtol=1e-9)
    assert (out["lower_ci"].fillna(0) <= out["value"].fillna(0) + 1e-12).all()


@SETTINGS
@given(counts(min_rows=2), st.sampled_from([0.9, 0.95]))
def test_newcombe_difference_contains_value_and_widens(df, level):
    half = len(df) // 2
    wide = pd.DataFrame({"x1": df["x"].iloc[:half].to_numpy(), "n1": df["n"].iloc[:half].to_numpy(),
                         "x2": df["x"].iloc[half:2 * half].to_numpy(), "n2": df["n"].iloc[half:2 * half].to_numpy()})
    a = proportion_difference(wide, "x1", "n1", numerator_2="x2", denominator_2="n2", confidence=level)
    b = proportion_difference(wide, "x1", "n1", numerator_2="x2", denominator_2="n2", confidence=0.998)
    assert ((a["lower_ci"] <= a["value"] + 1e-12) & (a["value"] <= a["upper_ci"] + 1e-12)).all()
    assert ((b["lower_ci"] <= a["lower_ci"] + 1e-12) & (b["upper_ci"] >= a["upper_ci"] - 1e-12)).all()
    assert ((a["lower_ci"] >= -1 - 1e-12) & (a["upper_ci"] <= 1 + 1e-12)).all()
