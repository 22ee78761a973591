"""Differences (Newcombe method 10) and ratios (Katz log) of two independent proportions.

External expected values: Newcombe (1998) Table II worked examples and statsmodels'
``confint_proportions_2indep`` (an independent implementation), plus the tidy/wide equivalence.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from healthintel.errors import InvalidInputError, SuppressionWarning
from healthintel.stats import proportion_difference, proportion_ratio

# Newcombe 1998, Stat Med 17:873-90, Table II, method 10 (score, no continuity correction)
NEWCOMBE_EXAMPLES = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
]


@pytest.mark.parametrize("counts, limits", NEWCOMBE_EXAMPLES)
def test_newcombe_1998_table_ii(counts, limits):
    x1, n1, x2, n2 = counts
    d = pd.DataFrame({"x1": [x1], "n1": [n1], "x2": [x2], "n2": [n2]})
    out = proportion_difference(d, "x1", "n1", numerator_2="x2", denominator_2="n2")
    np.testing.assert_allclose(out[["lower_ci", "upper_ci"]].to_numpy()[0], limits, atol=5e-5)
    assert out["method"].iloc[0] == "Newcombe hybrid score (method 10)"


def test_difference_and_ratio_match_statsmodels():
    rng = np.random.default_rng(7)
    n1 = rng.integers(20, 5000, 200)
    n2 = rng.integers(20, 5000, 200)
    x1 = rng.binomial(n1, rng.uniform(0.05, 0.9, 200))
    x2 = rng.binomial(n2, rng.uniform(0.05, 0.9, 200))
    d = pd.DataFrame({"x1": x1, "n1": n1, "x2": x2, "n2": n2})
    diff = proportion_difference(d, "x1", "n1", numerator_2="x2", denominator_2="n2")
    ratio = proportion_ratio(d, "x1", "n1", numerator_2="x2", denominator_2="n2")
    for i in range(0, 200, 7):
        lo, hi = confint_proportions_2indep(x1[i], n1[i], x2[i], n2[i], method="newcomb", compare="diff")
        np.testing.assert_allclose([diff["lower_ci"][i], diff["upper_ci"][i]], [lo, hi], rtol=1e-9)
        lo, hi = confint_proportions_2indep(x1[i], n1[i], x2[i], n2[i], method="log", compare="ratio")
        np.testing.assert_allclose([ratio["lower_ci"][i], ratio["upper_ci"][i]], [lo, hi], rtol=1e-9)
    np.testing.assert_allclose(ratio["value"], (x1 / n1) / (x2 / n2))


@pytest.fixture
def quintiles():
    rng = np.random.default_rng(1)
    rows = []
    for year in (2022, 2023):
        for sex in ("F", "M"):
            for q in (1, 2, 3, 4, 5):
                for ward in range(3):  # several rows per quintile are summed
                    n = int(rng.integers(100, 1000))
                    rows.append((year, sex, q, ward, int(rng.binomial(n, 0.1 + 0.03 * (5 - q))), n))
    return pd.DataFrame(rows, columns=["year", "sex", "quintile", "ward", "obese", "measured"])


def test_tidy_equals_wide(quintiles):
    tidy = proportion_difference(quintiles, "obese", "measured", group="quintile", compare=(1, 5),
                                 by=["year", "sex"], multiplier=100, confidence=(0.95, 0.998))
    sums = quintiles.groupby(["year", "sex", "quintile"], sort=False)[["obese", "measured"]].sum().unstack()
    wide = pd.DataFrame({
        "x1": sums[("obese", 1)], "n1": sums[("measured", 1)], "x2": sums[("obese", 5)], "n2": sums[("measured", 5)],
    }).reset_index()
    expect = proportion_difference(wide, "x1", "n1", numerator_2="x2", denominator_2="n2", multiplier=100,
                                   confidence=(0.95, 0.998))
    assert tidy[["year", "sex"]].values.tolist() == [[2022, "F"], [2022, "M"], [2023, "F"], [2023, "M"]]
    cols = ["numerator_1", "denominator_1", "numerator_2", "denominator_2", "value", "lower_ci_95_0",
            "upper_ci_95_0", "lower_ci_99_8", "upper_ci_99_8"]
    np.testing.assert_allclose(tidy[cols].to_numpy(float), expect[cols].to_numpy(float), rtol=1e-12)
    assert (tidy["value"] > 0).all()  # quintile 1 has the higher prevalence in this fixture
    ratio = proportion_ratio(quintiles, "obese", "measured", group="quintile", compare=(1, 5), by=["year", "sex"])
    np.testing.assert_allclose(ratio["value"], tidy["proportion_1"] / tidy["proportion_2"])


def test_missing_category_is_suppressed(quintiles):
    data = quintiles[~((quintiles["year"] == 2023) & (quintiles["sex"] == "M") & (quintiles["quintile"] == 5))]
    with pytest.warns(SuppressionWarning, match="1 group"):
        out = proportion_difference(data, "obese", "measured", group="quintile", compare=(1, 5),
                                    by=["year", "sex"])
    assert out["value"].isna().tolist() == [False, False, False, True]
    assert out["suppression_reason"].notna().tolist() == [False, False, False, True]
    assert np.isnan(out["numerator_2"].iloc[3])


def test_ratio_zero_numerator_suppressed():
    d = pd.DataFrame({"x1": [0, 5], "n1": [10, 10], "x2": [3, 2], "n2": [10, 10]})
    with pytest.warns(SuppressionWarning, match="zero numerator"):
        out = proportion_ratio(d, "x1", "n1", numerator_2="x2", denominator_2="n2")
    assert out["value"].iloc[0] == 0 and np.isnan(out["lower_ci"].iloc[0])
    assert np.isfinite(out["lower_ci"].iloc[1])


def test_rowwise_keeps_index():
    d = pd.DataFrame({"x1": [5, 6], "n1": [10, 10], "x2": [3, 2], "n2": [10, 10]}, index=["a", "b"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = proportion_difference(d, "x1", "n1", numerator_2="x2", denominator_2="n2")
    assert out.index.tolist() == ["a", "b"]


def test_errors(quintiles):
    with pytest.raises(InvalidInputError, match="either numerator_2"):
        proportion_difference(quintiles, "obese", "measured")
    with pytest.raises(InvalidInputError, match="either numerator_2"):
        proportion_difference(quintiles, "obese", "measured", group="quintile", compare=(1, 5),
                              numerator_2="obese", denominator_2="measured")
    with pytest.raises(InvalidInputError, match=r"no rows with the value\(s\) \['5'\]"):
        proportion_difference(quintiles, "obese", "measured", group="quintile", compare=(1, "5"))
    with pytest.raises(InvalidInputError, match="compare must be a pair"):
        proportion_difference(quintiles, "obese", "measured", group="quintile", compare=1)
    bad = quintiles.assign(obese=quintiles["measured"] + 1)
    with pytest.raises(InvalidInputError, match="greater than column 'measured'"):
        proportion_ratio(bad, "obese", "measured", group="quintile", compare=(1, 5))
