"""Weight categories at the NCMP boundaries (method notes §2: p ≤ 2 / ≥ 85 / ≥ 95 / ≥ 99.6; clinical z 4/3, 2)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from healthintel.errors import InvalidInputError
from healthintel.obesity import CLINICAL, POPULATION, classify_weight


def _phi(z):
    return 50 * (1 + math.erf(z / math.sqrt(2)))


@pytest.mark.parametrize("centile, expected", [
    (0.0, "underweight"), (2.0, "underweight"),              # 2nd centile itself is underweight (≤)
    (np.nextafter(2.0, 3), "healthy weight"), (50, "healthy weight"),
    (np.nextafter(85.0, 0), "healthy weight"), (85.0, "overweight"),   # 85th is overweight (≥)
    (np.nextafter(95.0, 0), "overweight"), (95.0, "obese"),            # 95th is obese (≥)
    (np.nextafter(99.6, 0), "obese"), (99.6, "severely obese"), (100.0, "severely obese"),
])
def test_population_boundaries(centile, expected):
    assert classify_weight([centile])[0] == expected


def test_ncmp_unit_test_boundaries_and_missing():
    # NHS Digital's own unit test: 0.02 -> underweight, 0.85 -> overweight, 0.95 -> obese, 0.996 -> severe
    got = classify_weight(pd.Series([2.0, 85.0, 95.0, 99.6, np.nan]))
    assert list(got[:4]) == ["underweight", "overweight", "obese", "severely obese"]
    assert pd.isna(got[4])
    assert list(got.categories) == list(POPULATION) and got.ordered


def test_clinical_boundaries_are_z_four_thirds_and_two():
    over, obese = _phi(4 / 3), _phi(2.0)
    assert over == pytest.approx(90.8789, abs=5e-5) and obese == pytest.approx(97.7250, abs=5e-5)
    got = classify_weight([2.0, 2.5, np.nextafter(over, 0), over, np.nextafter(obese, 0), obese, 99.9],
                          thresholds="clinical")
    assert list(got) == ["underweight", "healthy weight", "healthy weight", "overweight", "overweight", "obese",
                         "obese"]
    assert list(got.categories) == list(CLINICAL)


def test_population_measures_count_severe_within_obesity():
    from healthintel.obesity import counts

    pupils = pd.DataFrame({"category": classify_weight([1, 50, 90, 96, 99.7, 99.8]), "g": 1})
    c = counts(pupils, by="g").set_index("measure")
    assert c.loc["obesity", "numerator"] == 3 and c.loc["severe_obesity", "numerator"] == 2
    assert c.loc["overweight_incl_obesity", "numerator"] == 4 and c.loc["underweight", "numerator"] == 1
    assert (c["denominator"] == 6).all()


def test_unknown_threshold_set():
    with pytest.raises(InvalidInputError, match="population' or 'clinical"):
        classify_weight([50], thresholds="who")
