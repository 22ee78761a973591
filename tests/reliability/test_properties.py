"""Properties (hypothesis) that bad input never gives a wrong answer quietly:

- shuffling the rows never changes a result (grouped statistics, DSR by label, life expectancy, quantiles,
  benchmarks, the recent trend, the SII);
- adding a row whose group key is NaN either raises a healthintel error or is reported (its own output row, or
  an NA with a reason), and never changes the other groups' results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthintel import compare, stats
from healthintel.errors import HealthIntelError
from healthintel.stats import ESP2013

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AGES = [0, 1] + list(range(5, 95, 5))


@st.composite
def grouped_counts(draw, min_groups=1, max_groups=4):
    """A frame of (group, numerator, denominator) rows, several rows per group."""
    n_groups = draw(st.integers(min_groups, max_groups))
    rows = []
    for g in range(n_groups):
        for _ in range(draw(st.integers(1, 4))):
            den = draw(st.integers(1, 5000))
            rows.append({"g": f"g{g}", "x": float(draw(st.integers(0, den))), "n": float(den)})
    return pd.DataFrame(rows)


def _sorted(frame: pd.DataFrame, keys) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True)


def _assert_same(a: pd.DataFrame, b: pd.DataFrame, keys) -> None:
    pd.testing.assert_frame_equal(_sorted(a, keys), _sorted(b, keys), check_dtype=False, rtol=1e-9, atol=1e-12)


def _shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------- shuffling
GROUPED = {
    "proportion": lambda d: stats.proportion(d, "x", "n", by="g", confidence=(0.95, 0.998)),
    "rate": lambda d: stats.rate(d, "x", "n", by="g"),
    "mean": lambda d: stats.mean(d, "x", by="g"),
}


@pytest.mark.parametrize("name", list(GROUPED))
@SETTINGS
@given(data=grouped_counts(), seed=st.integers(0, 2**31 - 1))
def test_shuffling_rows_never_changes_grouped_statistics(name, data, seed):
    _assert_same(GROUPED[name](data), GROUPED[name](_shuffled(data, seed)), ["g"])


@st.composite
def banded(draw):
    n_areas = draw(st.integers(1, 3))
    rows = []
    for a in range(n_areas):
        for band in ESP2013.index:
            pop = float(draw(st.integers(50, 5000)))
            rows.append({"area": f"a{a}", "band": band, "count": float(draw(st.integers(0, 60))), "pop": pop})
    return pd.DataFrame(rows)


@SETTINGS
@given(data=banded(), seed=st.integers(0, 2**31 - 1))
def test_shuffling_rows_never_changes_a_dsr_matched_by_label(data, seed):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = stats.dsr(data, "count", "pop", by="area", age_band="band")
        b = stats.dsr(_shuffled(data, seed), "count", "pop", by="area", age_band="band")
    _assert_same(a, b, ["area"])


@SETTINGS
@given(data=banded(), seed=st.integers(1, 2**31 - 1))
def test_shuffled_bands_by_position_raise_instead_of_misattaching(data, seed):
    shuffled = _shuffled(data, seed)
    in_order = (shuffled.groupby("area", sort=False)["band"].apply(list)
                .map(lambda bands: bands == list(ESP2013.index))).all()
    if in_order:  # the shuffle happened to keep every area's bands in order: the by-position DSR is right
        stats.dsr(shuffled, "count", "pop", by="area")
        return
    with pytest.raises(HealthIntelError, match="not in increasing order"):
        stats.dsr(shuffled, "count", "pop", by="area")


@st.composite
def life_tables(draw):
    rows = []
    for g in range(draw(st.integers(1, 3))):
        for i, age in enumerate(AGES):
            pop = float(draw(st.integers(300, 3000)))
            rows.append({"g": f"g{g}", "age": age, "deaths": float(draw(st.integers(1, 10)) + i), "pop": pop})
    return pd.DataFrame(rows)


@SETTINGS
@given(data=life_tables(), seed=st.integers(0, 2**31 - 1))
def test_shuffling_rows_never_changes_life_expectancy(data, seed):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = stats.life_expectancy(data, "deaths", "pop", "age", by="g", le_age=[0, 65])
        b = stats.life_expectancy(_shuffled(data, seed), "deaths", "pop", "age", by="g", le_age=[0, 65])
    _assert_same(a, b, ["g", "le_age"])


@SETTINGS
@given(values=st.lists(st.integers(0, 30), min_size=10, max_size=40), seed=st.integers(0, 2**31 - 1))
def test_shuffling_rows_never_changes_quantiles(values, seed):
    import warnings

    data = pd.DataFrame({"id": range(len(values)), "v": np.asarray(values, dtype=float),
                         "w": np.arange(len(values), dtype=float) % 7 + 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kw in ({}, {"weights": "w"}):
            a = stats.assign_quantiles(data, "v", n=5, **kw)
            b = stats.assign_quantiles(_shuffled(data, seed), "v", n=5, **kw)
            _assert_same(a, b, ["id"])


@SETTINGS
@given(values=st.lists(st.floats(1, 100), min_size=5, max_size=30), seed=st.integers(0, 2**31 - 1))
def test_shuffling_rows_never_changes_benchmarks(values, seed):
    data = pd.DataFrame({"id": range(len(values)), "value": values})
    data["lower_ci"], data["upper_ci"] = data["value"] - 3, data["value"] + 3
    for f in (lambda d: compare.benchmark(d, 50.0, polarity="high_is_good"),
              lambda d: compare.quintile_benchmark(d, polarity="low_is_good")):
        _assert_same(f(data), f(_shuffled(data, seed)), ["id"])


@SETTINGS
@given(steps=st.lists(st.floats(-2, 2), min_size=6, max_size=8), areas=st.integers(1, 3),
       seed=st.integers(0, 2**31 - 1))
def test_shuffling_rows_never_changes_the_recent_trend(steps, areas, seed):
    frames = []
    for a in range(areas):
        value = 30 + np.cumsum(steps) * (a + 1) / 2
        frames.append(pd.DataFrame({"area": f"a{a}", "year": range(2010, 2010 + len(steps)), "value": value,
                                    "lo": value - 0.5, "hi": value + 0.5}))
    data = pd.concat(frames, ignore_index=True)
    args = dict(period="year", value="value", lower_ci="lo", upper_ci="hi", by="area", polarity="low_is_good")
    _assert_same(compare.recent_trend(data, **args), compare.recent_trend(_shuffled(data, seed), **args), ["area"])


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_shuffling_rows_never_changes_the_sii(seed):
    rows = [{"g": g, "q": q, "pop": 1000.0 + 10 * q, "v": 80.0 - q * (1 + g), "lo": 79.0 - q * (1 + g),
             "hi": 81.0 - q * (1 + g)} for g in range(3) for q in range(1, 11)]
    data = pd.DataFrame(rows)
    args = dict(value="v", lower_ci="lo", upper_ci="hi", by="g", repetitions=1000, seed=7)
    _assert_same(stats.slope_index_of_inequality(data, "q", "pop", **args),
                 stats.slope_index_of_inequality(_shuffled(data, seed), "q", "pop", **args), ["g"])


# ---------------------------------------------------------------------------------------------- NaN group keys
def _nan_row(data: pd.DataFrame, key: str, **values) -> pd.DataFrame:
    row = data.iloc[[0]].copy()
    row[key] = np.nan
    for k, v in values.items():
        row[k] = v
    return pd.concat([data, row], ignore_index=True)


def _raises_or_reports(f, data: pd.DataFrame, with_nan: pd.DataFrame, key: str) -> None:
    before = f(data)
    try:
        after = f(with_nan)
    except HealthIntelError:
        return  # refused with a named error: fine
    reported = after[key].isna()
    assert reported.any(), "the NaN-keyed row vanished from the result"
    _assert_same(before, after[~reported].reset_index(drop=True), [key])


NAN_KEYED = {
    "proportion": lambda d: stats.proportion(d, "x", "n", by="g"),
    "rate": lambda d: stats.rate(d, "x", "n", by="g"),
    "mean": lambda d: stats.mean(d, "x", by="g"),
}


@pytest.mark.parametrize("name", list(NAN_KEYED))
@SETTINGS
@given(data=grouped_counts())
def test_a_nan_keyed_row_raises_or_is_reported(name, data):
    _raises_or_reports(NAN_KEYED[name], data, _nan_row(data, "g"), "g")


@SETTINGS
@given(data=banded())
def test_a_nan_keyed_row_in_a_dsr_raises_or_is_reported(data):
    import warnings

    def f(d):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return stats.dsr(d, "count", "pop", by="area", age_band="band")

    _raises_or_reports(f, data, _nan_row(data, "area"), "area")


@SETTINGS
@given(data=life_tables())
def test_a_nan_keyed_row_in_life_expectancy_raises_or_is_reported(data):
    import warnings

    def f(d):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return stats.life_expectancy(d, "deaths", "pop", "age", by="g")

    after = f(_nan_row(data, "g"))
    nan_rows = after[after["g"].isna()]
    assert len(nan_rows) == 1 and nan_rows["suppression_reason"].notna().all()  # reported, with why
    _assert_same(f(data), after[after["g"].notna()].reset_index(drop=True), ["g"])


@SETTINGS
@given(values=st.lists(st.floats(1, 100), min_size=6, max_size=20))
def test_a_nan_keyed_row_in_the_trend_raises_or_is_reported(values):
    data = pd.DataFrame({"area": "a", "year": range(2000, 2000 + len(values)), "value": values})
    data["lo"], data["hi"] = data["value"] - 1, data["value"] + 1

    def f(d):
        return compare.recent_trend(d, period="year", value="value", lower_ci="lo", upper_ci="hi", by="area")

    _raises_or_reports(f, data, _nan_row(data, "area"), "area")


@SETTINGS
@given(values=st.lists(st.integers(0, 50), min_size=12, max_size=30))
def test_a_nan_keyed_row_in_quantiles_raises_or_is_reported(values):
    import warnings

    data = pd.DataFrame({"g": ["a", "b"] * (len(values) // 2) + ["a"] * (len(values) % 2),
                         "v": np.asarray(values, dtype=float)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        after = stats.assign_quantiles(_nan_row(data, "g"), "v", n=5, by="g")
        before = stats.assign_quantiles(data, "v", n=5, by="g")
    # the NaN-keyed area is its own group: too few areas, so NA (with the suppression warning), never merged
    assert after.loc[after["g"].isna(), "quantile"].isna().all()
    pd.testing.assert_series_equal(after.loc[after["g"].notna(), "quantile"].reset_index(drop=True),
                                   before["quantile"].reset_index(drop=True))


def test_a_nan_keyed_row_in_the_deprivation_shares_raises():
    from healthintel import deprivation

    lsoas = pd.DataFrame({"lsoa_code": ["E01000001", "E01000002"], "imd_quintile": [1, 5],
                          "population": [10.0, 20.0]})
    with pytest.raises(HealthIntelError, match="imd_quintile"):
        deprivation.population_by_quintile(_nan_row(lsoas, "imd_quintile"))
