"""OHID's NCMP disclosure rule: numerators of 7 or less suppressed, counts rounded to the nearest 5, prevalence from
the rounded counts, confidence intervals from the unrounded ones (Fingertips NCMP metadata); hand-worked cases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthintel import disclosure


def test_rates_rounded_and_small_numerators_suppressed():
    frame = pd.DataFrame({"numerator": [0, 7, 8, 12, 13, 102], "denominator": [40, 40, 41, 63, 62, 498],
                          "value": [0.0, 17.5, 19.5, 19.0, 21.0, 20.5], "lower_ci": [1.0] * 6, "upper_ci": [2.0] * 6})
    out = disclosure.ncmp_rates(frame, "numerator", "denominator", derived=["lower_ci", "upper_ci"])
    assert out["suppressed"].tolist() == [True, True, False, False, False, False]
    assert out["numerator"].tolist()[2:] == [10, 10, 15, 100]
    assert out["denominator"].tolist() == [40, 40, 40, 65, 60, 500]
    np.testing.assert_allclose(out["value"].to_numpy(dtype=float)[2:], [25.0, 100 * 10 / 65, 25.0, 20.0])
    assert out["value"].isna().tolist()[:2] == [True, True] and out["lower_ci"].isna().sum() == 2
    assert out["upper_ci"].tolist()[2:] == [2.0] * 4  # CIs stay those of the unrounded counts


def test_counts_rounded_zero_shown_and_shares_from_rounded_counts():
    frame = pd.DataFrame({"reason": list("abcd"), "records": [0, 3, 8, 1234]})
    out = disclosure.ncmp_counts(frame, ["records"], shares={"share": ("records", 1247)})
    assert out["records"].tolist()[0] == 0 and pd.isna(out["records"].iloc[1])
    assert out["records"].tolist()[2:] == [10, 1235]
    np.testing.assert_allclose(out["share"].to_numpy(dtype=float)[[0, 2, 3]], [0, 100 * 10 / 1245, 100 * 1235 / 1245])
    assert "7 or less" in disclosure.ncmp_rule_text() and "nearest 5" in disclosure.ncmp_rule_text()
    assert disclosure.round_to_nearest([2, 2.5, 7.5, 12]).tolist() == [0, 5, 10, 10]
