"""assign_quantiles against PHEindicatormethods 2.1.0 ``phe_quantile`` outputs, and the population-weighted variant.

Reference tests in this file: 6 (every ``quantile_*.csv`` output), built from ``sysdata__test_quantiles_g/ug.csv``
with the filters of ``testQuantiles.R``. ``invert`` maps to ``highest_first`` and ``nquantiles`` to ``n``; where the
R call takes ``invert`` from the ``Polarity`` field, each polarity's rows are run separately (polarity is constant
within every group).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from healthintel.errors import InvalidInputError, SuppressionWarning
from healthintel.stats import assign_quantiles


def read(path) -> pd.DataFrame:
    # the GroupSet value "None" is text, not missing
    return pd.read_csv(path, keep_default_na=False, na_values=["NA"])


@pytest.fixture(scope="module")
def grouped_input(pheim_dir):
    return read(pheim_dir / "inputs" / "sysdata__test_quantiles_g.csv")


@pytest.fixture(scope="module")
def ungrouped_input(pheim_dir):
    return read(pheim_dir / "inputs" / "sysdata__test_quantiles_ug.csv")


def by_polarity(data, *, by, n):
    parts = [
        assign_quantiles(rows, "Value", n=n, by=by, highest_first=bool(polarity))
        for polarity, rows in data.groupby("Polarity", sort=False)
    ]
    return pd.concat(parts).loc[data.index]


def run(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, [w for w in caught if issubclass(w.category, SuppressionWarning)]


def check(ours: pd.DataFrame, pheim_dir, name: str, *, expect_warnings: int):
    ref = read(pheim_dir / "outputs" / name)
    ours, warned = ours
    assert len(ours) == len(ref)
    np.testing.assert_array_equal(ours["AreaCode"].to_numpy(), ref["AreaCode"].to_numpy())
    got = ours["quantile"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    want = ref["quantile"].to_numpy(dtype=float)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got[~np.isnan(want)], want[~np.isnan(want)])
    assert len(warned) == expect_warnings, [str(w.message) for w in warned]
    np.testing.assert_array_equal(ours["nquantiles"].to_numpy(), ref["nquantiles"].to_numpy())
    return ours, ref


def test_ref_grouped_field_invert_10q(pheim_dir, grouped_input):
    data = grouped_input[grouped_input["GroupSet"] == "IndSexReg"]
    ours, ref = check(run(lambda: by_polarity(data, by=["IndSexRef", "ParentCode"], n=10)), pheim_dir,
                      "quantile_IndSexReg_grouped_field_invert_10q.csv", expect_warnings=2)
    # one warning per call: here one call per polarity, each with a region of only 9 areas
    assert ref["quantile"].isna().sum() == ours["quantile"].isna().sum() == 22


def test_ref_90366_female_grouped_invert_false_10q(pheim_dir, grouped_input):
    data = grouped_input[(grouped_input["IndSexRef"] == "90366Female") & (grouped_input["GroupSet"] == "IndSexReg")]
    ours, ref = check(run(lambda: assign_quantiles(data, "Value", n=10, by=["IndSexRef", "ParentCode"],
                                                   highest_first=False)),
                      pheim_dir, "quantile_90366Female_grouped_invertFALSE_10q.csv", expect_warnings=1)
    # every value the Excel reference gives (QuantileInGrp) is reproduced
    np.testing.assert_array_equal(
        ours["quantile"].astype("Float64").fillna(-1).to_numpy(), ref["QuantileInGrp"].fillna(-1).to_numpy()
    )


def test_ref_grouped_field_invert_7q(pheim_dir, grouped_input):
    data = grouped_input[grouped_input["GroupSet"] == "IndSex"]
    check(run(lambda: by_polarity(data, by=["IndSexRef"], n=7)), pheim_dir,
          "quantile_IndSex_grouped_field_invert_7q.csv", expect_warnings=0)


@pytest.mark.parametrize("n", [4, 10])
def test_ref_ungrouped_invert_true(pheim_dir, ungrouped_input, n):
    data = ungrouped_input[ungrouped_input["GroupSet"] == "None"]
    assert len(data) == 491
    check(run(lambda: assign_quantiles(data, "Value", n=n)), pheim_dir,
          f"quantile_None_ungrouped_invertTRUE_{n}q.csv", expect_warnings=0)


def test_ref_some_groups_all_na(pheim_dir, grouped_input):
    data = grouped_input[(grouped_input["IndSexRef"] == "90366Female") & (grouped_input["GroupSet"] == "IndSexReg")]
    data = data[data["Value"].notna()].copy()
    data.loc[data["ParentCode"] == "E12000006", "Value"] = np.nan
    ours, _ = check(run(lambda: assign_quantiles(data, "Value", n=10, by=["IndSexRef", "ParentCode"],
                                                 highest_first=False)),
                    pheim_dir, "quantile_some_groups_all_NA.csv", expect_warnings=1)
    assert ours.loc[ours["ParentCode"] == "E12000006", "quantile"].isna().all()


def test_too_few_warning_names_groups(grouped_input):
    data = grouped_input[(grouped_input["IndSexRef"] == "90366Female") & (grouped_input["GroupSet"] == "IndSexReg")]
    with pytest.warns(SuppressionWarning, match=r"group\(s\) had fewer than 10 areas.*ParentCode='E12000004'"):
        assign_quantiles(data, "Value", n=10, by=["IndSexRef", "ParentCode"], highest_first=False)


# ---------------------------------------------------------------------------------------------- weighted variant
def test_population_weighted_quantiles_hold_equal_population():
    rng = np.random.default_rng(7)
    n_areas = 3000
    data = pd.DataFrame({
        "region": rng.choice(["North", "South"], n_areas),
        "score": rng.gamma(2.0, 10.0, n_areas).round(3),
        "pop": rng.integers(1000, 3000, n_areas),
    })
    out = assign_quantiles(data, "score", n=10, by="region", weights="pop")
    for region, rows in out.groupby("region"):
        share = rows.groupby("quantile")["pop"].sum() / rows["pop"].sum()
        assert list(share.index) == list(range(1, 11))
        # each decile holds ~1/10 of the population, to within one area's population
        assert (np.abs(share - 0.1) <= rows["pop"].max() / rows["pop"].sum()).all(), region
        # quantile 1 holds the highest scores (highest_first=True)
        assert rows.loc[rows["quantile"] == 1, "score"].min() >= rows.loc[rows["quantile"] == 10, "score"].max()


def test_population_weighted_ties_share_a_quantile():
    data = pd.DataFrame({"score": [5.0] * 6 + list(range(10, 24)), "pop": [100] * 20})
    out = assign_quantiles(data, "score", n=5, weights="pop", highest_first=False)
    assert out.loc[:5, "quantile"].nunique() == 1
    assert out["quantile"].is_monotonic_increasing


def test_count_based_ties_share_a_quantile():
    data = pd.DataFrame({"score": [1.0, 2, 2, 2, 3, 4, 5, 6, 7, 8]})
    out = assign_quantiles(data, "score", n=5, highest_first=False)
    assert out.loc[1:3, "quantile"].nunique() == 1


@pytest.mark.parametrize("n", [1, 2.5, True])
def test_bad_n(n):
    with pytest.raises(InvalidInputError, match="n must be a whole number"):
        assign_quantiles(pd.DataFrame({"v": [1.0, 2.0]}), "v", n=n)
